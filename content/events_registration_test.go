package content

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// regFixture is a service with a trainer and an open event starting in a
// week, registration closing a day before; the clock is set to now.
type regFixture struct {
	s       *Service
	trainer User
	ev      Event
	now     time.Time
}

func newRegFixture(t *testing.T, capacity int, edit func(*EventInput)) *regFixture {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	now := time.Date(2027, 1, 3, 9, 0, 0, 0, jakarta)
	s.SetClock(func() time.Time { return now })
	for _, u := range []Unit{{Code: "DINKES", Name: "Dinas Kesehatan"}, {Code: "DINKES.P2P", Name: "Bidang P2P", Parent: "DINKES"}, {Code: "BKPSDM", Name: "BKPSDM"}} {
		if err := s.docs.C(collUnits).Insert(ctx, u.Code, &u); err != nil {
			t.Fatal(err)
		}
	}
	trainer := seedUser(t, s, 90000, "Pelatih", "BKPSDM", RoleTrainer)
	in := EventInput{Title: "Workshop SOP", Kind: EventWorkshop, Mode: ModeOffline, StartsAt: "2027-01-10T09:00", EndsAt: "2027-01-10T15:00",
		RegistrationCloses: "2027-01-09T09:00", Place: "Aula", Capacity: capacity, JP: 4}
	if edit != nil {
		edit(&in)
	}
	ev, err := s.CreateEvent(ctx, trainer, in)
	if err != nil {
		t.Fatal(err)
	}
	return &regFixture{s: s, trainer: trainer, ev: ev, now: now}
}

// seedUser writes a user document straight into the store: hashing a
// password per person would make a burst of hundreds slow to set up.
func seedUser(t testing.TB, s *Service, i int, name, unit string, roles ...string) User {
	t.Helper()
	u := User{NIP: testNIP(i), Name: name, Unit: unit, Position: "Pelaksana", Roles: append([]string{RoleLearner}, roles...),
		Created: time.Now().UTC().Truncate(time.Millisecond)}.WithKeys()
	if err := s.docs.C(collUsers).Insert(context.Background(), u.NIP, &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func seedUsers(t testing.TB, s *Service, n int, unit string) []User {
	out := make([]User, n)
	for i := range n {
		out[i] = seedUser(t, s, i, fmt.Sprintf("Peserta %03d", i), unit)
	}
	return out
}

func TestRegisterRefusesAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		edit  func(*EventInput)
		setup func(f *regFixture)
		unit  string
		want  error
	}{
		"after the deadline": {setup: func(f *regFixture) {
			f.s.SetClock(func() time.Time { return f.ev.RegistrationCloses })
		}, want: ErrRegistrationClosed},
		"not for your unit": {edit: func(in *EventInput) { in.Units = []string{"BKPSDM"} }, unit: "DINKES.P2P", want: ErrEventNotOpenToYou},
		"cancelled event": {setup: func(f *regFixture) {
			if _, err := docs.Update(ctx, f.s.docs.C(collEvents), f.ev.ID, func(e *Event) error { e.Status = EventCancelled; return nil }); err != nil {
				t.Fatal(err)
			}
		}, want: ErrEventCancelled},
	} {
		t.Run(name, func(t *testing.T) {
			f := newRegFixture(t, 5, tc.edit)
			if tc.setup != nil {
				tc.setup(f)
			}
			u := seedUser(t, f.s, 1, "Peserta", cmp.Or(tc.unit, "DINKES"))
			if _, err := f.s.Register(ctx, u, f.ev.ID, ""); !errors.Is(err, tc.want) {
				t.Fatalf("register: %v, want %v", err, tc.want)
			}
			if n := countDocs(t, f.s, collRegistrations); n != 0 {
				t.Fatalf("%d registrations written", n)
			}
			if reg, wait, _ := f.s.EventCounts(ctx, f.ev.ID); reg+wait != 0 {
				t.Fatalf("counts %d/%d", reg, wait)
			}
		})
	}
	// The target walks up the unit tree: a sub-unit of a targeted unit may.
	f := newRegFixture(t, 5, func(in *EventInput) { in.Units = []string{"DINKES"} })
	u := seedUser(t, f.s, 1, "Peserta", "DINKES.P2P")
	if p, err := f.s.Register(ctx, u, f.ev.ID, ""); err != nil || p.Status != RegRegistered {
		t.Fatalf("sub-unit: %+v %v", p, err)
	}
}

func TestRegisterTwiceKeepsOnePlace(t *testing.T) {
	ctx := context.Background()
	f := newRegFixture(t, 1, nil)
	us := seedUsers(t, f.s, 2, "DINKES")
	for _, u := range us {
		if _, err := f.s.Register(ctx, u, f.ev.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []struct {
		status   string
		position int
	}{{RegRegistered, 0}, {RegWaitlisted, 1}} {
		p, err := f.s.Register(ctx, us[i], f.ev.ID, "")
		if err != nil || !p.Existing || p.Status != want.status || p.Position != want.position {
			t.Fatalf("again %d: %+v %v", i, p, err)
		}
	}
	if n := countDocs(t, f.s, collRegistrations); n != 2 {
		t.Fatalf("%d registration documents, want 2", n)
	}
	if reg, wait, _ := f.s.EventCounts(ctx, f.ev.ID); reg != 1 || wait != 1 {
		t.Fatalf("counts %d/%d, want 1/1", reg, wait)
	}
}

// TestRegisterBurstNeverOverbooks: 200 people at once for 20 seats, on
// two services over one store (two instances): exactly 20 seats, the
// rest waitlisted with distinct positions in arrival (seq) order.
func TestRegisterBurstNeverOverbooks(t *testing.T) {
	ctx := context.Background()
	f := newRegFixture(t, 20, nil)
	other, err := New(f.s.docs, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	other.SetClock(f.s.now)
	us := seedUsers(t, f.s, 200, "DINKES")
	places := make([]Place, len(us))
	errs := make([]error, len(us))
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := f.s
			if i%2 == 1 {
				svc = other
			}
			places[i], errs[i] = svc.Register(ctx, u, f.ev.ID, "")
		}()
	}
	wg.Wait()
	registered, positions := 0, map[int]bool{}
	for i, p := range places {
		if errs[i] != nil {
			t.Fatalf("%d: %v", i, errs[i])
		}
		switch p.Status {
		case RegRegistered:
			registered++
		case RegWaitlisted:
			if positions[p.Position] || p.Position < 1 || p.Position > 180 {
				t.Fatalf("position %d twice or out of range", p.Position)
			}
			positions[p.Position] = true
		default:
			t.Fatalf("status %q", p.Status)
		}
	}
	if registered != 20 || len(positions) != 180 {
		t.Fatalf("%d registered, %d waitlisted; want 20 and 180", registered, len(positions))
	}
	_, rows, err := f.s.EventRegistrations(ctx, f.trainer, f.ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 200 || !slices.IsSortedFunc(rows[20:], func(a, b RegistrationRow) int { return int(a.Seq - b.Seq) }) {
		t.Fatalf("%d rows, or the waitlist out of arrival order", len(rows))
	}
	for _, r := range rows[20:] {
		reg, err := f.s.RegistrationOf(ctx, f.ev.ID, r.NIP)
		if err != nil || reg.Status != RegWaitlisted || reg.Seq != r.Seq {
			t.Fatalf("registration of %s: %+v %v", r.NIP, reg, err)
		}
	}
	if n, _ := f.s.docs.C(collRegistrations).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "event", Value: f.ev.ID}, {Field: "status", Value: RegRegistered}}}); n != 20 {
		t.Fatalf("%d registered documents", n)
	}
}

func TestCancelPromotesFirstWaitingAndTellsThem(t *testing.T) {
	ctx := context.Background()
	f := newRegFixture(t, 1, nil)
	us := seedUsers(t, f.s, 3, "DINKES")
	for _, u := range us {
		if _, err := f.s.Register(ctx, u, f.ev.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Cancel(ctx, us[0], f.ev.ID); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{us[0].NIP: RegCancelled, us[1].NIP: RegRegistered, us[2].NIP: RegWaitlisted}
	for nip, status := range want {
		if r, err := f.s.RegistrationOf(ctx, f.ev.ID, nip); err != nil || r.Status != status {
			t.Fatalf("%s: %+v %v, want %s", nip, r, err, status)
		}
	}
	if _, pos, _ := f.s.EventPlace(ctx, f.ev.ID, us[2].NIP); pos != 1 {
		t.Fatalf("last is at %d, want 1", pos)
	}
	page, err := f.s.Notifications(ctx, us[1].NIP, 10, "")
	if err != nil || len(page.Items) != 1 || page.Items[0].Kind != "event.promoted" || page.Items[0].URL != "/events/"+f.ev.ID {
		t.Fatalf("promoted person's notifications: %+v %v", page.Items, err)
	}
	if page, _ := f.s.Notifications(ctx, us[2].NIP, 10, ""); len(page.Items) != 0 {
		t.Fatalf("the one still waiting was told: %+v", page.Items)
	}
	// A repair writing the promotion again tells nobody twice.
	if _, _, err := f.s.EventRegistrations(ctx, f.trainer, f.ev.ID); err != nil {
		t.Fatal(err)
	}
	if page, _ := f.s.Notifications(ctx, us[1].NIP, 10, ""); len(page.Items) != 1 {
		t.Fatalf("%d notifications after repair", len(page.Items))
	}
	if _, err := f.s.Cancel(ctx, us[0], f.ev.ID); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("cancel twice: %v", err)
	}
	// Registering again after cancelling joins the end of the line.
	p, err := f.s.Register(ctx, us[0], f.ev.ID, "")
	if err != nil || p.Status != RegWaitlisted || p.Position != 2 {
		t.Fatalf("again after cancel: %+v %v", p, err)
	}
	// Its Registration, cancelled before, is updated, not left as it was.
	if r, err := f.s.RegistrationOf(ctx, f.ev.ID, us[0].NIP); err != nil || r.Status != RegWaitlisted || !r.Cancelled.IsZero() {
		t.Fatalf("registration after registering again: %+v %v", r, err)
	}
	f.s.SetClock(func() time.Time { return f.ev.Starts })
	if _, err := f.s.Cancel(ctx, us[1], f.ev.ID); !errors.Is(err, ErrEventStarted) {
		t.Fatalf("cancel after the start: %v", err)
	}
}

func TestCapacityEditNeverBelowSeatsAndRisePromotes(t *testing.T) {
	ctx := context.Background()
	f := newRegFixture(t, 2, nil)
	us := seedUsers(t, f.s, 4, "DINKES")
	for _, u := range us {
		if _, err := f.s.Register(ctx, u, f.ev.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	in := EventInput{Title: f.ev.Title, Kind: f.ev.Kind, Mode: f.ev.Mode, StartsAt: "2027-01-10T09:00", EndsAt: "2027-01-10T15:00",
		RegistrationCloses: "2027-01-09T09:00", Place: "Aula", Capacity: 1, JP: 4}
	_, err := f.s.UpdateEvent(ctx, f.trainer, f.ev.ID, in)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["capacity"].Code != "event.capacity_below_seats" {
		t.Fatalf("capacity below seats: %v", err)
	}
	if ev, _ := f.s.Event(ctx, f.ev.ID); ev.Capacity != 2 {
		t.Fatalf("capacity written: %d", ev.Capacity)
	}
	in.Capacity = 3
	if _, err := f.s.UpdateEvent(ctx, f.trainer, f.ev.ID, in); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.s.RegistrationOf(ctx, f.ev.ID, us[2].NIP); r.Status != RegRegistered || r.Promoted.IsZero() {
		t.Fatalf("third after the rise: %+v", r)
	}
	if r, _ := f.s.RegistrationOf(ctx, f.ev.ID, us[3].NIP); r.Status != RegWaitlisted {
		t.Fatalf("fourth after the rise: %+v", r)
	}
	if page, _ := f.s.Notifications(ctx, us[2].NIP, 10, ""); len(page.Items) != 1 {
		t.Fatalf("promoted by the rise, told %d times", len(page.Items))
	}
}

// TestRegistrationRepairedFromSeats: a crash after the seats write and
// before the person's document leaves it missing; reading repairs it.
func TestRegistrationRepairedFromSeats(t *testing.T) {
	ctx := context.Background()
	f := newRegFixture(t, 5, nil)
	u := seedUser(t, f.s, 1, "Peserta", "DINKES")
	if _, err := f.s.Register(ctx, u, f.ev.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.s.docs.C(collRegistrations).Delete(ctx, registrationID(f.ev.ID, u.NIP)); err != nil {
		t.Fatal(err)
	}
	r, err := f.s.RegistrationOf(ctx, f.ev.ID, u.NIP)
	if err != nil || r.Status != RegRegistered || r.Seq != 1 {
		t.Fatalf("repaired: %+v %v", r, err)
	}
	if _, err := f.s.RegistrationOf(ctx, f.ev.ID, testNIP(2)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("stranger: %v", err)
	}
}

// TestAssignEventRegistersPeople: an admin assigning an event registers
// the unit's people in order (seats, then the waitlist), naming the
// assignment; a person who joins the unit later is registered too.
func TestAssignEventRegistersPeople(t *testing.T) {
	ctx := context.Background()
	f := newRegFixture(t, 2, nil)
	admin := seedUser(t, f.s, 90001, "Admin", "BKPSDM", RoleAdmin)
	admin.IsAdmin = true
	us := seedUsers(t, f.s, 3, "DINKES.P2P")
	a, n, err := f.s.Assign(ctx, admin, AssignmentInput{EventID: f.ev.ID, Units: []string{"DINKES"}, Reason: "Wajib"})
	if err != nil || n != 3 {
		t.Fatalf("assign: %d %v", n, err)
	}
	if !a.Due.Equal(f.ev.Ends) {
		t.Fatalf("due %v, want the event's end", a.Due)
	}
	reg, wait, _ := f.s.EventCounts(ctx, f.ev.ID)
	if reg != 2 || wait != 1 {
		t.Fatalf("counts %d/%d, want 2/1", reg, wait)
	}
	for _, u := range us {
		r, err := f.s.RegistrationOf(ctx, f.ev.ID, u.NIP)
		if err != nil || r.Via != a.ID {
			t.Fatalf("%s: %+v %v", u.NIP, r, err)
		}
	}
	joiner := seedUser(t, f.s, 50, "Pendatang", "DINKES.P2P")
	if err := f.s.userChanged(ctx, User{}, joiner); err != nil {
		t.Fatal(err)
	}
	if r, err := f.s.RegistrationOf(ctx, f.ev.ID, joiner.NIP); err != nil || r.Status != RegWaitlisted || r.Via != a.ID {
		t.Fatalf("later joiner: %+v %v", r, err)
	}
	// Neither a course and an event at once, nor a closed event.
	if _, _, err := f.s.Assign(ctx, admin, AssignmentInput{EventID: f.ev.ID, CourseID: "x", Units: []string{"DINKES"}}); err == nil {
		t.Fatal("course and event at once accepted")
	}
	f.s.SetClock(func() time.Time { return f.ev.RegistrationCloses })
	var ve *ValidationError
	if _, _, err := f.s.Assign(ctx, admin, AssignmentInput{EventID: f.ev.ID, Units: []string{"DINKES"}}); !errors.As(err, &ve) || ve.Fields["event_id"].Code != "assign.event_closed" {
		t.Fatalf("closed event assigned: %v", err)
	}
}
