package app

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// TestDeleteModuleAndLessonAskFirst: deleting a module or a lesson shows a
// confirmation page naming what goes (the lessons of a module, the
// published-course warning); only its form deletes. A bare post, as the
// old one-click button sent, deletes nothing.
func TestDeleteModuleAndLessonAskFirst(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	svc := e.app.Service()
	pub := seedPageCourse(t, e, "Kursus Hapus Bertahap", "Teknis", "", false)
	b := signedIn(t, e, trainerNIP)
	page := "/teach/" + pub.ID
	tok := b.csrf(page)

	// The structure page links to the confirmation pages; it has no
	// delete forms that act in one click.
	r := b.get(page)
	mustContain(t, "structure page", r.body, `href="/teach/`+pub.ID+`/modules/`+pub.Module.ID+`/delete"`,
		`href="/teach/lessons/`+pub.Text.ID+`/delete"`)
	mustNotContain(t, "structure page", r.body, `action="/teach/`+pub.ID+`/modules/`+pub.Module.ID+`/delete"`,
		`action="/teach/lessons/`+pub.Text.ID+`/delete"`)

	modDel := page + "/modules/" + pub.Module.ID + "/delete"
	for _, path := range []string{modDel, "/teach/lessons/" + pub.Text.ID + "/delete"} {
		r := b.post(path, url.Values{"_csrf": {tok}})
		if r.StatusCode != 303 || r.Header.Get("Location") != path {
			t.Errorf("POST %s without confirm: %d to %q, want 303 to the confirmation page", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if c, _ := svc.Course(ctx, pub.ID); len(c.Modules) != 1 || len(c.Lessons()) != 2 {
		t.Fatalf("an unconfirmed post deleted something: %+v", c.Modules)
	}

	r = b.get(modDel)
	if r.StatusCode != 200 {
		t.Fatalf("module confirmation: %d", r.StatusCode)
	}
	mustContain(t, "module confirmation", r.body, "Hapus modul “Pengantar” beserta 2 materinya?",
		"<li>Bacaan pertama</li>", "<li>Bacaan kedua</li>", `data-testid="confirm-published"`, "Ya, hapus modul",
		`name="confirm" value="1"`, `href="/teach/`+pub.ID+`#`+pub.Module.ID+`"`)
	r = b.get("/teach/lessons/" + pub.Text.ID + "/delete")
	mustContain(t, "lesson confirmation", r.body, "Hapus materi “Bacaan pertama” dari modul “Pengantar”?", "Ya, hapus materi")

	// In English too.
	en := signedIn(t, e, trainerNIP)
	en.cookies[cookieLang] = "en"
	mustContain(t, "module confirmation (en)", en.get(modDel).body, "Delete the module “Pengantar” and its 2 lessons?")

	// The confirming forms delete.
	if r := b.post("/teach/lessons/"+pub.Text.ID+"/delete", url.Values{"_csrf": {tok}, "confirm": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("confirmed lesson delete: %d", r.StatusCode)
	}
	if c, _ := svc.Course(ctx, pub.ID); len(c.Lessons()) != 1 {
		t.Fatalf("after the lesson delete: %+v", c.Modules)
	}
	if r := b.post(modDel, url.Values{"_csrf": {tok}, "confirm": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("confirmed module delete: %d", r.StatusCode)
	}
	if c, _ := svc.Course(ctx, pub.ID); len(c.Modules) != 0 {
		t.Fatalf("after the module delete: %+v", c.Modules)
	}
	// A module or lesson that is gone is a 404, not a second delete.
	if r := b.get(modDel); r.StatusCode != 404 {
		t.Errorf("confirmation of a deleted module: %d, want 404", r.StatusCode)
	}

	// Another trainer sees neither confirmation page.
	other := signedIn(t, e, trainer2NIP)
	pub2 := seedPageCourse(t, e, "Kursus Milik Widya", "Teknis", "", false)
	for _, path := range []string{"/teach/" + pub2.ID + "/modules/" + pub2.Module.ID + "/delete", "/teach/lessons/" + pub2.Text.ID + "/delete"} {
		if r := other.get(path); r.StatusCode != 403 {
			t.Errorf("other trainer GET %s: %d, want 403", path, r.StatusCode)
		}
	}
}

// TestErrorPagesSayWhatHappened: 404, 403 and an expired form each have
// their own heading, explanation and way on, in both languages.
func TestErrorPagesSayWhatHappened(t *testing.T) {
	e := newEnv(t, nil)
	learner := signedIn(t, e, learnerNIP)

	r := learner.get("/courses/tidak-ada")
	if r.StatusCode != 404 {
		t.Fatalf("missing course: %d", r.StatusCode)
	}
	mustContain(t, "404 page", r.body, "<h1 id=\"error-title\">Halaman tidak ditemukan</h1>", `data-kind="not_found"`,
		`href="/courses"`, "Lihat katalog kursus", `href="/"`, "Kode kesalahan: 404")
	mustNotContain(t, "404 page", r.body, "Terjadi kesalahan")

	r = learner.get("/teach")
	if r.StatusCode != 403 {
		t.Fatalf("learner on /teach: %d", r.StatusCode)
	}
	mustContain(t, "403 page", r.body, "Anda tidak memiliki akses", `data-kind="forbidden"`, "hubungi admin BKPSDM", "Kembali ke beranda")

	// An expired form: the page offers to open the form again, taken from
	// the Referer when it is this site.
	req := httptest.NewRequest("POST", "/courses/x/enroll", strings.NewReader("_csrf=basi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://example.com/courses/x?tab=1")
	r = learner.send(req)
	if r.StatusCode != 403 {
		t.Fatalf("stale form: %d", r.StatusCode)
	}
	mustContain(t, "expired form page", r.body, "Formulir kedaluwarsa", `data-kind="csrf"`, `href="/courses/x?tab=1"`,
		"Buka formulirnya lagi")
	// A Referer from another site is not offered as the way back.
	req = httptest.NewRequest("POST", "/courses/x/enroll", strings.NewReader("_csrf=basi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://evil.example/phish")
	mustNotContain(t, "expired form page", learner.send(req).body, "/phish")

	// English.
	learner.cookies[cookieLang] = "en"
	mustContain(t, "404 page (en)", learner.get("/courses/tidak-ada").body, "Page not found", "Browse the course catalog", "Error code: 404")
	mustContain(t, "403 page (en)", learner.get("/teach").body, "You do not have access")
	req = httptest.NewRequest("POST", "/courses/x/enroll", strings.NewReader("_csrf=basi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	mustContain(t, "expired form page (en)", learner.send(req).body, "The form has expired")
}

// TestExpiredSessionSaysSoAtLogin: a browser whose session has run out is
// sent to the login page with a message, from the home page and from any
// other page; a browser that never logged in gets no such message.
func TestExpiredSessionSaysSoAtLogin(t *testing.T) {
	e := newEnv(t, nil)
	b := signedIn(t, e, learnerNIP)
	e.app.Service().SetClock(func() time.Time { return time.Now().Add(content.SessionIdle + time.Hour) })
	defer e.app.Service().SetClock(time.Now)

	cookie := b.cookies[cookieSession]
	r := b.get("/courses?category=Teknis")
	loc := r.Header.Get("Location")
	if r.StatusCode != 302 || !strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, "msg=expired") {
		t.Fatalf("expired session on a page: %d to %q, want the login page saying so", r.StatusCode, loc)
	}
	if u, _ := url.Parse(loc); u.Query().Get("next") != "/courses?category=Teknis" {
		t.Errorf("login next %q, want the page asked for", u.Query().Get("next"))
	}
	login := b.get(loc)
	mustContain(t, "login after expiry", login.body, "Sesi Anda berakhir, silakan masuk lagi.")

	b.cookies[cookieSession] = cookie
	if r := b.get("/"); r.Header.Get("Location") != "/login?msg=expired" {
		t.Errorf("expired session at home: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	// Without a session cookie there is nothing to have expired.
	if r := e.browser().get("/courses"); strings.Contains(r.Header.Get("Location"), "expired") {
		t.Errorf("anonymous visitor told the session expired: %q", r.Header.Get("Location"))
	}
	// A form sent after the session ended fails its token for that reason:
	// the way on is to log in again, then back to the form's page.
	b.cookies[cookieSession] = cookie
	req := httptest.NewRequest("POST", "/courses/x/enroll", strings.NewReader("_csrf=dari-sesi-lama"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://example.com/courses/x")
	if r := b.send(req); r.StatusCode != 303 || r.Header.Get("Location") != "/login?next=%2Fcourses%2Fx&msg=expired" {
		t.Errorf("form after the session ended: %d to %q, want the login page saying so", r.StatusCode, r.Header.Get("Location"))
	}
	en := e.browser()
	en.cookies[cookieLang] = "en"
	mustContain(t, "login after expiry (en)", en.get("/login?msg=expired").body, "Your session has ended; please log in again.")
}
