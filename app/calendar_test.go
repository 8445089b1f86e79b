package app

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// putRegistration writes a registration document directly, as
// registering would (registration is another part's; swap this for its
// call when both are in).
func (e *testEnv) putRegistration(t *testing.T, eventID, nip, status string, seq int64) {
	t.Helper()
	ctx := context.Background()
	ev, err := e.app.Service().Event(ctx, eventID)
	if err != nil {
		t.Fatal(err)
	}
	r := content.Registration{ID: eventID + "~" + nip, Event: eventID, User: nip, Status: status, Seq: seq, Starts: ev.Starts, At: e.app.Service().Now()}
	if err := e.stores.Docs.C("registrations").Insert(ctx, r.ID, &r); err != nil {
		t.Fatal(err)
	}
}

// newEventAPI creates an event through the API as the trainer.
func (e *testEnv) newEventAPI(t *testing.T, token string, body map[string]any) content.Event {
	t.Helper()
	in := map[string]any{"title": "Lokakarya SPBE", "kind": "workshop", "mode": "blended", "place": "Aula Balai Kota",
		"online_url": "https://meet.example/spbe", "capacity": 30, "jp": 3, "description": "Bawa **laptop**.\n\n- satu\n- dua",
		"starts_at": e.app.Service().Now().Add(48 * time.Hour).Format(time.RFC3339),
		"ends_at":   e.app.Service().Now().Add(51 * time.Hour).Format(time.RFC3339)}
	for k, v := range body {
		in[k] = v
	}
	r := e.api("POST", "/api/v1/events", token, in)
	if r.StatusCode != 201 {
		t.Fatalf("create event: %d %s", r.StatusCode, r.body)
	}
	m := r.json(t)
	ev, err := e.app.Service().Event(context.Background(), m["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// parseICS checks a calendar response and reads it with a real parser.
func parseICS(t *testing.T, r resp) *ics.Calendar {
	t.Helper()
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, r.body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="`) || !strings.Contains(cd, `.ics"`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(r.body), "\r\n"), "\r\n") {
		if len(l) > 75 || strings.ContainsAny(l, "\r\n") || !utf8.ValidString(l) {
			t.Fatalf("line %d: %q", i+1, l)
		}
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, r.body)
	}
	return cal
}

func icsProp(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// TestEventICS: GET /api/v1/events/{id}.ics is a valid calendar file for
// anyone signed in, with the meeting link only for registered people and
// organisers; GET /api/v1/events/{id} still answers JSON beside it; a
// cancelled or edited event carries its status and a higher SEQUENCE.
func TestEventICS(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_BASE_URL": "https://kompeten.kotalama.go.id"})
	trainer, learner, learner2 := e.token(trainerNIP), e.token(learnerNIP), e.token(learner2NIP)
	title := `Rapat: SOP, SPBE; "evaluasi" 🎉 <script>alert(1)</script>`
	ev := e.newEventAPI(t, trainer, map[string]any{"title": title})
	path := "/api/v1/events/" + ev.ID + ".ics"

	if r := e.api("GET", path, "", nil); r.StatusCode != 401 {
		t.Fatalf("without signing in: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/events/"+ev.ID, learner, nil); r.StatusCode != 200 || r.json(t)["id"] != ev.ID {
		t.Fatalf("the JSON route beside it: %d %s", r.StatusCode, r.body)
	}
	for _, p := range []string{"/api/v1/events/nope.ics", "/api/v1/events/" + strings.Repeat("x", 100) + ".ics"} {
		if r := e.api("GET", p, learner, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}

	cal := parseICS(t, e.api("GET", path, learner, nil))
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	v := evs[0]
	if v.Id() != ev.ID+"@kompeten.kotalama.go.id" || icsProp(v, ics.ComponentPropertySummary) != title {
		t.Fatalf("UID %q summary %q", v.Id(), icsProp(v, ics.ComponentPropertySummary))
	}
	if s, err := v.GetStartAt(); err != nil || !s.Equal(ev.Starts) {
		t.Fatalf("start %v %v, want %v", s, err, ev.Starts)
	}
	if icsProp(v, ics.ComponentPropertyUrl) != "https://kompeten.kotalama.go.id/events/"+ev.ID || icsProp(v, ics.ComponentPropertyStatus) != "CONFIRMED" {
		t.Fatalf("url/status: %s", e.api("GET", path, learner, nil).body)
	}
	desc := icsProp(v, ics.ComponentPropertyDescription)
	if !strings.Contains(desc, "Bawa laptop.") || strings.Contains(desc, "**") {
		t.Fatalf("description is not the Markdown's plain text: %q", desc)
	}
	if loc := icsProp(v, ics.ComponentPropertyLocation); loc != "Aula Balai Kota" || strings.Contains(desc, "meet.example") {
		t.Fatalf("the link shown to someone not registered: %q / %q", loc, desc)
	}
	seq := icsProp(v, ics.ComponentPropertySequence)

	// Registered, and the organiser: the link.
	e.putRegistration(t, ev.ID, learnerNIP, content.RegRegistered, 1)
	e.putRegistration(t, ev.ID, learner2NIP, content.RegWaitlisted, 2)
	for who, tok := range map[string]string{"registered": learner, "organiser": trainer} {
		v := parseICS(t, e.api("GET", path, tok, nil)).Events()[0]
		if loc := icsProp(v, ics.ComponentPropertyLocation); loc != "Aula Balai Kota / https://meet.example/spbe" {
			t.Errorf("%s: location %q", who, loc)
		}
	}
	if v := parseICS(t, e.api("GET", path, learner2, nil)).Events()[0]; strings.Contains(icsProp(v, ics.ComponentPropertyLocation), "meet.example") {
		t.Errorf("waitlisted: the link")
	}

	// The event page's link, under the cookie session.
	b := e.browser()
	b.post("/login", url.Values{"nip": {learnerNIP}, "password": {testPass}, "_csrf": {b.csrf("/login")}})
	if cal := parseICS(t, b.get("/events/"+ev.ID+"/ics")); len(cal.Events()) != 1 {
		t.Fatal("page link: no event")
	}

	// Cancelled: its status, and a SEQUENCE above the first copy's.
	e.advance(3 * time.Second)
	if _, err := docs.Update(context.Background(), e.stores.Docs.C("events"), ev.ID, func(x *content.Event) error {
		x.Status, x.Updated = content.EventCancelled, e.app.Service().Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	v = parseICS(t, e.api("GET", path, learner, nil)).Events()[0]
	if icsProp(v, ics.ComponentPropertyStatus) != "CANCELLED" || icsProp(v, ics.ComponentPropertySequence) <= seq {
		t.Fatalf("cancelled: status %q sequence %q (was %q)", icsProp(v, ics.ComponentPropertyStatus), icsProp(v, ics.ComponentPropertySequence), seq)
	}
}

// feedPath is the path of a feed URL.
func feedPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// TestCalendarFeed: the feed answers without signing in, with the owner's
// registered and waitlisted events (the link for registered ones only) and
// nobody else's; the page shows the address and its webcal form; a reset
// ends the old address; malformed and unknown tokens are 404.
func TestCalendarFeed(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_BASE_URL": "https://kompeten.kotalama.go.id"})
	trainer, learner := e.token(trainerNIP), e.token(learnerNIP)
	seat := e.newEventAPI(t, trainer, map[string]any{"title": "Dengan kursi"})
	wait := e.newEventAPI(t, trainer, map[string]any{"title": "Daftar tunggu", "mode": "online", "place": ""})
	theirs := e.newEventAPI(t, trainer, map[string]any{"title": "Milik orang lain"})
	dropped := e.newEventAPI(t, trainer, map[string]any{"title": "Sudah batal"})
	e.putRegistration(t, seat.ID, learnerNIP, content.RegRegistered, 1)
	e.putRegistration(t, wait.ID, learnerNIP, content.RegWaitlisted, 2)
	e.putRegistration(t, theirs.ID, learner2NIP, content.RegRegistered, 1)
	e.putRegistration(t, dropped.ID, learnerNIP, content.RegCancelled, 3)

	r := e.api("GET", "/api/v1/me/calendar", learner, nil)
	if r.StatusCode != 200 {
		t.Fatalf("feed address: %d %s", r.StatusCode, r.body)
	}
	m := r.json(t)
	feed, webcal := m["url"].(string), m["webcal_url"].(string)
	if !strings.HasPrefix(feed, "https://kompeten.kotalama.go.id/calendar/") || webcal != "webcal://"+strings.TrimPrefix(feed, "https://") {
		t.Fatalf("urls %q %q", feed, webcal)
	}
	path := feedPath(t, feed)

	cal := parseICS(t, e.do(httptest.NewRequest("GET", path, nil))) // no credentials at all
	if name := cal.CalendarProperties; len(name) == 0 {
		t.Fatal("no calendar properties")
	}
	got := map[string]*ics.VEvent{}
	for _, v := range cal.Events() {
		got[icsProp(v, ics.ComponentPropertySummary)] = v
	}
	if len(got) != 2 || got["Dengan kursi"] == nil || got["[Daftar tunggu] Daftar tunggu"] == nil {
		t.Fatalf("feed events %v", keys(got))
	}
	if loc := icsProp(got["Dengan kursi"], ics.ComponentPropertyLocation); !strings.Contains(loc, "meet.example") {
		t.Errorf("registered: no link in %q", loc)
	}
	w := got["[Daftar tunggu] Daftar tunggu"]
	if strings.Contains(icsProp(w, ics.ComponentPropertyLocation)+icsProp(w, ics.ComponentPropertyDescription), "meet.example") {
		t.Errorf("waitlisted: the link in the feed")
	}
	// The other learner's feed has their event only.
	other := parseICS(t, e.do(httptest.NewRequest("GET", feedPath(t, e.api("GET", "/api/v1/me/calendar", e.token(learner2NIP), nil).json(t)["url"].(string)), nil)))
	if evs := other.Events(); len(evs) != 1 || icsProp(evs[0], ics.ComponentPropertySummary) != "Milik orang lain" {
		t.Fatalf("other feed: %d events", len(evs))
	}

	token := strings.TrimSuffix(strings.TrimPrefix(path, "/calendar/"), ".ics")
	for name, p := range map[string]string{
		"short":   "/calendar/" + token[:20] + ".ics",
		"long":    "/calendar/" + token + token + ".ics",
		"unknown": "/calendar/" + strings.Repeat("a", 32) + ".ics",
		"no .ics": "/calendar/" + token,
		"huge":    "/calendar/" + strings.Repeat("z", 4000) + ".ics",
	} {
		if r := e.do(httptest.NewRequest("GET", p, nil)); r.StatusCode != 404 {
			t.Errorf("%s: %d", name, r.StatusCode)
		}
	}

	// The page shows the same address, and its reset ends it.
	b := e.browser()
	b.post("/login", url.Values{"nip": {learnerNIP}, "password": {testPass}, "_csrf": {b.csrf("/login")}})
	page := b.get("/my/calendar")
	if page.StatusCode != 200 || !bytes.Contains(page.body, []byte(`value="`+feed+`"`)) || !bytes.Contains(page.body, []byte(`href="`+webcal+`"`)) ||
		!bytes.Contains(page.body, []byte("Google Calendar")) || !bytes.Contains(page.body, []byte("Thunderbird")) {
		t.Fatalf("page: %d\n%s", page.StatusCode, page.body)
	}
	if r := b.post("/my/calendar/reset", url.Values{}); r.StatusCode != 403 {
		t.Fatalf("reset without CSRF: %d", r.StatusCode)
	}
	if r := e.do(httptest.NewRequest("GET", path, nil)); r.StatusCode != 200 {
		t.Fatalf("refused reset still ended the feed: %d", r.StatusCode)
	}
	r = b.post("/my/calendar/reset", url.Values{"_csrf": {b.csrf("/my/calendar")}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/my/calendar?ok=reset" {
		t.Fatalf("reset: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := e.do(httptest.NewRequest("GET", path, nil)); r.StatusCode != 404 {
		t.Fatalf("the old address after a reset: %d", r.StatusCode)
	}
	fresh := e.api("GET", "/api/v1/me/calendar", learner, nil).json(t)["url"].(string)
	if fresh == feed || len(parseICS(t, e.do(httptest.NewRequest("GET", feedPath(t, fresh), nil))).Events()) != 2 {
		t.Fatalf("the new address %q", fresh)
	}
	if p := b.get("/my/calendar?ok=reset"); !bytes.Contains(p.body, []byte(fresh)) || !bytes.Contains(p.body, []byte(`data-testid="calendar-reset-done"`)) {
		t.Fatalf("page after reset:\n%s", p.body)
	}
	// The API's reset, too.
	r = e.api("POST", "/api/v1/me/calendar/reset", learner, nil)
	if r.StatusCode != 200 || r.json(t)["url"] == fresh {
		t.Fatalf("API reset: %d %s", r.StatusCode, r.body)
	}
	if r := e.do(httptest.NewRequest("GET", feedPath(t, fresh), nil)); r.StatusCode != 404 {
		t.Fatalf("after the API reset: %d", r.StatusCode)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestEventReminderMail: against a real SMTP server, the day-before and
// hour-before reminders reach each registered person once, in the app and
// by email with the place and link, with two instances running the pass
// again and again; the waitlisted get nothing; reminder email off keeps
// them in the app.
func TestEventReminderMail(t *testing.T) {
	m := newMailEnv(t)
	ctx := context.Background()
	b := m.second(t)
	trainer := m.token(trainerNIP)
	starts := m.now.Add(3 * 24 * time.Hour)
	ev := m.newEventAPI(t, trainer, map[string]any{"starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339)})
	m.putRegistration(t, ev.ID, mailLearnerNIP, content.RegRegistered, 1)
	m.putRegistration(t, ev.ID, mailQuietNIP, content.RegRegistered, 2)
	m.putRegistration(t, ev.ID, learnerNIP, content.RegRegistered, 3) // no address
	m.putRegistration(t, ev.ID, mailAtasanNIP, content.RegWaitlisted, 4)
	pass := func(apps ...*App) {
		for _, a := range apps {
			go a.remindEvents(ctx)
		}
		for _, a := range apps {
			a.remindEvents(ctx)
			a.sendMail(ctx)
		}
	}
	for i, s := range []struct {
		at   time.Time
		want int
	}{
		{m.now, 0},
		{starts.Add(-23 * time.Hour), 1},
		{starts.Add(-22 * time.Hour), 1},
		{starts.Add(-50 * time.Minute), 2},
		{starts.Add(-40 * time.Minute), 2},
		{starts.Add(time.Minute), 2},
	} {
		m.at(s.at)
		pass(m.app, b)
		pass(b, m.app)
		if got := m.mp.Wait(s.want, 3*time.Second); len(got) != s.want {
			t.Fatalf("step %d: %d emails, want %d", i, len(got), s.want)
		}
	}
	time.Sleep(200 * time.Millisecond)
	msgs := m.mp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d emails", len(msgs))
	}
	for _, s := range msgs {
		if s.To[0].Address != "rina@kotalama.go.id" {
			t.Errorf("email to %s", s.To[0].Address)
		}
		full := m.mp.Message(s.ID)
		if !strings.Contains(full.Text, "Aula Balai Kota") || !strings.Contains(full.Text, "https://meet.example/spbe") ||
			!strings.Contains(full.Text, "https://kompeten.kotalama.go.id/events/"+ev.ID) {
			t.Errorf("email text:\n%s", full.Text)
		}
	}
	subjects := msgs[0].Subject + "\n" + msgs[1].Subject
	if !strings.Contains(subjects, "Pengingat kegiatan: «Lokakarya SPBE» dimulai 5 Maret 2026 pukul 08:00 WIB") ||
		!strings.Contains(subjects, "Satu jam lagi: «Lokakarya SPBE»") {
		t.Errorf("subjects:\n%s", subjects)
	}
	for _, nip := range []string{mailLearnerNIP, mailQuietNIP, learnerNIP} {
		p, err := m.app.Service().Notifications(ctx, nip, 100, "")
		if err != nil || len(p.Items) != 2 {
			t.Errorf("%s: %d notices (%v)", nip, len(p.Items), err)
		}
	}
	if p, _ := m.app.Service().Notifications(ctx, mailAtasanNIP, 100, ""); len(p.Items) != 0 {
		t.Errorf("waitlisted: %d notices", len(p.Items))
	}
	// In English in the app, with the date in English.
	p, _ := m.app.Service().Notifications(ctx, learnerNIP, 100, "")
	if got := m.app.notifText("en", p.Items[1].Text); got != "Event reminder: «Lokakarya SPBE» starts on 5 March 2026 at 08:00 WIB at Aula Balai Kota, or online: https://meet.example/spbe" {
		t.Errorf("English: %q", got)
	}
}

// TestEventReminderMessages: every variant of the reminder text has its
// message in both languages (the codes are built, so the error-codes test
// cannot see them).
func TestEventReminderMessages(t *testing.T) {
	e := newEnv(t, nil)
	for _, occ := range []string{"day", "hour"} {
		for _, where := range []string{"place", "online", "both"} {
			for _, lang := range []string{"id", "en"} {
				key := "err.notify.event_" + occ + "_" + where
				if got := e.app.cat.T(lang, key); got == key || got == "" {
					t.Errorf("%s: no %s", lang, key)
				}
			}
		}
	}
}
