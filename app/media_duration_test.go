package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// webmFixture is a 7 s VP8 WebM made by ffmpeg (internal/mediadur/testdata/README.md).
const webmFixture = "../internal/mediadur/testdata/video.webm"

// seedWebMCourse is a published 2 JP course of one WebM video lesson
// with no minutes set, both learners enrolled. old makes the asset look
// stored before WebM lengths were read: no duration on it.
func seedWebMCourse(t *testing.T, e *testEnv, old bool) (course, video string) {
	t.Helper()
	own := e.token(trainerNIP)
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Video WebM", "category": "Teknis", "jp": 2}), 201, "course")
	course = c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/modules", own, map[string]any{"title": "Modul"}), 201, "module")
	data, err := os.ReadFile(webmFixture)
	if err != nil {
		t.Fatal(err)
	}
	asset := e.uploadBytes(t, own, course, "kuliah.webm", data)
	assets := e.stores.Docs.C("assets")
	a, err := docs.Update(context.Background(), assets, asset, func(a *content.Asset) error {
		if old {
			a.Duration, a.Probed = 0, 0
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !old && (a.ContentType != "video/webm" || a.Duration < 6.99 || a.Duration > 7.01) {
		t.Fatalf("uploaded WebM: %s of %g s, want video/webm of 7 s", a.ContentType, a.Duration)
	}
	l := mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/modules/"+m["id"].(string)+"/lessons", own,
		map[string]any{"title": "Video WebM", "kind": "video", "asset_id": asset}), 201, "video lesson")
	video = l["id"].(string)
	if l["auto_minutes"] != float64(1) {
		t.Errorf("7 s video shown as %v minutes, want 1", l["auto_minutes"])
	}
	mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/publish", own, nil), 200, "publish")
	for _, nip := range []string{learnerNIP, learner2NIP} {
		mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/enroll", e.token(nip), nil), 201, "enroll")
	}
	return course, video
}

// TestClaimedDurationDoesNotCompleteWebM: the player's claim that a WebM
// runs 1 s, with that second watched, completes nothing however long
// ago the lesson was opened; watching its real 7 s at 1x does.
func TestClaimedDurationDoesNotCompleteWebM(t *testing.T) {
	for _, old := range []bool{false, true} {
		t.Run(map[bool]string{false: "new upload", true: "stored before"}[old], func(t *testing.T) {
			e := newEnv(t, nil)
			course, video := seedWebMCourse(t, e, old)
			tok := e.token(learnerNIP)
			mustStatus(t, e.api("GET", "/api/v1/lessons/"+video, tok, nil), 200, "open")
			e.advance(time.Minute)
			for _, claim := range []string{`{"position":1,"watched":[[0,1]],"duration":1}`, `{"done":true,"watched":[[0,1]],"duration":1}`} {
				p := mustStatus(t, e.rawProgress(tok, video, claim), 200, "claim")
				if p["done"] == true {
					t.Fatalf("done by claiming a 1 s video: %v", p)
				}
			}
			notCompleted(t, e, tok, course, "after claiming 1 s")
			if old {
				var a content.Asset
				lesson := mustStatus(t, e.api("GET", "/api/v1/lessons/"+video, e.token(trainerNIP), nil), 200, "lesson")
				if _, err := e.stores.Docs.C("assets").Get(context.Background(), lesson["asset_id"].(string), &a); err != nil || a.Duration < 6.99 || a.Duration > 7.01 {
					t.Errorf("old asset not given its length: %g (%v)", a.Duration, err)
				}
			}

			// The honest viewer: the page, 1x, a report a second.
			b := signedIn(t, e, learner2NIP)
			page := b.get("/learn/" + video)
			csrf := string(csrfInput.FindSubmatch(page.body)[1])
			done := false
			pos := 0.0
			for ; !done && pos < 7; pos++ {
				e.advance(time.Second)
				r := b.post("/learn/"+video+"/progress", url.Values{"_csrf": {csrf}, "position": {fmt.Sprint(pos + 1)},
					"watched": {fmt.Sprintf("[[%g,%g]]", pos, pos+1)}, "duration": {"1"}})
				if r.StatusCode != 200 {
					t.Fatalf("report at %g s: %d %s", pos+1, r.StatusCode, r.body)
				}
				done = r.json(t)["done"] == true
			}
			if !done || pos != 7 {
				t.Fatalf("done %v after %g s of a 7 s video, want done at 7 s (90%% is 6.3 s)", done, pos)
			}
			p := mustStatus(t, e.api("GET", "/api/v1/courses/"+course+"/progress", e.token(learner2NIP), nil), 200, "progress")
			if p["percent"] != float64(100) || p["jp"] != float64(2) || p["certificate_code"] == nil {
				t.Fatalf("course not complete after watching: %v", p)
			}
		})
	}
}

// TestPublishPageNamesVideoOfUnknownLength: the page's refusal names the
// video whose length could not be read, in both languages, and the
// course publishes once its minutes are set.
func TestPublishPageNamesVideoOfUnknownLength(t *testing.T) {
	e := newEnv(t, nil)
	own := e.token(trainerNIP)
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Video Rusak", "category": "Teknis", "jp": 2}), 201, "course")
	id := c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/modules", own, map[string]any{"title": "Modul"}), 201, "module")
	junk := append([]byte{0x1A, 0x45, 0xDF, 0xA3}, []byte(strings.Repeat("rusak", 100))...)
	asset := e.uploadBytes(t, own, id, "rusak.webm", junk)
	l := mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/modules/"+m["id"].(string)+"/lessons", own,
		map[string]any{"title": "Video tanpa durasi", "kind": "video", "asset_id": asset}), 201, "video lesson")
	r := e.api("POST", "/api/v1/courses/"+id+"/publish", own, nil)
	if r.StatusCode != 422 {
		t.Fatalf("publish: %d %s", r.StatusCode, r.body)
	}
	fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
	if msg, _ := fields["lessons."+l["id"].(string)].(string); !strings.Contains(msg, "Video tanpa durasi") || !strings.Contains(msg, "durasi video tidak terbaca") {
		t.Errorf("fields %v", fields)
	}
	b := signedIn(t, e, trainerNIP)
	page := "/teach/" + id
	tok := b.csrf(page)
	r = b.post(page+"/status", url.Values{"_csrf": {tok}, "status": {"published"}})
	mustContain(t, "refusal", r.body, "“Video tanpa durasi”: durasi video tidak terbaca; isi durasinya (menit) pada materi ini")
	b.cookies["lang"] = "en"
	r = b.post(page+"/status", url.Values{"_csrf": {tok}, "status": {"published"}})
	mustContain(t, "English refusal", r.body, "the video&#39;s length could not be read; set its length (minutes) on this lesson")
	mustStatus(t, e.api("PATCH", "/api/v1/lessons/"+l["id"].(string), own, map[string]any{"minutes": 2}), 200, "set minutes")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/publish", own, nil), 200, "publish with minutes")
	// Then the trainer's 2 minutes are the length: 108 s must be watched.
	learner := e.token(learnerNIP)
	mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/enroll", learner, nil), 201, "enroll")
	mustStatus(t, e.api("GET", "/api/v1/lessons/"+l["id"].(string), learner, nil), 200, "open")
	e.advance(10 * time.Minute)
	if p := mustStatus(t, e.rawProgress(learner, l["id"].(string), `{"watched":[[0,100]],"duration":100}`), 200, "100 s"); p["done"] == true {
		t.Fatalf("done after 100 s of 120: %v", p)
	}
	if p := mustStatus(t, e.rawProgress(learner, l["id"].(string), `{"watched":[[100,110]]}`), 200, "110 s"); p["done"] != true {
		t.Fatalf("not done after 110 s of 120: %v", p)
	}
}
