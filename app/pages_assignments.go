package app

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Assignment pages: the list with the form to assign (admins anywhere, an
// atasan to their team, by NIP), and one assignment's completion per unit
// with its overdue people. "Tim saya" links here with ?nips= filled in.

type assignFormValues struct {
	Course, Path, NIPs, Positions, Due, Reason string
	Units                                      []string

	Event string
}

type assignmentsView struct {
	Admin   bool
	Items   []content.AssignmentSummary
	Next    string
	Unit    string
	Overdue bool
	Courses []content.CourseCard
	Paths   []content.Path
	// Events are those still taking registrations (an event is assigned
	// by registering the people).
	Events []content.Event
	Units  []content.Unit
	// UnitOptions are Units for the form's chooser, with the chosen marked.
	UnitOptions []unitOption
	Form        assignFormValues
	Errors      map[string]string
	Created     string // id of the assignment just made
	Count       string
	MinDue      string
}

// splitList reads NIPs or positions typed one per line or separated by
// commas or semicolons.
func splitList(s string, lines bool) []string {
	sep := func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }
	if !lines {
		sep = func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }
	}
	return strings.FieldsFunc(s, sep)
}

func (a *App) renderAssignments(c *fiber.Ctx, v assignmentsView) error {
	u := currentUser(c)
	ok, err := a.svc.CanAssign(c.UserContext(), *u)
	if err != nil {
		return err
	}
	if !ok {
		return errForbidden()
	}
	v.Admin = u.Has(content.RoleAdmin)
	f := content.AssignmentFilter{Unit: v.Unit, Overdue: v.Overdue, After: utils.CopyString(c.Query("page"))}
	list, next, err := a.svc.Assignments(c.UserContext(), *u, f)
	if errors.Is(err, content.ErrBadCursor) {
		return errField(400, "page", content.ErrBadCursor.Message())
	}
	if err != nil {
		return err
	}
	v.Items = list
	if next != "" {
		q := url.Values{"page": {next}}
		if v.Unit != "" {
			q.Set("unit", v.Unit)
		}
		if v.Overdue {
			q.Set("overdue", "1")
		}
		v.Next = "/admin/assignments?" + q.Encode()
	}
	if v.Courses, err = a.publishedCourses(c.UserContext()); err != nil {
		return err
	}
	if v.Paths, _, err = a.svc.Paths(c.UserContext(), "", 200); err != nil {
		return err
	}
	if v.Events, err = a.openEvents(c); err != nil {
		return err
	}
	if v.Admin {
		if v.Units, err = a.svc.AllUnits(c.UserContext()); err != nil {
			return err
		}
		_, v.UnitOptions = unitTree(v.Units)
		for i := range v.UnitOptions {
			v.UnitOptions[i].Selected = slices.Contains(v.Form.Units, v.UnitOptions[i].Code)
		}
	}
	v.MinDue = a.svc.Now().In(wib).AddDate(0, 0, 1).Format("2006-01-02")
	return a.page(c, "admin_assignments", v)
}

// assignmentsPage: GET /admin/assignments?unit=&overdue=1&nips=.
func (a *App) assignmentsPage(c *fiber.Ctx) error {
	v := assignmentsView{Unit: utils.CopyString(c.Query("unit")), Overdue: c.Query("overdue") == "1",
		Created: utils.CopyString(c.Query("created")), Count: utils.CopyString(c.Query("n"))}
	if nips := c.Query("nips"); nips != "" && len(nips) < 64<<10 {
		v.Form.NIPs = strings.Join(splitList(nips, true), "\n")
	}
	return a.renderAssignments(c, v)
}

// assignSubmit: POST /admin/assignments.
func (a *App) assignSubmit(c *fiber.Ctx) error {
	form := assignFormValues{Course: utils.CopyString(c.FormValue("course_id")), Path: utils.CopyString(c.FormValue("path_id")),
		NIPs: utils.CopyString(c.FormValue("nips")), Positions: utils.CopyString(c.FormValue("positions")),
		Due: utils.CopyString(c.FormValue("due")), Reason: utils.CopyString(c.FormValue("reason"))}
	form.Event = utils.CopyString(c.FormValue("event_id"))
	if args, err := c.MultipartForm(); err == nil && args != nil {
		form.Units = args.Value["units"]
	} else {
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if string(k) == "units" {
				form.Units = append(form.Units, string(v))
			}
		})
	}
	in := content.AssignmentInput{CourseID: form.Course, PathID: form.Path, EventID: form.Event, NIPs: splitList(form.NIPs, true),
		Units: form.Units, Positions: splitList(form.Positions, false), Due: form.Due, Reason: form.Reason}
	as, n, err := a.svc.Assign(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderAssignments(c, assignmentsView{Form: form, Errors: fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/assignments/"+url.PathEscape(as.ID)+"?n="+strconv.Itoa(n), fiber.StatusSeeOther)
}

type assignmentPageView struct {
	content.AssignmentReport
	Overdue  []personJSON
	More     int // overdue people not listed
	Count    string
	CSV      string
	DueShown string
}

// maxOverdueShown bounds the overdue list on the page; the CSV has all.
const maxOverdueShown = 200

// assignmentPage: GET /admin/assignments/{id}.
func (a *App) assignmentPage(c *fiber.Ctx) error {
	r, err := a.svc.AssignmentReport(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	od := r.OverduePeople()
	v := assignmentPageView{AssignmentReport: r, Count: utils.CopyString(c.Query("n")),
		CSV: "/admin/assignments/" + url.PathEscape(r.ID) + "/report.csv", DueShown: r.Due.In(wib).Format("2006-01-02")}
	if len(od) > maxOverdueShown {
		v.More = len(od) - maxOverdueShown
		od = od[:maxOverdueShown]
	}
	if v.Overdue, err = a.people(c, od); err != nil {
		return err
	}
	return a.page(c, "admin_assignment", v)
}

// wajibItem is one mandatory item on the learner's home page.
type wajibItem struct {
	Title   string
	URL     string
	Due     string
	Status  string
	Percent int
}

// wajib lists the learner's assignments for the home page, open ones
// first by due date, and the courses they cover (shown there, not again
// among the other enrolments).
func (a *App) wajib(c *fiber.Ctx, mine []content.EnrolledCourse) ([]wajibItem, map[string]bool, error) {
	as, err := a.svc.MyAssignments(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return nil, nil, err
	}
	percent := map[string]int{}
	for _, ec := range mine {
		percent[ec.Course.ID] = ec.Percent
		if !ec.Completed.IsZero() {
			percent[ec.Course.ID] = 100
		}
	}
	covered := map[string]bool{}
	var out []wajibItem
	for _, m := range as {
		it := wajibItem{Title: m.Title, Due: m.Due.In(wib).Format("2006-01-02"), Status: m.Status}
		if m.Path != "" {
			it.URL = "/paths/" + url.PathEscape(m.Path)
			if p, err := a.svc.Path(c.UserContext(), m.Path); err == nil && len(p.Courses) > 0 {
				sum := 0
				for _, id := range p.Courses {
					sum += percent[id]
				}
				it.Percent = sum / len(p.Courses)
			}
		} else {
			it.URL = "/courses/" + url.PathEscape(m.Course)
			it.Percent = percent[m.Course]
			covered[m.Course] = true
		}
		if m.Status == content.AssignDone {
			it.Percent = 100
		}
		out = append(out, it)
	}
	return out, covered, nil
}
