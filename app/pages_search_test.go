package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// seedSearchCourse makes a course owned by the trainer with one text lesson
// per title, published unless draft. Course titles and lesson titles are
// chosen by the tests so that words do not leak between them.
func seedSearchCourse(t *testing.T, e *testEnv, title, category string, draft bool, lessons ...string) (content.Course, []content.Lesson) {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	tr := mustUser(t, e, trainerNIP)
	c, err := svc.CreateCourse(ctx, tr, content.CourseInput{Title: &title, Category: &category, JP: pgPtr(2)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddModule(ctx, tr, c.ID, content.ModuleInput{Title: "Modul"})
	if err != nil {
		t.Fatal(err)
	}
	var out []content.Lesson
	for _, lt := range lessons {
		l, err := svc.AddLesson(ctx, tr, c.ID, m.ID, content.LessonInput{Title: pgPtr(lt), Kind: pgPtr(content.KindText),
			Body: pgPtr("Uraian singkat."), Minutes: pgPtr(5)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	if !draft {
		if c, err = svc.SetStatus(ctx, tr, c.ID, content.StatusPublished); err != nil {
			t.Fatal(err)
		}
	}
	return c, out
}

// searchFixture is the library the search page tests share.
type searchFixture struct {
	prima, budaya, xss, draft content.Course
	primaLessons              []content.Lesson
	budayaLessons             []content.Lesson
}

const xssTitle = `<img src=x onerror=alert(1)> Arsip`

func newSearchFixture(t *testing.T, e *testEnv) searchFixture {
	t.Helper()
	var f searchFixture
	f.prima, f.primaLessons = seedSearchCourse(t, e, "Pelayanan Publik Prima", "Teknis", false,
		"Integritas layanan", "Integritas petugas loket", "Survei kepuasan")
	f.budaya, f.budayaLessons = seedSearchCourse(t, e, "Budaya Kerja Melayani", "Sosial Kultural", false,
		"Integritas kerja", "Disiplin")
	f.xss, _ = seedSearchCourse(t, e, xssTitle, "Manajerial", false, "Tata naskah")
	f.draft, _ = seedSearchCourse(t, e, "Kebijakan Rahasia Draf", "Manajerial", true, "Dokumen terbatas")
	// The first learner follows Prima and Budaya; the second follows nothing.
	enrolled(t, e, learnerNIP, f.prima.ID)
	enrolled(t, e, learnerNIP, f.budaya.ID)
	e.indexNow(t)
	return f
}

// resultCourses lists the course ids of the result groups, in order.
var resultCourse = regexp.MustCompile(`<li class="card result" data-course="([^"]+)"`)

func resultCourses(body []byte) []string {
	var out []string
	for _, m := range resultCourse.FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

func TestSearchPageGroupsByCourse(t *testing.T) {
	e := newEnv(t, nil)
	f := newSearchFixture(t, e)
	b := signedIn(t, e, learnerNIP)

	r := b.get("/search?q=integritas")
	mustStatusPage(t, r, 200, "search page")
	// Two courses, each once, with its matching lessons under it.
	got := resultCourses(r.body)
	if len(got) != 2 || !containsAll(got, f.prima.ID, f.budaya.ID) {
		t.Fatalf("result groups %v, want %s and %s once each", got, f.prima.ID, f.budaya.ID)
	}
	mustContain(t, "search page", r.body,
		`<a href="/courses/`+f.prima.ID+`">Pelayanan Publik Prima</a>`,
		`<a href="/courses/`+f.budaya.ID+`">Budaya Kerja Melayani</a>`,
		// The match is in the lesson titles: they come highlighted.
		`<a href="/learn/`+f.primaLessons[0].ID+`"><mark>Integritas</mark> layanan</a>`,
		`<a href="/learn/`+f.primaLessons[1].ID+`"><mark>Integritas</mark> petugas loket</a>`,
		`<a href="/learn/`+f.budayaLessons[0].ID+`"><mark>Integritas</mark> kerja</a>`,
		`3 hasil dalam`, // total and took_ms
		`js/search.js`)
	mustNotContain(t, "search page", r.body, "Survei kepuasan", "Disiplin", "Tidak ditemukan", f.draft.ID)
	// The lessons sit inside their own course's group.
	prima := groupHTML(t, r.body, f.prima.ID)
	if !strings.Contains(prima, f.primaLessons[0].ID) || !strings.Contains(prima, f.primaLessons[1].ID) || strings.Contains(prima, f.budayaLessons[0].ID) {
		t.Errorf("Prima's group holds the wrong lessons:\n%s", prima)
	}
	mustNotContain(t, "search page", r.body, `data-testid="enrol-to-open"`)
	// A learner not enrolled is led to the course page, where they can
	// enrol, instead of a lesson they may not open.
	r2 := signedIn(t, e, learner2NIP).get("/search?q=integritas")
	mustContain(t, "not enrolled", r2.body, `<a href="/courses/`+f.prima.ID+`"><mark>Integritas</mark> layanan</a>`,
		`<a href="/courses/`+f.budaya.ID+`"><mark>Integritas</mark> kerja</a>`, `data-testid="enrol-to-open"`)
	mustNotContain(t, "not enrolled", r2.body, `href="/learn/`)
	// The results page and the header box are plain GET forms.
	mustContain(t, "search page", r.body, `<form method="get" action="/search" role="search" class="site-search"`,
		`<label for="site-search-q" class="sr">`, `<label for="q">`, `value="integritas"`)

	// An empty query asks for words and offers the catalog.
	r = b.get("/search")
	mustStatusPage(t, r, 200, "empty search")
	mustContain(t, "empty search", r.body, `data-testid="search-prompt"`, `href="/courses"`)
	mustNotContain(t, "empty search", r.body, `data-testid="results"`, "Tidak ditemukan")
	// A category without words is browsing: the catalog.
	r = b.get("/search?category=Teknis")
	if r.StatusCode != 303 || r.Header.Get("Location") != "/courses?category=Teknis" {
		t.Errorf("category only: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// Bad input is the user's: 422, never a 5xx.
	mustStatusPage(t, b.get("/search?q=x&category=Olahraga"), 422, "unknown category")
	mustStatusPage(t, b.get("/search?q="+strings.Repeat("a", 201)), 422, "query too long")
	mustStatusPage(t, b.get("/search?q=x&offset=-1"), 422, "negative offset")

	// Anonymous visitors are sent to log in, and come back to the search.
	r = e.browser().get("/search?q=integritas")
	if r.StatusCode != 302 || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") ||
		!strings.Contains(r.Header.Get("Location"), "search") {
		t.Errorf("anonymous search: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// The header box is for signed-in users only.
	mustNotContain(t, "login page", e.browser().get("/login").body, `id="site-search"`, "js/search.js")
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range list {
			found = found || s == w
		}
		if !found {
			return false
		}
	}
	return true
}

// groupHTML is the markup of one course's result group.
func groupHTML(t *testing.T, body []byte, courseID string) string {
	t.Helper()
	s := string(body)
	i := strings.Index(s, `data-course="`+courseID+`"`)
	if i < 0 {
		t.Fatalf("no result group for %s", courseID)
	}
	s = s[i:]
	if j := strings.Index(s[1:], `<li class="card result"`); j >= 0 {
		s = s[:j+1]
	} else if j := strings.Index(s, "</ol>"); j >= 0 {
		s = s[:j]
	}
	return s
}

func TestSearchPageEscapesTitles(t *testing.T) {
	e := newEnv(t, nil)
	f := newSearchFixture(t, e)
	b := signedIn(t, e, learnerNIP)

	r := b.get("/search?q=arsip")
	mustStatusPage(t, r, 200, "search arsip")
	if got := resultCourses(r.body); len(got) != 1 || got[0] != f.xss.ID {
		t.Fatalf("result groups %v, want only %s", got, f.xss.ID)
	}
	// The title, as a link and in the snippet, arrives as text; only the
	// highlight is markup.
	mustContain(t, "search arsip", r.body, `<a href="/courses/`+f.xss.ID+`">&lt;img src=x onerror=alert(1)&gt; <mark>Arsip</mark></a>`)
	mustNotContain(t, "search arsip", r.body, `<img src=x`, `<img src="x"`)
	for _, m := range regexp.MustCompile(`(?s)<ol class="results" data-testid="results">(.*?)</ol>`).FindAllSubmatch(r.body, -1) {
		// Inside the results, no tag but ours and <mark>.
		for _, tag := range anyTag.FindAll(m[1], -1) {
			if !ourTag.Match(tag) {
				t.Errorf("unexpected markup in the results: %s", tag)
			}
		}
	}
	// The suggestions carry the title as plain text (the script sets it
	// with textContent) and the snippet escaped but for <mark>.
	r = b.get("/search/suggest?q=arsip")
	mustStatusPage(t, r, 200, "suggest arsip")
	var s suggestResponse
	if err := json.Unmarshal(r.body, &s); err != nil || len(s.Hits) == 0 {
		t.Fatalf("suggest arsip: %v %s", err, r.body)
	}
	for _, h := range s.Hits {
		if h.Title != xssTitle {
			t.Errorf("suggestion title %q, want the plain title", h.Title)
		}
		if strings.Contains(h.Snippet, "<img") || !strings.Contains(h.Snippet, "<mark>") {
			t.Errorf("suggestion snippet %q", h.Snippet)
		}
	}
	// The script inserts HTML only for the snippet.
	js := servedJSFile(t, b, "js/search.js")
	if n := strings.Count(js, "innerHTML"); n != 1 || !strings.Contains(js, "s.innerHTML = h.snippet") {
		t.Errorf("search.js uses innerHTML %d times; only the snippet may", n)
	}
}

var (
	anyTag = regexp.MustCompile(`<[^>]*>`)
	ourTag = regexp.MustCompile(`^</?(mark|li|h2|a|ul|p)( (class|href|data-course|data-lesson|data-testid|aria-label)="[^"<>]*")*>$`)
)

func servedJSFile(t *testing.T, b *browser, name string) string {
	t.Helper()
	u, err := b.e.app.assets.url(name)
	if err != nil {
		t.Fatal(err)
	}
	r := b.get(u)
	mustStatusPage(t, r, 200, "GET "+u)
	return string(r.body)
}

func TestSearchPageCategoryFacets(t *testing.T) {
	e := newEnv(t, nil)
	f := newSearchFixture(t, e)
	b := signedIn(t, e, learnerNIP)

	facet := func(body []byte, name string) string {
		t.Helper()
		m := regexp.MustCompile(`data-category="` + regexp.QuoteMeta(name) + `"[^>]*>[^<]*<span class="count">\((\d+)\)</span>`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no facet %q", name)
		}
		return string(m[1])
	}
	r := b.get("/search?q=integritas")
	for name, want := range map[string]string{"Teknis": "2", "Sosial Kultural": "1", "Manajerial": "0"} {
		if got := facet(r.body, name); got != want {
			t.Errorf("facet %s = %s, want %s", name, got, want)
		}
	}
	mustContain(t, "facets", r.body, `href="/search?category=Teknis&amp;q=integritas"`,
		`href="/search?category=Sosial&#43;Kultural&amp;q=integritas"`, `Semua <span class="count">(3)</span>`)

	// Filtered: only the Teknis course; the other categories keep their
	// counts, so the user sees where else the words are.
	r = b.get("/search?q=integritas&category=Teknis")
	mustStatusPage(t, r, 200, "filtered search")
	if got := resultCourses(r.body); len(got) != 1 || got[0] != f.prima.ID {
		t.Fatalf("filtered groups %v, want only %s", got, f.prima.ID)
	}
	mustContain(t, "filtered search", r.body, `2 hasil dalam`, `aria-current="page">Teknis`, `<option value="Teknis" selected>`)
	if got := facet(r.body, "Sosial Kultural"); got != "1" {
		t.Errorf("filtered: facet Sosial Kultural = %s, want 1", got)
	}
	r = b.get("/search?q=integritas&category=Manajerial")
	mustStatusPage(t, r, 200, "empty category")
	mustContain(t, "empty category", r.body, "Tidak ditemukan", `data-testid="try-all-categories"`,
		`href="/search?q=integritas"`)
}

func TestSearchPageNothingFound(t *testing.T) {
	e := newEnv(t, nil)
	newSearchFixture(t, e)
	b := signedIn(t, e, learnerNIP)

	r := b.get("/search?q=" + url.QueryEscape("qwertyuiop zxcvbnmlkj"))
	mustStatusPage(t, r, 200, "nothing found")
	mustContain(t, "nothing found", r.body, "Tidak ditemukan", `data-testid="no-results"`,
		// Fewer words: the query minus its last word.
		`<a href="/search?q=qwertyuiop" data-testid="try-fewer">qwertyuiop</a>`,
		// The catalog's categories.
		`href="/courses?category=Teknis"`, `href="/courses?category=Sosial%20Kultural"`, `href="/courses?category=Manajerial"`)
	mustNotContain(t, "nothing found", r.body, `data-testid="try-all-categories"`, `data-testid="results"`)

	// With a category: also without it; fewer words keeps the category.
	r = b.get("/search?category=Teknis&q=" + url.QueryEscape("qwertyuiop zxcvbnmlkj"))
	mustContain(t, "nothing found in a category", r.body, "Tidak ditemukan",
		`<a href="/search?q=qwertyuiop&#43;zxcvbnmlkj" data-testid="try-all-categories">`,
		`<a href="/search?category=Teknis&amp;q=qwertyuiop" data-testid="try-fewer">`)

	// One word: nothing to take away.
	r = b.get("/search?q=qwertyuiop")
	mustContain(t, "one word not found", r.body, "Tidak ditemukan")
	mustNotContain(t, "one word not found", r.body, `data-testid="try-fewer"`)
}

func TestSearchPageDrafts(t *testing.T) {
	e := newEnv(t, nil)
	f := newSearchFixture(t, e)

	// Another learner: the draft does not exist.
	for _, nip := range []string{learnerNIP, learner2NIP, trainer2NIP} {
		b := signedIn(t, e, nip)
		r := b.get("/search?q=rahasia")
		mustStatusPage(t, r, 200, "draft search")
		mustContain(t, nip+" searching a draft", r.body, "Tidak ditemukan")
		mustNotContain(t, nip+" searching a draft", r.body, f.draft.ID, "Kebijakan Rahasia Draf")
		r = b.get("/search/suggest?q=rahasia")
		mustNotContain(t, nip+" suggestions", r.body, f.draft.ID, "Kebijakan")
	}
	// Its owner and admins find it.
	for _, nip := range []string{trainerNIP, adminNIP} {
		r := signedIn(t, e, nip).get("/search?q=rahasia")
		if got := resultCourses(r.body); len(got) != 1 || got[0] != f.draft.ID {
			t.Errorf("%s: result groups %v, want the draft", nip, got)
		}
	}
}

func TestSearchSuggest(t *testing.T) {
	e := newEnv(t, nil)
	f := newSearchFixture(t, e)
	b := signedIn(t, e, learnerNIP)

	get := func(q string) suggestResponse {
		t.Helper()
		r := b.get("/search/suggest?q=" + url.QueryEscape(q))
		mustStatusPage(t, r, 200, "suggest "+q)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("suggest content type %q", ct)
		}
		var s suggestResponse
		if err := json.Unmarshal(r.body, &s); err != nil {
			t.Fatalf("suggest %q: %v %s", q, err, r.body)
		}
		return s
	}
	s := get("integritas")
	if s.Total != 3 || len(s.Hits) != 3 || s.More != "/search?q=integritas" {
		t.Fatalf("suggest integritas: %+v", s)
	}
	lessons := map[string]bool{}
	for _, h := range s.Hits {
		if h.Type != "lesson" || h.URL != "/learn/"+h.LessonID || h.LessonTitle == "" || !strings.Contains(h.Snippet, "<mark>") {
			t.Errorf("suggestion %+v", h)
		}
		lessons[h.LessonID] = true
	}
	if !lessons[f.primaLessons[0].ID] || !lessons[f.budayaLessons[0].ID] {
		t.Errorf("suggested lessons %v", lessons)
	}
	// Not enrolled: the lessons lead to their course pages.
	var s2 suggestResponse
	r2 := signedIn(t, e, learner2NIP).get("/search/suggest?q=integritas")
	if err := json.Unmarshal(r2.body, &s2); err != nil || len(s2.Hits) != 3 {
		t.Fatalf("suggest for learner2: %v %s", err, r2.body)
	}
	for _, h := range s2.Hits {
		if h.URL != "/courses/"+h.CourseID {
			t.Errorf("suggestion for a learner not enrolled leads to %q", h.URL)
		}
	}
	// The last word counts as a prefix while typing (the search package
	// does prefixes); a course hit opens the course page.
	s = get("pelayanan pri")
	found := false
	for _, h := range s.Hits {
		if h.Type == "course" && h.CourseID == f.prima.ID {
			found = h.URL == "/courses/"+f.prima.ID
		}
	}
	if !found {
		t.Errorf("suggest %q lacks the course with its page: %+v", "pelayanan pri", s.Hits)
	}
	// At most eight, whatever the client asks.
	seedSearchCourse(t, e, "Kursus Banyak", "Teknis", false, "Ekologi satu", "Ekologi dua", "Ekologi tiga", "Ekologi empat",
		"Ekologi lima", "Ekologi enam", "Ekologi tujuh", "Ekologi delapan", "Ekologi sembilan", "Ekologi sepuluh")
	e.indexNow(t)
	if s = get("ekologi"); len(s.Hits) != 8 || s.Total != 10 {
		t.Errorf("suggest ekologi: %d hits of %d, want 8 of 10", len(s.Hits), s.Total)
	}
	// No words, no hits (and no search).
	if s = get(""); len(s.Hits) != 0 || s.Hits == nil {
		t.Errorf("empty suggest: %+v", s)
	}
	// Errors are JSON: it is a script's route.
	r := b.get("/search/suggest?q=x&category=Olahraga")
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"validation_failed"`) {
		t.Errorf("bad category: %d %s", r.StatusCode, r.body)
	}
	r = e.browser().get("/search/suggest?q=integritas")
	if r.StatusCode != 401 || !strings.Contains(string(r.body), `"unauthenticated"`) {
		t.Errorf("anonymous suggest: %d %s", r.StatusCode, r.body)
	}
}

func TestSearchPagePaging(t *testing.T) {
	e := newEnv(t, nil)
	titles := make([]string, 24)
	for i := range titles {
		titles[i] = fmt.Sprintf("Bagian %d", i+1)
	}
	c, _ := seedSearchCourse(t, e, "Anggaran Daerah", "Manajerial", false, titles...)
	enrolled(t, e, learnerNIP, c.ID)
	e.indexNow(t)
	b := signedIn(t, e, learnerNIP)

	// The course and its 24 lessons all carry the word: 25 hits.
	r := b.get("/search?q=anggaran")
	mustStatusPage(t, r, 200, "page 1")
	mustContain(t, "page 1", r.body, "25 hasil", "Menampilkan 1–20 dari 25", `href="/search?offset=20&amp;q=anggaran" rel="next"`)
	mustNotContain(t, "page 1", r.body, `rel="prev"`)
	if n := strings.Count(string(r.body), `<a href="/learn/`); n < 19 || n > 20 {
		t.Errorf("page 1 links %d lessons, want 19 or 20", n)
	}
	if got := resultCourses(r.body); len(got) != 1 || got[0] != c.ID {
		t.Errorf("page 1 groups %v", got)
	}
	r = b.get("/search?q=anggaran&offset=20")
	mustStatusPage(t, r, 200, "page 2")
	mustContain(t, "page 2", r.body, "Menampilkan 21–25 dari 25", `href="/search?q=anggaran" rel="prev"`)
	mustNotContain(t, "page 2", r.body, `rel="next"`)
	// Past the end (an old link): back to the first page.
	r = b.get("/search?q=anggaran&offset=100")
	if r.StatusCode != 303 || r.Header.Get("Location") != "/search?q=anggaran" {
		t.Errorf("past the end: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestSearchPageUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	b := signedIn(t, e, learnerNIP)
	if err := e.stores.Search.Close(); err != nil {
		t.Fatal(err)
	}
	r := b.get("/search?q=integritas")
	mustStatusPage(t, r, 503, "search unavailable")
	mustContain(t, "search unavailable", r.body, "Pencarian sedang tidak tersedia", `data-testid="search-unavailable"`,
		`<a href="/courses">`, `<form method="get" action="/search"`)
	mustNotContain(t, "search unavailable", r.body, "Tidak ditemukan", "kesalahan di server")
	if r := b.get("/search/suggest?q=integritas"); r.StatusCode != 503 || !strings.Contains(string(r.body), `"search_unavailable"`) {
		t.Errorf("suggest unavailable: %d %s", r.StatusCode, r.body)
	}
	// The rest of the site still works.
	mustStatusPage(t, b.get("/courses"), 200, "catalog without search")
}

func TestCatalogSearchLeadsToSearchPage(t *testing.T) {
	e := newEnv(t, nil)
	b := signedIn(t, e, learnerNIP)
	r := b.get("/courses")
	mustStatusPage(t, r, 200, "catalog")
	mustContain(t, "catalog", r.body, `<form method="get" action="/search" class="card filters" role="search"`)
	// Old links with words go to the search page, category and all.
	r = b.get("/courses?q=prima&category=Teknis")
	if r.StatusCode != 303 || r.Header.Get("Location") != "/search?category=Teknis&q=prima" {
		t.Errorf("catalog with words: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}
