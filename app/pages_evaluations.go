package app

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/svgchart"
)

// Pages of the evaluation loop: a learner's course evaluation, its
// results for the course's trainers, an atasan's level-3 ratings and
// assessments of their team, and the admins' competency catalogue,
// position requirements and assessments (with the CSV upload).

func (a *App) evaluationPages(pages fiber.Router) {
	admin := requireRole(content.RoleAdmin)
	pages.Get("/courses/:id/evaluation", requireUser, a.evaluationPage)
	pages.Post("/courses/:id/evaluation", requireUser, a.evaluationSubmit)
	pages.Post("/courses/:id/evaluation/dismiss", requireUser, a.evaluationDismiss)
	pages.Get("/teach/:id/evaluations", requireRole(content.RoleTrainer), a.evaluationReportPage)
	pages.Get("/team/impact", requireUser, a.impactPage)
	pages.Post("/team/impact/:id", requireUser, a.impactSubmit)
	pages.Get("/team/:nip/assess", requireUser, a.assessPage)
	pages.Post("/team/:nip/assess", requireUser, a.assessSubmit)
	pages.Get("/admin/assessments", admin, a.assessmentsPage)
	pages.Post("/admin/assessments/import", admin, a.assessmentsImportSubmit)
	pages.Get("/admin/competencies", admin, a.competenciesPage)
	pages.Post("/admin/competencies", admin, a.catalogSubmit)
	pages.Post("/admin/competencies/positions", admin, a.positionSubmit)
}

var scale = []int{1, 2, 3, 4, 5}

// Level 1: the learner's form.

type evaluationView struct {
	Course    content.Course
	Completed bool
	Mine      *content.Evaluation
	Names     []string
	Scale     []int
	Form      map[string]int
	Comment   string
	Errors    map[string]string
}

func (a *App) evaluationView(c *fiber.Ctx) (evaluationView, error) {
	u := currentUser(c)
	course, err := a.svc.ViewCourse(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return evaluationView{}, err
	}
	v := evaluationView{Course: course, Names: content.RatingNames, Scale: scale, Form: map[string]int{}}
	e, err := a.svc.Enrollment(c.UserContext(), u.NIP, course.ID)
	switch {
	case err == nil:
		v.Completed = !e.Completed.IsZero()
	case !errors.Is(err, content.ErrNotFound):
		return v, err
	}
	v.Mine, err = a.svc.MyEvaluation(c.UserContext(), u.NIP, course.ID)
	return v, err
}

// evaluationPage: GET /courses/{id}/evaluation.
func (a *App) evaluationPage(c *fiber.Ctx) error {
	v, err := a.evaluationView(c)
	if err != nil {
		return err
	}
	return a.page(c, "evaluation", v)
}

func formInt(c *fiber.Ctx, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(c.FormValue(name)))
	if err != nil {
		return 0
	}
	return n
}

// evaluationInput reads the level-1 evaluation form (a course's or an
// event's).
func evaluationInput(c *fiber.Ctx) content.EvaluationInput {
	return content.EvaluationInput{Ratings: content.EvaluationRatings{Content: formInt(c, "content"), Trainer: formInt(c, "trainer"),
		Usefulness: formInt(c, "usefulness")}, Comment: utils.CopyString(c.FormValue("comment"))}
}

// evaluationRefill is what a refused evaluation form shows again: the
// errors by field and what was entered.
func evaluationRefill(fields map[string]string, in content.EvaluationInput) (errs map[string]string, form map[string]int, comment string) {
	errs = map[string]string{}
	for k, m := range fields {
		errs[strings.TrimPrefix(k, "ratings.")] = m
	}
	form = map[string]int{"content": in.Ratings.Content, "trainer": in.Ratings.Trainer, "usefulness": in.Ratings.Usefulness}
	return errs, form, in.Comment
}

// evaluationSubmit: POST /courses/{id}/evaluation.
func (a *App) evaluationSubmit(c *fiber.Ctx) error {
	v, err := a.evaluationView(c)
	if err != nil {
		return err
	}
	in := evaluationInput(c)
	_, err = a.svc.SubmitEvaluation(c.UserContext(), *currentUser(c), v.Course.ID, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v.Errors, v.Form, v.Comment = evaluationRefill(fields, in)
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "evaluation", v)
	}
	if err != nil && !errors.Is(err, content.ErrEvaluated) {
		return evalErr(err)
	}
	return c.Redirect("/courses/"+url.PathEscape(v.Course.ID)+"/evaluation?saved=1", fiber.StatusSeeOther)
}

// evaluationDismiss: POST /courses/{id}/evaluation/dismiss hides the ask.
func (a *App) evaluationDismiss(c *fiber.Ctx) error {
	u := currentUser(c)
	id := param(c, "id")
	if err := a.svc.DismissEvaluation(c.UserContext(), *u, id); err != nil {
		return err
	}
	back := "/courses/" + url.PathEscape(id)
	if c.FormValue("back") == "home" {
		back = "/"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// evaluationAsk is the card on the course page: whether to ask, and
// whether the learner has evaluated.
func (a *App) evaluationAsk(c *fiber.Ctx, courseID string, completed bool) (ask, evaluated bool, err error) {
	if !completed {
		return false, false, nil
	}
	return a.svc.EvaluationAsk(c.UserContext(), currentUser(c).NIP, courseID)
}

// homeEvaluationAsks: the home page's asks, from the learner's most
// recently studied completed courses.
func (a *App) homeEvaluationAsks(c *fiber.Ctx, mine []content.EnrolledCourse) []content.Course {
	out, err := a.svc.EvaluationAsks(c.UserContext(), mine, 5)
	if err != nil {
		a.log.Warn("evaluation asks", "err", err)
		return nil
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// Level 1 and 3 results for the course's trainers.

type evaluationReportView struct {
	Course       content.Course
	Report       content.EvaluationReport
	MeansSVG     template.HTML
	MeansTable   template.HTML
	DistSVG      template.HTML
	DistTable    template.HTML
	ImpactSVG    template.HTML
	ImpactTable  template.HTML
	Comments     []commentRow
	NextURL      string
	ImpactNotes  []commentRow
	RatingLabels []string
}

type commentRow struct {
	Text   string
	When   string
	Rating int
}

// evaluationReportPage: GET /teach/{id}/evaluations (owners, admins).
func (a *App) evaluationReportPage(c *fiber.Ctx) error {
	u := currentUser(c)
	lang := langOf(c)
	r, err := a.svc.CourseEvaluations(c.UserContext(), *u, param(c, "id"), utils.CopyString(c.Query("after")))
	if err != nil {
		return err
	}
	course, err := a.svc.ViewCourse(c.UserContext(), *u, r.Course)
	if err != nil {
		return err
	}
	v := evaluationReportView{Course: course, Report: r}
	var labels []string
	var means []float64
	for _, n := range content.RatingNames {
		labels = append(labels, a.cat.T(lang, "evaluation.r_"+n))
		means = append(means, r.Means[n])
	}
	v.RatingLabels = labels
	one := func(f float64) string {
		return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', 2, 64), "0"), ".")
	}
	meanChart := svgchart.Chart{ID: "eval-means", Title: a.cat.T(lang, "evaluation.means_title"), Kind: svgchart.Bars,
		Labels: labels, Series: []svgchart.Series{{Name: a.cat.T(lang, "evaluation.mean"), Values: means}}, Max: 5, Format: one}
	v.MeansSVG, v.MeansTable = template.HTML(meanChart.SVG()), template.HTML(meanChart.Table(meanChart.Title))
	levels := []string{"1", "2", "3", "4", "5"}
	dist := svgchart.Chart{ID: "eval-dist", Title: a.cat.T(lang, "evaluation.dist_title"), Kind: svgchart.Bars, Labels: levels,
		Format: func(f float64) string { return strconv.Itoa(int(f)) }}
	for i, n := range content.RatingNames {
		var vals []float64
		for _, k := range r.Distribution[n] {
			vals = append(vals, float64(k))
		}
		dist.Series = append(dist.Series, svgchart.Series{Name: labels[i], Values: vals})
	}
	dist.Max = countAxis(dist.Series)
	v.DistSVG, v.DistTable = template.HTML(dist.SVG()), template.HTML(dist.Table(dist.Title))
	imp := svgchart.Chart{ID: "eval-impact", Title: a.cat.T(lang, "evaluation.impact_title"), Kind: svgchart.Bars, Labels: levels,
		Format: func(f float64) string { return strconv.Itoa(int(f)) }}
	var iv []float64
	for _, k := range r.Impact.Distribution {
		iv = append(iv, float64(k))
	}
	imp.Series = []svgchart.Series{{Name: a.cat.T(lang, "evaluation.impact"), Values: iv}}
	imp.Max = countAxis(imp.Series)
	v.ImpactSVG, v.ImpactTable = template.HTML(imp.SVG()), template.HTML(imp.Table(imp.Title))
	for _, cm := range r.Comments {
		v.Comments = append(v.Comments, commentRow{Text: cm.Text, When: dateIn(lang, cm.At)})
	}
	for _, n := range r.Impact.Notes {
		v.ImpactNotes = append(v.ImpactNotes, commentRow{Text: n.Text, When: dateIn(lang, n.At), Rating: n.Rating})
	}
	if r.Next != "" {
		v.NextURL = "/teach/" + url.PathEscape(course.ID) + "/evaluations?" + url.Values{"after": {r.Next}}.Encode()
	}
	return a.page(c, "evaluation_report", v)
}

// Level 3: the atasan's asks.

type impactView struct {
	Open   []impactRow
	Done   []impactRow
	Scale  []int
	Errors map[string]string
	ErrID  string
}

type impactRow struct {
	content.ImpactReview
	CompletedText string
	RatedText     string
}

func (a *App) impactView(c *fiber.Ctx) (impactView, error) {
	lang := langOf(c)
	open, done, err := a.svc.ImpactAsks(c.UserContext(), *currentUser(c))
	if err != nil {
		return impactView{}, err
	}
	v := impactView{Scale: scale}
	for _, r := range open {
		v.Open = append(v.Open, impactRow{ImpactReview: r, CompletedText: dateIn(lang, r.Completed)})
	}
	for _, r := range done {
		v.Done = append(v.Done, impactRow{ImpactReview: r, CompletedText: dateIn(lang, r.Completed), RatedText: dateIn(lang, r.Rated)})
	}
	return v, nil
}

// impactPage: GET /team/impact.
func (a *App) impactPage(c *fiber.Ctx) error {
	v, err := a.impactView(c)
	if err != nil {
		return err
	}
	return a.page(c, "impact", v)
}

// impactSubmit: POST /team/impact/{id}.
func (a *App) impactSubmit(c *fiber.Ctx) error {
	id := param(c, "id")
	_, err := a.svc.RateImpact(c.UserContext(), *currentUser(c), id,
		content.ImpactInput{Rating: formInt(c, "rating"), Note: utils.CopyString(c.FormValue("note"))})
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.impactView(c)
		if verr != nil {
			return verr
		}
		v.Errors, v.ErrID = fields, id
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "impact", v)
	}
	if err != nil && !errors.Is(err, content.ErrImpactRated) {
		return evalErr(err)
	}
	return c.Redirect("/team/impact?saved=1", fiber.StatusSeeOther)
}

// Assessments: the atasan's form for a team member.

type assessRow struct {
	Tag      string
	Name     string
	Required int
	Level    int
}

type assessView struct {
	Member  content.UserRow
	Period  string
	Rows    []assessRow
	Note    string
	Errors  map[string]string
	History []assessmentRow
	Scale   []int
	Saved   bool
	Extra   string
}

type assessmentRow struct {
	content.Assessment
	Name    string
	When    string
	Summary string
	Below   int
}

func summary(as content.Assessment) (string, int) {
	var parts []string
	below := 0
	for _, l := range as.Levels {
		s := fmt.Sprintf("%s %d", l.Tag, l.Level)
		if l.Required > 0 {
			s += fmt.Sprintf("/%d", l.Required)
		}
		if l.Gap() > 0 {
			below++
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " · "), below
}

func (a *App) assessView(c *fiber.Ctx, nip string) (assessView, error) {
	ctx := c.UserContext()
	u := *currentUser(c)
	row, err := a.svc.UserFor(ctx, u, nip)
	if err != nil {
		return assessView{}, err
	}
	if !u.Has(content.RoleAdmin) && row.SupervisorNIP != u.NIP {
		return assessView{}, content.ErrForbidden // not even themselves
	}
	hist, err := a.svc.AssessmentsOf(ctx, u, nip)
	if err != nil {
		return assessView{}, err
	}
	req, err := a.svc.RequiredLevels(ctx, row.Position)
	if err != nil {
		return assessView{}, err
	}
	cat, err := a.svc.CompetencyCatalog(ctx)
	if err != nil {
		return assessView{}, err
	}
	v := assessView{Member: row, Period: strconv.Itoa(a.svc.CurrentYear()), Scale: scale}
	names := map[string]string{}
	for _, t := range cat {
		names[t.Tag] = t.Name
	}
	var tags []string
	for t := range req {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	for _, t := range cat {
		if !slices.Contains(tags, t.Tag) {
			tags = append(tags, t.Tag)
		}
	}
	last := map[string]int{}
	if len(hist) > 0 {
		for _, l := range hist[0].Levels {
			last[l.Tag] = l.Level
			if !slices.Contains(tags, l.Tag) {
				tags = append(tags, l.Tag)
			}
		}
	}
	for _, t := range tags {
		n := names[t]
		if n == "" {
			n = t
		}
		v.Rows = append(v.Rows, assessRow{Tag: t, Name: n, Required: req[t], Level: last[t]})
	}
	lang := langOf(c)
	for _, h := range hist {
		s, below := summary(h)
		v.History = append(v.History, assessmentRow{Assessment: h, When: dateIn(lang, h.At), Summary: s, Below: below})
	}
	return v, nil
}

// assessPage: GET /team/{nip}/assess (the member's atasan, admins).
func (a *App) assessPage(c *fiber.Ctx) error {
	v, err := a.assessView(c, param(c, "nip"))
	if err != nil {
		return err
	}
	v.Saved = c.Query("saved") == "1"
	return a.page(c, "assess", v)
}

// parseExtra reads "tag=level" lines for tags the form does not list.
func parseExtra(s string, into map[string]int) (bad string) {
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		tag, lv, ok := strings.Cut(line, "=")
		n, err := strconv.Atoi(strings.TrimSpace(lv))
		if !ok || err != nil {
			return line
		}
		into[strings.TrimSpace(tag)] = n
	}
	return ""
}

// assessSubmit: POST /team/{nip}/assess.
func (a *App) assessSubmit(c *fiber.Ctx) error {
	nip := param(c, "nip")
	v, err := a.assessView(c, nip)
	if err != nil {
		return err
	}
	in := content.AssessmentInput{NIP: nip, Period: utils.CopyString(c.FormValue("period")), Note: utils.CopyString(c.FormValue("note")),
		Competencies: map[string]int{}}
	for i, r := range v.Rows {
		lv := formInt(c, "lv_"+r.Tag)
		v.Rows[i].Level = lv
		if lv != 0 {
			in.Competencies[r.Tag] = lv
		}
	}
	extra := utils.CopyString(c.FormValue("extra"))
	bad := parseExtra(extra, in.Competencies)
	_, err = a.svc.RecordAssessment(c.UserContext(), *currentUser(c), in)
	fields, ok := a.fieldErrs(c, err)
	if bad != "" {
		if fields == nil {
			fields = map[string]string{}
		}
		fields["extra"] = a.cat.T(langOf(c), "assess.extra_bad", bad)
		ok = true
	}
	if ok {
		v.Errors, v.Period, v.Note, v.Extra = fields, in.Period, in.Note, extra
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "assess", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/team/"+url.PathEscape(nip)+"/assess?saved=1", fiber.StatusSeeOther)
}

// Admin: latest assessments and the CSV upload.

type assessmentsView struct {
	Latest  []assessmentRow
	NextURL string
	Report  *assessmentImportView
	Error   string
	Applied bool
}

func (a *App) assessmentsView(c *fiber.Ctx) (assessmentsView, error) {
	u := *currentUser(c)
	lang := langOf(c)
	as, next, err := a.svc.LatestAssessments(c.UserContext(), u, utils.CopyString(c.Query("after")), 50)
	if err != nil {
		return assessmentsView{}, err
	}
	nips := make([]string, 0, len(as))
	for _, x := range as {
		nips = append(nips, x.User)
	}
	names, err := a.svc.UserNames(c.UserContext(), nips)
	if err != nil {
		return assessmentsView{}, err
	}
	var v assessmentsView
	for _, x := range as {
		s, below := summary(x)
		v.Latest = append(v.Latest, assessmentRow{Assessment: x, Name: names[x.User], When: dateIn(lang, x.At), Summary: s, Below: below})
	}
	if next != "" {
		v.NextURL = "/admin/assessments?" + url.Values{"after": {next}}.Encode()
	}
	return v, nil
}

// assessmentsPage: GET /admin/assessments.
func (a *App) assessmentsPage(c *fiber.Ctx) error {
	v, err := a.assessmentsView(c)
	if err != nil {
		return err
	}
	return a.page(c, "admin_assessments", v)
}

// assessmentsImportSubmit: POST /admin/assessments/import, a multipart
// form with the file; action "check" is a dry run, "apply" writes.
func (a *App) assessmentsImportSubmit(c *fiber.Ctx) error {
	fh, ferr := c.FormFile("file")
	var rep content.AssessmentImportReport
	err := ferr
	if ferr == nil {
		var f io.ReadCloser
		if f, err = fh.Open(); err == nil {
			rep, err = a.svc.ImportAssessments(c.UserContext(), *currentUser(c), f, c.FormValue("action") != "apply")
			f.Close()
		}
	}
	v, verr := a.assessmentsView(c)
	if verr != nil {
		return verr
	}
	lang := langOf(c)
	var ce *content.AssessmentCSVError
	switch {
	case ferr != nil:
		v.Error = a.cat.T(lang, "assessments.file_required")
	case errors.As(err, &ce):
		v.Error = a.tr(lang, ce.M)
	case err != nil:
		return err
	default:
		r := a.assessmentImportView(lang, rep)
		v.Report = &r
		v.Applied = !rep.DryRun && len(rep.Errors) == 0
	}
	if v.Error != "" || (v.Report != nil && len(v.Report.Errors) > 0) {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return a.page(c, "admin_assessments", v)
}

// Admin: the competency catalogue and position requirements.

type competenciesView struct {
	Catalog      []content.CompetencyTag
	CatalogText  string
	Positions    []positionRow
	Position     string
	LevelsText   string
	Errors       map[string]string
	Saved        string
	MaxCourseTag int
}

type positionRow struct {
	content.PositionRequirement
	Summary string
	Edit    string
}

func catalogText(tags []content.CompetencyTag) string {
	var b strings.Builder
	for _, t := range tags {
		if t.Name != t.Tag {
			fmt.Fprintf(&b, "%s | %s\n", t.Tag, t.Name)
		} else {
			fmt.Fprintf(&b, "%s\n", t.Tag)
		}
	}
	return b.String()
}

func levelsText(ls []content.TagLevel) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("%s=%d", l.Tag, l.Level))
	}
	return strings.Join(parts, "\n")
}

func (a *App) competenciesView(c *fiber.Ctx) (competenciesView, error) {
	cat, err := a.svc.CompetencyCatalog(c.UserContext())
	if err != nil {
		return competenciesView{}, err
	}
	ps, err := a.svc.PositionRequirements(c.UserContext())
	if err != nil {
		return competenciesView{}, err
	}
	v := competenciesView{Catalog: cat, CatalogText: catalogText(cat), Saved: c.Query("saved")}
	edit := strings.TrimSpace(c.Query("edit"))
	for _, p := range ps {
		v.Positions = append(v.Positions, positionRow{PositionRequirement: p, Summary: strings.ReplaceAll(levelsText(p.Levels), "\n", ", "),
			Edit: "/admin/competencies?" + url.Values{"edit": {p.Position}}.Encode() + "#position-form"})
		if edit != "" && strings.EqualFold(edit, p.Position) {
			v.Position, v.LevelsText = p.Position, levelsText(p.Levels)
		}
	}
	return v, nil
}

// competenciesPage: GET /admin/competencies.
func (a *App) competenciesPage(c *fiber.Ctx) error {
	v, err := a.competenciesView(c)
	if err != nil {
		return err
	}
	return a.page(c, "admin_competencies", v)
}

// catalogSubmit: POST /admin/competencies, one "tag | name" a line.
func (a *App) catalogSubmit(c *fiber.Ctx) error {
	text := utils.CopyString(c.FormValue("catalog"))
	var tags []content.CompetencyTag
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		tag, name, _ := strings.Cut(line, "|")
		tags = append(tags, content.CompetencyTag{Tag: tag, Name: name})
	}
	_, err := a.svc.SetCompetencyCatalog(c.UserContext(), *currentUser(c), tags)
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.competenciesView(c)
		if verr != nil {
			return verr
		}
		v.CatalogText, v.Errors = text, map[string]string{"catalog": fields["items"]}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "admin_competencies", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/competencies?saved=catalog", fiber.StatusSeeOther)
}

// positionSubmit: POST /admin/competencies/positions, "tag=level" lines.
func (a *App) positionSubmit(c *fiber.Ctx) error {
	position := utils.CopyString(c.FormValue("position"))
	text := utils.CopyString(c.FormValue("levels"))
	levels := map[string]int{}
	bad := parseExtra(text, levels)
	var err error
	if bad == "" {
		_, err = a.svc.SetPositionRequirement(c.UserContext(), *currentUser(c), position, levels)
	}
	fields, ok := a.fieldErrs(c, err)
	if bad != "" {
		fields, ok = map[string]string{"levels": a.cat.T(langOf(c), "assess.extra_bad", bad)}, true
	}
	if ok {
		v, verr := a.competenciesView(c)
		if verr != nil {
			return verr
		}
		v.Position, v.LevelsText, v.Errors = position, text, map[string]string{}
		for k, m := range fields {
			if k == "position" {
				v.Errors["position"] = m
			} else {
				v.Errors["levels"] = strings.TrimSpace(v.Errors["levels"] + " " + strings.TrimPrefix(k, "competencies.") + ": " + m)
			}
		}
		if bad != "" {
			v.Errors["levels"] = fields["levels"]
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "admin_competencies", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/competencies?saved=position", fiber.StatusSeeOther)
}

// knownTags is the competency catalogue for the course form's hint; a
// failed read leaves the hint out rather than fail the form.
func (a *App) knownTags(c *fiber.Ctx) []content.CompetencyTag {
	tags, err := a.svc.CompetencyCatalog(c.UserContext())
	if err != nil {
		a.log.Warn("competency catalogue", "err", err)
		return nil
	}
	return tags
}

// countAxis is the top of an axis of counts: a multiple of four, so the
// chart's four gridlines fall on whole numbers.
func countAxis(series []svgchart.Series) float64 {
	top := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	return max(4, float64(int(top+3)/4*4))
}
