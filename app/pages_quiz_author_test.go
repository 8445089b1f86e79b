package app

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var revField = regexp.MustCompile(`name="rev" value="([0-9a-f]+)"`)

// TestQuestionFormsNeverLoseAnEdit: two authors save the same loaded edit
// form; the second is refused with a 409 that says why and keeps what was
// typed, and two new questions posted at once are both kept.
func TestQuestionFormsNeverLoseAnEdit(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Kursus Suntingan", nil)
	svc := e.app.Service()
	base := "/teach/quizzes/" + qc.Quiz.ID
	a, b := signedIn(t, e, trainerNIP), signedIn(t, e, trainerNIP)
	tokA, tokB := a.csrf(base+"/questions/q1/edit"), b.csrf(base+"/questions/q1/edit")

	formA, formB := a.get(base+"/questions/q1/edit"), b.get(base+"/questions/q1/edit")
	revA, revB := revField.FindSubmatch(formA.body), revField.FindSubmatch(formB.body)
	if revA == nil || revB == nil || string(revA[1]) != string(revB[1]) {
		t.Fatalf("edit forms carry no rev:\n%s", formA.body)
	}
	edit := func(br *browser, tok, rev, prompt string) resp {
		return br.post(base+"/questions/q1/edit", url.Values{"_csrf": {tok}, "rev": {rev}, "prompt": {prompt},
			"opt_id_0": {"a"}, "opt_text_0": {"Kepentingan umum"}, "opt_id_1": {"b"}, "opt_text_1": {"Kepentingan pribadi"},
			"right": {"0"}, "points": {"2"}})
	}
	mustStatusPage(t, edit(a, tokA, string(revA[1]), "Versi penulis A"), 303, "first save")
	r := edit(b, tokB, string(revB[1]), "Versi penulis B")
	mustStatusPage(t, r, 409, "stale save")
	mustContain(t, "stale form", r.body, "Soal ini sudah diubah orang lain; muat ulang.", "Versi penulis B",
		`href="`+base+`/questions/q1/edit"`)
	q, _ := svc.Quiz(context.Background(), qc.Quiz.ID)
	if q.Questions[0].Prompt != "Versi penulis A" || q.Questions[1].Options[0].Weight <= 0 {
		t.Fatalf("after the stale save: %+v", q.Questions[0])
	}
	// A delete button from the list loaded before A's save is stale too.
	r = b.post(base+"/questions/q1/delete", url.Values{"_csrf": {tokB}, "rev": {string(revB[1])}})
	mustStatusPage(t, r, 409, "stale delete")
	mustContain(t, "stale delete", r.body, "Soal ini sudah diubah orang lain")
	// Reloading gives the current question and a rev that saves.
	fresh := revField.FindSubmatch(b.get(base + "/questions/q1/edit").body)
	mustStatusPage(t, edit(b, tokB, string(fresh[1]), "Versi penulis B, setelah muat ulang"), 303, "save after reload")

	// Two authors add a question at the same moment: both are kept.
	var wg sync.WaitGroup
	for i, br := range []*browser{a, b} {
		tok := []string{tokA, tokB}[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := br.post(base+"/questions/new", url.Values{"_csrf": {tok}, "type": {"truefalse"},
				"prompt": {"Soal baru " + string(rune('A'+i))}, "truth": {"true"}})
			if r.StatusCode != 303 {
				t.Errorf("add %d: %d\n%s", i, r.StatusCode, r.body)
			}
		}()
	}
	wg.Wait()
	q, _ = svc.Quiz(context.Background(), qc.Quiz.ID)
	var prompts []string
	for _, x := range q.Questions {
		prompts = append(prompts, x.Prompt)
	}
	all := strings.Join(prompts, "|")
	if len(q.Questions) != 6 || !strings.Contains(all, "Soal baru A") || !strings.Contains(all, "Soal baru B") ||
		!strings.Contains(all, "setelah muat ulang") {
		t.Fatalf("questions after concurrent adds: %q", prompts)
	}
}

// TestQuestionTypeLabels: the editor names the types as Indonesian
// teachers do (pilihan ganda has one answer), and in English.
func TestQuestionTypeLabels(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Kursus Label", nil)
	base := "/teach/quizzes/" + qc.Quiz.ID
	b := signedIn(t, e, trainerNIP)
	r := b.get(base)
	mustStatusPage(t, r, 200, "editor")
	mustContain(t, "editor", r.body, `data-testid="add-single">Pilihan ganda<`, `data-testid="add-multiple">Pilihan ganda kompleks<`,
		"Pilihan ganda · ", "Pilihan ganda kompleks · ")
	for _, old := range []string{"Pilihan tunggal", "lebih dari satu"} {
		if strings.Contains(string(r.body), old) {
			t.Errorf("editor still says %q", old)
		}
	}
	r = b.get(base + "/questions/new?type=multiple")
	mustContain(t, "new question", r.body, "Pilihan ganda kompleks</h1>")
	r = b.get(base + "/questions/q1/edit")
	mustContain(t, "edit question", r.body, ": Pilihan ganda</h1>")
	b.get("/lang/en?next=/")
	r = b.get(base)
	mustContain(t, "English editor", r.body, `data-testid="add-single">Multiple choice<`, `data-testid="add-multiple">Multiple response<`)
}

// TestHugeImportIsCheap: a question bank at the body limit is refused
// without parsing it all or comparing every question with every other
// (it took minutes of CPU), and a bank over the cap stops at the cap.
func TestHugeImportIsCheap(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Kursus Impor Besar", nil)
	tok := e.token(trainerNIP)
	path := "/api/v1/quizzes/" + qc.Quiz.ID + "/import?format=gift"
	bank := func(size int) string {
		var sb strings.Builder
		for i := 0; sb.Len() < size; i++ {
			sb.WriteString("Soal nomor " + strings.Repeat("x", i%7) + "? {=ya ~tidak}\n\n")
		}
		return sb.String()
	}
	r := e.postText(path, tok, bank(4<<20-100))
	if r.StatusCode != 413 || !strings.Contains(string(r.body), "2 MiB") {
		t.Errorf("4 MiB bank: %d %s", r.StatusCode, r.body)
	}
	r = e.postText(path, tok, bank(2<<20-100))
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "paling banyak 500 soal") {
		t.Errorf("2 MiB bank: %d %.300s", r.StatusCode, r.body)
	}
	// Up to the cap is fine; then the quiz is full.
	var sb strings.Builder
	for range 496 {
		sb.WriteString("Soal? {=ya ~tidak}\n\n")
	}
	mustStatus(t, e.postText(path, tok, sb.String()), 200, "496 questions")
	if r := mustStatus(t, e.api("GET", "/api/v1/quizzes/"+qc.Quiz.ID, tok, nil), 200, "quiz"); len(r["questions"].([]any)) != 500 {
		t.Errorf("quiz has %d questions", len(r["questions"].([]any)))
	}
	r2 := e.postText(path, tok, "Satu lagi? {T}")
	if r2.StatusCode != 422 || !strings.Contains(string(r2.body), "hanya 0 lagi") {
		t.Errorf("over the cap: %d %s", r2.StatusCode, r2.body)
	}
}
