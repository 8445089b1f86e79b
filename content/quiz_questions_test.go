package content

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// quizFixture is a trainer's quiz with no questions.
func quizFixture(t *testing.T) (*Service, User, Quiz) {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Kursus berkuis", "Teknis", 1
	c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	qt := "Kuis"
	q, err := s.CreateQuiz(ctx, trainer, QuizInput{CourseID: c.ID, Title: &qt})
	if err != nil {
		t.Fatal(err)
	}
	return s, trainer, q
}

func singleQ(prompt string) Question {
	return Question{Type: QSingle, Prompt: prompt, Options: []Option{{Text: "ya", Weight: 100}, {Text: "tidak"}}}
}

// TestConcurrentQuestionEdits: authors adding and editing questions of one
// quiz at once all keep their work; none is silently lost.
func TestConcurrentQuestionEdits(t *testing.T) {
	s, u, quiz := quizFixture(t)
	ctx := context.Background()
	base, err := s.AddQuestion(ctx, u, quiz.ID, singleQ("Soal awal"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.AddQuestion(ctx, u, quiz.ID, singleQ(fmt.Sprintf("Soal %d", i)))
			errs <- err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := s.EditQuestion(ctx, u, quiz.ID, base.ID, base.Rev(), singleQ("Soal awal, diubah"))
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Quiz(ctx, quiz.ID)
	if len(got.Questions) != n+1 || got.Questions[0].Prompt != "Soal awal, diubah" {
		t.Fatalf("%d questions, first %q: a write was lost", len(got.Questions), got.Questions[0].Prompt)
	}
	seen := map[string]bool{}
	for _, q := range got.Questions {
		if seen[q.Prompt] || seen[q.ID] {
			t.Fatalf("duplicate %q %q", q.ID, q.Prompt)
		}
		seen[q.Prompt], seen[q.ID] = true, true
	}
}

// TestStaleQuestionEditRefused: two authors open the same question; the
// second to save is refused instead of undoing the first one's change, and
// so is a delete made from the old list.
func TestStaleQuestionEditRefused(t *testing.T) {
	s, u, quiz := quizFixture(t)
	ctx := context.Background()
	q, err := s.AddQuestion(ctx, u, quiz.ID, singleQ("Asli"))
	if err != nil {
		t.Fatal(err)
	}
	loaded := q.Rev() // both forms show this
	if _, err := s.EditQuestion(ctx, u, quiz.ID, q.ID, loaded, singleQ("Versi A")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditQuestion(ctx, u, quiz.ID, q.ID, loaded, singleQ("Versi B")); !errors.Is(err, ErrQuestionChanged) {
		t.Fatalf("stale edit: %v", err)
	}
	if err := s.DeleteQuestion(ctx, u, quiz.ID, q.ID, loaded); !errors.Is(err, ErrQuestionChanged) {
		t.Fatalf("stale delete: %v", err)
	}
	got, _ := s.Quiz(ctx, quiz.ID)
	if len(got.Questions) != 1 || got.Questions[0].Prompt != "Versi A" {
		t.Fatalf("after stale writes: %+v", got.Questions)
	}
	// Saving the same content again keeps the rev: editing other
	// questions does not make this one's form stale.
	other, _ := s.AddQuestion(ctx, u, quiz.ID, singleQ("Lain"))
	fresh := got.Questions[0].Rev()
	if _, err := s.EditQuestion(ctx, u, quiz.ID, other.ID, other.Rev(), singleQ("Lain, diubah")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteQuestion(ctx, u, quiz.ID, q.ID, fresh); err != nil {
		t.Fatalf("delete with a fresh rev: %v", err)
	}
}

// TestOptionIDs: kept ids stay, new and clashing options get the first
// free oN, whatever the form sent.
func TestOptionIDs(t *testing.T) {
	opts := []Option{{ID: "o2"}, {ID: ""}, {ID: "o2"}, {ID: "bad id!"}, {ID: "o1"}}
	assignOptionIDs(opts)
	var ids []string
	for _, o := range opts {
		ids = append(ids, o.ID)
	}
	if got := strings.Join(ids, ","); got != "o2,o3,o4,o5,o1" {
		t.Errorf("ids %s", got)
	}
	s, u, quiz := quizFixture(t)
	ctx := context.Background()
	q, err := s.AddQuestion(ctx, u, quiz.ID, Question{Type: QSingle, Prompt: "P", Options: []Option{
		{Text: "a", Weight: 100}, {Text: "b", Feedback: "bagus"}}})
	if err != nil {
		t.Fatal(err)
	}
	// The form drops option a's row and adds one: a's id is not reused,
	// b keeps its id, and kept options keep their feedback.
	ed, err := s.EditQuestion(ctx, u, quiz.ID, q.ID, q.Rev(), Question{Type: QSingle, Prompt: "P", Options: []Option{
		{ID: "o2", Text: "b", Weight: 100}, {Text: "c"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ed.Options[0].ID != "o2" || ed.Options[1].ID != "o3" || ed.Options[0].Feedback != "bagus" {
		t.Errorf("options %+v", ed.Options)
	}
}
