package content

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// twoInstances are two services over one document store, as two
// processes behind a load balancer would be.
func twoInstances(t *testing.T, d docs.Store) (*Service, *Service) {
	t.Helper()
	if d == nil {
		var err error
		d, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), Schemas())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
	}
	a, err := New(d, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(d, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Instance() == b.Instance() {
		t.Fatal("two instances share an owner id")
	}
	return a, b
}

// movableClock is a clock a test moves forward.
type movableClock struct{ off atomic.Int64 }

func (c *movableClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *movableClock) advance(d time.Duration) { c.off.Add(int64(d)) }

func TestLeaseTwoInstances(t *testing.T) { testLease(t, nil) }

func testLease(t *testing.T, d docs.Store) {
	a, b := twoInstances(t, d)
	ctx := context.Background()
	clock := &movableClock{}
	a.SetClock(clock.now)
	b.SetClock(clock.now)

	// Racing claims: exactly one wins each round.
	for round := range 20 {
		name := "job-" + newID(6)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for _, s := range []*Service{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.ClaimLease(ctx, name, time.Minute)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, ErrLeaseHeld):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// The same instance may claim twice (it already holds it); what
		// matters is that one instance holds it.
		la, errA := a.ClaimLease(ctx, name, time.Minute)
		lb, errB := b.ClaimLease(ctx, name, time.Minute)
		if (errA == nil) == (errB == nil) || wins.Load() == 0 {
			t.Fatalf("round %d: %d wins; after: a %v, b %v", round, wins.Load(), errA, errB)
		}
		_, _ = la, lb
	}

	// Held until it expires; renewal keeps it; expiry hands it over.
	la, err := a.ClaimLease(ctx, "outbox", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ClaimLease(ctx, "outbox", time.Minute); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("b claimed a held lease: %v", err)
	}
	clock.advance(50 * time.Second)
	if err := la.Renew(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.advance(50 * time.Second) // 100 s after the claim, 50 after the renewal
	if _, err := b.ClaimLease(ctx, "outbox", time.Minute); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("b took a renewed lease: %v", err)
	}
	if err := la.Held(ctx); err != nil {
		t.Fatalf("a lost a renewed lease: %v", err)
	}
	clock.advance(11 * time.Second)
	if err := la.Held(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("an expired lease still held: %v", err)
	}
	lb, err := b.ClaimLease(ctx, "outbox", time.Minute)
	if err != nil {
		t.Fatalf("b could not take an expired lease: %v", err)
	}
	if lb.Token() <= la.Token() {
		t.Errorf("token %d after hand-over, was %d", lb.Token(), la.Token())
	}
	if err := la.Renew(ctx, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("a renewed a lease b took: %v", err)
	}
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lb.Held(ctx); err != nil {
		t.Fatalf("a's late release took b's lease: %v", err)
	}
	// Release frees it at once.
	if err := lb.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ClaimLease(ctx, "outbox", time.Minute); err != nil {
		t.Fatalf("a could not claim a released lease: %v", err)
	}
}

// TestWithLeaseCancelsOnLoss: work under WithLease runs on one instance
// at a time, is renewed while it runs, and is cancelled when another
// instance took the lease.
func TestWithLeaseCancelsOnLoss(t *testing.T) {
	a, b := twoInstances(t, nil)
	ctx := context.Background()
	clock := &movableClock{}
	b.SetClock(clock.now)
	started := make(chan struct{})
	release := make(chan struct{})
	var errA error
	done := make(chan struct{})
	go func() {
		defer close(done)
		errA = a.WithLease(ctx, "fill", 300*time.Millisecond, func(ctx context.Context, l *Lease) error {
			close(started)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	<-started
	// Running past several times its time to live: renewed, still a's.
	time.Sleep(700 * time.Millisecond)
	if err := b.WithLease(ctx, "fill", time.Second, func(context.Context, *Lease) error {
		t.Error("ran on b while a held the lease")
		return nil
	}); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("b: %v, want ErrLeaseHeld", err)
	}
	// a stalls (b's clock runs ahead of its renewals): b takes over, and
	// a's work is cancelled at its next renewal.
	clock.advance(time.Hour)
	// A claim that meets one of a's renewals between its read and its
	// write loses that race (ErrLeaseHeld), as an instance's next period
	// would try again; on a loaded machine that happens, so try a few.
	var err error
	for range 20 {
		if _, err = b.ClaimLease(ctx, "fill", time.Hour); !errors.Is(err, ErrLeaseHeld) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("a's work went on after b took the lease")
	}
	if !errors.Is(errA, ErrLeaseLost) {
		t.Errorf("a: %v, want ErrLeaseLost", errA)
	}
}

// TestOnceAcrossInstances: an effect raced from two instances happens
// once; a failed attempt is retried; an attempt whose owner died is
// retried after its expiry (at least once), or reported unknown by
// OnceAtMostOnce.
func TestOnceAcrossInstances(t *testing.T) {
	a, b := twoInstances(t, nil)
	ctx := context.Background()
	clock := &movableClock{}
	a.SetClock(clock.now)
	b.SetClock(clock.now)

	var effects atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		s := []*Service{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Once(ctx, "reminder:u1:c1", time.Minute, func(context.Context) error {
				effects.Add(1)
				time.Sleep(20 * time.Millisecond)
				return nil
			})
			if err != nil && !errors.Is(err, ErrOnceBusy) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := effects.Load(); n != 1 {
		t.Fatalf("effect ran %d times, want 1", n)
	}
	if ok, _ := b.OnceDone(ctx, "reminder:u1:c1"); !ok {
		t.Error("not recorded done")
	}
	if ran, err := b.Once(ctx, "reminder:u1:c1", time.Minute, func(context.Context) error { effects.Add(1); return nil }); ran || err != nil || effects.Load() != 1 {
		t.Errorf("again after done: ran %v, %v, effects %d", ran, err, effects.Load())
	}

	// A failure reported by fn frees the record for a retry at once.
	boom := errors.New("mail server down")
	if _, err := a.Once(ctx, "mail:1", time.Minute, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if ran, err := b.Once(ctx, "mail:1", time.Minute, func(context.Context) error { return nil }); !ran || err != nil {
		t.Fatalf("retry after a failure: ran %v, %v", ran, err)
	}

	// An owner that dies mid-effect: a pending record, busy until its
	// expiry, then taken over (Once) or reported unknown (OnceAtMostOnce).
	dead := onceDoc{State: oncePending, Owner: "dead", Expires: clock.now().Add(time.Minute).UTC().Truncate(time.Millisecond), Attempts: 1}
	for _, key := range []string{"cert:1", "cert:2"} {
		if err := a.docs.C(collOnce).Insert(ctx, key, &dead); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Once(ctx, "cert:1", time.Minute, func(context.Context) error { return nil }); !errors.Is(err, ErrOnceBusy) {
		t.Fatalf("before expiry: %v, want ErrOnceBusy", err)
	}
	clock.advance(2 * time.Minute)
	if ran, err := b.Once(ctx, "cert:1", time.Minute, func(context.Context) error { return nil }); !ran || err != nil {
		t.Fatalf("after the owner died: ran %v, %v", ran, err)
	}
	if _, err := b.OnceAtMostOnce(ctx, "cert:2", time.Minute, func(context.Context) error {
		t.Error("at-most-once effect repeated")
		return nil
	}); !errors.Is(err, ErrOnceUnknown) {
		t.Fatalf("at most once after the owner died: %v, want ErrOnceUnknown", err)
	}
}

// TestCounterCapAcrossInstances: additions raced from two instances are
// all counted, and a cap is never passed.
func TestCounterCapAcrossInstances(t *testing.T) {
	a, b := twoInstances(t, nil)
	ctx := context.Background()
	var admitted, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		s := []*Service{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.AddCounter(ctx, "seats:c1", 1, 25)
			switch {
			case err == nil:
				admitted.Add(1)
			case errors.Is(err, ErrCapacity):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, err := a.Counter(ctx, "seats:c1")
	if err != nil || n != 25 || admitted.Load() != 25 || refused.Load() != 15 {
		t.Fatalf("counter %d (%v), admitted %d, refused %d; want 25, 25, 15", n, err, admitted.Load(), refused.Load())
	}
}
