package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// setSupervisor names an atasan on an account, as the user admin will.
func setSupervisor(t *testing.T, e *testEnv, nip, supervisor string) {
	t.Helper()
	if _, err := docs.Update(context.Background(), e.stores.Docs.C("users"), nip, func(u *content.User) error {
		u.SupervisorNIP = supervisor
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// putAssignee stores one person's share of an assignment, as the
// assignment flow will.
func putAssignee(t *testing.T, e *testEnv, id string, a content.Assignee) {
	t.Helper()
	a.Open = a.Done.IsZero()
	if err := e.stores.Docs.C("assignees").Insert(context.Background(), id+"~"+a.User, &a); err != nil {
		t.Fatal(err)
	}
}

// teamFixture: the trainer is Siti's atasan; Budi has another atasan.
// Siti completed the 4 JP course, is half way through another, and has
// one assignment done, one overdue and one pending.
func teamFixture(t *testing.T, e *testEnv) *fixture {
	t.Helper()
	f := newFixture(t, e)
	completeFixture(t, e, f)
	setSupervisor(t, e, learnerNIP, trainerNIP)
	setSupervisor(t, e, learner2NIP, trainer2NIP)
	second := seedQuizCourse(t, e, "Standar Pelayanan Minimal", nil)
	enrolled(t, e, learnerNIP, second.Course.ID)
	enrolled(t, e, learner2NIP, second.Course.ID)
	now := e.app.Service().Now()
	putAssignee(t, e, "as1", content.Assignee{Assignment: "as1", User: learnerNIP, Course: f.course, Title: "Pelayanan Publik Prima",
		Due: now.Add(24 * time.Hour), Done: now})
	putAssignee(t, e, "as2", content.Assignee{Assignment: "as2", User: learnerNIP, Course: second.Course.ID, Title: "Standar Pelayanan Minimal",
		Due: now.Add(-48 * time.Hour)})
	putAssignee(t, e, "as3", content.Assignee{Assignment: "as3", User: learnerNIP, Path: "p1", Title: "Orientasi ASN Baru",
		Due: now.Add(7 * 24 * time.Hour)})
	putAssignee(t, e, "as2", content.Assignee{Assignment: "as2", User: learner2NIP, Course: second.Course.ID, Title: "Rahasia Tim Lain",
		Due: now.Add(-48 * time.Hour)})
	return f
}

// TestTeam: an atasan sees their team and no one else: each member's JP
// this year from the ledger, assignments with their status, courses in
// progress, and the links to assign; someone with no team gets 403 and
// no "Tim saya" in the menu.
func TestTeam(t *testing.T) {
	e := newEnv(t, nil)
	f := teamFixture(t, e)
	team := mustStatus(t, e.api("GET", "/api/v1/team", f.tokens["owner"], nil), 200, "team")
	items := team["items"].([]any)
	if len(items) != 1 || team["target"] != float64(20) {
		t.Fatalf("team %v", team)
	}
	m := items[0].(map[string]any)
	if m["nip"] != learnerNIP || m["jp"] != float64(4) || m["reached"] != false || m["pending"] != float64(1) ||
		m["done"] != float64(1) || m["overdue"] != float64(1) {
		t.Errorf("member %v", m)
	}
	status := map[string]string{}
	for _, a := range m["assignments"].([]any) {
		a := a.(map[string]any)
		status[a["id"].(string)] = a["status"].(string)
	}
	if status["as1"] != "done" || status["as2"] != "overdue" || status["as3"] != "pending" {
		t.Errorf("statuses %v", status)
	}
	prog := m["in_progress"].([]any)
	if len(prog) != 1 || prog[0].(map[string]any)["title"] != "Standar Pelayanan Minimal" {
		t.Errorf("in progress %v", prog)
	}
	// Budi's atasan sees Budi only; learners and the admin (no team)
	// get 403.
	other := mustStatus(t, e.api("GET", "/api/v1/team", f.tokens["trainer2"], nil), 200, "other team")
	if s := string(mustBody(t, e.api("GET", "/api/v1/team", f.tokens["trainer2"], nil))); len(other["items"].([]any)) != 1 ||
		!strings.Contains(s, learner2NIP) || strings.Contains(s, learnerNIP) || strings.Contains(s, "Pelayanan Publik Prima") {
		t.Errorf("other team %s", s)
	}
	for _, who := range []string{"enrolled", "learner2", "admin"} {
		mustStatus(t, e.api("GET", "/api/v1/team", f.tokens[who], nil), 403, who)
	}
	mustStatus(t, e.api("GET", "/api/v1/team", "", nil), 401, "anonymous")

	// The page, and the menu entry for atasan only.
	b := e.browser()
	b.login(trainerNIP)
	r := b.get("/team")
	page := string(r.body)
	if r.StatusCode != 200 || !strings.Contains(page, "Siti Rahmawati") || strings.Contains(page, "Budi Santoso") ||
		strings.Contains(page, "Rahasia Tim Lain") || !strings.Contains(page, `data-status="overdue"`) ||
		!strings.Contains(page, "Standar Pelayanan Minimal") || !strings.Contains(page, `data-testid="team-jp">4 dari 20 JP`) {
		t.Errorf("team page %d:\n%s", r.StatusCode, page)
	}
	if !strings.Contains(page, `href="/admin/assignments?nips=`+learnerNIP+`"`) {
		t.Errorf("no assign link for the member")
	}
	// The link opens the assignment form with the member filled in.
	if f := b.get("/admin/assignments?nips=" + learnerNIP); f.StatusCode != 200 || !strings.Contains(string(f.body), learnerNIP) ||
		!strings.Contains(string(f.body), `name="nips"`) {
		t.Errorf("the assign link leads to %d without the form filled in", f.StatusCode)
	}
	if home := string(b.get("/").body); !strings.Contains(home, `data-testid="nav-team"`) {
		t.Errorf("no Tim saya in an atasan's menu")
	}
	l := e.browser()
	l.login(learnerNIP)
	if home := string(l.get("/").body); strings.Contains(home, `data-testid="nav-team"`) {
		t.Errorf("Tim saya in a learner's menu")
	}
	if r := l.get("/team"); r.StatusCode != 403 {
		t.Errorf("learner /team: %d", r.StatusCode)
	}
	// English.
	b.get("/lang/en?next=/team")
	if en := string(b.get("/team").body); !strings.Contains(en, "My team") || !strings.Contains(en, "Overdue") {
		t.Errorf("English team page lacks its words")
	}
}

func mustBody(t *testing.T, r resp) []byte {
	t.Helper()
	if r.StatusCode != 200 {
		t.Fatalf("status %d\n%s", r.StatusCode, r.body)
	}
	return r.body
}

// seedA11yTeam makes the trainer the atasan of both learners, with
// assignments in each state, for the accessibility test's "Tim saya".
func seedA11yTeam(t *testing.T, e *testEnv) {
	t.Helper()
	setSupervisor(t, e, learnerNIP, trainerNIP)
	setSupervisor(t, e, learner2NIP, trainerNIP)
	now := e.app.Service().Now()
	putAssignee(t, e, "a11y1", content.Assignee{Assignment: "a11y1", User: learnerNIP, Title: "Etika dan Integritas ASN", Due: now.Add(-72 * time.Hour), Done: now})
	putAssignee(t, e, "a11y2", content.Assignee{Assignment: "a11y2", User: learnerNIP, Title: "Orientasi ASN Baru", Due: now.Add(-24 * time.Hour)})
	putAssignee(t, e, "a11y3", content.Assignee{Assignment: "a11y3", User: learner2NIP, Title: "Standar Pelayanan Minimal", Due: now.Add(10 * 24 * time.Hour)})
}
