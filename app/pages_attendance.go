package app

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kotalama/kompeten/content"
)

// Pages of attendance: the organiser's check-in screen (a QR code that
// changes every 30 s, with the code in text for a camera that fails), the
// page the QR opens on an attendee's phone, the organiser's sheet with a
// checkbox per person and day, and the event's level-1 evaluation.

func (a *App) attendancePages(pages fiber.Router) {
	pages.Get("/events/:id/checkin", requireUser, a.checkinPage)
	pages.Get("/events/:id/checkin/code", requireUser, a.checkinCodeAPI)
	pages.Get("/events/:id/hadir", requireUser, a.hadirPage)
	pages.Post("/events/:id/hadir", requireUser, a.hadirSubmit)
	pages.Get("/events/:id/attendance.csv", requireUser, a.attendanceCSV)
	pages.Get("/events/:id/attendance", requireUser, a.attendancePage)
	pages.Post("/events/:id/attendance", requireUser, a.attendanceSubmit)
	pages.Get("/events/:id/evaluation", requireUser, a.eventEvaluationPage)
	pages.Post("/events/:id/evaluation", requireUser, a.eventEvaluationSubmit)
}

// qrSVGDataURI draws text as a QR code in SVG (sharp on a projector at any
// size), as a data URI an <img> shows under the pages' CSP.
func qrSVGDataURI(text string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("qr: %w", err)
	}
	bm := q.Bitmap()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`, len(bm), len(bm))
	for y, row := range bm {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(b.String())), nil
}

type checkinPageView struct {
	Event   content.Event
	Open    bool
	Code    checkinView
	Opens   string // when the next day's check-in opens, WIB
	Over    bool
	Refresh int64 // seconds until the code changes, for the no-script refresh
}

// checkinPage: GET /events/{id}/checkin (organiser): the QR code and the
// code in text; js/checkin.js fetches the next one as it changes, and
// without script the page reloads itself.
func (a *App) checkinPage(c *fiber.Ctx) error {
	ev, err := a.svc.Event(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	if !ev.IsOrganiser(*currentUser(c)) {
		return errForbidden()
	}
	v := checkinPageView{Event: ev}
	code, err := a.checkinView(c, ev.ID)
	switch {
	case err == nil:
		v.Open, v.Code = true, code
		v.Refresh = code.RemainingMS/1000 + 1
	case classify(err).Code == "closed":
		_, _, opens, _, _ := ev.CheckinDay(a.svc.Now())
		if opens.IsZero() {
			v.Over = true
		} else {
			v.Opens = formatWhen(langOf(c), opens)
			v.Refresh = 60
		}
	default:
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.page(c, "event_checkin", v)
}

type hadirView struct {
	Event   content.Event
	Code    string
	Result  *content.Attendance
	Error   string
	Expired bool
}

func (a *App) hadirEvent(c *fiber.Ctx) (content.Event, error) {
	return a.svc.Event(c.UserContext(), param(c, "id"))
}

// hadirPage: GET /events/{id}/hadir?c=CODE, what the QR opens: a button
// that sends the code (a GET that marked attendance would be followed by
// link previews and prefetchers).
func (a *App) hadirPage(c *fiber.Ctx) error {
	ev, err := a.hadirEvent(c)
	if err != nil {
		return err
	}
	code := c.Query("c")
	if len(code) > 64 {
		code = ""
	}
	return a.page(c, "event_hadir", hadirView{Event: ev, Code: strings.Clone(code)})
}

// hadirSubmit: POST /events/{id}/hadir {code}: marks today, or says why not.
func (a *App) hadirSubmit(c *fiber.Ctx) error {
	ev, err := a.hadirEvent(c)
	if err != nil {
		return err
	}
	code := formValue(c, "code")
	v := hadirView{Event: ev, Code: code}
	at, err := a.svc.CheckIn(c.UserContext(), *currentUser(c), ev.ID, code)
	if err != nil {
		e := classify(attendErr(err))
		if e.Status >= 500 {
			return err
		}
		a.localize(langOf(c), e)
		v.Error, v.Expired = e.Message, e.Code == "expired" || e.Code == "bad_request"
		if f, ok := e.Fields["code"]; ok && e.Code == "validation_failed" {
			v.Error = f
		}
		c.Status(e.Status)
		return a.page(c, "event_hadir", v)
	}
	v.Result = &at
	return a.page(c, "event_hadir", v)
}

type attendancePageView struct {
	Event   content.Event
	Sheet   content.AttendanceSheet
	Rows    []attendanceRowView
	Saved   int
	Errors  []string
	Ended   bool
	Report  *content.EvaluationReport
	Ratings []string
}

type attendanceRowView struct {
	content.AttendanceRow
	Marks []bool
}

func (a *App) attendanceView(c *fiber.Ctx) (attendancePageView, error) {
	sh, err := a.svc.AttendanceOf(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return attendancePageView{}, err
	}
	v := attendancePageView{Event: sh.Event, Sheet: sh, Ended: !a.svc.Now().Before(sh.Event.Ends), Ratings: content.RatingNames}
	for _, r := range sh.Rows {
		rv := attendanceRowView{AttendanceRow: r}
		for _, d := range sh.Days {
			rv.Marks = append(rv.Marks, slices.Contains(r.Present, d))
		}
		v.Rows = append(v.Rows, rv)
	}
	if v.Ended {
		rep, err := a.svc.EventEvaluations(c.UserContext(), *currentUser(c), sh.Event.ID)
		if err != nil {
			return v, err
		}
		v.Report = &rep
	}
	return v, nil
}

// attendancePage: GET /events/{id}/attendance (organiser).
func (a *App) attendancePage(c *fiber.Ctx) error {
	v, err := a.attendanceView(c)
	if err != nil {
		return err
	}
	v.Saved = c.QueryInt("saved", -1)
	return a.page(c, "event_attendance", v)
}

// maxMarkRows bounds one submitted sheet.
const maxMarkRows = 5000

// attendanceSubmit: POST /events/{id}/attendance (organiser): the sheet's
// checkboxes. Every person listed on the form (row) gets exactly the days
// ticked (p = nip|day); only the differences are written.
func (a *App) attendanceSubmit(c *fiber.Ctx) error {
	v, err := a.attendanceView(c)
	if err != nil {
		return err
	}
	args := c.Request().PostArgs()
	rows, ticked := map[string]bool{}, map[string]bool{}
	for _, b := range args.PeekMulti("row") {
		rows[string(b)] = true
	}
	for _, b := range args.PeekMulti("p") {
		ticked[string(b)] = true
	}
	if len(rows) > maxMarkRows || len(ticked) > maxMarkRows*content.MaxEventDays {
		return errField(413, "p", emsg("too_large"))
	}
	u := *currentUser(c)
	changed := 0
	var errs []string
	for _, r := range v.Rows {
		if !rows[r.NIP] {
			continue
		}
		for i, d := range v.Sheet.Days {
			want := ticked[r.NIP+"|"+d]
			if want == r.Marks[i] {
				continue
			}
			if _, err := a.svc.MarkAttendance(c.UserContext(), u, v.Event.ID, r.NIP, d, want); err != nil {
				e := classify(attendErr(err))
				if e.Status >= 500 {
					return err
				}
				a.localize(langOf(c), e)
				msg := e.Message
				for _, f := range e.Fields {
					msg = f
				}
				errs = append(errs, r.Name+" ("+d+"): "+msg)
				continue
			}
			changed++
		}
	}
	if len(errs) > 0 {
		nv, err := a.attendanceView(c)
		if err != nil {
			return err
		}
		nv.Errors, nv.Saved = errs, changed
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "event_attendance", nv)
	}
	return c.Redirect(fmt.Sprintf("/events/%s/attendance?saved=%d", url.PathEscape(v.Event.ID), changed), fiber.StatusSeeOther)
}

type eventEvaluationView struct {
	Event    content.Event
	Over     bool
	Attended bool
	Mine     *content.Evaluation
	Names    []string
	Scale    []int
	Form     map[string]int
	Comment  string
	Errors   map[string]string
}

func (a *App) eventEvaluationView(c *fiber.Ctx) (eventEvaluationView, error) {
	ev, err := a.svc.Event(c.UserContext(), param(c, "id"))
	if err != nil {
		return eventEvaluationView{}, err
	}
	v := eventEvaluationView{Event: ev, Over: !a.svc.Now().Before(ev.Ends), Names: content.RatingNames, Scale: scale, Form: map[string]int{}}
	v.Attended, v.Mine, err = a.svc.EventEvaluationState(c.UserContext(), *currentUser(c), ev)
	return v, err
}

// eventEvaluationPage: GET /events/{id}/evaluation.
func (a *App) eventEvaluationPage(c *fiber.Ctx) error {
	v, err := a.eventEvaluationView(c)
	if err != nil {
		return err
	}
	return a.page(c, "event_evaluation", v)
}

// eventEvaluationSubmit: POST /events/{id}/evaluation.
func (a *App) eventEvaluationSubmit(c *fiber.Ctx) error {
	v, err := a.eventEvaluationView(c)
	if err != nil {
		return err
	}
	in := evaluationInput(c)
	_, err = a.svc.SubmitEventEvaluation(c.UserContext(), *currentUser(c), v.Event.ID, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v.Errors, v.Form, v.Comment = evaluationRefill(fields, in)
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "event_evaluation", v)
	}
	if err != nil && !errors.Is(err, content.ErrEvaluated) {
		return attendErr(err)
	}
	return c.Redirect("/events/"+url.PathEscape(v.Event.ID)+"/evaluation", fiber.StatusSeeOther)
}
