package app

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// mentoringEnv: the trainer is Siti's (learner's) atasan; trainer2 is
// given the mentor role by the admin through the API; Budi (learner2) has
// no atasan and is a mentor too, of no one.
type mentoringEnv struct {
	*testEnv
	admin, atasan, mentor, mentee, other string
}

func newMentoringEnv(t *testing.T) *mentoringEnv {
	t.Helper()
	e := newEnv(t, nil)
	e.setSupervisor(t, learnerNIP, trainerNIP)
	m := &mentoringEnv{testEnv: e, admin: e.token(adminNIP), atasan: e.token(trainerNIP), mentor: e.token(trainer2NIP),
		mentee: e.token(learnerNIP), other: e.token(learner2NIP)}
	u := mustStatus(t, e.api("PATCH", "/api/v1/users/"+trainer2NIP, m.admin, map[string]any{"roles": []string{"trainer", "mentor"}}), 200, "give the mentor role")
	if !hasStr(u["roles"], "mentor") {
		t.Fatalf("roles after PATCH: %v", u["roles"])
	}
	mustStatus(t, e.api("PATCH", "/api/v1/users/"+learner2NIP, m.admin, map[string]any{"roles": []string{"learner", "mentor"}}), 200, "second mentor")
	return m
}

// hasStr reports whether a JSON list holds s.
func hasStr(v any, s string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m *mentoringEnv) ends(days int) string {
	return m.app.Service().Now().In(wib).AddDate(0, 0, days).Format(time.DateOnly)
}

// pair makes the standard pairing (the atasan pairs trainer2 with Siti).
func (m *mentoringEnv) pair(t *testing.T) string {
	t.Helper()
	r := mustStatus(t, m.api("POST", "/api/v1/mentorships", m.atasan, map[string]any{"mentor": trainer2NIP, "mentee": learnerNIP,
		"goal": "Mempercepat layanan <b>loket</b>", "need": "U3 waktu: C", "ends": m.ends(30)}), 201, "pair")
	return r["id"].(string)
}

// kinds counts a user's notifications by kind.
func (m *mentoringEnv) kinds(t *testing.T, token string) map[string]int {
	t.Helper()
	r := mustStatus(t, m.api("GET", "/api/v1/notifications", token, nil), 200, "notifications")
	out := map[string]int{}
	for _, it := range r["items"].([]any) {
		out[it.(map[string]any)["kind"].(string)]++
	}
	return out
}

// TestMentorshipPairing: admins give the mentor role (PATCH accepts it);
// an atasan pairs only their team (403 outside it), a learner not at all;
// a mentor without the role is a 422 naming the field, as are bad dates
// and a goal too long; the pair is notified once each; pairing the same
// two again in the period is a 409.
func TestMentorshipPairing(t *testing.T) {
	m := newMentoringEnv(t)
	body := func(mentor, mentee string) map[string]any {
		return map[string]any{"mentor": mentor, "mentee": mentee, "goal": "Tujuan", "ends": m.ends(30)}
	}
	mustStatus(t, m.api("POST", "/api/v1/mentorships", m.atasan, body(trainer2NIP, learner2NIP)), 403, "atasan outside the team")
	mustStatus(t, m.api("POST", "/api/v1/mentorships", m.mentee, body(trainer2NIP, learnerNIP)), 403, "a learner")
	r := mustStatus(t, m.api("POST", "/api/v1/mentorships", m.atasan, body(adminNIP, learnerNIP)), 422, "a non-mentor as mentor")
	if f := r["error"].(map[string]any)["field_codes"].(map[string]any); f["mentor"] != "mentoring.not_mentor" {
		t.Errorf("fields %v", f)
	}
	bad := body(trainer2NIP, learnerNIP)
	bad["ends"], bad["goal"] = "2001-01-01", strings.Repeat("x", 501)
	r = mustStatus(t, m.api("POST", "/api/v1/mentorships", m.admin, bad), 422, "bad dates and goal")
	if f := r["error"].(map[string]any)["fields"].(map[string]any); f["ends"] == nil || f["goal"] == nil {
		t.Errorf("fields %v", f)
	}
	mustStatus(t, m.api("POST", "/api/v1/mentorships", m.admin, map[string]any{"mentor": trainer2NIP, "mentee": learnerNIP, "goal": "x", "ends": m.ends(9), "extra": 1}), 400, "unknown field")
	id := m.pair(t)
	mustStatus(t, m.api("POST", "/api/v1/mentorships", m.admin, body(trainer2NIP, learnerNIP)), 409, "the same pair again")
	if k := m.kinds(t, m.mentor); k["mentoring.paired"] != 1 {
		t.Errorf("mentor's notifications %v", k)
	}
	if k := m.kinds(t, m.mentee); k["mentoring.paired"] != 1 {
		t.Errorf("mentee's notifications %v", k)
	}
	// An admin pairs anyone with any mentor.
	mustStatus(t, m.api("POST", "/api/v1/mentorships", m.admin, body(learner2NIP, trainerNIP)), 201, "admin pairs")
	list := mustStatus(t, m.api("GET", "/api/v1/mentorships", m.mentor, nil), 200, "mine")
	if ms := list["as_mentor"].([]any); len(ms) != 1 || ms[0].(map[string]any)["id"] != id {
		t.Errorf("as mentor %v", list)
	}
}

// TestMentorshipSessions: only the mentor records, only the mentee
// confirms; confirming twice credits the JP once (60 minutes at 45 a JP:
// 1 JP, 15 carried; 30 more: 2 in all); the mentee is told of each session.
func TestMentorshipSessions(t *testing.T) {
	m := newMentoringEnv(t)
	id := m.pair(t)
	today := m.app.Service().Now().In(wib).Format(time.DateOnly)
	ses := map[string]any{"date": today, "minutes": 60, "notes": "Membahas <script>alert(1)</script> antrean",
		"actions": []map[string]any{{"text": "Susun SOP", "due": m.ends(5)}}}
	for who, tok := range map[string]string{"mentee": m.mentee, "admin": m.admin, "other mentor": m.other, "atasan": m.atasan} {
		mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/sessions", tok, ses), 403, who+" records a session")
	}
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/sessions", m.mentor, map[string]any{"date": m.ends(3), "minutes": 2}), 422, "future date, 2 minutes")
	s1 := mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/sessions", m.mentor, ses), 201, "session")["id"].(string)
	if k := m.kinds(t, m.mentee); k["mentoring.session"] != 1 {
		t.Errorf("mentee's notifications %v", k)
	}
	confirm := func(tok, sid string, want int) map[string]any {
		t.Helper()
		return mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/sessions/"+sid+"/confirm", tok, nil), want, "confirm")
	}
	confirm(m.mentor, s1, 403)
	confirm(m.admin, s1, 403)
	if r := confirm(m.mentee, s1, 200); r["credited"] != true || r["jp"] != float64(1) {
		t.Errorf("first confirm %v", r)
	}
	if r := confirm(m.mentee, s1, 200); r["credited"] != false {
		t.Errorf("second confirm %v", r)
	}
	confirm(m.mentee, "nope", 404)
	s2 := mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/sessions", m.mentor, map[string]any{"date": today, "minutes": 30}), 201, "session 2")["id"].(string)
	confirm(m.mentee, s2, 200)
	jp := mustStatus(t, m.api("GET", "/api/v1/me/jp", m.mentee, nil), 200, "jp")
	mentoring := 0
	for _, e := range jp["entries"].([]any) {
		if e := e.(map[string]any); e["source"] == "mentoring" {
			mentoring += int(e["jp"].(float64))
		}
	}
	if mentoring != 2 {
		t.Errorf("mentoring JP %d, want 2: %v", mentoring, jp)
	}
	// The notes are text on the page, never markup.
	b := signedIn(t, m.testEnv, learnerNIP)
	page := b.get("/mentoring/" + id)
	mustStatusPage(t, page, 200, "mentorship page")
	mustContain(t, "mentorship page", page.body, "&lt;script&gt;alert(1)&lt;/script&gt;", "Susun SOP", "&lt;b&gt;loket&lt;/b&gt;")
	mustNotContain(t, "mentorship page", page.body, "<script>alert(1)")
}

// TestMentorSeesOnlyTheirMentees: the mentor sees the mentee's learning
// (enrolments, JP, quiz results, assignments); the mentee sees the
// mentorship without it; another mentor, or anyone else, gets 403, on
// the API and the page.
func TestMentorSeesOnlyTheirMentees(t *testing.T) {
	m := newMentoringEnv(t)
	c := seedPageCourse(t, m.testEnv, "Pelayanan Prima", "Teknis", "Isi.", false)
	enrolled(t, m.testEnv, learnerNIP, c.ID)
	id := m.pair(t)
	r := mustStatus(t, m.api("GET", "/api/v1/mentorships/"+id, m.mentor, nil), 200, "mentor")
	l, ok := r["learning"].(map[string]any)
	if !ok || len(l["enrollments"].([]any)) != 1 || l["enrollments"].([]any)[0].(map[string]any)["course_id"] != c.ID {
		t.Errorf("mentor's view %v", r)
	}
	if r := mustStatus(t, m.api("GET", "/api/v1/mentorships/"+id, m.mentee, nil), 200, "mentee"); r["learning"] != nil {
		t.Errorf("mentee's view carries learning %v", r["learning"])
	}
	mustStatus(t, m.api("GET", "/api/v1/mentorships/"+id, m.admin, nil), 200, "admin")
	mustStatus(t, m.api("GET", "/api/v1/mentorships/"+id, m.atasan, nil), 200, "the mentee's atasan")
	mustStatus(t, m.api("GET", "/api/v1/mentorships/"+id, m.other, nil), 403, "another mentor")
	mustStatus(t, m.api("GET", "/api/v1/mentorships/nope", m.mentor, nil), 404, "unknown")
	b := signedIn(t, m.testEnv, learner2NIP)
	mustStatusPage(t, b.get("/mentoring/"+id), 403, "another mentor's page")
	mb := signedIn(t, m.testEnv, trainer2NIP)
	page := mb.get("/mentoring/" + id)
	mustStatusPage(t, page, 200, "mentor's page")
	mustContain(t, "mentor's page", page.body, `data-testid="mentee-learning"`, "Pelayanan Prima", `data-testid="session-form"`)
	list := mb.get("/mentoring")
	mustContain(t, "bimbingan saya", list.body, "Siti Rahmawati", "/mentoring/"+id)
}

// TestMentorshipRating: the mentee rates once the period reaches its last
// day, once; no one else may.
func TestMentorshipRating(t *testing.T) {
	m := newMentoringEnv(t)
	id := m.pair(t)
	rate := map[string]any{"rating": 4, "comment": "Sangat membantu"}
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/rating", m.mentee, rate), 422, "before the end")
	m.advance(31 * 24 * time.Hour)
	m.mentee, m.mentor = m.token(learnerNIP), m.token(trainer2NIP) // the old ones expired
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/rating", m.mentor, rate), 403, "the mentor")
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/rating", m.mentee, map[string]any{"rating": 6}), 422, "out of range")
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/rating", m.mentee, rate), 201, "rate")
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+id+"/rating", m.mentee, rate), 409, "rate again")
	if r := mustStatus(t, m.api("GET", "/api/v1/mentorships/"+id, m.mentor, nil), 200, "get"); r["rating"] != float64(4) {
		t.Errorf("rating %v", r["rating"])
	}
}

// TestMentoringPages: the pairing form for an atasan (their team only)
// and an admin, linked from /team and the admin hub, refused to a
// learner; pairing through it; the mentee confirms on the page.
func TestMentoringPages(t *testing.T) {
	m := newMentoringEnv(t)
	ab := signedIn(t, m.testEnv, trainerNIP)
	mustContain(t, "team", ab.get("/team").body, `href="/mentoring/new"`, `href="/team/plans"`)
	form := ab.get("/mentoring/new?mentee=" + learnerNIP + "&need=U6")
	mustStatusPage(t, form, 200, "pair form")
	mustContain(t, "pair form", form.body, "Widya Pengajar", "Siti Rahmawati", `value="U6"`)
	mustNotContain(t, "pair form", form.body, "Budi Santoso (") // not in the team
	tok := ab.csrf("/mentoring/new")
	r := ab.post("/mentoring/new", url.Values{"_csrf": {tok}, "mentor": {learnerNIP}, "mentee": {learnerNIP}, "goal": {"x"}, "ends": {m.ends(10)}})
	mustStatusPage(t, r, 422, "self")
	r = ab.post("/mentoring/new", url.Values{"_csrf": {tok}, "mentor": {trainer2NIP}, "mentee": {learnerNIP}, "goal": {"Layanan cepat"}, "ends": {m.ends(10)}})
	if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/mentoring/") {
		t.Fatalf("pair: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	id := strings.TrimPrefix(strings.SplitN(r.Header.Get("Location"), "?", 2)[0], "/mentoring/")
	adm := signedIn(t, m.testEnv, adminNIP)
	mustContain(t, "admin hub", adm.get("/admin").body, `href="/mentoring/new"`)
	mustContain(t, "user page", adm.get("/admin/users/"+trainer2NIP).body, `name="role_mentor" value="1" checked`)
	mustStatusPage(t, signedIn(t, m.testEnv, learner2NIP).get("/mentoring/new"), 403, "a learner's pair form")
	mb := signedIn(t, m.testEnv, trainer2NIP)
	tok = mb.csrf("/mentoring/" + id)
	today := m.app.Service().Now().In(wib).Format(time.DateOnly)
	r = mb.post("/mentoring/"+id+"/sessions", url.Values{"_csrf": {tok}, "date": {today}, "minutes": {"90"}, "notes": {"Catatan"}, "action_0": {"Baca SOP"}, "due_0": {m.ends(4)}})
	if r.StatusCode != 303 {
		t.Fatalf("session: %d %s", r.StatusCode, r.body)
	}
	lb := signedIn(t, m.testEnv, learnerNIP)
	home := lb.get("/")
	mustContain(t, "home", home.body, `data-testid="home-mentoring"`)
	page := lb.get("/mentoring/" + id)
	mustContain(t, "mentee's page", page.body, `data-testid="confirm-session"`, "Baca SOP")
	mustNotContain(t, "mentee's page", page.body, `data-testid="session-form"`, `data-testid="mentee-learning"`)
	sid := regexpFind(t, string(page.body), `/sessions/([A-Za-z0-9]+)/confirm`)
	r = lb.post("/mentoring/"+id+"/sessions/"+sid+"/confirm", url.Values{"_csrf": {lb.csrf("/mentoring/" + id)}})
	if r.StatusCode != 303 {
		t.Fatalf("confirm: %d", r.StatusCode)
	}
	mustContain(t, "confirmed", lb.get("/mentoring/"+id).body, `data-testid="mentorship-jp"`, "2 JP")
}

func regexpFind(t *testing.T, s, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", expr)
	}
	return m[1]
}
