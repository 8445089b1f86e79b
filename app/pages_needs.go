package app

import (
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/internal/numfmt"
	"github.com/kotalama/kompeten/internal/svgchart"
)

// The needs dashboard's pages: /admin/needs (the city, or one unit with
// the units below it), /team/needs (an atasan's team), the assign action
// from a recommendation, and the rules editor /admin/needs/rules.

type needsWeak struct {
	Code, Name, Mean, Grade string
}

type needsGapRow struct {
	Tag, People, Assessed, MeanGap string
}

type needsRecView struct {
	Key, Because string
	Courses      []content.CourseCard
	Tags         string
	// Concerned says who an assignment from it reaches.
	Concerned string
}

type needsRowView struct {
	Code, Name, URL, IKM, Grade, Weakest string
	Responses, Gaps, BelowJP, Overdue    int
	Members, Recs                        int
}

type needsForm struct {
	Because, Course, Due, Mentor, Goal string
}

type needsPageView struct {
	Year   int
	Years  []int
	Units  []content.Unit
	Unit   string
	Team   bool
	Action string // where the assign forms post
	// The scope's summary.
	Name, IKM, Grade, GradeLabel string
	Responses                    int
	Weakest                      []needsWeak
	Members, BelowJP, Overdue    int
	Assessed                     int
	Gaps                         []needsGapRow
	BelowJPPeople                []string
	MoreBelowJP                  int
	Recs                         []needsRecView
	Rows                         []needsRowView
	RowsTitle                    string
	IKMChart, IKMTable           template.HTML
	GapChart                     template.HTML
	ComputedAt                   string
	MaxAge                       int
	CanPair                      bool
	MinDue, DefaultDue           string
	Form                         needsForm
	Errors                       map[string]string
	Done                         string // the assignment just made
	DoneText                     string
}

// maxBelowJPShown bounds the names listed on a unit's page.
const maxBelowJPShown = 100

// monthLabels are the months' short names on a chart's axis.
var monthLabels = map[string][]string{
	"id": {"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"},
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

func (a *App) needsYears(year int) []int {
	cur := a.svc.CurrentYear()
	var ys []int
	for y := cur; y >= cur-5; y-- {
		ys = append(ys, y)
	}
	if year < cur-5 || year > cur {
		ys = append(ys, year)
	}
	return ys
}

// needsPage: GET /admin/needs?year=&unit= (admins).
func (a *App) needsPage(c *fiber.Ctx) error {
	return a.renderNeeds(c, false, needsForm{}, nil)
}

// teamNeedsPage: GET /team/needs?year= (an atasan).
func (a *App) teamNeedsPage(c *fiber.Ctx) error {
	return a.renderNeeds(c, true, needsForm{}, nil)
}

func (a *App) renderNeeds(c *fiber.Ctx, team bool, form needsForm, errs map[string]string) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	lang := langOf(c)
	u := *currentUser(c)
	ctx := c.UserContext()
	v := needsPageView{Year: year, Years: a.needsYears(year), Team: team, Form: form, Errors: errs,
		CanPair: true, MaxAge: int(content.NeedsMaxAge / time.Second)}
	var n content.Needs
	var scope content.UnitNeeds
	if team {
		v.Action = "/team/needs/assign"
		if n, err = a.svc.TeamNeeds(ctx, u, year); err != nil {
			return err
		}
		scope = *n.Team
		v.Name = a.cat.T(lang, "needs.team_name")
		if scope.Name != "" {
			v.Name += " · " + scope.Name
		}
	} else {
		v.Action = "/admin/needs/assign"
		v.Unit = utils.CopyString(c.Query("unit"))
		if n, err = a.svc.NeedsOf(ctx, u, v.Unit, year); err != nil {
			return err
		}
		if v.Units, err = a.svc.AllUnits(ctx); err != nil {
			return err
		}
		sort.Slice(v.Units, func(i, j int) bool { return v.Units[i].Code < v.Units[j].Code })
		if n.Unit != nil {
			scope = *n.Unit
			v.Name = scope.Name
			v.RowsTitle = a.cat.T(lang, "needs.subunits")
		} else {
			scope = *n.City
			v.Name = a.cat.T(lang, "needs.city")
			v.RowsTitle = a.cat.T(lang, "needs.units")
		}
	}
	v.ComputedAt = n.ComputedAt.In(wib).Format("15:04:05")
	a.fillNeedsScope(lang, &v, scope)
	for _, r := range n.Units {
		row := needsRowView{Code: r.Code, Name: r.Name, URL: "/admin/needs?" + url.Values{"year": {strconv.Itoa(year)}, "unit": {r.Code}}.Encode(),
			Responses: r.Responses, Gaps: len(r.Gaps), BelowJP: r.BelowJP, Overdue: r.Overdue, Members: r.Members, Recs: len(r.Recommended), Grade: r.Grade}
		if r.Responses > 0 {
			row.IKM = numfmt.Float(lang, r.IKM, 2)
		}
		var ws []string
		for _, w := range r.Weakest[:min(2, len(r.Weakest))] {
			ws = append(ws, strings.ToUpper(w.Element))
		}
		row.Weakest = strings.Join(ws, ", ")
		v.Rows = append(v.Rows, row)
	}
	a.needsCharts(lang, &v, scope, n)
	now := a.svc.Now().In(wib)
	v.MinDue = now.AddDate(0, 0, 1).Format("2006-01-02")
	v.DefaultDue = now.AddDate(0, 0, 30).Format("2006-01-02")
	if id := c.Query("done"); id != "" && errs == nil {
		v.Done = "/admin/assignments/" + url.PathEscape(id)
		v.DoneText = a.cat.T(lang, "needs.done", numfmt.Int(lang, int64(c.QueryInt("n"))))
		if p := c.QueryInt("paired", -1); p >= 0 {
			v.DoneText += " " + a.cat.T(lang, "needs.done_paired", numfmt.Int(lang, int64(p)))
		}
	}
	return a.page(c, "admin_needs", v)
}

func (a *App) fillNeedsScope(lang string, v *needsPageView, s content.UnitNeeds) {
	v.Responses, v.Members, v.BelowJP, v.Overdue, v.Assessed = s.Responses, s.Members, s.BelowJP, s.Overdue, s.Assessed
	if s.Responses > 0 {
		v.IKM = numfmt.Float(lang, s.IKM, 2)
		v.Grade = s.Grade
		if s.Grade != "" {
			v.GradeLabel = a.cat.T(lang, "needs.grade_"+s.Grade)
		}
	}
	for _, w := range s.Weakest {
		v.Weakest = append(v.Weakest, needsWeak{Code: strings.ToUpper(w.Element), Name: a.cat.T(lang, "needs.el."+w.Element),
			Mean: numfmt.Float(lang, w.Mean, 2), Grade: w.Grade})
	}
	for _, g := range s.Gaps {
		v.Gaps = append(v.Gaps, needsGapRow{Tag: g.Tag, People: numfmt.Int(lang, int64(g.People)), Assessed: numfmt.Int(lang, int64(g.Assessed)),
			MeanGap: numfmt.Float(lang, g.MeanGap, 2)})
	}
	v.BelowJPPeople = s.BelowJPPeople
	if len(v.BelowJPPeople) > maxBelowJPShown {
		v.MoreBelowJP = len(v.BelowJPPeople) - maxBelowJPShown
		v.BelowJPPeople = v.BelowJPPeople[:maxBelowJPShown]
	}
	for _, r := range s.Recommended {
		rv := needsRecView{Key: r.Reason.Key(), Because: a.because(lang, r.Reason), Courses: r.Courses}
		if r.Reason.Kind == "skm" {
			rv.Tags = strings.Join(r.Reason.Tags, ", ")
			if v.Team {
				rv.Concerned = a.cat.T(lang, "needs.concerned_team", numfmt.Int(lang, int64(s.Members)))
			} else {
				rv.Concerned = a.cat.T(lang, "needs.concerned_unit", numfmt.Int(lang, int64(s.Members)))
			}
		} else {
			rv.Tags = r.Reason.Tag
			rv.Concerned = a.cat.T(lang, "needs.concerned_gap", numfmt.Int(lang, int64(r.Reason.People)))
		}
		v.Recs = append(v.Recs, rv)
	}
}

// maxIKMLines bounds the lines of the IKM chart: the scope and the units
// below it with the most responses.
const maxIKMLines = 5

func (a *App) needsCharts(lang string, v *needsPageView, scope content.UnitNeeds, n content.Needs) {
	format := func(f float64) string { return numfmt.Float(lang, f, 2) }
	labels := monthLabels[lang]
	if labels == nil {
		labels = monthLabels["id"]
	}
	series := func(name string, ms []content.MonthIKM) svgchart.Series {
		s := svgchart.Series{Name: name}
		for _, m := range ms {
			if m.Responses == 0 {
				s.Values = append(s.Values, math.NaN())
			} else {
				s.Values = append(s.Values, m.IKM)
			}
		}
		return s
	}
	lines := []svgchart.Series{series(v.Name, scope.Months)}
	var others []content.UnitNeeds
	for _, u := range n.Units {
		// On the city's page, only the top of the tree: their lines hold
		// everything below them.
		if u.Responses > 0 && (n.City == nil || u.Parent == "") {
			others = append(others, u)
		}
	}
	sort.SliceStable(others, func(i, j int) bool { return others[i].Responses > others[j].Responses })
	for _, u := range others[:min(len(others), maxIKMLines)] {
		lines = append(lines, series(u.Name, u.Months))
	}
	ch := svgchart.Chart{ID: "ikm-chart", Title: a.cat.T(lang, "needs.ikm_chart", v.Year), Kind: svgchart.Line, Labels: labels[:12],
		Series: lines, Max: 100, Format: format,
		Marks: []svgchart.Mark{{Value: 88.31, Label: "A"}, {Value: 76.61, Label: "B"}, {Value: 65, Label: "C"}}}
	if scope.Responses > 0 {
		v.IKMChart = template.HTML(ch.SVG())
		v.IKMTable = template.HTML(ch.Table(a.cat.T(lang, "needs.ikm_table", v.Year)))
	}
	if len(scope.Gaps) > 0 {
		g := svgchart.Chart{ID: "gap-chart", Title: a.cat.T(lang, "needs.gap_chart"), Kind: svgchart.Bars,
			Format: func(f float64) string { return numfmt.Float(lang, f, 1) }}
		s := svgchart.Series{Name: a.cat.T(lang, "needs.gap_people")}
		for _, gp := range scope.Gaps[:min(len(scope.Gaps), 12)] {
			g.Labels = append(g.Labels, gp.Tag)
			s.Values = append(s.Values, float64(gp.People))
		}
		g.Series = []svgchart.Series{s}
		v.GapChart = template.HTML(g.SVG())
	}
}

// needsAssignSubmit: POST /admin/needs/assign (admins) and
// /team/needs/assign (an atasan, for their team).
func (a *App) needsAssignSubmit(c *fiber.Ctx) error {
	team := strings.HasPrefix(c.Path(), "/team/")
	form := needsForm{Because: utils.CopyString(c.FormValue("because")), Course: utils.CopyString(c.FormValue("course_id")),
		Due: utils.CopyString(c.FormValue("due")), Mentor: utils.CopyString(c.FormValue("mentor")), Goal: utils.CopyString(c.FormValue("goal"))}
	year, err := strconv.Atoi(c.FormValue("year"))
	if err != nil {
		return errField(422, "year", emsg("report.year", 2000, 2100))
	}
	in := content.NeedsAssignInput{Year: year, Team: team, Because: form.Because, CourseID: form.Course, Due: form.Due,
		Reason: utils.CopyString(c.FormValue("reason")), Mentor: form.Mentor, Goal: form.Goal}
	if !team {
		in.Unit = utils.CopyString(c.FormValue("unit"))
	}
	res, err := a.svc.NeedsAssign(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		c.Request().URI().QueryArgs().Set("year", strconv.Itoa(year))
		if !team {
			c.Request().URI().QueryArgs().Set("unit", strings.TrimSpace(in.Unit))
		}
		return a.renderNeeds(c, team, form, fields)
	}
	if err != nil {
		return err
	}
	q := url.Values{"year": {strconv.Itoa(year)}, "done": {res.Assignment.ID}, "n": {strconv.Itoa(res.People)}}
	if in.Mentor != "" {
		q.Set("paired", strconv.Itoa(res.Paired))
	}
	back := "/team/needs?"
	if !team {
		q.Set("unit", in.Unit)
		back = "/admin/needs?"
	}
	return c.Redirect(back+q.Encode()+"#done", fiber.StatusSeeOther)
}

type needsRuleRow struct {
	Element, Code, Name, Tags, Trigger string
	TagsErr, TriggerErr, ElementErr    string
}

type needsRulesView struct {
	Rows    []needsRuleRow
	Grades  []string
	Updated string
	Saved   bool
	Errors  map[string]string
}

// needsRulesPage: GET /admin/needs/rules (admins).
func (a *App) needsRulesPage(c *fiber.Ctx) error {
	r, err := a.svc.NeedsRules(c.UserContext())
	if err != nil {
		return err
	}
	lang := langOf(c)
	v := needsRulesView{Grades: content.Grades, Saved: c.Query("saved") == "1"}
	if !r.Updated.IsZero() {
		v.Updated = dateIn(lang, r.Updated)
	}
	for _, e := range r.Elements {
		v.Rows = append(v.Rows, needsRuleRow{Element: e.Element, Code: strings.ToUpper(e.Element), Name: a.cat.T(lang, "needs.el."+e.Element),
			Tags: strings.Join(e.Tags, ", "), Trigger: e.Trigger})
	}
	return a.page(c, "admin_needs_rules", v)
}

// needsRulesSubmit: POST /admin/needs/rules (admins): one row per element,
// tags separated by commas.
func (a *App) needsRulesSubmit(c *fiber.Ctx) error {
	lang := langOf(c)
	var in []content.NeedsRule
	var rows []needsRuleRow
	for i := range ikm.Elements {
		k := strconv.Itoa(i)
		el := utils.CopyString(c.FormValue("element_" + k))
		tags := utils.CopyString(c.FormValue("tags_" + k))
		trig := utils.CopyString(c.FormValue("trigger_" + k))
		in = append(in, content.NeedsRule{Element: el, Tags: strings.Split(tags, ","), Trigger: trig})
		rows = append(rows, needsRuleRow{Element: el, Code: strings.ToUpper(el), Name: a.cat.T(lang, "needs.el."+strings.ToLower(el)), Tags: tags, Trigger: trig})
	}
	_, err := a.svc.SetNeedsRules(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		for i := range rows {
			p := "elements[" + strconv.Itoa(i) + "]."
			rows[i].ElementErr, rows[i].TagsErr, rows[i].TriggerErr = fields[p+"element"], fields[p+"tags"], fields[p+"trigger"]
		}
		c.Status(422)
		return a.page(c, "admin_needs_rules", needsRulesView{Rows: rows, Grades: content.Grades, Errors: fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/needs/rules?saved=1", fiber.StatusSeeOther)
}
