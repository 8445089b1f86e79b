package app

import (
	"context"
	"math"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, gcFloor},
		{5 << 20, gcFloor},     // search load: the floor
		{6 << 20, gcFloor},     // still the floor
		{12 << 20, 40 << 20},   // past it: twice the live heap and the slack
		{100 << 20, 216 << 20}, // large heaps: no later than GOGC=100 would collect
	} {
		if got := gcLimit(c.live); got != c.want {
			t.Errorf("gcLimit(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// TestTuneGC: the collector is tuned while the server runs and put back
// after, and left alone when the operator set GOGC.
func TestTuneGC(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tuneGC(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	// The limit is set after the percent; reading it changes nothing.
	for debug.SetMemoryLimit(-1) == math.MaxInt64 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if p := gcPercentNow(); p != gcPercent {
		t.Fatalf("GC percent %d while serving, want %d", p, gcPercent)
	}
	// The live heap, and so the limit above the floor, depends on what
	// the package's other tests left behind.
	if l := debug.SetMemoryLimit(-1); l < gcFloor || l == math.MaxInt64 {
		t.Errorf("memory limit %d, want at least the floor %d", l, gcFloor)
	}
	cancel()
	<-done
	if p := gcPercentNow(); p == gcPercent {
		t.Errorf("GC percent still %d after the server stopped", p)
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("memory limit %d after the server stopped", l)
	}

	t.Setenv("GOGC", "100")
	debug.SetGCPercent(100)
	tuneGC(context.Background()) // returns at once
	if p := gcPercentNow(); p != 100 {
		t.Errorf("GC percent %d with GOGC set, want 100", p)
	}
}

// gcPercentNow reads the GC percent (setting it is the only way to read it).
func gcPercentNow() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
