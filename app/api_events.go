package app

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Events (kegiatan): workshops, seminars and classroom training. Trainers
// and admins create them; their organisers edit them.

// createEvent: POST /api/v1/events (trainer, admin) -> 201 event.
func (a *App) createEvent(c *fiber.Ctx) error {
	var in content.EventInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := a.svc.CreateEvent(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ev)
}

// patchEvent: PATCH /api/v1/events/{id} (organisers, admins), the whole
// event as at creation.
func (a *App) patchEvent(c *fiber.Ctx) error {
	var in content.EventInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := a.svc.UpdateEvent(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(ev)
}

// getEvent: GET /api/v1/events/{id}.
func (a *App) getEvent(c *fiber.Ctx) error {
	ev, err := a.svc.Event(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(ev)
}

// listEvents: GET /api/v1/events?from=&to=&kind= -> {items}: the events
// overlapping [from, to) (dates, WIB; default: from today for 31 days).
func (a *App) listEvents(c *fiber.Ctx) error {
	from, to, err := eventWindow(utils.CopyString(c.Query("from")), utils.CopyString(c.Query("to")), a.svc.Now())
	if err != nil {
		return err
	}
	kind := utils.CopyString(c.Query("kind"))
	if kind != "" && !slices.Contains(content.EventKinds, kind) {
		return errField(400, "kind", emsg("event.kind"))
	}
	evs, err := a.svc.EventsBetween(c.UserContext(), from, to, kind)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": evs})
}

// maxEventWindow bounds a listing's window.
const maxEventWindow = 366 * 24 * time.Hour

// eventWindow reads a listing's from and to dates (WIB).
func eventWindow(fromS, toS string, now time.Time) (from, to time.Time, err error) {
	y, m, d := now.In(wib).Date()
	from = time.Date(y, m, d, 0, 0, 0, 0, wib)
	if fromS != "" {
		if from, err = time.ParseInLocation(time.DateOnly, fromS, wib); err != nil {
			return from, to, errField(400, "from", emsg("assign.due_format"))
		}
	}
	to = from.AddDate(0, 0, 31)
	if toS != "" {
		if to, err = time.ParseInLocation(time.DateOnly, toS, wib); err != nil {
			return from, to, errField(400, "to", emsg("assign.due_format"))
		}
	}
	if !to.After(from) || to.Sub(from) > maxEventWindow {
		return from, to, errField(400, "to", emsg("event.window"))
	}
	return from, to, nil
}

// cancelEvent: POST /api/v1/events/{id}/cancel-event (organisers, admins)
// -> the event, status cancelled; registrations stay.
func (a *App) cancelEvent(c *fiber.Ctx) error {
	ev, err := a.svc.CancelEvent(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(ev)
}
