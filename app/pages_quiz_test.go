package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// Distinctive strings of the page-test quiz: none may reach a learner
// before submission.
const (
	explOne   = "PENJELASAN-RAHASIA-SATU"
	explTwo   = "PENJELASAN-RAHASIA-DUA"
	explThree = "PENJELASAN-RAHASIA-TIGA"
	explFour  = "PENJELASAN-RAHASIA-EMPAT"
	shortKey  = "zamrud-khatulistiwa-77"
)

var pageQuizSecrets = []string{explOne, explTwo, explThree, explFour, shortKey, "weight", "accepted", "explanation",
	"data-correct", "data-right", "\"answer\""}

// quizCourse is a published course whose only lesson is a quiz, so passing
// the quiz completes the course.
type quizCourse struct {
	Course content.Course
	Module content.Module
	Quiz   content.Quiz
	Lesson content.Lesson
}

func pageQuizInput(courseID, moduleID string, extra func(*content.QuizInput)) content.QuizInput {
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	in := content.QuizInput{CourseID: courseID, ModuleID: moduleID, Title: pgPtr("Kuis Etika Pelayanan"), PassMark: pgPtr(60.0),
		MaxAttempts: pgPtr(3), Questions: []content.QuestionInput{
			{ID: "q1", Type: content.QSingle, Prompt: "Asas pelayanan publik yang utama?", Points: 2,
				Options: []content.Option{{ID: "a", Text: "Kepentingan umum"}, {ID: "b", Text: "Kepentingan pribadi"}},
				Answer:  raw("a"), Explanation: explOne},
			{ID: "q2", Type: content.QMultiple, Prompt: "Pilih dua komponen standar pelayanan.", Points: 2,
				Options: []content.Option{{ID: "a", Text: "Waktu penyelesaian"}, {ID: "b", Text: "Biaya/tarif"}, {ID: "c", Text: "Hobi petugas"}},
				Answer:  raw([]string{"a", "b"}), Explanation: explTwo},
			{ID: "q3", Type: content.QTrueFalse, Prompt: "Setiap ASN wajib mencapai 20 JP per tahun.", Points: 1, Answer: raw(true),
				Explanation: explThree},
			{ID: "q4", Type: content.QShort, Prompt: "Tulis kata sandi kuis ini.", Points: 1, Answer: raw([]string{shortKey}),
				Explanation: explFour},
		}}
	if extra != nil {
		extra(&in)
	}
	return in
}

func seedQuizCourse(t *testing.T, e *testEnv, title string, extra func(*content.QuizInput)) quizCourse {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	tr := mustUser(t, e, trainerNIP)
	c, err := svc.CreateCourse(ctx, tr, content.CourseInput{Title: &title, Summary: pgPtr("Ringkasan " + title),
		Description: pgPtr(""), Category: pgPtr("Teknis"), JP: pgPtr(4)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddModule(ctx, tr, c.ID, content.ModuleInput{Title: "Evaluasi"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.CreateQuiz(ctx, tr, pageQuizInput(c.ID, m.ID, extra))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = svc.SetStatus(ctx, tr, c.ID, content.StatusPublished); err != nil {
		t.Fatal(err)
	}
	var lesson content.Lesson
	for _, l := range c.Lessons() {
		if l.QuizID == q.ID {
			lesson = l
		}
	}
	if lesson.ID == "" {
		t.Fatalf("no quiz lesson in %+v", c.Modules)
	}
	return quizCourse{Course: c, Module: m, Quiz: q, Lesson: lesson}
}

func enrolled(t *testing.T, e *testEnv, nip, courseID string) {
	t.Helper()
	if _, _, err := e.app.Service().Enroll(context.Background(), mustUser(t, e, nip), courseID); err != nil {
		t.Fatal(err)
	}
}

func mustStatusPage(t *testing.T, r resp, want int, what string) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%.600s", what, r.StatusCode, want, r.body)
	}
}

var attemptPath = regexp.MustCompile(`^/quiz/attempts/([^/?]+)$`)

// servedJS fetches every JavaScript file the app serves.
func servedJS(t *testing.T, b *browser) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for name, u := range b.e.app.assets.byName {
		if strings.HasSuffix(name, ".js") {
			r := b.get(u)
			mustStatusPage(t, r, 200, "GET "+u)
			out[name] = r.body
		}
	}
	if _, ok := out["js/quiz.js"]; !ok {
		t.Fatal("quiz.js is not served")
	}
	return out
}

func TestQuizThroughPlainForms(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Etika Pelayanan Publik", nil)
	enrolled(t, e, learnerNIP, qc.Course.ID)
	enrolled(t, e, learner2NIP, qc.Course.ID)
	b := signedIn(t, e, learnerNIP)

	// The quiz lesson shows the quiz's rules and a start form, no questions.
	r := b.get("/learn/" + qc.Lesson.ID)
	mustStatusPage(t, r, 200, "quiz lesson")
	mustContain(t, "quiz lesson", r.body, `data-testid="quiz-info"`, `data-testid="quiz-count">4<`, "60%",
		`data-testid="quiz-used">0 / 3<`, "Mulai kuis", `action="/learn/`+qc.Lesson.ID+`/quiz"`)
	mustNotContain(t, "quiz lesson", r.body, "Asas pelayanan publik", explOne)
	tok := csrfInput.FindSubmatch(r.body)
	if tok == nil {
		t.Fatal("no CSRF token on the lesson page")
	}
	csrf := string(tok[1])

	// Without a token the start is refused.
	mustStatusPage(t, b.post("/learn/"+qc.Lesson.ID+"/quiz", url.Values{}), 403, "start without CSRF")
	r = b.post("/learn/"+qc.Lesson.ID+"/quiz", url.Values{"_csrf": {csrf}})
	mustStatusPage(t, r, 303, "start")
	loc := r.Header.Get("Location")
	m := attemptPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("start went to %q", loc)
	}
	id := m[1]

	// The attempt page: every question, no key, explanation or weight.
	r = b.get(loc)
	mustStatusPage(t, r, 200, "attempt page")
	mustContain(t, "attempt page", r.body, "Asas pelayanan publik yang utama?", "Kepentingan umum", "Hobi petugas",
		`name="a.q1"`, `name="a.q2"`, `name="a.q3"`, `name="a.q4"`, `data-save-url="/quiz/attempts/`+id+`/answers"`,
		"Kumpulkan", `js/quiz.js`)
	mustNotContain(t, "attempt page before submission", r.body, pageQuizSecrets...)
	for name, js := range servedJS(t, b) {
		mustNotContain(t, name, js, pageQuizSecrets...)
	}

	// Someone else's attempt does not exist for them, nor do its routes.
	other := signedIn(t, e, learner2NIP)
	mustStatusPage(t, other.get(loc), 404, "other learner's attempt page")
	mustStatusPage(t, other.get(loc+"/result"), 404, "other learner's result page")
	otok := other.csrf("/")
	mustStatusPage(t, other.post(loc+"/submit", url.Values{"_csrf": {otok}, "a.q1": {"b"}, "do": {"submit"}, "confirm": {"1"}}), 404,
		"other learner submits")
	if r := other.jsonReq("PUT", loc+"/answers", otok, map[string]any{"answers": map[string]any{"q1": "b"}}); r.StatusCode != 404 ||
		!strings.Contains(string(r.body), `"not_found"`) {
		t.Errorf("other learner saves: %d %s", r.StatusCode, r.body)
	}

	// The JSON answer route of the page (what quiz.js calls).
	if r := b.jsonReq("PUT", loc+"/answers", "", map[string]any{"answers": map[string]any{"q1": "a"}}); r.StatusCode != 403 {
		t.Errorf("save without the CSRF header: %d", r.StatusCode)
	}
	r = b.jsonReq("PUT", loc+"/answers", csrf, map[string]any{"answers": map[string]any{"q1": "b"}})
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"saved":1`) {
		t.Fatalf("save through the page route: %d %s", r.StatusCode, r.body)
	}
	mustNotContain(t, "save answer", r.body, pageQuizSecrets...)

	// No JavaScript: "Simpan jawaban" posts the whole form and comes back.
	r = b.post(loc+"/submit", url.Values{"_csrf": {csrf}, "do": {"save"}, "a.q1": {"a"}, "m.q2": {"1"}, "a.q2": {"a", "b"},
		"a.q4": {""}})
	mustStatusPage(t, r, 303, "save form")
	if got := r.Header.Get("Location"); got != loc+"?saved=1" {
		t.Fatalf("save went to %q", got)
	}
	at, _, err := e.app.Service().GetAttempt(context.Background(), mustUser(t, e, learnerNIP), id)
	if err != nil {
		t.Fatal(err)
	}
	if at.Answers["q1"].Option != "a" || fmt.Sprint(at.Answers["q2"].Options) != "[a b]" {
		t.Fatalf("saved answers %+v", at.Answers)
	}
	// The page shows the saved answers again.
	r = b.get(loc + "?saved=1")
	mustContain(t, "attempt page after saving", r.body, "Jawaban tersimpan.")
	for _, re := range []string{`name="a.q1" value="a" checked`, `name="a.q2" value="a" checked`, `name="a.q2" value="b" checked`} {
		if !regexp.MustCompile(regexp.QuoteMeta(re)).Match(r.body) {
			t.Errorf("attempt page does not pre-fill %s", re)
		}
	}
	if regexp.MustCompile(`name="a.q2" value="c" checked`).Match(r.body) {
		t.Error("an unchosen option is checked")
	}
	mustNotContain(t, "attempt page after saving", r.body, pageQuizSecrets...)

	// "Kumpulkan" asks first, having saved what the form carried.
	r = b.post(loc+"/submit", url.Values{"_csrf": {csrf}, "do": {"submit"}, "a.q3": {"true"}})
	mustStatusPage(t, r, 200, "submit without confirming")
	mustContain(t, "confirm page", r.body, "Kumpulkan jawaban?", "Anda menjawab 3 dari 4 soal", `name="confirm" value="1"`)
	mustNotContain(t, "confirm page", r.body, pageQuizSecrets...)
	if at, _, _ := e.app.Service().GetAttempt(context.Background(), mustUser(t, e, learnerNIP), id); !at.Open ||
		at.Answers["q3"].Bool == nil {
		t.Fatalf("the confirm step closed the attempt or lost q3: %+v", at)
	}
	// Confirmed, with the last answer in the same post: saved, then graded.
	r = b.post(loc+"/submit", url.Values{"_csrf": {csrf}, "do": {"submit"}, "confirm": {"1"}, "a.q4": {"  Zamrud-Khatulistiwa-77 "}})
	mustStatusPage(t, r, 303, "confirmed submit")
	if got := r.Header.Get("Location"); got != loc+"/result" {
		t.Fatalf("submit went to %q", got)
	}
	r = b.get(loc + "/result")
	mustStatusPage(t, r, 200, "result page")
	mustContain(t, "result page", r.body, "Lulus", "6 dari 6 poin", "100%", explOne, explTwo, explThree, explFour,
		"Kepentingan umum", "Benar", `href="/courses/`+qc.Course.Slug+`"`)
	// The attempt page of a submitted attempt goes to the result.
	if r := b.get(loc); r.StatusCode != 303 || r.Header.Get("Location") != loc+"/result" {
		t.Errorf("attempt page after submission: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// Saving after submission is refused.
	if r := b.jsonReq("PUT", loc+"/answers", csrf, map[string]any{"answers": map[string]any{"q1": "b"}}); r.StatusCode != 409 {
		t.Errorf("save after submission: %d %s", r.StatusCode, r.body)
	}

	// The quiz was the only lesson: the course is complete, with a certificate.
	en, err := e.app.Service().Enrollment(context.Background(), learnerNIP, qc.Course.ID)
	if err != nil || en.Completed.IsZero() || en.Certificate == "" {
		t.Fatalf("enrolment after passing %+v (%v)", en, err)
	}
	code := content.FormatCode(en.Certificate)
	mustContain(t, "result page", r.body, "Kursus selesai", code, "/certificates/"+code+".pdf", "/verify/"+code)
	pdf := b.get("/certificates/" + code + ".pdf")
	if pdf.StatusCode != 200 || !bytes.HasPrefix(pdf.body, []byte("%PDF")) {
		t.Fatalf("certificate PDF: %d %.20q", pdf.StatusCode, pdf.body)
	}
	// The lesson lists the attempt; the dashboard the JP and certificate;
	// the course page the certificate.
	r = b.get("/learn/" + qc.Lesson.ID)
	mustContain(t, "quiz lesson after passing", r.body, `data-testid="quiz-used">1 / 3<`, "Percobaan ke-1", "100%",
		"/quiz/attempts/"+id+"/result", "sudah lulus")
	r = b.get("/")
	mustContain(t, "dashboard", r.body, "4 dari 20 JP", `data-testid="jp-credits"`, "Etika Pelayanan Publik</a> · 4 JP",
		`data-testid="certificates"`, code, "/certificates/"+code+".pdf")
	r = b.get("/courses/" + qc.Course.Slug)
	mustContain(t, "course page", r.body, `data-testid="course-certificate"`, code, "4 JP dikreditkan")

	// The admin's JP report lists the learner with their JP, not reached.
	admin := signedIn(t, e, adminNIP)
	r = admin.get("/admin/jp")
	mustStatusPage(t, r, 200, "JP report")
	mustContain(t, "JP report", r.body, "Dinas Kesehatan", "Dinas Pendidikan", `data-testid="nav-admin"`)
	r = admin.get("/admin/jp?unit=" + url.QueryEscape("Dinas Kesehatan"))
	mustStatusPage(t, r, 200, "JP report of a unit")
	row := regexp.MustCompile(`(?s)<tr class="low-row" data-nip="` + learnerNIP + `">(.*?)</tr>`).FindSubmatch(r.body)
	if row == nil {
		t.Fatalf("JP report lacks the learner's row:\n%s", r.body)
	}
	mustContain(t, "learner's row", row[1], "Siti Rahmawati", "<td>4</td>", "Belum")
	mustContain(t, "JP report of a unit", r.body, "0 tercapai", "1 belum tercapai", "/admin/jp.csv?")
	csv := admin.get("/admin/jp.csv?unit=" + url.QueryEscape("Dinas Kesehatan"))
	if csv.StatusCode != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(string(csv.body), learnerNIP+",Siti Rahmawati,,Dinas Kesehatan,") {
		t.Errorf("JP CSV: %d %s\n%s", csv.StatusCode, csv.Header.Get("Content-Type"), csv.body)
	}
	for _, nip := range []string{learnerNIP, trainerNIP} {
		u := signedIn(t, e, nip)
		mustStatusPage(t, u.get("/admin/jp"), 403, "JP report for "+nip)
		mustStatusPage(t, u.get("/admin/jp.csv?unit=Dinas+Kesehatan"), 403, "JP CSV for "+nip)
		mustNotContain(t, "nav of "+nip, u.get("/").body, `data-testid="nav-admin"`)
	}
}

func TestQuizHidesExplanationsWhenTheQuizSaysSo(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Kuis Tertutup", func(in *content.QuizInput) {
		in.ShowCorrectness, in.ShowExplanations = pgPtr(false), pgPtr(false)
	})
	enrolled(t, e, learnerNIP, qc.Course.ID)
	b := signedIn(t, e, learnerNIP)
	csrf := b.csrf("/learn/" + qc.Lesson.ID)
	loc := b.post("/learn/"+qc.Lesson.ID+"/quiz", url.Values{"_csrf": {csrf}}).Header.Get("Location")
	r := b.post(loc+"/submit", url.Values{"_csrf": {csrf}, "do": {"submit"}, "confirm": {"1"}, "a.q1": {"b"}})
	mustStatusPage(t, r, 303, "submit")
	r = b.get(loc + "/result")
	mustStatusPage(t, r, 200, "result")
	mustContain(t, "result", r.body, "Belum lulus", "0 dari 6 poin")
	mustNotContain(t, "result of a closed quiz", r.body, explOne, explTwo, explThree, explFour, shortKey, "✗ Salah")
}

func TestQuizPagesRefuseOthers(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Kuis Milik Pengajar", nil)
	enrolled(t, e, learnerNIP, qc.Course.ID)
	// One submitted attempt, so the statistics have something.
	svc := e.app.Service()
	lu := mustUser(t, e, learnerNIP)
	at, _, err := svc.StartAttempt(context.Background(), lu, qc.Quiz.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveAnswers(context.Background(), lu, at.ID, map[string]json.RawMessage{"q1": json.RawMessage(`"a"`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SubmitAttempt(context.Background(), lu, at.ID); err != nil {
		t.Fatal(err)
	}
	base := "/teach/quizzes/" + qc.Quiz.ID
	gets := []string{base, base + "/settings", base + "/stats", base + "/results.csv", base + "/export.gift",
		base + "/questions/new?type=single", base + "/questions/q1/edit", "/teach/" + qc.Course.ID + "/quizzes/new"}
	for who, want := range map[string]int{trainer2NIP: 404, learnerNIP: 403} {
		b := signedIn(t, e, who)
		for _, p := range gets {
			want := want
			if who == trainer2NIP && strings.HasPrefix(p, "/teach/"+qc.Course.ID) {
				want = 403 // the course is published: visible, not theirs
			}
			if r := b.get(p); r.StatusCode != want {
				t.Errorf("%s GET %s: %d, want %d", who, p, r.StatusCode, want)
			}
		}
		tok := b.csrf("/")
		for _, p := range []string{base + "/settings", base + "/questions/new", base + "/questions/q1/edit",
			base + "/questions/q1/delete", base + "/import"} {
			if r := b.post(p, url.Values{"_csrf": {tok}, "title": {"Dibajak"}, "type": {"truefalse"}, "prompt": {"x"},
				"truth": {"true"}, "text": {"::A:: soal {T}"}}); r.StatusCode != want {
				t.Errorf("%s POST %s: %d, want %d", who, p, r.StatusCode, want)
			}
		}
	}
	after, err := svc.Quiz(context.Background(), qc.Quiz.ID)
	if err != nil || after.Title != qc.Quiz.Title || len(after.Questions) != 4 {
		t.Fatalf("others changed the quiz: %+v (%v)", after, err)
	}

	// The owner sees the statistics and the CSV.
	owner := signedIn(t, e, trainerNIP)
	r := owner.get(base + "/stats")
	mustStatusPage(t, r, 200, "stats")
	mustContain(t, "stats before counting", r.body, `data-testid="stats-catching-up"`, `<progress max="1" value="0"`)
	if _, err := svc.FoldQuizStats(context.Background()); err != nil {
		t.Fatal(err)
	}
	r = owner.get(base + "/stats")
	mustStatusPage(t, r, 200, "stats")
	if strings.Contains(string(r.body), "stats-catching-up") {
		t.Error("stats still catching up after the job ran")
	}
	mustContain(t, "stats", r.body, `data-testid="stats-attempts">1<`, `data-testid="stats-learners">1<`,
		`data-testid="stats-mean">33,3%<`, `data-testid="stats-pass-rate">0%<`, `<svg class="histogram"`,
		"Asas pelayanan publik yang utama?", `data-qid="q2"`, "sulit", "Kemudahan", "Daya beda", base+"/results.csv")
	csv := owner.get(base + "/results.csv")
	if csv.StatusCode != 200 || !strings.Contains(string(csv.body), "NIP,Nama,Percobaan") ||
		!strings.Contains(string(csv.body), learnerNIP+",Siti Rahmawati,1,") {
		t.Errorf("results CSV: %d\n%s", csv.StatusCode, csv.body)
	}
	// The course page for its owner lists the quiz.
	r = owner.get("/teach/" + qc.Course.ID)
	mustContain(t, "teach course", r.body, `data-testid="quiz-list"`, base, "Tambah kuis")
}

func multipartImport(t *testing.T, b *browser, path, csrf, format, file string) resp {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", csrf)
	_ = w.WriteField("format", format)
	_ = w.WriteField("text", "")
	fw, err := w.CreateFormFile("file", "soal.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(file))
	_ = w.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(req)
}

func TestTrainerAuthorsQuizThroughForms(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Berkuis", "Teknis", "", true)
	svc := e.app.Service()
	b := signedIn(t, e, trainerNIP)
	r := b.get("/teach/" + c.ID)
	mustContain(t, "teach course", r.body, `href="/teach/`+c.ID+`/quizzes/new"`, "Belum ada kuis.")
	tok := b.csrf("/teach/" + c.ID + "/quizzes/new")

	// A bad pass mark shows the form again with the domain's message.
	r = b.post("/teach/"+c.ID+"/quizzes/new", url.Values{"_csrf": {tok}, "module": {c.Module.ID}, "title": {"Kuis Akhir"},
		"pass_mark": {"150"}})
	mustStatusPage(t, r, 422, "bad pass mark")
	mustContain(t, "quiz form", r.body, "nilai lulus 0 sampai 100", `value="Kuis Akhir"`)
	r = b.post("/teach/"+c.ID+"/quizzes/new", url.Values{"_csrf": {tok}, "module": {c.Module.ID}, "title": {"Kuis Akhir"},
		"pass_mark": {"75"}, "max_attempts": {"2"}, "time_limit": {"15"}, "draw": {"0"}, "shuffle_options": {"1"},
		"layout": {"one"}, "show_correctness": {"1"}})
	mustStatusPage(t, r, 303, "create quiz")
	editor := r.Header.Get("Location")
	qid := strings.TrimSuffix(strings.TrimPrefix(editor, "/teach/quizzes/"), "?ok=created")
	q, err := svc.Quiz(context.Background(), qid)
	if err != nil {
		t.Fatalf("quiz %q: %v", qid, err)
	}
	if q.PassMark != 75 || q.MaxAttempts != 2 || q.TimeLimit != 900 || !q.OnePerPage || !q.ShuffleOptions || q.ShuffleQuestions ||
		!q.ShowCorrectness || q.ShowExplanations {
		t.Errorf("created quiz %+v", q)
	}
	course, _ := svc.Course(context.Background(), c.ID)
	if l := course.Modules[0].Lessons; len(l) != 3 || l[2].Kind != content.KindQuiz || l[2].QuizID != qid {
		t.Errorf("no quiz lesson in the module: %+v", l)
	}
	r = b.get(editor)
	mustStatusPage(t, r, 200, "editor")
	mustContain(t, "editor", r.body, "Kuis dibuat.", "Kuis ini belum memiliki soal.", "questions/new?type=multiple",
		"/teach/quizzes/"+qid+"/export.gift", "/teach/quizzes/"+qid+"/stats")

	// Each type through its form.
	post := func(path string, form url.Values) resp {
		form.Set("_csrf", tok)
		return b.post(path, form)
	}
	newQ := "/teach/quizzes/" + qid + "/questions/new"
	mustStatusPage(t, b.get(newQ+"?type=multiple"), 200, "new multiple form")
	r = post(newQ, url.Values{"type": {"single"}, "prompt": {"Ibu kota provinsi?"}, "points": {"2"},
		"opt_text_0": {"Kotalama"}, "opt_text_1": {"Kotabaru"}, "opt_text_2": {""}, "right": {"1"}, "explanation": {"Kotabaru."}})
	mustStatusPage(t, r, 303, "add single")
	r = post(newQ, url.Values{"type": {"multiple"}, "prompt": {"Bilangan prima?"}, "opt_text_0": {"2"}, "opt_weight_0": {"50"},
		"opt_text_1": {"3"}, "opt_weight_1": {"50"}, "opt_text_2": {"4"}, "opt_weight_2": {"-100"}})
	mustStatusPage(t, r, 303, "add multiple")
	r = post(newQ, url.Values{"type": {"truefalse"}, "prompt": {"Bumi bulat."}, "truth": {"true"}})
	mustStatusPage(t, r, 303, "add truefalse")
	r = post(newQ, url.Values{"type": {"short"}, "prompt": {"Singkatan Badan Kepegawaian?"}, "accepted": {"BKPSDM\n bkd \n\n"}})
	mustStatusPage(t, r, 303, "add short")
	// A single choice question without a right option is refused, kept.
	r = post(newQ, url.Values{"type": {"single"}, "prompt": {"Tanpa kunci?"}, "opt_text_0": {"a"}, "opt_text_1": {"b"}})
	mustStatusPage(t, r, 422, "single without key")
	mustContain(t, "question form", r.body, "satu jawaban benar", "Tanpa kunci?")

	q, _ = svc.Quiz(context.Background(), qid)
	if len(q.Questions) != 4 {
		t.Fatalf("questions %+v", q.Questions)
	}
	if s := q.Questions[0]; s.Type != "single" || s.Points != 2 || s.Options[1].Weight != 100 || s.Options[0].Weight != 0 ||
		s.Explanation != "Kotabaru." || len(s.Options) != 2 {
		t.Errorf("single %+v", s)
	}
	if m := q.Questions[1]; m.Options[0].Weight != 50 || m.Options[2].Weight != -100 || m.Points != 1 {
		t.Errorf("multiple weights %+v", m.Options)
	}
	if tf := q.Questions[2]; !tf.True {
		t.Errorf("truefalse %+v", tf)
	}
	if s := q.Questions[3]; fmt.Sprint(s.Accepted) != "[BKPSDM bkd]" {
		t.Errorf("short accepted %q", s.Accepted)
	}

	// Editing one question keeps the others' weights; option ids stay.
	single := q.Questions[0]
	r = b.get("/teach/quizzes/" + qid + "/questions/" + single.ID + "/edit")
	mustContain(t, "edit form", r.body, `value="Kotabaru"`, `name="right" value="1" checked`)
	r = post("/teach/quizzes/"+qid+"/questions/"+single.ID+"/edit", url.Values{"prompt": {"Ibu kota provinsi kita?"},
		"points": {"3"}, "opt_id_0": {single.Options[0].ID}, "opt_text_0": {"Kotalama"}, "opt_id_1": {single.Options[1].ID},
		"opt_text_1": {"Kotabaru"}, "opt_text_2": {"Kotatua"}, "right": {"0"}})
	mustStatusPage(t, r, 303, "edit single")
	q, _ = svc.Quiz(context.Background(), qid)
	if s := q.Questions[0]; s.ID != single.ID || s.Prompt != "Ibu kota provinsi kita?" || s.Points != 3 || len(s.Options) != 3 ||
		s.Options[0].ID != single.Options[0].ID || s.Options[0].Weight != 100 || s.Options[2].ID != "o3" {
		t.Errorf("edited single %+v", s)
	}
	if m := q.Questions[1]; m.Options[0].Weight != 50 || m.Options[2].Weight != -100 {
		t.Errorf("editing another question changed the weights: %+v", m.Options)
	}
	// Delete.
	r = post("/teach/quizzes/"+qid+"/questions/"+q.Questions[2].ID+"/delete", url.Values{})
	mustStatusPage(t, r, 303, "delete question")
	q, _ = svc.Quiz(context.Background(), qid)
	if len(q.Questions) != 3 || q.Questions[2].Type != "short" {
		t.Errorf("after delete %+v", q.Questions)
	}
	// Settings.
	r = post("/teach/quizzes/"+qid+"/settings", url.Values{"title": {"Kuis Akhir Modul"}, "pass_mark": {"80"},
		"max_attempts": {"0"}, "time_limit": {"0"}, "draw": {"2"}, "layout": {"all"}, "show_explanations": {"1"}})
	mustStatusPage(t, r, 303, "settings")
	q, _ = svc.Quiz(context.Background(), qid)
	if q.Title != "Kuis Akhir Modul" || q.PassMark != 80 || q.TimeLimit != 0 || q.Draw != 2 || q.OnePerPage || q.ShowCorrectness ||
		!q.ShowExplanations || len(q.Questions) != 3 {
		t.Errorf("settings %+v", q)
	}

	// Import: pasted GIFT with a broken question in the middle.
	gift := "::Satu:: Ibu kota Indonesia? {=Jakarta ~Bandung}\n\n::Dua:: Soal rusak {=a ~b\n\n::Tiga:: Bumi bulat. {T}\n"
	r = post("/teach/quizzes/"+qid+"/import", url.Values{"format": {"gift"}, "text": {gift}})
	mustStatusPage(t, r, 200, "import")
	mustContain(t, "import result", r.body, "2 soal ditambahkan", `data-testid="import-errors"`, "Baris 3")
	q, _ = svc.Quiz(context.Background(), qid)
	if len(q.Questions) != 5 {
		t.Errorf("after import %d questions", len(q.Questions))
	}
	// Aiken as an uploaded file.
	aiken := "Warna langit cerah?\nA. Biru\nB. Merah\nANSWER: A\n\nSoal tanpa jawaban\nA. x\nB. y\n"
	r = multipartImport(t, b, "/teach/quizzes/"+qid+"/import", tok, "aiken", aiken)
	mustStatusPage(t, r, 200, "aiken import")
	mustContain(t, "aiken import", r.body, "1 soal ditambahkan", "Baris ")
	q, _ = svc.Quiz(context.Background(), qid)
	if len(q.Questions) != 6 || q.Questions[5].Prompt != "Warna langit cerah?" {
		t.Errorf("after aiken import %+v", q.Questions)
	}
	// Export: GIFT text as a download.
	r = b.get("/teach/quizzes/" + qid + "/export.gift")
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(string(r.body), "Warna langit cerah?") || !strings.Contains(string(r.body), "=Jakarta") {
		t.Errorf("export: %d %s\n%s", r.StatusCode, r.Header.Get("Content-Disposition"), r.body)
	}
}
