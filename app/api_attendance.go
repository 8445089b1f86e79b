package app

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Attendance (presensi) at events: the organiser's rotating check-in code,
// attendees checking in with it, the organiser's marks and export, and the
// event's level-1 evaluation (content/attendance.go,
// content/event_evaluations.go).

// attendanceAPI registers the API routes; app.go calls it before its
// catch-all.
func (a *App) attendanceAPI(api fiber.Router) {
	api.Get("/events/:id/checkin-code", requireUser, a.checkinCodeAPI)
	api.Post("/events/:id/attendance", requireUser, a.checkInAPI)
	api.Get("/events/:id/attendance", requireUser, a.attendanceAPIList)
	api.Get("/events/:id/attendance.csv", requireUser, a.attendanceCSV)
	api.Put("/events/:id/attendance/:nip", requireUser, a.markAttendanceAPI)
	api.Post("/events/:id/evaluation", requireUser, a.submitEventEvaluation)
	api.Get("/events/:id/evaluations", requireUser, a.eventEvaluationsAPI)
}

// attendErr gives attendance refusals their status, for the API and the
// pages alike.
func attendErr(err error) error {
	for _, x := range []struct {
		e      *content.Error
		status int
		code   string
	}{
		{content.ErrCheckinInvalid, 400, "bad_request"},
		{content.ErrCheckinExpired, 410, "expired"},
		{content.ErrCheckinClosed, 409, "closed"},
		{content.ErrEventCancelled, 409, "cancelled"},
		{content.ErrCheckinNotRegistered, 403, "not_registered"},
		{content.ErrCheckinWaitlist, 403, "waitlisted"},
		{content.ErrEventNotOver, 409, "not_over"},
		{content.ErrNotAttended, 403, "not_attended"},
	} {
		if errors.Is(err, x.e) {
			ae := &apiError{Status: x.status, Code: x.code, msg: x.e.Message()}
			if x.status == 400 || x.status == 410 {
				ae.fieldMsgs = map[string]content.Msg{"code": x.e.Message()}
			}
			return ae
		}
	}
	return evalErr(err)
}

// checkinView is the code with what the screen needs: the URL the QR
// encodes, the QR as an SVG data URI, and how long until it changes (by
// the server's clock, so a screen with a wrong clock still refreshes on
// time).
type checkinView struct {
	content.CheckinCode
	URL         string `json:"url"`
	QR          string `json:"qr"`
	RemainingMS int64  `json:"remaining_ms"`
}

func (a *App) checkinView(c *fiber.Ctx, eventID string) (checkinView, error) {
	code, err := a.svc.CheckinCodeFor(c.UserContext(), *currentUser(c), eventID)
	if err != nil {
		return checkinView{}, attendErr(err)
	}
	v := checkinView{CheckinCode: code, URL: a.cfg.BaseURL + "/events/" + url.PathEscape(eventID) + "/hadir?c=" + code.Code,
		RemainingMS: max(0, code.Expires.Sub(a.svc.Now()).Milliseconds())}
	if v.QR, err = qrSVGDataURI(v.URL); err != nil {
		return checkinView{}, err
	}
	return v, nil
}

// checkinCodeAPI: GET /api/v1/events/{id}/checkin-code (organiser) ->
// {code, expires_at, day, day_number, days, url, qr, remaining_ms}; 409
// outside the check-in hours.
func (a *App) checkinCodeAPI(c *fiber.Ctx) error {
	v, err := a.checkinView(c, param(c, "id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

// checkInAPI: POST /api/v1/events/{id}/attendance (registered) {code} ->
// 201 when today is marked, 200 when it was already.
func (a *App) checkInAPI(c *fiber.Ctx) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	at, err := a.svc.CheckIn(c.UserContext(), *currentUser(c), param(c, "id"), in.Code)
	if err != nil {
		return attendErr(err)
	}
	status := fiber.StatusCreated
	if at.Already {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(at)
}

// attendanceAPIList: GET /api/v1/events/{id}/attendance (organiser) ->
// {days, totals, days_needed, credited, items:[{nip, name, unit, status,
// present, credited}]}.
func (a *App) attendanceAPIList(c *fiber.Ctx) error {
	sh, err := a.svc.AttendanceOf(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

// markAttendanceAPI: PUT /api/v1/events/{id}/attendance/{nip} (organiser)
// {day, present} -> the attendance after the mark.
func (a *App) markAttendanceAPI(c *fiber.Ctx) error {
	var in struct {
		Day     string `json:"day"`
		Present *bool  `json:"present"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Present == nil {
		return errField(422, "present", emsg("required"))
	}
	at, err := a.svc.MarkAttendance(c.UserContext(), *currentUser(c), param(c, "id"), param(c, "nip"), strings.TrimSpace(in.Day), *in.Present)
	if err != nil {
		return attendErr(err)
	}
	return c.JSON(at)
}

// attendanceCSV: GET /events/{id}/attendance.csv and the API's (organiser):
// NIP, name, unit, status, one column per day.
func (a *App) attendanceCSV(c *fiber.Ctx) error {
	sh, err := a.svc.AttendanceOf(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	header, rows := sh.CSVRows()
	return sendCSV(c, "presensi-"+sh.Event.ID+".csv", append([][]string{header}, rows...))
}

// submitEventEvaluation: POST /api/v1/events/{id}/evaluation (an attendee,
// after the event) {ratings:{content, trainer, usefulness}, comment} ->
// 201; 409 the second time or before the end, 403 for non-attendees.
func (a *App) submitEventEvaluation(c *fiber.Ctx) error {
	var in content.EvaluationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := a.svc.SubmitEventEvaluation(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return attendErr(err)
	}
	return c.Status(fiber.StatusCreated).JSON(ev)
}

// eventEvaluationsAPI: GET /api/v1/events/{id}/evaluations (organiser) ->
// {count, means, distribution, comments}.
func (a *App) eventEvaluationsAPI(c *fiber.Ctx) error {
	r, err := a.svc.EventEvaluations(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// formValue is a form field copied out of Fiber's buffer.
func formValue(c *fiber.Ctx, name string) string { return utils.CopyString(c.FormValue(name)) }
