package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/docstest"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

func open(tb testing.TB, schemas []docs.Schema) docs.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "docs.db"), schemas)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	docstest.Run(t, func(t *testing.T, schemas []docs.Schema) docs.Store { return open(t, schemas) })
}

func BenchmarkStore(b *testing.B) {
	docstest.Bench(b, open)
}
