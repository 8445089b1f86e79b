// Package bench holds Kompeten's end-to-end speed and memory benchmarks.
// They build the real binary, run `kompeten serve` as a subprocess on
// 127.0.0.1 and drive it over HTTP, beside a real MinIO (s3test). They run
// only with -bench; see README.md.
package bench

import (
	"os"
	"testing"

	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// Servers and temp files first, then MinIO (its data dir goes with it).
	cleanupAll()
	s3test.Stop()
	os.Exit(code)
}
