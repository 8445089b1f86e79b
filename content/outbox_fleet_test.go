package content

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/bleve"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// heldIndex holds its first Upsert until the test lets it land, and lands
// it whatever its context says: a search task already sent is applied by
// the backend even if the sender gave up waiting for it.
type heldIndex struct {
	search.Index
	once    sync.Once
	entered chan struct{}
	land    chan struct{}
}

func (h *heldIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	held := false
	h.once.Do(func() { held = true })
	if held {
		close(h.entered)
		<-h.land
		return h.Index.Upsert(context.WithoutCancel(ctx), ds...)
	}
	return h.Index.Upsert(ctx, ds...)
}

// fleetEnv is two instances over one document store and one search
// index, as two processes sharing MongoDB and Meilisearch.
type fleetEnv struct {
	a, b    *Service
	idx     search.Index
	trainer User
}

func newFleetEnv(t *testing.T) *fleetEnv {
	t.Helper()
	ctx := context.Background()
	d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), Schemas())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close(); d.Close() })
	a, b := twoInstances(t, d)
	trainer, err := a.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	return &fleetEnv{a: a, b: b, idx: idx, trainer: trainer}
}

// titles returns the titles the index holds for the course.
func (e *fleetEnv) titles(t *testing.T, courseID string) []string {
	t.Helper()
	res, err := e.idx.Search(context.Background(), search.Query{Text: "kearsipan", All: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		if h.CourseID == courseID && h.Type == search.TypeCourse {
			out = append(out, h.Title)
		}
	}
	return out
}

// drain runs both instances' outboxes until nothing is pending.
func (e *fleetEnv) drain(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	// A course put back after a failure waits out its delay.
	clock := &movableClock{}
	e.a.SetClock(clock.now)
	e.b.SetClock(clock.now)
	for range 50 {
		clock.advance(time.Minute)
		for _, s := range []*Service{e.a, e.b} {
			if _, err := s.ProcessOutbox(ctx, e.idx); err != nil {
				t.Logf("outbox: %v", err)
			}
		}
		if n, err := e.a.PendingIndex(ctx); err == nil && n == 0 {
			return
		}
	}
	t.Fatal("outbox never drained")
}

// TestStaleIndexWriteFromSlowInstance is the reproduction from issue 12:
// instance A reads a course and stalls in its index write past its lease;
// the course is edited and instance B indexes the new title and marks the
// course done; then A's stale write lands. Before, A saw its park fail,
// took the course for still due, and the index kept the old title for
// good. Now A finds its write overtaken and queues the course again, so
// the newest state is written after A's.
func TestStaleIndexWriteFromSlowInstance(t *testing.T) {
	e := newFleetEnv(t)
	ctx := context.Background()
	clockB := &movableClock{}
	e.b.SetClock(clockB.now)
	title, cat, jp := "Kearsipan Lama", "Teknis", 2
	c, err := e.a.CreateCourse(ctx, e.trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	slow := &heldIndex{Index: e.idx, entered: make(chan struct{}), land: make(chan struct{})}
	aDone := make(chan error, 1)
	go func() { _, err := e.a.ProcessOutbox(ctx, slow); aDone <- err }()
	<-slow.entered

	nt := "Kearsipan Baru"
	if _, err := e.b.UpdateCourse(ctx, e.trainer, c.ID, CourseInput{Title: &nt}); err != nil {
		t.Fatal(err)
	}
	// A stalls long enough for its lease to run out.
	clockB.advance(time.Hour)
	if n, err := e.b.ProcessOutbox(ctx, e.idx); err != nil || n != 1 {
		t.Fatalf("b's outbox: %d, %v", n, err)
	}
	if got := e.titles(t, c.ID); len(got) != 1 || got[0] != nt {
		t.Fatalf("after b's run the index holds %q", got)
	}
	close(slow.land) // A's stale write lands last
	err = <-aDone
	t.Logf("a's outbox after its stall: %v", err)

	e.drain(t)
	if got := e.titles(t, c.ID); len(got) != 1 || got[0] != nt {
		t.Fatalf("index holds %q after both instances finished, want %q", got, nt)
	}
}

// jitterIndex delays each write at random, like a busy backend.
type jitterIndex struct {
	search.Index
}

func (j jitterIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	time.Sleep(time.Duration(rand.N(20)) * time.Millisecond)
	return j.Index.Upsert(context.WithoutCancel(ctx), ds...)
}

// TestRacingEditsTwoIndexers: edits race from two instances while both
// run their indexers, with leases so short that the two often work at
// once (as when a clock is off or a holder stalls), and writes delayed at
// random; once both have drained, the index holds every course's latest
// title.
func TestRacingEditsTwoIndexers(t *testing.T) {
	e := newFleetEnv(t)
	ctx := context.Background()
	e.a.leaseSpan, e.b.leaseSpan = time.Millisecond, time.Millisecond
	var ids []string
	for i := range 3 {
		title, cat, jp := fmt.Sprintf("Kearsipan %d versi 0", i), "Teknis", 2
		c, err := e.a.CreateCourse(ctx, e.trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	stop := make(chan struct{})
	var workers sync.WaitGroup
	for _, s := range []*Service{e.a, e.b} {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = s.ProcessOutbox(ctx, jitterIndex{e.idx})
			}
		}()
	}
	var edits sync.WaitGroup
	for i, id := range ids {
		for side, s := range []*Service{e.a, e.b} {
			edits.Add(1)
			go func() {
				defer edits.Done()
				for v := range 15 {
					nt := fmt.Sprintf("Kearsipan %d versi %d-%d", i, side, v)
					if _, err := s.UpdateCourse(ctx, e.trainer, id, CourseInput{Title: &nt}); err != nil {
						t.Error(err)
					}
					time.Sleep(time.Duration(rand.N(10)) * time.Millisecond)
				}
			}()
		}
	}
	edits.Wait()
	close(stop)
	workers.Wait()
	e.a.leaseSpan, e.b.leaseSpan = indexLeaseTTL, indexLeaseTTL
	e.drain(t)
	for _, id := range ids {
		c, err := e.a.Course(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.titles(t, id); len(got) != 1 || got[0] != c.Title {
			t.Errorf("course %s: index holds %q, latest title %q", id, got, c.Title)
		}
	}
}
