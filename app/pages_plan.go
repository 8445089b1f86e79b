package app

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// The individual plan (RPK) pages: one's own plan for this year or the
// next (its items with what was done of each, suggestions, the add form,
// submitting), an atasan's list of their team's plans and one plan with
// the approve and return form, and the plan on the home page.

type planRow struct {
	N                 int
	Kind, Ref, Title  string
	JP, Done, Percent int
	Reached           bool
}

type planView struct {
	Year, ThisYear, NextYear int
	Plan                     content.Plan
	Rows                     []planRow
	Planned, DoneAll         int
	DonePlanned              int
	Suggestions              []content.PlanSuggestion
	Courses                  []content.CourseCard
	Paths                    []content.Path
	Mentorships              []content.Mentorship
	Editable, CanSubmit      bool
	HasAtasan                bool
	Done                     string
	Errors                   map[string]string
	Past                     bool
}

// planRows pairs a plan's items with what was done of each.
func planRows(pp content.PlanProgress) []planRow {
	rows := make([]planRow, len(pp.Plan.Items))
	for i, it := range pp.Plan.Items {
		r := planRow{N: i, Kind: it.Kind, Ref: it.Ref, Title: it.Title, JP: it.JP, Done: pp.Done[i]}
		if it.JP > 0 {
			r.Percent = min(100, r.Done*100/it.JP)
		}
		r.Reached = r.Done >= it.JP
		rows[i] = r
	}
	return rows
}

// pageYear reads the year of a plan page's query or form: this year when
// absent or not a number.
func (a *App) pageYear(v string) int {
	if n, err := strconv.Atoi(v); err == nil && n >= 2000 && n <= 2100 {
		return n
	}
	return a.svc.CurrentYear()
}

func (a *App) renderPlan(c *fiber.Ctx, year int, v planView) error {
	u := *currentUser(c)
	p, err := a.svc.MyPlan(c.UserContext(), u, year)
	if err != nil {
		return err
	}
	pp, err := a.svc.ProgressOfPlan(c.UserContext(), p)
	if err != nil {
		return err
	}
	v.Year, v.ThisYear = year, a.svc.CurrentYear()
	v.NextYear = v.ThisYear + 1
	v.Plan, v.Rows, v.Planned, v.DoneAll, v.DonePlanned = p, planRows(pp), pp.Planned, pp.DoneAll, pp.DonePlanned
	v.Past = year != v.ThisYear && year != v.NextYear
	v.Editable = !v.Past && p.Status != content.PlanSubmitted
	me, err := a.svc.User(c.UserContext(), u.NIP)
	if err != nil {
		return err
	}
	v.HasAtasan = me.SupervisorNIP != ""
	v.CanSubmit = v.Editable && v.HasAtasan && len(p.Items) > 0 && p.Status != content.PlanApproved
	if v.Editable {
		if v.Suggestions, err = a.svc.PlanSuggestions(c.UserContext(), u, p); err != nil {
			return err
		}
		if v.Courses, err = a.publishedCourses(c.UserContext()); err != nil {
			return err
		}
		if v.Paths, _, err = a.svc.Paths(c.UserContext(), "", 200); err != nil {
			return err
		}
		my, err := a.svc.MentorshipsFor(c.UserContext(), u)
		if err != nil {
			return err
		}
		v.Mentorships = my.AsMentee
	}
	return a.page(c, "plan", v)
}

// planPage: GET /plan?year=.
func (a *App) planPage(c *fiber.Ctx) error {
	v := planView{}
	switch d := c.Query("done"); d {
	case "saved", "added", "submitted":
		v.Done = d
	}
	return a.renderPlan(c, a.pageYear(c.Query("year")), v)
}

func planURL(year int, done string) string {
	return "/plan?" + url.Values{"year": {strconv.Itoa(year)}, "done": {done}}.Encode() + "#plan-items"
}

// planSubmit: POST /plan, the items table: each row's JP, and the rows
// ticked for removal left out.
func (a *App) planSubmit(c *fiber.Ctx) error {
	year := a.pageYear(c.FormValue("year"))
	n, _ := strconv.Atoi(c.FormValue("n"))
	var items []content.PlanItem
	for i := range min(max(n, 0), content.MaxPlanItems) {
		k := strconv.Itoa(i)
		if c.FormValue("remove_"+k) == "1" {
			continue
		}
		jp, err := strconv.Atoi(strings.TrimSpace(c.FormValue("jp_" + k)))
		if err != nil {
			jp = -1 // refused by the domain, naming the row
		}
		items = append(items, content.PlanItem{Kind: utils.CopyString(c.FormValue("kind_" + k)), Ref: utils.CopyString(c.FormValue("ref_" + k)), JP: jp})
	}
	_, err := a.svc.SavePlan(c.UserContext(), *currentUser(c), year, items)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderPlan(c, year, planView{Errors: fields})
	}
	if err != nil {
		return conflictOf(err)
	}
	return c.Redirect(planURL(year, "saved"), fiber.StatusSeeOther)
}

// planAddSubmit: POST /plan/items, one item: a course, a path, a
// mentorship or an event by name, with its JP (a course's own by default).
func (a *App) planAddSubmit(c *fiber.Ctx) error {
	year := a.pageYear(c.FormValue("year"))
	it := content.PlanItem{Kind: utils.CopyString(c.FormValue("kind")), Ref: utils.CopyString(c.FormValue("ref"))}
	if it.Kind == "" { // the add form: whichever chooser was used
		for _, k := range []string{content.PlanCourse, content.PlanPath, content.PlanMentoring, content.PlanEvent} {
			if v := strings.TrimSpace(c.FormValue("ref_" + k)); v != "" {
				it.Kind, it.Ref = k, utils.CopyString(v)
				break
			}
		}
	}
	if it.Kind == "" {
		c.Status(422)
		return a.renderPlan(c, year, planView{Errors: map[string]string{"item": a.tr(langOf(c), emsg("plan.choose"))}})
	}
	if s := strings.TrimSpace(c.FormValue("jp")); s != "" {
		jp, err := strconv.Atoi(s)
		if err != nil {
			jp = -1
		}
		it.JP = jp
	}
	_, err := a.svc.AddPlanItem(c.UserContext(), *currentUser(c), year, it)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderPlan(c, year, planView{Errors: fields})
	}
	if err != nil {
		return conflictOf(err)
	}
	return c.Redirect(planURL(year, "added"), fiber.StatusSeeOther)
}

// planSendSubmit: POST /plan/submit, to the atasan.
func (a *App) planSendSubmit(c *fiber.Ctx) error {
	year := a.pageYear(c.FormValue("year"))
	_, err := a.svc.SubmitPlan(c.UserContext(), *currentUser(c), year)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderPlan(c, year, planView{Errors: fields})
	}
	if err != nil {
		return conflictOf(err)
	}
	return c.Redirect(planURL(year, "submitted"), fiber.StatusSeeOther)
}

type teamPlanRow struct {
	content.Plan
	Planned   int
	Submitted string
}

type teamPlansView struct {
	Status string
	Items  []teamPlanRow
}

// teamPlansPage: GET /team/plans?status= (atasan): their team's plans
// waiting for a decision, or those approved or returned.
func (a *App) teamPlansPage(c *fiber.Ctx) error {
	status := content.PlanSubmitted
	switch s := c.Query("status"); s {
	case content.PlanApproved, content.PlanReturned:
		status = s
	}
	ps, err := a.svc.TeamPlans(c.UserContext(), *currentUser(c), status)
	if err != nil {
		return err
	}
	v := teamPlansView{Status: status}
	for _, p := range ps {
		v.Items = append(v.Items, teamPlanRow{Plan: p, Planned: p.PlannedJP(), Submitted: dateIn(langOf(c), p.Submitted)})
	}
	return a.page(c, "team_plans", v)
}

type teamPlanView struct {
	Plan             content.Plan
	Rows             []planRow
	Planned, DoneAll int
	DonePlanned      int
	Submitted        string
	Decided          string
	Errors           map[string]string
	Note             string
	Done             string
}

func (a *App) renderTeamPlan(c *fiber.Ctx, v teamPlanView) error {
	p, err := a.svc.PlanForViewer(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	if p.User == currentUser(c).NIP {
		return c.Redirect("/plan?year="+strconv.Itoa(p.Year), fiber.StatusSeeOther)
	}
	pp, err := a.svc.ProgressOfPlan(c.UserContext(), p)
	if err != nil {
		return err
	}
	lang := langOf(c)
	v.Plan, v.Rows, v.Planned, v.DoneAll, v.DonePlanned = p, planRows(pp), pp.Planned, pp.DoneAll, pp.DonePlanned
	if !p.Submitted.IsZero() {
		v.Submitted = dateIn(lang, p.Submitted)
	}
	if !p.Decided.IsZero() {
		v.Decided = dateIn(lang, p.Decided)
	}
	return a.page(c, "team_plan", v)
}

// teamPlanPage: GET /team/plans/{id} (the owner's atasan, an admin).
func (a *App) teamPlanPage(c *fiber.Ctx) error {
	v := teamPlanView{}
	if d := c.Query("done"); d == content.PlanApproved || d == content.PlanReturned {
		v.Done = d
	}
	return a.renderTeamPlan(c, v)
}

// teamPlanDecide: POST /team/plans/{id} action=approve|return, note.
func (a *App) teamPlanDecide(c *fiber.Ctx) error {
	id := param(c, "id")
	note := utils.CopyString(c.FormValue("note"))
	p, err := a.svc.DecidePlan(c.UserContext(), *currentUser(c), id, c.FormValue("action") == "approve", note)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderTeamPlan(c, teamPlanView{Errors: fields, Note: note})
	}
	if err != nil {
		return conflictOf(err)
	}
	return c.Redirect("/team/plans/"+url.PathEscape(id)+"?done="+p.Status, fiber.StatusSeeOther)
}

// homePlan is the plan card of the home page: this year's plan against
// what the ledger holds, and whether to show "Bimbingan saya".
type homePlan struct {
	Year             int
	Status           string
	Rows             []planRow
	Planned, DoneAll int
	DonePlanned      int
	Percent          int
	Mentoring        bool
	ToConfirm        int
}

func (a *App) homePlan(c *fiber.Ctx) (*homePlan, error) {
	u := *currentUser(c)
	p, err := a.svc.MyPlan(c.UserContext(), u, a.svc.CurrentYear())
	if err != nil {
		return nil, err
	}
	pp, err := a.svc.ProgressOfPlan(c.UserContext(), p)
	if err != nil {
		return nil, err
	}
	h := &homePlan{Year: p.Year, Status: p.Status, Rows: planRows(pp), Planned: pp.Planned, DoneAll: pp.DoneAll, DonePlanned: pp.DonePlanned}
	if len(p.Items) == 0 && p.Updated.IsZero() {
		h.Status = "" // no plan yet
	}
	if h.Planned > 0 {
		h.Percent = min(100, h.DonePlanned*100/h.Planned)
	}
	my, err := a.svc.MentorshipsFor(c.UserContext(), u)
	if err != nil {
		return nil, err
	}
	h.Mentoring = content.IsMentor(u) || len(my.AsMentee) > 0 || len(my.AsMentor) > 0
	for _, m := range my.AsMentee {
		h.ToConfirm += toConfirm(m)
	}
	return h, nil
}
