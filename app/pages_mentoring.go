package app

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Mentoring pages: "Bimbingan saya" (a mentor's mentees, a mentee's
// mentor and the sessions to confirm), the pairing form for admins and
// atasan, and one mentorship's page (sessions, actions, the confirm
// button, the rating, and the mentee's learning for the mentor).

type mentorshipRow struct {
	ID, Name, Goal, Period string
	Sessions, ToConfirm    int
	JP                     int
	Ended                  bool
}

type mentoringView struct {
	AsMentor, AsMentee []mentorshipRow
	CanPair            bool
	Mentor             bool
}

// periodText is a mentorship's period for a reader of lang.
func periodText(lang string, m content.Mentorship) string {
	return dateIn(lang, m.Starts) + " – " + dateIn(lang, m.Ends)
}

// mentoringPage: GET /mentoring, "Bimbingan saya".
func (a *App) mentoringPage(c *fiber.Ctx) error {
	u := *currentUser(c)
	my, err := a.svc.MentorshipsFor(c.UserContext(), u)
	if err != nil {
		return err
	}
	lang, now := langOf(c), a.svc.Now()
	row := func(m content.Mentorship, other string) mentorshipRow {
		return mentorshipRow{ID: m.ID, Name: my.Names[other], Goal: m.Goal, Period: periodText(lang, m), Sessions: len(m.Sessions),
			ToConfirm: toConfirm(m), JP: m.JP, Ended: m.Ended(now)}
	}
	v := mentoringView{Mentor: content.IsMentor(u)}
	for _, m := range my.AsMentor {
		v.AsMentor = append(v.AsMentor, row(m, m.Mentee))
	}
	for _, m := range my.AsMentee {
		v.AsMentee = append(v.AsMentee, row(m, m.Mentor))
	}
	if v.CanPair, err = a.svc.CanPair(c.UserContext(), u); err != nil {
		return err
	}
	return a.page(c, "mentoring", v)
}

type pairForm struct {
	Mentor, Mentee, Goal, Need, Starts, Ends string
}

type pairView struct {
	Admin   bool
	Mentors []content.User
	Team    []content.User
	Form    pairForm
	Errors  map[string]string
	Today   string
}

func (a *App) renderPair(c *fiber.Ctx, v pairView) error {
	u := *currentUser(c)
	ok, err := a.svc.CanPair(c.UserContext(), u)
	if err != nil {
		return err
	}
	if !ok {
		return errForbidden()
	}
	v.Admin = u.Has(content.RoleAdmin)
	if v.Mentors, err = a.svc.Mentors(c.UserContext()); err != nil {
		return err
	}
	if !v.Admin {
		if v.Team, err = a.svc.Team(c.UserContext(), u.NIP); err != nil {
			return err
		}
	}
	v.Today = a.svc.Now().In(wib).Format(time.DateOnly)
	return a.page(c, "mentoring_pair", v)
}

// pairPage: GET /mentoring/new?mentee=&need=&goal= (admin, atasan); the
// needs dashboard links here with the mentee and need filled in.
func (a *App) pairPage(c *fiber.Ctx) error {
	q := func(k string, n int) string { return clipString(utils.CopyString(c.Query(k)), n) }
	return a.renderPair(c, pairView{Form: pairForm{Mentee: q("mentee", 18), Mentor: q("mentor", 18), Need: q("need", content.MaxMentorNeed),
		Goal: q("goal", content.MaxMentorGoal)}})
}

// clipString cuts s to n runes, for values only shown back in a form.
func clipString(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// pairSubmit: POST /mentoring/new.
func (a *App) pairSubmit(c *fiber.Ctx) error {
	f := pairForm{Mentor: utils.CopyString(c.FormValue("mentor")), Mentee: utils.CopyString(c.FormValue("mentee")),
		Goal: utils.CopyString(c.FormValue("goal")), Need: utils.CopyString(c.FormValue("need")),
		Starts: utils.CopyString(c.FormValue("starts")), Ends: utils.CopyString(c.FormValue("ends"))}
	m, err := a.svc.PairMentor(c.UserContext(), *currentUser(c), content.MentorshipInput{Mentor: f.Mentor, Mentee: f.Mentee,
		Goal: f.Goal, Need: f.Need, Starts: f.Starts, Ends: f.Ends})
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderPair(c, pairView{Form: f, Errors: fields})
	}
	if err != nil {
		if cerr := conflictOf(err); cerr != err {
			c.Status(409)
			return a.renderPair(c, pairView{Form: f, Errors: map[string]string{"mentee": a.tr(langOf(c), content.ErrMentorActive.Message())}})
		}
		return err
	}
	return c.Redirect("/mentoring/"+url.PathEscape(m.ID)+"?done=paired", fiber.StatusSeeOther)
}

type actionRow struct {
	N         int // the form's field number
	Label     int // 1-based, for people
	Text, Due string
}

type mentorSessionRow struct {
	content.MentorSession
	DateText string
	Actions  []actionRow
}

type sessionForm struct {
	Date, Minutes, Notes string
	Actions              []actionRow
}

type enrolRow struct {
	ID, Title string
	Percent   int
	Completed string
}

type mentorshipView struct {
	content.MentorshipDetail
	Period     string
	Rows       []mentorSessionRow
	CanRate    bool
	Ended      bool
	Done       string // paired, session, confirmed, rated
	Form       sessionForm
	Errors     map[string]string
	RateErrors map[string]string
	Today      string
	MinDate    string
	Enrols     []enrolRow
	Tasks      []teamTaskRow
	Target     int
	JPCapped   int
	Scale      []int
}

func (a *App) renderMentorship(c *fiber.Ctx, v mentorshipView) error {
	d, err := a.svc.ViewMentorship(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	lang, now := langOf(c), a.svc.Now()
	v.MentorshipDetail = d
	v.Period = periodText(lang, d.Mentorship)
	v.Ended = d.Ended(now)
	v.CanRate = d.IsMentee && v.Ended && d.Rating == 0
	v.Today = now.In(wib).Format(time.DateOnly)
	v.MinDate = d.Starts.In(wib).Format(time.DateOnly)
	if v.Form.Actions == nil {
		v.Form = sessionForm{Date: v.Today, Minutes: "60", Actions: make([]actionRow, 3)}
	}
	for i := range v.Form.Actions {
		v.Form.Actions[i].N, v.Form.Actions[i].Label = i, i+1
	}
	v.Scale = []int{1, 2, 3, 4, 5}
	for i := len(d.Sessions) - 1; i >= 0; i-- { // newest first
		s := d.Sessions[i]
		r := mentorSessionRow{MentorSession: s, DateText: dateIn(lang, s.Date)}
		for _, act := range s.Actions {
			ar := actionRow{Text: act.Text}
			if !act.Due.IsZero() {
				ar.Due = dateIn(lang, act.Due)
			}
			r.Actions = append(r.Actions, ar)
		}
		v.Rows = append(v.Rows, r)
	}
	if l := d.Learning; l != nil {
		v.Target, v.JPCapped = l.JP.Target, min(l.JP.Total, l.JP.Target)
		for _, e := range l.Courses {
			r := enrolRow{ID: e.Course.ID, Title: e.Course.Title, Percent: e.Percent}
			if !e.Completed.IsZero() {
				r.Percent, r.Completed = 100, dateIn(lang, e.Completed)
			}
			v.Enrols = append(v.Enrols, r)
		}
		for _, as := range l.Assignments {
			v.Tasks = append(v.Tasks, teamTaskRow{TeamAssignment: content.TeamAssignment{ID: as.Assignment, Title: as.Title,
				Course: as.Course, Path: as.Path, Due: as.Due, Status: as.Status}, DueText: dateIn(lang, as.Due)})
		}
	}
	return a.page(c, "mentorship", v)
}

// mentorshipPage: GET /mentoring/{id}.
func (a *App) mentorshipPage(c *fiber.Ctx) error {
	v := mentorshipView{}
	switch d := c.Query("done"); d {
	case "paired", "session", "confirmed", "rated":
		v.Done = d
	}
	return a.renderMentorship(c, v)
}

// sessionSubmit: POST /mentoring/{id}/sessions (the mentor).
func (a *App) sessionSubmit(c *fiber.Ctx) error {
	f := sessionForm{Date: utils.CopyString(c.FormValue("date")), Minutes: utils.CopyString(c.FormValue("minutes")),
		Notes: utils.CopyString(c.FormValue("notes"))}
	in := content.SessionInput{Date: f.Date, Notes: f.Notes}
	in.Minutes, _ = strconv.Atoi(strings.TrimSpace(f.Minutes))
	for i := range content.MaxSessionActions {
		n := strconv.Itoa(i)
		row := actionRow{Text: utils.CopyString(c.FormValue("action_" + n)), Due: utils.CopyString(c.FormValue("due_" + n))}
		if i < 3 || row.Text != "" || row.Due != "" {
			f.Actions = append(f.Actions, row)
		}
		in.Actions = append(in.Actions, content.ActionInput{Text: row.Text, Due: row.Due})
	}
	id := param(c, "id")
	_, err := a.svc.RecordSession(c.UserContext(), *currentUser(c), id, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderMentorship(c, mentorshipView{Form: f, Errors: fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/mentoring/"+url.PathEscape(id)+"?done=session#sessions", fiber.StatusSeeOther)
}

// confirmSubmit: POST /mentoring/{id}/sessions/{sid}/confirm (the mentee).
func (a *App) confirmSubmit(c *fiber.Ctx) error {
	id := param(c, "id")
	if _, _, err := a.svc.ConfirmSession(c.UserContext(), *currentUser(c), id, param(c, "sid")); err != nil {
		return err
	}
	return c.Redirect("/mentoring/"+url.PathEscape(id)+"?done=confirmed#sessions", fiber.StatusSeeOther)
}

// ratingSubmit: POST /mentoring/{id}/rating (the mentee, at the end).
func (a *App) ratingSubmit(c *fiber.Ctx) error {
	id := param(c, "id")
	rating, _ := strconv.Atoi(c.FormValue("rating"))
	_, err := a.svc.RateMentorship(c.UserContext(), *currentUser(c), id, rating, utils.CopyString(c.FormValue("comment")))
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		return a.renderMentorship(c, mentorshipView{RateErrors: fields})
	}
	if err != nil {
		return conflictOf(err)
	}
	return c.Redirect("/mentoring/"+url.PathEscape(id)+"?done=rated", fiber.StatusSeeOther)
}
