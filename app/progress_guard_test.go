package app

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// advance moves the service's clock d further ahead of the real one, for
// rules that count time since something happened.
func (e *testEnv) advance(d time.Duration) {
	svc := e.app.Service()
	off := time.Until(svc.Now()) + d
	svc.SetClock(func() time.Time { return time.Now().Add(off) })
}

// pacedCourse is a published 4 JP course of a text lesson of 800 words
// (two minutes at the credited 400 words a minute), a real 20 s video and
// a PDF, with the learner enrolled.
type pacedCourse struct {
	course, text, video, file string
	tokens                    map[string]string
}

func seedPacedCourse(t *testing.T, e *testEnv) pacedCourse {
	t.Helper()
	own := e.token(trainerNIP)
	pc := pacedCourse{tokens: map[string]string{"owner": own, "learner": e.token(learnerNIP), "learner2": e.token(learner2NIP)}}
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{
		"title": "Etika Pelayanan", "category": "Teknis", "jp": 4}), 201, "create course")
	pc.course = c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+pc.course+"/modules", own, map[string]any{"title": "Modul 1"}), 201, "module")
	lessons := "/api/v1/courses/" + pc.course + "/modules/" + m["id"].(string) + "/lessons"
	l := mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Bacaan panjang", "kind": "text",
		"body": strings.Repeat("pelayanan ", 800)}), 201, "text lesson")
	pc.text = l["id"].(string)
	video, err := os.ReadFile(videoFixture)
	if err != nil {
		t.Fatal(err)
	}
	asset := e.uploadBytes(t, own, pc.course, "kuliah.mp4", video)
	l = mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Video kuliah", "kind": "video", "asset_id": asset}), 201, "video lesson")
	pc.video = l["id"].(string)
	pdf := e.uploadBytes(t, own, pc.course, "ringkasan.pdf", []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"))
	l = mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Ringkasan", "kind": "file", "asset_id": pdf,
		"body": "Baca ringkasan ini."}), 201, "file lesson")
	pc.file = l["id"].(string)
	mustStatus(t, e.api("POST", "/api/v1/courses/"+pc.course+"/publish", own, nil), 200, "publish")
	for _, who := range []string{"learner", "learner2"} {
		mustStatus(t, e.api("POST", "/api/v1/courses/"+pc.course+"/enroll", pc.tokens[who], nil), 201, "enroll")
	}
	return pc
}

// exploit is the payload that once finished a course in 0.02 s.
const exploit = `{"done":true,"watched":[[0,86400]]}`

func (e *testEnv) rawProgress(token, lesson, body string) resp {
	req := httptest.NewRequest("POST", "/api/v1/lessons/"+lesson+"/progress", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return e.do(req)
}

// notCompleted fails unless the learner's enrolment is incomplete, with no
// JP credited and no certificate.
func notCompleted(t *testing.T, e *testEnv, token, course, when string) {
	t.Helper()
	p := mustStatus(t, e.api("GET", "/api/v1/courses/"+course+"/progress", token, nil), 200, "progress")
	if p["percent"] == float64(100) || p["completed_at"] != nil || p["jp"] != float64(0) || p["certificate_code"] != nil {
		t.Fatalf("%s: course completed: %v", when, p)
	}
	if me := mustStatus(t, e.api("GET", "/api/v1/me", token, nil), 200, "me"); me["jp_this_year"] != float64(0) {
		t.Fatalf("%s: JP credited: %v", when, me["jp_this_year"])
	}
}

// TestSelfAssertedCompletionRefused: the exact payload of the report, sent
// to every lesson, completes nothing, credits no JP, issues no certificate;
// text and file lessons answer 409 too_early saying how long is left.
func TestSelfAssertedCompletionRefused(t *testing.T) {
	e := newEnv(t, nil)
	pc := seedPacedCourse(t, e)
	tok := pc.tokens["learner"]
	for _, l := range []struct {
		id   string
		wait string
	}{{pc.text, "120"}, {pc.file, "40"}} {
		r := e.rawProgress(tok, l.id, exploit)
		if r.StatusCode != 409 || r.Header.Get("Retry-After") != l.wait {
			t.Fatalf("exploit on %s: %d Retry-After %q, want 409 and %s\n%s", l.id, r.StatusCode, r.Header.Get("Retry-After"), l.wait, r.body)
		}
		er := r.json(t)["error"].(map[string]any)
		if er["code"] != "too_early" || !strings.Contains(er["message"].(string), l.wait+" detik") {
			t.Errorf("exploit answer %v, want code too_early and %s detik in the message", er, l.wait)
		}
	}
	r := e.rawProgress(tok, pc.video, exploit)
	p := mustStatus(t, r, 200, "video exploit")
	if p["done"] == true {
		t.Fatalf("video done by a claim: %v", p)
	}
	if w := watchedSeconds(p); w > 5 {
		t.Errorf("credited %.1f s of video in no time, want at most the 5 s grace", w)
	}
	notCompleted(t, e, tok, pc.course, "after the exploit")
	// The page routes refuse it too.
	b := signedIn(t, e, learner2NIP)
	csrf := b.csrf("/learn/" + pc.text)
	r = b.post("/learn/"+pc.video+"/progress", url.Values{"_csrf": {csrf}, "done": {"1"}, "watched": {"[[0,86400]]"}})
	if r.StatusCode != 200 || r.json(t)["done"] == true {
		t.Fatalf("page exploit on the video: %d %s", r.StatusCode, r.body)
	}
	r = b.post("/learn/"+pc.text+"/progress", url.Values{"_csrf": {csrf}, "done": {"1"}, "watched": {"[[0,86400]]"}})
	if r.StatusCode != 409 || r.json(t)["error"].(map[string]any)["code"] != "too_early" {
		t.Fatalf("page exploit on the text: %d %s", r.StatusCode, r.body)
	}
	r = b.post("/learn/"+pc.file+"/done", url.Values{"_csrf": {csrf}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/learn/"+pc.file+"?wait=1" {
		t.Fatalf("early done form: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.get(r.Header.Get("Location"))
	mustContain(t, "lesson after an early done", r.body, `data-testid="too-early"`, "baru dapat ditandai selesai 40 detik lagi", `data-testid="mark-done"`)
	notCompleted(t, e, pc.tokens["learner2"], pc.course, "after the page exploit")
}

func watchedSeconds(p map[string]any) float64 {
	total := 0.0
	ws, _ := p["watched"].([]any)
	for _, w := range ws {
		iv := w.([]any)
		total += iv[1].(float64) - iv[0].(float64)
	}
	return total
}

// TestScriptedClientCannotOutrunTheClock: a client repeating every claim as
// the clock runs finishes the course only once the text could have been
// read (800 words at 400 a minute: 120 s), and then at once.
func TestScriptedClientCannotOutrunTheClock(t *testing.T) {
	e := newEnv(t, nil)
	pc := seedPacedCourse(t, e)
	tok := pc.tokens["learner"]
	claimAll := func() {
		for _, l := range []string{pc.text, pc.video, pc.file} {
			if r := e.rawProgress(tok, l, exploit); r.StatusCode != 200 && r.StatusCode != 409 {
				t.Fatalf("claim on %s: %d %s", l, r.StatusCode, r.body)
			}
		}
	}
	claimAll() // opens every lesson now
	for _, step := range []time.Duration{5 * time.Second, 30 * time.Second, 60 * time.Second, 24 * time.Second} {
		e.advance(step) // 5, 35, 95, 119 s after opening
		claimAll()
		notCompleted(t, e, tok, pc.course, fmt.Sprint("at ", e.app.Service().Now().Round(time.Second)))
	}
	// By 119 s the video (18 s of 20 s at 2x) and the file (40 s) are done.
	p := mustStatus(t, e.api("GET", "/api/v1/courses/"+pc.course+"/progress", tok, nil), 200, "progress")
	lessons := p["lessons"].(map[string]any)
	if lessons[pc.video].(map[string]any)["done"] != true || lessons[pc.file].(map[string]any)["done"] != true || p["percent"] != float64(66) {
		t.Fatalf("at 119 s: %v", p)
	}
	if r := e.rawProgress(tok, pc.text, exploit); r.StatusCode != 409 || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("text at 119 s: %d Retry-After %q, want 409 and 1", r.StatusCode, r.Header.Get("Retry-After"))
	}
	e.advance(time.Second)
	mustStatus(t, e.rawProgress(tok, pc.text, exploit), 200, "text at 120 s")
	p = mustStatus(t, e.api("GET", "/api/v1/courses/"+pc.course+"/progress", tok, nil), 200, "progress")
	if p["percent"] != float64(100) || p["completed_at"] == nil || p["jp"] != float64(4) || p["certificate_code"] == nil {
		t.Fatalf("course not complete at 120 s: %v", p)
	}
	// A retry of an acknowledged report changes nothing.
	doneAt := p["lessons"].(map[string]any)[pc.text].(map[string]any)["done_at"]
	e.advance(time.Minute)
	again := mustStatus(t, e.rawProgress(tok, pc.text, exploit), 200, "retry")
	if again["done"] != true || again["done_at"] != doneAt {
		t.Errorf("retry answer %v, want done at %v still", again, doneAt)
	}
}

// TestHonestViewerGetsFullCredit: a learner who opens the lesson page and
// plays the video at 1x or at the fastest offered speed has every reported
// second credited and finishes it; the player offers no faster speed than
// the server credits.
func TestHonestViewerGetsFullCredit(t *testing.T) {
	for _, speed := range []float64{1, 2} {
		t.Run(fmt.Sprint(speed, "x"), func(t *testing.T) {
			e := newEnv(t, nil)
			pc := seedPacedCourse(t, e)
			b := signedIn(t, e, learnerNIP)
			page := b.get("/learn/" + pc.video)
			mustContain(t, "video page", page.body, `<option value="2">2×</option>`, `<option value="1.5">1,5×</option>`)
			mustNotContain(t, "video page", page.body, `value="2.5"`, `value="3"`)
			csrf := csrfInput.FindSubmatch(page.body)[1]
			pos, done := 0.0, false
			for !done && pos < 20 {
				e.advance(2 * time.Second)
				to := min(20, pos+2*speed)
				r := b.post("/learn/"+pc.video+"/progress", url.Values{"_csrf": {string(csrf)}, "position": {fmt.Sprint(to)},
					"watched": {fmt.Sprintf("[[%g,%g]]", pos, to)}})
				if r.StatusCode != 200 {
					t.Fatalf("report at %g s: %d %s", to, r.StatusCode, r.body)
				}
				p := r.json(t)
				if w := watchedSeconds(p); w < to-0.01 {
					t.Fatalf("at %g s of video only %.2f s credited: %v", to, w, p["watched"])
				}
				pos, done = to, p["done"] == true
			}
			if !done || pos < 18 || pos > 18+2*speed {
				t.Fatalf("done %v at %g s of a 20 s video, want done once 18 s are watched", done, pos)
			}
		})
	}
}

// TestTextLessonPageWaitsForTheServer: the text page tells its script how
// long the server wants, the "Tandai selesai" form is refused before that
// with a message, and accepted after.
func TestTextLessonPageWaitsForTheServer(t *testing.T) {
	e := newEnv(t, nil)
	pc := seedPacedCourse(t, e)
	b := signedIn(t, e, learnerNIP)
	page := b.get("/learn/" + pc.text)
	mustContain(t, "text page", page.body, `js/textdone.`)
	if !regexp.MustCompile(`data-wait-ms="(119\d{3}|120000)"`).Match(page.body) {
		t.Errorf("text page does not wait about 120 s: %s", regexp.MustCompile(`data-wait-ms="\d*"`).Find(page.body))
	}
	csrf := string(csrfInput.FindSubmatch(page.body)[1])
	e.advance(100 * time.Second)
	r := b.post("/learn/"+pc.text+"/done", url.Values{"_csrf": {csrf}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/learn/"+pc.text+"?wait=1" {
		t.Fatalf("early done: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	mustContain(t, "refused lesson", b.get(r.Header.Get("Location")).body, "20 detik lagi")
	e.advance(20 * time.Second)
	r = b.post("/learn/"+pc.text+"/done", url.Values{"_csrf": {csrf}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/learn/"+pc.text+"?done=1" {
		t.Fatalf("done after reading: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	mustContain(t, "done lesson", b.get("/learn/"+pc.text+"?done=1").body, "Materi ini sudah selesai.", `data-wait-ms="0"`)
}

// TestReadingSpeedSetting: KOMPETEN_READING_WPM (or -reading-wpm) sets the
// credited reading speed, bad values are refused naming the setting, and
// the server's minimum follows it: 800 words at 100 a minute is 8 minutes.
func TestReadingSpeedSetting(t *testing.T) {
	if c, err := parse(t, nil, nil); err != nil || c.ReadingWPM != 400 {
		t.Fatalf("default %d (%v), want 400", c.ReadingWPM, err)
	}
	if c, err := parse(t, []string{"-reading-wpm", "250"}, map[string]string{"KOMPETEN_READING_WPM": "300"}); err != nil || c.ReadingWPM != 250 {
		t.Fatalf("flag: %d (%v), want 250", c.ReadingWPM, err)
	}
	for _, bad := range []string{"cepat", "10", "5000"} {
		_, err := parse(t, nil, map[string]string{"KOMPETEN_READING_WPM": bad})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Setting != "KOMPETEN_READING_WPM" {
			t.Errorf("%q: %v, want a ConfigError naming KOMPETEN_READING_WPM", bad, err)
		}
	}
	e := newEnv(t, map[string]string{"KOMPETEN_READING_WPM": "100"})
	pc := seedPacedCourse(t, e)
	if r := e.rawProgress(pc.tokens["learner"], pc.text, exploit); r.StatusCode != 409 || r.Header.Get("Retry-After") != "480" {
		t.Fatalf("at 100 words a minute: %d Retry-After %q, want 409 and 480", r.StatusCode, r.Header.Get("Retry-After"))
	}
}
