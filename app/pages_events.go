package app

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Event pages: the calendar (month and list), an event's page, the form
// organisers create and edit events with (and attach files on), and
// "Kegiatan saya". Registration, check-in and the .ics feed are other
// files' routes; these pages only link and post to them.

var (
	weekdaysID = []string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	monthsEN   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// eventDate writes a day for people, in WIB: "Jumat, 4 Desember 2026".
func eventDate(lang string, t time.Time) string {
	t = t.In(wib)
	if lang == "en" {
		return fmt.Sprintf("%s, %d %s %d", t.Weekday(), t.Day(), monthsEN[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%s, %d %s %d", weekdaysID[t.Weekday()], t.Day(), monthsID[t.Month()-1], t.Year())
}

// clock writes a time of day in WIB, with the separator each language uses.
func clock(lang string, t time.Time) string {
	if lang == "en" {
		return t.In(wib).Format("15:04")
	}
	return t.In(wib).Format("15.04")
}

// eventSpan writes when an event runs: one day with its hours, or the
// first and last day with theirs.
func eventSpan(lang string, from, to time.Time) string {
	if from.In(wib).Format(time.DateOnly) == to.In(wib).Format(time.DateOnly) {
		return eventDate(lang, from) + ", " + clock(lang, from) + "–" + clock(lang, to) + " WIB"
	}
	return eventDate(lang, from) + " " + clock(lang, from) + " – " + eventDate(lang, to) + " " + clock(lang, to) + " WIB"
}

// monthLabel is "Desember 2026".
func monthLabel(lang string, t time.Time) string {
	if lang == "en" {
		return monthsEN[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return monthsID[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// ---- the calendar ----

type calEvent struct {
	ID, Title, Kind, Mode, Time string
	Cancelled                   bool
}

type calDay struct {
	Date    string // YYYY-MM-DD
	Day     int
	Label   string // the full date, for headings and screen readers
	InMonth bool
	Today   bool
	Events  []calEvent
}

type calendarView struct {
	View        string // month or list
	Month       string // YYYY-MM
	MonthLabel  string
	Prev, Next  string // links, keeping the filters
	ThisMonth   string
	Kind, Unit  string
	Kinds       []string
	UnitOptions []unitOption
	Weekdays    []string // Monday first
	Weeks       [][]calDay
	Days        []calDay // the days with events, in order
	Count       int
	CanCreate   bool
	MonthLink   string
	ListLink    string
}

// eventsPage: GET /events?month=YYYY-MM&view=month|list&kind=&unit=.
func (a *App) eventsPage(c *fiber.Ctx) error {
	lang := langOf(c)
	now := a.svc.Now().In(wib)
	v := calendarView{View: "month", Kind: utils.CopyString(c.Query("kind")), Unit: utils.CopyString(c.Query("unit")),
		Kinds: content.EventKinds, CanCreate: content.CanOrganise(*currentUser(c))}
	if c.Query("view") == "list" {
		v.View = "list"
	}
	if v.Kind != "" && !slices.Contains(content.EventKinds, v.Kind) {
		return errField(400, "kind", emsg("event.kind"))
	}
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, wib)
	if m := c.Query("month"); m != "" {
		t, err := time.ParseInLocation("2006-01", m, wib)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return errField(400, "month", emsg("event.month"))
		}
		first = t
	}
	end := first.AddDate(0, 1, 0)
	v.Month, v.MonthLabel = first.Format("2006-01"), monthLabel(lang, first)
	link := func(month, view string) string {
		q := url.Values{"month": {month}}
		if view == "list" {
			q.Set("view", "list")
		}
		if v.Kind != "" {
			q.Set("kind", v.Kind)
		}
		if v.Unit != "" {
			q.Set("unit", v.Unit)
		}
		return "/events?" + q.Encode()
	}
	v.Prev, v.Next = link(first.AddDate(0, -1, 0).Format("2006-01"), v.View), link(end.Format("2006-01"), v.View)
	v.ThisMonth = link(now.Format("2006-01"), v.View)
	v.MonthLink, v.ListLink = link(v.Month, "month"), link(v.Month, "list")

	units, err := a.svc.AllUnits(c.UserContext())
	if err != nil {
		return err
	}
	_, v.UnitOptions = unitTree(units)
	var above []string
	if v.Unit != "" {
		if !slices.ContainsFunc(units, func(u content.Unit) bool { return u.Code == v.Unit }) {
			return errField(400, "unit", emsg("event.unknown_unit", v.Unit))
		}
		if above, err = a.svc.UnitAndAbove(c.UserContext(), v.Unit); err != nil {
			return err
		}
	}
	for i := range v.UnitOptions {
		v.UnitOptions[i].Selected = v.UnitOptions[i].Code == v.Unit
	}
	evs, err := a.svc.EventsBetween(c.UserContext(), first, end, v.Kind)
	if err != nil {
		return err
	}
	byDay := map[string][]calEvent{}
	for _, ev := range evs {
		if v.Unit != "" && !ev.OpenToUnit(above) {
			continue
		}
		v.Count++
		ce := calEvent{ID: ev.ID, Title: ev.Title, Kind: ev.Kind, Mode: ev.Mode, Cancelled: ev.Status == content.EventCancelled}
		for i, d := range ev.Days() {
			e := ce
			if i == 0 {
				e.Time = clock(lang, ev.Starts)
			}
			byDay[d] = append(byDay[d], e)
		}
	}
	today := now.Format(time.DateOnly)
	// The grid runs Monday to Sunday, from the week of the 1st to that of
	// the last day.
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	for d := start; d.Before(end) || d.Weekday() != time.Monday; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Monday {
			v.Weeks = append(v.Weeks, nil)
		}
		key := d.Format(time.DateOnly)
		day := calDay{Date: key, Day: d.Day(), Label: eventDate(lang, d), InMonth: d.Month() == first.Month(), Today: key == today}
		if day.InMonth {
			day.Events = byDay[key]
			if len(day.Events) > 0 {
				v.Days = append(v.Days, day)
			}
		}
		v.Weeks[len(v.Weeks)-1] = append(v.Weeks[len(v.Weeks)-1], day)
	}
	for i := range 7 {
		v.Weekdays = append(v.Weekdays, a.cat.T(lang, "events.weekday_"+strconv.Itoa((i+1)%7)))
	}
	return a.page(c, "events", v)
}

// ---- an event's page ----

type namedRef struct{ ID, Name string }

type eventView struct {
	Event       content.Event
	When        string
	Deadline    string
	Registered  int64
	Waitlisted  int64
	SeatsLeft   int64
	Full        bool
	Reg         *content.Registration
	Position    int // on the waitlist, 1 first
	Organisers  []namedRef
	Description template.HTML
	Before      *namedRef
	After       *namedRef
	Units       []namedRef
	ShowLink    bool
	Organiser   bool
	RegOpen     bool
	OpenToMe    bool
	Over        bool
	Cancelled   bool
}

// eventPage: GET /events/{id}, for anyone signed in.
func (a *App) eventPage(c *fiber.Ctx) error {
	ctx, u, lang := c.UserContext(), currentUser(c), langOf(c)
	ev, err := a.svc.Event(ctx, param(c, "id"))
	if err != nil {
		return err
	}
	now := a.svc.Now()
	v := eventView{Event: ev, When: eventSpan(lang, ev.Starts, ev.Ends),
		Deadline:  eventDate(lang, ev.RegistrationCloses) + ", " + clock(lang, ev.RegistrationCloses) + " WIB",
		Organiser: ev.IsOrganiser(*u), RegOpen: ev.RegistrationOpen(now), Over: !ev.Ends.After(now),
		Cancelled: ev.Status == content.EventCancelled,
		// bluemonday sanitises what goldmark renders.
		Description: template.HTML(a.svc.Markdown().HTML(ev.Description))}
	if v.Registered, v.Waitlisted, err = a.svc.EventCounts(ctx, ev.ID); err != nil {
		return err
	}
	v.SeatsLeft = max(0, int64(ev.Capacity)-v.Registered)
	v.Full = v.SeatsLeft == 0
	if r, err := a.svc.RegistrationOf(ctx, ev.ID, u.NIP); err == nil {
		v.Reg = &r
	} else if !errors.Is(err, content.ErrNotFound) {
		return err
	}
	if v.Reg != nil && v.Reg.Status == content.RegWaitlisted {
		if _, v.Position, err = a.svc.EventPlace(ctx, ev.ID, u.NIP); err != nil {
			return err
		}
	}
	v.ShowLink = ev.OnlineURL != "" && (v.Organiser || (v.Reg != nil && v.Reg.Status == content.RegRegistered))
	if v.OpenToMe, err = a.svc.OpenTo(ctx, ev, *u); err != nil {
		return err
	}
	for _, nip := range ev.Organisers {
		name := nip
		if p, err := a.svc.User(ctx, nip); err == nil {
			name = p.Name
		}
		v.Organisers = append(v.Organisers, namedRef{ID: nip, Name: name})
	}
	course := func(id string) *namedRef {
		if id == "" {
			return nil
		}
		r := &namedRef{ID: id, Name: id}
		if cr, err := a.svc.Course(ctx, id); err == nil {
			r.Name = cr.Title
		}
		return r
	}
	v.Before, v.After = course(ev.CourseBefore), course(ev.CourseAfter)
	for _, code := range ev.Units {
		r := namedRef{ID: code, Name: code}
		if un, err := a.svc.Unit(ctx, code); err == nil {
			r.Name = un.Name
		}
		v.Units = append(v.Units, r)
	}
	return a.page(c, "event", v)
}

// ---- the form ----

// eventForm is the form's fields as typed, so a refused form comes back
// as it was sent.
type eventForm struct {
	Title, Kind, Mode, StartsAt, EndsAt, Closes string
	Place, OnlineURL, Capacity, JP, Description string
	Organisers, Positions                       string
	Units                                       []string
	CourseBefore, CourseAfter, MinAttendance    string
	WaitlistCheckin                             bool
}

type eventFormView struct {
	ID          string
	Form        eventForm
	Errors      map[string]string
	Kinds       []string
	Modes       []string
	UnitOptions []unitOption
	Courses     []content.CourseCard
	Materials   []content.EventMaterial
	Cancelled   bool
	UploadMax   int64
	UploadText  string
}

const datetimeLocal = "2006-01-02T15:04"

func formFromEvent(ev content.Event) eventForm {
	return eventForm{Title: ev.Title, Kind: ev.Kind, Mode: ev.Mode,
		StartsAt: ev.Starts.In(wib).Format(datetimeLocal), EndsAt: ev.Ends.In(wib).Format(datetimeLocal),
		Closes: ev.RegistrationCloses.In(wib).Format(datetimeLocal), Place: ev.Place, OnlineURL: ev.OnlineURL,
		Capacity: strconv.Itoa(ev.Capacity), JP: strconv.Itoa(ev.JP), Description: ev.Description,
		Organisers: strings.Join(slices.DeleteFunc(slices.Clone(ev.Organisers), func(n string) bool { return n == ev.By }), "\n"), Positions: strings.Join(ev.Positions, "\n"), Units: ev.Units,
		CourseBefore: ev.CourseBefore, CourseAfter: ev.CourseAfter, MinAttendance: strconv.Itoa(ev.MinAttendance),
		WaitlistCheckin: ev.WaitlistCheckin}
}

func (a *App) renderEventForm(c *fiber.Ctx, v eventFormView) error {
	ctx := c.UserContext()
	v.Kinds, v.Modes = content.EventKinds, content.EventModes
	units, err := a.svc.AllUnits(ctx)
	if err != nil {
		return err
	}
	_, v.UnitOptions = unitTree(units)
	for i := range v.UnitOptions {
		v.UnitOptions[i].Selected = slices.Contains(v.Form.Units, v.UnitOptions[i].Code)
	}
	if v.Courses, err = a.publishedCourses(ctx); err != nil {
		return err
	}
	v.UploadMax = a.cfg.UploadMax
	v.UploadText = humanSize(a.cfg.UploadMax, langOf(c))
	return a.page(c, "event_form", v)
}

// newEventPage: GET /events/new (trainers, admins).
func (a *App) newEventPage(c *fiber.Ctx) error {
	if !content.CanOrganise(*currentUser(c)) {
		return errForbidden()
	}
	return a.renderEventForm(c, eventFormView{Form: eventForm{Kind: content.EventWorkshop, Mode: content.ModeOffline, MinAttendance: "100"}})
}

// organisedEvent loads an event the current user organises.
func (a *App) organisedEvent(c *fiber.Ctx) (content.Event, error) {
	ev, err := a.svc.Event(c.UserContext(), param(c, "id"))
	if err != nil {
		return ev, err
	}
	if !ev.IsOrganiser(*currentUser(c)) {
		return ev, errForbidden()
	}
	return ev, nil
}

// editEventPage: GET /events/{id}/edit (organisers, admins).
func (a *App) editEventPage(c *fiber.Ctx) error {
	ev, err := a.organisedEvent(c)
	if err != nil {
		return err
	}
	return a.renderEventForm(c, eventFormView{ID: ev.ID, Form: formFromEvent(ev), Materials: ev.Materials, Cancelled: ev.Status == content.EventCancelled})
}

// eventFormInt reads a number field; what is not a number becomes -1, which
// every bound refuses, so the field gets its range message.
func eventFormInt(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// eventSubmit: POST /events/new and /events/{id}/edit.
func (a *App) eventSubmit(c *fiber.Ctx) error {
	f := eventForm{Title: utils.CopyString(c.FormValue("title")), Kind: utils.CopyString(c.FormValue("kind")),
		Mode: utils.CopyString(c.FormValue("mode")), StartsAt: utils.CopyString(c.FormValue("starts_at")),
		EndsAt: utils.CopyString(c.FormValue("ends_at")), Closes: utils.CopyString(c.FormValue("registration_closes_at")),
		Place: utils.CopyString(c.FormValue("place")), OnlineURL: utils.CopyString(c.FormValue("online_url")),
		Capacity: utils.CopyString(c.FormValue("capacity")), JP: utils.CopyString(c.FormValue("jp")),
		Description: utils.CopyString(c.FormValue("description")), Organisers: utils.CopyString(c.FormValue("organisers")),
		Positions: utils.CopyString(c.FormValue("positions")), CourseBefore: utils.CopyString(c.FormValue("course_before")),
		CourseAfter: utils.CopyString(c.FormValue("course_after")), MinAttendance: utils.CopyString(c.FormValue("min_attendance")),
		WaitlistCheckin: c.FormValue("waitlist_checkin") == "1"}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		if string(k) == "units" && len(f.Units) <= content.MaxEventTargets {
			f.Units = append(f.Units, string(val))
		}
	})
	in := content.EventInput{Title: f.Title, Kind: f.Kind, Mode: f.Mode, StartsAt: f.StartsAt, EndsAt: f.EndsAt,
		RegistrationCloses: f.Closes, Place: f.Place, OnlineURL: f.OnlineURL, Capacity: eventFormInt(f.Capacity),
		JP: eventFormInt(f.JP), Description: f.Description, Organisers: splitList(f.Organisers, true), Units: f.Units,
		Positions: splitList(f.Positions, false), CourseBefore: f.CourseBefore, CourseAfter: f.CourseAfter,
		MinAttendance: eventFormInt(f.MinAttendance), WaitlistCheckin: f.WaitlistCheckin}
	id := param(c, "id")
	var ev content.Event
	var err error
	var mats []content.EventMaterial
	if id == "" {
		ev, err = a.svc.CreateEvent(c.UserContext(), *currentUser(c), in)
	} else {
		// Materials are not on the form (they are attached as uploaded):
		// nil keeps them.
		ev, err = a.svc.UpdateEvent(c.UserContext(), *currentUser(c), id, in)
		if old, lerr := a.svc.Event(c.UserContext(), id); lerr == nil {
			mats = old.Materials
		}
	}
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderEventForm(c, eventFormView{ID: id, Form: f, Errors: fields, Materials: mats})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/events/"+url.PathEscape(ev.ID), fiber.StatusSeeOther)
}

// cancelWholeEventSubmit: POST /events/{id}/cancel-event (organisers): the
// event is cancelled; registrations stay.
func (a *App) cancelWholeEventSubmit(c *fiber.Ctx) error {
	if c.FormValue("confirm") != "1" {
		return errField(400, "confirm", emsg("event.cancel_confirm"))
	}
	ev, err := a.svc.CancelEvent(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.Redirect("/events/"+url.PathEscape(ev.ID), fiber.StatusSeeOther)
}

// eventMaterialsFragment: GET /events/{id}/materials, the edit page's
// file list, which the uploader reloads after each file.
func (a *App) eventMaterialsFragment(c *fiber.Ctx) error {
	ev, err := a.organisedEvent(c)
	if err != nil {
		return err
	}
	t, ok := a.r.page("event_form", langOf(c))
	if !ok {
		return errors.New("no event_form template")
	}
	var b strings.Builder
	v := view{Lang: langOf(c), User: currentUser(c), CSRF: a.csrfToken(c), Data: eventFormView{ID: ev.ID, Materials: ev.Materials}}
	if err := t.ExecuteTemplate(&b, "event-materials", v); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.SendString(b.String())
}

// removeMaterialSubmit: POST /events/{id}/materials/{asset}/delete.
func (a *App) removeMaterialSubmit(c *fiber.Ctx) error {
	ev, err := a.svc.RemoveEventMaterial(c.UserContext(), *currentUser(c), param(c, "id"), param(c, "asset"))
	if err != nil {
		return err
	}
	return c.Redirect("/events/"+url.PathEscape(ev.ID)+"/edit#materials", fiber.StatusSeeOther)
}

// ---- Kegiatan saya ----

type myEventRow struct {
	ID, Title, When, Status string
	Cancelled               bool
}

type myEventsView struct {
	Upcoming, Past []myEventRow
}

// myEventsPage: GET /my/events.
func (a *App) myEventsPage(c *fiber.Ctx) error {
	lang := langOf(c)
	up, past, err := a.svc.MyEvents(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	row := func(m content.MyEvent) myEventRow {
		return myEventRow{ID: m.Event.ID, Title: m.Event.Title, When: eventSpan(lang, m.Event.Starts, m.Event.Ends),
			Status: m.Status, Cancelled: m.Event.Status == content.EventCancelled}
	}
	var v myEventsView
	for _, m := range up {
		v.Upcoming = append(v.Upcoming, row(m))
	}
	for _, m := range past {
		v.Past = append(v.Past, row(m))
	}
	return a.page(c, "my_events", v)
}

// eventPages registers the routes above; the fixed paths come before
// /events/:id, which would take "new" for an id.
func (a *App) eventPages(pages fiber.Router) {
	pages.Get("/events", requireUser, a.eventsPage)
	pages.Get("/events/new", requireUser, a.newEventPage)
	pages.Post("/events/new", requireUser, a.eventSubmit)
	pages.Get("/my/events", requireUser, a.myEventsPage)
	pages.Get("/events/:id", requireUser, a.eventPage)
	pages.Get("/events/:id/edit", requireUser, a.editEventPage)
	pages.Post("/events/:id/edit", requireUser, a.eventSubmit)
	pages.Post("/events/:id/cancel-event", requireUser, a.cancelWholeEventSubmit)
	pages.Get("/events/:id/materials", requireUser, a.eventMaterialsFragment)
	pages.Post("/events/:id/materials/:asset/delete", requireUser, a.removeMaterialSubmit)
}
