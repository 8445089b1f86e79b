package content

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashingSlotsBoundConcurrency: however many logins arrive together,
// no more than the slots hash at once; those that wait too long get
// ErrBusy instead of holding memory.
func TestHashingSlotsBoundConcurrency(t *testing.T) {
	s := &Service{}
	s.SetHashing(3, 2*time.Second)
	var now, peak atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.withHashSlot(context.Background(), func() {
				n := now.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				now.Add(-1)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Errorf("peak concurrent hashes %d, want 1 to 3", p)
	}

	s.SetHashing(1, 30*time.Millisecond)
	hold := make(chan struct{})
	go func() { _ = s.withHashSlot(context.Background(), func() { <-hold }) }()
	time.Sleep(10 * time.Millisecond)
	start := time.Now()
	err := s.withHashSlot(context.Background(), func() { t.Error("ran without a slot") })
	close(hold)
	if !errors.Is(err, ErrBusy) || time.Since(start) > time.Second {
		t.Errorf("with the only slot held: %v after %v, want ErrBusy after the wait", err, time.Since(start))
	}
}
