package app

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ical"
)

// Calendar files: one event as .ics (signed in), and each person's feed
// of their events at a secret URL that calendar programs fetch without
// signing in (content/calendar_feed.go says how the token is made).

// icsProdID names Kompeten as the maker of its calendar files.
const icsProdID = "-//Kompeten//Kompeten//ID"

// Bounds of what a calendar file carries of an event's description; the
// event page has the rest.
const icsDescription = 2000

// feedRefresh is how often subscribers are asked to fetch the feed again
// (Google Calendar refreshes on its own schedule whatever it says).
const feedRefresh = time.Hour

// icsHost is the domain part of event UIDs: the public host, so UIDs from
// two Kompeten installations never collide.
func (a *App) icsHost() string {
	if u, err := url.Parse(a.cfg.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "kompeten"
}

// icsEvent is ev as a calendar entry in lang. The meeting link is written
// only when withLink (registered people and organisers); waitlisted marks
// the title, so a person sees at a glance they have no seat yet.
func (a *App) icsEvent(lang string, ev content.Event, withLink, waitlisted bool, now time.Time) ical.Event {
	page := a.absURL("/events/" + url.PathEscape(ev.ID))
	var where []string
	if ev.Place != "" {
		where = append(where, ev.Place)
	}
	if withLink && ev.OnlineURL != "" {
		where = append(where, ev.OnlineURL)
	}
	var desc strings.Builder
	if waitlisted {
		desc.WriteString(a.cat.T(lang, "calendar.waitlisted_note") + "\n\n")
	}
	if text := a.svc.Markdown().Text(ev.Description); text != "" {
		desc.WriteString(ical.Bound(text, icsDescription) + "\n\n")
	}
	if withLink && ev.OnlineURL != "" {
		desc.WriteString(a.cat.T(lang, "calendar.meeting_link") + ": " + ev.OnlineURL + "\n")
	}
	desc.WriteString(a.cat.T(lang, "calendar.event_page") + ": " + page)
	title := ev.Title
	if waitlisted {
		title = a.cat.T(lang, "calendar.waitlisted_prefix") + " " + title
	}
	return ical.Event{
		UID: ev.ID + "@" + a.icsHost(), Sequence: eventSequence(ev), Stamp: now,
		Start: ev.Starts, End: ev.Ends, Summary: title, Description: desc.String(),
		Location: strings.Join(where, " / "), URL: page, Cancelled: ev.Status == content.EventCancelled,
	}
}

// eventSequence is the event's SEQUENCE: the seconds from its creation to
// its last change. It grows with every change whoever makes it (an edit,
// a cancellation), with no counter to keep; calendar programs only
// compare it with the copy they hold.
func eventSequence(ev content.Event) int {
	d := ev.Updated.Sub(ev.Created) / time.Second
	return int(min(max(d, 0), math.MaxInt32))
}

// sendICS answers with a calendar file.
func sendICS(c *fiber.Ctx, cal ical.Calendar, filename, cache string) error {
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, cache)
	return c.Send(cal.Bytes())
}

// eventICS: GET /api/v1/events/{id}.ics (and /events/{id}/ics for the
// event page's link): the event for any signed-in person; the meeting
// link for its registered people and organisers.
func (a *App) eventICS(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	ev, err := a.svc.Event(ctx, param(c, "id"))
	if err != nil {
		return err
	}
	withLink := ev.IsOrganiser(*u)
	if !withLink {
		r, err := a.svc.RegistrationOf(ctx, ev.ID, u.NIP)
		if err != nil && !errors.Is(err, content.ErrNotFound) {
			return err
		}
		withLink = err == nil && r.Status == content.RegRegistered
	}
	cal := ical.Calendar{ProdID: icsProdID, Events: []ical.Event{a.icsEvent(langOf(c), ev, withLink, false, a.svc.Now())}}
	return sendICS(c, cal, "kegiatan-"+ev.ID+".ics", "private, no-store")
}

// calendarFeed: GET /calendar/{token}.ics, no login: the token's owner's
// registered and waitlisted events. A malformed, unknown or reset token
// is 404, told apart by nothing a caller can measure beyond a miss.
func (a *App) calendarFeed(c *fiber.Ctx) error {
	token := param(c, "token")
	if !content.ValidFeedToken(token) {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	u, err := a.svc.CalendarFeedUser(ctx, token)
	if errors.Is(err, content.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	entries, err := a.svc.CalendarEntries(ctx, u.NIP)
	if err != nil {
		return err
	}
	// No session here: the feed is in Bahasa Indonesia, as email is.
	const lang = "id"
	now := a.svc.Now()
	cal := ical.Calendar{ProdID: icsProdID, Name: a.cat.T(lang, "calendar.feed_name", u.Name), Refresh: feedRefresh}
	for _, e := range entries {
		registered := e.Status == content.RegRegistered
		cal.Events = append(cal.Events, a.icsEvent(lang, e.Event, registered, !registered, now))
	}
	c.Set("X-Robots-Tag", "noindex")
	return sendICS(c, cal, "kompeten.ics", "private, max-age=300")
}

// feedURLs are a person's feed addresses: https for copying, webcal for
// the programs that open it on a click.
type feedURLs struct {
	URL    string `json:"url"`
	Webcal string `json:"webcal_url"`
}

func (a *App) feedURLs(token string) feedURLs {
	u := a.absURL("/calendar/" + token + ".ics")
	webcal := u
	if i := strings.Index(u, "://"); i >= 0 {
		webcal = "webcal" + u[i:]
	}
	return feedURLs{URL: u, Webcal: webcal}
}

// myCalendarAPI: GET /api/v1/me/calendar -> {url, webcal_url}.
func (a *App) myCalendarAPI(c *fiber.Ctx) error {
	token, err := a.svc.CalendarToken(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(a.feedURLs(token))
}

// resetCalendarAPI: POST /api/v1/me/calendar/reset -> {url, webcal_url}:
// a new address; the old one stops working.
func (a *App) resetCalendarAPI(c *fiber.Ctx) error {
	token, err := a.svc.ResetCalendarToken(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(a.feedURLs(token))
}
