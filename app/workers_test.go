package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/storage/docs"
)

// hangingIndex is a search backend whose writes never return: not even
// when their context ends, as a client stuck in a read without a deadline.
type hangingIndex struct {
	search.Index
	entered chan struct{} // gets a value on each write
	release chan struct{} // closed at cleanup
}

func (h *hangingIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	h.entered <- struct{}{}
	<-h.release
	return errors.New("released")
}

// logBuffer is an slog destination tests read while workers write.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (e *testEnv) captureLog() *logBuffer {
	l := &logBuffer{}
	e.app.log = slog.New(slog.NewTextHandler(l, nil))
	return l
}

// seedCourses makes n published courses with a lesson each through the
// domain, as a trainer would.
func seedCourses(t *testing.T, e *testEnv, n int, word string) {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	tr, err := svc.User(ctx, trainerNIP)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		title, cat, jp := word+" kursus "+string(rune('a'+i)), "Teknis", 2
		c, err := svc.CreateCourse(ctx, tr, content.CourseInput{Title: &title, Category: &cat, JP: &jp})
		if err != nil {
			t.Fatal(err)
		}
		m, err := svc.AddModule(ctx, tr, c.ID, content.ModuleInput{Title: "Modul"})
		if err != nil {
			t.Fatal(err)
		}
		lt, kind, body := "Materi", content.KindText, "Isi materi tentang "+word+"."
		if _, err := svc.AddLesson(ctx, tr, c.ID, m.ID, content.LessonInput{Title: &lt, Kind: &kind, Body: &body}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetStatus(ctx, tr, c.ID, content.StatusPublished); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStuckSearchDoesNotStopSweep: with the search backend hung on a
// write (the outbox job stuck in it for good), the sweep still runs on its
// own loop and removes an expired session; and shutdown does not wait for
// the stuck job beyond its bound.
func TestStuckSearchDoesNotStopSweep(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_ADDR": "127.0.0.1:0"})
	hang := &hangingIndex{Index: e.stores.Search, entered: make(chan struct{}, 16), release: make(chan struct{})}
	t.Cleanup(func() { close(hang.release) })
	e.app.stores.Search = hang
	e.app.jobs.outboxEvery, e.app.jobs.sweepEvery = 10*time.Millisecond, 20*time.Millisecond
	e.app.jobs.stopWait = 200 * time.Millisecond
	seedCourses(t, e, 1, "arsip")

	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.app.Serve(ctx, nil) }()
	select {
	case <-hang.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the outbox never wrote to search")
	}

	// A session that expired a year ago, made after the outbox got stuck.
	svc := e.app.Service()
	svc.SetClock(func() time.Time { return time.Now().AddDate(-1, 0, 0) })
	secret, _, err := svc.NewSession(context.Background(), content.KindSession, learnerNIP)
	svc.SetClock(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	id := content.Hash(secret)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var s content.Session
		if _, err := e.stores.Docs.C("sessions").Get(context.Background(), id, &s); errors.Is(err, docs.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired session never swept while search was stuck")
		}
	}

	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown waited for a stuck background job")
	}
}

// deadlineIndex blocks each write until its context ends and records the
// deadline it was given.
type deadlineIndex struct {
	search.Index
	mu        sync.Mutex
	deadlines []time.Duration // deadline minus call time; -1 for none
}

func (d *deadlineIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	left := time.Duration(-1)
	if dl, ok := ctx.Deadline(); ok {
		left = time.Until(dl)
	}
	d.mu.Lock()
	d.deadlines = append(d.deadlines, left)
	d.mu.Unlock()
	<-ctx.Done()
	return ctx.Err()
}

// TestOutboxRunHasDeadline: a search write is made under the outbox run's
// deadline, and a run that hits it ends (the course stays pending) rather
// than holding the job for good.
func TestOutboxRunHasDeadline(t *testing.T) {
	e := newEnv(t, nil)
	d := &deadlineIndex{Index: e.stores.Search}
	e.app.stores.Search = d
	e.app.jobs.outboxTimeout = 150 * time.Millisecond
	logs := e.captureLog()
	seedCourses(t, e, 1, "arsip")

	j := job{"search outbox", time.Hour, e.app.jobs.outboxTimeout, e.app.drainOutbox}
	ctx, stop := context.WithCancel(context.Background())
	looped := make(chan struct{})
	go func() { defer close(looped); e.app.loop(ctx, j) }()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "ran out of time"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("outbox run never ended at its deadline; log:\n%s", logs)
		}
	}
	stop()
	<-looped
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.deadlines) == 0 || d.deadlines[0] < 0 || d.deadlines[0] > 150*time.Millisecond {
		t.Fatalf("search writes got deadlines %v, want within the run's 150ms", d.deadlines)
	}
	if n, _ := e.app.Service().PendingIndex(context.Background()); n != 1 {
		t.Errorf("%d courses pending after a run that timed out, want 1", n)
	}
}

// gatedIndex holds each write until the test lets it through.
type gatedIndex struct {
	search.Index
	gate chan struct{}
}

func (g *gatedIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Index.Upsert(ctx, ds...)
}

// TestFreshBleveIndexIsFilled: a search index lost with its volume comes
// back empty; the next start fills it from the document store in the
// background, logging progress, while /readyz stays 200 and says search is
// reindexing and how far it got.
func TestFreshBleveIndexIsFilled(t *testing.T) {
	e := newEnv(t, nil)
	seedCourses(t, e, 3, "kearsipan")
	e.indexNow(t)
	if err := e.stores.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.dir, "search")); err != nil {
		t.Fatal(err)
	}

	e2 := openEnv(t, e.dir, nil)
	if !e2.stores.Search.Fresh() {
		t.Fatal("index opened on a lost volume is not Fresh")
	}
	if n, _ := e2.app.Service().PendingIndex(context.Background()); n != 0 {
		t.Fatalf("%d courses pending: the outbox alone would not refill the index", n)
	}
	logs := e2.captureLog()
	gate := &gatedIndex{Index: e2.stores.Search, gate: make(chan struct{})}
	e2.app.stores.Search = gate
	e2.app.jobs.fillLogEvery = 0
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	filled := make(chan struct{})
	go func() { defer close(filled); e2.app.fillSearch(ctx) }()

	gate.gate <- struct{}{} // the first course goes in, the second waits
	b := e2.browser()
	var r resp
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		r = b.get("/readyz")
		if strings.Contains(string(r.body), "reindexing 1/3") || time.Now().After(deadline) {
			break
		}
	}
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"search":"reindexing 1/3"`) ||
		!strings.Contains(string(r.body), `"search_reindex":{"done":1,"total":3}`) ||
		!strings.Contains(string(r.body), `"degraded":["search"]`) {
		t.Fatalf("readyz during a fill: %d %s", r.StatusCode, r.body)
	}
	close(gate.gate)
	select {
	case <-filled:
	case <-time.After(10 * time.Second):
		t.Fatal("fill never finished")
	}
	res, err := e2.stores.Search.Search(context.Background(), search.Query{Text: "kearsipan"})
	if err != nil {
		t.Fatal(err)
	}
	if courses := countCourses(res.Hits); courses != 3 {
		t.Errorf("after the fill search finds %d courses, want 3: %+v", courses, res.Hits)
	}
	r = b.get("/readyz")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"search":"ok"`) || strings.Contains(string(r.body), "search_reindex") {
		t.Errorf("readyz after the fill: %d %s", r.StatusCode, r.body)
	}
	for _, want := range []string{`msg="search reindex" state=started`, `msg="search reindex" done=2 total=3`,
		`msg="search reindex" state=finished done=3 total=3`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}

	// The next start owes nothing.
	if _, owed, err := e2.app.Service().SearchFillOwed(context.Background(), false); err != nil || owed {
		t.Errorf("a fill is still owed after it finished: %v %v", owed, err)
	}
}

func countCourses(hits []search.Hit) int {
	seen := map[string]bool{}
	for _, h := range hits {
		seen[h.CourseID] = true
	}
	return len(seen)
}

// failingIndex refuses every write.
type failingIndex struct{ search.Index }

func (failingIndex) Upsert(context.Context, ...search.Doc) error {
	return search.ErrUnavailable
}

// TestInterruptedFillResumes: a fill that did not finish (the backend
// failed, or the process died) is taken up at the next start, though the
// index no longer opens Fresh.
func TestInterruptedFillResumes(t *testing.T) {
	e := newEnv(t, nil)
	seedCourses(t, e, 2, "kearsipan")
	if err := e.stores.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.dir, "search")); err != nil {
		t.Fatal(err)
	}
	e2 := openEnv(t, e.dir, nil)
	e2.app.stores.Search = failingIndex{e2.stores.Search}
	if err := e2.app.fillOnce(context.Background(), e2.stores.Search.Fresh()); err == nil {
		t.Fatal("fill on a failing backend succeeded")
	}
	if err := e2.stores.Close(); err != nil {
		t.Fatal(err)
	}

	e3 := openEnv(t, e.dir, nil)
	if e3.stores.Search.Fresh() {
		t.Fatal("reopened index is Fresh")
	}
	if err := e3.app.fillOnce(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	res, err := e3.stores.Search.Search(context.Background(), search.Query{Text: "kearsipan"})
	if err != nil || countCourses(res.Hits) != 2 {
		t.Fatalf("after the resumed fill: %+v %v", res.Hits, err)
	}
}

// meiliStandIn answers the requests the Meilisearch driver makes to open
// a new index and add documents, and records the documents sent. It is a
// stand-in, not Meilisearch: it shows what the app sends, nothing more.
type meiliStandIn struct {
	mu   sync.Mutex
	docs []map[string]any
	task atomic.Int64
}

func (m *meiliStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	task := func() {
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]any{"taskUid": m.task.Add(1), "status": "enqueued", "type": "x", "enqueuedAt": "2026-01-01T00:00:00Z"})
	}
	switch p := r.URL.Path; {
	case r.Method == "GET" && p == "/health":
		_, _ = io.WriteString(w, `{"status":"available"}`)
	case r.Method == "GET" && p == "/version": // the driver refuses servers older than meili.MinVersion
		_, _ = io.WriteString(w, `{"commitSha":"x","commitDate":"2025-08-01T00:00:00Z","pkgVersion":"1.16.0"}`)
	case r.Method == "GET" && strings.HasPrefix(p, "/indexes/"):
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"not found","code":"index_not_found","type":"invalid_request","link":""}`)
	case r.Method == "POST" && p == "/indexes", r.Method == "PATCH" && strings.HasSuffix(p, "/settings"):
		task()
	case r.Method == "POST" && strings.HasSuffix(p, "/documents"):
		var ds []map[string]any
		_ = json.Unmarshal(body, &ds)
		m.mu.Lock()
		m.docs = append(m.docs, ds...)
		m.mu.Unlock()
		task()
	case r.Method == "POST" && strings.HasSuffix(p, "/documents/delete-batch"):
		task()
	case r.Method == "GET" && strings.HasPrefix(p, "/tasks/"):
		_, _ = io.WriteString(w, `{"uid":1,"status":"succeeded","type":"x","enqueuedAt":"2026-01-01T00:00:00Z"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"unexpected","code":"not_found","type":"invalid_request","link":""}`)
	}
}

// TestFreshMeiliIndexIsFilled: pointed at a Meilisearch without our index
// (a first start, a lost volume, a version bump), the app creates it and
// fills it with every course from the document store: the stand-in
// receives each course's entries.
func TestFreshMeiliIndexIsFilled(t *testing.T) {
	e := newEnv(t, nil)
	seedCourses(t, e, 3, "kearsipan")
	e.indexNow(t)
	if err := e.stores.Close(); err != nil {
		t.Fatal(err)
	}
	m := &meiliStandIn{}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	if _, _, err := net.SplitHostPort(host); err != nil {
		t.Fatal(err)
	}
	e2 := openEnv(t, e.dir, map[string]string{"KOMPETEN_SEARCH": "meilisearch://" + host + "?key=k"})
	if !e2.stores.Search.Fresh() {
		t.Fatal("newly created Meilisearch index not Fresh")
	}
	if err := e2.app.fillOnce(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	courses, lessons := map[string]bool{}, 0
	for _, d := range m.docs {
		switch d["type"] {
		case search.TypeCourse:
			courses[d["course_id"].(string)] = true
		case search.TypeLesson:
			lessons++
		}
	}
	if len(courses) != 3 || lessons != 3 {
		t.Errorf("stand-in received %d courses and %d lessons, want 3 and 3: %v", len(courses), lessons, m.docs)
	}
}
