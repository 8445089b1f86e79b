package content

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/bleve"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

var errCrashed = errors.New("process died")

// crashStore is a document store whose process dies after a set number
// of writes: once armed, every write past the allowance fails, as if the
// server had stopped between two writes. It counts the writes it let
// through.
type crashStore struct {
	docs.Store
	mu      sync.Mutex
	armed   bool
	allow   int
	written []string // collection/id of each write let through while armed
}

func (s *crashStore) arm(allow int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed, s.allow, s.written = true, allow, nil
}

func (s *crashStore) disarm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = false
}

func (s *crashStore) write(coll, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.armed {
		return nil
	}
	if len(s.written) >= s.allow {
		return errCrashed
	}
	s.written = append(s.written, coll+"/"+id)
	return nil
}

func (s *crashStore) C(name string) docs.Collection {
	return crashColl{Collection: s.Store.C(name), s: s, name: name}
}

type crashColl struct {
	docs.Collection
	s    *crashStore
	name string
}

func (c crashColl) Insert(ctx context.Context, id string, v any) error {
	if err := c.s.write(c.name, id); err != nil {
		return err
	}
	return c.Collection.Insert(ctx, id, v)
}

func (c crashColl) Replace(ctx context.Context, id string, version int64, v any) (int64, error) {
	if err := c.s.write(c.name, id); err != nil {
		return 0, err
	}
	return c.Collection.Replace(ctx, id, version, v)
}

func (c crashColl) Delete(ctx context.Context, id string) error {
	if err := c.s.write(c.name, id); err != nil {
		return err
	}
	return c.Collection.Delete(ctx, id)
}

// crashEnv is a service over a crashing store, and a way to restart it
// over the same data and search index.
type crashEnv struct {
	t     *testing.T
	store docs.Store
	crash *crashStore
	svc   *Service
	idx   search.Index
}

func newCrashEnv(t *testing.T) *crashEnv {
	t.Helper()
	ctx := context.Background()
	d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), Schemas())
	if err != nil {
		t.Fatal(err)
	}
	b, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); d.Close() })
	e := &crashEnv{t: t, store: d, crash: &crashStore{Store: d}, idx: b}
	if e.svc, err = New(e.crash, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// restart is a new process over the same stores, nothing armed. A lease
// the dead process held lapses within its time to live: the new one's
// clock is that far on.
func (e *crashEnv) restart() *Service {
	e.t.Helper()
	s, err := New(e.store, nil, Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	s.SetClock(func() time.Time { return time.Now().Add(indexLeaseTTL) })
	return s
}

func (e *crashEnv) hits(text string) []search.Hit {
	e.t.Helper()
	res, err := e.idx.Search(context.Background(), search.Query{Text: text, All: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Hits
}

func (e *crashEnv) drain(s *Service) {
	e.t.Helper()
	if _, err := s.ProcessOutbox(context.Background(), e.idx); err != nil {
		e.t.Fatal(err)
	}
	if n, err := s.PendingIndex(context.Background()); err != nil || n != 0 {
		e.t.Fatalf("after the outbox ran, %d courses pending (%v)", n, err)
	}
}

// TestCourseChangeAndIndexingAreOneWrite: every course change is one
// document write that also queues it for search, so a process that dies
// right after that write still gets the change indexed once it is back.
// (Before, the outbox entry was a second write; a crash between the two
// left search stale forever.)
func TestCourseChangeAndIndexingAreOneWrite(t *testing.T) {
	e := newCrashEnv(t)
	ctx := context.Background()
	trainer, err := e.svc.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}

	// Create: the course insert is the only write, and it carries the work.
	title, cat, jp := "Kearsipan Digital", "Teknis", 2
	e.crash.arm(1)
	c, err := e.svc.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatalf("create with one write allowed: %v (writes %v)", err, e.crash.written)
	}
	e.drain(e.restart())
	if h := e.hits("kearsipan"); len(h) != 1 || h[0].CourseID != c.ID {
		t.Fatalf("created course not indexed after the crash: %+v", h)
	}

	// Edit and add a lesson, each dying right after its course write.
	nt := "Pengelolaan Arsip Vital"
	e.crash.arm(1)
	if _, err := e.svc.UpdateCourse(ctx, trainer, c.ID, CourseInput{Title: &nt}); err != nil {
		t.Fatalf("update with one write allowed: %v (writes %v)", err, e.crash.written)
	}
	e.crash.disarm()
	m := mustModule(t, e, trainer, c.ID)
	// A lesson's body is its own document, written before the course
	// (bodies.go): dying between the two leaves the course as it was.
	lt, kind, body := "Retensi", KindText, "Jadwal retensi menentukan masa simpan mikrofilm."
	e.crash.arm(1)
	if _, err := e.svc.AddLesson(ctx, trainer, c.ID, m, LessonInput{Title: &lt, Kind: &kind, Body: &body}); err == nil {
		t.Fatal("add lesson survived a death after its body write")
	}
	e.crash.disarm()
	if got, _ := e.svc.Course(ctx, c.ID); len(got.Lessons()) != 0 {
		t.Fatalf("a lesson whose course write never happened: %+v", got.Lessons())
	}
	e.crash.arm(2)
	if _, err := e.svc.AddLesson(ctx, trainer, c.ID, m, LessonInput{Title: &lt, Kind: &kind, Body: &body}); err != nil {
		t.Fatalf("add lesson with two writes allowed: %v (writes %v)", err, e.crash.written)
	}
	if got := e.crash.written; len(got) != 2 || !strings.HasPrefix(got[0], collLessonBodies+"/") || got[1] != collCourses+"/"+c.ID {
		t.Errorf("writes of a change = %v, want the body, then the course", got)
	}
	e.drain(e.restart())
	if h := e.hits("vital"); len(h) == 0 {
		t.Error("edited title not indexed after the crash")
	}
	if h := e.hits("mikrofilm"); len(h) != 1 || h[0].Type != search.TypeLesson {
		t.Errorf("added lesson not indexed after the crash: %+v", h)
	}

	// Delete: one write leaves a tombstone that removes every entry, then
	// itself.
	e.crash.arm(1)
	if err := e.svc.DeleteCourse(ctx, trainer, c.ID); err != nil {
		t.Fatalf("delete with one write allowed: %v (writes %v)", err, e.crash.written)
	}
	if _, err := e.svc.Course(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted course still readable: %v", err)
	}
	if cs, _, _ := e.svc.AllCourses(ctx, "", 10); len(cs) != 0 {
		t.Errorf("deleted course listed: %+v", cs)
	}
	e.drain(e.restart())
	if h := e.hits("arsip"); len(h) != 0 {
		t.Errorf("deleted course still in the index: %+v", h)
	}
	var gone Course
	if _, err := e.store.C(collCourses).Get(ctx, c.ID, &gone); !errors.Is(err, docs.ErrNotFound) {
		t.Errorf("tombstone left behind once search forgot the course: %v %+v", err, gone)
	}
}

func mustModule(t *testing.T, e *crashEnv, u User, courseID string) string {
	t.Helper()
	m, err := e.svc.AddModule(context.Background(), u, courseID, ModuleInput{Title: "Dasar"})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// TestIndexerCrashBeforeParking: an indexer that dies after writing the
// index but before parking the course leaves it due, and the next run
// indexes it again.
func TestIndexerCrashBeforeParking(t *testing.T) {
	e := newCrashEnv(t)
	ctx := context.Background()
	trainer, err := e.svc.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Kearsipan Digital", "Teknis", 2
	if _, err := e.svc.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp}); err != nil {
		t.Fatal(err)
	}
	// Allow the lease's claim and the index record's two writes, not the
	// park.
	e.crash.arm(3)
	if _, err := e.svc.ProcessOutbox(ctx, e.idx); err == nil {
		t.Fatal("ProcessOutbox reported success though parking failed")
	}
	if n, _ := e.restart().PendingIndex(ctx); n != 1 {
		t.Fatalf("%d pending after a crash before parking, want 1", n)
	}
	e.drain(e.restart())
}

// editingIndex changes the course while its entries are being written,
// as a trainer on another instance might.
type editingIndex struct {
	search.Index
	edit func()
}

func (x *editingIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	if x.edit != nil {
		edit := x.edit
		x.edit = nil
		edit()
	}
	return x.Index.Upsert(ctx, ds...)
}

// TestEditDuringIndexingStaysDue: a course changed while the indexer
// works on it is not parked (the park is guarded by the version that was
// indexed), so the change reaches the index next round.
func TestEditDuringIndexingStaysDue(t *testing.T) {
	e := newCrashEnv(t)
	ctx := context.Background()
	s := e.svc
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Kearsipan Digital", "Teknis", 2
	c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	nt := "Pengelolaan Arsip Vital"
	idx := &editingIndex{Index: e.idx, edit: func() {
		if _, err := s.UpdateCourse(ctx, trainer, c.ID, CourseInput{Title: &nt}); err != nil {
			t.Error(err)
		}
	}}
	if _, err := s.ProcessOutbox(ctx, idx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingIndex(ctx); n != 1 {
		t.Fatalf("%d pending after an edit during indexing, want 1", n)
	}
	if _, err := s.ProcessOutbox(ctx, idx); err != nil {
		t.Fatal(err)
	}
	if h := e.hits("vital"); len(h) != 1 {
		t.Errorf("edit made during indexing never indexed: %+v", h)
	}
}
