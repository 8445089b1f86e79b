package content

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

// needsFixture: DISDUK with a sub-unit DISDUK.A and another unit, SKM
// aggregates for both DISDUK units, two people assessed, ledger credits,
// and published courses tagged for U3, U6 and a gap.
type needsFixture struct {
	assignFixture
	courseU3, courseU6, courseU7 string
}

const (
	nfAtasan = "198001012005011002"
	nfP1     = "199001012015031011" // DISDUK.A, 8 JP, gap 1 on manajemen-waktu (latest)
	nfP2     = "199001012015031012" // DISDUK, 24 JP, gap 2 on manajemen-waktu
	nfP3     = "199001012015031013" // OTHER, a gap outside the scope
)

// tenResponses are ten responses' sums with element sums u1…u9 of
// 32 32 25 32 32 27 31 31 32: means 3.2 3.2 2.5 3.2 3.2 2.7 3.1 3.1 3.2.
func tenResponses() ikm.Sums {
	s := ikm.Sums{Responses: 10}
	for i, v := range []int{32, 32, 25, 32, 32, 27, 31, 31, 32} {
		s.Sum[i], s.N[i] = v, 10
	}
	return s
}

func putSKMMonth(t *testing.T, s *Service, service, unit, month string, sums ikm.Sums) {
	t.Helper()
	m := skmMonth{Service: service, Unit: unit, Month: month, Year: 2026, Sums: sums}
	if err := s.docs.C(collSKMMonths).Insert(context.Background(), skmMonthID(service, month), &m); err != nil {
		t.Fatal(err)
	}
}

func putAssessment(t *testing.T, s *Service, nip, unit, period string, year int, at time.Time, levels ...CompetencyGap) {
	t.Helper()
	a := Assessment{ID: assessmentID(nip, period), User: nip, Unit: unit, Period: period, Year: year, Levels: levels, By: nfAtasan, At: at}
	if err := s.docs.C(collAssessments).Insert(context.Background(), a.ID, &a); err != nil {
		t.Fatal(err)
	}
}

func (f needsFixture) tagCourse(t *testing.T, title string, tags ...string) string {
	t.Helper()
	ctx := context.Background()
	tr := User{NIP: "198703212012032002", Roles: []string{RoleTrainer}}
	c, err := f.s.CreateCourse(ctx, tr, CourseInput{Title: ptr(title), Category: ptr("Teknis"), JP: ptr(4)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.s.AddModule(ctx, tr, c.ID, ModuleInput{Title: "Modul"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddLesson(ctx, tr, c.ID, m.ID, LessonInput{Title: ptr("Bacaan"), Kind: ptr(KindText), Body: ptr("Isi.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetStatus(ctx, tr, c.ID, StatusPublished); err != nil {
		t.Fatal(err)
	}
	if _, err := docs.Update(ctx, f.s.docs.C(collCourses), c.ID, func(x *Course) error { x.Competencies = tags; return nil }); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func newNeedsFixture(t *testing.T) needsFixture {
	t.Helper()
	f := needsFixture{assignFixture: newAssignFixture(t)}
	s, ctx := f.s, context.Background()
	// 2026-06-15 in Kotalama.
	s.SetClock(func() time.Time { return time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC) })
	for _, u := range []struct{ code, parent string }{{"DISDUK", ""}, {"DISDUK.A", "DISDUK"}, {"OTHER", ""}} {
		if _, err := s.PutUnit(ctx, f.admin, u.code, UnitInput{Name: "Unit " + u.code, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	f.person(t, nfAtasan, "DISDUK", "Kepala Seksi")
	for _, p := range []struct{ nip, unit string }{{nfP1, "DISDUK.A"}, {nfP2, "DISDUK"}, {nfP3, "OTHER"}} {
		f.person(t, p.nip, p.unit, "Pelaksana")
	}
	if _, err := docs.Update(ctx, s.docs.C(collUsers), nfP1, func(u *User) error { u.SupervisorNIP = nfAtasan; return nil }); err != nil {
		t.Fatal(err)
	}
	putSKMMonth(t, s, "svc-ktp", "DISDUK", "2026-03", tenResponses())
	putSKMMonth(t, s, "svc-kk", "DISDUK.A", "2026-04", tenResponses())
	putSKMMonth(t, s, "svc-old", "DISDUK", "2025-12", ikm.Sums{Responses: 50}) // another year
	var good ikm.Sums
	good.Add([ikm.Elements]int{4, 4, 4, 4, 4, 4, 4, 4, 4})
	putSKMMonth(t, s, "svc-x", "OTHER", "2026-02", good)
	feb, jun := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	putAssessment(t, s, nfP1, "DISDUK.A", "2026-S0", 2026, feb, CompetencyGap{Tag: "manajemen-waktu", Level: 1, Required: 3})
	putAssessment(t, s, nfP1, "DISDUK.A", "2026-S1", 2026, jun,
		CompetencyGap{Tag: "manajemen-waktu", Level: 2, Required: 3}, CompetencyGap{Tag: "kompetensi-teknis", Level: 3, Required: 3})
	putAssessment(t, s, nfP2, "DISDUK", "2026", 2026, feb, CompetencyGap{Tag: "Manajemen-Waktu", Level: 1, Required: 3})
	putAssessment(t, s, nfP2, "DISDUK", "2025", 2025, feb.AddDate(-1, 0, 0), CompetencyGap{Tag: "etika-pelayanan", Level: 1, Required: 4})
	putAssessment(t, s, nfP3, "OTHER", "2026", 2026, feb, CompetencyGap{Tag: "manajemen-waktu", Level: 1, Required: 4})
	for _, e := range []JPEntry{
		{User: nfP1, Name: "P1", Unit: "DISDUK.A", Source: SourceEvent, Ref: "e1", JP: 8, At: feb},
		{User: nfP2, Name: "P2", Unit: "DISDUK", Source: SourceEvent, Ref: "e1", JP: 16, At: feb},
		{User: nfP2, Name: "P2", Unit: "DISDUK", Source: SourceEvent, Ref: "e2", JP: 8, At: jun},
	} {
		if _, err := s.CreditJP(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	f.courseU3 = f.tagCourse(t, "Manajemen Waktu Pelayanan", "manajemen-waktu")
	f.courseU6 = f.tagCourse(t, "Kompetensi Teknis Petugas", "Kompetensi-Teknis")
	f.courseU7 = f.tagCourse(t, "Etika Pelayanan", "etika-pelayanan")
	return f
}

func findUnit(t *testing.T, us []UnitNeeds, code string) UnitNeeds {
	t.Helper()
	for _, u := range us {
		if u.Code == code {
			return u
		}
	}
	t.Fatalf("no unit %s in %+v", code, us)
	return UnitNeeds{}
}

// TestNeedsByHand: numbers worked out by hand. DISDUK (with DISDUK.A)
// has 20 responses with means 3.2 3.2 2.5 3.2 3.2 2.7 3.1 3.1 3.2: IKM
// (27.4 / 9) × 25 = 76.11, grade C; U3 (2.5 → 62.5, D) and U6 (2.7 →
// 67.5, C) are the weakest and fire their rules (C or worse), U7 (3.1 →
// 77.5, B) does not. Gaps from each person's latest assessment of the
// year: manajemen-waktu, P1 1 (June, not February's 2) and P2 2, so 2
// people, mean 1.5. JP: the atasan (0) and P1 (8) are below 20, P2 (24)
// is not.
func TestNeedsByHand(t *testing.T) {
	f := newNeedsFixture(t)
	ctx := context.Background()
	n, err := f.s.NeedsOf(ctx, f.admin, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	d := findUnit(t, n.Units, "DISDUK")
	if d.Responses != 20 || d.IKM != 76.11 || d.Grade != "C" || d.Label != "Kurang Baik" {
		t.Fatalf("DISDUK: %d responses, IKM %v %s %s", d.Responses, d.IKM, d.Grade, d.Label)
	}
	if len(d.Weakest) != 3 || d.Weakest[0] != (ElementScore{"u3", 2.5, "D"}) || d.Weakest[1] != (ElementScore{"u6", 2.7, "C"}) || d.Weakest[2].Element != "u7" {
		t.Fatalf("weakest %+v", d.Weakest)
	}
	if len(d.Gaps) != 1 || d.Gaps[0].Tag != "manajemen-waktu" || d.Gaps[0].People != 2 || d.Gaps[0].MeanGap != 1.5 || d.Gaps[0].Assessed != 2 {
		t.Fatalf("gaps %+v", d.Gaps)
	}
	if d.Members != 3 || d.BelowJP != 2 || d.Overdue != 0 {
		t.Fatalf("members %d below %d overdue %d", d.Members, d.BelowJP, d.Overdue)
	}
	// Recommendations: U3, then U6, then the gap; U7 is graded B.
	var keys []string
	for _, r := range d.Recommended {
		keys = append(keys, r.Reason.Key())
	}
	if !slices.Equal(keys, []string{"skm:u3", "skm:u6", "gap:manajemen-waktu"}) {
		t.Fatalf("recommendations %v", keys)
	}
	r0, r1 := d.Recommended[0], d.Recommended[1]
	if r0.Reason.Grade != "D" || r0.Reason.Mean != 2.5 || len(r0.Courses) != 1 || r0.Courses[0].ID != f.courseU3 {
		t.Fatalf("U3 recommendation %+v", r0)
	}
	if r1.Reason.Grade != "C" || r1.Reason.Mean != 2.7 || len(r1.Courses) != 1 || r1.Courses[0].ID != f.courseU6 {
		t.Fatalf("U6 recommendation %+v", r1)
	}
	if g := d.Recommended[2]; g.Reason.People != 2 || g.Reason.MeanGap != 1.5 || g.Courses[0].ID != f.courseU3 {
		t.Fatalf("gap recommendation %+v", g)
	}
	// The months: March from DISDUK, April from DISDUK.A.
	if d.Months[2].Responses != 10 || d.Months[3].Responses != 10 || d.Months[2].IKM != 76.11 || d.Months[0].Responses != 0 {
		t.Fatalf("months %+v", d.Months)
	}
	// The sub-unit alone: its own aggregates, P1 only.
	a := findUnit(t, n.Units, "DISDUK.A")
	if a.Responses != 10 || a.Members != 1 || a.BelowJP != 1 || len(a.Gaps) != 1 || a.Gaps[0].People != 1 || a.Gaps[0].MeanGap != 1 {
		t.Fatalf("DISDUK.A %+v", a)
	}
	o := findUnit(t, n.Units, "OTHER")
	if o.Grade != "A" || len(o.Recommended) != 1 || o.Recommended[0].Reason.Key() != "gap:manajemen-waktu" {
		t.Fatalf("OTHER %+v", o)
	}
	if n.City == nil || n.City.Responses != 21 {
		t.Fatalf("city %+v", n.City)
	}
	// One unit's view: it, rolled up, and the units right below it.
	one, err := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if one.Unit == nil || one.Unit.IKM != 76.11 || len(one.Units) != 1 || one.Units[0].Code != "DISDUK.A" {
		t.Fatalf("unit view %+v", one)
	}
	if !slices.Equal(one.Unit.BelowJPPeople, []string{nfAtasan, nfP1}) {
		t.Fatalf("below JP %v", one.Unit.BelowJPPeople)
	}
	if _, err := f.s.NeedsOf(ctx, f.admin, "NOPE", 2026); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown unit: %v", err)
	}
	if _, err := f.s.NeedsOf(ctx, User{NIP: nfAtasan}, "", 2026); !errors.Is(err, ErrForbidden) {
		t.Fatalf("atasan on the city: %v", err)
	}
}

// TestNeedsOverdueAndCache: an assignment past due shows as overdue in
// its unit once the cached result expires; the atasan's team view
// counts their team only.
func TestNeedsOverdueAndTeam(t *testing.T) {
	f := newNeedsFixture(t)
	ctx := context.Background()
	if _, _, err := f.s.Assign(ctx, f.admin, AssignmentInput{CourseID: f.courseU3, NIPs: []string{nfP1, nfP2}, Due: "2026-06-20"}); err != nil {
		t.Fatal(err)
	}
	before, err := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026)
	if err != nil || before.Unit.Overdue != 0 {
		t.Fatalf("%v %+v", err, before.Unit)
	}
	f.s.SetClock(func() time.Time { return time.Date(2026, 6, 25, 3, 0, 0, 0, time.UTC) })
	after, err := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026)
	if err != nil || after.Unit.Overdue != 2 || findUnit(t, after.Units, "DISDUK.A").Overdue != 1 {
		t.Fatalf("%v %+v", err, after.Unit)
	}
	tn, err := f.s.TeamNeeds(ctx, User{NIP: nfAtasan}, 2026)
	if err != nil {
		t.Fatal(err)
	}
	tm := tn.Team
	// The team is P1 in DISDUK.A: that unit's SKM, P1's gap, JP and overdue.
	if tm.Members != 1 || tm.BelowJP != 1 || tm.Overdue != 1 || tm.Responses != 10 || len(tm.Gaps) != 1 || tm.Gaps[0].People != 1 {
		t.Fatalf("team %+v", tm)
	}
	if _, err := f.s.TeamNeeds(ctx, User{NIP: nfP2}, 2026); !errors.Is(err, ErrForbidden) {
		t.Fatalf("no team: %v", err)
	}
}

// TestNeedsRules: defaults, a bad element code and an unknown grade named
// by field with nothing written, and an edit that changes what fires.
func TestNeedsRules(t *testing.T) {
	f := newNeedsFixture(t)
	ctx := context.Background()
	r, err := f.s.NeedsRules(ctx)
	if err != nil || len(r.Elements) != 9 || r.Elements[2].Tags[0] != "manajemen-waktu" || r.Elements[5].Tags[0] != "kompetensi-teknis" || r.Elements[6].Tags[0] != "etika-pelayanan" {
		t.Fatalf("defaults %v %+v", err, r)
	}
	_, err = f.s.SetNeedsRules(ctx, f.admin, []NeedsRule{{Element: "u3", Tags: []string{"x"}, Trigger: "C"}, {Element: "u10", Trigger: "C"}, {Element: "u6", Trigger: "E"}})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["elements[1].element"].Code != "needs.element" || ve.Fields["elements[2].trigger"].Code != "needs.grade" {
		t.Fatalf("bad rules: %v", err)
	}
	if r, _ := f.s.NeedsRules(ctx); r.Elements[2].Tags[0] != "manajemen-waktu" {
		t.Fatal("a refused edit was written")
	}
	if _, err := f.s.SetNeedsRules(ctx, User{NIP: nfAtasan}, nil); !errors.Is(err, ErrForbidden) {
		t.Fatalf("non-admin: %v", err)
	}
	// U7 at B fires once its trigger is B; U3 stops once it has no tags.
	r, err = f.s.SetNeedsRules(ctx, f.admin, []NeedsRule{{Element: "U7", Tags: []string{" Etika-Pelayanan "}, Trigger: "b"}, {Element: "u6", Tags: []string{"kompetensi-teknis"}, Trigger: "C"}})
	if err != nil || r.Elements[6].Tags[0] != "etika-pelayanan" || r.Elements[6].Trigger != "B" || len(r.Elements[2].Tags) != 0 {
		t.Fatalf("%v %+v", err, r)
	}
	n, err := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, rec := range n.Unit.Recommended {
		keys = append(keys, rec.Reason.Key())
	}
	if !slices.Equal(keys, []string{"skm:u6", "skm:u7", "gap:manajemen-waktu"}) || n.Unit.Recommended[1].Courses[0].ID != f.courseU7 {
		t.Fatalf("after the edit: %v", keys)
	}
}

// TestNeedsAssign: a weak element assigns the unit (and below); a gap its
// people only; the due date is checked before anything is written; an
// atasan acts on their team and not on a unit; a mentor is paired with
// each person through the mentoring feature's function.
func TestNeedsAssign(t *testing.T) {
	f := newNeedsFixture(t)
	ctx := context.Background()
	res, err := f.s.NeedsAssign(ctx, f.admin, NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: f.courseU6, Due: "2026-07-31", Reason: "U6: C"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.assignedTo(t, res.Assignment.ID); !slices.Equal(got, []string{nfAtasan, nfP1, nfP2}) || res.Assigned != 3 || res.Assignment.Reason != "U6: C" {
		t.Fatalf("assigned %v %+v", got, res)
	}
	res, err = f.s.NeedsAssign(ctx, f.admin, NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "gap:manajemen-waktu", CourseID: f.courseU3, Due: "2026-07-31"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.assignedTo(t, res.Assignment.ID); !slices.Equal(got, []string{nfP1, nfP2}) {
		t.Fatalf("gap assigned %v", got)
	}
	var ve *ValidationError
	for _, c := range []struct {
		in    NeedsAssignInput
		field string
	}{
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: f.courseU6, Due: "2026-06-01"}, "due"},
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: f.courseU6, Due: "31/07/2026"}, "due"},
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: f.courseU6}, "due"},
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u10", CourseID: f.courseU6, Due: "2026-07-31"}, "because"},
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "gap:etika-pelayanan", CourseID: f.courseU7, Due: "2026-07-31"}, "because"},
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: "nope", Due: "2026-07-31"}, "course_id"},
		{NeedsAssignInput{Year: 2026, Because: "skm:u6", CourseID: f.courseU6, Due: "2026-07-31"}, "unit"},
		{NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: f.courseU6, Due: "2026-07-31", Mentor: nfP3}, "mentor"},
	} {
		_, err := f.s.NeedsAssign(ctx, f.admin, c.in)
		if !errors.As(err, &ve) || ve.Fields[c.field].Code == "" {
			t.Errorf("%+v: %v, want a %s error", c.in, err, c.field)
		}
	}
	n, _ := f.s.docs.C(collAssignments).Count(ctx, docs.Query{})
	if n != 2 {
		t.Fatalf("%d assignments after refused actions, want 2", n)
	}
	atasan, err := f.s.User(ctx, nfAtasan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.NeedsAssign(ctx, atasan, NeedsAssignInput{Year: 2026, Unit: "DISDUK", Because: "skm:u6", CourseID: f.courseU6, Due: "2026-07-31"}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("atasan on a unit: %v", err)
	}
	// The mentor option pairs each person with the mentor, as the atasan.
	if _, err := docs.Update(ctx, f.s.docs.C(collUsers), nfP3, func(u *User) error { u.Roles = append(u.Roles, RoleMentor); return nil }); err != nil {
		t.Fatal(err)
	}
	res, err = f.s.NeedsAssign(ctx, atasan, NeedsAssignInput{Year: 2026, Team: true, Because: "gap:manajemen-waktu", CourseID: f.courseU3, Due: "2026-07-31", Reason: "kesenjangan", Mentor: nfP3})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.assignedTo(t, res.Assignment.ID); !slices.Equal(got, []string{nfP1}) || res.Paired != 1 {
		t.Fatalf("team assigned %v %+v", got, res)
	}
	pairs, _, err := docs.FindAll[Mentorship](ctx, f.s.docs.C(collMentorships), docs.Query{Where: []docs.Eq{{Field: "mentee", Value: nfP1}}, Sort: "created"})
	if err != nil || len(pairs) != 1 || pairs[0].Mentor != nfP3 || pairs[0].Goal != "kesenjangan" || pairs[0].By != nfAtasan ||
		!pairs[0].Ends.In(jakarta).Truncate(24*time.Hour).Equal(res.Assignment.Due.In(jakarta).Truncate(24*time.Hour)) {
		t.Fatalf("pairings %+v (%v)", pairs, err)
	}
}

// TestNeedsServedWhileRecomputed: within NeedsMaxAge the kept result is
// served; after it, the kept result is still served at once while one
// recomputation runs, and the fresh figures follow; a change made here
// (the rules) drops what was kept.
func TestNeedsServedWhileRecomputed(t *testing.T) {
	f := newNeedsFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
	f.s.SetClock(func() time.Time { return at })
	first, err := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026)
	if err != nil || first.Unit.Responses != 20 {
		t.Fatalf("%v %+v", err, first.Unit)
	}
	putSKMMonth(t, f.s, "svc-new", "DISDUK", "2026-05", tenResponses())
	if n, _ := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026); n.Unit.Responses != 20 {
		t.Fatalf("within the max age: %d responses", n.Unit.Responses)
	}
	f.s.SetClock(func() time.Time { return at.Add(NeedsMaxAge + time.Second) })
	if n, _ := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026); n.Unit.Responses != 20 || !n.ComputedAt.Equal(first.ComputedAt) {
		t.Fatalf("after the max age, the kept result first: %d", n.Unit.Responses)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026)
		if err != nil {
			t.Fatal(err)
		}
		if n.Unit.Responses == 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recomputed figures never came")
		}
		time.Sleep(10 * time.Millisecond)
	}
	putSKMMonth(t, f.s, "svc-newer", "DISDUK", "2026-05", tenResponses())
	if _, err := f.s.SetNeedsRules(ctx, f.admin, DefaultNeedsRules().Elements); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.s.NeedsOf(ctx, f.admin, "DISDUK", 2026); n.Unit.Responses != 40 {
		t.Fatalf("after a rules change: %d", n.Unit.Responses)
	}
}
