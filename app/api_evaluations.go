package app

import (
	"errors"
	"mime"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Course evaluation (Kirkpatrick levels 1 and 3), competency tags,
// position requirements and assessments (issue 14, items 3 and 4).

// evaluationAPI registers the API routes; app.go calls it before its
// catch-all.
func (a *App) evaluationAPI(api fiber.Router) {
	admin := requireRole(content.RoleAdmin)
	api.Post("/courses/:id/evaluation", requireUser, a.submitEvaluation)
	api.Get("/courses/:id/evaluation", requireUser, a.myEvaluation)
	api.Get("/courses/:id/evaluations", requireUser, a.courseEvaluations)
	api.Get("/me/impact-reviews", requireUser, a.myImpactAsks)
	api.Post("/impact-reviews/:id", requireUser, a.rateImpact)
	api.Get("/competencies", requireUser, a.competencyCatalog)
	api.Put("/competencies", admin, a.putCompetencyCatalog)
	api.Get("/position-requirements", requireUser, a.positionRequirements)
	api.Put("/position-requirements", admin, a.putPositionRequirement)
	api.Post("/assessments/import", admin, a.importAssessmentsAPI)
	api.Post("/assessments", requireUser, a.recordAssessment)
	api.Get("/assessments", requireUser, a.listAssessments)
}

// evalErr gives the domain's evaluation refusals their status, for the
// API and the pages alike.
func evalErr(err error) error {
	switch {
	case errors.Is(err, content.ErrEvaluated):
		return &apiError{Status: 409, Code: "conflict", msg: content.ErrEvaluated.Message()}
	case errors.Is(err, content.ErrNotCompleted):
		return &apiError{Status: 403, Code: "not_completed", msg: content.ErrNotCompleted.Message()}
	case errors.Is(err, content.ErrImpactRated):
		return &apiError{Status: 409, Code: "conflict", msg: content.ErrImpactRated.Message()}
	}
	var ce *content.AssessmentCSVError
	if errors.As(err, &ce) {
		status, code := 400, "bad_request"
		switch ce.M.Code {
		case "assesscsv.too_large":
			status, code = 413, "too_large"
		case "assesscsv.binary":
			status, code = 415, "unsupported_media_type"
		}
		return &apiError{Status: status, Code: code, msg: ce.M, fieldMsgs: map[string]content.Msg{"file": ce.M}}
	}
	return err
}

// submitEvaluation: POST /api/v1/courses/{id}/evaluation (a learner who
// completed it) {ratings:{content, trainer, usefulness}, comment} -> 201;
// 409 the second time, 403 before completing.
func (a *App) submitEvaluation(c *fiber.Ctx) error {
	var in content.EvaluationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := a.svc.SubmitEvaluation(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return evalErr(err)
	}
	return c.Status(fiber.StatusCreated).JSON(ev)
}

// myEvaluation: GET /api/v1/courses/{id}/evaluation -> the caller's own
// evaluation, 404 before one.
func (a *App) myEvaluation(c *fiber.Ctx) error {
	u := currentUser(c)
	course, err := a.svc.ViewCourse(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	ev, err := a.svc.MyEvaluation(c.UserContext(), u.NIP, course.ID)
	if err != nil {
		return err
	}
	if ev == nil {
		return fiber.ErrNotFound
	}
	return c.JSON(ev)
}

// courseEvaluations: GET /api/v1/courses/{id}/evaluations (owner, admin)
// ?after= -> {count, means, distribution, comments, next, impact}.
func (a *App) courseEvaluations(c *fiber.Ctx) error {
	r, err := a.svc.CourseEvaluations(c.UserContext(), *currentUser(c), param(c, "id"), utils.CopyString(c.Query("after")))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// myImpactAsks: GET /api/v1/me/impact-reviews -> {open, done}: the level-3
// ratings asked of the caller as atasan.
func (a *App) myImpactAsks(c *fiber.Ctx) error {
	open, done, err := a.svc.ImpactAsks(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	if open == nil {
		open = []content.ImpactReview{}
	}
	if done == nil {
		done = []content.ImpactReview{}
	}
	return c.JSON(fiber.Map{"open": open, "done": done})
}

// rateImpact: POST /api/v1/impact-reviews/{id} (the atasan asked)
// {rating, note} -> 201; 409 the second time.
func (a *App) rateImpact(c *fiber.Ctx) error {
	var in content.ImpactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.svc.RateImpact(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return evalErr(err)
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// competencyCatalog: GET /api/v1/competencies -> {items:[{tag, name}]}.
func (a *App) competencyCatalog(c *fiber.Ctx) error {
	tags, err := a.svc.CompetencyCatalog(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": tags})
}

// putCompetencyCatalog: PUT /api/v1/competencies (admin)
// {items:[{tag, name}]} -> {items}, the catalogue normalised.
func (a *App) putCompetencyCatalog(c *fiber.Ctx) error {
	var in struct {
		Items []content.CompetencyTag `json:"items"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	tags, err := a.svc.SetCompetencyCatalog(c.UserContext(), *currentUser(c), in.Items)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": tags})
}

// positionRequirements: GET /api/v1/position-requirements ->
// {items:[{position, levels:[{tag, level}]}]}.
func (a *App) positionRequirements(c *fiber.Ctx) error {
	ps, err := a.svc.PositionRequirements(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ps})
}

// putPositionRequirement: PUT /api/v1/position-requirements (admin)
// {position, competencies:{tag: 1-5}} -> the requirement; no competencies
// removes it.
func (a *App) putPositionRequirement(c *fiber.Ctx) error {
	var in struct {
		Position     string         `json:"position"`
		Competencies map[string]int `json:"competencies"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.svc.SetPositionRequirement(c.UserContext(), *currentUser(c), in.Position, in.Competencies)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// recordAssessment: POST /api/v1/assessments (atasan for their team,
// admin) {nip, period, competencies:{tag: 1-5}, note} -> 201; the same
// person and period again replaces it.
func (a *App) recordAssessment(c *fiber.Ctx) error {
	var in content.AssessmentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	as, err := a.svc.RecordAssessment(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(as)
}

// listAssessments: GET /api/v1/assessments ?nip= (admin, the person's
// atasan, the person) -> {items}; without nip (admin) the latest, ?after=.
func (a *App) listAssessments(c *fiber.Ctx) error {
	u := *currentUser(c)
	if nip := utils.CopyString(c.Query("nip")); nip != "" {
		as, err := a.svc.AssessmentsOf(c.UserContext(), u, nip)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"items": as})
	}
	as, next, err := a.svc.LatestAssessments(c.UserContext(), u, utils.CopyString(c.Query("after")), 50)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": as, "next": next})
}

// importAssessmentsAPI: POST /api/v1/assessments/import (admin), text/csv,
// ?dry_run=1 -> {dry_run, lines, written, errors:[{line, field, message}]}.
// Any bad line writes nothing.
func (a *App) importAssessmentsAPI(c *fiber.Ctx) error {
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	switch mt {
	case "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel":
	default:
		return &apiError{Status: 415, Code: "unsupported_media_type", msg: emsg("import_users.csv_required")}
	}
	dry := c.QueryBool("dry_run", false) || c.Query("dry_run") == "1"
	rep, err := a.svc.ImportAssessments(c.UserContext(), *currentUser(c), requestBody(c), dry)
	if err != nil {
		return evalErr(err)
	}
	return c.JSON(a.assessmentImportView(langOf(c), rep))
}

type importLineView struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

type assessmentImportView struct {
	DryRun  bool             `json:"dry_run"`
	Lines   int              `json:"lines"`
	Written int              `json:"written"`
	Errors  []importLineView `json:"errors"`
}

func (a *App) assessmentImportView(lang string, rep content.AssessmentImportReport) assessmentImportView {
	v := assessmentImportView{DryRun: rep.DryRun, Lines: rep.Lines, Written: rep.Written, Errors: []importLineView{}}
	for _, e := range rep.Errors {
		v.Errors = append(v.Errors, importLineView{Line: e.Line, Field: e.Field, Message: a.tr(lang, e.Message)})
	}
	return v
}
