package app

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// newEventAPI creates an event through the API, a week ahead, with
// registration closing a day before it starts.
func newEventAPI(t *testing.T, e *testEnv, tok string, capacity int, edit func(map[string]any)) string {
	t.Helper()
	start := e.app.Service().Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	in := map[string]any{"title": "Workshop Pelayanan <b>Prima</b>", "kind": "workshop", "mode": "offline", "place": "Aula",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(4 * time.Hour).Format(time.RFC3339),
		"registration_closes_at": start.Add(-24 * time.Hour).Format(time.RFC3339), "capacity": capacity, "jp": 4}
	if edit != nil {
		edit(in)
	}
	return mustStatus(t, e.api("POST", "/api/v1/events", tok, in), 201, "create event")["id"].(string)
}

func errCode(t *testing.T, r resp) string {
	t.Helper()
	m, _ := r.json(t)["error"].(map[string]any)
	code, _ := m["code"].(string)
	return code
}

func TestEventRegistrationAPI(t *testing.T) {
	e := newEnv(t, nil)
	tr, l1, l2 := e.token(trainerNIP), e.token(learnerNIP), e.token(learner2NIP)
	id := newEventAPI(t, e, tr, 1, nil)
	reg := "/api/v1/events/" + id + "/register"

	p := mustStatus(t, e.api("POST", reg, l1, nil), 201, "register")
	if p["status"] != "registered" || p["position"] != float64(0) {
		t.Fatalf("first: %v", p)
	}
	// Twice: 409 naming the refusal, and the place stays as it was.
	if r := e.api("POST", reg, l1, nil); r.StatusCode != 409 || errCode(t, r) != "event.already_registered" {
		t.Fatalf("register twice: %d %s", r.StatusCode, r.body)
	}
	if p := mustStatus(t, e.api("POST", reg, l2, nil), 201, "second"); p["status"] != "waitlisted" || p["position"] != float64(1) {
		t.Fatalf("second: %v", p)
	}

	list := "/api/v1/events/" + id + "/registrations"
	if r := e.api("GET", list, l1, nil); r.StatusCode != 403 {
		t.Fatalf("a learner read the registrations: %d", r.StatusCode)
	}
	rows := mustStatus(t, e.api("GET", list, tr, nil), 200, "registrations")["items"].([]any)
	if len(rows) != 2 || rows[0].(map[string]any)["name"] != "Siti Rahmawati" || rows[1].(map[string]any)["status"] != "waitlisted" {
		t.Fatalf("rows: %v", rows)
	}

	// The organiser cannot take the capacity below the seat taken.
	ev, err := e.app.Service().Event(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	patch := map[string]any{"title": ev.Title, "kind": ev.Kind, "mode": ev.Mode, "place": ev.Place, "starts_at": ev.Starts.Format(time.RFC3339),
		"ends_at": ev.Ends.Format(time.RFC3339), "registration_closes_at": ev.RegistrationCloses.Format(time.RFC3339), "capacity": 0, "jp": 4}
	if r := e.api("PATCH", "/api/v1/events/"+id, tr, patch); r.StatusCode != 422 {
		t.Fatalf("capacity 0: %d %s", r.StatusCode, r.body)
	}

	// Cancelling frees the seat for the first waiting, who is told.
	if p := mustStatus(t, e.api("DELETE", reg, l1, nil), 200, "cancel"); p["status"] != "cancelled" {
		t.Fatalf("cancel: %v", p)
	}
	if r := e.api("DELETE", reg, l1, nil); r.StatusCode != 409 || errCode(t, r) != "event.not_registered" {
		t.Fatalf("cancel twice: %d %s", r.StatusCode, r.body)
	}
	if r, _ := e.app.Service().RegistrationOf(context.Background(), id, learner2NIP); r.Status != content.RegRegistered {
		t.Fatalf("not promoted: %+v", r)
	}
	n := mustStatus(t, e.api("GET", "/api/v1/notifications", l2, nil), 200, "notifications")
	items := n["items"].([]any)
	if len(items) != 1 || !strings.Contains(items[0].(map[string]any)["text"].(string), "Prima") {
		t.Fatalf("promotion not told: %v", items)
	}

	// Not for one's unit or position: 403, nothing written.
	only := newEventAPI(t, e, tr, 5, func(in map[string]any) { in["positions"] = []string{"Kepala Seksi"} })
	if r := e.api("POST", "/api/v1/events/"+only+"/register", l1, nil); r.StatusCode != 403 || errCode(t, r) != "event.not_for_you" {
		t.Fatalf("not for you: %d %s", r.StatusCode, r.body)
	}
	if _, err := e.app.Service().RegistrationOf(context.Background(), only, learnerNIP); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("refused registration written: %v", err)
	}

	// After the deadline: 409, nothing written.
	e.advance(6*24*time.Hour + time.Hour)
	if r := e.api("POST", reg, l1, nil); r.StatusCode != 409 || errCode(t, r) != "event.registration_closed" {
		t.Fatalf("after the deadline: %d %s", r.StatusCode, r.body)
	}
	if r, _ := e.app.Service().RegistrationOf(context.Background(), id, learnerNIP); r.Status != content.RegCancelled {
		t.Fatalf("late registration written: %+v", r)
	}
	if r := e.api("POST", "/api/v1/events/nope/register", l1, nil); r.StatusCode != 404 {
		t.Fatalf("unknown event: %d", r.StatusCode)
	}
}

// TestEventRegistrationForms: the event page's forms redirect back to the
// event with a message, and change the registration.
func TestEventRegistrationForms(t *testing.T) {
	e := newEnv(t, nil)
	tr := e.token(trainerNIP)
	id := newEventAPI(t, e, tr, 1, nil)
	svc := e.app.Service()
	for i, tc := range []struct {
		nip, path, flash, status string
	}{
		{learnerNIP, "register", "event_registered", content.RegRegistered},
		{learnerNIP, "register", "event_already", content.RegRegistered},
		{learner2NIP, "register", "event_waitlisted", content.RegWaitlisted},
		{learnerNIP, "cancel", "event_cancelled_reg", content.RegCancelled},
		{learnerNIP, "cancel", "event_not_registered", content.RegCancelled},
	} {
		b := e.browser()
		b.login(tc.nip)
		r := b.post("/events/"+id+"/"+tc.path, url.Values{"_csrf": {b.csrf("/")}})
		if r.StatusCode != 303 || r.Header.Get("Location") != "/events/"+id+"?msg="+tc.flash {
			t.Fatalf("%d: %d to %q", i, r.StatusCode, r.Header.Get("Location"))
		}
		if i == 2 {
			// The message shows where the redirect lands.
			mustContain(t, "event page after joining the waitlist", b.get(r.Header.Get("Location")).body,
				`class="flash" role="status">Kegiatan ini penuh; Anda masuk daftar tunggu`)
		}
		if reg, err := svc.RegistrationOf(context.Background(), id, tc.nip); err != nil || reg.Status != tc.status {
			t.Fatalf("%d: %+v %v", i, reg, err)
		}
	}
	if reg, _ := svc.RegistrationOf(context.Background(), id, learner2NIP); reg.Status != content.RegRegistered {
		t.Fatalf("waiting one not promoted by the form's cancel: %+v", reg)
	}
	// The organisers' list: a table for the trainer, 403 for a learner.
	// The first one registers again and waits, first in line.
	again := e.browser()
	again.login(learnerNIP)
	again.post("/events/"+id+"/register", url.Values{"_csrf": {again.csrf("/")}})
	b := e.browser()
	b.login(trainerNIP)
	r := b.get("/events/" + id + "/registrations")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), "Budi Santoso") || !strings.Contains(string(r.body), `data-status="registered"`) ||
		!strings.Contains(string(r.body), "Daftar tunggu ke-1") || strings.Contains(string(r.body), "<b>Prima") {
		t.Fatalf("registrations page: %d\n%s", r.StatusCode, r.body)
	}
	l := e.browser()
	l.login(learnerNIP)
	if r := l.get("/events/" + id + "/registrations"); r.StatusCode != 403 {
		t.Fatalf("a learner saw the registrations page: %d", r.StatusCode)
	}
}

// TestAssignEventAPIAndForm: an admin assigns an event through the API
// and the form; the people are registered, the registration naming it.
func TestAssignEventAPIAndForm(t *testing.T) {
	e := newEnv(t, nil)
	tr, adm := e.token(trainerNIP), e.token(adminNIP)
	id := newEventAPI(t, e, tr, 1, nil)
	out := mustStatus(t, e.api("POST", "/api/v1/assignments", adm, map[string]any{"event_id": id, "nips": []string{learnerNIP, learner2NIP}}), 201, "assign event")
	if out["assigned"] != float64(2) {
		t.Fatalf("assigned: %v", out)
	}
	svc := e.app.Service()
	r1, _ := svc.RegistrationOf(context.Background(), id, learnerNIP)
	r2, _ := svc.RegistrationOf(context.Background(), id, learner2NIP)
	if r1.Via != out["id"] || r2.Via != out["id"] || (r1.Status == r2.Status) {
		t.Fatalf("registrations: %+v %+v", r1, r2)
	}
	b := e.browser()
	b.login(adminNIP)
	page := b.get("/admin/assignments")
	if !strings.Contains(string(page.body), `name="event_id"`) || !strings.Contains(string(page.body), `value="`+id+`"`) {
		t.Fatalf("no event chooser on the assignment form:\n%s", page.body)
	}
	other := newEventAPI(t, e, tr, 5, nil)
	r := b.post("/admin/assignments", url.Values{"_csrf": {b.csrf("/admin/assignments")}, "event_id": {other}, "nips": {learnerNIP}})
	if r.StatusCode != 303 {
		t.Fatalf("form: %d\n%s", r.StatusCode, r.body)
	}
	if reg, err := svc.RegistrationOf(context.Background(), other, learnerNIP); err != nil || reg.Status != content.RegRegistered {
		t.Fatalf("form's assignment: %+v %v", reg, err)
	}
}
