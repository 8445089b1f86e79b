package content

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Work that must not run on two instances at once, or must happen once
// across the fleet, is coordinated through the document store alone, with
// the same single-document versioned writes as everything else:
//
//   - a lease (leases/<name>) names one holder until an expiry; the holder
//     renews it while working, and anyone may take it once it has expired;
//   - a once-only record (once/<key>) makes a side effect happen once,
//     whichever instance gets there first;
//   - a counter (counters/<name>) is raised only below its cap, in one
//     guarded write.
//
// Expiries are compared with each instance's own clock: a lease's time to
// live must be well above the clock skew between instances (NTP keeps it
// to milliseconds) plus the holder's renewal interval. A holder that stalls
// past its expiry (a long pause, a lost network) can still finish a write
// after another instance took over; work done under a lease must therefore
// be fenced too, by checking Held before committing, or by version guards
// on what it writes (the search indexer does both, see outbox.go).

// ErrLeaseHeld means another instance holds the lease.
var ErrLeaseHeld = errors.New("held by another instance")

// ErrLeaseLost means the lease expired and another instance took it.
var ErrLeaseLost = errors.New("lease lost")

type leaseDoc struct {
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
	// Token grows by one whenever the lease changes hands, so a holder
	// can tell its own tenure from a later one of the same instance.
	Token int64 `bson:"token"`
}

// Lease is a claim on a named job by this instance.
type Lease struct {
	s    *Service
	name string
	mu   sync.Mutex
	ver  int64
	doc  leaseDoc
}

// Instance is this service's owner id for leases and once-only records:
// random per process, so two instances never share one.
func (s *Service) Instance() string { return s.instance }

// ClaimLease takes the named lease for ttl if it is free, expired, or
// already this instance's; otherwise it returns ErrLeaseHeld.
func (s *Service) ClaimLease(ctx context.Context, name string, ttl time.Duration) (*Lease, error) {
	c := s.docs.C(collLeases)
	now := s.now().UTC()
	expires := now.Add(ttl).Truncate(time.Millisecond)
	var cur leaseDoc
	v, err := c.Get(ctx, name, &cur)
	switch {
	case errors.Is(err, docs.ErrNotFound):
		d := leaseDoc{Owner: s.instance, Expires: expires, Token: 1}
		err := c.Insert(ctx, name, &d)
		if errors.Is(err, docs.ErrDuplicate) {
			return nil, fmt.Errorf("lease %s: %w", name, ErrLeaseHeld)
		}
		if err != nil {
			return nil, mapErr(err, "lease "+name)
		}
		return &Lease{s: s, name: name, ver: 1, doc: d}, nil
	case err != nil:
		return nil, mapErr(err, "lease "+name)
	case cur.Owner != s.instance && now.Before(cur.Expires):
		return nil, fmt.Errorf("lease %s: %w", name, ErrLeaseHeld)
	}
	d := leaseDoc{Owner: s.instance, Expires: expires, Token: cur.Token}
	if cur.Owner != s.instance || !now.Before(cur.Expires) {
		d.Token++
	}
	nv, err := c.Replace(ctx, name, v, &d)
	if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
		return nil, fmt.Errorf("lease %s: %w", name, ErrLeaseHeld)
	}
	if err != nil {
		return nil, mapErr(err, "lease "+name)
	}
	return &Lease{s: s, name: name, ver: nv, doc: d}, nil
}

// Token identifies this tenure of the lease: it changes whenever the
// lease changes hands.
func (l *Lease) Token() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.doc.Token
}

// Expires is when the lease lapses unless renewed.
func (l *Lease) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.doc.Expires
}

// Renew moves the expiry to ttl from now, or returns ErrLeaseLost if the
// lease changed since this holder last wrote it.
func (l *Lease) Renew(ctx context.Context, ttl time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.doc
	d.Expires = l.s.now().UTC().Add(ttl).Truncate(time.Millisecond)
	nv, err := l.s.docs.C(collLeases).Replace(ctx, l.name, l.ver, &d)
	if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
		return fmt.Errorf("lease %s: %w", l.name, ErrLeaseLost)
	}
	if err != nil {
		return mapErr(err, "lease "+l.name)
	}
	l.ver, l.doc = nv, d
	return nil
}

// Held checks in the store that the lease is still this holder's and
// unexpired: the fence before committing work done under it.
func (l *Lease) Held(ctx context.Context) error {
	l.mu.Lock()
	ver, d := l.ver, l.doc
	l.mu.Unlock()
	var cur leaseDoc
	v, err := l.s.docs.C(collLeases).Get(ctx, l.name, &cur)
	if errors.Is(err, docs.ErrNotFound) || (err == nil && (v != ver || cur.Token != d.Token || !l.s.now().Before(cur.Expires))) {
		return fmt.Errorf("lease %s: %w", l.name, ErrLeaseLost)
	}
	return mapErr(err, "lease "+l.name)
}

// Release gives the lease up at once, if this holder still has it, so the
// next instance need not wait for the expiry.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.doc
	d.Expires = time.Time{}
	nv, err := l.s.docs.C(collLeases).Replace(ctx, l.name, l.ver, &d)
	if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
		return nil // already someone else's
	}
	if err == nil {
		l.ver, l.doc = nv, d
	}
	return mapErr(err, "lease "+l.name)
}

// WithLease runs fn while holding the named lease, renewing it every
// third of ttl. If another instance holds it, fn does not run and
// WithLease returns ErrLeaseHeld. If a renewal finds the lease lost, fn's
// context is cancelled and WithLease returns ErrLeaseLost (with fn's own
// error, if any). The lease is released when fn returns.
func (s *Service) WithLease(ctx context.Context, name string, ttl time.Duration, fn func(ctx context.Context, l *Lease) error) error {
	l, err := s.ClaimLease(ctx, name, ttl)
	if err != nil {
		return err
	}
	work, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopped := make(chan struct{})
	renewing := make(chan struct{})
	go func() {
		defer close(renewing)
		t := time.NewTicker(max(ttl/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stopped:
				return
			case <-t.C:
			}
			err := l.Renew(work, ttl)
			if errors.Is(err, ErrLeaseLost) {
				cancel(err)
				return
			}
			// Other errors (the store briefly away) are retried at the
			// next tick; the expiry leaves room for two misses.
		}
	}()
	ferr := fn(work, l)
	close(stopped)
	<-renewing
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	if cause := context.Cause(work); errors.Is(cause, ErrLeaseLost) {
		return errors.Join(cause, ferr)
	}
	_ = l.Release(rctx)
	return ferr
}

// ClaimPeriod takes the named lease for one period and keeps it (no
// release), so a periodic job runs once per period across the fleet: the
// instance that gets it runs the job, every other instance skips until
// the period has passed. It reports whether this instance should run.
func (s *Service) ClaimPeriod(ctx context.Context, name string, period time.Duration) (bool, error) {
	_, err := s.ClaimLease(ctx, name, period)
	if errors.Is(err, ErrLeaseHeld) {
		return false, nil
	}
	return err == nil, err
}

// Once-only records.
//
// Once runs fn unless the effect under key is already done or under way
// elsewhere. The record is written before fn runs (pending, with this
// instance as owner and an expiry) and marked done after; a second caller
// finds it and skips. The choice for a crash between the record and the
// effect is at-least-once: a pending record whose expiry has passed (its
// owner died mid-effect, or fn failed) is taken over and fn runs again.
// So fn may run twice only when an instance died or stalled past ttl after
// starting it; it should pass key on as an idempotency key where the
// receiver accepts one. Callers who would rather lose an effect than
// repeat it use OnceAtMostOnce.

// ErrOnceBusy means another instance is performing the effect now.
var ErrOnceBusy = errors.New("being done by another instance")

// ErrOnceUnknown means an earlier attempt began the effect and never
// recorded whether it finished; OnceAtMostOnce does not retry it.
var ErrOnceUnknown = errors.New("an earlier attempt may have done it")

const (
	onceDone    = "done"
	oncePending = "pending"
)

type onceDoc struct {
	State   string    `bson:"state"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
	Done    time.Time `bson:"done,omitempty"`
	// Attempts counts the starts, to tell a retried effect from a first.
	Attempts int    `bson:"attempts"`
	LastErr  string `bson:"last_err,omitempty"`
}

// Once runs fn at most once per key while instances live, and again only
// after a crash or failure mid-effect (see above). ran says whether fn ran
// here and succeeded; a key already done returns false and nil. ttl bounds
// how long one attempt of fn may take before another instance may retry.
func (s *Service) Once(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) error) (ran bool, err error) {
	return s.once(ctx, key, ttl, false, fn)
}

// OnceAtMostOnce is Once for effects that must never repeat: a pending
// record left by a crashed attempt is not retried but reported as
// ErrOnceUnknown, for a person to look at. A failure that fn reports
// itself (it knows nothing happened) is still retried.
func (s *Service) OnceAtMostOnce(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) error) (ran bool, err error) {
	return s.once(ctx, key, ttl, true, fn)
}

func (s *Service) once(ctx context.Context, key string, ttl time.Duration, atMostOnce bool, fn func(ctx context.Context) error) (bool, error) {
	c := s.docs.C(collOnce)
	now := s.now().UTC()
	mine := onceDoc{State: oncePending, Owner: s.instance, Expires: now.Add(ttl).Truncate(time.Millisecond), Attempts: 1}
	var ver int64
	err := c.Insert(ctx, key, &mine)
	switch {
	case err == nil:
		ver = 1
	case !errors.Is(err, docs.ErrDuplicate):
		return false, mapErr(err, "once "+key)
	default:
		var cur onceDoc
		v, err := c.Get(ctx, key, &cur)
		if err != nil {
			return false, mapErr(err, "once "+key)
		}
		switch {
		case cur.State == onceDone:
			return false, nil
		case now.Before(cur.Expires):
			return false, fmt.Errorf("once %s: %w", key, ErrOnceBusy)
		case atMostOnce && cur.LastErr == "":
			// Expired without a word from its owner: it may have done it.
			return false, fmt.Errorf("once %s: %w", key, ErrOnceUnknown)
		}
		mine.Attempts = cur.Attempts + 1
		if ver, err = c.Replace(ctx, key, v, &mine); err != nil {
			if errors.Is(err, docs.ErrConflict) {
				return false, fmt.Errorf("once %s: %w", key, ErrOnceBusy)
			}
			return false, mapErr(err, "once "+key)
		}
	}
	ferr := fn(ctx)
	// The outcome is recorded even if ctx ended meanwhile.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	end := mine
	if ferr != nil {
		// Free for a retry at once; the error says nothing happened.
		end.Expires, end.LastErr = time.Time{}, ferr.Error()
	} else {
		end.State, end.Done = onceDone, s.now().UTC().Truncate(time.Millisecond)
	}
	_, err = c.Replace(wctx, key, ver, &end)
	if ferr != nil {
		return false, ferr
	}
	if err != nil {
		// The effect happened but the record still says pending: after
		// its expiry, Once retries it (at least once); OnceAtMostOnce
		// reports it unknown.
		return true, mapErr(err, "once "+key)
	}
	return true, nil
}

// OnceDone reports whether the effect under key has been recorded done.
func (s *Service) OnceDone(ctx context.Context, key string) (bool, error) {
	var d onceDoc
	_, err := s.docs.C(collOnce).Get(ctx, key, &d)
	if errors.Is(err, docs.ErrNotFound) {
		return false, nil
	}
	return d.State == onceDone, mapErr(err, "once "+key)
}

// Counters.

// ErrCapacity means a counter would pass its cap.
var ErrCapacity = errors.New("capacity reached")

type counterDoc struct {
	N int64 `bson:"n"`
}

// AddCounter adds delta to the named counter in one version-guarded write
// (retried under contention) and returns the new value (0 on an error). With limit > 0,
// an addition that would take the counter above limit is refused with
// ErrCapacity and nothing changes, so a capacity holds whichever instance
// admits the last seat. To count a contribution only once, run AddCounter
// inside Once with the contribution's key.
func (s *Service) AddCounter(ctx context.Context, name string, delta, limit int64) (int64, error) {
	d, err := upsert(ctx, s.docs.C(collCounters), name, func(d *counterDoc) error {
		if limit > 0 && d.N+delta > limit {
			return fmt.Errorf("counter %s at %d of %d: %w", name, d.N, limit, ErrCapacity)
		}
		d.N += delta
		return nil
	})
	if errors.Is(err, ErrCapacity) {
		return 0, err
	}
	return d.N, mapErr(err, "counter "+name)
}

// Counter returns the named counter's value (0 if never added to).
func (s *Service) Counter(ctx context.Context, name string) (int64, error) {
	var d counterDoc
	_, err := s.docs.C(collCounters).Get(ctx, name, &d)
	if errors.Is(err, docs.ErrNotFound) {
		return 0, nil
	}
	return d.N, mapErr(err, "counter "+name)
}
