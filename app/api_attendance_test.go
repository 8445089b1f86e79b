package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// seedCheckinEvent creates, as the trainer, a one-day event starting in
// 30 minutes (so check-in is open now) and registers the learner. It
// registers through content.SeedRegistration, which the registration
// part's Register may replace once both are merged.
func seedCheckinEvent(t *testing.T, e *testEnv, waitlist bool) string {
	t.Helper()
	now := e.app.Service().Now()
	ev := mustStatus(t, e.api("POST", "/api/v1/events", e.token(trainerNIP), map[string]any{
		"title": "Workshop Pelayanan <b>Prima</b>", "kind": "workshop", "mode": "offline", "place": "Aula BKPSDM",
		"starts_at": now.Add(30 * time.Minute).Format(time.RFC3339), "ends_at": now.Add(3 * time.Hour).Format(time.RFC3339),
		"registration_closes_at": now.Add(10 * time.Minute).Format(time.RFC3339), "capacity": 20, "jp": 3,
		"waitlist_checkin": waitlist}), 201, "create event")
	id := ev["id"].(string)
	if _, err := e.app.Service().SeedRegistration(context.Background(), id, learnerNIP, content.RegRegistered); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestCheckinAPI: only organisers get the code; a registered learner
// checks in with it (201, then 200); someone not registered, a forged
// code and a code from an earlier period are refused with a 4xx naming
// the code; the one day attended credits the JP and issues a certificate
// whose verification page says it is an event's.
func TestCheckinAPI(t *testing.T) {
	e := newEnv(t, nil)
	id := seedCheckinEvent(t, e, false)
	tr, le, le2 := e.token(trainerNIP), e.token(learnerNIP), e.token(learner2NIP)
	base := "/api/v1/events/" + id
	mustStatus(t, e.api("GET", base+"/checkin-code", le, nil), 403, "a learner asks for the code")
	mustStatus(t, e.api("GET", base+"/checkin-code", "", nil), 401, "no login")
	c := mustStatus(t, e.api("GET", base+"/checkin-code", tr, nil), 200, "code")
	code := c["code"].(string)
	if !strings.Contains(c["url"].(string), "/events/"+id+"/hadir?c="+code) || !strings.HasPrefix(c["qr"].(string), "data:image/svg+xml;base64,") ||
		c["expires_at"] == nil {
		t.Fatalf("code: %v", c)
	}
	forged := mustStatus(t, e.api("POST", base+"/attendance", le, map[string]any{"code": "ABCD-EFGH"}), 400, "forged")
	if forged["error"].(map[string]any)["fields"].(map[string]any)["code"] == nil {
		t.Fatalf("forged code: %v", forged)
	}
	mustStatus(t, e.api("POST", base+"/attendance", le, map[string]any{"code": strings.Repeat("A", 100)}), 400, "long code")
	mustStatus(t, e.api("POST", base+"/attendance", le2, map[string]any{"code": code}), 403, "not registered")
	a := mustStatus(t, e.api("POST", base+"/attendance", le, map[string]any{"code": code}), 201, "check in")
	if a["day_number"].(float64) != 1 || a["credited"] != true || a["certificate"] == "" {
		t.Fatalf("check-in: %v", a)
	}
	mustStatus(t, e.api("POST", base+"/attendance", le, map[string]any{"code": code}), 200, "again")
	// A minute later the code is a screenshot.
	e.advance(time.Minute)
	old := mustStatus(t, e.api("POST", base+"/attendance", le, map[string]any{"code": code}), 410, "old code")
	if old["error"].(map[string]any)["code"] != "expired" {
		t.Fatalf("old code: %v", old)
	}
	entries, err := e.app.Service().JPEntries(context.Background(), learnerNIP, e.app.Service().CurrentYear())
	if err != nil || len(entries) != 1 || entries[0].Source != content.SourceEvent || entries[0].JP != 3 {
		t.Fatalf("ledger: %+v %v", entries, err)
	}
	b := e.browser()
	r := b.get("/verify/" + a["certificate"].(string))
	mustStatusPage(t, r, 200, "verify")
	mustContain(t, "verification page", r.body, `data-testid="cert-event"`, "Kegiatan", "Workshop Pelayanan &lt;b&gt;Prima&lt;/b&gt;", "(Workshop)")
	v := mustStatus(t, e.api("GET", "/api/v1/certificates/"+a["certificate"].(string), "", nil), 200, "verify API")
	if v["subject"] != "event" || v["event_kind"] != "workshop" {
		t.Fatalf("verify API: %v", v)
	}

	// Marking by hand: organisers only, days of the event only.
	mustStatus(t, e.api("PUT", base+"/attendance/"+learnerNIP, le, map[string]any{"day": a["day"], "present": false}), 403, "a learner marks")
	bad := mustStatus(t, e.api("PUT", base+"/attendance/"+learnerNIP, tr, map[string]any{"day": "1999-01-01", "present": true}), 422, "bad day")
	if bad["error"].(map[string]any)["fields"].(map[string]any)["day"] == nil {
		t.Fatalf("bad day: %v", bad)
	}
	mustStatus(t, e.api("PUT", base+"/attendance/"+learnerNIP, tr, map[string]any{"day": a["day"]}), 422, "no present")
	mustStatus(t, e.api("PUT", base+"/attendance/"+learner2NIP, tr, map[string]any{"day": a["day"], "present": true}), 403, "not registered")
	m := mustStatus(t, e.api("PUT", base+"/attendance/"+learnerNIP, tr, map[string]any{"day": a["day"], "present": false}), 200, "unmark")
	if m["present_days"].(float64) != 0 || m["credited"] != true {
		t.Fatalf("unmark after credit: %v", m)
	}
	mustStatus(t, e.api("GET", base+"/attendance", le, nil), 403, "a learner reads the sheet")
	sh := mustStatus(t, e.api("GET", base+"/attendance", tr, nil), 200, "sheet")
	if len(sh["items"].([]any)) != 1 || sh["credited"].(float64) != 1 {
		t.Fatalf("sheet: %v", sh)
	}
}

// TestAttendancePages: the check-in page for organisers only; the QR's
// URL through the login and back with its code; the confirmation; the
// sheet's form marks and unmarks; the CSV's columns.
func TestAttendancePages(t *testing.T) {
	e := newEnv(t, nil)
	id := seedCheckinEvent(t, e, false)
	if _, err := e.app.Service().SeedRegistration(context.Background(), id, learner2NIP, content.RegWaitlisted); err != nil {
		t.Fatal(err)
	}
	org := e.browser()
	org.login(trainerNIP)
	r := org.get("/events/" + id + "/checkin")
	mustStatusPage(t, r, 200, "check-in page")
	mustContain(t, "check-in page", r.body, `data-testid="checkin-qr"`, `data-testid="checkin-code"`, "js/checkin.js", `http-equiv="refresh"`)
	j := org.get("/events/" + id + "/checkin/code")
	mustStatusPage(t, j, 200, "code JSON")
	code := j.json(t)["code"].(string)

	learner := e.browser()
	learner.login(learnerNIP)
	mustStatusPage(t, learner.get("/events/"+id+"/checkin"), 403, "a learner opens the check-in page")
	mustStatusPage(t, learner.get("/events/"+id+"/attendance"), 403, "a learner opens the sheet")
	mustStatusPage(t, learner.get("/events/"+id+"/attendance.csv"), 403, "a learner downloads the CSV")

	// The QR opened on a phone that is not signed in: the login returns
	// to it with the code.
	phone := e.browser()
	hadir := "/events/" + id + "/hadir?c=" + code
	r = phone.get(hadir)
	if r.StatusCode != 303 && r.StatusCode != 302 {
		t.Fatalf("signed out: %d", r.StatusCode)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if loc.Path != "/login" || loc.Query().Get("next") != hadir {
		t.Fatalf("login redirect %s", r.Header.Get("Location"))
	}
	tok := phone.csrf("/login?next=" + url.QueryEscape(hadir))
	r = phone.post("/login", url.Values{"_csrf": {tok}, "nip": {learnerNIP}, "password": {testPass}, "next": {hadir}})
	if r.Header.Get("Location") != hadir {
		t.Fatalf("after login: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	r = phone.get(hadir)
	mustStatusPage(t, r, 200, "hadir page")
	mustContain(t, "hadir page", r.body, `value="`+code+`"`, `data-testid="hadir-submit"`)
	tok = csrfInput.FindStringSubmatch(string(r.body))[1]
	r = phone.post("/events/"+id+"/hadir", url.Values{"_csrf": {tok}, "code": {code}})
	mustStatusPage(t, r, 200, "confirm")
	mustContain(t, "confirmation", r.body, `data-testid="hadir-ok"`, "Hadir tercatat, hari ke-1 dari 1.", `data-testid="hadir-credited"`)
	// A forged code: the reason, and the field is empty again.
	r = phone.post("/events/"+id+"/hadir", url.Values{"_csrf": {tok}, "code": {"zzzz-zzzz"}})
	mustStatusPage(t, r, 400, "forged on the page")
	mustContain(t, "forged", r.body, `data-testid="hadir-error"`, "kode presensi salah")

	// The waitlisted learner is refused (the event does not admit them).
	w := e.browser()
	w.login(learner2NIP)
	tok = w.csrf(hadir)
	r = w.post("/events/"+id+"/hadir", url.Values{"_csrf": {tok}, "code": {code}})
	mustStatusPage(t, r, 403, "waitlisted")
	mustContain(t, "waitlisted", r.body, "daftar tunggu")

	// The sheet: learner present (checked in), learner2 listed only when
	// present or admitted; untick the learner, tick nobody else.
	r = org.get("/events/" + id + "/attendance")
	mustStatusPage(t, r, 200, "sheet")
	mustContain(t, "sheet", r.body, `data-testid="attendance-row"`, "Siti Rahmawati", `checked data-testid="mark-`+learnerNIP)
	if strings.Contains(string(r.body), "Budi Santoso") {
		t.Error("the sheet lists a waitlisted person the event does not admit")
	}
	day := e.app.Service().Now().Add(30 * time.Minute).In(wib).Format(time.DateOnly)
	tok = csrfInput.FindStringSubmatch(string(r.body))[1]
	r = org.post("/events/"+id+"/attendance", url.Values{"_csrf": {tok}, "row": {learnerNIP}})
	if r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), "saved=1") {
		t.Fatalf("untick: %d %s %.400s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	reg, _ := e.app.Service().RegistrationOf(context.Background(), id, learnerNIP)
	if len(reg.Present) != 0 || reg.Credited.IsZero() {
		t.Fatalf("after untick: %+v", reg)
	}
	r = org.post("/events/"+id+"/attendance", url.Values{"_csrf": {tok}, "row": {learnerNIP}, "p": {learnerNIP + "|" + day}})
	if r.StatusCode != 303 {
		t.Fatalf("tick: %d", r.StatusCode)
	}
	r = org.get("/events/" + id + "/attendance.csv")
	mustStatusPage(t, r, 200, "csv")
	lines := strings.Split(strings.TrimPrefix(string(r.body), "\ufeff"), "\n")
	if lines[0] != "nip,nama,unit,status,hari_1_"+day+",jp_dikreditkan\r" && lines[0] != "nip,nama,unit,status,hari_1_"+day+",jp_dikreditkan" {
		t.Fatalf("csv header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], learnerNIP+",Siti Rahmawati,Dinas Kesehatan,registered,1,1") {
		t.Fatalf("csv row %q", lines[1])
	}
}
