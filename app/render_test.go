package app

import (
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// TestTranslatedTemplatesRenderAlike: the page sets with their constant
// messages written in at start-up render exactly what the templates
// calling t for each message render, in every language, for pages with
// and without a user, in element text and attribute values.
func TestTranslatedTemplatesRenderAlike(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	as, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	fast, err := newRenderer(cat, as)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := parsePages(cat, as, false)
	if err != nil {
		t.Fatal(err)
	}
	user := &content.User{NIP: "198501012010011001", Name: `Budi <"Santoso">`, Roles: []string{"learner", "trainer", "admin"}}
	items := []cardView{{CourseCard: content.CourseCard{ID: "c1", Slug: "etika", Title: "Etika & <Integritas>", Summary: `Nilai "BerAKHLAK"`, Category: "Teknis", Level: "dasar", JP: 4, Minutes: 95},
		Lang: "id", Trainer: `Dewi <"W">`, Generated: coverSVG("c1", "Etika & <Integritas>", "Teknis"), Enrolled: true, Percent: 40}}
	pages := []struct {
		name string
		user *content.User
		data any
	}{
		{"login", nil, loginView{NIP: "1985", Next: "/courses?x=1&y=2", Error: "salah"}},
		{"error", user, errorPageView{Kind: "not_found", Status: 404, Message: "Halaman <tidak> ada", Back: "/courses?x=1&y=2"}},
		{"error", nil, errorPageView{Kind: "csrf", Status: 403, Message: "Formulir", Back: "/teach/x"}},
		{"courses", user, catalogView{Categories: content.Categories, Category: "Teknis", Items: items, Total: 1, First: false, Next: "/courses?page=2"}},
		{"courses", user, catalogView{Categories: content.Categories, First: true}},
	}
	for _, lang := range append(languages, "xx") {
		for _, p := range pages {
			v := view{Lang: lang, User: p.user, CSRF: "tok", Path: "/courses", Flash: "Tersimpan", Data: p.data}
			want, err := plain.render(p.name, v)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, p.name, err)
			}
			got, err := fast.render(p.name, v)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, p.name, err)
			}
			if string(got) != string(want) {
				t.Fatalf("%s %s: rendered differently\n%s\nwant\n%s", lang, p.name, got, want)
			}
		}
	}
	// The sets differ by language where the messages do.
	v := view{Lang: "en", Data: loginView{}}
	en, _ := fast.render("login", v)
	v.Lang = "id"
	id, _ := fast.render("login", v)
	if string(en) == string(id) || !strings.Contains(string(id), cat.T("id", "nav.skip")) {
		t.Fatal("the id and en login pages are the same, or id lacks its skip link")
	}
}

// TestTranslateRefusesTemplateSyntax: a message holding {{ would become
// an action once written into a template.
func TestTranslateRefusesTemplateSyntax(t *testing.T) {
	cat := catalog{"id": {"k": "a {{.CSRF}} b"}, "en": {"k": "x"}}
	if _, err := translate(`<p>{{t .Lang "k"}}</p>`, cat, "id"); err == nil {
		t.Fatal("a message with {{ was written into the template")
	}
	got, err := translate(`<p title="{{t $.Lang "k"}}">{{t .Lang "k"}} {{t .Lang "k" 1}}</p>`, cat, "en")
	if err != nil || got != `<p title="x">x {{t .Lang "k" 1}}</p>` {
		t.Fatalf("translate: %q, %v", got, err)
	}
}
