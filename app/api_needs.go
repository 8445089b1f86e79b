package app

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/numfmt"
)

// The needs dashboard's API: the city's, a unit's (admins) and an
// atasan's team's, the rules that turn weak SKM elements into
// recommendations (admins), and the action that assigns a recommended
// course.

// because words a recommendation's reason in lang: "U6 kompetensi
// pelaksana: C, 2,7" or "Kesenjangan kompetensi manajemen-waktu: …".
func (a *App) because(lang string, r content.NeedReason) string {
	if r.Kind == "skm" {
		return a.cat.T(lang, "needs.because_skm", strings.ToUpper(r.Element), a.cat.T(lang, "needs.el."+r.Element),
			r.Grade, numfmt.Float(lang, r.Mean, 2))
	}
	return a.cat.T(lang, "needs.because_gap", r.Tag, numfmt.Int(lang, int64(r.People)), numfmt.Float(lang, r.MeanGap, 2))
}

type needsRecJSON struct {
	CourseID string `json:"course_id"`
	Title    string `json:"title"`
	Because  string `json:"because"`
	// Reason names the reason for the assign action: "skm:u6", "gap:<tag>".
	Reason string `json:"reason"`
}

type needsReasonJSON struct {
	content.NeedReason
	Key     string   `json:"key"`
	Because string   `json:"because"`
	Courses []string `json:"courses"`
}

type needsUnitJSON struct {
	Code          string                 `json:"code"`
	Name          string                 `json:"name"`
	Parent        string                 `json:"parent,omitempty"`
	Responses     int                    `json:"responses"`
	IKM           float64                `json:"ikm"`
	Grade         string                 `json:"grade"`
	Label         string                 `json:"label"`
	Weakest       []content.ElementScore `json:"weakest"`
	Elements      []content.ElementScore `json:"elements"`
	Months        []content.MonthIKM     `json:"months"`
	Gaps          []content.TagGap       `json:"gaps"`
	Assessed      int                    `json:"assessed"`
	Members       int                    `json:"members"`
	BelowJP       int                    `json:"below_jp"`
	BelowJPPeople []string               `json:"below_jp_people,omitempty"`
	Overdue       int                    `json:"overdue"`
	Recommended   []needsRecJSON         `json:"recommended"`
	Reasons       []needsReasonJSON      `json:"reasons"`
}

func (a *App) needsUnitJSON(lang string, u content.UnitNeeds) needsUnitJSON {
	j := needsUnitJSON{Code: u.Code, Name: u.Name, Parent: u.Parent, Responses: u.Responses, IKM: u.IKM, Grade: u.Grade,
		Label: u.Label, Weakest: u.Weakest, Elements: u.Elements, Months: u.Months, Gaps: u.Gaps, Assessed: u.Assessed,
		Members: u.Members, BelowJP: u.BelowJP, BelowJPPeople: u.BelowJPPeople, Overdue: u.Overdue,
		Recommended: []needsRecJSON{}, Reasons: []needsReasonJSON{}}
	for _, r := range u.Recommended {
		because := a.because(lang, r.Reason)
		rj := needsReasonJSON{NeedReason: r.Reason, Key: r.Reason.Key(), Because: because, Courses: []string{}}
		for _, c := range r.Courses {
			j.Recommended = append(j.Recommended, needsRecJSON{CourseID: c.ID, Title: c.Title, Because: because, Reason: rj.Key})
			rj.Courses = append(rj.Courses, c.ID)
		}
		j.Reasons = append(j.Reasons, rj)
	}
	return j
}

type needsJSON struct {
	Year       int             `json:"year"`
	ComputedAt time.Time       `json:"computed_at"`
	MaxAge     int             `json:"max_age_seconds"`
	City       *needsUnitJSON  `json:"city,omitempty"`
	Unit       *needsUnitJSON  `json:"unit,omitempty"`
	Team       *needsUnitJSON  `json:"team,omitempty"`
	Units      []needsUnitJSON `json:"units"`
}

func (a *App) needsJSON(lang string, n content.Needs) needsJSON {
	j := needsJSON{Year: n.Year, ComputedAt: n.ComputedAt, MaxAge: int(content.NeedsMaxAge / time.Second), Units: []needsUnitJSON{}}
	one := func(u *content.UnitNeeds) *needsUnitJSON {
		if u == nil {
			return nil
		}
		x := a.needsUnitJSON(lang, *u)
		return &x
	}
	j.City, j.Unit, j.Team = one(n.City), one(n.Unit), one(n.Team)
	for _, u := range n.Units {
		j.Units = append(j.Units, a.needsUnitJSON(lang, u))
	}
	return j
}

// needsAPI: GET /api/v1/needs?year=&unit= (admin): every unit of the city,
// or one unit with the units right below it.
func (a *App) needsAPI(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	n, err := a.svc.NeedsOf(c.UserContext(), *currentUser(c), utils.CopyString(c.Query("unit")), year)
	if err != nil {
		return err
	}
	return c.JSON(a.needsJSON(langOf(c), n))
}

// teamNeedsAPI: GET /api/v1/needs/team?year= (an atasan): their team.
func (a *App) teamNeedsAPI(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	n, err := a.svc.TeamNeeds(c.UserContext(), *currentUser(c), year)
	if err != nil {
		return err
	}
	return c.JSON(a.needsJSON(langOf(c), n))
}

// needsRulesAPI: GET /api/v1/needs/rules (admin).
func (a *App) needsRulesAPI(c *fiber.Ctx) error {
	r, err := a.svc.NeedsRules(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// putNeedsRulesAPI: PUT /api/v1/needs/rules (admin)
// {elements:[{element, tags, trigger}]} -> the rules.
func (a *App) putNeedsRulesAPI(c *fiber.Ctx) error {
	var in struct {
		Elements []content.NeedsRule `json:"elements"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.svc.SetNeedsRules(c.UserContext(), *currentUser(c), in.Elements)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// needsAssignAPI: POST /api/v1/needs/assign (admin; atasan: team=true)
// {year, unit | team, because, course_id, due, reason, mentor, goal} ->
// 201 {assignment, people, assigned, paired}.
func (a *App) needsAssignAPI(c *fiber.Ctx) error {
	var in content.NeedsAssignInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Year == 0 {
		in.Year = a.svc.CurrentYear()
	}
	res, err := a.svc.NeedsAssign(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}
