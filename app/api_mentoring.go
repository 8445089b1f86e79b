package app

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// Mentoring (pembimbingan) and the individual plan (RPK). The domain
// decides who may do what: pairing by admins and atasan (their team),
// sessions by the mentor, confirmation and rating by the mentee, plans by
// their owner and decisions by the owner's atasan.

// conflictOf answers the domain's "not now" errors of mentoring and plans
// with 409; other errors go on as they are.
func conflictOf(err error) error {
	for _, e := range []*content.Error{content.ErrMentorRated, content.ErrMentorActive, content.ErrPlanLocked, content.ErrPlanNotPending} {
		if errors.Is(err, e) {
			return &apiError{Status: 409, Code: e.Code, msg: e.Message()}
		}
	}
	return err
}

// createMentorship: POST /api/v1/mentorships {mentor, mentee, goal, need,
// starts, ends} -> 201 mentorship.
func (a *App) createMentorship(c *fiber.Ctx) error {
	var in content.MentorshipInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := a.svc.PairMentor(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return conflictOf(err)
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// listMentorships: GET /api/v1/mentorships -> the caller's, as mentor and
// as mentee.
func (a *App) listMentorships(c *fiber.Ctx) error {
	my, err := a.svc.MentorshipsFor(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	named := func(ms []content.Mentorship, other func(content.Mentorship) string) []fiber.Map {
		out := make([]fiber.Map, 0, len(ms))
		for _, m := range ms {
			out = append(out, fiber.Map{"id": m.ID, "mentor": m.Mentor, "mentee": m.Mentee, "name": my.Names[other(m)], "goal": m.Goal,
				"starts": m.Starts, "ends": m.Ends, "jp": m.JP, "sessions": len(m.Sessions), "to_confirm": toConfirm(m)})
		}
		return out
	}
	return c.JSON(fiber.Map{
		"as_mentor": named(my.AsMentor, func(m content.Mentorship) string { return m.Mentee }),
		"as_mentee": named(my.AsMentee, func(m content.Mentorship) string { return m.Mentor }),
	})
}

// toConfirm counts a mentorship's sessions the mentee has not confirmed.
func toConfirm(m content.Mentorship) int {
	n := 0
	for _, s := range m.Sessions {
		if !s.IsConfirmed() {
			n++
		}
	}
	return n
}

type learningJSON struct {
	Year        int                  `json:"year"`
	JP          int                  `json:"jp"`
	Target      int                  `json:"jp_target"`
	Entries     []content.JPEntry    `json:"jp_entries"`
	Enrollments []fiber.Map          `json:"enrollments"`
	Quizzes     []content.QuizResult `json:"quizzes"`
	Assignments []fiber.Map          `json:"assignments"`
}

func learningOf(l *content.MenteeLearning) *learningJSON {
	if l == nil {
		return nil
	}
	out := &learningJSON{Year: l.Year, JP: l.JP.Total, Target: l.JP.Target, Entries: l.JP.Entries,
		Enrollments: []fiber.Map{}, Quizzes: l.Quizzes, Assignments: []fiber.Map{}}
	if out.Quizzes == nil {
		out.Quizzes = []content.QuizResult{}
	}
	for _, e := range l.Courses {
		m := fiber.Map{"course_id": e.Course.ID, "title": e.Course.Title, "percent": e.Percent, "completed_at": nil}
		if !e.Completed.IsZero() {
			m["completed_at"], m["percent"] = e.Completed, 100
		}
		out.Enrollments = append(out.Enrollments, m)
	}
	for _, as := range l.Assignments {
		out.Assignments = append(out.Assignments, fiber.Map{"id": as.Assignment, "course_id": as.Course, "path_id": as.Path,
			"title": as.Title, "due": as.Due, "status": as.Status})
	}
	return out
}

// getMentorship: GET /api/v1/mentorships/{id} (mentor, mentee, admin, the
// mentee's atasan) -> the mentorship with its sessions and, for all but
// the mentee, the mentee's learning.
func (a *App) getMentorship(c *fiber.Ctx) error {
	d, err := a.svc.ViewMentorship(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": d.ID, "mentor": d.Mentor, "mentor_name": d.MentorName, "mentee": d.Mentee, "mentee_name": d.MenteeName,
		"unit": d.Unit, "goal": d.Goal, "need": d.Need, "starts": d.Starts, "ends": d.Ends, "minutes_per_jp": d.MinutesPerJP,
		"confirmed_minutes": d.ConfirmedMinutes, "jp": d.JP, "sessions": d.Sessions, "rating": d.Rating,
		"rating_comment": d.RatingComment, "created_at": d.Created, "learning": learningOf(d.Learning)})
}

// createSession: POST /api/v1/mentorships/{id}/sessions (mentor) {date,
// minutes, notes, actions:[{text, due}]} -> 201 session.
func (a *App) createSession(c *fiber.Ctx) error {
	var in content.SessionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	s, err := a.svc.RecordSession(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s)
}

// confirmSession: POST /api/v1/mentorships/{id}/sessions/{sid}/confirm
// (mentee) -> {session, credited}: the session's JP are in the ledger,
// once however often it is confirmed.
func (a *App) confirmSession(c *fiber.Ctx) error {
	s, created, err := a.svc.ConfirmSession(c.UserContext(), *currentUser(c), param(c, "id"), param(c, "sid"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"session": s, "credited": created, "jp": s.JP})
}

type ratingInput struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment"`
}

// rateMentorship: POST /api/v1/mentorships/{id}/rating (mentee, at the
// end) {rating 1-5, comment} -> 201; once (409 after).
func (a *App) rateMentorship(c *fiber.Ctx) error {
	var in ratingInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := a.svc.RateMentorship(c.UserContext(), *currentUser(c), param(c, "id"), in.Rating, in.Comment)
	if err != nil {
		return conflictOf(err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": m.ID, "rating": m.Rating, "comment": m.RatingComment, "rated_at": m.Rated})
}

// planYear reads ?year= (this year when absent).
func (a *App) planYear(c *fiber.Ctx) (int, error) {
	y := c.Query("year")
	if y == "" {
		return a.svc.CurrentYear(), nil
	}
	n, err := strconv.Atoi(y)
	if err != nil || n < 2000 || n > 2100 || len(y) > 4 {
		return 0, errField(400, "year", emsg("plan.year"))
	}
	return n, nil
}

type planItemJSON struct {
	content.PlanItem
	Done int `json:"done_jp"`
}

// planJSON is a plan with what was done of each item.
func planJSON(pp content.PlanProgress) fiber.Map {
	p := pp.Plan
	items := make([]planItemJSON, len(p.Items))
	for i, it := range p.Items {
		items[i] = planItemJSON{PlanItem: it, Done: pp.Done[i]}
	}
	return fiber.Map{"id": p.ID, "nip": p.User, "name": p.Name, "unit": p.Unit, "year": p.Year, "status": p.Status, "items": items,
		"note": p.Note, "supervisor": p.Supervisor, "submitted_at": timeOrNil(p.Submitted), "decided_at": timeOrNil(p.Decided),
		"planned_jp": pp.Planned, "done_planned_jp": pp.DonePlanned, "done_jp": pp.DoneAll}
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// getMyPlan: GET /api/v1/me/plan?year= -> the plan (a new draft when there
// is none), what was done of it, and suggestions.
func (a *App) getMyPlan(c *fiber.Ctx) error {
	year, err := a.planYear(c)
	if err != nil {
		return err
	}
	u := *currentUser(c)
	p, err := a.svc.MyPlan(c.UserContext(), u, year)
	if err != nil {
		return err
	}
	pp, err := a.svc.ProgressOfPlan(c.UserContext(), p)
	if err != nil {
		return err
	}
	sug, err := a.svc.PlanSuggestions(c.UserContext(), u, p)
	if err != nil {
		return err
	}
	out := planJSON(pp)
	out["suggestions"] = sug
	return c.JSON(out)
}

type planInput struct {
	Items []content.PlanItem `json:"items"`
}

// putMyPlan: PUT /api/v1/me/plan?year= {items:[{kind, ref, jp}]} -> the
// plan, a draft again.
func (a *App) putMyPlan(c *fiber.Ctx) error {
	year, err := a.planYear(c)
	if err != nil {
		return err
	}
	var in planInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.svc.SavePlan(c.UserContext(), *currentUser(c), year, in.Items)
	if err != nil {
		return conflictOf(err)
	}
	return a.planOut(c, p)
}

func (a *App) planOut(c *fiber.Ctx, p content.Plan) error {
	pp, err := a.svc.ProgressOfPlan(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.JSON(planJSON(pp))
}

// submitMyPlan: POST /api/v1/me/plan/submit?year= -> the plan, submitted
// to the atasan.
func (a *App) submitMyPlan(c *fiber.Ctx) error {
	year, err := a.planYear(c)
	if err != nil {
		return err
	}
	p, err := a.svc.SubmitPlan(c.UserContext(), *currentUser(c), year)
	if err != nil {
		return conflictOf(err)
	}
	return a.planOut(c, p)
}

// teamPlans: GET /api/v1/plans?status=submitted|approved|returned (atasan)
// -> their team's plans.
func (a *App) teamPlans(c *fiber.Ctx) error {
	ps, err := a.svc.TeamPlans(c.UserContext(), *currentUser(c), c.Query("status"))
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(ps))
	for _, p := range ps {
		items = append(items, fiber.Map{"id": p.ID, "nip": p.User, "name": p.Name, "year": p.Year, "status": p.Status,
			"planned_jp": p.PlannedJP(), "items": len(p.Items), "submitted_at": timeOrNil(p.Submitted)})
	}
	return c.JSON(fiber.Map{"items": items})
}

// getPlan: GET /api/v1/plans/{id} (owner, atasan, admin).
func (a *App) getPlan(c *fiber.Ctx) error {
	p, err := a.svc.PlanForViewer(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return a.planOut(c, p)
}

type decisionInput struct {
	Note string `json:"note"`
}

// decidePlan: POST /api/v1/plans/{id}/approve | /return {note} (the
// owner's atasan; a return needs a note).
func (a *App) decidePlan(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in decisionInput
		if len(c.Body()) > 0 {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
		}
		p, err := a.svc.DecidePlan(c.UserContext(), *currentUser(c), param(c, "id"), approve, in.Note)
		if err != nil {
			return conflictOf(err)
		}
		return a.planOut(c, p)
	}
}
