package docstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// BenchDocs is the size of the benchmark collection.
const BenchDocs = 10_000

// Bench measures the operations every request makes on a collection of
// BenchDocs documents. The collection is loaded once, before the
// sub-benchmarks, so b.N only counts the operation measured.
func Bench(b *testing.B, open func(tb testing.TB, schemas []docs.Schema) docs.Store) {
	ctx := context.Background()
	s := open(b, Schemas)
	c := s.C("items")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	item := func(i int) Item {
		return Item{
			Name:   fmt.Sprintf("item %d", i),
			Group:  fmt.Sprintf("g%02d", i%100),
			N:      i,
			At:     base.Add(time.Duration(i) * time.Minute),
			Active: i%2 == 0,
			Code:   fmt.Sprintf("code-%05d", i),
			Meta:   Meta{Owner: fmt.Sprintf("o%d", i%7)},
		}
	}
	id := func(i int) string { return fmt.Sprintf("b%05d", i) }

	start := time.Now()
	const loaders = 8
	var wg sync.WaitGroup
	errs := make(chan error, loaders)
	for w := 0; w < loaders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < BenchDocs; i += loaders {
				if err := c.Insert(ctx, id(i), item(i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("load: %v", err)
	}
	b.Logf("loaded %d documents in %v", BenchDocs, time.Since(start).Round(time.Millisecond))

	b.Run("GetByID", func(b *testing.B) {
		var it Item
		for i := 0; b.Loop(); i++ {
			if _, err := c.Get(ctx, id(i*7919%BenchDocs), &it); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindOnIndex", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p, err := c.Find(ctx, docs.Query{Where: []docs.Eq{{Field: "group", Value: fmt.Sprintf("g%02d", i%100)}}, Limit: 20})
			if err != nil {
				b.Fatal(err)
			}
			if len(p.Docs) != 20 {
				b.Fatalf("found %d documents, want 20", len(p.Docs))
			}
		}
	})
	// Versions are tracked here so the benchmark measures Replace alone,
	// not a Get before it.
	versions := make([]int64, BenchDocs)
	for i := range versions {
		versions[i] = 1
	}
	b.Run("Replace", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			k := i * 7919 % BenchDocs
			it := item(k)
			it.Counter = int64(i)
			v, err := c.Replace(ctx, id(k), versions[k], it)
			if err != nil {
				b.Fatal(err)
			}
			versions[k] = v
		}
	})
}
