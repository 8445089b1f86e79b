package app

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

func (a *App) enroll(c *fiber.Ctx) error {
	e, created, err := a.svc.Enroll(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(e)
}

type enrollmentItem struct {
	CourseID        string     `json:"course_id"`
	Title           string     `json:"title"`
	Percent         int        `json:"percent"`
	CompletedAt     *time.Time `json:"completed_at"`
	CertificateCode string     `json:"certificate_code"`
	LastLesson      string     `json:"last_lesson,omitempty"`
}

func (a *App) listEnrollments(c *fiber.Ctx) error {
	mine, err := a.svc.MyCourses(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	items := make([]enrollmentItem, 0, len(mine))
	for _, m := range mine {
		it := enrollmentItem{CourseID: m.Course.ID, Title: m.Course.Title, Percent: m.Percent,
			CertificateCode: m.Certificate, LastLesson: m.LastLesson}
		if !m.Completed.IsZero() {
			t := m.Completed
			it.CompletedAt = &t
		}
		items = append(items, it)
	}
	return c.JSON(fiber.Map{"items": items})
}

func (a *App) courseProgress(c *fiber.Ctx) error {
	e, _, err := a.svc.CourseProgress(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// lessonProgress takes the player's reports. navigator.sendBeacon cannot
// set headers, so the page sends its reports to the cookie route with the
// CSRF token in the body; the API takes the bearer token.
func (a *App) lessonProgress(c *fiber.Ctx) error {
	var in content.ProgressInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.svc.RecordProgress(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return a.progressErr(c, err)
	}
	return c.JSON(p)
}

// progressErr answers a "done" that came before the lesson could have been
// read: 409 too_early, saying in words and in Retry-After how many seconds
// are left, so a client can simply ask again then.
func (a *App) progressErr(c *fiber.Ctx, err error) error {
	var te *content.TooEarlyError
	if !errors.As(err, &te) {
		return err
	}
	n := te.Seconds()
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(n))
	m := te.Message()
	return &apiError{Status: fiber.StatusConflict, Code: "too_early", msg: m, fieldMsgs: map[string]content.Msg{"done": m}}
}
