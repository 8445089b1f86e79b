package app

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// brokenCourse is a draft with one completable lesson and one of each way
// a lesson can be impossible to complete.
type brokenCourse struct {
	id, module string
	good       string
	broken     map[string]string // lesson id -> title
}

func seedBrokenCourse(t *testing.T, e *testEnv, own string) brokenCourse {
	t.Helper()
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Kursus Belum Siap", "category": "Teknis", "jp": 2}), 201, "course")
	bc := brokenCourse{id: c["id"].(string), broken: map[string]string{}}
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+bc.id+"/modules", own, map[string]any{"title": "Modul"}), 201, "module")
	bc.module = m["id"].(string)
	lessons := "/api/v1/courses/" + bc.id + "/modules/" + bc.module + "/lessons"
	add := func(body map[string]any) string {
		return mustStatus(t, e.api("POST", lessons, own, body), 201, "lesson "+body["title"].(string))["id"].(string)
	}
	bc.good = add(map[string]any{"title": "Bacaan lengkap", "kind": "text", "body": "Isi bacaan."})
	for _, body := range []map[string]any{
		{"title": "Bacaan kosong", "kind": "text", "body": "  \n"},
		{"title": "Video tanpa berkas", "kind": "video"},
		{"title": "Berkas tanpa isi", "kind": "file"},
		{"title": "Kuis tanpa kuis", "kind": "quiz"},
	} {
		bc.broken[add(body)] = body["title"].(string)
	}
	// A file lesson whose file is gone from the store.
	pdf := e.uploadBytes(t, own, bc.id, "hilang.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	gone := add(map[string]any{"title": "Berkas hilang", "kind": "file", "asset_id": pdf})
	if err := e.stores.Docs.C("assets").Delete(context.Background(), pdf); err != nil {
		t.Fatal(err)
	}
	bc.broken[gone] = "Berkas hilang"
	// A quiz lesson whose quiz has no questions.
	mustStatus(t, e.api("POST", "/api/v1/quizzes", own, map[string]any{"course_id": bc.id, "module_id": bc.module,
		"title": "Kuis kosong", "pass_mark": 60}), 201, "empty quiz")
	course := mustStatus(t, e.api("GET", "/api/v1/courses/"+bc.id, own, nil), 200, "course")
	ls := course["modules"].([]any)[0].(map[string]any)["lessons"].([]any)
	quizLesson := ls[len(ls)-1].(map[string]any)
	bc.broken[quizLesson["id"].(string)] = quizLesson["title"].(string)
	return bc
}

// TestPublishRefusesUncompletableLessons: the API refuses to publish, 422
// with a field for each lesson no learner could complete (and none for
// the good one); an empty course is refused too; once fixed it publishes.
func TestPublishRefusesUncompletableLessons(t *testing.T) {
	e := newEnv(t, nil)
	own := e.token(trainerNIP)
	bc := seedBrokenCourse(t, e, own)
	r := e.api("POST", "/api/v1/courses/"+bc.id+"/publish", own, nil)
	if r.StatusCode != 422 {
		t.Fatalf("publish broken course: %d %s", r.StatusCode, r.body)
	}
	fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
	var got, want []string
	for k := range fields {
		got = append(got, k)
	}
	for id, title := range bc.broken {
		want = append(want, "lessons."+id)
		if msg, _ := fields["lessons."+id].(string); !strings.Contains(msg, title) {
			t.Errorf("field for %q is %q, which does not name it", title, msg)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want exactly %v", got, want)
	}
	if fields["lessons."+bc.good] != nil {
		t.Error("the complete lesson is named")
	}
	if c := mustStatus(t, e.api("GET", "/api/v1/courses/"+bc.id, own, nil), 200, "course"); c["status"] != "draft" {
		t.Fatalf("refused course is %v", c["status"])
	}
	// Removing the broken lessons makes it publishable.
	for id := range bc.broken {
		mustStatus(t, e.api("DELETE", "/api/v1/lessons/"+id, own, nil), 204, "delete "+id)
	}
	mustStatus(t, e.api("POST", "/api/v1/courses/"+bc.id+"/publish", own, nil), 200, "publish fixed course")

	empty := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Kursus Kosong", "category": "Teknis", "jp": 2}), 201, "empty")
	r = e.api("POST", "/api/v1/courses/"+empty["id"].(string)+"/publish", own, nil)
	if r.StatusCode != 422 || r.json(t)["error"].(map[string]any)["fields"].(map[string]any)["lessons"] == nil {
		t.Fatalf("publish empty course: %d %s", r.StatusCode, r.body)
	}
}

// TestPublishPageNamesLessons: the structure page's "Terbitkan" is refused
// with one Indonesian message naming each broken lesson in syllabus order.
func TestPublishPageNamesLessons(t *testing.T) {
	e := newEnv(t, nil)
	bc := seedBrokenCourse(t, e, e.token(trainerNIP))
	b := signedIn(t, e, trainerNIP)
	page := "/teach/" + bc.id
	tok := b.csrf(page)
	r := b.post(page+"/status", url.Values{"_csrf": {tok}, "status": {"published"}})
	if r.StatusCode != 422 {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	m := regexp.MustCompile(`(?s)data-testid="teach-error">([^<]*)<`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("no error on the page:\n%s", r.body)
	}
	msg := strings.ReplaceAll(string(m[1]), "&#34;", `"`)
	for _, want := range []string{"Kursus belum dapat diterbitkan", "“Bacaan kosong”: isi bacaan masih kosong",
		"“Video tanpa berkas”: berkas video belum dipilih", "“Berkas tanpa isi”: berkas belum dipilih",
		"“Kuis tanpa kuis”: kuis belum dipilih", "“Berkas hilang”: berkas belum dipilih atau sudah tidak ada",
		"“Kuis kosong”: kuis belum berisi soal"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "Bacaan lengkap") {
		t.Errorf("message %q names the complete lesson", msg)
	}
	if i, j := strings.Index(msg, "Bacaan kosong"), strings.Index(msg, "Kuis kosong"); i < 0 || j < i {
		t.Errorf("lessons not in syllabus order: %q", msg)
	}
	// In English too.
	b.cookies["lang"] = "en"
	r = b.post(page+"/status", url.Values{"_csrf": {tok}, "status": {"published"}})
	mustContain(t, "English refusal", r.body, "cannot be published", "the quiz has no questions yet")
}

// TestLessonMinutesFromContent: a lesson without minutes set takes them
// from its content (the video's running time, the text's reading time);
// minutes the trainer sets win; the course page shows both and the total.
func TestLessonMinutesFromContent(t *testing.T) {
	e := newEnv(t, nil)
	own := e.token(trainerNIP)
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Kursus Berdurasi", "category": "Teknis", "jp": 2}), 201, "course")
	id := c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/modules", own, map[string]any{"title": "Modul"}), 201, "module")
	lessons := "/api/v1/courses/" + id + "/modules/" + m["id"].(string) + "/lessons"
	// 1,000 words at 200 a minute: 5 minutes.
	text := mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Bacaan", "kind": "text",
		"body": strings.Repeat("kata ", 1000)}), 201, "text")
	if text["auto_minutes"] != float64(5) || text["minutes"] != float64(0) {
		t.Errorf("text lesson minutes %v auto %v, want 0 and 5", text["minutes"], text["auto_minutes"])
	}
	video, err := os.ReadFile(videoFixture)
	if err != nil {
		t.Fatal(err)
	}
	asset := e.uploadBytes(t, own, id, "kuliah.mp4", video)
	v := mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Video", "kind": "video", "asset_id": asset}), 201, "video")
	if v["auto_minutes"] != float64(1) {
		t.Errorf("20 s video: auto minutes %v, want 1", v["auto_minutes"])
	}
	set := mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Bacaan pendek", "kind": "text",
		"body": "Singkat saja.", "minutes": 7}), 201, "set minutes")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/publish", own, nil), 200, "publish")

	r := signedIn(t, e, learnerNIP).get("/courses/" + id)
	for _, want := range []string{"Bacaan · 5 menit", "Video · 1 menit", "Bacaan · 7 menit", "3 materi 13 menit"} {
		if !strings.Contains(strings.Join(strings.Fields(stripTags(string(r.body))), " "), want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	// The lesson form leaves minutes empty, saying they come from the
	// content, and a lesson saved so has its content's length.
	tb := signedIn(t, e, trainerNIP)
	form := tb.get("/teach/" + id + "/lessons/new")
	mustContain(t, "new lesson form", form.body, `name="minutes" type="number" inputmode="numeric" min="0" max="1440" value=""`,
		"Kosongkan agar dihitung dari isinya")
	tok := string(csrfInput.FindSubmatch(form.body)[1])
	if r := tb.post("/teach/"+id+"/lessons/new", url.Values{"_csrf": {tok}, "module": {m["id"].(string)}, "title": {"Dari formulir"},
		"kind": {"text"}, "minutes": {""}, "body": {strings.Repeat("kata ", 401)}}); r.StatusCode != 303 {
		t.Fatalf("add lesson by form: %d", r.StatusCode)
	}
	course, err := e.app.Service().Course(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ls := course.Modules[0].Lessons; ls[3].Minutes != 0 || ls[3].EffectiveMinutes() != 3 {
		t.Errorf("form lesson: minutes %d, shown %d, want 0 and 3", ls[3].Minutes, ls[3].EffectiveMinutes())
	}
	mustStatus(t, e.api("DELETE", "/api/v1/lessons/"+course.Modules[0].Lessons[3].ID, own, nil), 204, "delete form lesson")

	// The trainer clears the minutes: the content's length shows again.
	mustStatus(t, e.api("PATCH", "/api/v1/lessons/"+set["id"].(string), own, map[string]any{"minutes": 0}), 200, "clear minutes")
	r = signedIn(t, e, learnerNIP).get("/courses/" + id)
	if body := strings.Join(strings.Fields(stripTags(string(r.body))), " "); strings.Contains(body, "Bacaan · 7 menit") || !strings.Contains(body, "Bacaan · 1 menit") || !strings.Contains(body, "3 materi 7 menit") {
		t.Errorf("after clearing, course page: %q", body)
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tags.ReplaceAllString(s, " ") }
