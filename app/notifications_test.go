package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/mail/mailpit"
	"github.com/kotalama/kompeten/storage/docs"
)

// People of the notification tests, besides the harness's.
const (
	mailLearnerNIP = "199001012015011005" // has an address, atasan below
	mailQuietNIP   = "199102022016012006" // has an address, reminders off
	mailAtasanNIP  = "198002022005011007" // the atasan, has an address
)

// mailEnv is an App sending to a fresh mailpit, its clock fixed at a
// moment the test moves, with the people above. The harness's learner
// (learnerNIP) has no address.
type mailEnv struct {
	*testEnv
	mp  *mailpit.Server
	mu  sync.Mutex
	now time.Time
}

func newMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	mp := mailpit.Start(t)
	e := newEnv(t, map[string]string{"KOMPETEN_SMTP": "smtp://" + mp.SMTPAddr, "KOMPETEN_MAIL_FROM": "Kompeten <noreply@kotalama.go.id>",
		"KOMPETEN_BASE_URL": "https://kompeten.kotalama.go.id"})
	me := &mailEnv{testEnv: e, mp: mp, now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	me.useClock(e.app)
	ctx := context.Background()
	for _, u := range []content.NewUser{
		{NIP: mailAtasanNIP, Name: "Kepala Seksi Gizi", Email: "kasi@kotalama.go.id", Unit: "Dinas Kesehatan", Password: testPass},
		{NIP: mailLearnerNIP, Name: "Rina Wulandari", Email: "rina@kotalama.go.id", Unit: "Dinas Kesehatan", Password: testPass},
		{NIP: mailQuietNIP, Name: "Dedi Kurniawan", Email: "dedi@kotalama.go.id", Unit: "Dinas Kesehatan", Password: testPass},
	} {
		if _, err := e.app.Service().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, nip := range []string{mailLearnerNIP, mailQuietNIP, learnerNIP} {
		if _, err := docs.Update(ctx, e.stores.Docs.C("users"), nip, func(u *content.User) error {
			u.SupervisorNIP = mailAtasanNIP
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.app.Service().SetReminderEmail(ctx, mailQuietNIP, false); err != nil {
		t.Fatal(err)
	}
	return me
}

func (m *mailEnv) useClock(a *App) {
	a.Service().SetClock(func() time.Time {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.now
	})
}

func (m *mailEnv) at(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
}

// second is another instance over the same stores.
func (m *mailEnv) second(t *testing.T) *App {
	t.Helper()
	b, err := New(context.Background(), m.cfg, m.stores, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m.useClock(b)
	return b
}

// assign writes an Assignee record directly, as the assignment feature
// would.
func (m *mailEnv) assign(t *testing.T, assignment, nip string, due, assigned time.Time) {
	t.Helper()
	a := content.Assignee{Assignment: assignment, User: nip, Unit: "Dinas Kesehatan", Course: "gizi-seimbang", Title: "Gizi Seimbang",
		Due: due, Assigned: assigned, Open: true}
	if err := m.stores.Docs.C("assignees").Insert(context.Background(), assignment+"~"+nip, &a); err != nil {
		t.Fatal(err)
	}
}

// run does what the background loops would: a reminder pass and a mail
// round, on each app given.
func run(ctx context.Context, apps ...*App) {
	var wg sync.WaitGroup
	for _, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.remind(ctx)
			a.sendMail(ctx)
		}()
	}
	wg.Wait()
}

// TestReminderMailOnce: against a real SMTP server, every occasion's
// email goes out once, to the right person, in Bahasa Indonesia with an
// absolute link, however often the pass runs and on however many
// instances. A learner without an address is told in the app only; one
// who turned reminders off gets no reminder email.
func TestReminderMailOnce(t *testing.T) {
	m := newMailEnv(t)
	ctx := context.Background()
	b := m.second(t)
	start := m.now
	due := start.Add(10 * 24 * time.Hour)
	for _, nip := range []string{mailLearnerNIP, mailQuietNIP, learnerNIP} {
		m.assign(t, "as1", nip, due, start.Add(-time.Hour))
	}
	type step struct {
		at   time.Time
		want int // emails arrived in total after this step
	}
	for i, s := range []step{
		{start, 0},
		{due.Add(-7*24*time.Hour + time.Minute), 1},   // Rina: 7 days
		{due.Add(-7*24*time.Hour + 2*time.Minute), 1}, // again: nothing
		{due.Add(-24*time.Hour + time.Minute), 2},     // Rina: 1 day
		{due.Add(time.Minute), 3},                     // Rina: overdue
		{due.Add(7*24*time.Hour + time.Minute), 6},    // the atasan, for each of three
		{due.Add(8 * 24 * time.Hour), 6},
	} {
		m.at(s.at)
		run(ctx, m.app, b) // two instances at once
		run(ctx, b)        // and again
		if n := len(m.mp.Messages()); n != s.want {
			t.Fatalf("step %d: %d emails, want %d", i, n, s.want)
		}
	}
	msgs := m.mp.Messages()
	count := map[string]int{}
	for _, s := range msgs {
		count[s.To[0].Address+" "+s.Subject]++
	}
	for k, n := range count {
		if n != 1 {
			t.Errorf("%q arrived %d times", k, n)
		}
	}
	wantSubjects := map[string]bool{
		"rina@kotalama.go.id Tenggat «Gizi Seimbang» tinggal 7 hari lagi, pada 12 Maret 2026.":                                true,
		"rina@kotalama.go.id Tenggat «Gizi Seimbang» tinggal 1 hari lagi, pada 12 Maret 2026.":                                true,
		"rina@kotalama.go.id «Gizi Seimbang» sudah lewat tenggat (12 Maret 2026). Mohon segera diselesaikan.":                 true,
		"kasi@kotalama.go.id Rina Wulandari belum menyelesaikan «Gizi Seimbang», sudah 7 hari lewat tenggat (12 Maret 2026).": true,
		"kasi@kotalama.go.id Dedi Kurniawan belum menyelesaikan «Gizi Seimbang», sudah 7 hari lewat tenggat (12 Maret 2026).": true,
		"kasi@kotalama.go.id Siti Rahmawati belum menyelesaikan «Gizi Seimbang», sudah 7 hari lewat tenggat (12 Maret 2026).": true,
	}
	for k := range count {
		if !wantSubjects[k] {
			t.Errorf("unexpected email %q", k)
		}
	}
	full := m.mp.Message(msgs[len(msgs)-1].ID) // the oldest: Rina's 7 days
	if !strings.Contains(full.Text, "Yth. Rina Wulandari,") || !strings.Contains(full.Text, "https://kompeten.kotalama.go.id/courses/gizi-seimbang") ||
		!strings.Contains(full.Text, "https://kompeten.kotalama.go.id/notifications/settings") ||
		!strings.Contains(full.HTML, `href="https://kompeten.kotalama.go.id/courses/gizi-seimbang"`) {
		t.Fatalf("email body:\n%s\n%s", full.Text, full.HTML)
	}
	// In the app, the learner without an address and the one with
	// reminders off still have their three notices.
	for _, nip := range []string{learnerNIP, mailQuietNIP} {
		p, err := m.app.Service().Notifications(ctx, nip, 100, "")
		if err != nil || len(p.Items) != 3 {
			t.Fatalf("%s: %d notices in the app (%v)", nip, len(p.Items), err)
		}
	}
}

// TestMailWaitsForTheServer: with the SMTP server down, email stays
// pending (no error for anyone) and goes out once when it is back.
func TestMailWaitsForTheServer(t *testing.T) {
	m := newMailEnv(t)
	ctx := context.Background()
	svc := m.app.Service()
	m.mp.Stop()
	if _, err := svc.Notify(ctx, content.NewNotification{Key: "test/down", User: mailLearnerNIP, Kind: "assignment",
		Text: content.Msg{Code: "notify.overdue", Args: []any{"Gizi Seimbang", "2026-03-12"}}, URL: "/courses/gizi-seimbang"}); err != nil {
		t.Fatal(err)
	}
	m.app.sendMail(ctx)
	n, err := svc.Notification(ctx, content.NotificationID("test/down"))
	if err != nil || n.Mail != content.MailPending || n.MailAttempts != 1 || n.MailErr == "" {
		t.Fatalf("after a failed send: %+v %v", n, err)
	}
	m.mp.Restart()
	m.app.sendMail(ctx) // its wait has not passed
	if got := len(m.mp.Messages()); got != 0 {
		t.Fatalf("sent before its retry time: %d", got)
	}
	m.at(m.now.Add(2 * time.Minute))
	m.app.sendMail(ctx)
	m.app.sendMail(ctx)
	if got := m.mp.Wait(1, 5*time.Second); len(got) != 1 {
		t.Fatalf("%d emails after the server came back", len(got))
	}
	if n, _ := svc.Notification(ctx, content.NotificationID("test/down")); n.Mail != content.MailSent {
		t.Fatalf("state %q", n.Mail)
	}
}

// TestNoSMTPInAppOnly: without a mail server, reminders are stored in the
// app and nothing is queued or reported as an error.
func TestNoSMTPInAppOnly(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if e.app.mailer != nil {
		t.Fatal("a mailer without KOMPETEN_SMTP")
	}
	svc := e.app.Service()
	if _, err := svc.Notify(ctx, content.NewNotification{Key: "k", User: learnerNIP, Kind: content.KindDue7}); err != nil {
		t.Fatal(err)
	}
	if n, _ := svc.Notification(ctx, content.NotificationID("k")); n.Mail != "" {
		t.Fatalf("queued without SMTP: %q", n.Mail)
	}
	e.app.sendMail(ctx) // does nothing, and does not panic
}

func notifyN(t *testing.T, svc *content.Service, nip string, n int) {
	t.Helper()
	for i := range n {
		if _, err := svc.Notify(context.Background(), content.NewNotification{Key: fmt.Sprintf("t/%s/%d", nip, i), User: nip, Kind: content.KindOverdue,
			Text: content.Msg{Code: "notify.overdue", Args: []any{"Gizi Seimbang", "2026-03-12"}}, URL: "/courses/gizi-seimbang"}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNotificationsAPI: the list in the caller's language, paging,
// marking read (one's own only), and bad input as 4xx naming the field.
func TestNotificationsAPI(t *testing.T) {
	e := newEnv(t, nil)
	svc := e.app.Service()
	notifyN(t, svc, learnerNIP, 25)
	notifyN(t, svc, learner2NIP, 1)
	tok, other := e.token(learnerNIP), e.token(learner2NIP)

	r := mustStatus(t, e.api("GET", "/api/v1/notifications", tok, nil), 200, "list")
	items := r["items"].([]any)
	if len(items) != 20 || r["unread"].(float64) != 25 || r["next"] == "" {
		t.Fatalf("first page: %d items, %v unread, next %v", len(items), r["unread"], r["next"])
	}
	first := items[0].(map[string]any)
	for _, k := range []string{"id", "kind", "text", "url", "created_at", "read"} {
		if _, ok := first[k]; !ok {
			t.Fatalf("item lacks %s: %v", k, first)
		}
	}
	if first["text"] != "«Gizi Seimbang» sudah lewat tenggat (12 Maret 2026). Mohon segera diselesaikan." {
		t.Fatalf("Indonesian text %q", first["text"])
	}
	en := mustStatus(t, e.apiIn("en", "GET", "/api/v1/notifications?limit=1", tok, nil), 200, "list en")
	if txt := en["items"].([]any)[0].(map[string]any)["text"]; txt != "«Gizi Seimbang» is past its due date (12 March 2026). Please finish it soon." {
		t.Fatalf("English text %q", txt)
	}
	p2 := mustStatus(t, e.api("GET", "/api/v1/notifications?after="+url.QueryEscape(r["next"].(string)), tok, nil), 200, "page 2")
	if n := len(p2["items"].([]any)); n != 5 {
		t.Fatalf("page 2: %d items", n)
	}

	// Someone else's id is passed over.
	theirs := mustStatus(t, e.api("GET", "/api/v1/notifications", other, nil), 200, "other's list")["items"].([]any)[0].(map[string]any)["id"]
	mr := mustStatus(t, e.api("POST", "/api/v1/notifications/read", tok, map[string]any{"ids": []any{first["id"], theirs}}), 200, "mark")
	if mr["marked"].(float64) != 1 || mr["unread"].(float64) != 24 {
		t.Fatalf("mark one: %v", mr)
	}
	if u := mustStatus(t, e.api("GET", "/api/v1/notifications", other, nil), 200, "other")["unread"]; u.(float64) != 1 {
		t.Fatalf("the other user's notice was marked: unread %v", u)
	}
	mr = mustStatus(t, e.api("POST", "/api/v1/notifications/read", tok, map[string]any{"all": true}), 200, "mark all")
	if mr["marked"].(float64) != 24 || mr["unread"].(float64) != 0 {
		t.Fatalf("mark all: %v", mr)
	}

	for _, c := range []struct {
		method, path string
		body         any
		status       int
		field        string
	}{
		{"GET", "/api/v1/notifications?limit=abc", nil, 400, "limit"},
		{"GET", "/api/v1/notifications?limit=1000", nil, 400, "limit"},
		{"GET", "/api/v1/notifications?after=bogus", nil, 422, "after"},
		{"GET", "/api/v1/notifications?after=" + strings.Repeat("x", 600), nil, 400, "after"},
		{"POST", "/api/v1/notifications/read", map[string]any{}, 422, "ids"},
		{"POST", "/api/v1/notifications/read", map[string]any{"ids": make([]string, 101)}, 422, "ids"},
		{"POST", "/api/v1/notifications/read", map[string]any{"idz": []string{"x"}}, 400, ""},
		{"PUT", "/api/v1/me/notification-settings", map[string]any{}, 422, "email_reminders"},
		{"PUT", "/api/v1/me/notification-settings", map[string]any{"email_reminders": "ya"}, 400, ""},
	} {
		r := e.api(c.method, c.path, tok, c.body)
		if r.StatusCode != c.status {
			t.Errorf("%s %s %v: %d, want %d\n%s", c.method, c.path, c.body, r.StatusCode, c.status, r.body)
			continue
		}
		if c.field != "" {
			if f, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any); f[c.field] == nil {
				t.Errorf("%s %s: error does not name %s: %s", c.method, c.path, c.field, r.body)
			}
		}
	}
	if r := e.api("GET", "/api/v1/notifications", "", nil); r.StatusCode != 401 {
		t.Fatalf("anonymous: %d", r.StatusCode)
	}

	s := mustStatus(t, e.api("GET", "/api/v1/me/notification-settings", tok, nil), 200, "settings")
	if s["email_reminders"] != true || s["mail_configured"] != false {
		t.Fatalf("settings %v", s)
	}
	s = mustStatus(t, e.api("PUT", "/api/v1/me/notification-settings", tok, map[string]any{"email_reminders": false}), 200, "settings off")
	if s["email_reminders"] != false {
		t.Fatalf("settings %v", s)
	}
	if u, _ := svc.User(context.Background(), learnerNIP); !u.ReminderEmailOff {
		t.Fatal("setting not stored")
	}
}

var bellCount = regexp.MustCompile(`data-testid="bell-count">([^<]+)<`)

// TestNotificationPages: the bell's count on every page, the list with
// links, marking one and all read, and the settings form, without any
// script.
func TestNotificationPages(t *testing.T) {
	e := newEnv(t, nil)
	svc := e.app.Service()
	notifyN(t, svc, learnerNIP, 3)
	b := e.browser()
	b.login(learnerNIP)
	home := b.get("/")
	if m := bellCount.FindSubmatch(home.body); m == nil || string(m[1]) != "3" {
		t.Fatalf("bell on the home page: %v", m)
	}
	page := b.get("/notifications")
	if page.StatusCode != 200 || strings.Count(string(page.body), `data-testid="notification"`) != 3 ||
		!strings.Contains(string(page.body), `<a href="/courses/gizi-seimbang">«Gizi Seimbang» sudah lewat tenggat (12 Maret 2026)`) {
		t.Fatalf("notifications page %d:\n%s", page.StatusCode, page.body)
	}
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(page.body)
	tok := string(csrfInput.FindSubmatch(page.body)[1])
	r := b.post("/notifications/read", url.Values{"_csrf": {tok}, "id": {string(id[1])}})
	if r.StatusCode != 303 {
		t.Fatalf("mark one: %d", r.StatusCode)
	}
	if m := bellCount.FindSubmatch(b.get("/notifications").body); m == nil || string(m[1]) != "2" {
		t.Fatalf("bell after one read: %v", m)
	}
	if r := b.post("/notifications/read", url.Values{"all": {"1"}}); r.StatusCode != 403 {
		t.Fatalf("without CSRF: %d", r.StatusCode)
	}
	b.post("/notifications/read", url.Values{"_csrf": {tok}, "all": {"1"}})
	after := b.get("/notifications")
	if bellCount.Match(after.body) || strings.Contains(string(after.body), `data-testid="mark-all"`) {
		t.Fatal("a count or mark-all after all read")
	}

	// Settings: on by default, off when submitted unticked, on again.
	set := b.get("/notifications/settings")
	if !regexp.MustCompile(`data-testid="email-reminders"\s+checked`).Match(set.body) {
		t.Fatalf("reminders not on by default:\n%s", set.body)
	}
	if r := b.post("/notifications/settings", url.Values{"_csrf": {tok}}); r.StatusCode != 303 {
		t.Fatalf("settings submit: %d", r.StatusCode)
	}
	if u, _ := svc.User(context.Background(), learnerNIP); !u.ReminderEmailOff {
		t.Fatal("unticked box did not turn reminders off")
	}
	set = b.get("/notifications/settings?ok=saved")
	if regexp.MustCompile(`data-testid="email-reminders"\s+checked`).Match(set.body) || !strings.Contains(string(set.body), "Pengaturan tersimpan.") {
		t.Fatal("settings page after turning off")
	}
	b.post("/notifications/settings", url.Values{"_csrf": {tok}, "email_reminders": {"1"}})
	if u, _ := svc.User(context.Background(), learnerNIP); u.ReminderEmailOff {
		t.Fatal("ticked box did not turn reminders on")
	}
	// Anonymous visitors are sent to log in.
	if r := e.browser().get("/notifications"); r.StatusCode != 303 && r.StatusCode != 302 {
		t.Fatalf("anonymous: %d", r.StatusCode)
	}
}

// TestNotificationNumbersAfterTheStore: a number in a notification's text
// comes back from the store as another integer type (BSON int32) and is
// still written as a number, not a formatting error.
func TestNotificationNumbersAfterTheStore(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.app.Service().Notify(context.Background(), content.NewNotification{Key: "t/number", User: learnerNIP, Kind: "activation",
		Text: content.Msg{Code: "notify.activation", Args: []any{"Siti Rahmawati", 72}}}); err != nil {
		t.Fatal(err)
	}
	r := mustStatus(t, e.api("GET", "/api/v1/notifications", e.token(learnerNIP), nil), 200, "list")
	txt := r["items"].([]any)[0].(map[string]any)["text"].(string)
	if !strings.Contains(txt, " 72 jam") || strings.Contains(txt, "%!") {
		t.Fatalf("text %q", txt)
	}
}
