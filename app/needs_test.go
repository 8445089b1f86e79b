package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

// skmMonthDoc is the stored shape of an SKM month aggregate
// (content/skm.go), written directly as the SKM feature would.
type skmMonthDoc struct {
	Service string   `bson:"service"`
	Unit    string   `bson:"unit"`
	Month   string   `bson:"month"`
	Year    int      `bson:"year"`
	Sums    ikm.Sums `bson:"sums"`
}

// weakSums are ten responses with means 3.2 3.2 2.5 3.2 3.2 2.7 3.1 3.1
// 3.2: IKM 76.11 (C), U3 2.5 (D) and U6 2.7 (C) the weakest.
func weakSums() ikm.Sums {
	s := ikm.Sums{Responses: 10}
	for i, v := range []int{32, 32, 25, 32, 32, 27, 31, 31, 32} {
		s.Sum[i], s.N[i] = v, 10
	}
	return s
}

type needsSeed struct {
	year               int
	courseU3, courseU6 string
	parent, child      string
}

// seedNeeds: the parent unit and its child each have ten weak responses
// this year (together IKM 76.11, C); the learner (child unit, the
// trainer's team) is assessed 1 below on manajemen-waktu, learner2
// (parent unit) 2 below; two published courses carry the U3 and U6
// competencies.
func seedNeeds(t *testing.T, e *testEnv, parent, child string) needsSeed {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	admin := mustUser(t, e, adminNIP)
	for _, u := range []struct{ code, name, parent string }{{parent, "Dinas " + parent, ""}, {child, "Seksi " + child, parent}} {
		if _, err := svc.PutUnit(ctx, admin, u.code, content.UnitInput{Name: u.name, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	cu, pu, sup := child, parent, trainerNIP
	if _, err := svc.UpdateUser(ctx, admin, learnerNIP, content.UserPatch{Unit: &cu, SupervisorNIP: &sup}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateUser(ctx, admin, learner2NIP, content.UserPatch{Unit: &pu}); err != nil {
		t.Fatal(err)
	}
	year := svc.CurrentYear()
	months := e.stores.Docs.C("skm_months")
	for i, m := range []skmMonthDoc{
		{Service: "svc-1", Unit: parent, Month: fmt.Sprintf("%d-01", year), Year: year, Sums: weakSums()},
		{Service: "svc-2", Unit: child, Month: fmt.Sprintf("%d-02", year), Year: year, Sums: weakSums()},
	} {
		if err := months.Insert(ctx, m.Service+"~"+m.Month, &m); err != nil {
			t.Fatal(i, err)
		}
	}
	at := time.Date(year, 1, 10, 0, 0, 0, 0, time.UTC)
	for _, a := range []content.Assessment{
		{ID: learnerNIP + "~" + strconv.Itoa(year), User: learnerNIP, Unit: child, Period: strconv.Itoa(year), Year: year, By: trainerNIP, At: at,
			Levels: []content.CompetencyGap{{Tag: "manajemen-waktu", Level: 2, Required: 3}}},
		{ID: learner2NIP + "~" + strconv.Itoa(year), User: learner2NIP, Unit: parent, Period: strconv.Itoa(year), Year: year, By: adminNIP, At: at,
			Levels: []content.CompetencyGap{{Tag: "manajemen-waktu", Level: 1, Required: 3}}},
	} {
		if err := e.stores.Docs.C("assessments").Insert(ctx, a.ID, &a); err != nil {
			t.Fatal(err)
		}
	}
	tag := func(title, competency string) string {
		c := seedQuizCourse(t, e, title, nil).Course
		if _, err := docs.Update(ctx, e.stores.Docs.C("courses"), c.ID, func(x *content.Course) error {
			x.Competencies = []string{competency}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	return needsSeed{year: year, parent: parent, child: child,
		courseU3: tag("Manajemen Waktu Pelayanan", "manajemen-waktu"), courseU6: tag("Kompetensi Teknis Petugas", "kompetensi-teknis")}
}

func findNeedsUnit(t *testing.T, m map[string]any, code string) map[string]any {
	t.Helper()
	for _, u := range m["units"].([]any) {
		if u.(map[string]any)["code"] == code {
			return u.(map[string]any)
		}
	}
	t.Fatalf("no unit %s", code)
	return nil
}

func becauseOf(u map[string]any, course string) []string {
	var out []string
	for _, r := range u["recommended"].([]any) {
		r := r.(map[string]any)
		if r["course_id"] == course {
			out = append(out, r["because"].(string))
		}
	}
	return out
}

// TestNeedsAPI: the city's figures and recommendations with their reason
// in Indonesian and English, a unit's view, who may see what (an atasan
// their team only, 403 for a unit; a learner 403), the rules editor's
// field errors, and the assign action.
func TestNeedsAPI(t *testing.T) {
	e := newEnv(t, nil)
	s := seedNeeds(t, e, "DISDUK", "DISDUK-A")
	admin, atasan, learner := e.token(adminNIP), e.token(trainerNIP), e.token(learner2NIP)
	y := strconv.Itoa(s.year)

	m := mustStatus(t, e.api("GET", "/api/v1/needs?year="+y, admin, nil), 200, "city")
	d := findNeedsUnit(t, m, "DISDUK")
	if d["ikm"] != 76.11 || d["grade"] != "C" || d["responses"] != 20.0 || d["below_jp"] != 2.0 {
		t.Fatalf("DISDUK: %v", d)
	}
	w := d["weakest"].([]any)
	if w[0].(map[string]any)["element"] != "u3" || w[1].(map[string]any)["element"] != "u6" {
		t.Fatalf("weakest %v", w)
	}
	if got := becauseOf(d, s.courseU6); len(got) != 1 || got[0] != "U6 kompetensi pelaksana: C, 2,7" {
		t.Fatalf("U6 reason (id): %q", got)
	}
	if got := becauseOf(d, s.courseU3); len(got) != 2 || got[0] != "U3 waktu pelayanan: D, 2,5" ||
		got[1] != "Kesenjangan kompetensi manajemen-waktu: 2 orang, rata-rata 1,5 tingkat di bawah syarat" {
		t.Fatalf("U3 reasons (id): %q", got)
	}
	gaps := d["gaps"].([]any)
	if len(gaps) != 1 || gaps[0].(map[string]any)["people"] != 2.0 || gaps[0].(map[string]any)["mean_gap"] != 1.5 {
		t.Fatalf("gaps %v", gaps)
	}
	r := func(path string) resp {
		q := httptest.NewRequest("GET", path, nil)
		q.Header.Set("Authorization", "Bearer "+admin)
		q.Header.Set("Accept-Language", "en-US,en;q=0.9")
		return e.do(q)
	}
	en := mustStatus(t, r("/api/v1/needs?year="+y+"&unit=DISDUK"), 200, "unit (en)")
	u := en["unit"].(map[string]any)
	if got := becauseOf(u, s.courseU6); len(got) != 1 || got[0] != "U6 staff competence: C, 2.7" {
		t.Fatalf("U6 reason (en): %q", got)
	}
	if got := becauseOf(u, s.courseU3); len(got) != 2 || got[1] != "Competency gap in manajemen-waktu: 2 people, on average 1.5 levels below the requirement" {
		t.Fatalf("gap reason (en): %q", got)
	}
	if people := u["below_jp_people"].([]any); len(people) != 2 {
		t.Fatalf("below JP people %v", people)
	}
	if sub := en["units"].([]any); len(sub) != 1 || sub[0].(map[string]any)["code"] != "DISDUK-A" || sub[0].(map[string]any)["responses"] != 10.0 {
		t.Fatalf("sub-units %v", sub)
	}

	// Who may see what.
	mustStatus(t, e.api("GET", "/api/v1/needs", learner, nil), 403, "learner")
	mustStatus(t, e.api("GET", "/api/v1/needs", atasan, nil), 403, "atasan on the city")
	mustStatus(t, e.api("GET", "/api/v1/needs?unit=DISDUK", atasan, nil), 403, "atasan on a unit")
	mustStatus(t, e.api("GET", "/api/v1/needs/team", learner, nil), 403, "learner's team")
	mustStatus(t, e.api("GET", "/api/v1/needs", "", nil), 401, "anonymous")
	tm := mustStatus(t, e.api("GET", "/api/v1/needs/team?year="+y, atasan, nil), 200, "team")["team"].(map[string]any)
	if tm["members"] != 1.0 || tm["responses"] != 10.0 || len(tm["gaps"].([]any)) != 1 {
		t.Fatalf("team %v", tm)
	}
	body := mustStatus(t, e.api("GET", "/api/v1/needs?year=1999", admin, nil), 422, "bad year")
	if !strings.Contains(fmt.Sprint(body), "year") {
		t.Fatalf("bad year names no field: %v", body)
	}
	mustStatus(t, e.api("GET", "/api/v1/needs?unit=NOPE", admin, nil), 404, "unknown unit")

	// Rules: the defaults, then field errors naming the row and field.
	rules := mustStatus(t, e.api("GET", "/api/v1/needs/rules", admin, nil), 200, "rules")
	if els := rules["elements"].([]any); len(els) != 9 || els[2].(map[string]any)["tags"].([]any)[0] != "manajemen-waktu" {
		t.Fatalf("rules %v", rules)
	}
	mustStatus(t, e.api("GET", "/api/v1/needs/rules", atasan, nil), 403, "atasan rules")
	bad := mustStatus(t, e.api("PUT", "/api/v1/needs/rules", admin, map[string]any{"elements": []map[string]any{
		{"element": "u10", "tags": []string{"x"}, "trigger": "C"}, {"element": "u3", "tags": []string{"x"}, "trigger": "Z"}}}), 422, "bad rules")
	fields := bad["error"].(map[string]any)["fields"].(map[string]any)
	if fields["elements[0].element"] == nil || fields["elements[1].trigger"] == nil {
		t.Fatalf("fields %v", fields)
	}
	mustStatus(t, e.api("PUT", "/api/v1/needs/rules", admin, map[string]any{"elements": "x"}), 400, "malformed rules")
	ok := mustStatus(t, e.api("PUT", "/api/v1/needs/rules", admin, map[string]any{"elements": []map[string]any{
		{"element": "u3", "tags": []string{"manajemen-waktu", "disiplin"}, "trigger": "D"}}}), 200, "rules")
	if els := ok["elements"].([]any); els[2].(map[string]any)["trigger"] != "D" || len(els[5].(map[string]any)["tags"].([]any)) != 0 {
		t.Fatalf("saved rules %v", ok)
	}

	// The action: the due date checked first, then the unit assigned.
	due := time.Now().In(wib).AddDate(0, 0, 20).Format("2006-01-02")
	bad = mustStatus(t, e.api("POST", "/api/v1/needs/assign", admin, map[string]any{"year": s.year, "unit": "DISDUK", "because": "skm:u3",
		"course_id": s.courseU3, "due": "2020-01-01"}), 422, "past due")
	if bad["error"].(map[string]any)["fields"].(map[string]any)["due"] == nil {
		t.Fatalf("past due: %v", bad)
	}
	res := mustStatus(t, e.api("POST", "/api/v1/needs/assign", admin, map[string]any{"year": s.year, "unit": "DISDUK", "because": "skm:u3",
		"course_id": s.courseU3, "due": due, "reason": "U3 waktu pelayanan: D, 2,5"}), 201, "assign")
	if res["people"] != 2.0 || res["assigned"] != 2.0 {
		t.Fatalf("assign %v", res)
	}
	mustStatus(t, e.api("POST", "/api/v1/needs/assign", atasan, map[string]any{"year": s.year, "unit": "DISDUK", "because": "skm:u3",
		"course_id": s.courseU3, "due": due}), 403, "atasan assigning a unit")
	res = mustStatus(t, e.api("POST", "/api/v1/needs/assign", atasan, map[string]any{"year": s.year, "team": true, "because": "gap:manajemen-waktu",
		"course_id": s.courseU6, "due": due}), 201, "atasan assigning the team's gap")
	if res["people"] != 1.0 {
		t.Fatalf("team assign %v", res)
	}
	mustStatus(t, e.api("POST", "/api/v1/needs/assign", learner, map[string]any{"year": s.year, "team": true, "because": "skm:u3",
		"course_id": s.courseU3, "due": due}), 403, "learner assigning")
	mine := mustStatus(t, e.api("GET", "/api/v1/me/assignments", e.token(learnerNIP), nil), 200, "learner's assignments")
	if items := mine["items"].([]any); len(items) != 2 {
		t.Fatalf("learner's assignments %v", items)
	}
}

// TestNeedsPages: the dashboard, a unit's page and the team's page with
// their charts and the tables beside them; the rules editor's errors;
// the assign form's errors and success; the hub and team links; the JP
// report's chart.
func TestNeedsPages(t *testing.T) {
	e := newEnv(t, nil)
	s := seedNeeds(t, e, "DISDUK", "DISDUK-A")
	y := strconv.Itoa(s.year)
	admin := e.browser()
	admin.login(adminNIP)
	if b := string(admin.get("/admin").body); !strings.Contains(b, `href="/admin/needs"`) {
		t.Fatal("the admin hub does not link the dashboard")
	}
	r := admin.get("/admin/needs?year=" + y)
	b := string(r.body)
	if r.StatusCode != 200 {
		t.Fatalf("city page %d %s", r.StatusCode, b)
	}
	for _, want := range []string{`data-testid="needs-ikm-chart"`, `<svg class="chart"`, `role="img"`, `class="data chart-table"`,
		`data-testid="needs-gap-chart"`, `data-testid="needs-units"`, `data-unit="DISDUK"`, "Seksi DISDUK-A"} {
		if !strings.Contains(b, want) {
			t.Errorf("city page lacks %s", want)
		}
	}
	r = admin.get("/admin/needs?year=" + y + "&unit=DISDUK")
	b = string(r.body)
	for _, want := range []string{`data-testid="needs-ikm">76,11`, `data-testid="needs-grade">C`, "U6 kompetensi pelaksana: C, 2,7",
		"U3 waktu pelayanan: D, 2,5", `data-testid="needs-assign-form"`, `data-testid="needs-below-list"`, `data-element="U3"`} {
		if !strings.Contains(b, want) {
			t.Errorf("unit page lacks %s", want)
		}
	}
	// Assign from the U6 recommendation: a past date is refused on the
	// form, then the unit is assigned.
	tok := admin.csrf("/admin/needs?year=" + y + "&unit=DISDUK")
	form := url.Values{"_csrf": {tok}, "year": {y}, "unit": {"DISDUK"}, "because": {"skm:u6"}, "course_id": {s.courseU6},
		"reason": {"U6 kompetensi pelaksana: C, 2,7"}, "due": {"2020-01-01"}}
	r = admin.post("/admin/needs/assign", form)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `class="field-error"`) || !strings.Contains(string(r.body), "<details class=\"needs-assign no-print\" open") {
		t.Fatalf("past due: %d", r.StatusCode)
	}
	form.Set("due", time.Now().In(wib).AddDate(0, 0, 14).Format("2006-01-02"))
	r = admin.post("/admin/needs/assign", form)
	if r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), "done=") {
		t.Fatalf("assign: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if b := string(admin.get(r.Header.Get("Location")).body); !strings.Contains(b, `data-testid="needs-done"`) || !strings.Contains(b, "2 orang") {
		t.Fatal("no confirmation after assigning")
	}
	// The rules editor.
	if r := admin.get("/admin/needs/rules"); r.StatusCode != 200 || !strings.Contains(string(r.body), `value="manajemen-waktu"`) {
		t.Fatalf("rules page %d", r.StatusCode)
	}
	rf := url.Values{"_csrf": {admin.csrf("/admin/needs/rules")}}
	for i, code := range ikm.Codes {
		rf.Set(fmt.Sprintf("element_%d", i), code)
		rf.Set(fmt.Sprintf("tags_%d", i), "")
		rf.Set(fmt.Sprintf("trigger_%d", i), "C")
	}
	rf.Set("trigger_3", "X")
	r = admin.post("/admin/needs/rules", rf)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `mutu &#34;X&#34; tidak dikenal`) {
		t.Fatalf("bad rules: %d %s", r.StatusCode, r.body)
	}
	rf.Set("trigger_3", "C")
	rf.Set("tags_5", "kompetensi-teknis, pelayanan prima")
	if r := admin.post("/admin/needs/rules", rf); r.StatusCode != 303 {
		t.Fatalf("rules: %d", r.StatusCode)
	}
	// The JP report's chart beside its table.
	b = string(admin.get("/admin/jp?year=" + y + "&unit=DISDUK").body)
	if !strings.Contains(b, `data-testid="jp-chart"`) || !strings.Contains(b, `id="jp-chart-t"`) || !strings.Contains(b, `<caption>JP per unit`) {
		t.Fatal("the JP report has no chart with its table")
	}

	// The atasan: their team's page, linked from Tim saya; not the admin's.
	atasan := e.browser()
	atasan.login(trainerNIP)
	if b := string(atasan.get("/team").body); !strings.Contains(b, `href="/team/needs"`) {
		t.Fatal("Tim saya does not link the team's needs")
	}
	r = atasan.get("/team/needs")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), "manajemen-waktu") || !strings.Contains(string(r.body), `action="/team/needs/assign"`) {
		t.Fatalf("team page %d", r.StatusCode)
	}
	if r := atasan.get("/admin/needs?unit=DISDUK"); r.StatusCode != 403 {
		t.Fatalf("atasan on the admin page: %d", r.StatusCode)
	}
	learner := e.browser()
	learner.login(learner2NIP)
	for _, p := range []string{"/team/needs", "/admin/needs", "/admin/needs/rules"} {
		if r := learner.get(p); r.StatusCode != 403 {
			t.Errorf("learner %s: %d", p, r.StatusCode)
		}
	}
}

// seedA11yNeeds gives the accessibility walk a needs dashboard with
// figures, charts and recommendations: the units seedPeople made, with
// the learner (in DINKES-YAN, the trainer's team) and learner2 in DINKES.
func seedA11yNeeds(t *testing.T, e *testEnv) {
	t.Helper()
	seedNeeds(t, e, "DINKES", "DINKES-YAN")
	ctx := context.Background()
	svc := e.app.Service()
	if _, err := svc.CreditJP(ctx, content.JPEntry{User: learner2NIP, Source: content.SourceEvent, Ref: "a11y-event", Title: "Seminar", JP: 24}); err != nil {
		t.Fatal(err)
	}
}
