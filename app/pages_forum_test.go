package app

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// TestForumPagesWithoutScript: a citizen sends the form as a plain HTML
// post (no login, no JavaScript); a refused form comes back with what was
// typed and the problem named; the staff approve and answer through their
// pages.
func TestForumPagesWithoutScript(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	base := "/layanan/" + f.service + "/forum"
	citizen := e.browser()
	formToken := func() string {
		t.Helper()
		r := citizen.get(base + "/new")
		if r.StatusCode != 200 {
			t.Fatalf("form: %d", r.StatusCode)
		}
		m := tokenInput.FindSubmatch(r.body)
		if m == nil {
			t.Fatal("no token on the form")
		}
		if strings.Contains(string(r.body), "<script") {
			t.Fatal("the public form loads a script")
		}
		return string(m[1])
	}
	// Missing title and a filled honeypot: 422, typed text kept, fields named.
	r := citizen.post(base+"/new", url.Values{"token": {formToken()}, "body": {"Petugas ramah tapi antrean panjang."}, "website": {"x"}})
	body := string(r.body)
	if r.StatusCode != 422 || !strings.Contains(body, "Petugas ramah tapi antrean panjang.") || !strings.Contains(body, `id="title-err"`) {
		t.Fatalf("refused form: %d\n%s", r.StatusCode, body)
	}
	// Text that is not UTF-8.
	r = citizen.post(base+"/new", url.Values{"token": {formToken()}, "title": {"Judul \xff\xfe"}, "body": {"Isi yang cukup panjang."}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "UTF-8") {
		t.Fatalf("bad UTF-8: %d", r.StatusCode)
	}
	tok := formToken()
	form := url.Values{"token": {tok}, "title": {"Mohon tambah kursi"}, "body": {"Ruang tunggu kekurangan kursi pada pagi hari."}, "name": {"Pak Darto"}}
	r = citizen.post(base+"/new", form)
	if r.StatusCode != 303 || r.Header.Get("Location") != base+"?sent=1" {
		t.Fatalf("sent form: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := citizen.get(base + "?sent=1"); !strings.Contains(string(r.body), `data-testid="topic-sent"`) || strings.Contains(string(r.body), "Mohon tambah kursi") {
		t.Fatalf("after sending: the thanks is missing or the topic shows before approval")
	}
	// The same form again (a double tap, a replay): refused, nothing written.
	r = citizen.post(base+"/new", form)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `data-testid="form-problem"`) {
		t.Fatalf("replayed form: %d", r.StatusCode)
	}
	if n := f.waitingCount(t); n != 1 {
		t.Fatalf("%v topics waiting, want 1", n)
	}

	staff := e.browser()
	staff.login(learnerNIP)
	q := staff.get("/forum/moderation")
	if q.StatusCode != 200 || !strings.Contains(string(q.body), "Mohon tambah kursi") || !strings.Contains(string(q.body), `data-testid="count-waiting">1<`) {
		t.Fatalf("queue page: %d\n%s", q.StatusCode, q.body)
	}
	id := regexpFind(t, string(q.body), `data-testid="queue-topic" data-id="([^"]+)"`)
	csrf := staff.csrf("/forum/moderation")
	r = staff.post("/forum/moderation/"+id+"/moderate", url.Values{"_csrf": {csrf}, "action": {"approve"}, "next": {"/forum/moderation"}})
	if r.StatusCode != 303 {
		t.Fatalf("approve: %d", r.StatusCode)
	}
	if q := staff.get("/forum/moderation?state=approved"); !strings.Contains(string(q.body), `data-testid="count-approved">1<`) ||
		!strings.Contains(string(q.body), `data-testid="count-waiting">0<`) {
		t.Fatal("counts after approval")
	}
	if r := staff.post("/forum/moderation/"+id+"/replies", url.Values{"_csrf": {csrf}, "body": {" "}}); r.StatusCode != 422 {
		t.Fatalf("empty answer: %d", r.StatusCode)
	}
	r = staff.post("/forum/moderation/"+id+"/replies", url.Values{"_csrf": {csrf}, "body": {"Kursi tambahan datang minggu depan."}})
	if r.StatusCode != 303 {
		t.Fatalf("answer: %d %s", r.StatusCode, r.body)
	}
	page := string(citizen.get(base + "/" + id).body)
	if !strings.Contains(page, "Kursi tambahan datang minggu depan.") || !strings.Contains(page, "Pak Darto") {
		t.Fatal("the public topic page lacks the answer or the name")
	}
	// The moderation pages need a sign-in; the public form takes no CSRF.
	if r := e.browser().get("/forum/moderation"); r.StatusCode != 302 && r.StatusCode != 303 {
		t.Fatalf("queue for a visitor: %d", r.StatusCode)
	}
	// English.
	if r := citizen.get("/lang/en?next=" + url.QueryEscape(base)); r.StatusCode >= 400 {
		t.Fatalf("switch language: %d", r.StatusCode)
	}
	if en := string(citizen.get(base).body); !strings.Contains(en, "Citizens&#39; forum") && !strings.Contains(en, "Citizens' forum") {
		t.Fatal("the public list in English")
	}
}

// a11yForum is a service of the learner's dinas with an answered topic,
// an unanswered one and one waiting, for the accessibility run.
type a11yForum struct {
	service, answered, waiting string
}

func seedA11yForum(t *testing.T, e *testEnv) a11yForum {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	ps, err := svc.AddForumService(ctx, content.PublicService{ID: "dinkes-skd", Unit: "DINKES", Name: "Surat Keterangan Sehat", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	staff := mustUser(t, e, learnerNIP)
	post := func(title, body, name string) string {
		tok, _, err := svc.TopicFormToken(ctx, ps.ID)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := svc.SubmitTopic(ctx, ps.ID, content.TopicInput{Title: title, Body: body, Name: name, Contact: "0812-0000-1111", Token: tok}, "10.0.0.9")
		if err != nil {
			t.Fatal(err)
		}
		return tp.ID
	}
	f := a11yForum{service: ps.ID}
	f.answered = post("Antrean pagi terlalu panjang", "Saya datang pukul 07.30 dan baru dilayani pukul 10.00.\nMohon ditambah loket.", "Pak Darto")
	open := post("Papan informasi <b>tidak jelas</b>", "Syarat surat keterangan sehat tidak tertulis di papan. <script>alert(1)</script>", "")
	f.waiting = post("Parkir motor penuh", "Tidak ada tempat parkir untuk pengunjung pada hari Senin.", "Bu Rina")
	for _, id := range []string{f.answered, open} {
		if _, err := svc.ModerateTopic(ctx, staff, id, "approve"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.ReplyTopic(ctx, staff, f.answered, "Terima kasih. Mulai bulan depan loket kedua dibuka pukul 07.30."); err != nil {
		t.Fatal(err)
	}
	return f
}
