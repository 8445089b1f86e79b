package content

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// attendFixture: an organiser, three learners (registered, waitlisted,
// not registered) and a three-day event (08:00–16:00 WIB, 6 JP, 60 %:
// two days earn the JP), with the service's clock at hand.
type attendFixture struct {
	s                     *Service
	now                   atomic.Pointer[time.Time]
	org, reg, wait, other User
	ev                    Event
}

func (f *attendFixture) at(t time.Time) { f.now.Store(&t) }
func (f *attendFixture) add(d time.Duration) {
	f.at(f.now.Load().Add(d))
}

func wibAt(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, jakarta)
	if err != nil {
		panic(err)
	}
	return t
}

func newAttendFixture(t *testing.T, waitlistCheckin bool) *attendFixture {
	t.Helper()
	ctx := context.Background()
	f := &attendFixture{s: newTestService(t)}
	f.at(wibAt("2027-03-01T07:00:00"))
	f.s.SetClock(func() time.Time { return *f.now.Load() })
	mk := func(nip, name string, roles ...string) User {
		u, err := f.s.CreateUser(ctx, NewUser{NIP: nip, Name: name, Unit: "DINKES", Roles: roles, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.org = mk("198001012010011001", "Panitia", RoleTrainer)
	f.reg = mk("199001012015011002", "Peserta Terdaftar")
	f.wait = mk("199102022016012003", "Peserta Tunggu")
	f.other = mk("199203032017011004", "Bukan Peserta")
	ev, err := f.s.CreateEvent(ctx, f.org, EventInput{Title: "Workshop SOP", Kind: EventWorkshop, Mode: ModeOffline,
		StartsAt: "2027-03-01T08:00", EndsAt: "2027-03-03T16:00", RegistrationCloses: "2027-02-28T12:00",
		Place: "Aula", Capacity: 30, JP: 6, MinAttendance: 60, WaitlistCheckin: waitlistCheckin})
	if err != nil {
		t.Fatal(err)
	}
	f.ev = ev
	if _, err := f.s.SeedRegistration(ctx, ev.ID, f.reg.NIP, RegRegistered); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SeedRegistration(ctx, ev.ID, f.wait.NIP, RegWaitlisted); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *attendFixture) code(t *testing.T) CheckinCode {
	t.Helper()
	c, err := f.s.CheckinCodeFor(context.Background(), f.org, f.ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheckinCodeRotates: the code changes with each 30 s period; the
// current one admits; the previous one only within the grace; an older
// one (a screenshot) is refused as expired; a forged code and another
// event's code are refused as invalid.
func TestCheckinCodeRotates(t *testing.T) {
	f := newAttendFixture(t, false)
	ctx := context.Background()
	// 07:00:00 is the first second of a period; check-in opened at 07:00.
	c1 := f.code(t)
	if c1.DayN != 1 || c1.Days != 3 || len(c1.Code) != 9 || !c1.Expires.Equal(f.now.Load().Add(CheckinPeriod)) {
		t.Fatalf("code %+v", c1)
	}
	f.add(29 * time.Second)
	if c := f.code(t); c.Code != c1.Code {
		t.Fatal("the code changed within its period")
	}
	f.add(2 * time.Second) // 07:00:31, a new period, within the grace
	c2 := f.code(t)
	if c2.Code == c1.Code {
		t.Fatal("the code did not change after 30 s")
	}
	// The code comes from the stored secret, not this instance's cache.
	f.s.checkinSecret.Store(nil)
	if c := f.code(t); c.Code != c2.Code {
		t.Fatal("the code depends on the instance's cache")
	}
	// Mid-scan at the change: the previous code still works 1 s after it.
	a, err := f.s.CheckIn(ctx, f.reg, f.ev.ID, c1.Code)
	if err != nil || a.Already || a.Day != "2027-03-01" || a.DayN != 1 || a.Present != 1 {
		t.Fatalf("previous code within the grace: %+v %v", a, err)
	}
	// Past the grace the previous code is a screenshot: expired.
	f.add(CheckinGrace)
	if _, err := f.s.CheckIn(ctx, f.reg, f.ev.ID, c1.Code); !errors.Is(err, ErrCheckinExpired) {
		t.Fatalf("old code after the grace: %v", err)
	}
	if _, err := f.s.CheckIn(ctx, f.reg, f.ev.ID, "ABCD-EFGH"); !errors.Is(err, ErrCheckinInvalid) {
		t.Fatalf("forged code: %v", err)
	}
	if _, err := f.s.CheckIn(ctx, f.reg, f.ev.ID, "short"); !errors.Is(err, ErrCheckinInvalid) {
		t.Fatalf("short code: %v", err)
	}
	var v *ValidationError
	if _, err := f.s.CheckIn(ctx, f.reg, f.ev.ID, "  "); !errors.As(err, &v) || v.Fields["code"].Code != "required" {
		t.Fatalf("empty code: %v", err)
	}
	// Another event's code, current and all.
	ev2, err := f.s.CreateEvent(ctx, f.org, EventInput{Title: "Seminar", Kind: EventSeminar, Mode: ModeOffline,
		StartsAt: "2027-03-01T08:00", EndsAt: "2027-03-01T12:00", Place: "Aula", Capacity: 30, JP: 2})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.s.CheckinCodeFor(ctx, f.org, ev2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CheckIn(ctx, f.reg, f.ev.ID, other.Code); !errors.Is(err, ErrCheckinInvalid) {
		t.Fatalf("another event's code: %v", err)
	}
	// The current code, typed in lower case with a space: already marked.
	cur := f.code(t)
	a, err = f.s.CheckIn(ctx, f.reg, f.ev.ID, " "+cur.Code[:4]+" "+cur.Code[5:])
	if err != nil || !a.Already {
		t.Fatalf("again today: %+v %v", a, err)
	}
	// Only organisers see the code.
	if _, err := f.s.CheckinCodeFor(ctx, f.reg, f.ev.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner asked for the code: %v", err)
	}
}

// TestCheckinWindow: check-in opens an hour before each day starts and
// closes at the day's end; between days and after the event it is shut.
func TestCheckinWindow(t *testing.T) {
	f := newAttendFixture(t, false)
	ctx := context.Background()
	for _, tc := range []struct {
		at   string
		open bool
		day  int
	}{
		{"2027-03-01T06:59:59", false, 1},
		{"2027-03-01T07:00:00", true, 1},
		{"2027-03-01T15:59:00", true, 1},
		{"2027-03-01T16:00:00", false, 2},
		{"2027-03-02T07:30:00", true, 2},
		{"2027-03-03T15:00:00", true, 3},
		{"2027-03-03T16:00:00", false, 0},
	} {
		f.at(wibAt(tc.at))
		c, err := f.s.CheckinCodeFor(ctx, f.org, f.ev.ID)
		if tc.open != (err == nil) || (tc.open && c.DayN != tc.day) {
			t.Errorf("%s: %+v %v, want open=%v day %d", tc.at, c, err, tc.open, tc.day)
		}
		if !tc.open && !errors.Is(err, ErrCheckinClosed) {
			t.Errorf("%s: %v, want closed", tc.at, err)
		}
		_, n, _, _, _ := f.ev.CheckinDay(f.s.Now())
		if n != tc.day {
			t.Errorf("%s: next day %d, want %d", tc.at, n, tc.day)
		}
	}
}

// TestCheckinWhoMay: people not registered are refused; the waitlisted
// are refused or admitted (marked, credited, still waitlisted) as the
// event says.
func TestCheckinWhoMay(t *testing.T) {
	ctx := context.Background()
	for _, admit := range []bool{false, true} {
		t.Run(fmt.Sprint("waitlist_checkin=", admit), func(t *testing.T) {
			f := newAttendFixture(t, admit)
			code := f.code(t).Code
			if _, err := f.s.CheckIn(ctx, f.other, f.ev.ID, code); !errors.Is(err, ErrCheckinNotRegistered) {
				t.Fatalf("not registered: %v", err)
			}
			a, err := f.s.CheckIn(ctx, f.wait, f.ev.ID, code)
			if !admit {
				if !errors.Is(err, ErrCheckinWaitlist) {
					t.Fatalf("waitlisted, not admitted: %v", err)
				}
				if r, _ := f.s.RegistrationOf(ctx, f.ev.ID, f.wait.NIP); len(r.Present) != 0 {
					t.Fatal("a refused check-in wrote a mark")
				}
				return
			}
			if err != nil || !a.Waitlisted || a.Present != 1 {
				t.Fatalf("waitlisted, admitted: %+v %v", a, err)
			}
			r, err := f.s.RegistrationOf(ctx, f.ev.ID, f.wait.NIP)
			if err != nil || r.Status != RegWaitlisted || len(r.Present) != 1 || r.Present[0].By != "self" {
				t.Fatalf("registration after admission: %+v %v", r, err)
			}
		})
	}
}

// TestAttendanceCreditsOnce: per-day marks over three days; the second
// day (60 % of 3, rounded up) credits 6 JP and issues a certificate once,
// however the marks arrive: a check-in and an organiser's mark of the same
// day at the same moment, many times over. Unmarking afterwards leaves the
// credit.
func TestAttendanceCreditsOnce(t *testing.T) {
	f := newAttendFixture(t, false)
	ctx := context.Background()
	// Day 1 by hand.
	f.at(wibAt("2027-03-01T09:00:00"))
	a, err := f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.reg.NIP, "2027-03-01", true)
	if err != nil || a.Present != 1 || a.Credited {
		t.Fatalf("day 1: %+v %v", a, err)
	}
	// A future day cannot be marked; a day that is not the event's is a
	// field error; a learner cannot mark.
	var v *ValidationError
	if _, err := f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.reg.NIP, "2027-03-03", true); !errors.As(err, &v) || v.Fields["day"].Code != "attendance.future" {
		t.Fatalf("future day: %v", err)
	}
	if _, err := f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.reg.NIP, "2027-04-01", true); !errors.As(err, &v) || v.Fields["day"].Code != "attendance.day" {
		t.Fatalf("not a day of the event: %v", err)
	}
	if _, err := f.s.MarkAttendance(ctx, f.reg, f.ev.ID, f.reg.NIP, "2027-03-01", true); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner marked: %v", err)
	}
	if _, err := f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.other.NIP, "2027-03-01", true); !errors.Is(err, ErrCheckinNotRegistered) {
		t.Fatalf("marked someone not registered: %v", err)
	}
	// Day 2: the check-in and the organiser's mark race, 8 of each.
	f.at(wibAt("2027-03-02T08:10:00"))
	code := f.code(t).Code
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = f.s.CheckIn(ctx, f.reg, f.ev.ID, code)
			} else {
				_, err = f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.reg.NIP, "2027-03-02", true)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.s.RegistrationOf(ctx, f.ev.ID, f.reg.NIP)
	if err != nil || len(r.Present) != 2 || r.Credited.IsZero() || r.Certificate == "" {
		t.Fatalf("after day 2: %+v %v", r, err)
	}
	entries, err := f.s.JPEntries(ctx, f.reg.NIP, 2027)
	if err != nil || len(entries) != 1 || entries[0].JP != 6 || entries[0].Source != SourceEvent || entries[0].Ref != f.ev.ID ||
		entries[0].Certificate != r.Certificate || entries[0].Kind != EventWorkshop {
		t.Fatalf("ledger: %+v %v", entries, err)
	}
	cert, err := f.s.CertificateByCode(ctx, r.Certificate)
	if err != nil || cert.Event != f.ev.ID || cert.CourseTitle != "Workshop SOP" || cert.JP != 6 || cert.EventKind != EventWorkshop {
		t.Fatalf("certificate: %+v %v", cert, err)
	}
	n, err := f.s.docs.C(collCertificates).Count(ctx, docsCourseIssued(""))
	if err != nil || n != 1 {
		t.Fatalf("%d certificates (%v)", n, err)
	}
	// Unmarking day 2 leaves the credit and the certificate.
	a, err = f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.reg.NIP, "2027-03-02", false)
	if err != nil || a.Present != 1 || !a.Credited || a.Certificate != r.Certificate {
		t.Fatalf("unmark: %+v %v", a, err)
	}
	if entries, _ := f.s.JPEntries(ctx, f.reg.NIP, 2027); len(entries) != 1 {
		t.Fatalf("unmarking changed the ledger: %+v", entries)
	}
	// Day 3 again reaches two days: still one credit.
	f.at(wibAt("2027-03-03T10:00:00"))
	if a, err = f.s.CheckIn(ctx, f.reg, f.ev.ID, f.code(t).Code); err != nil || a.DayN != 3 || !a.Credited {
		t.Fatalf("day 3: %+v %v", a, err)
	}
	if entries, _ := f.s.JPEntries(ctx, f.reg.NIP, 2027); len(entries) != 1 {
		t.Fatalf("credited again: %+v", entries)
	}
	// The sheet: per-day totals and the CSV columns.
	sh, err := f.s.AttendanceOf(ctx, f.org, f.ev.ID)
	if err != nil || len(sh.Rows) != 1 || fmt.Sprint(sh.Totals) != "[1 0 1]" || sh.Needed != 2 || sh.Credited != 1 {
		t.Fatalf("sheet: %+v %v", sh, err)
	}
	head, rows := sh.CSVRows()
	if fmt.Sprint(head) != "[nip nama unit status hari_1_2027-03-01 hari_2_2027-03-02 hari_3_2027-03-03 jp_dikreditkan]" ||
		fmt.Sprint(rows) != "[["+f.reg.NIP+" Peserta Terdaftar DINKES registered 1 0 1 1]]" {
		t.Fatalf("csv: %v %v", head, rows)
	}
	if _, err := f.s.AttendanceOf(ctx, f.reg, f.ev.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner read the sheet: %v", err)
	}
}

// TestEventEvaluation: an attendee evaluates once after the event; others
// are refused; the organiser reads the aggregate; the ask is sent once.
func TestEventEvaluation(t *testing.T) {
	f := newAttendFixture(t, true)
	ctx := context.Background()
	f.at(wibAt("2027-03-01T09:00:00"))
	if _, err := f.s.MarkAttendance(ctx, f.org, f.ev.ID, f.reg.NIP, "2027-03-01", true); err != nil {
		t.Fatal(err)
	}
	in := EvaluationInput{Ratings: EvaluationRatings{Content: 5, Trainer: 4, Usefulness: 3}, Comment: "Bagus <script>x</script>"}
	if _, err := f.s.SubmitEventEvaluation(ctx, f.reg, f.ev.ID, in); !errors.Is(err, ErrEventNotOver) {
		t.Fatalf("before the end: %v", err)
	}
	f.at(wibAt("2027-03-03T17:00:00"))
	if _, err := f.s.SubmitEventEvaluation(ctx, f.wait, f.ev.ID, in); !errors.Is(err, ErrNotAttended) {
		t.Fatalf("not attended: %v", err)
	}
	if _, err := f.s.SubmitEventEvaluation(ctx, f.reg, f.ev.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SubmitEventEvaluation(ctx, f.reg, f.ev.ID, in); !errors.Is(err, ErrEvaluated) {
		t.Fatalf("twice: %v", err)
	}
	rep, err := f.s.EventEvaluations(ctx, f.org, f.ev.ID)
	if err != nil || rep.Count != 1 || rep.Means["content"] != 5 || len(rep.Comments) != 1 {
		t.Fatalf("report: %+v %v", rep, err)
	}
	if _, err := f.s.EventEvaluations(ctx, f.reg, f.ev.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner read the report: %v", err)
	}
	for i, want := range []int{1, 0} {
		n, err := f.s.AskEventEvaluations(ctx)
		if err != nil || n != want {
			t.Fatalf("ask pass %d: %d %v, want %d", i, n, err, want)
		}
	}
	ns, err := f.s.docs.C(collNotifications).Count(ctx, notificationsOf(f.reg.NIP))
	if err != nil || ns != 1 {
		t.Fatalf("%d notifications (%v)", ns, err)
	}
}

func docsCourseIssued(course string) docs.Query {
	return docs.Query{Where: []docs.Eq{{Field: "course", Value: course}}}
}

func notificationsOf(nip string) docs.Query {
	return docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}}}
}
