package app

import (
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// setSupervisor names nip's atasan straight in the store (the people
// pages own editing users).
func (e *testEnv) setSupervisor(t *testing.T, nip, boss string) {
	t.Helper()
	if _, err := docs.Update(context.Background(), e.stores.Docs.C("users"), nip, func(u *content.User) error {
		u.SupervisorNIP = boss
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// completeCourse finishes every lesson of a text-only course through the
// API: each is opened, the clock moves past its reading time, then done.
func (e *testEnv) completeCourse(t *testing.T, token string, c pgCourse) {
	t.Helper()
	for _, l := range []content.Lesson{c.Text, c.Text2} {
		mustStatus(t, e.api("GET", "/api/v1/lessons/"+l.ID, token, nil), 200, "open lesson")
	}
	e.advance(time.Hour)
	for _, l := range []content.Lesson{c.Text, c.Text2} {
		mustStatus(t, e.api("POST", "/api/v1/lessons/"+l.ID+"/progress", token, map[string]any{"done": true}), 200, "done")
	}
}

func myStatus(t *testing.T, e *testEnv, token, id string) string {
	t.Helper()
	m := mustStatus(t, e.api("GET", "/api/v1/me/assignments", token, nil), 200, "my assignments")
	for _, it := range m["items"].([]any) {
		if it := it.(map[string]any); it["id"] == id {
			return it["status"].(string)
		}
	}
	return ""
}

// TestAssignmentsAPI: an admin assigns a course; the learner sees it
// pending, completes it through the API and it is done; another learner
// goes overdue after the due date; the list, its overdue filter, the
// report and the CSV say so. A due date in the past is a 422; an atasan
// assigns to their team and gets 403 outside it; a learner gets 403.
func TestAssignmentsAPI(t *testing.T) {
	e := newEnv(t, nil)
	admin, learner, learner2 := e.token(adminNIP), e.token(learnerNIP), e.token(learner2NIP)
	c := seedPageCourse(t, e, "Etika Pelayanan", "Teknis", "Etika.", false)
	due := time.Now().Add(48 * time.Hour).In(wib).Format("2006-01-02")

	r := e.api("POST", "/api/v1/assignments", admin, map[string]any{"course_id": c.Course.ID, "nips": []string{learnerNIP},
		"due": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"due"`) {
		t.Fatalf("past due: %d %s", r.StatusCode, r.body)
	}
	r = e.api("POST", "/api/v1/assignments", admin, map[string]any{"course_id": c.Course.ID, "nips": []string{learnerNIP},
		"due": due, "reason": strings.Repeat("x", 501)})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"reason"`) {
		t.Fatalf("long reason: %d %s", r.StatusCode, r.body)
	}
	mustStatus(t, e.api("POST", "/api/v1/assignments", learner, map[string]any{"course_id": c.Course.ID, "nips": []string{learner2NIP}, "due": due}), 403, "learner assigns")
	mustStatus(t, e.api("GET", "/api/v1/assignments", learner, nil), 403, "learner lists")

	a := mustStatus(t, e.api("POST", "/api/v1/assignments", admin, map[string]any{"course_id": c.Course.ID,
		"nips": []string{learnerNIP, learner2NIP, learnerNIP}, "due": due, "reason": "Wajib tahun ini"}), 201, "assign")
	id := a["id"].(string)
	if a["assigned"] != float64(2) {
		t.Fatalf("assigned = %v", a)
	}
	if s := myStatus(t, e, learner, id); s != "pending" {
		t.Fatalf("status %q, want pending", s)
	}
	mustStatus(t, e.api("GET", "/api/v1/assignments/"+id, learner, nil), 403, "learner reads a report")

	e.completeCourse(t, learner, c)
	// The completion itself closes the record (before any read of it).
	if it := mustStatus(t, e.api("GET", "/api/v1/assignments", admin, nil), 200, "list")["items"].([]any)[0].(map[string]any); it["done"] != float64(1) {
		t.Fatalf("after completing, the list says %v", it)
	}
	if s := myStatus(t, e, learner, id); s != "done" {
		t.Fatalf("after completing: %q, want done", s)
	}
	e.advance(72 * time.Hour)
	if s := myStatus(t, e, learner2, id); s != "overdue" {
		t.Fatalf("after the due date: %q, want overdue", s)
	}
	l := mustStatus(t, e.api("GET", "/api/v1/assignments?overdue=1", admin, nil), 200, "list")
	items := l["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("overdue list: %v", l)
	}
	if it := items[0].(map[string]any); it["id"] != id || it["assigned"] != float64(2) || it["done"] != float64(1) || it["overdue"] != float64(1) {
		t.Fatalf("list item: %v", it)
	}
	rep := mustStatus(t, e.api("GET", "/api/v1/assignments/"+id, admin, nil), 200, "report")
	od := rep["overdue_people"].([]any)
	if len(od) != 1 || od[0].(map[string]any)["nip"] != learner2NIP || od[0].(map[string]any)["name"] != "Budi Santoso" {
		t.Fatalf("overdue people: %v", rep)
	}
	if u := mustStatus(t, e.api("GET", "/api/v1/assignments?unit=Dinas+Kesehatan", admin, nil), 200, "by unit")["items"].([]any); len(u) != 1 ||
		u[0].(map[string]any)["assigned"] != float64(1) || u[0].(map[string]any)["done"] != float64(1) {
		t.Fatalf("by unit: %v", u)
	}

	res := e.api("GET", "/api/v1/assignments/"+id+"/report.csv", admin, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", res.StatusCode, res.body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(res.body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != "nip,name,unit,due,status,done_at" {
		t.Fatalf("csv rows: %v", rows)
	}
	got := map[string][]string{}
	for _, row := range rows[1:] {
		got[row[0]] = row
	}
	if g := got[learnerNIP]; g[1] != "Siti Rahmawati" || g[2] != "Dinas Kesehatan" || g[3] != due || g[4] != "done" || g[5] == "" {
		t.Errorf("learner's row: %v", g)
	}
	if g := got[learner2NIP]; g[4] != "overdue" || g[5] != "" {
		t.Errorf("learner2's row: %v", g)
	}

	// An atasan: trainer2 leads learner2 only.
	e.setSupervisor(t, learner2NIP, trainer2NIP)
	boss := e.token(trainer2NIP)
	due2 := time.Now().Add(200 * time.Hour).In(wib).Format("2006-01-02")
	mustStatus(t, e.api("POST", "/api/v1/assignments", boss, map[string]any{"course_id": c.Course.ID, "nips": []string{learnerNIP}, "due": due2}), 403, "outside the team")
	mustStatus(t, e.api("POST", "/api/v1/assignments", boss, map[string]any{"course_id": c.Course.ID, "units": []string{"Dinas Kesehatan"}, "due": due2}), 403, "a unit")
	mine := mustStatus(t, e.api("POST", "/api/v1/assignments", boss, map[string]any{"course_id": c.Course.ID, "nips": []string{learner2NIP}, "due": due2}), 201, "team")
	tl := mustStatus(t, e.api("GET", "/api/v1/assignments", boss, nil), 200, "team list")["items"].([]any)
	if len(tl) != 2 {
		t.Fatalf("the atasan sees %v", tl)
	}
	for _, it := range tl {
		if it.(map[string]any)["assigned"] != float64(1) {
			t.Errorf("counted beyond the team: %v", it)
		}
	}
	if rep := mustStatus(t, e.api("GET", "/api/v1/assignments/"+mine["id"].(string), boss, nil), 200, "team report"); rep["assigned"] != float64(1) {
		t.Errorf("team report: %v", rep)
	}
}

// TestPathsAPI: a trainer makes a path of published courses (duplicates,
// drafts and unknown courses refused); a learner's progress runs across
// it; an assignment of the path is done when every course is complete.
func TestPathsAPI(t *testing.T) {
	e := newEnv(t, nil)
	own, admin, learner := e.token(trainerNIP), e.token(adminNIP), e.token(learnerNIP)
	c1 := seedPageCourse(t, e, "Orientasi Satu", "Teknis", "Satu.", false)
	c2 := seedPageCourse(t, e, "Orientasi Dua", "Teknis", "Dua.", false)
	draft := seedPageCourse(t, e, "Masih Draf", "Teknis", "Draf.", true)
	for _, tc := range []struct {
		courses []string
		want    string
	}{
		{[]string{c1.Course.ID, c1.Course.ID}, "path.course_twice"},
		{[]string{c1.Course.ID, draft.Course.ID}, "path.course_unpublished"},
		{[]string{"c-tidak-ada"}, "path.course_unknown"},
		{nil, "required"},
	} {
		r := e.api("POST", "/api/v1/paths", own, map[string]any{"title": "Jalur", "courses": tc.courses})
		if r.StatusCode != 422 || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%v: %d %s", tc.courses, r.StatusCode, r.body)
		}
	}
	mustStatus(t, e.api("POST", "/api/v1/paths", learner, map[string]any{"title": "Jalur", "courses": []string{c1.Course.ID}}), 403, "learner")
	p := mustStatus(t, e.api("POST", "/api/v1/paths", own, map[string]any{"title": "Orientasi ASN Baru", "summary": "Untuk CPNS",
		"courses": []string{c1.Course.ID, c2.Course.ID}}), 201, "create path")
	pid := p["id"].(string)
	mustStatus(t, e.api("PUT", "/api/v1/paths/"+pid, e.token(trainer2NIP), map[string]any{"title": "Bukan milikku", "courses": []string{c1.Course.ID}}), 403, "not the owner")
	if l := mustStatus(t, e.api("GET", "/api/v1/paths", learner, nil), 200, "list")["items"].([]any); len(l) != 1 {
		t.Fatalf("paths: %v", l)
	}

	a := mustStatus(t, e.api("POST", "/api/v1/assignments", admin, map[string]any{"path_id": pid, "nips": []string{learnerNIP},
		"due": time.Now().Add(100 * time.Hour).Format(time.RFC3339)}), 201, "assign path")
	e.completeCourse(t, learner, c1)
	g := mustStatus(t, e.api("GET", "/api/v1/paths/"+pid, learner, nil), 200, "path")
	prog := g["progress"].(map[string]any)
	if prog["percent"] != float64(50) || prog["completed_at"] != nil || len(prog["courses"].([]any)) != 2 {
		t.Fatalf("half way: %v", prog)
	}
	if s := myStatus(t, e, learner, a["id"].(string)); s != "pending" {
		t.Fatalf("one course of two: %q", s)
	}
	e.completeCourse(t, learner, c2)
	prog = mustStatus(t, e.api("GET", "/api/v1/paths/"+pid, learner, nil), 200, "path")["progress"].(map[string]any)
	if prog["percent"] != float64(100) || prog["completed_at"] == nil {
		t.Fatalf("complete: %v", prog)
	}
	if s := myStatus(t, e, learner, a["id"].(string)); s != "done" {
		t.Fatalf("path done: %q", s)
	}
	// Assigned again after completing: done at once.
	b := mustStatus(t, e.api("POST", "/api/v1/assignments", admin, map[string]any{"course_id": c1.Course.ID, "nips": []string{learnerNIP},
		"due": time.Now().Add(100 * time.Hour).Format(time.RFC3339)}), 201, "assign again")
	if s := myStatus(t, e, learner, b["id"].(string)); s != "done" {
		t.Fatalf("already completed: %q", s)
	}
}

// TestAssignmentAndPathPages: "Tim saya" links to the form with ?nips=
// filled in; an atasan reaches the form for their team and a learner is
// refused; a trainer makes a path with the form, a wrong choice is shown
// back with its message.
func TestAssignmentAndPathPages(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Etika Pelayanan", "Teknis", "Etika.", false)
	adm := signedIn(t, e, adminNIP)
	r := adm.get("/admin/assignments?nips=" + learnerNIP + "," + learner2NIP)
	mustContain(t, "prefilled form", r.body, learnerNIP+"\n"+learner2NIP, `name="units"`)
	if r := signedIn(t, e, learnerNIP).get("/admin/assignments"); r.StatusCode != 403 {
		t.Fatalf("learner: %d", r.StatusCode)
	}
	e.setSupervisor(t, learner2NIP, trainer2NIP)
	boss := signedIn(t, e, trainer2NIP)
	r = boss.get("/admin/assignments?nips=" + learner2NIP)
	if r.StatusCode != 200 {
		t.Fatalf("atasan: %d", r.StatusCode)
	}
	mustNotContain(t, "atasan's form", r.body, `name="units"`)
	tok := boss.csrf("/admin/assignments")
	r = boss.post("/admin/assignments", url.Values{"_csrf": {tok}, "course_id": {c.Course.ID}, "nips": {learner2NIP},
		"due": {time.Now().Add(96 * time.Hour).In(wib).Format("2006-01-02")}})
	if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/admin/assignments/a") {
		t.Fatalf("atasan assigns: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	r = boss.post("/admin/assignments", url.Values{"_csrf": {tok}, "course_id": {c.Course.ID}, "nips": {learner2NIP}, "due": {"2001-01-01"}})
	if r.StatusCode != 422 {
		t.Fatalf("past due through the form: %d", r.StatusCode)
	}
	mustContain(t, "past due", r.body, "masa depan", `aria-invalid="true"`)

	tr := signedIn(t, e, trainerNIP)
	tok = tr.csrf("/paths/new")
	r = tr.post("/paths/new", url.Values{"_csrf": {tok}, "title": {"Orientasi"}, "course_1": {c.Course.ID}, "course_2": {c.Course.ID}})
	if r.StatusCode != 422 {
		t.Fatalf("a course twice: %d", r.StatusCode)
	}
	mustContain(t, "path form", r.body, "dua kali")
	r = tr.post("/paths/new", url.Values{"_csrf": {tok}, "title": {"Orientasi"}, "course_1": {c.Course.ID}})
	if r.StatusCode != 303 {
		t.Fatalf("path form: %d %s", r.StatusCode, r.body)
	}
	r = signedIn(t, e, learnerNIP).get(r.Header.Get("Location"))
	mustContain(t, "path page", r.body, "Orientasi", c.Course.Title, `action="/paths/`)
}
