package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/wireserial"
	"github.com/kotalama/kompeten/storage/docs/mongo"
)

// TestLeaseAcrossConnections: two domain services race for a lease, a
// once-only record and a capped counter; each has exactly one winner.
//
// Against MongoDB each service has its own connection, as two processes
// do. Against FerretDB both share one store: FerretDB 1.24 does not make
// a version-guarded replace atomic, so this backend serialises writes
// within one process only (see Collection.ferret), and two connections
// lose updates (run with KOMPETEN_TEST_FERRETDB_TWO_CONNECTIONS=1 to see
// it). Behind wireserial, which lets one request through at a time, two
// connections to FerretDB hold the guarantees as MongoDB's do: that is how
// the two-instance test (fleet/) runs its two processes.
func TestLeaseAcrossConnections(t *testing.T) {
	for _, backend := range []struct {
		name  string
		uri   func(testing.TB) string
		conns int
	}{{"FerretDB", ferretURI, ferretConns()}, {"FerretDB behind wireserial", serialFerretURI, 2}, {"MongoDB", realURI, 2}} {
		t.Run(backend.name, func(t *testing.T) {
			uri := withDatabase(t, backend.uri(t))
			ctx := context.Background()
			var svcs []*content.Service
			var stores []*mongo.Store
			for i := range 2 {
				if i < backend.conns {
					s, err := mongo.Open(ctx, uri, content.Schemas())
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { s.Close() })
					stores = append(stores, s)
				}
				svc, err := content.New(stores[len(stores)-1], nil, content.Options{})
				if err != nil {
					t.Fatal(err)
				}
				svcs = append(svcs, svc)
			}
			t.Cleanup(func() { dropDatabase(t, uri) })

			for round := range 10 {
				name := fmt.Sprintf("job-%d", round)
				holders := map[string]bool{}
				var mu sync.Mutex
				var wg sync.WaitGroup
				for i := range 6 {
					s := svcs[i%2]
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := s.ClaimLease(ctx, name, time.Minute)
						if err == nil {
							mu.Lock()
							holders[s.Instance()] = true
							mu.Unlock()
						} else if !errors.Is(err, content.ErrLeaseHeld) {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
				if len(holders) != 1 {
					t.Fatalf("round %d: %d instances hold the lease", round, len(holders))
				}
			}

			var effects atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				s := svcs[i%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Once(ctx, "reminder:1", time.Minute, func(context.Context) error { effects.Add(1); return nil })
					if err != nil && !errors.Is(err, content.ErrOnceBusy) {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n := effects.Load(); n != 1 {
				t.Errorf("effect ran %d times", n)
			}

			var admitted atomic.Int32
			for i := range 12 {
				s := svcs[i%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.AddCounter(ctx, "seats", 1, 5); err == nil {
						admitted.Add(1)
					} else if !errors.Is(err, content.ErrCapacity) {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n, _ := svcs[0].Counter(ctx, "seats"); n != 5 || admitted.Load() != 5 {
				t.Errorf("counter %d, admitted %d; want 5, 5", n, admitted.Load())
			}
		})
	}
}

// serialFerretURI is FerretDB's URI with a wireserial proxy in between.
func serialFerretURI(tb testing.TB) string {
	u, err := url.Parse(ferretURI(tb))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := wireserial.Start(u.Host)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return u.String()
}

func ferretConns() int {
	if os.Getenv("KOMPETEN_TEST_FERRETDB_TWO_CONNECTIONS") != "" {
		return 2
	}
	return 1
}
