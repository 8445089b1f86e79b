package content

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestUnitTree(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	admin := User{NIP: "198001012005011001", Roles: []string{RoleAdmin}}
	for _, u := range []struct{ code, name, parent string }{
		{"DISKOMINFO", "Dinas Komunikasi dan Informatika", ""},
		{"DISKOMINFO.TI", "Bidang TI", "DISKOMINFO"},
		{"DISKOMINFO.TI.1", "Seksi Infrastruktur", "DISKOMINFO.TI"},
		{"DINKES", "Dinas Kesehatan", ""},
	} {
		if _, err := s.PutUnit(ctx, admin, u.code, UnitInput{Name: u.name, Parent: u.parent}); err != nil {
			t.Fatal(u.code, err)
		}
	}
	got, err := s.UnitAndBelow(ctx, "DISKOMINFO")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DISKOMINFO", "DISKOMINFO.TI", "DISKOMINFO.TI.1"}; !slices.Equal(got, want) {
		t.Fatalf("below = %v, want %v", got, want)
	}
	for _, tc := range []struct{ code, parent, field, code2 string }{
		{"DISKOMINFO", "DISKOMINFO.TI.1", "parent", "unit.cycle"},
		{"DISKOMINFO", "DISKOMINFO", "parent", "unit.cycle"},
		{"X", "NOPE", "parent", "unit.unknown"},
		{"a/b", "", "code", "unit.code"},
	} {
		_, err := s.PutUnit(ctx, admin, tc.code, UnitInput{Name: "n", Parent: tc.parent})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[tc.field].Code != tc.code2 {
			t.Errorf("%s under %s: %v, want %s on %s", tc.code, tc.parent, err, tc.code2, tc.field)
		}
	}
	if _, err := s.PutUnit(ctx, User{NIP: "199001012015031001"}, "Y", UnitInput{Name: "y"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("learner put a unit: %v", err)
	}
	log, _, err := s.AuditLog(ctx, admin, "", 10)
	if err != nil || len(log) != 4 || log[0].Actor != admin.NIP || log[0].Action != "unit.put" {
		t.Fatalf("audit log = %+v, %v", log, err)
	}
}

// TestActivationOnce: a code sets a password once, even when two requests
// race, and ends the user's sessions.
func TestActivationOnce(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, NewUser{NIP: "199001012015031001", Name: "Peserta", Password: "kata-sandi-rahasia-2"})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.NewSession(ctx, KindSession, u.NIP)
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := s.IssueActivation(ctx, u.NIP)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Activate(ctx, code, "sandi-baru-nomor-"+string(rune('a'+i))); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, ErrActivationInvalid) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d activations succeeded, want 1", ok)
	}
	if _, _, err := s.Resolve(ctx, KindSession, secret); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("session survived activation: %v", err)
	}
	s.SetClock(func() time.Time { return time.Now().Add(ActivationLifetime + time.Minute) })
	code2, _, _ := s.IssueActivation(ctx, u.NIP)
	s.SetClock(func() time.Time { return time.Now().Add(2*ActivationLifetime + 2*time.Minute) })
	if _, err := s.Activate(ctx, code2, "sandi-baru-nomor-z"); !errors.Is(err, ErrActivationInvalid) {
		t.Errorf("expired code: %v", err)
	}
}

func TestNotifyOncePerKey(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	n := NewNotification{Key: "assign/a1/199001012015031001/new", User: "199001012015031001", Kind: "assigned", Text: msg("x")}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Notify(ctx, n)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("%d notifications for one key, want 1", created)
	}
}
