package main

import (
	"context"
	"encoding/json"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
)

// TestDemoLearnerReachesCertificate: the demo course has a captioned video
// and a closing quiz, and its learner, with the printed password, works
// through it over the API and gets a certificate by passing the quiz.
func TestDemoLearnerReachesCertificate(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"KOMPETEN_DATA": dir})
	password := runDemo(t, env)
	ctx := context.Background()
	cfg, err := app.ParseConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, env)
	if err != nil {
		t.Fatal(err)
	}
	a, closeApp := openApp(t, ctx, cfg)
	defer closeApp()
	call := func(method, path, tok string, body any) (int, map[string]any, []byte) {
		t.Helper()
		code, ct, raw := apiCall(t, a, method, path, tok, body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if strings.HasPrefix(ct, "text/vtt") {
			m = map[string]any{"content_type": ct}
		}
		return code, m, raw
	}
	_, tk, _ := call("POST", "/api/v1/auth/token", "", map[string]string{"nip": demoLearnerNIP, "password": password})
	tok, _ := tk["token"].(string)
	if tok == "" {
		t.Fatalf("login: %v", tk)
	}
	code, course, raw := call("GET", "/api/v1/courses/"+demoSlug, tok, nil)
	if code != 200 {
		t.Fatalf("course: %d %s", code, raw)
	}
	var c content.Course
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err, course)
	}
	// Open every lesson, then let the time pass that reading and watching
	// them takes: the server credits no faster than that.
	for _, l := range c.Lessons() {
		if code, _, raw := call("GET", "/api/v1/lessons/"+l.ID, tok, nil); code != 200 {
			t.Fatalf("open %s: %d %s", l.Title, code, raw)
		}
	}
	later := time.Now().Add(time.Hour)
	a.Service().SetClock(func() time.Time { return later })
	var quizID string
	for _, l := range c.Lessons() {
		switch l.Kind {
		case content.KindQuiz:
			quizID = l.QuizID
			continue
		case content.KindVideo:
			if len(l.Captions) != 1 || l.Captions[0].Lang != "id" {
				t.Fatalf("video captions %+v", l.Captions)
			}
			if code, m, _ := call("GET", "/media/"+l.Captions[0].AssetID, tok, nil); code != 200 || m["content_type"] == nil {
				t.Fatalf("caption track: %d %v", code, m)
			}
			if code, _, raw := call("POST", "/api/v1/lessons/"+l.ID+"/progress", tok, map[string]any{"watched": [][2]float64{{0, 24}}, "position": 24, "done": true}); code != 200 {
				t.Fatalf("video progress: %d %s", code, raw)
			}
			continue
		}
		if code, _, raw := call("POST", "/api/v1/lessons/"+l.ID+"/progress", tok, map[string]any{"done": true}); code != 200 {
			t.Fatalf("progress %s: %d %s", l.Title, code, raw)
		}
	}
	if quizID == "" {
		t.Fatal("the demo course has no quiz lesson")
	}
	_, p, _ := call("GET", "/api/v1/courses/"+c.ID+"/progress", tok, nil)
	if p["certificate_code"] != nil {
		t.Fatalf("certificate before the quiz: %v", p)
	}
	code, at, raw := call("POST", "/api/v1/quizzes/"+quizID+"/attempts", tok, nil)
	if code != 201 {
		t.Fatalf("start quiz: %d %s", code, raw)
	}
	if qs, _ := at["questions"].([]any); len(qs) < 4 {
		t.Fatalf("quiz has %d questions", len(qs))
	}
	id := at["id"].(string)
	if code, _, raw := call("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": demoQuizAnswers}); code != 200 {
		t.Fatalf("answers: %d %s", code, raw)
	}
	code, _, raw = call("POST", "/api/v1/attempts/"+id+"/submit", tok, nil)
	if code != 200 || !strings.Contains(string(raw), `"passed":true`) {
		t.Fatalf("submit: %d %s", code, raw)
	}
	_, p, raw = call("GET", "/api/v1/courses/"+c.ID+"/progress", tok, nil)
	certCode, _ := p["certificate_code"].(string)
	if certCode == "" {
		t.Fatalf("no certificate after passing: %s", raw)
	}
	if code, v, _ := call("GET", "/api/v1/certificates/"+certCode, "", nil); code != 200 || v["valid"] != true || v["jp"] != float64(2) {
		t.Fatalf("verify: %d %v", code, v)
	}
}
