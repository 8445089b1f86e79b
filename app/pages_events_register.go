package app

import (
	"errors"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// The event page's register and cancel forms post here and go back to
// the event with a message (the layout's ?msg= flash); organisers see who
// holds a seat and who waits on /events/{id}/registrations.

// eventFlash is the flash message key (catalog "login."+key) for the
// outcome of a form, or "" for an error the error page should show.
func eventFlash(err error, ok string) string {
	for code, e := range map[string]*content.Error{
		"event_closed":         content.ErrRegistrationClosed,
		"event_cancelled":      content.ErrEventCancelled,
		"event_started":        content.ErrEventStarted,
		"event_not_registered": content.ErrNotRegistered,
		"event_not_for_you":    content.ErrEventNotOpenToYou,
		"event_already":        content.ErrAlreadyRegistered,
	} {
		if errors.Is(err, e) {
			return code
		}
	}
	if err == nil {
		return ok
	}
	return ""
}

func backToEvent(c *fiber.Ctx, id, flash string) error {
	return c.Redirect("/events/"+url.PathEscape(id)+"?msg="+flash, fiber.StatusSeeOther)
}

// registerEventSubmit: POST /events/{id}/register.
func (a *App) registerEventSubmit(c *fiber.Ctx) error {
	id := param(c, "id")
	p, err := a.svc.Register(c.UserContext(), *currentUser(c), id, "")
	if err == nil && p.Existing {
		err = content.ErrAlreadyRegistered
	}
	ok := "event_registered"
	if err == nil && p.Status == content.RegWaitlisted {
		ok = "event_waitlisted"
	}
	if f := eventFlash(err, ok); f != "" {
		return backToEvent(c, id, f)
	}
	return err
}

// cancelEventSubmit: POST /events/{id}/cancel.
func (a *App) cancelEventSubmit(c *fiber.Ctx) error {
	id := param(c, "id")
	_, err := a.svc.Cancel(c.UserContext(), *currentUser(c), id)
	if f := eventFlash(err, "event_cancelled_reg"); f != "" {
		return backToEvent(c, id, f)
	}
	return err
}

type eventRegistrationsView struct {
	Event                content.Event
	Rows                 []content.RegistrationRow
	Registered, Waitlist int
	When                 string
}

// eventRegistrationsPage: GET /events/{id}/registrations (organisers,
// admins).
func (a *App) eventRegistrationsPage(c *fiber.Ctx) error {
	ev, rows, err := a.svc.EventRegistrations(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	v := eventRegistrationsView{Event: ev, Rows: rows, When: ev.Starts.In(wib).Format("2006-01-02 15:04") + " WIB"}
	for _, r := range rows {
		if r.Status == content.RegRegistered {
			v.Registered++
		} else {
			v.Waitlist++
		}
	}
	return a.page(c, "event_registrations", v)
}

// openEvents are the events of the coming year still taking
// registrations, for the assignment form's chooser.
func (a *App) openEvents(c *fiber.Ctx) ([]content.Event, error) {
	now := a.svc.Now()
	evs, err := a.svc.EventsBetween(c.UserContext(), now, now.AddDate(1, 0, 0), "")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(evs, func(ev content.Event) bool { return !ev.RegistrationOpen(now) }), nil
}
