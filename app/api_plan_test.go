package app

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// TestPlanFlow: the learner drafts this year's plan (suggested from an
// assignment and their mentorship), it refuses bad items naming them,
// submits it to their atasan (notified), cannot change it while it
// waits; another atasan and other people get 403; a return needs a note
// and tells the owner, who edits and submits again; the approval tells
// them too. Someone without an atasan cannot submit.
func TestPlanFlow(t *testing.T) {
	m := newMentoringEnv(t)
	c := seedPageCourse(t, m.testEnv, "Etika Pelayanan", "Teknis", "Etika.", false)
	mid := m.pair(t)
	if _, _, err := m.app.Service().Assign(context.Background(), mustUser(t, m.testEnv, adminNIP), content.AssignmentInput{CourseID: c.ID,
		NIPs: []string{learnerNIP}, Due: m.ends(20)}); err != nil {
		t.Fatal(err)
	}
	year := strconv.Itoa(m.app.Service().CurrentYear())
	p := mustStatus(t, m.api("GET", "/api/v1/me/plan?year="+year, m.mentee, nil), 200, "new plan")
	if p["status"] != "draft" || len(p["items"].([]any)) != 0 {
		t.Errorf("new plan %v", p)
	}
	sug := map[string]bool{}
	for _, s := range p["suggestions"].([]any) {
		s := s.(map[string]any)
		sug[s["kind"].(string)+":"+s["ref"].(string)] = true
	}
	if !sug["course:"+c.ID] || !sug["mentoring:"+mid] {
		t.Errorf("suggestions %v", p["suggestions"])
	}
	mustStatus(t, m.api("GET", "/api/v1/me/plan?year=abc", m.mentee, nil), 400, "bad year")
	for what, items := range map[string][]map[string]any{
		"kind":      {{"kind": "holiday", "ref": "x", "jp": 1}},
		"course":    {{"kind": "course", "ref": "nope", "jp": 1}},
		"jp":        {{"kind": "event", "ref": "Bimtek", "jp": 999}},
		"mentoring": {{"kind": "mentoring", "ref": "someone-elses", "jp": 1}},
	} {
		r := mustStatus(t, m.api("PUT", "/api/v1/me/plan?year="+year, m.mentee, map[string]any{"items": items}), 422, what)
		if f := r["error"].(map[string]any)["fields"].(map[string]any); f["items.0"] == nil {
			t.Errorf("%s: fields %v", what, f)
		}
	}
	items := []map[string]any{{"kind": "course", "ref": c.ID}, {"kind": "mentoring", "ref": mid, "jp": 3},
		{"kind": "event", "ref": "Bimtek <i>Pelayanan</i>", "jp": 8}}
	p = mustStatus(t, m.api("PUT", "/api/v1/me/plan?year="+year, m.mentee, map[string]any{"items": items}), 200, "save")
	if p["planned_jp"] != float64(4+3+8) || p["status"] != "draft" {
		t.Errorf("saved %v", p)
	}
	mustStatus(t, m.api("POST", "/api/v1/me/plan/submit?year="+year, m.other, nil), 422, "no atasan")
	p = mustStatus(t, m.api("POST", "/api/v1/me/plan/submit?year="+year, m.mentee, nil), 200, "submit")
	id := p["id"].(string)
	if p["status"] != "submitted" {
		t.Errorf("submitted %v", p)
	}
	mustStatus(t, m.api("PUT", "/api/v1/me/plan?year="+year, m.mentee, map[string]any{"items": items}), 409, "edit while submitted")
	if k := m.kinds(t, m.atasan); k["plan.submitted"] != 1 {
		t.Errorf("atasan's notifications %v", k)
	}
	list := mustStatus(t, m.api("GET", "/api/v1/plans", m.atasan, nil), 200, "team plans")
	if its := list["items"].([]any); len(its) != 1 || its[0].(map[string]any)["id"] != id {
		t.Errorf("team plans %v", list)
	}
	mustStatus(t, m.api("GET", "/api/v1/plans", m.mentor, nil), 403, "no team")
	mustStatus(t, m.api("GET", "/api/v1/plans/"+id, m.other, nil), 403, "someone else reads it")
	mustStatus(t, m.api("GET", "/api/v1/plans/"+id, m.admin, nil), 200, "an admin reads it")
	mustStatus(t, m.api("POST", "/api/v1/plans/"+id+"/approve", m.admin, map[string]any{}), 403, "an admin decides")
	mustStatus(t, m.api("POST", "/api/v1/plans/"+id+"/approve", m.mentee, map[string]any{}), 403, "the owner approves")
	mustStatus(t, m.api("POST", "/api/v1/plans/"+id+"/return", m.atasan, map[string]any{"note": "  "}), 422, "return without a note")
	p = mustStatus(t, m.api("POST", "/api/v1/plans/"+id+"/return", m.atasan, map[string]any{"note": "Tambah kursus manajerial"}), 200, "return")
	if p["status"] != "returned" || p["note"] != "Tambah kursus manajerial" {
		t.Errorf("returned %v", p)
	}
	mustStatus(t, m.api("POST", "/api/v1/plans/"+id+"/approve", m.atasan, map[string]any{}), 409, "approve a returned plan")
	mustStatus(t, m.api("PUT", "/api/v1/me/plan?year="+year, m.mentee, map[string]any{"items": items[:2]}), 200, "edit after return")
	mustStatus(t, m.api("POST", "/api/v1/me/plan/submit?year="+year, m.mentee, nil), 200, "submit again")
	p = mustStatus(t, m.api("POST", "/api/v1/plans/"+id+"/approve", m.atasan, map[string]any{"note": "Baik"}), 200, "approve")
	if p["status"] != "approved" {
		t.Errorf("approved %v", p)
	}
	if k := m.kinds(t, m.mentee); k["plan.decided"] != 2 {
		t.Errorf("owner's notifications %v", k)
	}
	if k := m.kinds(t, m.atasan); k["plan.submitted"] != 2 {
		t.Errorf("atasan's notifications after the second submission %v", k)
	}
}

// TestPlanAgainstDone: the plan's items show the JP the ledger holds for
// each (a completed course its JP, a mentoring its confirmed sessions'),
// and the home page shows the plan against what was done.
func TestPlanAgainstDone(t *testing.T) {
	m := newMentoringEnv(t)
	c := seedPageCourse(t, m.testEnv, "Etika Pelayanan", "Teknis", "Etika.", false)
	other := seedPageCourse(t, m.testEnv, "Kursus Lain", "Teknis", "Lain.", false)
	mid := m.pair(t)
	year := strconv.Itoa(m.app.Service().CurrentYear())
	mustStatus(t, m.api("PUT", "/api/v1/me/plan?year="+year, m.mentee, map[string]any{"items": []map[string]any{
		{"kind": "course", "ref": c.ID}, {"kind": "mentoring", "ref": mid, "jp": 3}, {"kind": "course", "ref": other.ID, "jp": 6}}}), 200, "plan")
	mustStatus(t, m.api("POST", "/api/v1/courses/"+c.ID+"/enroll", m.mentee, nil), 201, "enrol")
	m.completeCourse(t, m.mentee, c)
	m.mentee, m.mentor = m.token(learnerNIP), m.token(trainer2NIP)
	today := m.app.Service().Now().In(wib).Format(time.DateOnly)
	sid := mustStatus(t, m.api("POST", "/api/v1/mentorships/"+mid+"/sessions", m.mentor, map[string]any{"date": today, "minutes": 100}), 201, "session")["id"].(string)
	mustStatus(t, m.api("POST", "/api/v1/mentorships/"+mid+"/sessions/"+sid+"/confirm", m.mentee, nil), 200, "confirm")
	p := mustStatus(t, m.api("GET", "/api/v1/me/plan?year="+year, m.mentee, nil), 200, "plan")
	done := []float64{}
	for _, it := range p["items"].([]any) {
		done = append(done, it.(map[string]any)["done_jp"].(float64))
	}
	if len(done) != 3 || done[0] != 4 || done[1] != 2 || done[2] != 0 || p["done_jp"] != float64(6) || p["done_planned_jp"] != float64(6) || p["planned_jp"] != float64(13) {
		t.Errorf("done %v, plan %v", done, p)
	}
	b := signedIn(t, m.testEnv, learnerNIP)
	home := b.get("/")
	mustContain(t, "home", home.body, `data-testid="home-plan"`, "6 dari 13 JP terencana tercapai", "4/4 JP", "2/3 JP", "0/6 JP")
	pg := b.get("/plan?year=" + year)
	mustStatusPage(t, pg, 200, "plan page")
	mustContain(t, "plan page", pg.body, `data-testid="plan-table"`, "Etika Pelayanan", `data-testid="plan-submit"`)
	// The page's own forms: remove a row, add an event, submit.
	tok := b.csrf("/plan?year=" + year)
	r := b.post("/plan", url.Values{"_csrf": {tok}, "year": {year}, "n": {"3"}, "kind_0": {"course"}, "ref_0": {c.ID}, "jp_0": {"4"},
		"kind_1": {"mentoring"}, "ref_1": {mid}, "jp_1": {"3"}, "kind_2": {"course"}, "ref_2": {other.ID}, "jp_2": {"6"}, "remove_2": {"1"}})
	if r.StatusCode != 303 {
		t.Fatalf("save rows: %d %s", r.StatusCode, r.body)
	}
	r = b.post("/plan/items", url.Values{"_csrf": {tok}, "year": {year}, "ref_event": {"Seminar <b>SKM</b>"}, "jp": {"2"}})
	if r.StatusCode != 303 {
		t.Fatalf("add: %d %s", r.StatusCode, r.body)
	}
	r = b.post("/plan/items", url.Values{"_csrf": {tok}, "year": {year}, "jp": {"2"}})
	mustStatusPage(t, r, 422, "add nothing")
	r = b.post("/plan/submit", url.Values{"_csrf": {tok}, "year": {year}})
	if r.StatusCode != 303 {
		t.Fatalf("submit: %d %s", r.StatusCode, r.body)
	}
	pg = b.get("/plan?year=" + year)
	mustContain(t, "submitted plan", pg.body, "Seminar &lt;b&gt;SKM&lt;/b&gt;", `data-testid="plan-status"`, "Menunggu persetujuan")
	mustNotContain(t, "submitted plan", pg.body, "Kursus Lain", `data-testid="plan-add-form"`)
	// The atasan's pages.
	ab := signedIn(t, m.testEnv, trainerNIP)
	list := ab.get("/team/plans")
	mustContain(t, "team plans", list.body, "Siti Rahmawati")
	id := learnerNIP + "-" + year
	r = ab.post("/team/plans/"+id, url.Values{"_csrf": {ab.csrf("/team/plans/" + id)}, "action": {"return"}})
	mustStatusPage(t, r, 422, "return without a note")
	r = ab.post("/team/plans/"+id, url.Values{"_csrf": {ab.csrf("/team/plans/" + id)}, "action": {"approve"}})
	if r.StatusCode != 303 {
		t.Fatalf("approve: %d", r.StatusCode)
	}
	mustContain(t, "home after approval", b.get("/").body, "Disetujui")
	mustStatusPage(t, signedIn(t, m.testEnv, learner2NIP).get("/team/plans/"+id), 403, "someone else's plan page")
}

// seedA11yMentoring: the trainer (Siti's atasan in seedA11yTeam) is also
// her mentor, with a confirmed session and one to confirm; Siti's plan
// waits for the trainer's decision. It returns the mentorship and plan ids.
func seedA11yMentoring(t *testing.T, e *testEnv) (string, string) {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	admin := mustUser(t, e, adminNIP)
	if _, err := svc.UpdateUser(ctx, admin, trainerNIP, content.UserPatch{Roles: &[]string{content.RoleTrainer, content.RoleMentor}}); err != nil {
		t.Fatal(err)
	}
	now := svc.Now().In(wib)
	m, err := svc.PairMentor(ctx, admin, content.MentorshipInput{Mentor: trainerNIP, Mentee: learnerNIP, Goal: "Mempercepat layanan loket",
		Need: "U3 waktu: C", Ends: now.AddDate(0, 2, 0).Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	mentor, learner := mustUser(t, e, trainerNIP), mustUser(t, e, learnerNIP)
	day := now.Format(time.DateOnly)
	s1, err := svc.RecordSession(ctx, mentor, m.ID, content.SessionInput{Date: day, Minutes: 60, Notes: "Memetakan antrean loket.\nMenyepakati target waktu.",
		Actions: []content.ActionInput{{Text: "Susun SOP antrean", Due: now.AddDate(0, 0, 7).Format(time.DateOnly)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.ConfirmSession(ctx, learner, m.ID, s1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordSession(ctx, mentor, m.ID, content.SessionInput{Date: day, Minutes: 45, Notes: "Tinjau SOP."}); err != nil {
		t.Fatal(err)
	}
	year := svc.CurrentYear()
	if _, err := svc.SavePlan(ctx, learner, year, []content.PlanItem{{Kind: content.PlanMentoring, Ref: m.ID, JP: 3},
		{Kind: content.PlanEvent, Ref: "Bimtek Pelayanan Publik", JP: 8}}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.SubmitPlan(ctx, learner, year)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID, p.ID
}
