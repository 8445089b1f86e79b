package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

func TestAuthoringPagesRefuseOthers(t *testing.T) {
	e := newEnv(t, nil)
	pub := seedPageCourse(t, e, "Kursus Terbit Milik Widya", "Teknis", "", false)
	draft := seedPageCourse(t, e, "Kursus Draf Milik Widya", "Teknis", "", true)

	// Another trainer: a draft they may not see is 404, a published course
	// they do not own is 403, for pages and forms alike.
	other := signedIn(t, e, trainer2NIP)
	tok := other.csrf("/teach")
	for path, want := range map[string]int{
		"/teach/" + draft.ID:                                        404,
		"/teach/" + draft.ID + "/edit":                              404,
		"/teach/" + pub.ID:                                          403,
		"/teach/" + pub.ID + "/edit":                                403,
		"/teach/" + pub.ID + "/delete":                              403,
		"/teach/" + pub.ID + "/assets":                              403,
		"/teach/" + pub.ID + "/lessons/new":                         403,
		"/teach/lessons/" + pub.Text.ID + "/edit":                   403,
		"/teach/lessons/" + draft.Text.ID + "/edit":                 404,
		"/teach/" + pub.ID + "/lessons/new?module=" + pub.Module.ID: 403,
	} {
		if r := other.get(path); r.StatusCode != want {
			t.Errorf("other trainer GET %s: %d, want %d", path, r.StatusCode, want)
		}
	}
	for path, form := range map[string]url.Values{
		"/teach/" + pub.ID + "/modules":                              {"title": {"Modul Penyusup"}},
		"/teach/" + pub.ID + "/modules/" + pub.Module.ID + "/rename": {"title": {"Diganti"}},
		"/teach/" + pub.ID + "/modules/" + pub.Module.ID + "/delete": {},
		"/teach/" + pub.ID + "/move":                                 {"item": {pub.Module.ID}, "dir": {"down"}},
		"/teach/" + pub.ID + "/status":                               {"status": {"draft"}},
		"/teach/" + pub.ID + "/delete":                               {},
		"/teach/" + pub.ID + "/edit":                                 {"title": {"Diganti"}, "category": {"Teknis"}, "jp": {"2"}},
		"/teach/" + pub.ID + "/lessons/new":                          {"module": {pub.Module.ID}, "title": {"X"}, "kind": {"text"}},
		"/teach/lessons/" + pub.Text.ID + "/edit":                    {"title": {"Diganti"}, "kind": {"text"}},
		"/teach/lessons/" + pub.Text.ID + "/delete":                  {},
	} {
		form.Set("_csrf", tok)
		if r := other.post(path, form); r.StatusCode != 403 {
			t.Errorf("other trainer POST %s: %d, want 403", path, r.StatusCode)
		}
	}
	after, err := e.app.Service().Course(context.Background(), pub.ID)
	if err != nil || after.Title != pub.Title || after.Status != content.StatusPublished || len(after.Modules) != 1 ||
		after.Modules[0].Title != "Pengantar" || len(after.Lessons()) != 2 {
		t.Fatalf("another trainer changed the course: %+v (%v)", after, err)
	}

	// A learner is not a trainer at all.
	learner := signedIn(t, e, learnerNIP)
	for _, path := range []string{"/teach", "/teach/new", "/teach/" + pub.ID} {
		if r := learner.get(path); r.StatusCode != 403 {
			t.Errorf("learner GET %s: %d, want 403", path, r.StatusCode)
		}
	}
	ltok := learner.csrf("/")
	if r := learner.post("/teach/new", url.Values{"_csrf": {ltok}, "title": {"Kursus Peserta"}, "category": {"Teknis"}, "jp": {"2"}}); r.StatusCode != 403 {
		t.Errorf("learner creates a course: %d, want 403", r.StatusCode)
	}
	// Admins may edit any course.
	if r := signedIn(t, e, adminNIP).get("/teach/" + draft.ID); r.StatusCode != 200 {
		t.Errorf("admin GET draft: %d, want 200", r.StatusCode)
	}
	// Anonymous visitors go to the login page.
	if r := e.browser().get("/teach"); r.StatusCode != 302 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("anonymous /teach: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestTrainerBuildsCourseThroughForms(t *testing.T) {
	e := newEnv(t, nil)
	svc := e.app.Service()
	ctx := context.Background()
	b := signedIn(t, e, trainerNIP)

	r := b.get("/teach")
	mustContain(t, "teach page", r.body, "Buat kursus baru", "belum membuat kursus")
	tok := b.csrf("/teach/new")

	// The form shows the domain's messages and keeps what was typed.
	r = b.post("/teach/new", url.Values{"_csrf": {tok}, "title": {"AB"}, "summary": {"ringkas"}, "category": {""}, "jp": {"x"}})
	if r.StatusCode != 422 {
		t.Fatalf("invalid course: %d", r.StatusCode)
	}
	mustContain(t, "invalid course form", r.body, "judul 3 sampai 200 karakter", `value="AB"`, "ringkas", `aria-invalid="true"`)
	if cs, _ := svc.OwnedCourses(ctx, mustUser(t, e, trainerNIP)); len(cs) != 0 {
		t.Fatalf("an invalid form created %d courses", len(cs))
	}

	r = b.post("/teach/new", url.Values{"_csrf": {tok}, "title": {"Etika Pelayanan Publik"}, "summary": {"Dasar etika ASN"},
		"description": {"Kursus **etika**."}, "category": {"Sosial Kultural"}, "level": {"Menengah"}, "jp": {"6"}})
	if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/teach/c") {
		t.Fatalf("create course: %d to %q\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	page := r.Header.Get("Location")
	id := strings.TrimPrefix(page, "/teach/")
	c, err := svc.Course(ctx, id)
	if err != nil || c.Title != "Etika Pelayanan Publik" || c.Category != "Sosial Kultural" || c.Level != "Menengah" ||
		c.JP != 6 || c.Status != content.StatusDraft || c.Owner != trainerNIP {
		t.Fatalf("created course %+v (%v)", c, err)
	}

	// Publishing an empty course is refused with the domain's message.
	r = b.post(page+"/status", url.Values{"_csrf": {tok}, "status": {"published"}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "kursus belum memiliki materi") {
		t.Fatalf("publish empty: %d", r.StatusCode)
	}

	for _, title := range []string{"Modul Satu", "Modul Dua"} {
		r = b.post(page+"/modules", url.Values{"_csrf": {tok}, "title": {title}})
		if r.StatusCode != 303 || r.Header.Get("Location") != page+"?ok=module_added" {
			t.Fatalf("add module %s: %d to %q", title, r.StatusCode, r.Header.Get("Location"))
		}
	}
	c, _ = svc.Course(ctx, id)
	if len(c.Modules) != 2 {
		t.Fatalf("modules: %+v", c.Modules)
	}
	m1, m2 := c.Modules[0], c.Modules[1]

	r = b.get(page + "/lessons/new?module=" + m1.ID)
	mustContain(t, "new lesson form", r.body, `<option value="`+m1.ID+`" selected>`, `name="kind"`, `data-preview="body-preview"`)
	for _, title := range []string{"Bacaan Etika", "Bacaan Integritas"} {
		r = b.post(page+"/lessons/new", url.Values{"_csrf": {tok}, "module": {m1.ID}, "title": {title}, "kind": {"text"},
			"minutes": {"7"}, "body": {"Isi " + title}})
		if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), page+"?ok=lesson_added#") {
			t.Fatalf("add lesson %s: %d to %q\n%s", title, r.StatusCode, r.Header.Get("Location"), r.body)
		}
	}
	// A video lesson needs a video asset of this course.
	r = b.post(page+"/lessons/new", url.Values{"_csrf": {tok}, "module": {m1.ID}, "title": {"Video"}, "kind": {"video"},
		"asset_id": {"a-tidak-ada"}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "berkas tidak ditemukan di kursus ini") {
		t.Errorf("video lesson with a foreign asset: %d", r.StatusCode)
	}
	c, _ = svc.Course(ctx, id)
	ls := c.Modules[0].Lessons
	// Bodies are read on their own (content/bodies.go).
	if body, _ := svc.LessonBody(ctx, &c, ls[0].ID); len(ls) != 2 || ls[0].Title != "Bacaan Etika" || ls[0].Kind != content.KindText || ls[0].Minutes != 7 || body != "Isi Bacaan Etika" {
		t.Fatalf("lessons: %+v", ls)
	}

	// Reorder: module two up, the second lesson up.
	if r = b.post(page+"/move", url.Values{"_csrf": {tok}, "item": {m2.ID}, "dir": {"up"}, "anchor": {m2.ID}}); r.StatusCode != 303 ||
		r.Header.Get("Location") != page+"#"+m2.ID {
		t.Fatalf("move module: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r = b.post(page+"/move", url.Values{"_csrf": {tok}, "item": {ls[1].ID}, "dir": {"up"}}); r.StatusCode != 303 {
		t.Fatalf("move lesson: %d", r.StatusCode)
	}
	c, _ = svc.Course(ctx, id)
	if c.Modules[0].ID != m2.ID || c.Modules[1].ID != m1.ID {
		t.Fatalf("module order %s, %s; want %s first", c.Modules[0].ID, c.Modules[1].ID, m2.ID)
	}
	if got := c.Modules[1].Lessons; got[0].ID != ls[1].ID || got[1].ID != ls[0].ID {
		t.Fatalf("lesson order %s, %s; want %s first", got[0].Title, got[1].Title, ls[1].Title)
	}
	// A lesson moved up from the top of its module goes to the previous one.
	if r = b.post(page+"/move", url.Values{"_csrf": {tok}, "item": {ls[1].ID}, "dir": {"up"}}); r.StatusCode != 303 {
		t.Fatalf("move lesson across modules: %d", r.StatusCode)
	}
	c, _ = svc.Course(ctx, id)
	if len(c.Modules[0].Lessons) != 1 || c.Modules[0].Lessons[0].ID != ls[1].ID {
		t.Fatalf("lesson did not move into the first module: %+v", c.Modules)
	}

	// Rename a module, edit a lesson.
	if r = b.post(page+"/modules/"+m2.ID+"/rename", url.Values{"_csrf": {tok}, "title": {"Modul Pembuka"}}); r.StatusCode != 303 {
		t.Fatalf("rename: %d", r.StatusCode)
	}
	r = b.get("/teach/lessons/" + ls[0].ID + "/edit")
	mustContain(t, "edit lesson form", r.body, `value="Bacaan Etika"`, "Isi Bacaan Etika")
	if r = b.post("/teach/lessons/"+ls[0].ID+"/edit", url.Values{"_csrf": {tok}, "title": {"Bacaan Etika ASN"}, "kind": {"text"},
		"minutes": {"9"}, "body": {"Isi baru"}}); r.StatusCode != 303 {
		t.Fatalf("edit lesson: %d %s", r.StatusCode, r.body)
	}
	c, _ = svc.Course(ctx, id)
	body, _ := svc.LessonBody(ctx, &c, ls[0].ID)
	if l, _, _ := c.Lesson(ls[0].ID); c.Modules[0].Title != "Modul Pembuka" || l.Title != "Bacaan Etika ASN" || l.Minutes != 9 || body != "Isi baru" {
		t.Fatalf("after edits: %+v", c.Modules)
	}

	// Publish through the form; the course reaches the catalog.
	r = b.post(page+"/status", url.Values{"_csrf": {tok}, "status": {"published"}})
	if r.StatusCode != 303 || r.Header.Get("Location") != page+"?ok=status_published" {
		t.Fatalf("publish: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.get(page + "?ok=status_published")
	mustContain(t, "structure page", r.body, "Kursus diterbitkan.", "Modul Pembuka", "Bacaan Etika ASN", "Bacaan Integritas",
		`data-testid="course-status">Terbit`, "Kembalikan ke draf")
	r = signedIn(t, e, learnerNIP).get("/courses")
	mustContain(t, "catalog after publishing", r.body, "Etika Pelayanan Publik")
	r = b.get("/teach")
	mustContain(t, "teach list", r.body, "Etika Pelayanan Publik", "Terbit")

	// Edit the course details.
	r = b.get(page + "/edit")
	mustContain(t, "edit form", r.body, `value="Etika Pelayanan Publik"`, `<option value="Sosial Kultural" selected>`, `value="6"`)
	if r = b.post(page+"/edit", url.Values{"_csrf": {tok}, "title": {"Etika dan Integritas"}, "summary": {"s"}, "description": {"d"},
		"category": {"Teknis"}, "level": {"Lanjut"}, "jp": {"8"}, "cover": {""}}); r.StatusCode != 303 {
		t.Fatalf("edit course: %d %s", r.StatusCode, r.body)
	}
	c, _ = svc.Course(ctx, id)
	if c.Title != "Etika dan Integritas" || c.Category != "Teknis" || c.Level != "Lanjut" || c.JP != 8 {
		t.Fatalf("after edit: %+v", c)
	}

	// Delete a lesson and a module.
	if r = b.post("/teach/lessons/"+ls[0].ID+"/delete", url.Values{"_csrf": {tok}, "confirm": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("delete lesson: %d", r.StatusCode)
	}
	if r = b.post(page+"/modules/"+m1.ID+"/delete", url.Values{"_csrf": {tok}, "confirm": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("delete module: %d", r.StatusCode)
	}
	c, _ = svc.Course(ctx, id)
	if len(c.Modules) != 1 || c.Modules[0].ID != m2.ID || len(c.Lessons()) != 1 {
		t.Fatalf("after deletes: %+v", c.Modules)
	}

	// Delete the course through its confirmation page.
	r = b.get(page + "/delete")
	mustContain(t, "delete confirmation", r.body, "Etika dan Integritas", "Ya, hapus kursus")
	if r = b.post(page+"/delete", url.Values{"_csrf": {tok}}); r.StatusCode != 303 || r.Header.Get("Location") != "/teach?ok=deleted" {
		t.Fatalf("delete course: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if _, err := svc.Course(ctx, id); err == nil {
		t.Fatal("course still there after delete")
	}
}

func TestDeleteCourseWithLearnersIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Dengan Peserta", "Teknis", "", false)
	if _, _, err := e.app.Service().Enroll(context.Background(), mustUser(t, e, learnerNIP), c.ID); err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, e, trainerNIP)
	tok := b.csrf("/teach/" + c.ID + "/delete")
	r := b.post("/teach/"+c.ID+"/delete", url.Values{"_csrf": {tok}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "arsipkan") {
		t.Fatalf("delete with learners: %d", r.StatusCode)
	}
	if _, err := e.app.Service().Course(context.Background(), c.ID); err != nil {
		t.Fatalf("course gone: %v", err)
	}
}

func TestAuthoringFormsNeedCSRF(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Milik Widya", "Teknis", "", true)
	b := signedIn(t, e, trainerNIP)
	for path, form := range map[string]url.Values{
		"/teach/new":                      {"title": {"Kursus Tanpa Token"}, "category": {"Teknis"}, "jp": {"2"}},
		"/teach/" + c.ID + "/modules":     {"title": {"Modul Tanpa Token"}},
		"/teach/" + c.ID + "/status":      {"status": {"published"}},
		"/teach/" + c.ID + "/move":        {"item": {c.Text2.ID}, "dir": {"up"}},
		"/teach/" + c.ID + "/delete":      {},
		"/teach/" + c.ID + "/edit":        {"title": {"Judul Tanpa Token"}, "category": {"Teknis"}, "jp": {"2"}},
		"/teach/" + c.ID + "/lessons/new": {"module": {c.Module.ID}, "title": {"X"}, "kind": {"text"}},
	} {
		form.Set("_csrf", "token-palsu")
		if r := b.post(path, form); r.StatusCode != 403 {
			t.Errorf("POST %s with a wrong token: %d, want 403", path, r.StatusCode)
		}
		form.Del("_csrf")
		if r := b.post(path, form); r.StatusCode != 403 {
			t.Errorf("POST %s without a token: %d, want 403", path, r.StatusCode)
		}
	}
	after, _ := e.app.Service().Course(context.Background(), c.ID)
	if after.Title != c.Title || after.Status != content.StatusDraft || len(after.Modules) != 1 || after.Modules[0].Lessons[0].ID != c.Text.ID {
		t.Fatalf("a form without a token changed the course: %+v", after)
	}
	if cs, _ := e.app.Service().OwnedCourses(context.Background(), mustUser(t, e, trainerNIP)); len(cs) != 1 {
		t.Fatalf("a form without a token created a course: %d courses", len(cs))
	}
}

// jsonReq sends a JSON page request with the CSRF header.
func (b *browser) jsonReq(method, path, token string, body any) resp {
	b.e.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req := httptest.NewRequest(method, path, &buf)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	return b.send(req)
}

func TestMarkdownPreviewRoute(t *testing.T) {
	e := newEnv(t, nil)
	b := signedIn(t, e, trainerNIP)
	tok := b.csrf("/teach/new")
	r := b.jsonReq("POST", "/teach/preview", tok, map[string]string{"markdown": "**tebal** <script>alert(1)</script>"})
	if r.StatusCode != 200 {
		t.Fatalf("preview: %d %s", r.StatusCode, r.body)
	}
	html, _ := r.json(t)["html"].(string)
	if !strings.Contains(html, "<strong>tebal</strong>") || strings.Contains(html, "<script") {
		t.Fatalf("preview html %q", html)
	}
	if r := b.jsonReq("POST", "/teach/preview", "", map[string]string{"markdown": "x"}); r.StatusCode != 403 ||
		r.json(t)["error"] == nil {
		t.Errorf("preview without CSRF: %d %s, want a JSON 403", r.StatusCode, r.body)
	}
	l := signedIn(t, e, learnerNIP)
	if r := l.jsonReq("POST", "/teach/preview", l.csrf("/"), map[string]string{"markdown": "x"}); r.StatusCode != 403 {
		t.Errorf("preview for a learner: %d, want 403", r.StatusCode)
	}
}

func TestUploadPageRoutes(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Dengan Video", "Teknis", "", true)
	video, err := os.ReadFile("testdata/testsrc-20s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, e, trainerNIP)
	tok := b.csrf("/teach/" + c.ID)
	mustContain(t, "structure page", b.get("/teach/"+c.ID).body, `id="uploader"`, `data-course="`+c.ID+`"`, "Belum ada berkas.")

	in := map[string]any{"filename": "materi.mp4", "size": len(video), "content_type": "video/mp4", "course_id": c.ID}
	if r := b.jsonReq("POST", "/teach/uploads", "", in); r.StatusCode != 403 || r.json(t)["error"] == nil {
		t.Fatalf("create upload without CSRF: %d %s", r.StatusCode, r.body)
	}
	r := b.jsonReq("POST", "/teach/uploads", tok, in)
	if r.StatusCode != 201 {
		t.Fatalf("create upload: %d %s", r.StatusCode, r.body)
	}
	up := r.json(t)
	id := up["id"].(string)
	if up["part_size"].(float64) != content.PartSize || up["parts"].(float64) != 1 {
		t.Fatalf("upload %v", up)
	}
	put := func(token string) resp {
		req := httptest.NewRequest("PUT", "/teach/uploads/"+id+"/parts/1", bytes.NewReader(video))
		req.Header.Set("Content-Type", "application/octet-stream")
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		return b.send(req)
	}
	if r := put(""); r.StatusCode != 403 {
		t.Fatalf("part without CSRF: %d", r.StatusCode)
	}
	if r := put(tok); r.StatusCode != 200 {
		t.Fatalf("part: %d %s", r.StatusCode, r.body)
	}
	r = b.get("/teach/uploads/" + id)
	if got := r.json(t)["received"]; r.StatusCode != 200 || len(got.([]any)) != 1 {
		t.Fatalf("resume state: %d %s", r.StatusCode, r.body)
	}
	r = b.jsonReq("POST", "/teach/uploads/"+id+"/complete", tok, nil)
	if r.StatusCode != 201 || r.json(t)["content_type"] != "video/mp4" {
		t.Fatalf("complete: %d %s", r.StatusCode, r.body)
	}
	// The new asset shows in the page's asset list and the lesson form.
	frag := b.get("/teach/" + c.ID + "/assets")
	mustContain(t, "asset fragment", frag.body, `data-asset="`+id+`"`, "materi.mp4", "video/mp4", "20 s")
	mustNotContain(t, "asset fragment", frag.body, "<html")
	mustContain(t, "lesson form", b.get("/teach/"+c.ID+"/lessons/new").body, `<option value="`+id+`"`)

	// Another trainer cannot see or continue it.
	o := signedIn(t, e, trainer2NIP)
	if r := o.get("/teach/uploads/" + id); r.StatusCode != 404 {
		t.Errorf("other trainer reads the upload: %d", r.StatusCode)
	}
	otok := o.csrf("/teach")
	if r := o.jsonReq("POST", "/teach/uploads", otok, in); r.StatusCode != 404 && r.StatusCode != 422 {
		t.Errorf("other trainer uploads into a draft they cannot see: %d %s", r.StatusCode, r.body)
	}
}
