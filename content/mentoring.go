package content

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Mentoring (pembimbingan): an admin or atasan pairs an experienced ASN
// holding the mentor role with a mentee, for a goal and a period, often
// because of a need the needs dashboard found. The mentor records sessions;
// the mentee confirms each, and a confirmed session credits JP once.
//
// JP from mentoring. The ledger holds whole JP, and sessions come in any
// length, so minutes are carried: each mentorship keeps the minutes of its
// confirmed sessions, and a confirmed session earns the JP its minutes
// complete, floor((before+m)/rate) - floor(before/rate), so the JP of a
// mentorship are always floor(confirmed minutes / rate) and no minute is
// counted twice or lost to rounding. The rate (minutes per JP, 45 by
// default) is fixed on the mentorship when it is paired, so a changed
// setting never re-prices sessions already credited. Confirming is one
// versioned write of the mentorship (two instances confirming at once: one
// wins, the other finds it confirmed), and the ledger entry is keyed by the
// session (mentoring/<mentorship>:<session>/<nip>), so confirming again, on
// any instance, credits nothing more; it does repair a credit lost when an
// instance stopped between the two writes. A session that completes no JP
// (a 30-minute talk as the first) gets no entry; its minutes count towards
// the next.

// RoleMentor is held by experienced ASN who guide mentees.
const RoleMentor = "mentor"

// DefaultMinutesPerJP is the rate at which confirmed mentoring time becomes
// JP, unless the operator sets another.
const DefaultMinutesPerJP = 45

// Mentorship is one pairing.
type Mentorship struct {
	ID      string    `bson:"id" json:"id"`
	Mentor  string    `bson:"mentor" json:"mentor"`
	Mentee  string    `bson:"mentee" json:"mentee"`
	Unit    string    `bson:"unit" json:"unit"` // the mentee's, at pairing
	Goal    string    `bson:"goal" json:"goal"`
	Need    string    `bson:"need,omitempty" json:"need,omitempty"` // what prompted it
	Starts  time.Time `bson:"starts" json:"starts"`
	Ends    time.Time `bson:"ends" json:"ends"`
	By      string    `bson:"by" json:"by"`
	Created time.Time `bson:"created" json:"created_at"`
	// Rating is the mentee's 1–5 at the end (0 before).
	Rating        int       `bson:"rating,omitempty" json:"rating,omitempty"`
	RatingComment string    `bson:"rating_comment,omitempty" json:"rating_comment,omitempty"`
	Rated         time.Time `bson:"rated,omitempty" json:"rated_at,omitzero"`
	// MinutesPerJP is the rate fixed at pairing (see the top of the file).
	MinutesPerJP int `bson:"minutes_per_jp" json:"minutes_per_jp"`
	// ConfirmedMinutes and JP add up the confirmed sessions.
	ConfirmedMinutes int             `bson:"confirmed_minutes" json:"confirmed_minutes"`
	JP               int             `bson:"jp" json:"jp"`
	Sessions         []MentorSession `bson:"sessions" json:"sessions"`
}

// MentorSession is one meeting as the mentor records it.
type MentorSession struct {
	ID      string         `bson:"id" json:"id"`
	Date    time.Time      `bson:"date" json:"date"`
	Minutes int            `bson:"minutes" json:"minutes"`
	Notes   string         `bson:"notes,omitempty" json:"notes"`
	Actions []MentorAction `bson:"actions,omitempty" json:"actions"`
	Created time.Time      `bson:"created" json:"created_at"`
	// Confirmed is when the mentee confirmed it; JP what it credited.
	Confirmed time.Time `bson:"confirmed,omitempty" json:"confirmed_at,omitzero"`
	JP        int       `bson:"jp" json:"jp"`
}

// MentorAction is something agreed in a session, with an optional due date.
type MentorAction struct {
	Text string    `bson:"text" json:"text"`
	Due  time.Time `bson:"due,omitempty" json:"due,omitzero"`
}

// mentorActionDoc indexes an action with a due date, so the reminder pass
// finds those coming due by one range query (see RemindMentorActions).
type mentorActionDoc struct {
	Mentorship string    `bson:"mentorship"`
	Session    string    `bson:"session"`
	N          int       `bson:"n"`
	Mentee     string    `bson:"mentee"`
	Text       string    `bson:"text"`
	Due        time.Time `bson:"due"`
	Created    time.Time `bson:"created"`
}

// IsConfirmed reports whether the mentee confirmed the session.
func (s MentorSession) IsConfirmed() bool { return !s.Confirmed.IsZero() }

// Ended reports whether the mentorship's period has reached its last day,
// from when the mentee may rate it.
func (m Mentorship) Ended(now time.Time) bool {
	return !now.In(jakarta).Before(startOfDay(m.Ends))
}

// Session returns the session with that id.
func (m Mentorship) Session(id string) (MentorSession, bool) {
	for _, s := range m.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return MentorSession{}, false
}

// startOfDay is the beginning of t's day in WIB.
func startOfDay(t time.Time) time.Time {
	y, mo, d := t.In(jakarta).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, jakarta)
}

// Bounds of mentoring input.
const (
	MaxMentorGoal      = 500
	MaxMentorNeed      = 300
	MaxMentorPeriod    = 2 * 366 * day
	MaxMentorSessions  = 100
	MaxSessionNotes    = 2000
	MaxSessionActions  = 10
	MaxActionText      = 300
	MinSessionMinutes  = 5
	MaxSessionMinutes  = 480
	MaxRatingComment   = 1000
	maxMentorshipsRead = 200
)

// Mentoring errors the app answers with 409.
var (
	ErrMentorRated  = newError("mentoring.rated", "the mentoring was rated already")
	ErrMentorActive = newError("mentoring.exists", "the pair already has a mentorship in this period")
)

// MentorshipInput is a pairing as a form, the API or the needs dashboard
// states it. Starts and Ends are dates (YYYY-MM-DD, WIB) or RFC 3339
// times; an empty Starts is today.
type MentorshipInput struct {
	Mentor string `json:"mentor"`
	Mentee string `json:"mentee"`
	Goal   string `json:"goal"`
	Need   string `json:"need"`
	Starts string `json:"starts"`
	Ends   string `json:"ends"`
}

// parseDay reads a date (the start of that day in WIB) or an RFC 3339 time.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, jakarta); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Millisecond), true
	}
	return time.Time{}, false
}

func (in *MentorshipInput) validate(now time.Time) (starts, ends time.Time, f fieldErrors) {
	f = fieldErrors{}
	in.Mentor, in.Mentee = strings.TrimSpace(in.Mentor), strings.TrimSpace(in.Mentee)
	in.Goal, in.Need = strings.TrimSpace(in.Goal), strings.TrimSpace(in.Need)
	for field, nip := range map[string]string{"mentor": in.Mentor, "mentee": in.Mentee} {
		if nip == "" {
			f[field] = msg("required")
		} else if err := ValidateNIP(nip, now); err != nil {
			f[field], _ = messageOf(err)
		}
	}
	if _, bad := f["mentor"]; !bad && in.Mentor == in.Mentee {
		f["mentor"] = msg("mentoring.self")
	}
	switch n := utf8.RuneCountInString(in.Goal); {
	case n == 0:
		f["goal"] = msg("required")
	case n > MaxMentorGoal:
		f["goal"] = msg("too_long", MaxMentorGoal)
	}
	if utf8.RuneCountInString(in.Need) > MaxMentorNeed || strings.ContainsAny(in.Need, "\r\n") {
		f["need"] = msg("one_line", 0, MaxMentorNeed)
	}
	today := startOfDay(now).UTC()
	starts = today
	if strings.TrimSpace(in.Starts) != "" {
		t, ok := parseDay(in.Starts)
		switch {
		case !ok:
			f["starts"] = msg("assign.due_format")
		case t.Before(today.AddDate(-1, 0, 0)):
			f["starts"] = msg("mentoring.starts_past")
		default:
			starts = startOfDay(t).UTC()
		}
	}
	e, ok := ParseDue(in.Ends) // the end of that day
	switch {
	case strings.TrimSpace(in.Ends) == "":
		f["ends"] = msg("required")
	case !ok:
		f["ends"] = msg("assign.due_format")
	case e.Before(now):
		f["ends"] = msg("assign.due_past")
	case !e.After(starts):
		f["ends"] = msg("mentoring.ends_before")
	case e.Sub(starts) > MaxMentorPeriod:
		f["ends"] = msg("mentoring.too_long")
	}
	return starts, e, f
}

// IsMentor reports whether u holds the mentor role itself (an admin is not
// a mentor unless given the role).
func IsMentor(u User) bool { return slices.Contains(u.Roles, RoleMentor) }

// CanPair reports whether actor may pair anyone: admins, and atasan (for
// their own team).
func (s *Service) CanPair(ctx context.Context, actor User) (bool, error) {
	return s.CanAssign(ctx, actor)
}

// PairMentor pairs a mentor with a mentee. Admins pair anyone; an atasan
// only a member of their own team (ErrForbidden otherwise). The mentor
// must hold the mentor role and be active, and not be the mentee. Both are
// notified, once each.
func (s *Service) PairMentor(ctx context.Context, actor User, in MentorshipInput) (Mentorship, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	starts, ends, f := in.validate(now)
	admin := actor.Has(RoleAdmin)
	if !admin {
		if ok, err := s.HasTeam(ctx, actor.NIP); err != nil || !ok {
			return Mentorship{}, cmp.Or(err, error(ErrForbidden))
		}
	}
	var mentee, mentor User
	if _, bad := f["mentee"]; !bad {
		u, err := s.User(ctx, in.Mentee)
		switch {
		case errors.Is(err, ErrNotFound) && !admin:
			return Mentorship{}, ErrForbidden // not theirs, whoever it is
		case errors.Is(err, ErrNotFound):
			f["mentee"] = msg("mentoring.unknown")
		case err != nil:
			return Mentorship{}, err
		case !admin && u.SupervisorNIP != actor.NIP:
			return Mentorship{}, ErrForbidden
		case !u.Active():
			f["mentee"] = msg("mentoring.inactive")
		}
		mentee = u
	}
	if _, bad := f["mentor"]; !bad {
		u, err := s.User(ctx, in.Mentor)
		switch {
		case errors.Is(err, ErrNotFound):
			f["mentor"] = msg("mentoring.unknown")
		case err != nil:
			return Mentorship{}, err
		case !IsMentor(u):
			f["mentor"] = msg("mentoring.not_mentor")
		case !u.Active():
			f["mentor"] = msg("mentoring.inactive")
		}
		mentor = u
	}
	if err := f.err(); err != nil {
		return Mentorship{}, err
	}
	// A retried request, or two people pairing the same two at once from
	// a recommendation, must not leave two mentorships for one need.
	open, err := s.mentorshipsOf(ctx, "mentee", mentee.NIP)
	if err != nil {
		return Mentorship{}, err
	}
	for _, m := range open {
		if m.Mentor == mentor.NIP && m.Ends.After(starts) && m.Starts.Before(ends) {
			return Mentorship{}, ErrMentorActive
		}
	}
	m := Mentorship{ID: newID(12), Mentor: mentor.NIP, Mentee: mentee.NIP, Unit: mentee.Unit, Goal: in.Goal, Need: in.Need,
		Starts: starts, Ends: ends, By: actor.NIP, Created: now, MinutesPerJP: s.minutesPerJP(), Sessions: []MentorSession{}}
	if err := s.docs.C(collMentorships).Insert(ctx, m.ID, &m); err != nil {
		return Mentorship{}, mapErr(err, "mentorship")
	}
	s.Audit(ctx, actor, "mentorship.pair", m.ID, nil, map[string]string{"mentor": m.Mentor, "mentee": m.Mentee, "goal": m.Goal})
	url := "/mentoring/" + m.ID
	if _, err := s.Notify(ctx, NewNotification{Key: "mentoring/" + m.ID + "/paired/mentor", User: m.Mentor, Kind: KindMentorPaired,
		Text: msg("notify.mentor_paired", mentee.Name, clip(m.Goal, 120)), URL: url}); err != nil {
		return m, err
	}
	if _, err := s.Notify(ctx, NewNotification{Key: "mentoring/" + m.ID + "/paired/mentee", User: m.Mentee, Kind: KindMentorPaired,
		Text: msg("notify.mentee_paired", mentor.Name, clip(m.Goal, 120)), URL: url}); err != nil {
		return m, err
	}
	return m, nil
}

// Notification kinds of mentoring. The action reminder is a reminder (its
// email can be turned off).
const (
	KindMentorPaired  = "mentoring.paired"
	KindMentorSession = "mentoring.session"
	KindMentorAction  = "reminder.mentor_action"
)

func (s *Service) minutesPerJP() int {
	return cmp.Or(s.opts.MentoringMinutesPerJP, DefaultMinutesPerJP)
}

// mentorshipsOf lists the mentorships where field ("mentor" or "mentee")
// is nip, newest first.
func (s *Service) mentorshipsOf(ctx context.Context, field, nip string) ([]Mentorship, error) {
	ms, _, err := docs.FindAll[Mentorship](ctx, s.docs.C(collMentorships), docs.Query{
		Where: []docs.Eq{{Field: field, Value: nip}}, Sort: "created", Desc: true, Limit: maxMentorshipsRead})
	return ms, mapErr(err, "mentorships")
}

// MyMentorships are a person's mentorships as mentor and as mentee.
type MyMentorships struct {
	AsMentor []Mentorship
	AsMentee []Mentorship
	// Names of the other party of each.
	Names map[string]string
}

// MentorshipsFor lists u's mentorships, newest first.
func (s *Service) MentorshipsFor(ctx context.Context, u User) (MyMentorships, error) {
	var out MyMentorships
	var err error
	if out.AsMentor, err = s.mentorshipsOf(ctx, "mentor", u.NIP); err != nil {
		return out, err
	}
	if out.AsMentee, err = s.mentorshipsOf(ctx, "mentee", u.NIP); err != nil {
		return out, err
	}
	var nips []string
	for _, m := range out.AsMentor {
		nips = append(nips, m.Mentee)
	}
	for _, m := range out.AsMentee {
		nips = append(nips, m.Mentor)
	}
	out.Names, err = s.UserNames(ctx, nips)
	return out, err
}

// Mentors lists the active holders of the mentor role, by name, for the
// pairing form.
func (s *Service) Mentors(ctx context.Context) ([]User, error) {
	us, _, err := docs.FindAll[User](ctx, s.docs.C(collUsers), docs.Query{
		Where: []docs.Eq{{Field: "is_mentor", Value: true}}, Sort: "name_key", Limit: 500})
	if err != nil {
		return nil, mapErr(err, "mentors")
	}
	out := us[:0]
	for _, u := range us {
		if u.Active() && IsMentor(u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// mentorship loads one mentorship.
func (s *Service) mentorship(ctx context.Context, id string) (Mentorship, error) {
	var m Mentorship
	if id == "" || len(id) > 64 {
		return m, ErrNotFound
	}
	_, err := s.docs.C(collMentorships).Get(ctx, id, &m)
	return m, mapErr(err, "mentorship "+id)
}

// MenteeLearning is what a mentor sees of their mentee's learning.
type MenteeLearning struct {
	Year        int
	JP          JPYear
	Courses     []EnrolledCourse
	Quizzes     []QuizResult
	Assignments []MyAssignment
}

// QuizResult is a person's best submitted attempt of a quiz.
type QuizResult struct {
	Quiz     string    `json:"quiz_id"`
	Title    string    `json:"title"`
	Course   string    `json:"course_id"`
	Attempts int       `json:"attempts"`
	Percent  float64   `json:"best_percent"`
	Passed   bool      `json:"passed"`
	Last     time.Time `json:"last_at"`
}

// MentorshipDetail is a mentorship as its page shows it.
type MentorshipDetail struct {
	Mentorship
	MentorName, MenteeName string
	// Learning is the mentee's learning, for the mentor, an admin and the
	// mentee's atasan.
	Learning *MenteeLearning
	// The viewer's part.
	IsMentor, IsMentee bool
}

// ViewMentorship returns a mentorship to its mentor, its mentee, an admin
// or the mentee's atasan; anyone else gets ErrForbidden (a mentor never
// sees another's mentee).
func (s *Service) ViewMentorship(ctx context.Context, actor User, id string) (MentorshipDetail, error) {
	m, err := s.mentorship(ctx, id)
	if err != nil {
		return MentorshipDetail{}, err
	}
	d := MentorshipDetail{Mentorship: m, IsMentor: actor.NIP == m.Mentor, IsMentee: actor.NIP == m.Mentee}
	mentee, err := s.User(ctx, m.Mentee)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return d, err
	}
	atasan := mentee.SupervisorNIP != "" && mentee.SupervisorNIP == actor.NIP
	if !d.IsMentor && !d.IsMentee && !atasan && !actor.Has(RoleAdmin) {
		return MentorshipDetail{}, ErrForbidden
	}
	names, err := s.UserNames(ctx, []string{m.Mentor, m.Mentee})
	if err != nil {
		return d, err
	}
	d.MentorName, d.MenteeName = cmp.Or(names[m.Mentor], m.Mentor), cmp.Or(names[m.Mentee], m.Mentee)
	if d.Sessions == nil {
		d.Sessions = []MentorSession{}
	}
	if d.IsMentee && !d.IsMentor {
		return d, nil // their own learning is on their own pages
	}
	l, err := s.menteeLearning(ctx, m.Mentee)
	if err != nil {
		return d, err
	}
	d.Learning = &l
	return d, nil
}

// menteeLearning reads a person's enrolments, JP this year, best quiz
// results and assignments.
func (s *Service) menteeLearning(ctx context.Context, nip string) (MenteeLearning, error) {
	l := MenteeLearning{Year: s.CurrentYear()}
	var err error
	if l.JP, err = s.jpYear(ctx, nip, l.Year); err != nil {
		return l, err
	}
	if l.Courses, err = s.MyCourses(ctx, nip); err != nil {
		return l, err
	}
	if l.Assignments, err = s.MyAssignments(ctx, nip); err != nil {
		return l, err
	}
	for _, ec := range l.Courses {
		qs, _, err := docs.FindAll[Quiz](ctx, s.docs.C(collQuizzes), docs.Query{
			Where: []docs.Eq{{Field: "course", Value: ec.Course.ID}}, Sort: "created", Limit: 50})
		if err != nil {
			return l, mapErr(err, "quizzes")
		}
		for _, q := range qs {
			as, err := s.userAttempts(ctx, q.ID, nip)
			if err != nil {
				return l, err
			}
			r := QuizResult{Quiz: q.ID, Title: q.Title, Course: ec.Course.ID}
			for _, a := range as {
				if a.Submitted.IsZero() {
					continue
				}
				r.Attempts++
				r.Percent = max(r.Percent, a.Percent)
				r.Passed = r.Passed || a.Passed
				if a.Submitted.After(r.Last) {
					r.Last = a.Submitted
				}
			}
			if r.Attempts > 0 {
				l.Quizzes = append(l.Quizzes, r)
			}
		}
	}
	return l, nil
}

// SessionInput is a session as the mentor records it: a date
// (YYYY-MM-DD), its length in minutes, notes, and agreed actions.
type SessionInput struct {
	Date    string        `json:"date"`
	Minutes int           `json:"minutes"`
	Notes   string        `json:"notes"`
	Actions []ActionInput `json:"actions"`
}

// ActionInput is an agreed action; Due is an optional date.
type ActionInput struct {
	Text string `json:"text"`
	Due  string `json:"due"`
}

func (in *SessionInput) validate(m Mentorship, now time.Time) (MentorSession, error) {
	f := fieldErrors{}
	ses := MentorSession{Minutes: in.Minutes, Notes: strings.TrimSpace(in.Notes)}
	date, ok := parseDay(in.Date)
	switch {
	case strings.TrimSpace(in.Date) == "":
		f["date"] = msg("required")
	case !ok:
		f["date"] = msg("assign.due_format")
	case startOfDay(date).After(now):
		f["date"] = msg("mentoring.date_future")
	case date.Before(startOfDay(m.Starts)) || date.After(m.Ends):
		f["date"] = msg("mentoring.date_period")
	default:
		ses.Date = startOfDay(date).UTC()
	}
	if in.Minutes < MinSessionMinutes || in.Minutes > MaxSessionMinutes {
		f["minutes"] = msg("mentoring.minutes", MinSessionMinutes, MaxSessionMinutes)
	}
	if utf8.RuneCountInString(ses.Notes) > MaxSessionNotes {
		f["notes"] = msg("too_long", MaxSessionNotes)
	}
	if len(in.Actions) > MaxSessionActions {
		f["actions"] = msg("assign.too_many", MaxSessionActions)
		return ses, f.err()
	}
	for _, a := range in.Actions {
		text := strings.TrimSpace(a.Text)
		if text == "" && strings.TrimSpace(a.Due) == "" {
			continue // an empty row of the form
		}
		act := MentorAction{Text: text}
		switch n := utf8.RuneCountInString(text); {
		case n == 0:
			f["actions"] = msg("required")
		case n > MaxActionText || strings.ContainsAny(text, "\r\n"):
			f["actions"] = msg("one_line", 1, MaxActionText)
		}
		if strings.TrimSpace(a.Due) != "" {
			due, ok := ParseDue(a.Due)
			switch {
			case !ok:
				f["actions"] = msg("assign.due_format")
			case due.Before(now) || due.Sub(now) > 366*day:
				f["actions"] = msg("mentoring.action_due")
			}
			act.Due = due
		}
		ses.Actions = append(ses.Actions, act)
	}
	return ses, f.err()
}

// RecordSession adds a session to a mentorship; only its mentor may. The
// mentee is asked to confirm it.
func (s *Service) RecordSession(ctx context.Context, actor User, id string, in SessionInput) (MentorSession, error) {
	m, err := s.mentorship(ctx, id)
	if err != nil {
		return MentorSession{}, err
	}
	if actor.NIP != m.Mentor {
		return MentorSession{}, ErrForbidden
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	ses, err := in.validate(m, now)
	if err != nil {
		return MentorSession{}, err
	}
	if len(m.Sessions) >= MaxMentorSessions {
		return MentorSession{}, invalid("date", msg("mentoring.too_many_sessions", MaxMentorSessions))
	}
	ses.ID, ses.Created = newID(10), now
	// Actions are indexed before the session is stored: a session is
	// never without its reminders, and an action whose session was never
	// stored (the write below failed) is skipped by the pass.
	for i, a := range ses.Actions {
		if a.Due.IsZero() {
			continue
		}
		d := mentorActionDoc{Mentorship: m.ID, Session: ses.ID, N: i, Mentee: m.Mentee, Text: a.Text, Due: a.Due, Created: now}
		if err := s.docs.C(collMentorActions).Insert(ctx, actionID(m.ID, ses.ID, i), &d); err != nil {
			return MentorSession{}, mapErr(err, "mentor action")
		}
	}
	if _, err := docs.Update(ctx, s.docs.C(collMentorships), m.ID, func(d *Mentorship) error {
		if len(d.Sessions) >= MaxMentorSessions {
			return invalid("date", msg("mentoring.too_many_sessions", MaxMentorSessions))
		}
		d.Sessions = append(d.Sessions, ses)
		return nil
	}); err != nil {
		return MentorSession{}, mapErr(err, "mentorship "+m.ID)
	}
	mentor, err := s.User(ctx, m.Mentor)
	if err != nil {
		return ses, err
	}
	_, err = s.Notify(ctx, NewNotification{Key: "mentoring/" + m.ID + "/" + ses.ID + "/confirm", User: m.Mentee, Kind: KindMentorSession,
		Text: msg("notify.mentor_session", mentor.Name, ses.Date.In(jakarta).Format(time.DateOnly), ses.Minutes), URL: "/mentoring/" + m.ID})
	return ses, err
}

func actionID(mentorship, session string, n int) string {
	return mentorship + "~" + session + "~" + string(rune('a'+n))
}

// SessionRef is the ledger ref of a session's credit.
func SessionRef(mentorship, session string) string { return mentorship + ":" + session }

// ConfirmSession is the mentee confirming a session: the session earns the
// JP its minutes complete (see the top of the file) and they are credited
// to the mentee's ledger, once however often and wherever it is confirmed.
// created says whether this call wrote the credit.
func (s *Service) ConfirmSession(ctx context.Context, actor User, id, sid string) (ses MentorSession, created bool, err error) {
	m, err := s.mentorship(ctx, id)
	if err != nil {
		return ses, false, err
	}
	if actor.NIP != m.Mentee {
		return ses, false, ErrForbidden
	}
	if _, ok := m.Session(sid); !ok {
		return ses, false, ErrNotFound
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	m, err = docs.Update(ctx, s.docs.C(collMentorships), m.ID, func(d *Mentorship) error {
		rate := cmp.Or(d.MinutesPerJP, DefaultMinutesPerJP)
		for i := range d.Sessions {
			x := &d.Sessions[i]
			if x.ID != sid {
				continue
			}
			if x.IsConfirmed() {
				return errAlreadyConfirmed
			}
			before := d.ConfirmedMinutes
			d.ConfirmedMinutes += x.Minutes
			x.JP = d.ConfirmedMinutes/rate - before/rate
			x.Confirmed = now
			d.JP += x.JP
			return nil
		}
		return ErrNotFound
	})
	if errors.Is(err, errAlreadyConfirmed) {
		m, err = s.mentorship(ctx, id)
	}
	if err != nil {
		return ses, false, mapErr(err, "mentorship "+id)
	}
	ses, _ = m.Session(sid)
	if ses.JP <= 0 {
		return ses, false, nil
	}
	mentor, err := s.User(ctx, m.Mentor)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return ses, false, err
	}
	created, err = s.CreditJP(ctx, JPEntry{User: m.Mentee, Source: SourceMentoring, Ref: SessionRef(m.ID, ses.ID),
		Title: "Pembimbingan: " + clip(m.Goal, 150), JP: ses.JP, At: ses.Date, Organiser: mentor.Name})
	return ses, created, err
}

var errAlreadyConfirmed = errors.New("session already confirmed")

// RateMentorship is the mentee's rating (1–5, with a comment) once the
// period has reached its last day; once only.
func (s *Service) RateMentorship(ctx context.Context, actor User, id string, rating int, comment string) (Mentorship, error) {
	m, err := s.mentorship(ctx, id)
	if err != nil {
		return m, err
	}
	if actor.NIP != m.Mentee {
		return Mentorship{}, ErrForbidden
	}
	comment = strings.TrimSpace(comment)
	f := fieldErrors{}
	if rating < 1 || rating > 5 {
		f["rating"] = msg("mentoring.rating")
	}
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		f["comment"] = msg("too_long", MaxRatingComment)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if !m.Ended(now) {
		f["rating"] = msg("mentoring.rate_early", m.Ends.In(jakarta).Format(time.DateOnly))
	}
	if err := f.err(); err != nil {
		return Mentorship{}, err
	}
	m, err = docs.Update(ctx, s.docs.C(collMentorships), m.ID, func(d *Mentorship) error {
		if d.Rating != 0 {
			return ErrMentorRated
		}
		d.Rating, d.RatingComment, d.Rated = rating, comment, now
		return nil
	})
	if errors.Is(err, ErrMentorRated) {
		return Mentorship{}, err
	}
	return m, mapErr(err, "mentorship "+id)
}

// The action reminder pass tells a mentee, a day before, about an agreed
// action coming due. It follows the assignment reminders (reminders.go):
// the actions whose point (due minus a day) lies between the last pass and
// now are read through the due index, the mark moves after each pass, and
// Notify's key makes every overlap and second instance harmless.

const mentorActionMark = "reminders/mentor_action_due1"

// RemindMentorActions runs the action reminder pass once. Run it under a
// lease or ClaimPeriod.
func (s *Service) RemindMentorActions(ctx context.Context) (ReminderStats, error) {
	var st ReminderStats
	now := s.now().UTC().Truncate(time.Millisecond)
	mark, err := s.Counter(ctx, mentorActionMark)
	if err != nil {
		return st, err
	}
	from := now.Add(-reminderLookback)
	if m := time.UnixMilli(mark).UTC().Add(-reminderOverlap); mark > 0 && m.After(from) {
		from = m
	}
	q := docs.Query{Range: &docs.Range{Field: "due", Gt: from.Add(day), Lte: now.Add(day)}, Sort: "due", Limit: reminderPage}
	ms := map[string]*Mentorship{}
	for {
		as, next, err := docs.FindAll[mentorActionDoc](ctx, s.docs.C(collMentorActions), q)
		if err != nil {
			return st, mapErr(err, "mentor actions")
		}
		for _, a := range as {
			st.Checked++
			ok, err := s.remindAction(ctx, a, now, ms)
			if err != nil {
				return st, err
			}
			if ok {
				st.Created++
			}
		}
		if next == "" || ctx.Err() != nil {
			break
		}
		q.After = next
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	_, err = upsert(ctx, s.docs.C(collCounters), mentorActionMark, func(d *counterDoc) error {
		d.N = max(d.N, now.UnixMilli())
		return nil
	})
	return st, mapErr(err, "reminder mark")
}

func (s *Service) remindAction(ctx context.Context, a mentorActionDoc, now time.Time, ms map[string]*Mentorship) (bool, error) {
	// Agreed less than a day before it is due: the session notice said so.
	if a.Created.After(a.Due.Add(-day)) || a.Due.Before(now) {
		return false, nil
	}
	key := "mentoring/" + actionID(a.Mentorship, a.Session, a.N) + "/due1"
	if done, err := s.notified(ctx, key); err != nil || done {
		return false, err
	}
	m, ok := ms[a.Mentorship]
	if !ok {
		mm, err := s.mentorship(ctx, a.Mentorship)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, err
		}
		if err == nil {
			m = &mm
		}
		ms[a.Mentorship] = m
	}
	if m == nil {
		return false, nil
	}
	if _, stored := m.Session(a.Session); !stored {
		return false, nil
	}
	return s.Notify(ctx, NewNotification{Key: key, User: a.Mentee, Kind: KindMentorAction,
		Text: msg("notify.mentor_action", clip(a.Text, 120), a.Due.In(jakarta).Format(time.DateOnly)), URL: "/mentoring/" + a.Mentorship})
}

// MentorActionKey is the Notify key of an action's reminder, for tests.
func MentorActionKey(mentorship, session string, n int) string {
	return "mentoring/" + actionID(mentorship, session, n) + "/due1"
}
