package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// param copies a route parameter: Fiber reuses its memory after the
// handler returns.
func param(c *fiber.Ctx, name string) string { return utils.CopyString(c.Params(name)) }

func (a *App) listCourses(c *fiber.Ctx) error {
	q := content.CatalogQuery{Category: utils.CopyString(c.Query("category")), After: utils.CopyString(c.Query("page"))}
	list, err := a.svc.Catalog(c.UserContext(), q)
	if errors.Is(err, content.ErrBadCursor) {
		return errField(400, "page", content.ErrBadCursor.Message())
	}
	if err != nil {
		return err
	}
	return c.JSON(list)
}

func (a *App) createCourse(c *fiber.Ctx) error {
	var in content.CourseInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	course, err := a.svc.CreateCourse(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(course)
}

func (a *App) getCourse(c *fiber.Ctx) error {
	course, err := a.svc.CourseForViewer(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(course)
}

func (a *App) patchCourse(c *fiber.Ctx) error {
	var in content.CourseInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	course, err := a.svc.UpdateCourse(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(course)
}

func (a *App) deleteCourse(c *fiber.Ctx) error {
	if err := a.svc.DeleteCourse(c.UserContext(), *currentUser(c), param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) setStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		course, err := a.svc.SetStatus(c.UserContext(), *currentUser(c), param(c, "id"), status)
		if err != nil {
			return err
		}
		return c.JSON(course)
	}
}

func (a *App) reorderCourse(c *fiber.Ctx) error {
	var in content.Reorder
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	course, err := a.svc.ReorderCourse(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(course)
}

func (a *App) addModule(c *fiber.Ctx) error {
	var in content.ModuleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := a.svc.AddModule(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (a *App) patchModule(c *fiber.Ctx) error {
	var in content.ModuleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	course, err := a.svc.RenameModule(c.UserContext(), *currentUser(c), param(c, "id"), param(c, "mid"), in)
	if err != nil {
		return err
	}
	return c.JSON(course)
}

func (a *App) deleteModule(c *fiber.Ctx) error {
	if _, err := a.svc.DeleteModule(c.UserContext(), *currentUser(c), param(c, "id"), param(c, "mid")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) addLesson(c *fiber.Ctx) error {
	var in content.LessonInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l, err := a.svc.AddLesson(c.UserContext(), *currentUser(c), param(c, "id"), param(c, "mid"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(l)
}

func (a *App) patchLesson(c *fiber.Ctx) error {
	var in content.LessonInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l, err := a.svc.UpdateLesson(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (a *App) deleteLesson(c *fiber.Ctx) error {
	if _, err := a.svc.DeleteLesson(c.UserContext(), *currentUser(c), param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type lessonResponse struct {
	content.Lesson
	HTML string `json:"html,omitempty"`
}

// getLesson returns a lesson for the player, with text rendered.
func (a *App) getLesson(c *fiber.Ctx) error {
	v, err := a.svc.ViewLesson(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	out := lessonResponse{Lesson: v.Lesson}
	if v.Lesson.Body != "" {
		out.HTML = a.svc.Markdown().HTML(v.Lesson.Body)
	}
	return c.JSON(out)
}

// previewMarkdown renders Markdown for the editor's live preview.
func (a *App) previewMarkdown(c *fiber.Ctx) error {
	var in struct {
		Markdown string `json:"markdown"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := a.svc.Markdown().Preview(in.Markdown)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"html": out})
}
