package app

import (
	"strings"
	"testing"
)

// TestMarkdownPreviewLimits: a preview over the size a lesson may hold is
// refused naming the field, on the API and on the editor's page route,
// instead of being rendered for minutes; the shapes that used to take
// quadratic time reach goldmark bounded (no deeper than mdlimit's 16
// levels, no wider than its 128 columns). Their cost is a matter for
// figures, not for a timed assertion here.
func TestMarkdownPreviewLimits(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	big := strings.Repeat("- ", 1<<19) // JSON would escape ">" six-fold
	r := e.api("POST", "/api/v1/markdown/preview", own, map[string]string{"markdown": big})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"markdown"`) {
		t.Fatalf("over-size preview: %d %s, want 422 naming markdown", r.StatusCode, r.body)
	}
	b := signedIn(t, e, trainerNIP)
	if r := b.jsonReq("POST", "/teach/preview", b.csrf("/teach/new"), map[string]string{"markdown": big}); r.StatusCode != 422 ||
		!strings.Contains(string(r.body), `"markdown"`) {
		t.Errorf("over-size page preview: %d %.200s", r.StatusCode, r.body)
	}
	for _, c := range []struct {
		name, src, tag string
		most           int
	}{
		{"blockquotes", strings.Repeat(">", 200_000), "<blockquote>", 16},
		{"mixed", strings.Repeat("> - ", 50_000), "<blockquote>", 16},
		{"ordered", strings.Repeat("1. ", 66_000), "<ol>", 16},
		{"links", strings.Repeat("[a](", 50_000), "<a ", 0},
		{"table", strings.Repeat("|a", 49_000) + "\n" + strings.Repeat("|-", 49_000) + "\n" + strings.Repeat("|b\n", 1000), "<th", 128},
	} {
		r := mustStatus(t, e.api("POST", "/api/v1/markdown/preview", own, map[string]string{"markdown": c.src}), 200, c.name)
		h := r["html"].(string)
		if len(h) > 4<<20 {
			t.Errorf("%s: %d bytes of HTML", c.name, len(h))
		}
		if n := strings.Count(h, c.tag); n > c.most {
			t.Errorf("%s: %d %s in the HTML, want at most %d", c.name, n, c.tag, c.most)
		}
	}
}

// TestNestedLessonRenders: a 200 KB lesson of nested block quotes is
// accepted (it is within the size limit) and renders at most 16 deep.
func TestNestedLessonRenders(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	l := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Kutipan", "kind": "text", "body": strings.Repeat(">", 199_990) + " akhir"}), 201, "add lesson")
	r := mustStatus(t, e.api("GET", "/api/v1/lessons/"+l["id"].(string), own, nil), 200, "lesson")
	if n := strings.Count(r["html"].(string), "<blockquote>"); n > 16 {
		t.Errorf("lesson rendered %d block quotes deep, want at most 16", n)
	}
	if !strings.Contains(r["html"].(string), "akhir") {
		t.Errorf("lesson text lost")
	}
	mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Terlalu panjang", "kind": "text", "body": strings.Repeat("a", 200_001)}), 422, "over-size body")
}
