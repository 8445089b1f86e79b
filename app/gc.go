package app

import (
	"context"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The server's live heap is small (about 5 MB while serving searches), and
// with Go's default GOGC=100 the collector ran every 15 ms under search
// load: with write barriers on half the time, it took a third of the CPU
// (600 searches a second at 32 clients; 850-1,000 with this). So the heap
// may grow to 5 times what is live (GOGC=400), but Go's memory stays under
// a soft limit of max(gcFloor, 2 × live + gcSlack): small heaps are
// collected far less often, and a large one no less often than with the
// defaults. The floor is low because an upload also holds up to 32 MiB of
// parts outside the heap (content/partmem_unix.go) and the server should
// stay under 100 MB then. A GOGC or GOMEMLIMIT set by the operator wins.
const (
	gcPercent = 400
	gcFloor   = 28 << 20
	gcSlack   = 16 << 20 // stacks and runtime memory the limit also counts
	gcEvery   = time.Second
)

// gcLimit is the soft memory limit for a live heap of live bytes.
func gcLimit(live uint64) int64 {
	return max(int64(gcFloor), 2*int64(live)+gcSlack)
}

// tuneGC applies the settings above and follows the live heap until ctx
// ends; it does nothing when the operator tuned the collector.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	follow := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(gcLimit(sample[0].Value.Uint64()))
		}
	}
	old := debug.SetGCPercent(gcPercent)
	follow()
	defer func() {
		debug.SetGCPercent(old)
		debug.SetMemoryLimit(math.MaxInt64) // Go's default: no limit
	}()
	t := time.NewTicker(gcEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			follow()
		}
	}
}
