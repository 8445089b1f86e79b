package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// completedCourse is a published course the given learners have enrolled
// in and completed through the API.
func completedCourse(t *testing.T, e *testEnv, title string, tokens ...string) pgCourse {
	t.Helper()
	c := seedPageCourse(t, e, title, "Teknis", "Uraian.", false)
	for _, tok := range tokens {
		mustStatus(t, e.api("POST", "/api/v1/courses/"+c.Course.ID+"/enroll", tok, nil), 201, "enroll")
		e.completeCourse(t, tok, c)
	}
	return c
}

func ratings(content, trainer, use int) map[string]int {
	return map[string]int{"content": content, "trainer": trainer, "usefulness": use}
}

// TestEvaluationAPI: a learner who completed a course evaluates it once
// (201, then 409); one who has not is refused (403); bad ratings and a
// long comment are 422 naming the field; the owner and an admin read the
// count, means, distribution and comments (text only, newest first, the
// markup kept as text); another trainer and a learner get 403.
func TestEvaluationAPI(t *testing.T) {
	e := newEnv(t, nil)
	learner, learner2 := e.token(learnerNIP), e.token(learner2NIP)
	owner, other, admin := e.token(trainerNIP), e.token(trainer2NIP), e.token(adminNIP)
	c := completedCourse(t, e, "Etika Pelayanan", learner)
	path := "/api/v1/courses/" + c.Course.ID + "/evaluation"

	mustStatus(t, e.api("POST", "/api/v1/courses/"+c.Course.ID+"/enroll", learner2, nil), 201, "enroll 2")
	r := e.api("POST", path, learner2, map[string]any{"ratings": ratings(5, 5, 5)})
	if r.StatusCode != 403 || !strings.Contains(string(r.body), "not_completed") {
		t.Fatalf("not completed: %d %s", r.StatusCode, r.body)
	}
	for _, bad := range []map[string]any{
		{"ratings": ratings(0, 3, 3)},
		{"ratings": ratings(3, 6, 3)},
		{"ratings": map[string]int{"content": 3, "trainer": 3}},
		{"ratings": ratings(3, 3, 3), "comment": strings.Repeat("x", 2001)},
	} {
		r := e.api("POST", path, learner, bad)
		if r.StatusCode != 422 {
			t.Fatalf("%v: %d %s", bad, r.StatusCode, r.body)
		}
	}
	mustStatus(t, e.api("GET", path, learner, nil), 404, "no evaluation yet")
	mustStatus(t, e.api("POST", path, learner, map[string]any{"ratings": ratings(4, 5, 3),
		"comment": "<script>alert(1)</script> Materi bagus"}), 201, "evaluate")
	r = e.api("POST", path, learner, map[string]any{"ratings": ratings(1, 1, 1)})
	if r.StatusCode != 409 {
		t.Fatalf("second evaluation: %d %s", r.StatusCode, r.body)
	}
	if m := mustStatus(t, e.api("GET", path, learner, nil), 200, "my evaluation"); m["ratings"].(map[string]any)["content"] != float64(4) {
		t.Fatalf("my evaluation = %v", m)
	}

	// A second learner completes and rates without a comment.
	e.completeCourse(t, learner2, c)
	mustStatus(t, e.api("POST", path, learner2, map[string]any{"ratings": ratings(2, 3, 5)}), 201, "evaluate 2")

	list := "/api/v1/courses/" + c.Course.ID + "/evaluations"
	for _, tok := range []string{owner, admin} {
		m := mustStatus(t, e.api("GET", list, tok, nil), 200, "report")
		if m["count"] != float64(2) {
			t.Fatalf("count = %v", m["count"])
		}
		means := m["means"].(map[string]any)
		if means["content"] != 3.0 || means["trainer"] != 4.0 || means["usefulness"] != 4.0 {
			t.Fatalf("means = %v", means)
		}
		dist := m["distribution"].(map[string]any)
		if fmt.Sprint(dist["content"]) != "[0 1 0 1 0]" || fmt.Sprint(dist["usefulness"]) != "[0 0 1 0 1]" {
			t.Fatalf("distribution = %v", dist)
		}
		cs := m["comments"].([]any)
		if len(cs) != 1 || cs[0].(map[string]any)["text"] != "<script>alert(1)</script> Materi bagus" {
			t.Fatalf("comments = %v", cs)
		}
		if _, ok := cs[0].(map[string]any)["nip"]; ok || strings.Contains(string(e.api("GET", list, tok, nil).body), learnerNIP) {
			t.Fatal("comments name their authors")
		}
	}
	mustStatus(t, e.api("GET", list, other, nil), 403, "another trainer")
	mustStatus(t, e.api("GET", list, learner, nil), 403, "a learner")
	mustStatus(t, e.api("GET", "/api/v1/courses/nope/evaluations", owner, nil), 404, "unknown course")
}

// TestEvaluationOncePerLearnerConcurrently: twenty concurrent submissions
// by one learner store one evaluation and count it once; evaluations of
// many learners at once are each counted exactly once, the aggregate's
// contention finished by the pending pass.
func TestEvaluationOncePerLearnerConcurrently(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	svc := e.app.Service()
	learner := e.token(learnerNIP)
	c := completedCourse(t, e, "Etika Pelayanan", learner)
	path := "/api/v1/courses/" + c.Course.ID + "/evaluation"
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.api("POST", path, learner, map[string]any{"ratings": ratings(5, 4, 3)}).StatusCode
		}()
	}
	wg.Wait()
	created := 0
	for _, code := range codes {
		switch code {
		case 201:
			created++
		case 409:
		default:
			t.Fatalf("status %d", code)
		}
	}
	if created != 1 {
		t.Fatalf("%d created, want 1", created)
	}

	// Many learners at once, straight through the domain.
	var users []content.User
	for i := range 12 {
		nip := fmt.Sprintf("19900101201501%04d", 1001+i)
		u, err := svc.CreateUser(ctx, content.NewUser{NIP: nip, Name: "Peserta " + nip, Password: testPass})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
		tok := e.token(nip)
		mustStatus(t, e.api("POST", "/api/v1/courses/"+c.Course.ID+"/enroll", tok, nil), 201, "enroll")
		e.completeCourse(t, tok, c)
	}
	errs := make(chan error, len(users))
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.SubmitEvaluation(ctx, u, c.Course.ID, content.EvaluationInput{Ratings: content.EvaluationRatings{Content: 1 + i%5, Trainer: 5, Usefulness: 4}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.advance(2 * time.Minute)
	if _, err := svc.FoldPendingEvaluations(ctx); err != nil {
		t.Fatal(err)
	}
	m := mustStatus(t, e.api("GET", "/api/v1/courses/"+c.Course.ID+"/evaluations", e.token(trainerNIP), nil), 200, "report")
	if m["count"] != float64(13) {
		t.Fatalf("count = %v, want 13", m["count"])
	}
	// 5 + (1+2+3+4+5+1+2+3+4+5+1+2) = 38 over 13.
	if got := m["means"].(map[string]any)["content"]; got != 2.92 {
		t.Fatalf("content mean = %v", got)
	}
	if got := fmt.Sprint(m["distribution"].(map[string]any)["trainer"]); got != "[0 0 0 1 12]" {
		t.Fatalf("trainer distribution = %v", got)
	}
	// Running the pass again counts nothing twice.
	if n, err := svc.FoldPendingEvaluations(ctx); err != nil || n != 0 {
		t.Fatalf("second pass: %d %v", n, err)
	}
}

// TestEvaluationLevel3: the atasan is asked once, only after the
// configured weeks; only they may rate (once); the result stands beside
// level 1.
func TestEvaluationLevel3(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_L3_WEEKS": "3"})
	ctx := context.Background()
	svc := e.app.Service()
	e.setSupervisor(t, learnerNIP, trainer2NIP)
	learner, boss, owner := e.token(learnerNIP), e.token(trainer2NIP), e.token(trainerNIP)
	c := completedCourse(t, e, "Etika Pelayanan", learner)

	asks := func(tok string) (open, done []any) {
		m := mustStatus(t, e.api("GET", "/api/v1/me/impact-reviews", tok, nil), 200, "asks")
		return m["open"].([]any), m["done"].([]any)
	}
	if st, err := svc.AskImpact(ctx); err != nil || st.Asked != 0 {
		t.Fatalf("at once: %+v %v", st, err)
	}
	e.advance(2 * 7 * 24 * time.Hour)
	if st, err := svc.AskImpact(ctx); err != nil || st.Asked != 0 {
		t.Fatalf("after two weeks: %+v %v", st, err)
	}
	if open, _ := asks(boss); len(open) != 0 {
		t.Fatalf("asked too early: %v", open)
	}
	e.advance(7*24*time.Hour + time.Hour)
	if st, err := svc.AskImpact(ctx); err != nil || st.Asked != 1 {
		t.Fatalf("after three weeks: %+v %v", st, err)
	}
	for range 2 {
		if st, err := svc.AskImpact(ctx); err != nil || st.Asked != 0 {
			t.Fatalf("again: %+v %v", st, err)
		}
	}
	open, _ := asks(boss)
	if len(open) != 1 || open[0].(map[string]any)["course_id"] != c.Course.ID {
		t.Fatalf("open asks = %v", open)
	}
	n := 0
	for _, it := range mustStatus(t, e.api("GET", "/api/v1/notifications", boss, nil), 200, "bell")["items"].([]any) {
		if it.(map[string]any)["kind"] == content.KindImpactAsk {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d level-3 notifications, want 1", n)
	}
	for _, tok := range []string{learner, owner} {
		if o, _ := asks(tok); len(o) != 0 {
			t.Fatalf("someone else is asked: %v", o)
		}
	}
	id := open[0].(map[string]any)["id"].(string)
	mustStatus(t, e.api("POST", "/api/v1/impact-reviews/"+id, learner, map[string]any{"rating": 5}), 403, "the learner rates")
	mustStatus(t, e.api("POST", "/api/v1/impact-reviews/"+id, boss, map[string]any{"rating": 6}), 422, "rating 6")
	mustStatus(t, e.api("POST", "/api/v1/impact-reviews/"+id, boss, map[string]any{"rating": 4, "note": "Antrean lebih cepat"}), 201, "rate")
	mustStatus(t, e.api("POST", "/api/v1/impact-reviews/"+id, boss, map[string]any{"rating": 1}), 409, "rate again")
	if o, d := asks(boss); len(o) != 0 || len(d) != 1 {
		t.Fatalf("after rating: open %v done %v", o, d)
	}
	m := mustStatus(t, e.api("GET", "/api/v1/courses/"+c.Course.ID+"/evaluations", owner, nil), 200, "report")
	imp := m["impact"].(map[string]any)
	if imp["count"] != float64(1) || imp["mean"] != 4.0 || fmt.Sprint(imp["distribution"]) != "[0 0 0 1 0]" ||
		len(imp["notes"].([]any)) != 1 {
		t.Fatalf("impact = %v", imp)
	}
}

// TestCompetencyTags: course tags are normalised and bounded through
// PATCH; only owners set them; the catalogue and position requirements
// are admins'.
func TestCompetencyTags(t *testing.T) {
	e := newEnv(t, nil)
	owner, other, admin, learner := e.token(trainerNIP), e.token(trainer2NIP), e.token(adminNIP), e.token(learnerNIP)
	c := seedPageCourse(t, e, "Etika Pelayanan", "Teknis", "Uraian.", false)
	path := "/api/v1/courses/" + c.Course.ID
	m := mustStatus(t, e.api("PATCH", path, owner, map[string]any{"competencies": []string{" Pelayanan Publik ", "pelayanan-publik", "Etika_Kerja", ""}}), 200, "tags")
	if fmt.Sprint(m["competencies"]) != "[pelayanan-publik etika-kerja]" {
		t.Fatalf("tags = %v", m["competencies"])
	}
	for _, bad := range [][]string{{strings.Repeat("a", 41)}, {"!!"}, {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}} {
		r := e.api("PATCH", path, owner, map[string]any{"competencies": bad})
		if r.StatusCode != 422 || !strings.Contains(string(r.body), `"competencies"`) {
			t.Fatalf("%v: %d %s", bad, r.StatusCode, r.body)
		}
	}
	mustStatus(t, e.api("PATCH", path, other, map[string]any{"competencies": []string{"x-y"}}), 403, "another trainer")
	if m := mustStatus(t, e.api("GET", path, learner, nil), 200, "course"); fmt.Sprint(m["competencies"]) != "[pelayanan-publik etika-kerja]" {
		t.Fatalf("after refusals: %v", m["competencies"])
	}

	mustStatus(t, e.api("PUT", "/api/v1/competencies", owner, map[string]any{"items": []map[string]string{{"tag": "x"}}}), 403, "trainer edits catalogue")
	m = mustStatus(t, e.api("PUT", "/api/v1/competencies", admin, map[string]any{"items": []map[string]string{
		{"tag": "Pelayanan Publik", "name": "Pelayanan publik"}, {"tag": "komunikasi"}}}), 200, "catalogue")
	if fmt.Sprint(m["items"]) != "[map[name:komunikasi tag:komunikasi] map[name:Pelayanan publik tag:pelayanan-publik]]" {
		t.Fatalf("catalogue = %v", m["items"])
	}
	if m := mustStatus(t, e.api("GET", "/api/v1/competencies", learner, nil), 200, "read"); len(m["items"].([]any)) != 2 {
		t.Fatalf("catalogue read = %v", m)
	}

	mustStatus(t, e.api("PUT", "/api/v1/position-requirements", owner, map[string]any{"position": "Analis", "competencies": map[string]int{"komunikasi": 3}}), 403, "trainer sets requirement")
	r := e.api("PUT", "/api/v1/position-requirements", admin, map[string]any{"position": "Analis", "competencies": map[string]int{"komunikasi": 7}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "competencies.komunikasi") {
		t.Fatalf("level 7: %d %s", r.StatusCode, r.body)
	}
	mustStatus(t, e.api("PUT", "/api/v1/position-requirements", admin, map[string]any{"position": "  Analis   Kebijakan ",
		"competencies": map[string]int{"Komunikasi": 3, "pelayanan-publik": 4}}), 200, "requirement")
	m = mustStatus(t, e.api("GET", "/api/v1/position-requirements", learner, nil), 200, "requirements")
	if fmt.Sprint(m["items"]) == "[]" || !strings.Contains(fmt.Sprint(m["items"]), "position:Analis Kebijakan") ||
		!strings.Contains(fmt.Sprint(m["items"]), "map[level:3 tag:komunikasi] map[level:4 tag:pelayanan-publik]") {
		t.Fatalf("requirements = %v", m["items"])
	}
	mustStatus(t, e.api("PUT", "/api/v1/position-requirements", admin, map[string]any{"position": "analis kebijakan", "competencies": map[string]int{}}), 200, "remove")
	if m := mustStatus(t, e.api("GET", "/api/v1/position-requirements", admin, nil), 200, "after removal"); len(m["items"].([]any)) != 0 {
		t.Fatalf("after removal = %v", m["items"])
	}
}

// TestAssessmentAPI: an atasan assesses their team (201) with Required
// filled from the position; outside the team is 403, a learner 403; the
// same period again replaces it, audited; bad input is 422 naming the
// field.
func TestAssessmentAPI(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin, boss, learner := e.token(adminNIP), e.token(trainer2NIP), e.token(learnerNIP)
	e.setSupervisor(t, learnerNIP, trainer2NIP)
	svc := e.app.Service()
	adm, _ := svc.User(ctx, adminNIP)
	if _, err := svc.UpdateUser(ctx, adm, learnerNIP, content.UserPatch{Position: pgPtr("Analis Kebijakan")}); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.api("PUT", "/api/v1/position-requirements", admin, map[string]any{"position": "analis kebijakan",
		"competencies": map[string]int{"komunikasi": 4}}), 200, "requirement")

	body := map[string]any{"nip": learnerNIP, "period": "2026-s1", "competencies": map[string]int{"Komunikasi": 2, "etika": 4}, "note": "<b>Perlu</b> latihan"}
	m := mustStatus(t, e.api("POST", "/api/v1/assessments", boss, body), 201, "assess")
	if m["period"] != "2026-S1" || m["year"] != float64(2026) || m["unit"] != "Dinas Kesehatan" ||
		fmt.Sprint(m["competencies"]) != "[map[level:4 required:0 tag:etika] map[level:2 required:4 tag:komunikasi]]" {
		t.Fatalf("assessment = %v", m)
	}
	mustStatus(t, e.api("POST", "/api/v1/assessments", boss, map[string]any{"nip": learner2NIP, "period": "2026",
		"competencies": map[string]int{"etika": 3}}), 403, "outside the team")
	mustStatus(t, e.api("POST", "/api/v1/assessments", learner, map[string]any{"nip": learner2NIP, "period": "2026",
		"competencies": map[string]int{"etika": 3}}), 403, "a learner")
	mustStatus(t, e.api("POST", "/api/v1/assessments", boss, map[string]any{"nip": "199001012015011999", "period": "2026",
		"competencies": map[string]int{"etika": 3}}), 403, "unknown person, atasan")
	for field, bad := range map[string]map[string]any{
		"period":             {"nip": learnerNIP, "period": "2026-S3", "competencies": map[string]int{"etika": 3}},
		"competencies":       {"nip": learnerNIP, "period": "2026"},
		"competencies.etika": {"nip": learnerNIP, "period": "2026", "competencies": map[string]int{"etika": 0}},
		"note":               {"nip": learnerNIP, "period": "2026", "competencies": map[string]int{"etika": 3}, "note": strings.Repeat("x", 2001)},
	} {
		r := e.api("POST", "/api/v1/assessments", boss, bad)
		if r.StatusCode != 422 || !strings.Contains(string(r.body), `"`+field+`"`) {
			t.Fatalf("%s: %d %s", field, r.StatusCode, r.body)
		}
	}
	// Again for the same period: replaced, not added.
	body["competencies"] = map[string]int{"komunikasi": 4}
	mustStatus(t, e.api("POST", "/api/v1/assessments", admin, body), 201, "replace")
	m = mustStatus(t, e.api("GET", "/api/v1/assessments?nip="+learnerNIP, boss, nil), 200, "list")
	items := m["items"].([]any)
	if len(items) != 1 || fmt.Sprint(items[0].(map[string]any)["competencies"]) != "[map[level:4 required:4 tag:komunikasi]]" {
		t.Fatalf("after replace = %v", items)
	}
	mustStatus(t, e.api("GET", "/api/v1/assessments?nip="+learnerNIP, learner, nil), 200, "own")
	mustStatus(t, e.api("GET", "/api/v1/assessments?nip="+learnerNIP, e.token(learner2NIP), nil), 403, "someone else's")
	mustStatus(t, e.api("GET", "/api/v1/assessments", boss, nil), 403, "latest, atasan")
	if m := mustStatus(t, e.api("GET", "/api/v1/assessments", admin, nil), 200, "latest"); len(m["items"].([]any)) != 1 {
		t.Fatalf("latest = %v", m)
	}
	as, _, err := svc.AssessmentsOfUnitYear(ctx, "Dinas Kesehatan", 2026, "", 10)
	if err != nil || len(as) != 1 {
		t.Fatalf("unit and year: %v %v", as, err)
	}
	log, _, err := svc.AuditLog(ctx, adm, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, en := range log {
		if en.Action == "assessment.record" {
			recorded++
		}
	}
	if recorded != 2 {
		t.Fatalf("%d audit entries, want 2", recorded)
	}
}

// TestAssessmentCSV: a file with bad lines reports each with its line
// number and writes nothing; a good file (BOM, semicolons) dry-runs, then
// applies; a file refused whole says why.
func TestAssessmentCSV(t *testing.T) {
	e := newEnv(t, nil)
	admin, boss := e.token(adminNIP), e.token(trainerNIP)
	post := func(tok, q, body string) resp {
		return e.postCSV("/api/v1/assessments/import"+q, tok, "text/csv", strings.NewReader(body))
	}
	mustStatus(t, post(boss, "", "nip,period,etika\n"+learnerNIP+",2026,3\n"), 403, "not admin")
	bad := "nip,period,etika,komunikasi,note\n" +
		learnerNIP + ",2026,3,4,baik\n" +
		"199001012015011999,2026,3,,\n" + // line 3: unknown NIP
		learner2NIP + ",2026,9,,\n" + // line 4: level 9
		learner2NIP + ",20X6,2,,\n" + // line 5: period
		learnerNIP + ",2026,2,2\n" + // line 6: fields
		learnerNIP + ",2026,1,1,lagi\n" // line 7: repeated person and period
	m := mustStatus(t, post(admin, "", bad), 200, "bad file")
	var got []string
	for _, it := range m["errors"].([]any) {
		it := it.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v", it["line"], it["field"]))
	}
	if strings.Join(got, " ") != "3:nip 4:etika 5:period 6:<nil> 7:period" || m["written"] != float64(0) {
		t.Fatalf("errors = %v (%v)", got, m)
	}
	if l := mustStatus(t, e.api("GET", "/api/v1/assessments", admin, nil), 200, "latest"); len(l["items"].([]any)) != 0 {
		t.Fatalf("written despite errors: %v", l)
	}

	good := "\ufeffNIP;Periode;Etika;Komunikasi;Catatan\n" + learnerNIP + ";2026-S2;3;4;\"baik; rajin\"\n" + learner2NIP + ";2026-S2;2;;\n"
	m = mustStatus(t, post(admin, "?dry_run=1", good), 200, "dry run")
	if m["dry_run"] != true || m["written"] != float64(0) || len(m["errors"].([]any)) != 0 || m["lines"] != float64(2) {
		t.Fatalf("dry run = %v", m)
	}
	if l := mustStatus(t, e.api("GET", "/api/v1/assessments", admin, nil), 200, "latest"); len(l["items"].([]any)) != 0 {
		t.Fatalf("dry run wrote: %v", l)
	}
	m = mustStatus(t, post(admin, "", good), 200, "apply")
	if m["written"] != float64(2) {
		t.Fatalf("apply = %v", m)
	}
	l := mustStatus(t, e.api("GET", "/api/v1/assessments?nip="+learnerNIP, admin, nil), 200, "person")
	it := l["items"].([]any)[0].(map[string]any)
	if it["note"] != "baik; rajin" || fmt.Sprint(it["competencies"]) != "[map[level:3 required:0 tag:etika] map[level:4 required:0 tag:komunikasi]]" {
		t.Fatalf("imported = %v", it)
	}
	r := post(admin, "", "nip,etika\n"+learnerNIP+",3\n")
	if r.StatusCode != 400 || !strings.Contains(string(r.body), "period") {
		t.Fatalf("missing column: %d %s", r.StatusCode, r.body)
	}
	r = post(admin, "", "nip,period,etika\n\x00\n")
	if r.StatusCode != 415 {
		t.Fatalf("binary: %d %s", r.StatusCode, r.body)
	}
}
