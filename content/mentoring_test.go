package content

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

const (
	mAdmin  = "198501012010011001"
	mMentor = "198703212012032002"
	mMentee = "199203152015031003"
)

// mentoringService is a service with an admin, a mentor and a mentee, and
// a mentorship between the two for the next 60 days.
func mentoringService(t *testing.T) (*Service, Mentorship) {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	for _, u := range []NewUser{
		{NIP: mAdmin, Name: "Admin", Roles: []string{RoleAdmin}, Password: "kata-sandi-rahasia-1"},
		{NIP: mMentor, Name: "Mentor Senior", Roles: []string{RoleMentor}, Password: "kata-sandi-rahasia-1"},
		{NIP: mMentee, Name: "Siti", Unit: "dinkes", Password: "kata-sandi-rahasia-1"},
	} {
		if _, err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	admin, _ := s.User(ctx, mAdmin)
	m, err := s.PairMentor(ctx, admin, MentorshipInput{Mentor: mMentor, Mentee: mMentee, Goal: "Mempercepat layanan",
		Ends: s.now().In(jakarta).AddDate(0, 0, 60).Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

// TestConfirmCreditsOnceAcrossInstances: a session confirmed many times at
// once through two services on one store credits its JP once; minutes
// carry from session to session so the mentorship's JP are always
// floor(confirmed minutes / 45), and a session that completes no JP
// writes no entry.
func TestConfirmCreditsOnceAcrossInstances(t *testing.T) {
	s1, m := mentoringService(t)
	s2, err := New(s1.docs, s1.blobs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mentor, _ := s1.User(ctx, mMentor)
	mentee, _ := s1.User(ctx, mMentee)
	today := s1.now().In(jakarta).Format(time.DateOnly)
	record := func(minutes int) MentorSession {
		t.Helper()
		ses, err := s1.RecordSession(ctx, mentor, m.ID, SessionInput{Date: today, Minutes: minutes, Notes: "Diskusi"})
		if err != nil {
			t.Fatal(err)
		}
		return ses
	}
	confirmAll := func(ses MentorSession) int {
		t.Helper()
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := []*Service{s1, s2}[i%2]
				got, c, err := svc.ConfirmSession(ctx, mentee, m.ID, ses.ID)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if c {
					created++
				}
				if got.JP != ses.JP && ses.JP != 0 {
					t.Errorf("session %s: JP %d, then %d", ses.ID, ses.JP, got.JP)
				}
			}()
		}
		wg.Wait()
		return created
	}
	// 60 min: 1 JP (15 carried); 40 min: 100 → 2 JP, so 1; 20 min: 120 → 2, so 0.
	for _, c := range []struct{ minutes, jp, created int }{{60, 1, 1}, {40, 1, 1}, {20, 0, 0}} {
		ses := record(c.minutes)
		if n := confirmAll(ses); n != c.created {
			t.Errorf("%d min: %d credits written, want %d", c.minutes, n, c.created)
		}
		got, _ := (func() (Mentorship, error) { return s1.mentorship(ctx, m.ID) })()
		x, _ := got.Session(ses.ID)
		if x.JP != c.jp || !x.IsConfirmed() {
			t.Errorf("%d min: session %+v, want %d JP, confirmed", c.minutes, x, c.jp)
		}
	}
	got, _ := s1.mentorship(ctx, m.ID)
	es, err := s1.JPEntries(ctx, mMentee, s1.CurrentYear())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range es {
		if e.Source != SourceMentoring {
			t.Errorf("entry %+v", e)
		}
		total += e.JP
	}
	if len(es) != 2 || total != 2 || got.JP != 2 || got.ConfirmedMinutes != 120 || got.MinutesPerJP != DefaultMinutesPerJP {
		t.Errorf("ledger %d entries, %d JP; mentorship %d JP, %d minutes at %d/JP", len(es), total, got.JP, got.ConfirmedMinutes, got.MinutesPerJP)
	}
	// The mentor cannot confirm, nor the mentee record.
	if _, _, err := s1.ConfirmSession(ctx, mentor, m.ID, got.Sessions[0].ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("mentor confirming: %v", err)
	}
	if _, err := s1.RecordSession(ctx, mentee, m.ID, SessionInput{Date: today, Minutes: 30}); !errors.Is(err, ErrForbidden) {
		t.Errorf("mentee recording: %v", err)
	}
}

// TestConfirmRepairsALostCredit: an instance that stopped between marking
// the session confirmed and writing the credit leaves it for the next
// confirmation, which writes it (and only it).
func TestConfirmRepairsALostCredit(t *testing.T) {
	s, m := mentoringService(t)
	ctx := context.Background()
	mentor, _ := s.User(ctx, mMentor)
	mentee, _ := s.User(ctx, mMentee)
	ses, err := s.RecordSession(ctx, mentor, m.ID, SessionInput{Date: s.now().In(jakarta).Format(time.DateOnly), Minutes: 90})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ConfirmSession(ctx, mentee, m.ID, ses.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.docs.C(collJPLedger).Delete(ctx, ledgerID(SourceMentoring, SessionRef(m.ID, ses.ID), mMentee)); err != nil {
		t.Fatal(err)
	}
	got, created, err := s.ConfirmSession(ctx, mentee, m.ID, ses.ID)
	if err != nil || !created || got.JP != 2 {
		t.Fatalf("again: %+v created=%v %v", got, created, err)
	}
	jp, _ := s.JPFor(ctx, mMentee, s.CurrentYear())
	if jp.Total != 2 {
		t.Errorf("JP %d, want 2", jp.Total)
	}
}

// TestMentorActionReminderOnce: an agreed action due in three days is
// reminded to the mentee once, a day before, however many passes on how
// many instances run; an action due within a day when agreed is not (the
// session's notice said so), nor one whose session was never stored.
func TestMentorActionReminderOnce(t *testing.T) {
	s, m := mentoringService(t)
	s2, err := New(s.docs, s.blobs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mentor, _ := s.User(ctx, mMentor)
	start := time.Now()
	clock := func(d time.Duration) {
		for _, x := range []*Service{s, s2} {
			x.SetClock(func() time.Time { return start.Add(d) })
		}
	}
	clock(0)
	day3 := start.In(jakarta).AddDate(0, 0, 3).Format(time.DateOnly)
	today := start.In(jakarta).Format(time.DateOnly)
	due, _ := ParseDue(day3)
	ses, err := s.RecordSession(ctx, mentor, m.ID, SessionInput{Date: start.In(jakarta).Format(time.DateOnly), Minutes: 30,
		Actions: []ActionInput{{Text: "Susun SOP loket", Due: day3}, {Text: "Baca modul", Due: today}, {Text: "Tanpa tenggat"}}})
	if err != nil {
		t.Fatal(err)
	}
	// An orphan action: its session write never happened.
	orphan := mentorActionDoc{Mentorship: m.ID, Session: "hilang", Mentee: mMentee, Text: "x", Due: start.Add(3 * day), Created: start}
	if err := s.docs.C(collMentorActions).Insert(ctx, actionID(m.ID, "hilang", 0), &orphan); err != nil {
		t.Fatal(err)
	}
	run := func() int {
		n := 0
		for _, x := range []*Service{s, s2} {
			st, err := x.RemindMentorActions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += st.Created
		}
		return n
	}
	if n := run(); n != 0 {
		t.Errorf("at once: %d reminders", n)
	}
	clock(due.Add(-day - time.Hour).Sub(start))
	if n := run(); n != 0 {
		t.Errorf("an hour before the day before: %d reminders", n)
	}
	clock(due.Add(-day + time.Minute).Sub(start))
	first := run()
	clock(due.Add(-day + time.Hour).Sub(start))
	again := run()
	done, err := s.notified(ctx, MentorActionKey(m.ID, ses.ID, 0))
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.Notifications(ctx, mMentee, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	reminders := 0
	for _, n := range page.Items {
		if n.Kind == KindMentorAction {
			reminders++
		}
	}
	if first != 1 || again != 0 || !done || reminders != 1 {
		t.Errorf("reminders: %d then %d; key done %v; %d in the bell, want 1", first, again, done, reminders)
	}
}

// TestPairMentorRules: the mentor must hold the role and not be the
// mentee; an atasan pairs only their team; the same pair twice in one
// period is refused.
func TestPairMentorRules(t *testing.T) {
	s, _ := mentoringService(t)
	ctx := context.Background()
	admin, _ := s.User(ctx, mAdmin)
	ends := s.now().In(jakarta).AddDate(0, 1, 0).Format(time.DateOnly)
	var ve *ValidationError
	if _, err := s.PairMentor(ctx, admin, MentorshipInput{Mentor: mAdmin, Mentee: mMentee, Goal: "x", Ends: ends}); !errors.As(err, &ve) || ve.Fields["mentor"].Code != "mentoring.not_mentor" {
		t.Errorf("admin without the role as mentor: %v", err)
	}
	if _, err := s.PairMentor(ctx, admin, MentorshipInput{Mentor: mMentor, Mentee: mMentor, Goal: "x", Ends: ends}); !errors.As(err, &ve) {
		t.Errorf("self: %v", err)
	}
	if _, err := s.PairMentor(ctx, admin, MentorshipInput{Mentor: mMentor, Mentee: mMentee, Goal: "lagi", Ends: ends}); !errors.Is(err, ErrMentorActive) {
		t.Errorf("same pair again: %v", err)
	}
	mentor, _ := s.User(ctx, mMentor)
	if _, err := s.PairMentor(ctx, mentor, MentorshipInput{Mentor: mMentor, Mentee: mMentee, Goal: "x", Ends: ends}); !errors.Is(err, ErrForbidden) {
		t.Errorf("not an atasan: %v", err)
	}
}
