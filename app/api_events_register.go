package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// Event registration: a seat or a place on the waitlist, cancelling, and
// the organisers' list (content/events_registration.go).

// registrationRefusal answers the domain's refusals of registering and
// cancelling with a status and the refusal's own code; other errors go on
// as they are.
func registrationRefusal(err error) error {
	for _, r := range []struct {
		e      *content.Error
		status int
	}{
		{content.ErrRegistrationClosed, 409},
		{content.ErrEventCancelled, 409},
		{content.ErrEventStarted, 409},
		{content.ErrNotRegistered, 409},
		{content.ErrEventNotOpenToYou, 403},
		{content.ErrAlreadyRegistered, 409},
	} {
		if errors.Is(err, r.e) {
			return &apiError{Status: r.status, Code: r.e.Code, msg: r.e.Message()}
		}
	}
	return err
}

// placeJSON is a person's place as the API answers it.
type placeJSON struct {
	Status   string `json:"status"`
	Position int    `json:"position"`
	content.Registration
}

// registerEvent: POST /api/v1/events/{id}/register -> 201 {status:
// registered|waitlisted, position} (position on the waitlist, 0 with a
// seat); 200 with the same place when already registered.
func (a *App) registerEvent(c *fiber.Ctx) error {
	p, err := a.svc.Register(c.UserContext(), *currentUser(c), param(c, "id"), "")
	if err != nil {
		return registrationRefusal(err)
	}
	if p.Existing {
		return registrationRefusal(content.ErrAlreadyRegistered)
	}
	return c.Status(fiber.StatusCreated).JSON(placeJSON{Status: p.Status, Position: p.Position, Registration: p.Registration})
}

// cancelEventRegistration: DELETE /api/v1/events/{id}/register -> the
// cancelled registration.
func (a *App) cancelEventRegistration(c *fiber.Ctx) error {
	r, err := a.svc.Cancel(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return registrationRefusal(err)
	}
	return c.JSON(placeJSON{Status: r.Status, Registration: r})
}

// eventRegistrations: GET /api/v1/events/{id}/registrations (organisers,
// admins) -> {items:[{order, nip, name, unit, status, position, …}],
// registered, waitlisted, capacity}.
func (a *App) eventRegistrations(c *fiber.Ctx) error {
	ev, rows, err := a.svc.EventRegistrations(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	reg := 0
	for _, r := range rows {
		if r.Status == content.RegRegistered {
			reg++
		}
	}
	return c.JSON(fiber.Map{"items": rows, "registered": reg, "waitlisted": len(rows) - reg, "capacity": ev.Capacity})
}
