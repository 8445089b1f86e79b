package content

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Attendance (presensi). The organiser's screen shows a code that changes
// every CheckinPeriod; attendees send it from their phone. Codes are not
// stored: each is an HMAC of the event and the period's number under a
// secret kept in the store (created once, shared by every instance), so
// an instance checks a code another showed, and a code read off a
// screenshot stops working when the period ends (plus CheckinGrace, for
// someone whose scan straddled the change).
//
// A check-in marks the current WIB day of the event on the person's
// registration. Once the days present reach the event's MinAttendance
// share, the event's JP is credited to the ledger and a certificate is
// issued: both are keyed by event and person (an insert that a second
// writer finds already there), so whichever path gets there first (a
// check-in, an organiser's mark, another instance at the same moment) the
// credit and the certificate exist once. Unmarking a day afterwards
// leaves them: the ledger only ever gains entries and a certificate is an
// official record; an organiser who marked someone by mistake asks an
// admin to correct the ledger.

// Check-in timing.
const (
	// CheckinPeriod is how long one code is shown.
	CheckinPeriod = 30 * time.Second
	// CheckinGrace accepts the previous code this long after it changed:
	// a person who scanned it a moment before the change is still
	// admitted; a screenshot kept longer is not.
	CheckinGrace = 5 * time.Second
	// CheckinEarly opens a day's check-in this long before it starts.
	CheckinEarly = time.Hour
	// checkinCodeLen characters of 5 bits: 40 bits, far beyond guessing
	// in the 35 s a code is accepted.
	checkinCodeLen = 8
	// checkinLookBack: a code from this many earlier periods is reported
	// expired rather than wrong, which tells the person what to do.
	checkinLookBack = 40
)

// Attendance refusals.
var (
	ErrCheckinClosed        = newError("checkin.closed", "check-in is not open now")
	ErrCheckinExpired       = newError("checkin.expired", "the check-in code has expired")
	ErrCheckinInvalid       = newError("checkin.invalid", "the check-in code is not valid for this event")
	ErrCheckinNotRegistered = newError("checkin.not_registered", "not registered for the event")
	ErrCheckinWaitlist      = newError("checkin.waitlisted", "on the waitlist, which this event does not admit")
)

// dayBounds is when day (YYYY-MM-DD, one of Days) runs: from the event's
// daily start time to its daily end time, clipped to the whole event. A
// day whose end time is not after its start (an event past midnight) runs
// to midnight.
func (e Event) dayBounds(day string) (from, to time.Time) {
	d, err := time.ParseInLocation(time.DateOnly, day, jakarta)
	if err != nil {
		return
	}
	at := func(t time.Time) time.Time {
		t = t.In(jakarta)
		return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, jakarta)
	}
	from, to = at(e.Starts), at(e.Ends)
	if !to.After(from) {
		to = d.AddDate(0, 0, 1)
	}
	if from.Before(e.Starts) {
		from = e.Starts
	}
	if to.After(e.Ends) {
		to = e.Ends
	}
	if !to.After(from) {
		from = d
	}
	return from, to
}

// CheckinDay is the day whose check-in is open at now: its date, its
// number (1-based) and the bounds of its check-in. ok is false outside
// every day's check-in; next is then the next opening (zero when the
// event is over).
func (e Event) CheckinDay(now time.Time) (day string, n int, opens, closes time.Time, ok bool) {
	for i, d := range e.Days() {
		from, to := e.dayBounds(d)
		from = from.Add(-CheckinEarly)
		if now.Before(from) {
			return d, i + 1, from, to, false
		}
		if now.Before(to) {
			return d, i + 1, from, to, true
		}
	}
	return "", 0, time.Time{}, time.Time{}, false
}

// checkinKey is the secret codes are derived from.
func (s *Service) checkinKey(ctx context.Context) ([]byte, error) {
	if k := s.checkinSecret.Load(); k != nil {
		return *k, nil
	}
	k, err := s.Secret(ctx, "event-checkin")
	if err != nil {
		return nil, err
	}
	// The secret never changes once created, so one read per instance.
	s.checkinSecret.Store(&k)
	return k, nil
}

// checkinCode is the code of an event for period n.
func checkinCode(key []byte, event string, n int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("checkin\x00" + event + "\x00"))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	m.Write(b[:])
	sum := m.Sum(nil)
	out := make([]byte, checkinCodeLen)
	for i := range out {
		out[i] = idAlphabet[sum[i]&31]
	}
	return string(out)
}

func checkinPeriodOf(t time.Time) int64 { return t.Unix() / int64(CheckinPeriod/time.Second) }

// CheckinCode is what the organiser's screen shows.
type CheckinCode struct {
	Code    string    `json:"code"`
	Expires time.Time `json:"expires_at"`
	Day     string    `json:"day"`
	DayN    int       `json:"day_number"`
	Days    int       `json:"days"`
}

// CheckinCodeFor returns the event's current check-in code to an
// organiser while a day's check-in is open; ErrCheckinClosed otherwise.
func (s *Service) CheckinCodeFor(ctx context.Context, actor User, eventID string) (CheckinCode, error) {
	ev, err := s.organisedEvent(ctx, actor, eventID)
	if err != nil {
		return CheckinCode{}, err
	}
	if ev.Status == EventCancelled {
		return CheckinCode{}, ErrEventCancelled
	}
	now := s.now()
	day, n, _, _, ok := ev.CheckinDay(now)
	if !ok {
		return CheckinCode{}, ErrCheckinClosed
	}
	key, err := s.checkinKey(ctx)
	if err != nil {
		return CheckinCode{}, err
	}
	p := checkinPeriodOf(now)
	return CheckinCode{Code: FormatCheckinCode(checkinCode(key, ev.ID, p)), Day: day, DayN: n, Days: len(ev.Days()),
		Expires: time.Unix((p+1)*int64(CheckinPeriod/time.Second), 0).UTC()}, nil
}

// FormatCheckinCode shows a code in two groups: ABCD-EFGH.
func FormatCheckinCode(code string) string {
	c := []byte(code)
	for i := range c {
		if c[i] >= 'a' && c[i] <= 'z' {
			c[i] -= 'a' - 'A'
		}
	}
	if len(c) != checkinCodeLen {
		return string(c)
	}
	return string(c[:4]) + "-" + string(c[4:])
}

// checkCode accepts the current period's code, and the previous one within
// the grace after the change.
func (s *Service) checkCode(ctx context.Context, ev Event, code string, now time.Time) error {
	code = NormalizeCode(code)
	if code == "" {
		return invalid("code", msg("required"))
	}
	if len(code) != checkinCodeLen {
		return ErrCheckinInvalid
	}
	key, err := s.checkinKey(ctx)
	if err != nil {
		return err
	}
	p := checkinPeriodOf(now)
	same := func(n int64) bool { return hmac.Equal([]byte(checkinCode(key, ev.ID, n)), []byte(code)) }
	if same(p) {
		return nil
	}
	if same(p-1) && now.Sub(time.Unix(p*int64(CheckinPeriod/time.Second), 0)) < CheckinGrace {
		return nil
	}
	for n := p - 1; n >= p-checkinLookBack; n-- {
		if same(n) {
			return ErrCheckinExpired
		}
	}
	return ErrCheckinInvalid
}

// Attendance is the outcome of a check-in or a mark.
type Attendance struct {
	Event   string `json:"event_id"`
	NIP     string `json:"nip"`
	Day     string `json:"day"`
	DayN    int    `json:"day_number"`
	Days    int    `json:"days"`
	Present int    `json:"present_days"`
	// Already is true when the day was marked before (nothing changed).
	Already     bool      `json:"already"`
	Credited    bool      `json:"credited"`
	JP          int       `json:"jp"`
	Certificate string    `json:"certificate,omitempty"`
	At          time.Time `json:"at"`
	// Waitlisted: admitted from the waitlist (WaitlistCheckin).
	Waitlisted bool `json:"waitlisted,omitempty"`
}

// CheckIn marks u present today with the code the organiser shows.
// Waitlisted people are admitted only when the event's WaitlistCheckin
// says so; they are marked present (and credited like anyone present)
// but keep their waitlist status: seats and the waitlist's order belong
// to registration, which a check-in does not rearrange.
func (s *Service) CheckIn(ctx context.Context, u User, eventID, code string) (Attendance, error) {
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Attendance{}, err
	}
	if len(code) > 64 {
		return Attendance{}, ErrCheckinInvalid
	}
	if ev.Status == EventCancelled {
		return Attendance{}, ErrEventCancelled
	}
	now := s.now()
	day, n, _, _, ok := ev.CheckinDay(now)
	if !ok {
		return Attendance{}, ErrCheckinClosed
	}
	if err := s.checkCode(ctx, ev, code, now); err != nil {
		return Attendance{}, err
	}
	reg, err := s.RegistrationOf(ctx, ev.ID, u.NIP)
	if errors.Is(err, ErrNotFound) {
		return Attendance{}, ErrCheckinNotRegistered
	}
	if err != nil {
		return Attendance{}, err
	}
	switch reg.Status {
	case RegRegistered:
	case RegWaitlisted:
		if !ev.WaitlistCheckin {
			return Attendance{}, ErrCheckinWaitlist
		}
	default:
		return Attendance{}, ErrCheckinNotRegistered
	}
	a, err := s.setPresent(ctx, ev, u.NIP, day, true, "self", now)
	a.DayN = n
	return a, err
}

// setPresent marks (or unmarks) one day and settles the credit.
func (s *Service) setPresent(ctx context.Context, ev Event, nip, day string, present bool, by string, now time.Time) (Attendance, error) {
	now = now.UTC().Truncate(time.Millisecond)
	a := Attendance{Event: ev.ID, NIP: nip, Day: day, Days: len(ev.Days()), JP: ev.JP, At: now}
	a.DayN = slices.Index(ev.Days(), day) + 1
	reg, err := docs.Update(ctx, s.docs.C(collRegistrations), registrationID(ev.ID, nip), func(r *Registration) error {
		i := slices.IndexFunc(r.Present, func(p PresentDay) bool { return p.Day == day })
		a.Already = (i >= 0) == present
		switch {
		case present && i < 0:
			r.Present = append(r.Present, PresentDay{Day: day, At: now, By: by})
			slices.SortFunc(r.Present, func(x, y PresentDay) int { return cmpString(x.Day, y.Day) })
		case !present && i >= 0:
			r.Present = slices.Delete(r.Present, i, i+1)
		}
		return nil
	})
	if errors.Is(err, docs.ErrNotFound) {
		return a, ErrCheckinNotRegistered
	}
	if err != nil {
		return a, mapErr(err, "attendance")
	}
	a.Present, a.Waitlisted = reg.presentOn(ev), reg.Status == RegWaitlisted
	if present {
		if reg, err = s.settleCredit(ctx, ev, reg); err != nil {
			return a, err
		}
	}
	a.Credited, a.Certificate = !reg.Credited.IsZero(), reg.Certificate
	return a, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// presentOn counts the days marked that are days of the event (a day
// dropped by a later change of dates no longer counts).
func (r Registration) presentOn(ev Event) int {
	days := ev.Days()
	n := 0
	for _, p := range r.Present {
		if slices.Contains(days, p.Day) {
			n++
		}
	}
	return n
}

// DaysNeeded is how many days present earn the JP: MinAttendance percent
// of the days, rounded up, at least one.
func (e Event) DaysNeeded() int {
	days := len(e.Days())
	pct := e.MinAttendance
	if pct <= 0 || pct > 100 {
		pct = 100
	}
	return max(1, (days*pct+99)/100)
}

// settleCredit issues the certificate and credits the JP once the days
// present reach the share needed. Each step is keyed by event and person,
// so two writers racing here produce one certificate and one ledger entry.
func (s *Service) settleCredit(ctx context.Context, ev Event, reg Registration) (Registration, error) {
	if !reg.Credited.IsZero() || reg.presentOn(ev) < ev.DaysNeeded() {
		return reg, nil
	}
	u, err := s.User(ctx, reg.User)
	if err != nil {
		return reg, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	id := certificateID(u.NIP, eventCertRef(ev.ID))
	var cert Certificate
	_, err = s.docs.C(collCertificates).Get(ctx, id, &cert)
	if errors.Is(err, docs.ErrNotFound) {
		set, err := s.CertificateSettings(ctx)
		if err != nil {
			return reg, err
		}
		cert = Certificate{Code: newID(codeLen), User: u.NIP, Name: u.Name, NIP: u.NIP, Event: ev.ID, EventKind: ev.Kind,
			CourseTitle: ev.Title, JP: ev.JP, Issued: now, Issuer: set.Issuer, Place: set.Place, SignerName: set.SignerName,
			SignerTitle: set.SignerTitle, SignerNIP: set.SignerNIP, Logo: set.Logo}
		err = s.docs.C(collCertificates).Insert(ctx, id, &cert)
		if errors.Is(err, docs.ErrDuplicate) {
			_, err = s.docs.C(collCertificates).Get(ctx, id, &cert)
		}
		if err != nil {
			return reg, mapErr(err, "certificate")
		}
	} else if err != nil {
		return reg, mapErr(err, "certificate")
	}
	if ev.JP > 0 {
		organiser := ev.Unit
		if _, err := s.CreditJP(ctx, JPEntry{User: u.NIP, Name: u.Name, Unit: u.Unit, Source: SourceEvent, Ref: ev.ID,
			Title: ev.Title, JP: ev.JP, At: cert.Issued, Kind: ev.Kind, Started: ev.Starts, Organiser: organiser,
			Certificate: cert.Code}); err != nil {
			return reg, err
		}
	}
	reg, err = docs.Update(ctx, s.docs.C(collRegistrations), reg.ID, func(r *Registration) error {
		if r.Credited.IsZero() {
			r.Credited, r.Certificate = cert.Issued, cert.Code
		}
		return nil
	})
	return reg, mapErr(err, "attendance")
}

// eventCertRef names an event among a person's certificates (whose ids
// are nip/course): course ids never hold a colon.
func eventCertRef(eventID string) string { return "event:" + eventID }

// MarkAttendance sets one person's presence on one day, by an organiser
// (the form and the API). A day not yet begun cannot be marked present.
func (s *Service) MarkAttendance(ctx context.Context, actor User, eventID, nip, day string, present bool) (Attendance, error) {
	ev, err := s.organisedEvent(ctx, actor, eventID)
	if err != nil {
		return Attendance{}, err
	}
	if !slices.Contains(ev.Days(), day) {
		return Attendance{}, invalid("day", msg("attendance.day"))
	}
	if from, _ := ev.dayBounds(day); present && s.now().Before(from.Add(-CheckinEarly)) {
		return Attendance{}, invalid("day", msg("attendance.future"))
	}
	reg, err := s.RegistrationOf(ctx, ev.ID, nip)
	if errors.Is(err, ErrNotFound) || (err == nil && reg.Status == RegCancelled) {
		return Attendance{}, ErrCheckinNotRegistered
	}
	if err != nil {
		return Attendance{}, err
	}
	return s.setPresent(ctx, ev, nip, day, present, actor.NIP, s.now())
}

// AttendanceRow is one registrant on the organiser's list.
type AttendanceRow struct {
	NIP      string   `json:"nip"`
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	Status   string   `json:"status"`
	Present  []string `json:"present"`
	Credited bool     `json:"credited"`
}

// AttendanceSheet is an event's attendance for its organisers.
type AttendanceSheet struct {
	Event  Event           `json:"-"`
	Days   []string        `json:"days"`
	Totals []int           `json:"totals"`
	Needed int             `json:"days_needed"`
	Rows   []AttendanceRow `json:"items"`
	// Credited counts those whose JP was credited.
	Credited int `json:"credited"`
}

// attendanceBatch is how many registrations one read of a sheet takes.
const attendanceBatch = 500

// AttendanceOf lists an event's registered (and waitlisted) people with
// their days present, in order of arrival, for an organiser.
func (s *Service) AttendanceOf(ctx context.Context, actor User, eventID string) (AttendanceSheet, error) {
	ev, err := s.organisedEvent(ctx, actor, eventID)
	if err != nil {
		return AttendanceSheet{}, err
	}
	days := ev.Days()
	sh := AttendanceSheet{Event: ev, Days: days, Totals: make([]int, len(days)), Needed: ev.DaysNeeded(), Rows: []AttendanceRow{}}
	names := map[string]User{}
	for _, status := range []string{RegRegistered, RegWaitlisted} {
		after := ""
		for {
			regs, next, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), docs.Query{
				Where: []docs.Eq{{Field: "event", Value: ev.ID}, {Field: "status", Value: status}}, Sort: "seq", Limit: attendanceBatch, After: after})
			if err != nil {
				return sh, mapErr(err, "attendance")
			}
			for _, r := range regs {
				if status == RegWaitlisted && !ev.WaitlistCheckin && len(r.Present) == 0 {
					continue
				}
				u, ok := names[r.User]
				if !ok {
					if u, err = s.User(ctx, r.User); err != nil && !errors.Is(err, ErrNotFound) {
						return sh, err
					}
					names[r.User] = u
				}
				row := AttendanceRow{NIP: r.User, Name: u.Name, Unit: r.Unit, Status: r.Status, Present: []string{}, Credited: !r.Credited.IsZero()}
				for _, p := range r.Present {
					if i := slices.Index(days, p.Day); i >= 0 {
						row.Present = append(row.Present, p.Day)
						sh.Totals[i]++
					}
				}
				if row.Credited {
					sh.Credited++
				}
				sh.Rows = append(sh.Rows, row)
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	return sh, nil
}

// CSVRows are the sheet as the export's rows: NIP, name, unit, status,
// then one column per day (1 when present).
func (sh AttendanceSheet) CSVRows() (header []string, rows [][]string) {
	header = []string{"nip", "nama", "unit", "status"}
	for i, d := range sh.Days {
		header = append(header, "hari_"+strconv.Itoa(i+1)+"_"+d)
	}
	header = append(header, "jp_dikreditkan")
	for _, r := range sh.Rows {
		row := []string{r.NIP, r.Name, r.Unit, r.Status}
		for _, d := range sh.Days {
			v := "0"
			if slices.Contains(r.Present, d) {
				v = "1"
			}
			row = append(row, v)
		}
		row = append(row, fmt.Sprint(map[bool]int{true: 1, false: 0}[r.Credited]))
		rows = append(rows, row)
	}
	return header, rows
}
