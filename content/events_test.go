package content

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEventDaysInWIB(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, ok := ParseEventTime(s)
		if !ok {
			t.Fatalf("parse %q", s)
		}
		return v
	}
	for _, tc := range []struct {
		starts, ends string
		want         int
	}{
		{"2026-12-20T09:00", "2026-12-20T12:00", 1},
		{"2026-12-20T09:00", "2026-12-22T16:00", 3},
		// Ends at midnight: the last day is the one before.
		{"2026-12-20T09:00", "2026-12-21T00:00", 1},
		// 23:30 WIB is 16:30 UTC: still one WIB day.
		{"2026-12-20T20:00", "2026-12-20T23:30", 1},
	} {
		ev := Event{Starts: at(tc.starts), Ends: at(tc.ends)}
		if got := ev.Days(); len(got) != tc.want || got[0] != tc.starts[:10] {
			t.Errorf("%s–%s: days %v, want %d from %s", tc.starts, tc.ends, got, tc.want, tc.starts[:10])
		}
	}
}

func TestCreateEventRefusesBadInput(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198001012010011001", Name: "Pelatih", Unit: "BKPSDM", Roles: []string{RoleTrainer}, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	good := EventInput{Title: "Workshop SOP", Kind: EventWorkshop, Mode: ModeOffline, StartsAt: "2027-01-10T09:00", EndsAt: "2027-01-10T15:00",
		Place: "Aula BKPSDM", Capacity: 30, JP: 4}
	for name, tc := range map[string]struct {
		edit  func(*EventInput)
		field string
	}{
		"ends before it starts": {func(in *EventInput) { in.EndsAt = "2027-01-10T08:00" }, "ends_at"},
		"capacity 0":            {func(in *EventInput) { in.Capacity = 0 }, "capacity"},
		"negative JP":           {func(in *EventInput) { in.JP = -1 }, "jp"},
		"unknown kind":          {func(in *EventInput) { in.Kind = "party" }, "kind"},
		"online without link":   {func(in *EventInput) { in.Mode = ModeOnline }, "online_url"},
		"script link":           {func(in *EventInput) { in.Mode, in.OnlineURL = ModeBlended, "javascript:alert(1)" }, "online_url"},
		"closes after start":    {func(in *EventInput) { in.RegistrationCloses = "2027-01-11T09:00" }, "registration_closes_at"},
		"unknown organiser":     {func(in *EventInput) { in.Organisers = []string{"199901012020011009"} }, "organisers"},
	} {
		in := good
		tc.edit(&in)
		_, err := s.CreateEvent(ctx, trainer, in)
		var v *ValidationError
		if !errors.As(err, &v) || v.Fields[tc.field].Code == "" {
			t.Errorf("%s: %v, want a message on %s", name, err, tc.field)
		}
	}
	evs, err := s.EventsBetween(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, jakarta), time.Date(2027, 2, 1, 0, 0, 0, 0, jakarta), "")
	if err != nil || len(evs) != 0 {
		t.Fatalf("refused input wrote %d events (%v)", len(evs), err)
	}
	ev, err := s.CreateEvent(ctx, trainer, good)
	if err != nil {
		t.Fatal(err)
	}
	if ev.RegistrationCloses != ev.Starts || ev.MinAttendance != 100 || ev.Organisers[0] != trainer.NIP || ev.Status != EventOpen {
		t.Fatalf("defaults: %+v", ev)
	}
	learner, err := s.CreateUser(ctx, NewUser{NIP: "199001012015011002", Name: "Peserta", Unit: "DINKES", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvent(ctx, learner, good); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner created an event: %v", err)
	}
	if _, err := s.UpdateEvent(ctx, learner, ev.ID, good); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner edited an event: %v", err)
	}
}
