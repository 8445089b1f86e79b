package app

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Assignments (penugasan): admins assign anywhere, an atasan to their
// team; learners see theirs. The domain decides who may see what.

// createAssignment: POST /api/v1/assignments {course_id | path_id, nips,
// units, positions, due, reason} -> 201 {id, assigned}.
func (a *App) createAssignment(c *fiber.Ctx) error {
	var in content.AssignmentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	as, n, err := a.svc.Assign(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	a.log.Info("assignment created", "id", as.ID, "assigned", n, "by", currentUser(c).NIP)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": as.ID, "assigned": n})
}

type assignmentItem struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	CourseID string    `json:"course_id,omitempty"`
	PathID   string    `json:"path_id,omitempty"`
	Due      time.Time `json:"due"`
	Assigned int       `json:"assigned"`
	Done     int       `json:"done"`
	Overdue  int       `json:"overdue"`
}

func assignmentItemOf(s content.AssignmentSummary) assignmentItem {
	return assignmentItem{ID: s.ID, Title: s.Title, CourseID: s.Course, PathID: s.Path, Due: s.Due,
		Assigned: s.Assigned, Done: s.Done, Overdue: s.Overdue}
}

// assignmentFilter reads ?unit=&overdue=1&page=.
func assignmentFilter(c *fiber.Ctx) content.AssignmentFilter {
	return content.AssignmentFilter{Unit: utils.CopyString(c.Query("unit")), Overdue: c.Query("overdue") == "1",
		After: utils.CopyString(c.Query("page"))}
}

// listAssignments: GET /api/v1/assignments?unit=&overdue=1 (admin; an
// atasan sees those reaching their team).
func (a *App) listAssignments(c *fiber.Ctx) error {
	list, next, err := a.svc.Assignments(c.UserContext(), *currentUser(c), assignmentFilter(c))
	if errors.Is(err, content.ErrBadCursor) {
		return errField(400, "page", content.ErrBadCursor.Message())
	}
	if err != nil {
		return err
	}
	items := make([]assignmentItem, 0, len(list))
	for _, s := range list {
		items = append(items, assignmentItemOf(s))
	}
	return c.JSON(fiber.Map{"items": items, "next": next})
}

type unitCompletionJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Depth    int    `json:"depth"`
	Assigned int    `json:"assigned"`
	Done     int    `json:"done"`
	Overdue  int    `json:"overdue"`
	Percent  int    `json:"percent"`
}

type personJSON struct {
	NIP    string     `json:"nip"`
	Name   string     `json:"name"`
	Unit   string     `json:"unit"`
	Status string     `json:"status"`
	DoneAt *time.Time `json:"done_at"`
}

// getAssignment: GET /api/v1/assignments/{id}: completion in all, per unit
// (sub-units rolled up) and the overdue people.
func (a *App) getAssignment(c *fiber.Ctx) error {
	r, err := a.svc.AssignmentReport(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	units := make([]unitCompletionJSON, 0, len(r.Units))
	for _, u := range r.Units {
		units = append(units, unitCompletionJSON{Code: u.Code, Name: u.Name, Depth: u.Depth, Assigned: u.Assigned,
			Done: u.Done, Overdue: u.Overdue, Percent: u.Percent()})
	}
	overdue, err := a.people(c, r.OverduePeople())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": r.ID, "title": r.Title, "course_id": r.Course, "path_id": r.Path, "due": r.Due,
		"reason": r.Reason, "created_at": r.Created, "assigned": r.Assigned, "done": r.Done, "overdue": r.Overdue,
		"units": units, "overdue_people": overdue})
}

// people names the people of an assignment's records.
func (a *App) people(c *fiber.Ctx, ps []content.MyAssignment) ([]personJSON, error) {
	nips := make([]string, len(ps))
	for i, p := range ps {
		nips[i] = p.User
	}
	names, err := a.svc.UserNames(c.UserContext(), nips)
	if err != nil {
		return nil, err
	}
	out := make([]personJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, personJSON{NIP: p.User, Name: names[p.User], Unit: p.Unit, Status: p.Status, DoneAt: timePtr(p.Done)})
	}
	return out, nil
}

// assignmentCSV: GET /api/v1/assignments/{id}/report.csv: one row per
// person: nip, name, unit, due, status, done_at.
func (a *App) assignmentCSV(c *fiber.Ctx) error {
	r, err := a.svc.AssignmentReport(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	people, err := a.people(c, r.People)
	if err != nil {
		return err
	}
	rows := [][]string{{"nip", "name", "unit", "due", "status", "done_at"}}
	due := r.Due.In(wib).Format("2006-01-02")
	for _, p := range people {
		done := ""
		if p.DoneAt != nil {
			done = p.DoneAt.In(wib).Format("2006-01-02 15:04")
		}
		rows = append(rows, []string{p.NIP, p.Name, p.Unit, due, p.Status, done})
	}
	return sendCSV(c, "penugasan-"+r.ID+".csv", rows)
}

type myAssignmentItem struct {
	ID       string     `json:"id"`
	CourseID string     `json:"course_id,omitempty"`
	PathID   string     `json:"path_id,omitempty"`
	Title    string     `json:"title"`
	Due      time.Time  `json:"due"`
	Status   string     `json:"status"`
	DoneAt   *time.Time `json:"done_at"`
}

// myAssignments: GET /api/v1/me/assignments, status pending|done|overdue.
func (a *App) myAssignments(c *fiber.Ctx) error {
	mine, err := a.svc.MyAssignments(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	items := make([]myAssignmentItem, 0, len(mine))
	for _, m := range mine {
		items = append(items, myAssignmentItem{ID: m.Assignment, CourseID: m.Course, PathID: m.Path, Title: m.Title,
			Due: m.Due, Status: m.Status, DoneAt: timePtr(m.Done)})
	}
	return c.JSON(fiber.Map{"items": items})
}

// wib is Kotalama's time (UTC+7), for dates people read.
var wib = time.FixedZone("WIB", 7*3600)
