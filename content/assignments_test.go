package content

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

func ptr[T any](v T) *T { return &v }

// assignFixture is a unit tree, a published course and people in it.
type assignFixture struct {
	s      *Service
	admin  User
	course string
}

func newAssignFixture(t *testing.T) assignFixture {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	admin := User{NIP: "198001012005011001", Roles: []string{RoleAdmin}}
	for _, u := range []struct{ code, parent string }{
		{"DINKES", ""}, {"DINKES.YANKES", "DINKES"}, {"DINKES.YANKES.1", "DINKES.YANKES"}, {"DISDIK", ""},
	} {
		if _, err := s.PutUnit(ctx, admin, u.code, UnitInput{Name: "Unit " + u.code, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	tr := User{NIP: "198703212012032002", Roles: []string{RoleTrainer}}
	c, err := s.CreateCourse(ctx, tr, CourseInput{Title: ptr("Etika ASN"), Category: ptr("Teknis"), JP: ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.AddModule(ctx, tr, c.ID, ModuleInput{Title: "Modul"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddLesson(ctx, tr, c.ID, m.ID, LessonInput{Title: ptr("Bacaan"), Kind: ptr(KindText), Body: ptr("Isi bacaan.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, tr, c.ID, StatusPublished); err != nil {
		t.Fatal(err)
	}
	return assignFixture{s: s, admin: admin, course: c.ID}
}

// person stores an account straight away (no password hashing) and runs
// the hook CreateUser runs.
func (f assignFixture) person(t *testing.T, nip, unit, position string) User {
	t.Helper()
	u := User{NIP: nip, Name: "Orang " + nip[14:], Unit: unit, Position: position, Roles: []string{RoleLearner}, Created: time.Now()}
	if err := f.s.docs.C(collUsers).Insert(context.Background(), nip, &u); err != nil {
		t.Fatal(err)
	}
	if err := f.s.userChanged(context.Background(), User{}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f assignFixture) assignedTo(t *testing.T, id string) []string {
	t.Helper()
	as, _, err := docs.FindAll[Assignee](context.Background(), f.s.docs.C(collAssignees),
		docs.Query{Where: []docs.Eq{{Field: "assignment", Value: id}}, Sort: "user"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.User)
	}
	return out
}

// TestAssignUnionFollowsPeople: NIPs, units with their sub-units and
// positions are unioned without duplicates; each person is enrolled and
// told once; a person created in, or moved into, a unit below the one
// assigned gets the assignment too, and so does one taking the position.
func TestAssignUnionFollowsPeople(t *testing.T) {
	f := newAssignFixture(t)
	ctx := context.Background()
	top := f.person(t, "199001012015031001", "DINKES", "Perawat")
	deep := f.person(t, "199001012015031002", "DINKES.YANKES.1", "Analis")
	analyst := f.person(t, "199001012015031003", "DISDIK", "Analis")
	other := f.person(t, "199001012015031004", "DISDIK", "Guru")
	named := f.person(t, "199001012015031005", "DISDIK", "Guru")
	gone := f.person(t, "199001012015031006", "DINKES", "Perawat")
	if _, err := docs.Update(ctx, f.s.docs.C(collUsers), gone.NIP, func(u *User) error { u.Disabled = time.Now(); return nil }); err != nil {
		t.Fatal(err)
	}

	due := time.Now().Add(72 * time.Hour).In(jakarta).Format("2006-01-02")
	a, n, err := f.s.Assign(ctx, f.admin, AssignmentInput{CourseID: f.course, Units: []string{"DINKES"}, Positions: []string{"Analis"},
		NIPs: []string{named.NIP, deep.NIP, named.NIP}, Due: due, Reason: "Wajib bagi semua"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{top.NIP, deep.NIP, analyst.NIP, named.NIP}
	slices.Sort(want)
	if got := f.assignedTo(t, a.ID); n != 4 || !slices.Equal(got, want) {
		t.Fatalf("assigned %d: %v, want %v", n, got, want)
	}
	for _, nip := range want {
		if _, err := f.s.Enrollment(ctx, nip, f.course); err != nil {
			t.Errorf("%s not enrolled: %v", nip, err)
		}
		ns, _, err := docs.FindAll[Notification](ctx, f.s.docs.C(collNotifications), docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}}})
		if err != nil || len(ns) != 1 || ns[0].Kind != "assigned" || ns[0].Text.Code != "notify.assigned" {
			t.Errorf("%s notifications = %+v, %v", nip, ns, err)
		}
	}
	if _, err := f.s.Enrollment(ctx, other.NIP, f.course); !errors.Is(err, ErrNotFound) {
		t.Errorf("someone outside the assignment was enrolled: %v", err)
	}

	// Later joiners: created below the unit, moved into it, a new position.
	joiner := f.person(t, "199001012015031007", "DINKES.YANKES", "")
	moved := other
	moved.Unit = "DINKES.YANKES.1"
	if _, err := docs.Update(ctx, f.s.docs.C(collUsers), moved.NIP, func(u *User) error { u.Unit = moved.Unit; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.s.userChanged(ctx, other, moved); err != nil {
		t.Fatal(err)
	}
	promoted := f.person(t, "199001012015031008", "DISDIK", "Guru")
	before := promoted
	promoted.Position = "Analis"
	if err := f.s.userChanged(ctx, before, promoted); err != nil {
		t.Fatal(err)
	}
	stranger := f.person(t, "199001012015031009", "DISDIK", "Guru")
	got := f.assignedTo(t, a.ID)
	for _, nip := range []string{joiner.NIP, moved.NIP, promoted.NIP} {
		if !slices.Contains(got, nip) {
			t.Errorf("%s joined later and was not assigned: %v", nip, got)
		}
	}
	if slices.Contains(got, stranger.NIP) {
		t.Errorf("a newcomer elsewhere was assigned")
	}
	mine, err := f.s.MyAssignments(ctx, joiner.NIP)
	if err != nil || len(mine) != 1 || mine[0].Status != AssignPending || mine[0].Unit != "DINKES.YANKES" {
		t.Fatalf("joiner's assignments = %+v, %v", mine, err)
	}

	// The report rolls sub-units up into their parents.
	r, err := f.s.AssignmentReport(ctx, f.admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]UnitCompletion{}
	for _, u := range r.Units {
		byCode[u.Code] = u
	}
	if r.Assigned != 7 || byCode["DINKES"].Assigned != 4 || byCode["DINKES.YANKES.1"].Assigned != 2 || byCode["DISDIK"].Assigned != 3 {
		t.Fatalf("report: %d assigned, units %+v", r.Assigned, r.Units)
	}
}

// TestAssignValidation: a past or unreadable due date, nobody to assign,
// both or neither of course and path, and an unknown unit are refused
// naming the field; an atasan may assign only to their own team.
func TestAssignValidation(t *testing.T) {
	f := newAssignFixture(t)
	ctx := context.Background()
	boss := f.person(t, "198501012010011001", "DINKES", "Kepala")
	mate := f.person(t, "199001012015031001", "DINKES", "Perawat")
	outsider := f.person(t, "199001012015031002", "DINKES", "Perawat")
	if _, err := docs.Update(ctx, f.s.docs.C(collUsers), mate.NIP, func(u *User) error { u.SupervisorNIP = boss.NIP; return nil }); err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		in    AssignmentInput
		field string
	}{
		{AssignmentInput{CourseID: f.course, NIPs: []string{mate.NIP}, Due: time.Now().Add(-time.Hour).Format(time.RFC3339)}, "due"},
		{AssignmentInput{CourseID: f.course, NIPs: []string{mate.NIP}, Due: "besok"}, "due"},
		{AssignmentInput{CourseID: f.course, Due: due}, "nips"},
		{AssignmentInput{NIPs: []string{mate.NIP}, Due: due}, "course_id"},
		{AssignmentInput{CourseID: f.course, PathID: "p1", NIPs: []string{mate.NIP}, Due: due}, "path_id"},
		{AssignmentInput{CourseID: f.course, Units: []string{"NOPE"}, Due: due}, "units"},
		{AssignmentInput{CourseID: "nope", NIPs: []string{mate.NIP}, Due: due}, "course_id"},
		{AssignmentInput{CourseID: f.course, NIPs: []string{"123"}, Due: due}, "nips"},
	} {
		_, _, err := f.s.Assign(ctx, f.admin, tc.in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[tc.field].Code == "" {
			t.Errorf("%+v: %v, want an error on %s", tc.in, err, tc.field)
		}
	}
	if _, n, err := f.s.Assign(ctx, boss, AssignmentInput{CourseID: f.course, NIPs: []string{mate.NIP}, Due: due}); err != nil || n != 1 {
		t.Fatalf("atasan to their team: %d, %v", n, err)
	}
	for _, in := range []AssignmentInput{
		{CourseID: f.course, NIPs: []string{mate.NIP, outsider.NIP}, Due: due},
		{CourseID: f.course, Units: []string{"DINKES"}, Due: due},
	} {
		if _, _, err := f.s.Assign(ctx, boss, in); !errors.Is(err, ErrForbidden) {
			t.Errorf("atasan outside the team %+v: %v", in, err)
		}
	}
	if _, _, err := f.s.Assign(ctx, mate, AssignmentInput{CourseID: f.course, NIPs: []string{outsider.NIP}, Due: due}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a learner assigned: %v", err)
	}
	if got := f.assignedTo(t, "x"); len(got) != 0 {
		t.Errorf("stray records: %v", got)
	}
}

// TestSweepFinishesAnInterruptedFanOut: an instance that stopped after
// storing an assignment and before reaching everyone leaves it pending;
// once the fan-out's window has passed, the sweep reaches the rest.
func TestSweepFinishesAnInterruptedFanOut(t *testing.T) {
	f := newAssignFixture(t)
	ctx := context.Background()
	a1 := f.person(t, "199001012015031001", "DINKES", "Perawat")
	a2 := f.person(t, "199001012015031002", "DINKES.YANKES", "Analis")
	// What the instance wrote before it stopped: the assignment, pending.
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := Assignment{ID: "a-interrupted", Course: f.course, Title: "Etika ASN", Units: []string{"DINKES"},
		Due: now.Add(72 * time.Hour), By: f.admin.NIP, Created: now, Active: true, Pending: true}
	if err := f.s.docs.C(collAssignments).Insert(ctx, a.ID, &a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.assignedTo(t, a.ID); len(got) != 0 {
		t.Fatalf("the sweep took over a fan-out still within its window: %v", got)
	}
	f.s.SetClock(func() time.Time { return time.Now().Add(fanOutWindow + time.Minute) })
	for range 2 { // a second sweep finds nothing left
		if _, err := f.s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.assignedTo(t, a.ID); !slices.Equal(got, []string{a1.NIP, a2.NIP}) {
		t.Fatalf("after the sweep: %v", got)
	}
	var after Assignment
	if _, err := f.s.docs.C(collAssignments).Get(ctx, a.ID, &after); err != nil || after.Pending {
		t.Fatalf("still pending (%v)", err)
	}
	// A later joiner follows it, as if the fan-out had never stopped.
	late := f.person(t, "199001012015031003", "DINKES.YANKES", "Analis")
	if got := f.assignedTo(t, a.ID); !slices.Contains(got, late.NIP) {
		t.Fatalf("a later joiner missed the resumed assignment: %v", got)
	}
}
