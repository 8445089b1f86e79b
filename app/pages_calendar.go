package app

import (
	"html/template"

	"github.com/gofiber/fiber/v2"
)

// The "my calendar" page: the personal feed's address to copy or open,
// how to subscribe in the common programs, and a reset.

type myCalendarView struct {
	feedURLs
	// WebcalHref is the webcal address as a link: html/template would
	// refuse the scheme, and the address is ours (the base URL and a
	// token of the id alphabet), not anyone's input.
	WebcalHref template.URL
	Reset      bool
}

// myCalendarPage: GET /my/calendar.
func (a *App) myCalendarPage(c *fiber.Ctx) error {
	token, err := a.svc.CalendarToken(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	urls := a.feedURLs(token)
	return a.page(c, "my_calendar", myCalendarView{feedURLs: urls, WebcalHref: template.URL(urls.Webcal), Reset: c.Query("ok") == "reset"})
}

// resetCalendarSubmit: POST /my/calendar/reset, then back to the page
// with the new address.
func (a *App) resetCalendarSubmit(c *fiber.Ctx) error {
	if _, err := a.svc.ResetCalendarToken(c.UserContext(), currentUser(c).NIP); err != nil {
		return err
	}
	return c.Redirect("/my/calendar?ok=reset", fiber.StatusSeeOther)
}
