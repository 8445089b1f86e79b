package content

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// putRegistration writes a registration directly, as registering would
// (registration itself is another part's); seq orders arrival.
func putRegistration(t *testing.T, s *Service, ev Event, nip, status string, seq int64) {
	t.Helper()
	r := Registration{ID: registrationID(ev.ID, nip), Event: ev.ID, User: nip, Status: status, Seq: seq, Starts: ev.Starts, At: s.now()}
	if _, err := upsert(context.Background(), s.docs.C(collRegistrations), r.ID, func(d *Registration) error {
		*d = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// eventFixture is a service on a clock the test sets, a trainer and
// learners.
type eventFixture struct {
	s       *Service
	now     time.Time
	trainer User
	people  []User
}

func newEventFixture(t *testing.T, learners int) *eventFixture {
	t.Helper()
	f := &eventFixture{s: newTestService(t), now: time.Date(2027, 1, 4, 1, 0, 0, 0, time.UTC)}
	f.s.SetClock(func() time.Time { return f.now })
	ctx := context.Background()
	var err error
	f.trainer, err = f.s.CreateUser(ctx, NewUser{NIP: "198001012010011001", Name: "Pelatih", Unit: "BKPSDM", Roles: []string{RoleTrainer}, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range learners {
		u, err := f.s.CreateUser(ctx, NewUser{NIP: "19900101201501100" + string(rune('1'+i)), Name: "Peserta " + string(rune('A'+i)), Unit: "DINKES", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		f.people = append(f.people, u)
	}
	return f
}

func (f *eventFixture) event(t *testing.T, starts time.Time, edit func(*EventInput)) Event {
	t.Helper()
	in := EventInput{Title: "Workshop SOP", Kind: EventWorkshop, Mode: ModeBlended, StartsAt: starts.Format(time.RFC3339),
		EndsAt: starts.Add(3 * time.Hour).Format(time.RFC3339), Place: "Aula BKPSDM", OnlineURL: "https://meet.example/sop", Capacity: 30, JP: 3}
	if edit != nil {
		edit(&in)
	}
	ev, err := f.s.CreateEvent(context.Background(), f.trainer, in)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (f *eventFixture) pass(t *testing.T) ReminderStats {
	t.Helper()
	st, err := f.s.RemindEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func notices(t *testing.T, s *Service, nip string) []Notification {
	t.Helper()
	p, err := s.Notifications(context.Background(), nip, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// TestEventRemindersOnce: a day before and an hour before, each
// registered person is told once, with the place and the link, however
// often the pass runs; waitlisted and cancelled people, and the people of
// a cancelled event, hear nothing.
func TestEventRemindersOnce(t *testing.T) {
	f := newEventFixture(t, 4)
	ctx := context.Background()
	starts := f.now.Add(3 * 24 * time.Hour)
	ev := f.event(t, starts, nil)
	reg, reg2, wait, gone := f.people[0], f.people[1], f.people[2], f.people[3]
	putRegistration(t, f.s, ev, reg.NIP, RegRegistered, 1)
	putRegistration(t, f.s, ev, reg2.NIP, RegRegistered, 2)
	putRegistration(t, f.s, ev, wait.NIP, RegWaitlisted, 3)
	putRegistration(t, f.s, ev, gone.NIP, RegCancelled, 4)
	// A cancelled event with the same people registered is never reminded.
	off := f.event(t, starts.Add(time.Hour), nil)
	putRegistration(t, f.s, off, reg.NIP, RegRegistered, 1)
	if _, err := docs.Update(ctx, f.s.docs.C(collEvents), off.ID, func(e *Event) error { e.Status = EventCancelled; return nil }); err != nil {
		t.Fatal(err)
	}

	if st := f.pass(t); st.Created != 0 {
		t.Fatalf("three days before: %+v", st)
	}
	f.now = starts.Add(-23 * time.Hour)
	if st := f.pass(t); st.Created != 2 || st.Checked != 2 {
		t.Fatalf("a day before: %+v, want 2 created of 2 checked", st)
	}
	f.now = f.now.Add(10 * time.Minute)
	if st := f.pass(t); st.Created != 0 {
		t.Fatalf("the pass again: %+v", st)
	}
	f.now = starts.Add(-50 * time.Minute)
	if st := f.pass(t); st.Created != 2 {
		t.Fatalf("an hour before: %+v", st)
	}
	f.pass(t)
	f.now = starts.Add(time.Minute) // started: nothing more
	if st := f.pass(t); st.Created != 0 || st.Checked != 0 {
		t.Fatalf("after the start: %+v", st)
	}
	for _, u := range []User{reg, reg2} {
		ns := notices(t, f.s, u.NIP)
		if len(ns) != 2 {
			t.Fatalf("%s: %d notices, want 2", u.NIP, len(ns))
		}
		kinds := map[string]bool{}
		for _, n := range ns {
			kinds[n.Kind] = true
			if n.URL != "/events/"+ev.ID || !IsReminder(n.Kind) {
				t.Errorf("notice %+v", n)
			}
			if n.Text.Code != "notify."+strings.TrimPrefix(n.Kind, "reminder.")+"_both" ||
				n.Text.Args[3] != "Aula BKPSDM" || n.Text.Args[4] != "https://meet.example/sop" {
				t.Errorf("text %+v", n.Text)
			}
		}
		if !kinds[KindEventDay] || !kinds[KindEventHour] {
			t.Errorf("%s: kinds %v", u.NIP, kinds)
		}
	}
	for _, u := range []User{wait, gone} {
		if ns := notices(t, f.s, u.NIP); len(ns) != 0 {
			t.Errorf("%s (not registered) got %d notices", u.NIP, len(ns))
		}
	}
}

// TestEventReminderMovedEvent: an event moved after its reminder is
// reminded again at its new time, since the first named a wrong one.
func TestEventReminderMovedEvent(t *testing.T) {
	f := newEventFixture(t, 1)
	starts := f.now.Add(20 * time.Hour)
	ev := f.event(t, starts, func(in *EventInput) { in.Mode, in.Place = ModeOnline, "" })
	putRegistration(t, f.s, ev, f.people[0].NIP, RegRegistered, 1)
	if st := f.pass(t); st.Created != 1 {
		t.Fatalf("made within the day: %+v", st)
	}
	n := notices(t, f.s, f.people[0].NIP)[0]
	if n.Text.Code != "notify.event_day_online" || n.Text.Args[3] != "https://meet.example/sop" || n.Text.Args[1] != "2027-01-05" || n.Text.Args[2] != "04:00" {
		t.Fatalf("text %+v", n.Text)
	}
	moved := starts.Add(2 * time.Hour)
	in := EventInput{Title: ev.Title, Kind: ev.Kind, Mode: ModeOnline, StartsAt: moved.Format(time.RFC3339), EndsAt: moved.Add(time.Hour).Format(time.RFC3339),
		OnlineURL: ev.OnlineURL, Capacity: ev.Capacity, JP: ev.JP}
	if _, err := f.s.UpdateEvent(context.Background(), f.trainer, ev.ID, in); err != nil {
		t.Fatal(err)
	}
	if st := f.pass(t); st.Created != 1 {
		t.Fatalf("after the move: %+v", st)
	}
	if st := f.pass(t); st.Created != 0 {
		t.Fatalf("again: %+v", st)
	}
}

// TestEventRemindersPage: more registered people than one page are all
// reminded, each once.
func TestEventRemindersPage(t *testing.T) {
	f := newEventFixture(t, 0)
	ctx := context.Background()
	ev := f.event(t, f.now.Add(30*time.Minute), func(in *EventInput) { in.Mode, in.OnlineURL = ModeOffline, "" })
	n := eventReminderPage + 7
	for i := range n {
		nip := "1990010120150" + string(rune('0'+i/10000%10)) + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		if err := f.s.docs.C(collUsers).Insert(ctx, nip, &User{NIP: nip, Name: "P"}); err != nil {
			t.Fatal(err)
		}
		putRegistration(t, f.s, ev, nip, RegRegistered, int64(i))
	}
	if st := f.pass(t); st.Created != n || st.Checked != n {
		t.Fatalf("%+v, want %d", st, n)
	}
	if st := f.pass(t); st.Created != 0 {
		t.Fatalf("again: %+v", st)
	}
}
