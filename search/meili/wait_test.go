package meili

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
)

// stuckServer is the recording fake, except that once stuck is set every
// task it is asked about is still "processing", as on a server that
// accepts work and never finishes it.
func stuckServer(t *testing.T) (*fake, *httptest.Server, *atomic.Bool, *atomic.Int64) {
	f := &fake{t: t, uid: UID(""), tasks: map[int64]string{}}
	var stuck atomic.Bool
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stuck.Load() && r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/tasks/") {
			polls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"uid": 3, "indexUid": f.uid, "status": "processing",
				"type": "documentAdditionOrUpdate", "enqueuedAt": "2026-01-01T00:00:00Z"})
			return
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv, &stuck, &polls
}

// TestWaitEndsAtTaskTimeout: a task that never finishes fails the write
// with ErrUnavailable once the task timeout has passed, instead of
// polling for as long as the caller's context lasts (for a background
// worker, forever).
func TestWaitEndsAtTaskTimeout(t *testing.T) {
	f, srv, stuck, polls := stuckServer(t)
	idx := openFake(t, f, srv, Config{TaskTimeout: 300 * time.Millisecond})
	stuck.Store(true)
	start := time.Now()
	err := idx.Upsert(context.Background(), search.Doc{ID: "c1", Type: search.TypeCourse, CourseID: "c1", Title: "Arsip"})
	took := time.Since(start)
	if !errors.Is(err, search.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Upsert on a stuck task: %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("Upsert gave up after %s, want about the 300ms task timeout", took)
	}
	if n := polls.Load(); n < 2 {
		t.Errorf("task polled %d times, want it polled until the deadline", n)
	}
	t.Logf("gave up after %s and %d polls: %v", took.Round(time.Millisecond), polls.Load(), err)
}

// TestWaitEndsAtMaxPolls: the number of polls is bounded too, whatever
// the deadline.
func TestWaitEndsAtMaxPolls(t *testing.T) {
	f, srv, stuck, polls := stuckServer(t)
	idx := openFake(t, f, srv, Config{TaskTimeout: time.Hour})
	idx.maxPolls = 3
	stuck.Store(true)
	err := idx.Delete(context.Background(), "c1")
	if !errors.Is(err, search.ErrUnavailable) || !strings.Contains(err.Error(), "3 polls") {
		t.Fatalf("Delete on a stuck task: %v, want ErrUnavailable after 3 polls", err)
	}
	if n := polls.Load(); n != 3 {
		t.Errorf("task polled %d times, want 3", n)
	}
}

// TestDefaultTaskTimeout: a zero TaskTimeout is the default, not "no
// bound".
func TestDefaultTaskTimeout(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	if idx.taskTimeout != DefaultTaskTimeout || idx.maxPolls != maxPolls {
		t.Errorf("task timeout %s, max polls %d", idx.taskTimeout, idx.maxPolls)
	}
}
