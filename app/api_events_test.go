package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// eventBody is a valid event as the API takes it, starting in days days
// (WIB, 09:00-15:00).
func eventBody(title string, days int) map[string]any {
	d := time.Now().In(wib).AddDate(0, 0, days).Format(time.DateOnly)
	return map[string]any{"title": title, "kind": "workshop", "mode": "offline", "starts_at": d + "T09:00", "ends_at": d + "T15:00",
		"place": "Aula BKPSDM", "capacity": 30, "jp": 4}
}

// countEvents counts the stored events, to show refused input wrote nothing.
func countEvents(t *testing.T, e *testEnv) int64 {
	t.Helper()
	n, err := e.stores.Docs.C("events").Count(context.Background(), docs.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEventAPICreateGetListPatch(t *testing.T) {
	e := newEnv(t, nil)
	trainer, trainer2, learner, admin := e.token(trainerNIP), e.token(trainer2NIP), e.token(learnerNIP), e.token(adminNIP)

	r := e.api("POST", "/api/v1/events", trainer, eventBody("Lokakarya SOP", 10))
	if r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	ev := r.json(t)
	id := ev["id"].(string)
	if ev["status"] != "open" || ev["capacity"].(float64) != 30 || ev["organisers"].([]any)[0] != trainerNIP {
		t.Fatalf("created: %v", ev)
	}
	// Registration closes at the start when no deadline is given.
	if ev["registration_closes_at"] != ev["starts_at"] {
		t.Errorf("deadline %v, start %v", ev["registration_closes_at"], ev["starts_at"])
	}
	if r := e.api("GET", "/api/v1/events/"+id, learner, nil); r.StatusCode != 200 || r.json(t)["title"] != "Lokakarya SOP" {
		t.Fatalf("get as learner: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("GET", "/api/v1/events/nope", learner, nil); r.StatusCode != 404 {
		t.Errorf("unknown event: %d", r.StatusCode)
	}

	// Bad input: 422 (the project's status for refused fields) naming the
	// field, nothing written.
	before := countEvents(t, e)
	for name, tc := range map[string]struct {
		edit  func(map[string]any)
		field string
	}{
		"ends before it starts": {func(b map[string]any) { b["ends_at"] = strings.Replace(b["starts_at"].(string), "09:00", "08:00", 1) }, "ends_at"},
		"capacity 0":            {func(b map[string]any) { b["capacity"] = 0 }, "capacity"},
		"negative JP":           {func(b map[string]any) { b["jp"] = -2 }, "jp"},
		"bad time":              {func(b map[string]any) { b["starts_at"] = "besok pagi" }, "starts_at"},
	} {
		b := eventBody("Salah", 12)
		tc.edit(b)
		r := e.api("POST", "/api/v1/events", trainer, b)
		if r.StatusCode != 422 {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.body)
			continue
		}
		if f, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any); f[tc.field] == nil {
			t.Errorf("%s: field %s not named: %s", name, tc.field, r.body)
		}
	}
	if after := countEvents(t, e); after != before {
		t.Errorf("refused input wrote events: %d -> %d", before, after)
	}

	// Permissions: a learner creates nothing, edits nothing; another
	// trainer edits nothing; an admin may.
	if r := e.api("POST", "/api/v1/events", learner, eventBody("Oleh peserta", 10)); r.StatusCode != 403 {
		t.Errorf("learner create: %d", r.StatusCode)
	}
	patch := eventBody("Lokakarya SOP (diperbarui)", 10)
	patch["capacity"] = 40
	for who, tok := range map[string]string{"learner": learner, "other trainer": trainer2} {
		if r := e.api("PATCH", "/api/v1/events/"+id, tok, patch); r.StatusCode != 403 {
			t.Errorf("%s patch: %d %s", who, r.StatusCode, r.body)
		}
		if r := e.api("POST", "/api/v1/events/"+id+"/cancel-event", tok, nil); r.StatusCode != 403 {
			t.Errorf("%s cancel: %d", who, r.StatusCode)
		}
	}
	bad := eventBody("x", 10)
	bad["capacity"] = 0
	if r := e.api("PATCH", "/api/v1/events/"+id, trainer, bad); r.StatusCode != 422 {
		t.Errorf("bad patch: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/events/"+id, trainer, nil); r.json(t)["capacity"].(float64) != 30 {
		t.Errorf("a refused patch changed the event: %s", r.body)
	}
	r = e.api("PATCH", "/api/v1/events/"+id, trainer, patch)
	if r.StatusCode != 200 || r.json(t)["capacity"].(float64) != 40 || r.json(t)["title"] != "Lokakarya SOP (diperbarui)" {
		t.Fatalf("organiser patch: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("PATCH", "/api/v1/events/"+id, admin, patch); r.StatusCode != 200 {
		t.Errorf("admin patch: %d %s", r.StatusCode, r.body)
	}

	// Listing: the window and the kind filter.
	sem := eventBody("Seminar Integritas", 20)
	sem["kind"] = "seminar"
	if r := e.api("POST", "/api/v1/events", trainer2, sem); r.StatusCode != 201 {
		t.Fatalf("seminar: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("POST", "/api/v1/events", trainer, eventBody("Tahun depan", 200)); r.StatusCode != 201 {
		t.Fatalf("far event: %d", r.StatusCode)
	}
	titles := func(q string) []string {
		t.Helper()
		r := e.api("GET", "/api/v1/events"+q, learner, nil)
		if r.StatusCode != 200 {
			t.Fatalf("list %s: %d %s", q, r.StatusCode, r.body)
		}
		var out []string
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["title"].(string))
		}
		return out
	}
	if got := fmt.Sprint(titles("")); got != "[Lokakarya SOP (diperbarui) Seminar Integritas]" {
		t.Errorf("next 31 days: %s", got)
	}
	if got := fmt.Sprint(titles("?kind=seminar")); got != "[Seminar Integritas]" {
		t.Errorf("seminars: %s", got)
	}
	from := time.Now().In(wib).AddDate(0, 0, 150).Format(time.DateOnly)
	to := time.Now().In(wib).AddDate(0, 0, 250).Format(time.DateOnly)
	if got := fmt.Sprint(titles("?" + url.Values{"from": {from}, "to": {to}}.Encode())); got != "[Tahun depan]" {
		t.Errorf("window: %s", got)
	}
	for _, q := range []string{"?kind=party", "?from=kemarin", "?from=2026-01-10&to=2026-01-01"} {
		if r := e.api("GET", "/api/v1/events"+q, learner, nil); r.StatusCode != 400 {
			t.Errorf("list %s: %d", q, r.StatusCode)
		}
	}

	// Cancelling keeps the event (and its registrations), marked.
	r = e.api("POST", "/api/v1/events/"+id+"/cancel-event", trainer, nil)
	if r.StatusCode != 200 || r.json(t)["status"] != content.EventCancelled {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.body)
	}
	// An edit after that keeps it cancelled.
	if r := e.api("PATCH", "/api/v1/events/"+id, trainer, patch); r.json(t)["status"] != content.EventCancelled {
		t.Errorf("edit reopened a cancelled event: %s", r.body)
	}
}
