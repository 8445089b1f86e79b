package app

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Learning paths (jalur belajar): an ordered list of courses, created by
// trainers and admins, followed by learners.

// createPath: POST /api/v1/paths (trainer, admin) {title, summary, courses}.
func (a *App) createPath(c *fiber.Ctx) error {
	var in content.PathInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.svc.CreatePath(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// updatePath: PUT /api/v1/paths/{id} (owners, admins), the whole path.
func (a *App) updatePath(c *fiber.Ctx) error {
	var in content.PathInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.svc.UpdatePath(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// listPaths: GET /api/v1/paths?page= -> {items, next}.
func (a *App) listPaths(c *fiber.Ctx) error {
	ps, next, err := a.svc.Paths(c.UserContext(), utils.CopyString(c.Query("page")), 50)
	if errors.Is(err, content.ErrBadCursor) {
		return errField(400, "page", content.ErrBadCursor.Message())
	}
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []content.Path{}
	}
	return c.JSON(fiber.Map{"items": ps, "next": next})
}

type pathCourseJSON struct {
	CourseID    string     `json:"course_id"`
	Title       string     `json:"title"`
	Enrolled    bool       `json:"enrolled"`
	Percent     int        `json:"percent"`
	CompletedAt *time.Time `json:"completed_at"`
}

type pathProgressJSON struct {
	Percent     int              `json:"percent"`
	CompletedAt *time.Time       `json:"completed_at"`
	Courses     []pathCourseJSON `json:"courses"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// getPath: GET /api/v1/paths/{id} -> the path with the caller's progress.
func (a *App) getPath(c *fiber.Ctx) error {
	p, err := a.svc.Path(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	pr, err := a.svc.ProgressOnPath(c.UserContext(), currentUser(c).NIP, p)
	if err != nil {
		return err
	}
	out := pathProgressJSON{Percent: pr.Percent, CompletedAt: timePtr(pr.Completed), Courses: []pathCourseJSON{}}
	for _, pc := range pr.Courses {
		out.Courses = append(out.Courses, pathCourseJSON{CourseID: pc.Course.ID, Title: pc.Course.Title, Enrolled: pc.Enrolled,
			Percent: pc.Percent, CompletedAt: timePtr(pc.Completed)})
	}
	return c.JSON(struct {
		content.Path
		Progress pathProgressJSON `json:"progress"`
	}{p, out})
}

// enrollPath: POST /api/v1/paths/{id}/enroll enrols the caller in every
// published course of the path.
func (a *App) enrollPath(c *fiber.Ctx) error {
	if _, err := a.svc.EnrollPath(c.UserContext(), *currentUser(c), param(c, "id")); err != nil {
		return err
	}
	return a.getPath(c)
}
