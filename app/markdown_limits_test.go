package app

import (
	"strings"
	"testing"
	"time"
)

// TestMarkdownPreviewLimits: a preview over the size a lesson may hold is
// refused naming the field, on the API and on the editor's page route,
// instead of being rendered for minutes; nesting that used to take
// quadratic time renders in moments.
func TestMarkdownPreviewLimits(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	big := strings.Repeat("- ", 1<<19) // JSON would escape ">" six-fold
	start := time.Now()
	r := e.api("POST", "/api/v1/markdown/preview", own, map[string]string{"markdown": big})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("over-size preview took %v", d)
	}
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"markdown"`) {
		t.Fatalf("over-size preview: %d %s, want 422 naming markdown", r.StatusCode, r.body)
	}
	b := signedIn(t, e, trainerNIP)
	if r := b.jsonReq("POST", "/teach/preview", b.csrf("/teach/new"), map[string]string{"markdown": big}); r.StatusCode != 422 ||
		!strings.Contains(string(r.body), `"markdown"`) {
		t.Errorf("over-size page preview: %d %.200s", r.StatusCode, r.body)
	}
	for name, src := range map[string]string{
		"blockquotes": strings.Repeat(">", 200_000),
		"mixed":       strings.Repeat("> - ", 50_000),
		"ordered":     strings.Repeat("1. ", 66_000),
		"links":       strings.Repeat("[a](", 50_000),
		"table":       strings.Repeat("|a", 49_000) + "\n" + strings.Repeat("|-", 49_000) + "\n" + strings.Repeat("|b\n", 1000),
	} {
		start := time.Now()
		r := mustStatus(t, e.api("POST", "/api/v1/markdown/preview", own, map[string]string{"markdown": src}), 200, name)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: %d bytes rendered in %v", name, len(src), d)
		}
		if h := r["html"].(string); len(h) > 4<<20 {
			t.Errorf("%s: %d bytes of HTML", name, len(h))
		}
	}
}

// TestNestedLessonRenders: a 200 KB lesson of nested block quotes is
// accepted (it is within the size limit) and its page renders quickly.
func TestNestedLessonRenders(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	l := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Kutipan", "kind": "text", "body": strings.Repeat(">", 199_990) + " akhir"}), 201, "add lesson")
	start := time.Now()
	r := mustStatus(t, e.api("GET", "/api/v1/lessons/"+l["id"].(string), own, nil), 200, "lesson")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("lesson rendered in %v", d)
	}
	if !strings.Contains(r["html"].(string), "akhir") {
		t.Errorf("lesson text lost")
	}
	mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Terlalu panjang", "kind": "text", "body": strings.Repeat("a", 200_001)}), 422, "over-size body")
}
