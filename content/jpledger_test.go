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

// ledgerOf reads every entry of the ledger, in id order.
func ledgerOf(t *testing.T, s *Service) map[string]JPEntry {
	t.Helper()
	out := map[string]JPEntry{}
	q := docs.Query{Limit: 500}
	for {
		p, err := s.docs.C(collJPLedger).Find(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		es, err := docs.Decode[JPEntry](p)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range p.Docs {
			out[d.ID] = es[i]
		}
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

// TestLedgerWrittenOnceUnderConcurrentCompletion: two instances complete
// the same enrolment at the same moment (the learner's "done" reaching
// both); the ledger holds one entry for it, with the enrolment's dates,
// the certificate and the unit, and the year's total counts it once.
func TestLedgerWrittenOnceUnderConcurrentCompletion(t *testing.T) {
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			f := newFleet(t, 2)
			a, b := f.svcs[0], f.svcs[1]
			ctx := context.Background()
			_, learner, c, lesson := learningCourse(t, a)
			if _, err := docs.Update(ctx, a.docs.C(collUsers), learner.NIP, func(u *User) error { u.Unit = "DINKES"; return nil }); err != nil {
				t.Fatal(err)
			}
			if _, err := a.ViewLesson(ctx, learner, lesson.ID); err != nil {
				t.Fatal(err)
			}
			f.advance(maxReadTime + time.Second)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, s := range []*Service{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.RecordProgress(ctx, learner, lesson.ID, ProgressInput{Done: true})
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			all := ledgerOf(t, a)
			if len(all) != 1 {
				t.Fatalf("ledger has %d entries, want 1: %v", len(all), all)
			}
			en, err := a.Enrollment(ctx, learner.NIP, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			e, ok := all[ledgerID(SourceCourse, c.ID, learner.NIP)]
			if !ok {
				t.Fatalf("entry not keyed by its source: %v", all)
			}
			want := JPEntry{User: learner.NIP, Name: learner.Name, Year: a.CurrentYear(), Source: SourceCourse, Ref: c.ID,
				Title: c.Title, JP: 4, At: en.Completed, Unit: "DINKES", Started: en.Created, Organiser: Issuer, Certificate: en.Certificate}
			e.Created = time.Time{}
			if en.Certificate == "" || fmt.Sprint(e) != fmt.Sprint(want) {
				t.Errorf("entry\n got %+v\nwant %+v", e, want)
			}
			for _, s := range []*Service{a, b} {
				jp, err := s.JPFor(ctx, learner.NIP, s.CurrentYear())
				if err != nil || jp.Total != 4 || len(jp.Entries) != 1 || len(jp.Credits) != 1 {
					t.Errorf("JPFor: %+v, %v", jp, err)
				}
			}
			// A later report on the completed course writes nothing more.
			if _, err := b.RecordProgress(ctx, learner, lesson.ID, ProgressInput{Done: true}); err != nil {
				t.Fatal(err)
			}
			if n := len(ledgerOf(t, a)); n != 1 {
				t.Errorf("after another report: %d entries", n)
			}
		})
	}
}

// TestCreditJP: events and mentoring credit through CreditJP: once per
// source and reference, the person's name and unit filled in, the year
// taken in WIB (31 December 20:00 UTC is already the new year), bad
// input refused by field.
func TestCreditJP(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, NewUser{NIP: "199001012015031001", Name: "Peserta", Unit: "BKPSDM", Password: "kata-sandi-rahasia-2"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, false} {
		created, err := s.CreditJP(ctx, JPEntry{User: u.NIP, Source: SourceEvent, Ref: "ev1", Title: "Workshop SPM", JP: 3, At: at, Kind: "workshop"})
		if err != nil || created != want {
			t.Fatalf("credit %d: created %v, %v", i, created, err)
		}
	}
	es, err := s.JPEntries(ctx, u.NIP, 2026)
	if err != nil || len(es) != 1 || es[0].Unit != "BKPSDM" || es[0].Name != "Peserta" || es[0].Year != 2026 {
		t.Fatalf("entries %+v, %v", es, err)
	}
	if es, _ := s.JPEntries(ctx, u.NIP, 2025); len(es) != 0 {
		t.Errorf("2025 has %v", es)
	}
	for _, bad := range []struct {
		e     JPEntry
		field string
	}{
		{JPEntry{Source: SourceEvent, Ref: "x", JP: 1}, "nip"},
		{JPEntry{User: u.NIP, Source: "gift", Ref: "x", JP: 1}, "source"},
		{JPEntry{User: u.NIP, Source: SourceMentoring, JP: 1}, "ref"},
		{JPEntry{User: u.NIP, Source: SourceMentoring, Ref: "s1", JP: 0}, "jp"},
		{JPEntry{User: u.NIP, Source: SourceMentoring, Ref: "s1", JP: maxEntryJP + 1}, "jp"},
	} {
		_, err := s.CreditJP(ctx, bad.e)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[bad.field].Code == "" {
			t.Errorf("%+v: %v, want a %s error", bad.e, err, bad.field)
		}
	}
	if n := len(ledgerOf(t, s)); n != 1 {
		t.Errorf("%d entries after refused credits", n)
	}
}

// pausingStore fails the enrolments' Find after a number of calls, as if
// the instance migrating had stopped there.
type pausingStore struct {
	docs.Store
	finds, failAt atomic.Int32
}

type pausingColl struct {
	docs.Collection
	s *pausingStore
}

func (s *pausingStore) C(name string) docs.Collection {
	if name != collEnrollments {
		return s.Store.C(name)
	}
	return pausingColl{s.Store.C(name), s}
}

func (c pausingColl) Find(ctx context.Context, q docs.Query) (docs.Page, error) {
	n := c.s.finds.Add(1)
	if at := c.s.failAt.Load(); at > 0 && n >= at {
		return docs.Page{}, errors.New("instance stopped")
	}
	return c.Collection.Find(ctx, q)
}

// TestMigrateJPLedger: completions from before the ledger (enrolments
// written without entries) are migrated: one entry each, none for the
// unfinished or JP-less; a second run writes nothing; a run that stops
// half way resumes where it stopped; with the ledger emptied, running it
// twice again gives the same totals and no duplicates.
func TestMigrateJPLedger(t *testing.T) {
	old := migrateBatch
	migrateBatch = 7
	t.Cleanup(func() { migrateBatch = old })
	f := newFleet(t, 1)
	base := f.svcs[0]
	ps := &pausingStore{Store: f.store}
	s, err := New(ps, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	trainer, _, _, _ := learningCourse(t, base)
	var courses []Course
	for i, jp := range []int{2, 3, 1} {
		title, cat := fmt.Sprintf("Kursus %d", i), "Teknis"
		c, err := base.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
		if err != nil {
			t.Fatal(err)
		}
		courses = append(courses, c)
	}
	const people = 9
	done := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	want, wantTotal := 0, map[string]int{}
	for i := range people {
		nip := fmt.Sprintf("1991020220160320%02d", i)
		unit := []string{"DINKES", "DISDIK"}[i%2]
		if err := base.docs.C(collUsers).Insert(ctx, nip, &User{NIP: nip, Name: fmt.Sprintf("Anggota %02d", i), Unit: unit}); err != nil {
			t.Fatal(err)
		}
		for j, c := range courses {
			e := Enrollment{User: nip, Course: c.ID, Created: done.Add(-48 * time.Hour), Lessons: map[string]LessonProgress{}}
			if (i+j)%4 != 3 { // some unfinished
				e.Completed, e.JP, e.JPYear, e.Certificate = done.Add(time.Duration(i)*time.Hour), c.JP, 2025, fmt.Sprintf("cert%02d%d", i, j)
				if j == 2 {
					e.JP = 0 // completed before the course had JP: nothing to credit
				} else {
					want++
					wantTotal[nip] += c.JP
				}
			}
			if err := base.docs.C(collEnrollments).Insert(ctx, enrollmentID(nip, c.ID), &e); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(label string) {
		t.Helper()
		all := ledgerOf(t, base)
		if len(all) != want {
			t.Errorf("%s: %d entries, want %d", label, len(all), want)
		}
		for nip, total := range wantTotal {
			jp, err := base.JPFor(ctx, nip, 2025)
			if err != nil || jp.Total != total {
				t.Errorf("%s: %s has %d JP (%v), want %d", label, nip, jp.Total, err, total)
			}
		}
	}
	// Stopped on the third page: two pages written and their place saved.
	ps.failAt.Store(3)
	n1, err := s.MigrateJPLedger(ctx, nil)
	if err == nil || n1 <= 0 || n1 >= want {
		t.Fatalf("stopped run: wrote %d, %v", n1, err)
	}
	var cp ledgerCheckpoint
	if _, err := base.docs.C(collSettings).Get(ctx, ledgerCheckpointKey, &cp); err != nil || cp.After == "" || cp.Seen != 2*migrateBatch {
		t.Fatalf("checkpoint %+v, %v", cp, err)
	}
	ps.failAt.Store(0)
	ps.finds.Store(0)
	n2, err := s.MigrateJPLedger(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	completions := 0
	for i := range people {
		for j := range courses {
			if (i+j)%4 != 3 {
				completions++
			}
		}
	}
	pages := (completions + migrateBatch - 1) / migrateBatch
	if got := int(ps.finds.Load()); got != pages-2 {
		t.Errorf("resumed run read %d pages, want %d (the rest)", got, pages-2)
	}
	if n1+n2 != want {
		t.Errorf("runs wrote %d + %d, want %d", n1, n2, want)
	}
	check("migrated")
	// Again: nothing new.
	if n, err := s.MigrateJPLedger(ctx, nil); err != nil || n != 0 {
		t.Errorf("second run wrote %d, %v", n, err)
	}
	check("second run")
	// Emptied, then run twice: the same ledger.
	for id := range ledgerOf(t, base) {
		if err := base.docs.C(collJPLedger).Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for i, wantN := range []int{want, 0} {
		if n, err := s.MigrateJPLedger(ctx, nil); err != nil || n != wantN {
			t.Errorf("run %d after emptying: wrote %d, %v; want %d", i, n, err, wantN)
		}
	}
	check("after emptying")
	// Migrated entries carry what SIASN wants.
	e := ledgerOf(t, base)[ledgerID(SourceCourse, courses[1].ID, "199102022016032001")]
	if e.Title != "Kursus 1" || e.Unit != "DISDIK" || e.Organiser != Issuer || e.Certificate != "cert011" ||
		!e.Started.Equal(done.Add(-48*time.Hour)) || e.Year != 2025 || e.Name != "Anggota 01" {
		t.Errorf("migrated entry %+v", e)
	}
}

// TestUnitJPRollsUpSubUnits: the unit report counts a unit and every unit
// below it, by the unit a credit was earned in; someone who earned JP in
// the tree and moved out still shows with those credits; a unit beside
// the tree is not counted.
func TestUnitJPRollsUpSubUnits(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	admin := User{NIP: "197001011990031001", Roles: []string{RoleAdmin}}
	for _, u := range []struct{ code, parent string }{{"DINKES", ""}, {"DINKES-YANKES", "DINKES"}, {"DINKES-YANKES-RS", "DINKES-YANKES"}, {"DISDIK", ""}} {
		if _, err := s.PutUnit(ctx, admin, u.code, UnitInput{Name: u.code, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	people := []struct {
		nip, unit string
		jp        int
	}{
		{"199001012015031001", "DINKES", 5},
		{"199001012015031002", "DINKES-YANKES", 21},
		{"199001012015031003", "DINKES-YANKES-RS", 8},
		{"199001012015031004", "DISDIK", 30},
		{"199001012015031005", "DINKES-YANKES-RS", 0},
	}
	for _, p := range people {
		if _, err := s.CreateUser(ctx, NewUser{NIP: p.nip, Name: "P" + p.nip[16:], Unit: p.unit, Password: "kata-sandi-rahasia-2"}); err != nil {
			t.Fatal(err)
		}
		if p.jp > 0 {
			if _, err := s.CreditJP(ctx, JPEntry{User: p.nip, Source: SourceEvent, Ref: "ev-" + p.nip, Title: "Seminar", JP: p.jp}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 004 earned 6 JP in the hospital, then moved to DISDIK.
	if _, err := s.CreditJP(ctx, JPEntry{User: "199001012015031004", Name: "P04", Unit: "DINKES-YANKES-RS", Source: SourceCourse, Ref: "c1", Title: "K", JP: 6}); err != nil {
		t.Fatal(err)
	}
	year := s.CurrentYear()
	rows, err := s.UnitJP(ctx, admin, "DINKES", year)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]UnitJPRow{}
	for _, r := range rows {
		got[r.NIP] = r
	}
	if len(rows) != 5 || got["199001012015031001"].JP != 5 || got["199001012015031002"].JP != 21 || !got["199001012015031002"].Reached ||
		got["199001012015031003"].JP != 8 || got["199001012015031005"].JP != 0 || !got["199001012015031005"].Member ||
		got["199001012015031004"].JP != 6 || got["199001012015031004"].Member || got["199001012015031004"].Unit != "DINKES-YANKES-RS" {
		t.Fatalf("rows %+v", rows)
	}
	totals := RollUp(rows)
	whole := totals[len(totals)-1]
	if whole.JP != 5+21+8+6 || whole.Members != 4 || whole.Reached != 1 {
		t.Errorf("roll-up %+v", totals)
	}
	sub, err := s.UnitJP(ctx, admin, "DINKES-YANKES-RS", year)
	if err != nil || len(sub) != 3 {
		t.Errorf("sub-unit report %+v, %v", sub, err)
	}
	if _, err := s.UnitJP(ctx, User{NIP: "199001012015031001"}, "DINKES", year); !errors.Is(err, ErrForbidden) {
		t.Errorf("learner: %v", err)
	}
	// The export: the tree's credits, and the whole city's.
	count := func(unit string) int {
		n := 0
		if err := s.EachLedgerEntry(ctx, admin, unit, year, func(JPEntry) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b := count("DINKES"), count(""); a != 4 || b != 5 {
		t.Errorf("export rows: tree %d, city %d", a, b)
	}
}
