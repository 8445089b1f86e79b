package app

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// TestEvaluationPages: after completing, the learner sees the ask on the
// course page (with a link in the completion line) and at home; "not now"
// hides it; the form refuses a missing rating and then stores the
// evaluation; the owner's results page shows the count, charts with their
// tables and the comment as text; another trainer is refused.
func TestEvaluationPages(t *testing.T) {
	e := newEnv(t, nil)
	learner := e.token(learnerNIP)
	c := completedCourse(t, e, "Etika Pelayanan", learner, e.token(learner2NIP))
	b := signedIn(t, e, learnerNIP)
	r := b.get("/courses/" + c.Course.ID)
	mustContain(t, "course page", r.body, `data-testid="evaluation-ask"`, `data-testid="evaluate-link"`)
	mustContain(t, "home", b.get("/").body, `data-testid="home-evaluation-asks"`, "/courses/"+c.Course.ID+"/evaluation")

	form := "/courses/" + c.Course.ID + "/evaluation"
	tok := b.csrf(form)
	r = b.post(form, url.Values{"_csrf": {tok}, "content": {"4"}, "trainer": {"5"}, "comment": {"<b>Bagus</b>"}})
	mustStatusPage(t, r, 422, "missing usefulness")
	mustContain(t, "refused form", r.body, `id="usefulness-err"`, "&lt;b&gt;Bagus&lt;/b&gt;")
	r = b.post(form, url.Values{"_csrf": {tok}, "content": {"4"}, "trainer": {"5"}, "usefulness": {"3"}, "comment": {"<b>Bagus</b>"}})
	mustStatusPage(t, r, 303, "evaluate")
	r = b.get(form)
	mustContain(t, "evaluated", r.body, `data-testid="evaluation-done"`, "&lt;b&gt;Bagus&lt;/b&gt;")
	r = b.get("/courses/" + c.Course.ID)
	mustNotContain(t, "course page after", r.body, `data-testid="evaluation-ask"`, `data-testid="evaluate-link"`)

	// The second learner dismisses the ask; the link stays.
	b2 := signedIn(t, e, learner2NIP)
	mustStatusPage(t, b2.post(form+"/dismiss", url.Values{"_csrf": {b2.csrf("/courses/" + c.Course.ID)}, "back": {"home"}}), 303, "dismiss")
	mustNotContain(t, "home after dismissing", b2.get("/").body, `data-testid="home-evaluation-asks"`)
	r = b2.get("/courses/" + c.Course.ID)
	mustNotContain(t, "course after dismissing", r.body, `data-testid="evaluation-ask"`)
	mustContain(t, "course after dismissing", r.body, `data-testid="evaluate-link"`)

	ob := signedIn(t, e, trainerNIP)
	mustContain(t, "teach page", ob.get("/teach/"+c.Course.ID).body, "/teach/"+c.Course.ID+"/evaluations")
	r = ob.get("/teach/" + c.Course.ID + "/evaluations")
	mustStatusPage(t, r, 200, "results")
	mustContain(t, "results", r.body, `data-testid="evaluation-count"`, "1 penilaian", `<svg class="chart"`, `<table class="data chart-table">`,
		"&lt;b&gt;Bagus&lt;/b&gt;", "Kebermanfaatan")
	mustNotContain(t, "results", r.body, "<b>Bagus</b>", learnerNIP)
	mustStatusPage(t, signedIn(t, e, trainer2NIP).get("/teach/"+c.Course.ID+"/evaluations"), 403, "another trainer")
}

// TestImpactAndAssessPages: the atasan rates a training's effect from
// /team/impact and assesses a team member from a link on /team; another
// atasan's member is refused.
func TestImpactAndAssessPages(t *testing.T) {
	e := newEnv(t, nil)
	e.setSupervisor(t, learnerNIP, trainer2NIP)
	learner := e.token(learnerNIP)
	completedCourse(t, e, "Etika Pelayanan", learner)
	e.advance(8*7*24*time.Hour + time.Hour)
	if _, err := e.app.Service().AskImpact(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, e, trainer2NIP)
	r := b.get("/team")
	mustContain(t, "team", r.body, `href="/team/impact"`, `href="/team/`+learnerNIP+`/assess"`)
	r = b.get("/team/impact")
	mustContain(t, "impact page", r.body, `data-testid="impact-form"`, "Siti Rahmawati")
	action := regexpFormAction.FindSubmatch(r.body)
	if action == nil {
		t.Fatalf("no impact form action")
	}
	tok := b.csrf("/team/impact")
	mustStatusPage(t, b.post(string(action[1]), url.Values{"_csrf": {tok}, "note": {"x"}}), 422, "no rating")
	mustStatusPage(t, b.post(string(action[1]), url.Values{"_csrf": {tok}, "rating": {"4"}, "note": {"Lebih rapi"}}), 303, "rate")
	r = b.get("/team/impact")
	mustContain(t, "impact after", r.body, `data-testid="impact-none"`, "Lebih rapi")

	page := "/team/" + learnerNIP + "/assess"
	tok = b.csrf(page)
	r = b.post(page, url.Values{"_csrf": {tok}, "period": {"2026"}, "extra": {"komunikasi=3\nEtika=4"}, "note": {"<i>baik</i>"}})
	mustStatusPage(t, r, 303, "assess")
	r = b.get(page + "?saved=1")
	mustContain(t, "assessed", r.body, `data-testid="assess-history"`, "etika 4", "komunikasi 3", "&lt;i&gt;baik&lt;/i&gt;")
	r = b.post(page, url.Values{"_csrf": {tok}, "period": {"2026-X"}, "lv_etika": {"2"}})
	mustStatusPage(t, r, 422, "bad period")
	mustStatusPage(t, b.get("/team/"+learner2NIP+"/assess"), 403, "outside the team")
	mustStatusPage(t, signedIn(t, e, learnerNIP).get(page), 403, "oneself")
}

// TestAdminAssessmentPages: the catalogue and a position requirement are
// saved from /admin/competencies; a CSV with a bad line lists it with its
// number and saves nothing; a good one is checked, then saved; both pages
// are linked from the admin hub and refused to others.
func TestAdminAssessmentPages(t *testing.T) {
	e := newEnv(t, nil)
	b := signedIn(t, e, adminNIP)
	mustContain(t, "hub", b.get("/admin").body, `href="/admin/assessments"`, `href="/admin/competencies"`)
	tok := b.csrf("/admin/competencies")
	mustStatusPage(t, b.post("/admin/competencies", url.Values{"_csrf": {tok}, "catalog": {"pelayanan-publik | Pelayanan publik\nkomunikasi"}}), 303, "catalogue")
	mustStatusPage(t, b.post("/admin/competencies/positions", url.Values{"_csrf": {tok}, "position": {"Analis"}, "levels": {"komunikasi=9"}}), 422, "level 9")
	mustStatusPage(t, b.post("/admin/competencies/positions", url.Values{"_csrf": {tok}, "position": {"Analis"}, "levels": {"komunikasi=3"}}), 303, "requirement")
	r := b.get("/admin/competencies")
	mustContain(t, "competencies", r.body, "Pelayanan publik", "komunikasi=3", `data-testid="position-requirements"`)

	upload := func(action, file string) resp {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("_csrf", b.csrf("/admin/assessments"))
		fw, _ := w.CreateFormFile("file", "penilaian.csv")
		_, _ = io.WriteString(fw, file)
		_ = w.WriteField("action", action)
		_ = w.Close()
		req := httptest.NewRequest("POST", "/admin/assessments/import", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return b.send(req)
	}
	r = upload("apply", "nip,period,komunikasi\n"+learnerNIP+",2026,3\n"+learner2NIP+",2026,8\n")
	mustStatusPage(t, r, 422, "bad line")
	mustContain(t, "bad upload", r.body, `data-testid="assess-csv-errors"`, "<td>3</td>")
	mustNotContain(t, "bad upload", r.body, `data-testid="assessments-latest"`)
	r = upload("check", "nip,period,komunikasi\n"+learnerNIP+",2026,3\n")
	mustContain(t, "checked", r.body, `data-testid="assess-csv-ok"`)
	mustNotContain(t, "checked", r.body, `data-testid="assessments-latest"`)
	r = upload("apply", "nip,period,komunikasi\n"+learnerNIP+",2026,3\n")
	mustContain(t, "applied", r.body, `data-testid="assess-csv-ok"`, `data-testid="assessments-latest"`, "Siti Rahmawati")
	if !strings.Contains(string(upload("apply", "\x00").body), `data-testid="assess-csv-error"`) {
		t.Fatal("binary file not refused on the page")
	}
	lb := signedIn(t, e, learnerNIP)
	mustStatusPage(t, lb.get("/admin/assessments"), 403, "learner")
	mustStatusPage(t, lb.get("/admin/competencies"), 403, "learner")

	// The course form takes tags and shows the catalogue.
	c := seedPageCourse(t, e, "Etika Pelayanan", "Teknis", "Uraian.", false)
	tb := signedIn(t, e, trainerNIP)
	r = tb.get("/teach/" + c.Course.ID + "/edit")
	mustContain(t, "course form", r.body, `id="competencies"`, "pelayanan-publik")
	tok = tb.csrf("/teach/" + c.Course.ID + "/edit")
	mustStatusPage(t, tb.post("/teach/"+c.Course.ID+"/edit", url.Values{"_csrf": {tok}, "title": {c.Course.Title}, "summary": {""},
		"description": {""}, "category": {"Teknis"}, "level": {"Dasar"}, "jp": {"4"}, "competencies": {"Pelayanan Publik, komunikasi"}}), 303, "save tags")
	mustContain(t, "teach page", tb.get("/teach/"+c.Course.ID).body, `data-testid="course-competencies"`, ">pelayanan-publik<", ">komunikasi<")
	r = tb.post("/teach/"+c.Course.ID+"/edit", url.Values{"_csrf": {tok}, "title": {c.Course.Title}, "category": {"Teknis"}, "level": {"Dasar"},
		"jp": {"4"}, "competencies": {strings.Repeat("x", 41)}})
	mustStatusPage(t, r, 422, "long tag")
}

var regexpFormAction = regexp.MustCompile(`<form method="post" action="(/team/impact/[^"]+)"`)

// seedA11yEvaluations gives the accessibility pass something on each
// evaluation page: a course evaluated by learner2 (the trainer's), an
// open level-3 ask for the trainer as the learner's atasan, the catalogue,
// a position requirement and an assessment. It returns the course id.
func seedA11yEvaluations(t *testing.T, e *testEnv) string {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	c := completedCourse(t, e, "Komunikasi Publik", e.token(learner2NIP))
	l2, _ := svc.User(ctx, learner2NIP)
	if _, err := svc.SubmitEvaluation(ctx, l2, c.Course.ID, content.EvaluationInput{Ratings: content.EvaluationRatings{Content: 4, Trainer: 5, Usefulness: 3},
		Comment: "Contoh kasusnya dekat dengan pekerjaan di loket."}); err != nil {
		t.Fatal(err)
	}
	now := svc.Now().UTC()
	if err := e.stores.Docs.C("impact_reviews").Insert(ctx, learnerNIP+"~"+c.Course.ID, &content.ImpactReview{ID: learnerNIP + "~" + c.Course.ID,
		User: learnerNIP, Name: "Siti Rahmawati", Course: c.Course.ID, Title: c.Course.Title, Completed: now.Add(-60 * 24 * time.Hour),
		Atasan: trainerNIP, Asked: now, Open: true}); err != nil {
		t.Fatal(err)
	}
	admin, _ := svc.User(ctx, adminNIP)
	if _, err := svc.SetCompetencyCatalog(ctx, admin, []content.CompetencyTag{{Tag: "pelayanan-publik", Name: "Pelayanan publik"}, {Tag: "komunikasi", Name: "Komunikasi"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPositionRequirement(ctx, admin, "Analis Kebijakan", map[string]int{"komunikasi": 3, "pelayanan-publik": 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordAssessment(ctx, admin, content.AssessmentInput{NIP: learner2NIP, Period: "2026-S1",
		Competencies: map[string]int{"komunikasi": 2, "pelayanan-publik": 4}, Note: "Perlu latihan menulis surat."}); err != nil {
		t.Fatal(err)
	}
	return c.Course.ID
}
