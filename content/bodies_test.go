package content

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/blobs/fs"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// countingStore counts the Get calls of each collection.
type countingStore struct {
	docs.Store
	mu   sync.Mutex
	gets map[string]int
}

type countingColl struct {
	docs.Collection
	s    *countingStore
	name string
}

func (s *countingStore) C(name string) docs.Collection {
	return countingColl{Collection: s.Store.C(name), s: s, name: name}
}

func (c countingColl) Get(ctx context.Context, id string, v any) (int64, error) {
	c.s.mu.Lock()
	c.s.gets[c.name]++
	c.s.mu.Unlock()
	return c.Collection.Get(ctx, id, v)
}

func (s *countingStore) reset() {
	s.mu.Lock()
	s.gets = map[string]int{}
	s.mu.Unlock()
}

func (s *countingStore) count(coll string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if coll == "" {
		n := 0
		for _, v := range s.gets {
			n += v
		}
		return n
	}
	return s.gets[coll]
}

// fleet is n services (instances) over one counted store, on one clock.
type fleet struct {
	store *countingStore
	svcs  []*Service
	mu    sync.Mutex
	now   time.Time
}

func newFleet(t *testing.T, n int) *fleet {
	t.Helper()
	ctx := context.Background()
	d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), Schemas())
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); d.Close() })
	f := &fleet{store: &countingStore{Store: d, gets: map[string]int{}}, now: time.Now()}
	for range n {
		s, err := New(f.store, b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now })
		f.svcs = append(f.svcs, s)
	}
	return f
}

func (f *fleet) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// learningCourse makes a published course with one text lesson and an
// enrolled learner.
func learningCourse(t *testing.T, s *Service) (trainer, learner User, c Course, lesson Lesson) {
	t.Helper()
	ctx := context.Background()
	var err error
	trainer, err = s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	learner, err = s.CreateUser(ctx, NewUser{NIP: "199001012015031001", Name: "Peserta", Roles: []string{RoleLearner}, Password: "kata-sandi-rahasia-2"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Etika Pelayanan Publik", "Sosial Kultural", 4
	c, err = s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.AddModule(ctx, trainer, c.ID, ModuleInput{Title: "Dasar"})
	if err != nil {
		t.Fatal(err)
	}
	lt, kind, body := "Bacaan", KindText, strings.Repeat("pelayanan publik yang beretika ", 50)
	lesson, err = s.AddLesson(ctx, trainer, c.ID, m.ID, LessonInput{Title: &lt, Kind: &kind, Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = s.SetStatus(ctx, trainer, c.ID, StatusPublished); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Enroll(ctx, learner, c.ID); err != nil {
		t.Fatal(err)
	}
	return trainer, learner, c, lesson
}

// TestCourseDocumentAtLimits: the largest course the domain allows, every
// field at its limit, encodes far below MongoDB's 16 MB document limit, and
// so does the largest lesson body document. With the bodies embedded, as
// before, the same course would not fit.
func TestCourseDocumentAtLimits(t *testing.T) {
	wide := func(runes int) string { return strings.Repeat("𝕏", runes) } // 4 bytes a rune
	ref := strings.Repeat("r", maxRefLen)
	body := strings.Repeat("b", MaxMarkdown)
	caps := make([]Caption, maxCaptions)
	for i := range caps {
		caps[i] = Caption{AssetID: ref, Lang: "abc-ABCDEFGH", Label: wide(40)}
	}
	c := Course{CourseCard: CourseCard{ID: "c" + newID(9), Slug: strings.Repeat("s", 250), Title: wide(200), Summary: wide(500),
		Category: Categories[2], Level: Levels[2], JP: 200, Cover: ref, Minutes: MaxCourseLessons * 24 * 60, Status: StatusPublished,
		Owner: "198703212012032002", Owners: []string{"198703212012032002"}, Created: time.Now(), Updated: time.Now(), Published: time.Now()},
		Description: strings.Repeat("d", 100_000), IndexDue: time.Now(), BodiesV: bodiesV}
	perModule := MaxCourseLessons / 100
	for mi := range 100 {
		m := Module{ID: "m" + newID(6), Title: wide(200)}
		for range perModule {
			m.Lessons = append(m.Lessons, Lesson{ID: c.ID + "-" + newID(6), Title: wide(200), Kind: KindVideo, Body: body,
				BodyHash: bodyHash(body), Words: MaxMarkdown / 2, AssetID: ref, QuizID: ref, Minutes: 24 * 60, Optional: true,
				AutoMinutes: 24 * 60, Captions: caps})
		}
		c.Modules = append(c.Modules, m)
		_ = mi
	}
	embedded, err := docs.Encode(c.ID, &c)
	if err != nil {
		t.Fatal(err)
	}
	externalize(&c, nil) // what a write keeps: the previous version's copy within its budget
	raw, err := docs.Encode(c.ID, &c)
	if err != nil {
		t.Fatal(err)
	}
	bodyDoc, err := docs.Encode(bodyDocID(c.Modules[0].Lessons[0].ID, bodyHash(body)), &lessonBodyDoc{Course: c.ID,
		Lesson: c.Modules[0].Lessons[0].ID, Body: body, Touched: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 16 << 20
	t.Logf("course at the limits (%d modules, %d lessons, %d B bodies): %d B with bodies embedded, %d B now (%.1f%% of 16 MB); a body document %d B",
		100, MaxCourseLessons, MaxMarkdown, len(embedded), len(raw), 100*float64(len(raw))/limit, len(bodyDoc))
	if len(raw) > limit/4 {
		t.Errorf("course document at the limits is %d B, want at most a quarter of 16 MB", len(raw))
	}
	if len(bodyDoc) > limit/16 {
		t.Errorf("lesson body document is %d B", len(bodyDoc))
	}
	if len(embedded) <= limit {
		t.Errorf("with the bodies embedded the course would fit (%d B): the test no longer shows why they moved", len(embedded))
	}
}

// TestLessonLimitPerCourse: a course holds at most MaxCourseLessons.
func TestLessonLimitPerCourse(t *testing.T) {
	f := newFleet(t, 1)
	s, ctx := f.svcs[0], context.Background()
	trainer, _, c, _ := learningCourse(t, s)
	// Fill the stored course to the limit directly: adding a thousand
	// lessons one by one is not what is tested.
	_, err := docs.Update(ctx, s.docs.C(collCourses), c.ID, func(x *Course) error {
		for len(x.Lessons()) < MaxCourseLessons {
			x.Modules[0].Lessons = append(x.Modules[0].Lessons, Lesson{ID: c.ID + "-" + newID(6), Title: "L", Kind: KindVideo})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.courses.forget(c.ID)
	lt, kind := "Satu lagi", KindText
	_, err = s.AddLesson(ctx, trainer, c.ID, c.Modules[0].ID, LessonInput{Title: &lt, Kind: &kind})
	var ve *ValidationError
	if !asValidation(err, &ve) || ve.Fields["lessons"].Code != "course.lessons_max" {
		t.Fatalf("lesson %d: %v, want a lessons field error", MaxCourseLessons+1, err)
	}
	long := strings.Repeat("a", maxRefLen+1)
	_, err = s.UpdateLesson(ctx, trainer, c.Modules[0].Lessons[0].ID, LessonInput{AssetID: &long})
	if !asValidation(err, &ve) || ve.Fields["asset_id"].Code != "too_long" {
		t.Fatalf("asset id of %d bytes: %v", len(long), err)
	}
}

// TestBodiesLiveOutsideTheCourse: a lesson's text is its own document;
// the learner's page and the author's form read it, an edit replaces it
// and the old version goes after bodyGrace, a deleted lesson's goes with it.
func TestBodiesLiveOutsideTheCourse(t *testing.T) {
	f := newFleet(t, 1)
	s, ctx := f.svcs[0], context.Background()
	trainer, learner, c, l := learningCourse(t, s)
	var stored Course
	if _, err := s.docs.C(collCourses).Get(ctx, c.ID, &stored); err != nil {
		t.Fatal(err)
	}
	sl := stored.Modules[0].Lessons[0]
	if stored.BodiesV != bodiesV || sl.BodyHash == "" || sl.Words != 200 {
		t.Fatalf("stored lesson: bodies_v %d, hash %q, words %d", stored.BodiesV, sl.BodyHash, sl.Words)
	}
	v, err := s.ViewLesson(ctx, learner, l.ID)
	if err != nil || !strings.HasPrefix(v.Lesson.Body, "pelayanan publik") {
		t.Fatalf("lesson page body: %q, %v", v.Lesson.Body, err)
	}
	if got := s.MinimumTime(v.Lesson); got != 30*time.Second { // 200 words at 400 wpm
		t.Errorf("minimum time from the stored word count: %v", got)
	}
	if pub, _ := s.Course(ctx, c.ID); pub.Modules[0].Lessons[0].Body != "" {
		t.Error("Course hands out a lesson body")
	}
	nb := "Teks baru tentang integritas."
	if _, err := s.UpdateLesson(ctx, trainer, l.ID, LessonInput{Body: &nb}); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.LessonBody(ctx, &c, l.ID); b != nb {
		t.Fatalf("body after edit: %q", b)
	}
	nt := "Bacaan Wajib"
	if got, err := s.UpdateLesson(ctx, trainer, l.ID, LessonInput{Title: &nt}); err != nil || got.Body != nb {
		t.Fatalf("a title edit returned body %q (%v), want it kept", got.Body, err)
	}
	countBodies := func() int {
		n, err := s.docs.C(collLessonBodies).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "course", Value: c.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	if n := countBodies(); n != 2 {
		t.Errorf("body documents right after an edit: %d, want the old kept for bodyGrace", n)
	}
	f.advance(bodyGrace + time.Second)
	nb2 := "Teks ketiga."
	if _, err := s.UpdateLesson(ctx, trainer, l.ID, LessonInput{Body: &nb2}); err != nil {
		t.Fatal(err)
	}
	if n := countBodies(); n != 1 {
		t.Errorf("body documents after bodyGrace and another edit: %d, want only the current", n)
	}
	// The search entries carry the body.
	if _, err := s.docs.C(collCourses).Get(ctx, c.ID, &stored); err != nil {
		t.Fatal(err)
	}
	ds, err := s.SearchDocs(ctx, &stored)
	if err != nil || len(ds) != 2 || !strings.Contains(ds[1].Body, "Teks ketiga") {
		t.Fatalf("search docs of the version read: %+v %v", ds, err)
	}
	if _, err := s.SetStatus(ctx, trainer, c.ID, StatusDraft); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteLesson(ctx, trainer, l.ID); err != nil {
		t.Fatal(err)
	}
	if n := countBodies(); n != 0 {
		t.Errorf("body documents of a deleted lesson: %d", n)
	}
}

// oldLesson and oldCourse are the course document as the previous version
// reads and writes it: bodies embedded, no body pointers.
type oldLesson struct {
	ID          string    `bson:"id"`
	Title       string    `bson:"title"`
	Kind        string    `bson:"kind"`
	Body        string    `bson:"body,omitempty"`
	AssetID     string    `bson:"asset_id,omitempty"`
	QuizID      string    `bson:"quiz_id,omitempty"`
	Minutes     int       `bson:"minutes"`
	Optional    bool      `bson:"optional,omitempty"`
	AutoMinutes int       `bson:"auto_minutes,omitempty"`
	Captions    []Caption `bson:"captions,omitempty"`
}

type oldModule struct {
	ID      string      `bson:"id"`
	Title   string      `bson:"title"`
	Lessons []oldLesson `bson:"lessons"`
}

type oldCourse struct {
	CourseCard  `bson:",inline"`
	Description string      `bson:"description"`
	Modules     []oldModule `bson:"modules"`
	IndexDue    time.Time   `bson:"index_due"`
}

// TestBodiesAcrossOneVersion: this version reads courses the previous one
// wrote (bodies embedded), moves their bodies out on its first write, and
// the previous version, still running during a rolling deploy, reads the
// copy this version keeps and writes courses this version reads again,
// even for a lesson past the copy's budget.
func TestBodiesAcrossOneVersion(t *testing.T) {
	f := newFleet(t, 1)
	s, ctx := f.svcs[0], context.Background()
	trainer, learner, c, l := learningCourse(t, s)
	coll := s.docs.C(collCourses)

	// A course as the previous version left it.
	var oc oldCourse
	v, err := coll.Get(ctx, c.ID, &oc)
	if err != nil {
		t.Fatal(err)
	}
	if oc.Modules[0].Lessons[0].Body == "" {
		t.Fatal("no copy of the body for the previous version")
	}
	big := strings.Repeat("kata ", MaxMarkdown/5)
	for i := range 6 { // 6 × 200 KB: the last is past the copy's budget
		oc.Modules[0].Lessons = append(oc.Modules[0].Lessons, oldLesson{ID: fmt.Sprintf("%s-old%03d", c.ID, i), Title: "Lama", Kind: KindText, Body: big})
	}
	legacy := Course{}
	if _, err = coll.Replace(ctx, c.ID, v, &oc); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Get(ctx, c.ID, &legacy); err != nil || legacy.BodiesV != 0 {
		t.Fatalf("old write kept bodies_v %d (%v)", legacy.BodiesV, err)
	}
	s.courses.forget(c.ID)
	last := c.ID + "-old005"
	if lv, err := s.ViewLesson(ctx, learner, last); err != nil || lv.Lesson.Body != big || s.MinimumTime(lv.Lesson) != maxReadTime {
		t.Fatalf("legacy lesson read: %d bytes, %v", len(lv.Lesson.Body), err)
	}

	// The first write of this version moves every body out.
	if _, err := s.RenameModule(ctx, trainer, c.ID, c.Modules[0].ID, ModuleInput{Title: "Dasar-dasar"}); err != nil {
		t.Fatal(err)
	}
	var now Course
	if _, err := coll.Get(ctx, c.ID, &now); err != nil {
		t.Fatal(err)
	}
	copied := 0
	for _, x := range now.Lessons() {
		if x.BodyHash == "" || x.Words == 0 {
			t.Fatalf("lesson %s not moved out: %+v", x.ID, x.BodyHash)
		}
		copied += len(x.Body)
	}
	if now.BodiesV != bodiesV || copied > compatBodyBudget || now.Lessons()[6].Body != "" {
		t.Fatalf("after the first write: bodies_v %d, %d bytes copied, last copy %d bytes", now.BodiesV, copied, len(now.Lessons()[6].Body))
	}
	if b, err := s.LessonBody(ctx, &c, last); err != nil || b != big {
		t.Fatalf("moved body: %d bytes, %v", len(b), err)
	}
	if n, err := s.MigrateLessonBodies(ctx); err != nil || n != 0 {
		t.Errorf("migration over moved courses did %d (%v), want nothing", n, err)
	}

	// The previous version edits the first lesson: its write drops the
	// pointers; this version reads its text, and the last lesson's through
	// its latest body document.
	if _, err := docs.Update(ctx, coll, c.ID, func(x *oldCourse) error {
		x.Modules[0].Lessons[0].Body = "Diubah oleh versi lama."
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.courses.forget(c.ID)
	if lv, err := s.ViewLesson(ctx, learner, l.ID); err != nil || lv.Lesson.Body != "Diubah oleh versi lama." {
		t.Fatalf("old version's edit read as %q (%v)", lv.Lesson.Body, err)
	}
	if lv, err := s.ViewLesson(ctx, learner, last); err != nil || lv.Lesson.Body != big {
		t.Fatalf("lesson past the copy after an old write: %d bytes (%v)", len(lv.Lesson.Body), err)
	}
	if n, err := s.MigrateLessonBodies(ctx); err != nil || n != 1 {
		t.Fatalf("migration did %d (%v), want the one course", n, err)
	}
	if _, err := coll.Get(ctx, c.ID, &now); err != nil || now.BodiesV != bodiesV {
		t.Fatalf("after migration bodies_v %d (%v)", now.BodiesV, err)
	}
	for _, id := range []string{l.ID, last} {
		want := map[string]string{l.ID: "Diubah oleh versi lama.", last: big}[id]
		if b, err := s.LessonBody(ctx, &c, id); err != nil || b != want {
			t.Errorf("%s after migration: %d bytes (%v)", id, len(b), err)
		}
	}
}

// TestBeaconReadsCachedCourse: a progress beacon reads the enrolment and
// nothing else once the course is cached (before: the whole course with
// every body, each time).
func TestBeaconReadsCachedCourse(t *testing.T) {
	f := newFleet(t, 1)
	s, ctx := f.svcs[0], context.Background()
	_, learner, c, l := learningCourse(t, s)
	if _, err := s.ViewLesson(ctx, learner, l.ID); err != nil {
		t.Fatal(err)
	}
	asset := Asset{ID: "a" + newID(9), Course: c.ID, ContentType: "video/mp4"}
	if err := s.docs.C(collAssets).Insert(ctx, asset.ID, &asset); err != nil {
		t.Fatal(err)
	}
	f.store.reset()
	const beacons = 20
	pos := 1.0
	for range beacons {
		if _, err := s.RecordProgress(ctx, learner, l.ID, ProgressInput{Position: &pos}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("store reads per beacon: %.2f (courses %d, enrolments %d)", float64(f.store.count(""))/beacons,
		f.store.count(collCourses), f.store.count(collEnrollments))
	if n := f.store.count(collCourses); n != 0 {
		t.Errorf("course reads for %d beacons: %d, want 0", beacons, n)
	}
	if n := f.store.count(""); n != beacons {
		t.Errorf("store reads for %d beacons: %d, want one each (the enrolment)", beacons, n)
	}
	// Past the bound, one read refreshes the course.
	f.advance(courseTTL + time.Millisecond)
	f.store.reset()
	for range beacons {
		if _, err := s.RecordProgress(ctx, learner, l.ID, ProgressInput{Position: &pos}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.store.count(collCourses); n != 1 {
		t.Errorf("course reads after courseTTL: %d, want 1", n)
	}
	// The lesson page reads the one body, not the others'.
	f.store.reset()
	if _, err := s.ViewLesson(ctx, learner, l.ID); err != nil {
		t.Fatal(err)
	}
	if n, b := f.store.count(collCourses), f.store.count(collLessonBodies); n != 0 || b != 1 {
		t.Errorf("lesson page read %d courses and %d bodies, want 0 and 1", n, b)
	}
	// Media authorisation and the home page read the cached course too.
	f.store.reset()
	if _, err := s.MediaAccess(ctx, learner, asset.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.store.count(collCourses); n != 0 {
		t.Errorf("media authorisation course reads: %d, want 0", n)
	}
	if _, err := s.MyCourses(ctx, learner.NIP); err != nil {
		t.Fatal(err)
	}
	if n := f.store.count(collCourses); n != 0 {
		t.Errorf("home page course reads: %d, want 0", n)
	}
}

// TestCourseEditVisibleWithinBound: an edit on one instance is seen on
// that instance at once and on another within courseTTL.
func TestCourseEditVisibleWithinBound(t *testing.T) {
	f := newFleet(t, 2)
	a, b, ctx := f.svcs[0], f.svcs[1], context.Background()
	trainer, learner, c, l := learningCourse(t, a)
	if _, err := b.ViewLesson(ctx, learner, l.ID); err != nil {
		t.Fatal(err)
	}
	nt, nb := "Judul Baru", "Teks yang sudah diperbarui."
	if _, err := a.UpdateLesson(ctx, trainer, l.ID, LessonInput{Title: &nt, Body: &nb}); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.ViewLesson(ctx, learner, l.ID); v.Lesson.Title != nt || v.Lesson.Body != nb {
		t.Errorf("editing instance sees %q/%q", v.Lesson.Title, v.Lesson.Body)
	}
	f.advance(courseTTL / 2)
	if v, _ := b.ViewLesson(ctx, learner, l.ID); v.Lesson.Title == nt {
		t.Log("other instance already sees the edit (allowed)")
	} else if v.Lesson.Body != nb && !strings.HasPrefix(v.Lesson.Body, "pelayanan") {
		t.Errorf("stale title with a body of neither version: %q", v.Lesson.Body)
	}
	f.advance(courseTTL/2 + time.Millisecond)
	if v, err := b.ViewLesson(ctx, learner, l.ID); err != nil || v.Lesson.Title != nt || v.Lesson.Body != nb {
		t.Fatalf("after courseTTL the other instance sees %q/%q (%v)", v.Lesson.Title, v.Lesson.Body, err)
	}
	// Unpublishing shuts learners out within the bound too.
	if _, err := a.SetStatus(ctx, trainer, c.ID, StatusArchived); err != nil {
		t.Fatal(err)
	}
	f.advance(courseTTL + time.Millisecond)
	if _, err := b.ViewLesson(ctx, learner, l.ID); err == nil {
		t.Error("an archived course's lesson still open to a learner after courseTTL")
	}
}

// TestUnitReportReadsEachCourseOnce: migrating old completions into the
// JP ledger reads each course once, not once per member and enrolment;
// the unit report then reads no course at all (the ledger holds titles).
func TestUnitReportReadsEachCourseOnce(t *testing.T) {
	f := newFleet(t, 2)
	s, ctx := f.svcs[0], context.Background()
	trainer, _, _, _ := learningCourse(t, s)
	admin := User{NIP: "197001011990031001", Roles: []string{RoleAdmin}}
	const members, courses = 30, 3
	var ids []string
	for i := range courses {
		title, cat, jp := fmt.Sprintf("Kursus %d", i), "Teknis", 2
		c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	year := s.CurrentYear()
	for i := range members {
		nip := fmt.Sprintf("1991020220160320%02d", i)
		if err := s.docs.C(collUsers).Insert(ctx, nip, &User{NIP: nip, Name: fmt.Sprintf("Anggota %02d", i), Unit: "Bagian Umum"}); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			e := Enrollment{User: nip, Course: id, JP: 2, JPYear: year, Completed: s.now(), Lessons: map[string]LessonProgress{}}
			if err := s.docs.C(collEnrollments).Insert(ctx, enrollmentID(nip, id), &e); err != nil {
				t.Fatal(err)
			}
		}
	}
	cold := f.svcs[1] // nothing cached
	f.store.reset()
	if n, err := cold.MigrateJPLedger(ctx, nil); err != nil || n != members*courses {
		t.Fatalf("migration wrote %d, %v", n, err)
	}
	if n := f.store.count(collCourses); n != courses {
		t.Errorf("migration course reads: %d, want %d (one per course)", n, courses)
	}
	f.store.reset()
	rows, err := cold.UnitJP(ctx, admin, "Bagian Umum", year)
	if err != nil || len(rows) != members || rows[0].JP != 2*courses {
		t.Fatalf("report: %d rows, %v", len(rows), err)
	}
	if n := f.store.count(collCourses) + f.store.count(collEnrollments); n != 0 {
		t.Errorf("the report read %d courses and enrolments, want none", n)
	}
}

func asValidation(err error, ve **ValidationError) bool { return errors.As(err, ve) }

// TestLessonBodiesMovedOnceAtStart: the start-up migration moves a course
// the previous version wrote, once across two instances.
func TestLessonBodiesMovedOnceAtStart(t *testing.T) {
	f := newFleet(t, 2)
	s, ctx := f.svcs[0], context.Background()
	_, _, c, _ := learningCourse(t, s)
	coll := s.docs.C(collCourses)
	if _, err := docs.Update(ctx, coll, c.ID, func(x *oldCourse) error {
		x.Modules[0].Lessons[0].Body = "Ditulis oleh versi lama."
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	runs, moved := 0, 0
	for _, svc := range f.svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ran, n, err := svc.MigrateLessonBodiesOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ran {
				runs++
				moved += n
			}
		}()
	}
	wg.Wait()
	if runs != 1 || moved != 1 {
		t.Fatalf("%d runs moved %d courses, want 1 run moving 1", runs, moved)
	}
	var now Course
	if _, err := coll.Get(ctx, c.ID, &now); err != nil || now.BodiesV != bodiesV {
		t.Fatalf("bodies_v %d (%v)", now.BodiesV, err)
	}
	if b, err := s.LessonBody(ctx, &now, now.Lessons()[0].ID); err != nil || b != "Ditulis oleh versi lama." {
		t.Fatalf("moved body %q (%v)", b, err)
	}
	if ran, _, err := s.MigrateLessonBodiesOnce(ctx); ran || err != nil {
		t.Fatalf("ran again: %v %v", ran, err)
	}
}
