package app

import (
	"encoding/binary"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fixture is a published course with one module holding a text and a
// video lesson, a draft course, and the learner enrolled in the first.
type fixture struct {
	course, draft, module, text, video, asset string
	tokens                                    map[string]string
}

var roles = []string{"owner", "trainer2", "enrolled", "learner2", "admin", "anon"}

func roleNIP(role string) string {
	return map[string]string{"owner": trainerNIP, "trainer2": trainer2NIP, "enrolled": learnerNIP, "learner2": learner2NIP, "admin": adminNIP}[role]
}

func mustStatus(t *testing.T, r resp, want int, what string) map[string]any {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.StatusCode, want, r.body)
	}
	if len(r.body) == 0 || r.body[0] != '{' {
		return nil
	}
	return r.json(t)
}

func newFixture(t *testing.T, e *testEnv) *fixture {
	t.Helper()
	f := &fixture{tokens: map[string]string{}}
	for _, r := range roles {
		if r != "anon" {
			f.tokens[r] = e.token(roleNIP(r))
		}
	}
	own := f.tokens["owner"]
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{
		"title": "Pelayanan Publik Prima", "summary": "Dasar pelayanan publik", "description": "# Pengantar\n\nMateri **dasar**.",
		"category": "Teknis", "level": "Dasar", "jp": 4}), 201, "create course")
	f.course = c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules", own, map[string]any{"title": "Modul 1"}), 201, "add module")
	f.module = m["id"].(string)
	l := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Pengantar", "kind": "text", "body": "Isi **materi**.", "minutes": 10}), 201, "add lesson")
	f.text = l["id"].(string)
	f.asset = e.uploadBytes(t, own, f.course, "kuliah.mp4", mp4Bytes(3<<20))
	v := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Video kuliah", "kind": "video", "asset_id": f.asset, "minutes": 5}), 201, "add video lesson")
	f.video = v["id"].(string)
	mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/publish", own, nil), 200, "publish")
	d := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Draf Rahasia", "category": "Manajerial", "jp": 2}), 201, "draft")
	f.draft = d["id"].(string)
	mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/enroll", f.tokens["enrolled"], nil), 201, "enroll")
	return f
}

// mp4Bytes is n bytes of MP4 that runs 100 s: an ftyp box, a moov with
// its mvhd (timescale 1000, duration 100000), then an mdat of filler.
func mp4Bytes(n int) []byte {
	b := make([]byte, n)
	head := []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" +
		"\x00\x00\x00\x74moov\x00\x00\x00\x6cmvhd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\xe8\x00\x01\x86\xa0")
	copy(b, head)
	moovEnd := 24 + 0x74
	binary.BigEndian.PutUint32(b[moovEnd:], uint32(n-moovEnd))
	copy(b[moovEnd+4:], "mdat")
	for i := moovEnd + 8; i < n; i++ {
		b[i] = byte(i*7 + i/4099)
	}
	return b
}

// uploadBytes runs the whole part protocol and returns the asset id.
func (e *testEnv) uploadBytes(t *testing.T, token, course, name string, data []byte) string {
	t.Helper()
	up := mustStatus(t, e.api("POST", "/api/v1/uploads", token, map[string]any{"filename": name, "size": len(data), "course_id": course}), 201, "create upload")
	id := up["id"].(string)
	ps := int(up["part_size"].(float64))
	for n := 1; (n-1)*ps < len(data); n++ {
		end := min(n*ps, len(data))
		mustStatus(t, e.putPart(token, id, n, data[(n-1)*ps:end]), 200, fmt.Sprint("part ", n))
	}
	a := mustStatus(t, e.api("POST", "/api/v1/uploads/"+id+"/complete", token, nil), 201, "complete")
	return a["id"].(string)
}

func (e *testEnv) putPart(token, id string, n int, data []byte) resp {
	req := httptest.NewRequest("PUT", fmt.Sprintf("/api/v1/uploads/%s/parts/%d", id, n), strings.NewReader(string(data)))
	req.Header.Set("Content-Type", "application/octet-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

// TestCourseAuthorization runs every course route as each role.
func TestCourseAuthorization(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	type route struct {
		method, path string
		body         any
		want         map[string]int // by role
	}
	all := func(code int) map[string]int {
		return map[string]int{"owner": code, "trainer2": code, "enrolled": code, "learner2": code, "admin": code, "anon": 401}
	}
	editing := func(code int) map[string]int {
		return map[string]int{"owner": code, "trainer2": 403, "enrolled": 403, "learner2": 403, "admin": code, "anon": 401}
	}
	routes := []route{
		{"GET", "/api/v1/courses", nil, all(200)},
		{"GET", "/api/v1/courses?category=Teknis", nil, all(200)},
		{"GET", "/api/v1/courses/" + f.course, nil, all(200)},
		{"GET", "/api/v1/courses/pelayanan-publik-prima", nil, all(200)},
		{"GET", "/api/v1/courses/" + f.draft, nil, map[string]int{"owner": 200, "trainer2": 404, "enrolled": 404, "learner2": 404, "admin": 200, "anon": 401}},
		{"PATCH", "/api/v1/courses/" + f.course, map[string]any{"summary": "Ringkasan baru"}, editing(200)},
		{"POST", "/api/v1/courses/" + f.course + "/modules", map[string]any{"title": "Modul baru"}, editing(201)},
		{"POST", "/api/v1/courses/" + f.course + "/modules/" + f.module + "/lessons", map[string]any{"title": "Baru", "kind": "text", "body": "Isi baru."}, editing(201)},
		{"PATCH", "/api/v1/lessons/" + f.text, map[string]any{"minutes": 12}, editing(200)},
		{"POST", "/api/v1/courses/" + f.course + "/publish", nil, editing(200)},
		{"POST", "/api/v1/uploads", map[string]any{"filename": "a.pdf", "size": 100, "course_id": f.course}, editing(201)},
		{"GET", "/api/v1/lessons/" + f.text, nil, map[string]int{"owner": 200, "trainer2": 403, "enrolled": 200, "learner2": 403, "admin": 200, "anon": 401}},
		{"GET", "/api/v1/courses/" + f.course + "/progress", nil, map[string]int{"owner": 404, "trainer2": 404, "enrolled": 200, "learner2": 404, "admin": 404, "anon": 401}},
		{"POST", "/api/v1/lessons/" + f.text + "/progress", map[string]any{"done": true}, map[string]int{"owner": 403, "trainer2": 403, "enrolled": 200, "learner2": 403, "admin": 403, "anon": 401}},
		{"GET", "/media/" + f.asset, nil, map[string]int{"owner": 200, "trainer2": 404, "enrolled": 200, "learner2": 404, "admin": 200, "anon": 401}},
		{"POST", "/api/v1/courses/" + f.draft + "/enroll", nil, map[string]int{"owner": 422, "trainer2": 404, "enrolled": 404, "learner2": 404, "admin": 422, "anon": 401}},
		{"GET", "/api/v1/enrollments", nil, all(200)},
	}
	// The learner opened the text lesson long enough ago to have read it.
	mustStatus(t, e.api("GET", "/api/v1/lessons/"+f.text, f.tokens["enrolled"], nil), 200, "open text")
	e.advance(time.Minute)
	for _, rt := range routes {
		for _, role := range roles {
			t.Run(rt.method+" "+rt.path+" as "+role, func(t *testing.T) {
				r := e.api(rt.method, rt.path, f.tokens[role], rt.body)
				if want := rt.want[role]; r.StatusCode != want {
					t.Errorf("status %d, want %d\n%.300s", r.StatusCode, want, r.body)
				}
				if r.StatusCode == 404 && strings.Contains(string(r.body), "Draf Rahasia") {
					t.Error("a refused request leaks the draft")
				}
			})
		}
	}
	// Deleting: other trainer refused, owner allowed for a course nobody took,
	// refused (422) for one with learners.
	mustStatus(t, e.api("DELETE", "/api/v1/courses/"+f.draft, f.tokens["trainer2"], nil), 404, "delete draft as other trainer")
	mustStatus(t, e.api("DELETE", "/api/v1/courses/"+f.course, f.tokens["owner"], nil), 422, "delete course with learners")
	mustStatus(t, e.api("DELETE", "/api/v1/courses/"+f.draft, f.tokens["owner"], nil), 204, "delete draft as owner")
	mustStatus(t, e.api("GET", "/api/v1/courses/"+f.draft, f.tokens["owner"], nil), 404, "deleted draft")
}

func TestEnrollIdempotentAndProgress(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	tok := f.tokens["enrolled"]
	mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/enroll", tok, nil), 200, "enroll again")
	list := mustStatus(t, e.api("GET", "/api/v1/enrollments", tok, nil), 200, "enrollments")
	if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["course_id"] != f.course {
		t.Fatalf("enrollments %v", list)
	}
	// Open both lessons, then let the time to read and watch them pass.
	for _, l := range []string{f.text, f.video} {
		mustStatus(t, e.api("GET", "/api/v1/lessons/"+l, tok, nil), 200, "open lesson")
	}
	e.advance(2 * time.Minute)
	// Text lesson: done when marked.
	p := mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.text+"/progress", tok, map[string]any{"done": true}), 200, "text done")
	if p["done"] != true {
		t.Fatalf("text lesson not done: %v", p)
	}
	// Video of 100 s, as the server read it from the file's mvhd.
	// Skipping to the end does not count; 90% watched, merged across
	// reports and sessions, does.
	post := func(body map[string]any) map[string]any {
		return mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.video+"/progress", tok, body), 200, "video progress")
	}
	p = post(map[string]any{"position": 99, "watched": [][2]float64{{0, 5}, {95, 100}}})
	if p["done"] == true {
		t.Fatal("skipping to the end counted as watched")
	}
	p = post(map[string]any{"position": 50, "watched": [][2]float64{{5, 50}}})
	if p["done"] == true {
		t.Fatal("done at 55% watched")
	}
	// A repeated report changes nothing.
	p = post(map[string]any{"position": 50, "watched": [][2]float64{{5, 50}}})
	if w := p["watched"].([]any); len(w) != 2 {
		t.Fatalf("intervals not merged: %v", w)
	}
	// Merged 0-88 and 95-100: 93 s of 100.
	p = post(map[string]any{"position": 88, "watched": [][2]float64{{50, 88}}})
	if p["done"] != true {
		t.Fatalf("not done at 93%% watched: %v", p)
	}
	// Done, the course is complete: both required lessons are done.
	prog := mustStatus(t, e.api("GET", "/api/v1/courses/"+f.course+"/progress", tok, nil), 200, "course progress")
	if prog["percent"] != float64(100) || prog["completed_at"] == nil || prog["jp"] != float64(4) {
		t.Fatalf("course not complete with 4 JP: %v", prog)
	}
	me := mustStatus(t, e.api("GET", "/api/v1/me", tok, nil), 200, "me")
	if me["jp_this_year"] != float64(4) {
		t.Errorf("jp_this_year = %v, want 4", me["jp_this_year"])
	}
	// The other learner's progress is theirs alone.
	mustStatus(t, e.api("GET", "/api/v1/courses/"+f.course+"/progress", f.tokens["learner2"], nil), 404, "other learner's progress")
}
