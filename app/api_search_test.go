package app

import (
	"context"
	"strings"
	"testing"
)

// indexNow applies the search outbox, as the background worker would.
func (e *testEnv) indexNow(t *testing.T) {
	t.Helper()
	if _, err := e.app.svc.ProcessOutbox(context.Background(), e.stores.Search); err != nil {
		t.Fatal(err)
	}
}

func TestSearchAPI(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	// A draft with a hostile title, and a published lesson to find.
	d := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "<script>alert(1)</script> Arsip Rahasia", "category": "Manajerial", "jp": 1}), 201, "draft")
	e.indexNow(t)

	r := mustStatus(t, e.api("GET", "/api/v1/search?q=pengantar", f.tokens["enrolled"], nil), 200, "search")
	hits := r["hits"].([]any)
	if len(hits) == 0 {
		t.Fatalf("no hits for a lesson title: %v", r)
	}
	h := hits[0].(map[string]any)
	if h["course_id"] != f.course || h["type"] == nil || h["title"] != "Pelayanan Publik Prima" || r["took_ms"] == nil {
		t.Errorf("hit %v", h)
	}
	if !strings.Contains(h["snippet"].(string), "<mark>") {
		t.Errorf("snippet without <mark>: %q", h["snippet"])
	}
	if fc := r["facets"].(map[string]any); fc["Teknis"] == nil {
		t.Errorf("facets %v", fc)
	}
	// The draft: invisible to learners and other trainers, found by its owner
	// and admins, with the script escaped.
	for who, want := range map[string]bool{"enrolled": false, "trainer2": false, "owner": true, "admin": true} {
		r := mustStatus(t, e.api("GET", "/api/v1/search?q=rahasia", f.tokens[who], nil), 200, "draft search")
		found := strings.Contains(string(e.api("GET", "/api/v1/search?q=rahasia", f.tokens[who], nil).body), d["id"].(string))
		if found != want {
			t.Errorf("%s finds the draft: %v, want %v (%v)", who, found, want, r)
		}
	}
	for _, h := range mustStatus(t, e.api("GET", "/api/v1/search?q=arsip+rahasia", own, nil), 200, "xss")["hits"].([]any) {
		hit := h.(map[string]any)
		if hit["course_id"] != d["id"] {
			continue
		}
		if sn := hit["snippet"].(string); strings.Contains(sn, "<script") || !strings.Contains(sn, "&lt;script&gt;") {
			t.Errorf("script in a title not escaped in the snippet: %q", sn)
		}
	}
	// Filters and bad input.
	if r := mustStatus(t, e.api("GET", "/api/v1/search?q=pengantar&category=Manajerial", f.tokens["enrolled"], nil), 200, "filtered"); len(r["hits"].([]any)) != 0 {
		t.Errorf("category filter let a Teknis course through: %v", r)
	}
	mustStatus(t, e.api("GET", "/api/v1/search?q=x&category=Olahraga", f.tokens["enrolled"], nil), 422, "unknown category")
	mustStatus(t, e.api("GET", "/api/v1/search?q=x&limit=999", f.tokens["enrolled"], nil), 422, "limit too big")
	// No page reaches past the 1,000-result window Meilisearch answers in.
	mustStatus(t, e.api("GET", "/api/v1/search?q=x&offset=980&limit=20", f.tokens["enrolled"], nil), 200, "last page of the window")
	for _, page := range []string{"offset=990&limit=20", "offset=1000", "offset=999&limit=2"} {
		er := apiErr(t, e.api("GET", "/api/v1/search?q=x&"+page, f.tokens["enrolled"], nil), 422, page)
		if fields, _ := er["fields"].(map[string]any); fields["offset"] == nil {
			t.Errorf("%s: the refusal does not name offset: %v", page, er)
		}
	}
	mustStatus(t, e.api("GET", "/api/v1/search?q="+strings.Repeat("a", 300), f.tokens["enrolled"], nil), 422, "query too long")
	mustStatus(t, e.api("GET", "/api/v1/search?q=x", "", nil), 401, "anonymous")
}
