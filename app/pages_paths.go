package app

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Learning path pages: the list, a path with the learner's progress, and
// the form trainers and admins make and edit paths with.

type pathsView struct {
	Items   []content.Path
	CanMake bool
	Next    string
}

// pathsPage: GET /paths.
func (a *App) pathsPage(c *fiber.Ctx) error {
	after := utils.CopyString(c.Query("page"))
	ps, next, err := a.svc.Paths(c.UserContext(), after, 50)
	if errors.Is(err, content.ErrBadCursor) {
		return errField(400, "page", content.ErrBadCursor.Message())
	}
	if err != nil {
		return err
	}
	v := pathsView{Items: ps, CanMake: currentUser(c).Has(content.RoleTrainer)}
	if next != "" {
		v.Next = "/paths?" + url.Values{"page": {next}}.Encode()
	}
	return a.page(c, "paths", v)
}

type pathView struct {
	content.PathProgress
	CanEdit  bool
	Enrolled bool // in every course
}

// pathPage: GET /paths/{id}: the courses in order with the learner's
// progress and enrol buttons.
func (a *App) pathPage(c *fiber.Ctx) error {
	u := currentUser(c)
	p, err := a.svc.Path(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	pr, err := a.svc.ProgressOnPath(c.UserContext(), u.NIP, p)
	if err != nil {
		return err
	}
	v := pathView{PathProgress: pr, CanEdit: p.OwnedBy(*u), Enrolled: true}
	for _, pc := range pr.Courses {
		if !pc.Enrolled && pc.Course.Status == content.StatusPublished {
			v.Enrolled = false
		}
	}
	return a.page(c, "path", v)
}

// enrollPathSubmit: POST /paths/{id}/enroll, every course at once.
func (a *App) enrollPathSubmit(c *fiber.Ctx) error {
	p, err := a.svc.EnrollPath(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.Redirect("/paths/"+url.PathEscape(p.ID), fiber.StatusSeeOther)
}

// pathFormSlots is how many course choices the form offers beyond those
// already on the path.
const pathFormSlots = 3

// pathSlot is one course chooser of the form, numbered from 1.
type pathSlot struct {
	N  int
	ID string
}

type pathFormView struct {
	ID      string
	Title   string
	Summary string
	Slots   []string // chosen course ids in order, "" for an empty slot
	Choices []pathSlot
	Courses []content.CourseCard
	Errors  map[string]string
}

// publishedCourses lists published courses by title for the choosers.
func (a *App) publishedCourses(ctx context.Context) ([]content.CourseCard, error) {
	var out []content.CourseCard
	q := content.CatalogQuery{Limit: 100}
	for range 10 {
		l, err := a.svc.Catalog(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.Next == "" {
			break
		}
		q.After = l.Next
	}
	return out, nil
}

func (a *App) renderPathForm(c *fiber.Ctx, v pathFormView) error {
	courses, err := a.publishedCourses(c.UserContext())
	if err != nil {
		return err
	}
	v.Courses = courses
	for i := 0; i < pathFormSlots && len(v.Slots) < content.MaxPathCourses; i++ {
		v.Slots = append(v.Slots, "")
	}
	for i, id := range v.Slots {
		v.Choices = append(v.Choices, pathSlot{N: i + 1, ID: id})
	}
	return a.page(c, "path_form", v)
}

// newPathPage: GET /paths/new (trainers, admins).
func (a *App) newPathPage(c *fiber.Ctx) error {
	return a.renderPathForm(c, pathFormView{})
}

// editPathPage: GET /paths/{id}/edit (owners, admins).
func (a *App) editPathPage(c *fiber.Ctx) error {
	p, err := a.svc.Path(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	if !p.OwnedBy(*currentUser(c)) {
		return errForbidden()
	}
	return a.renderPathForm(c, pathFormView{ID: p.ID, Title: p.Title, Summary: p.Summary, Slots: append([]string(nil), p.Courses...)})
}

// pathInput reads the form: the course slots in order, empty ones skipped.
func pathInput(c *fiber.Ctx) (content.PathInput, []string) {
	in := content.PathInput{Title: utils.CopyString(c.FormValue("title")), Summary: utils.CopyString(c.FormValue("summary"))}
	var slots []string
	for i := range content.MaxPathCourses + pathFormSlots {
		id := strings.TrimSpace(utils.CopyString(c.FormValue("course_" + strconv.Itoa(i+1))))
		slots = append(slots, id)
		if id != "" {
			in.Courses = append(in.Courses, id)
		}
	}
	return in, slots
}

// pathSubmit: POST /paths/new and /paths/{id}/edit.
func (a *App) pathSubmit(c *fiber.Ctx) error {
	in, slots := pathInput(c)
	id := param(c, "id")
	var p content.Path
	var err error
	if id == "" {
		p, err = a.svc.CreatePath(c.UserContext(), *currentUser(c), in)
	} else {
		p, err = a.svc.UpdatePath(c.UserContext(), *currentUser(c), id, in)
	}
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		kept := slots[:0]
		for _, s := range slots {
			if s != "" {
				kept = append(kept, s)
			}
		}
		return a.renderPathForm(c, pathFormView{ID: id, Title: in.Title, Summary: in.Summary, Slots: kept, Errors: fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/paths/"+url.PathEscape(p.ID), fiber.StatusSeeOther)
}
