package content

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/bleve"
)

// flakyIndex is a search backend that is down while down is set.
type flakyIndex struct {
	search.Index
	down  atomic.Bool
	calls atomic.Int64
}

func (f *flakyIndex) Upsert(ctx context.Context, ds ...search.Doc) error {
	f.calls.Add(1)
	if f.down.Load() {
		return fmt.Errorf("meili: %w", search.ErrUnavailable)
	}
	return f.Index.Upsert(ctx, ds...)
}

func (f *flakyIndex) Delete(ctx context.Context, ids ...string) error {
	f.calls.Add(1)
	if f.down.Load() {
		return fmt.Errorf("meili: %w", search.ErrUnavailable)
	}
	return f.Index.Delete(ctx, ids...)
}

// TestOutboxCatchesUp: changes made while the search backend is down are
// all written, wait in the outbox, and reach the index once it is back,
// including a lesson deleted meanwhile.
func TestOutboxCatchesUp(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	b, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	idx := &flakyIndex{Index: b}
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	idx.down.Store(true)
	title, cat, jp := "Kearsipan Digital", "Teknis", 2
	c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatalf("a write failed because search is down: %v", err)
	}
	m, _ := s.AddModule(ctx, trainer, c.ID, ModuleInput{Title: "Dasar"})
	lt, kind, body := "Retensi arsip", KindText, "Jadwal retensi arsip menentukan masa simpan."
	l, err := s.AddLesson(ctx, trainer, c.ID, m.ID, LessonInput{Title: &lt, Kind: &kind, Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	gone, gk, gb := "Materi lama", KindText, "Mikrofilm usang sekali."
	old, _ := s.AddLesson(ctx, trainer, c.ID, m.ID, LessonInput{Title: &gone, Kind: &gk, Body: &gb})
	if _, err := s.SetStatus(ctx, trainer, c.ID, StatusPublished); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProcessOutbox(ctx, idx); !errors.Is(err, search.ErrUnavailable) {
		t.Fatalf("ProcessOutbox with the backend down: %v", err)
	}
	if n, _ := s.PendingIndex(ctx); n != 1 {
		t.Fatalf("%d courses pending, want 1", n)
	}
	// Delete a lesson that was never indexed, still down.
	if _, err := s.DeleteLesson(ctx, trainer, old.ID); err != nil {
		t.Fatal(err)
	}
	// Back up: the retry waits out its backoff, then catches up.
	idx.down.Store(false)
	s.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
	if n, err := s.ProcessOutbox(ctx, idx); err != nil || n != 1 {
		t.Fatalf("catch-up: %d, %v", n, err)
	}
	if n, _ := s.PendingIndex(ctx); n != 0 {
		t.Fatalf("%d still pending after catch-up", n)
	}
	res, err := idx.Search(ctx, search.Query{Text: "retensi"})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].LessonID != l.ID {
		t.Fatalf("lesson not found after catch-up: %+v %v", res.Hits, err)
	}
	if res, _ := idx.Search(ctx, search.Query{Text: "mikrofilm"}); len(res.Hits) != 0 {
		t.Errorf("deleted lesson still indexed: %+v", res.Hits)
	}
	// Deleting the course removes all of its entries.
	if _, err := s.SetStatus(ctx, trainer, c.ID, StatusDraft); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCourse(ctx, trainer, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProcessOutbox(ctx, idx); err != nil {
		t.Fatal(err)
	}
	if res, _ := idx.Search(ctx, search.Query{Text: "arsip", All: true}); len(res.Hits) != 0 {
		t.Errorf("deleted course still indexed: %+v", res.Hits)
	}
}
