package app

import (
	"context"
	"strings"
	"testing"
)

const testSRT = "1\r\n00:00:00,500 --> 00:00:02,000\r\nSelamat datang di pelatihan gratifikasi.\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\nMari mulai.\r\n"

const testVTT = "WEBVTT\n\n00:00.500 --> 00:02.000\nWelcome to the anticorruption course.\n"

// TestCaptionsAttachServeSearch: a trainer uploads an SRT and a WebVTT
// file, attaches both to a video lesson; an enrolled learner gets both as
// text/vtt (SRT converted), a learner not enrolled is refused, the lesson
// page carries the tracks, and the caption words are indexed.
func TestCaptionsAttachServeSearch(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	srt := e.uploadBytes(t, own, f.course, "kuliah.id.srt", []byte(testSRT))
	vtt := e.uploadBytes(t, own, f.course, "kuliah.en.vtt", []byte(testVTT))
	a, err := e.app.Service().Asset(context.Background(), srt)
	if err != nil || a.ContentType != "application/x-subrip" {
		t.Fatalf("srt asset: %v %q", err, a.ContentType)
	}

	// Bad attachments name the field.
	for name, body := range map[string]any{
		"video as caption": []map[string]any{{"asset_id": f.asset, "lang": "id"}},
		"bad lang":         []map[string]any{{"asset_id": srt, "lang": "Bahasa"}},
		"same lang twice":  []map[string]any{{"asset_id": srt, "lang": "id"}, {"asset_id": vtt, "lang": "id"}},
		"unknown asset":    []map[string]any{{"asset_id": "anope", "lang": "id"}},
	} {
		r := e.api("PATCH", "/api/v1/lessons/"+f.video, own, map[string]any{"captions": body})
		if r.StatusCode != 422 || !strings.Contains(string(r.body), `"captions"`) {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.body)
		}
	}
	r := e.api("PATCH", "/api/v1/lessons/"+f.text, own, map[string]any{"captions": []map[string]any{{"asset_id": vtt, "lang": "en"}}})
	if r.StatusCode != 422 {
		t.Errorf("captions on a text lesson: %d %s", r.StatusCode, r.body)
	}

	l := mustStatus(t, e.api("PATCH", "/api/v1/lessons/"+f.video, own, map[string]any{"captions": []map[string]any{
		{"asset_id": srt, "lang": "id"}, {"asset_id": vtt, "lang": "en", "label": "English (CC)"}}}), 200, "attach")
	caps, _ := l["captions"].([]any)
	if len(caps) != 2 || caps[0].(map[string]any)["label"] != "Bahasa Indonesia" {
		t.Fatalf("captions %v", l["captions"])
	}

	got := e.api("GET", "/media/"+srt, f.tokens["enrolled"], nil)
	if got.StatusCode != 200 || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/vtt") ||
		!strings.HasPrefix(string(got.body), "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nSelamat datang") {
		t.Fatalf("srt served: %d %q %q", got.StatusCode, got.Header.Get("Content-Type"), got.body)
	}
	got = e.api("GET", "/media/"+vtt, f.tokens["enrolled"], nil)
	if got.StatusCode != 200 || got.Header.Get("Content-Type") != "text/vtt; charset=utf-8" {
		t.Fatalf("vtt served: %d %q", got.StatusCode, got.Header.Get("Content-Type"))
	}
	if r := e.api("GET", "/media/"+vtt, f.tokens["learner2"], nil); r.StatusCode != 404 {
		t.Errorf("learner not enrolled: %d, want 404", r.StatusCode)
	}
	if r := e.api("GET", "/media/"+vtt, "", nil); r.StatusCode != 401 {
		t.Errorf("anonymous: %d, want 401", r.StatusCode)
	}

	b := e.browser()
	b.login(learnerNIP)
	page := b.get("/learn/" + f.video)
	if !strings.Contains(string(page.body), `<track kind="captions" src="/media/`+srt+`" srclang="id" label="Bahasa Indonesia" default>`) ||
		!strings.Contains(string(page.body), `srclang="en" label="English (CC)">`) {
		t.Fatalf("lesson page tracks:\n%s", page.body)
	}

	c, err := e.app.Service().Course(context.Background(), f.course)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.app.Service().SearchDocs(context.Background(), &c)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range ds {
		if d.LessonID == f.video && strings.Contains(d.Body, "pelatihan gratifikasi") && strings.Contains(d.Body, "anticorruption") {
			found = true
		}
	}
	if !found {
		t.Errorf("caption text not in the lesson's search entry: %+v", ds)
	}
}

// TestLessonFormCaptions: the lesson editor offers the course's caption
// files per language and saves the choice; a caption on a text lesson is
// refused with the field marked.
func TestLessonFormCaptions(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	srt := e.uploadBytes(t, own, f.course, "kuliah.id.srt", []byte(testSRT))
	b := signedIn(t, e, trainerNIP)
	page := b.get("/teach/lessons/" + f.video + "/edit")
	mustContain(t, "lesson form", page.body, `data-testid="captions-fields"`, `name="caption_langs" value="id,en"`, `<option value="`+srt+`" >kuliah.id.srt</option>`)
	form := map[string][]string{"_csrf": {b.csrf("/teach/lessons/" + f.video + "/edit")}, "title": {"Video kuliah"}, "kind": {"video"},
		"asset_id": {f.asset}, "minutes": {"5"}, "body": {""}, "caption_langs": {"id,en"}, "caption_id": {srt}, "caption_en": {""}}
	if r := b.post("/teach/lessons/"+f.video+"/edit", form); r.StatusCode != 303 {
		t.Fatalf("save: %d %s", r.StatusCode, r.body)
	}
	c, err := e.app.Service().Course(context.Background(), f.course)
	if err != nil {
		t.Fatal(err)
	}
	l, _, _ := c.Lesson(f.video)
	if len(l.Captions) != 1 || l.Captions[0].AssetID != srt || l.Captions[0].Label != "Bahasa Indonesia" {
		t.Fatalf("captions after the form: %+v", l.Captions)
	}
	page = b.get("/teach/lessons/" + f.video + "/edit")
	mustContain(t, "lesson form again", page.body, `<option value="`+srt+`" selected>kuliah.id.srt</option>`)
	form["kind"], form["asset_id"] = []string{"text"}, []string{""}
	r := b.post("/teach/lessons/"+f.video+"/edit", form)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "hanya untuk materi video") {
		t.Fatalf("captions on a text lesson: %d", r.StatusCode)
	}
}
