package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

var regexpNext = regexp.MustCompile(`href="([^"]+)" rel="next"`)

func pgPtr[T any](v T) *T { return &v }

// pgCourse is a course made through the domain for page tests.
type pgCourse struct {
	content.Course
	Module content.Module
	Text   content.Lesson
	Text2  content.Lesson
}

// seedPageCourse makes a course owned by the trainer with one module and
// two text lessons; published unless draft is set.
func seedPageCourse(t *testing.T, e *testEnv, title, category, description string, draft bool) pgCourse {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	tr, err := svc.User(ctx, trainerNIP)
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCourse(ctx, tr, content.CourseInput{Title: &title, Summary: pgPtr("Ringkasan " + title),
		Description: &description, Category: &category, JP: pgPtr(4)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddModule(ctx, tr, c.ID, content.ModuleInput{Title: "Pengantar"})
	if err != nil {
		t.Fatal(err)
	}
	l1, err := svc.AddLesson(ctx, tr, c.ID, m.ID, content.LessonInput{Title: pgPtr("Bacaan pertama"), Kind: pgPtr(content.KindText),
		Body: pgPtr("Isi **bacaan** pertama.\n\n<script>alert('bacaan')</script>"), Minutes: pgPtr(5)})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := svc.AddLesson(ctx, tr, c.ID, m.ID, content.LessonInput{Title: pgPtr("Bacaan kedua"), Kind: pgPtr(content.KindText),
		Body: pgPtr("Isi kedua."), Minutes: pgPtr(5)})
	if err != nil {
		t.Fatal(err)
	}
	if !draft {
		if c, err = svc.SetStatus(ctx, tr, c.ID, content.StatusPublished); err != nil {
			t.Fatal(err)
		}
	}
	return pgCourse{Course: c, Module: m, Text: l1, Text2: l2}
}

func signedIn(t *testing.T, e *testEnv, nip string) *browser {
	t.Helper()
	b := e.browser()
	if r := b.login(nip); r.StatusCode != 303 {
		t.Fatalf("login %s: %d", nip, r.StatusCode)
	}
	return b
}

func mustContain(t *testing.T, what string, body []byte, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(string(body), s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
}

func mustNotContain(t *testing.T, what string, body []byte, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(string(body), s) {
			t.Errorf("%s contains %q", what, s)
		}
	}
}

func TestNavigationShowsTeachOnlyToTrainers(t *testing.T) {
	e := newEnv(t, nil)
	r := signedIn(t, e, learnerNIP).get("/")
	mustContain(t, "learner home", r.body, `href="/courses"`, "Katalog", "Beranda")
	mustNotContain(t, "learner home", r.body, `href="/teach"`)
	r = signedIn(t, e, trainerNIP).get("/")
	mustContain(t, "trainer home", r.body, `href="/teach"`, "Kursus saya")
}

func TestCatalogListsOnlyPublished(t *testing.T) {
	e := newEnv(t, nil)
	seedPageCourse(t, e, "Pelayanan Publik Prima", "Teknis", "", false)
	seedPageCourse(t, e, "Kepemimpinan Draf Rahasia", "Manajerial", "", true)
	seedPageCourse(t, e, "Budaya Kerja Melayani", "Sosial Kultural", "", false)
	b := signedIn(t, e, learnerNIP)

	r := b.get("/courses")
	if r.StatusCode != 200 {
		t.Fatalf("catalog: %d", r.StatusCode)
	}
	mustContain(t, "catalog", r.body, "Pelayanan Publik Prima", "Budaya Kerja Melayani", "2 kursus diterbitkan")
	mustNotContain(t, "catalog", r.body, "Kepemimpinan Draf Rahasia")

	r = b.get("/courses?category=" + url.QueryEscape("Sosial Kultural"))
	mustContain(t, "filtered catalog", r.body, "Budaya Kerja Melayani")
	mustNotContain(t, "filtered catalog", r.body, "Pelayanan Publik Prima")

	// Words are the search page's (pages_search_test.go).
	if r := b.get("/courses?q=prima"); r.StatusCode != 303 || r.Header.Get("Location") != "/search?q=prima" {
		t.Errorf("searched catalog: %d %q, want a redirect to the search page", r.StatusCode, r.Header.Get("Location"))
	}

	if r := b.get("/courses?category=Olahraga"); r.StatusCode != 422 {
		t.Errorf("unknown category: %d, want 422", r.StatusCode)
	}
	// Anonymous visitors are sent to the login page.
	if r := e.browser().get("/courses"); r.StatusCode != 302 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("anonymous catalog: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestCatalogPaging(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	svc := e.app.Service()
	tr, _ := svc.User(ctx, trainerNIP)
	for i := range 26 {
		title := "Kursus Nomor " + string(rune('A'+i))
		c, err := svc.CreateCourse(ctx, tr, content.CourseInput{Title: &title, Category: pgPtr("Teknis"), JP: pgPtr(2)})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := svc.AddModule(ctx, tr, c.ID, content.ModuleInput{Title: "M"})
		if _, err := svc.AddLesson(ctx, tr, c.ID, m.ID, content.LessonInput{Title: pgPtr("L"), Kind: pgPtr(content.KindText), Body: pgPtr("Isi.")}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetStatus(ctx, tr, c.ID, content.StatusPublished); err != nil {
			t.Fatal(err)
		}
	}
	b := signedIn(t, e, learnerNIP)
	r := b.get("/courses")
	mustContain(t, "page 1", r.body, "Kursus Nomor A", "Kursus Nomor X")
	mustNotContain(t, "page 1", r.body, "Kursus Nomor Y", "Kursus Nomor Z")
	m := regexpNext.FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("page 1 has no next link")
	}
	next := strings.ReplaceAll(string(m[1]), "&amp;", "&")
	r = b.get(next)
	mustContain(t, "page 2", r.body, "Kursus Nomor Y", "Kursus Nomor Z")
	mustNotContain(t, "page 2", r.body, "Kursus Nomor A<", `rel="next"`)
}

func TestCoursePageSanitisesMarkdown(t *testing.T) {
	e := newEnv(t, nil)
	desc := "## Tujuan\n\nMemahami **standar pelayanan**.\n\n<script>alert('xss')</script>\n\n" +
		"[klik](javascript:alert(2)) <img src=x onerror=alert(3)>"
	c := seedPageCourse(t, e, "Pelayanan Publik Prima", "Teknis", desc, false)
	b := signedIn(t, e, learnerNIP)
	for _, id := range []string{c.ID, c.Slug} {
		r := b.get("/courses/" + id)
		if r.StatusCode != 200 {
			t.Fatalf("course page %s: %d", id, r.StatusCode)
		}
		mustContain(t, "course page", r.body, "<h2>Tujuan</h2>", "<strong>standar pelayanan</strong>", "Teknis", "4 JP",
			"Bacaan pertama", "Bacaan kedua", "Ikuti kursus", `action="/courses/`+c.ID+`/enroll"`)
		mustNotContain(t, "course page", r.body, "<script>", "alert(", "javascript:", "onerror")
		// The only scripts are the app's own files (the header's search box).
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(r.body), -1) {
			if !regexp.MustCompile(`^<script src="/static/[0-9a-f]+/js/[a-z]+\.js" defer>$`).MatchString(tag) {
				t.Errorf("course page has a foreign script: %s", tag)
			}
		}
	}
	// A draft is invisible to learners, visible to its owner.
	d := seedPageCourse(t, e, "Draf Belum Terbit", "Teknis", "", true)
	if r := b.get("/courses/" + d.ID); r.StatusCode != 404 {
		t.Errorf("draft for learner: %d, want 404", r.StatusCode)
	}
	if r := signedIn(t, e, trainerNIP).get("/courses/" + d.ID); r.StatusCode != 200 {
		t.Errorf("draft for owner: %d, want 200", r.StatusCode)
	}
}

func TestEnrolFormIsIdempotentAndNeedsCSRF(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Pelayanan Publik Prima", "Teknis", "", false)
	b := signedIn(t, e, learnerNIP)
	tok := b.csrf("/courses/" + c.Slug)

	if r := b.post("/courses/"+c.ID+"/enroll", url.Values{}); r.StatusCode != 403 {
		t.Fatalf("enrol without CSRF: %d, want 403", r.StatusCode)
	}
	if mine, _ := e.app.Service().MyCourses(context.Background(), learnerNIP); len(mine) != 0 {
		t.Fatalf("enrolled without a CSRF token: %+v", mine)
	}
	for i := range 2 {
		r := b.post("/courses/"+c.ID+"/enroll", url.Values{"_csrf": {tok}})
		if r.StatusCode != 303 || r.Header.Get("Location") != "/courses/"+c.ID+"?enrolled=1" {
			t.Fatalf("enrol #%d: %d to %q", i+1, r.StatusCode, r.Header.Get("Location"))
		}
	}
	mine, err := e.app.Service().MyCourses(context.Background(), learnerNIP)
	if err != nil || len(mine) != 1 || mine[0].Course.ID != c.ID {
		t.Fatalf("after two enrolments: %+v (%v), want exactly one", mine, err)
	}
	r := b.get("/courses/" + c.ID + "?enrolled=1")
	mustContain(t, "enrolled course page", r.body, "Anda sudah terdaftar", `<progress class="meter" max="100" value="0"`,
		`href="/learn/`+c.Text.ID+`" data-testid="continue"`)
	mustNotContain(t, "enrolled course page", r.body, `data-testid="enrol"`)
}

func TestLessonPageRefusesUnenrolledLearner(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Pelayanan Publik Prima", "Teknis", "", false)
	other := signedIn(t, e, learner2NIP)
	if r := other.get("/learn/" + c.Text.ID); r.StatusCode != 403 {
		t.Fatalf("unenrolled learner: %d, want 403", r.StatusCode)
	}
	b := signedIn(t, e, learnerNIP)
	if _, _, err := e.app.Service().Enroll(context.Background(), mustUser(t, e, learnerNIP), c.ID); err != nil {
		t.Fatal(err)
	}
	r := b.get("/learn/" + c.Text.ID)
	if r.StatusCode != 200 {
		t.Fatalf("enrolled learner: %d", r.StatusCode)
	}
	mustContain(t, "lesson page", r.body, "<strong>bacaan</strong>", "Tandai selesai", `action="/learn/`+c.Text.ID+`/done"`,
		`href="/learn/`+c.Text2.ID+`" rel="next"`, `aria-live="polite"`, "Materi 1 dari 2", `id="lesson-end"`)
	mustNotContain(t, "lesson page", r.body, "alert('bacaan')")
	// The owner may preview without enrolling.
	if r := signedIn(t, e, trainerNIP).get("/learn/" + c.Text.ID); r.StatusCode != 200 || !strings.Contains(string(r.body), "Pratinjau") {
		t.Errorf("owner preview: %d", r.StatusCode)
	}
}

func mustUser(t *testing.T, e *testEnv, nip string) content.User {
	t.Helper()
	u, err := e.app.Service().User(context.Background(), nip)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestProgressRouteRecordsDone(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Pelayanan Publik Prima", "Teknis", "", false)
	svc := e.app.Service()
	ctx := context.Background()
	if _, _, err := svc.Enroll(ctx, mustUser(t, e, learnerNIP), c.ID); err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, e, learnerNIP)
	tok := b.csrf("/learn/" + c.Text.ID)
	// Both lessons opened long enough ago to have been read.
	b.get("/learn/" + c.Text2.ID)
	e.advance(time.Minute)

	// Without the token: refused, in JSON, nothing recorded.
	r := b.post("/learn/"+c.Text.ID+"/progress", url.Values{"done": {"1"}})
	if r.StatusCode != 403 || r.json(t)["error"].(map[string]any)["code"] != "csrf" {
		t.Fatalf("progress without CSRF: %d %s", r.StatusCode, r.body)
	}
	// Bad input is a 4xx in JSON, never a 5xx.
	r = b.post("/learn/"+c.Text.ID+"/progress", url.Values{"_csrf": {tok}, "watched": {"nope"}})
	if r.StatusCode != 400 || !strings.Contains(string(r.body), `"watched"`) {
		t.Errorf("bad watched: %d %s", r.StatusCode, r.body)
	}
	// The beacon's form body: _csrf, position, watched, done.
	r = b.post("/learn/"+c.Text.ID+"/progress", url.Values{"_csrf": {tok}, "done": {"1"}, "position": {"0"}, "watched": {"[]"}})
	if r.StatusCode != 200 {
		t.Fatalf("progress: %d %s", r.StatusCode, r.body)
	}
	if got := r.json(t); got["done"] != true {
		t.Fatalf("progress answer %v, want done", got)
	}
	en, err := svc.Enrollment(ctx, learnerNIP, c.ID)
	if err != nil || !en.Lessons[c.Text.ID].Done || en.Percent != 50 {
		t.Fatalf("enrolment after report: %+v (%v), want lesson done and 50%%", en, err)
	}
	// The plain form (no JavaScript) marks the second lesson and goes back.
	r = b.post("/learn/"+c.Text2.ID+"/done", url.Values{"_csrf": {tok}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/learn/"+c.Text2.ID+"?done=1" {
		t.Fatalf("done form: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	en, _ = svc.Enrollment(ctx, learnerNIP, c.ID)
	if en.Percent != 100 || en.Completed.IsZero() {
		t.Fatalf("after both lessons: %d%%, completed %v", en.Percent, en.Completed)
	}
	r = b.get("/learn/" + c.Text2.ID + "?done=1")
	mustContain(t, "done lesson", r.body, "Materi ini sudah selesai.")
	mustNotContain(t, "done lesson", r.body, `data-testid="mark-done"`)
	// The player's syllabus marks both lessons and shows the course done.
	mustContain(t, "done lesson", r.body, `<progress class="meter" max="100" value="100"`)
	if n := strings.Count(string(r.body), `class="done-mark"`); n != 2 {
		t.Errorf("lesson page syllabus shows %d done marks, want 2", n)
	}

	// The dashboard shows the course at 100% and the course page the marks.
	r = b.get("/")
	mustContain(t, "dashboard", r.body, "Pelayanan Publik Prima", `data-percent="100"`, "Kursus selesai")
	r = b.get("/courses/" + c.ID)
	if n := strings.Count(string(r.body), `data-testid="done-mark"`); n != 2 {
		t.Errorf("course page shows %d done marks, want 2", n)
	}
	// Someone not enrolled cannot report.
	o := signedIn(t, e, learner2NIP)
	otok := o.csrf("/")
	if r := o.post("/learn/"+c.Text.ID+"/progress", url.Values{"_csrf": {otok}, "done": {"1"}}); r.StatusCode != 403 {
		t.Errorf("report from an unenrolled learner: %d, want 403", r.StatusCode)
	}
}

func TestProgressRouteTakesCSRFHeaderAndSavesPosition(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Pelayanan Publik Prima", "Teknis", "", false)
	if _, _, err := e.app.Service().Enroll(context.Background(), mustUser(t, e, learnerNIP), c.ID); err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, e, learnerNIP)
	tok := b.csrf("/")
	req := httptest.NewRequest("POST", "/learn/"+c.Text.ID+"/progress",
		strings.NewReader(url.Values{"position": {"42.5"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("X-CSRF-Token", tok)
	r := b.send(req)
	var p content.LessonProgress
	if err := json.Unmarshal(r.body, &p); r.StatusCode != 200 || err != nil || p.Position != 42.5 || p.Done {
		t.Fatalf("header CSRF: %d %s", r.StatusCode, r.body)
	}
	// The dashboard offers to continue with that lesson.
	r = b.get("/")
	mustContain(t, "dashboard", r.body, "Lanjutkan belajar", `href="/learn/`+c.Text.ID+`"`)
}
