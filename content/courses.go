package content

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Course statuses. A draft is invisible to learners.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
	// statusDeleted marks a tombstone: a deleted course whose search
	// entries are not yet removed. No read returns it.
	statusDeleted = "deleted"
)

// Categories of kompetensi.
var Categories = []string{"Teknis", "Manajerial", "Sosial Kultural"}

// Levels of a course.
var Levels = []string{"Dasar", "Menengah", "Lanjut"}

// Lesson kinds.
const (
	KindText  = "text"
	KindVideo = "video"
	KindFile  = "file"
	KindQuiz  = "quiz"
)

var lessonKinds = []string{KindText, KindVideo, KindFile, KindQuiz}

// CourseCard is what lists show of a course. Lists decode only this, not
// the whole syllabus with every lesson's text.
type CourseCard struct {
	ID       string `bson:"id" json:"id"`
	Slug     string `bson:"slug" json:"slug"`
	Title    string `bson:"title" json:"title"`
	Summary  string `bson:"summary" json:"summary"`
	Category string `bson:"category" json:"category"`
	Level    string `bson:"level" json:"level"`
	JP       int    `bson:"jp" json:"jp"`
	Cover    string `bson:"cover,omitempty" json:"cover,omitempty"`
	// Minutes is the sum of the lessons' minutes, kept with every change
	// so lists can show a course's length without its syllabus.
	Minutes   int       `bson:"minutes,omitempty" json:"minutes,omitempty"`
	Status    string    `bson:"status" json:"status"`
	Owner     string    `bson:"owner" json:"owner"`
	Owners    []string  `bson:"owners" json:"owners"`
	Created   time.Time `bson:"created" json:"created_at"`
	Updated   time.Time `bson:"updated" json:"updated_at"`
	Published time.Time `bson:"published,omitempty" json:"published_at,omitzero"`
	// Competencies are the competency tags the course develops (beside
	// its category), so a competency gap or a weak SKM element points at
	// the courses that close it.
	Competencies []string `bson:"competencies,omitempty" json:"competencies,omitempty"`
}

// Course is a course with its modules and lessons embedded, so reading a
// syllabus is one document read and every change one versioned write.
type Course struct {
	CourseCard  `bson:",inline"`
	Description string   `bson:"description" json:"description"`
	Modules     []Module `bson:"modules" json:"modules"`
	// IndexDue is when the course's search entries are next to be brought
	// up to date. Every write sets it in the same document write, so no
	// change can be made without also being queued for search (see
	// outbox.go); the indexer parks it at indexIdle.
	IndexDue time.Time `bson:"index_due" json:"-"`
	// BodiesV says the lessons' bodies live in their own documents
	// (bodies.go); 0 on a course from before, whose lessons embed them.
	BodiesV int `bson:"bodies_v,omitempty" json:"-"`
}

// Module is a chapter of a course.
type Module struct {
	ID      string   `bson:"id" json:"id"`
	Title   string   `bson:"title" json:"title"`
	Lessons []Lesson `bson:"lessons" json:"lessons"`
}

// Lesson is one unit of learning. Its id starts with the course id, so a
// lesson id alone leads to its course.
type Lesson struct {
	ID    string `bson:"id" json:"id"`
	Title string `bson:"title" json:"title"`
	Kind  string `bson:"kind" json:"kind"`
	// Body is the Markdown. It is stored in its own document (bodies.go);
	// a course read for learners carries it only where it was asked for.
	Body string `bson:"body,omitempty" json:"body,omitempty"`
	// BodyHash names the body's document, "" for an empty body; Words is
	// the body's word count, for pacing without reading the body.
	BodyHash string `bson:"body_hash,omitempty" json:"-"`
	Words    int    `bson:"words,omitempty" json:"-"`
	AssetID  string `bson:"asset_id,omitempty" json:"asset_id,omitempty"`
	QuizID   string `bson:"quiz_id,omitempty" json:"quiz_id,omitempty"`
	Minutes  int    `bson:"minutes" json:"minutes"`
	Optional bool   `bson:"optional,omitempty" json:"optional,omitempty"`

	// Minutes above is the length the trainer set, 0 for none; AutoMinutes
	// is the length of the content, worked out when the lesson is saved.
	// EffectiveMinutes chooses.
	AutoMinutes int `bson:"auto_minutes,omitempty" json:"auto_minutes,omitempty"`
	// Captions of a video lesson, WebVTT or SRT assets of the course.
	Captions []Caption `bson:"captions,omitempty" json:"captions,omitempty"`
}

// OwnedBy reports whether nip may edit the course.
func (c *Course) OwnedBy(u User) bool {
	return slices.Contains(u.Roles, RoleAdmin) || slices.Contains(c.Owners, u.NIP)
}

// MaxCourseLessons bounds the lessons of one course, so its document stays
// far below the store's 16 MB (TestCourseDocumentAtLimits).
const MaxCourseLessons = 1000

// maxRefLen bounds an asset or quiz id a lesson refers to.
const maxRefLen = 64

// clone is a copy of c that shares no slice a caller could change.
func (c *Course) clone() Course {
	out := *c
	out.Owners = slices.Clone(c.Owners)
	out.Modules = make([]Module, len(c.Modules))
	for i, m := range c.Modules {
		m.Lessons = slices.Clone(m.Lessons)
		out.Modules[i] = m
	}
	return out
}

// public is a copy of a stored or cached course for callers: no lesson
// body (those are read on their own), every lesson's word count set.
func (c *Course) public() Course {
	out := c.clone()
	for mi := range out.Modules {
		for li := range out.Modules[mi].Lessons {
			l := &out.Modules[mi].Lessons[li]
			l.Words, l.Body = l.words(), ""
		}
	}
	return out
}

// lessonCount is how many lessons the course has.
func (c *Course) lessonCount() int {
	n := 0
	for _, m := range c.Modules {
		n += len(m.Lessons)
	}
	return n
}

// Lessons returns every lesson in syllabus order.
func (c *Course) Lessons() []Lesson {
	var out []Lesson
	for _, m := range c.Modules {
		out = append(out, m.Lessons...)
	}
	return out
}

// Lesson finds a lesson and its position in syllabus order.
func (c *Course) Lesson(id string) (Lesson, int, bool) {
	for i, l := range c.Lessons() {
		if l.ID == id {
			return l, i, true
		}
	}
	return Lesson{}, -1, false
}

// CourseOfLesson is the course id a lesson id starts with.
func CourseOfLesson(lessonID string) string {
	id, _, _ := strings.Cut(lessonID, "-")
	return id
}

// CourseInput is a new course or a partial update: nil fields are kept.
type CourseInput struct {
	Title       *string `json:"title"`
	Summary     *string `json:"summary"`
	Description *string `json:"description"`
	Category    *string `json:"category"`
	Level       *string `json:"level"`
	JP          *int    `json:"jp"`
	Cover       *string `json:"cover"`
	// Competencies replaces the competency tags (competencies.go).
	Competencies *[]string `json:"competencies"`
}

func trimPtr(p *string) {
	if p != nil {
		*p = strings.TrimSpace(*p)
	}
}

// apply validates in and writes its fields into c.
func (in CourseInput) apply(c *Course, creating bool) error {
	f := fieldErrors{}
	for _, p := range []*string{in.Title, in.Summary, in.Category, in.Level, in.Cover} {
		trimPtr(p)
	}
	if creating && in.Title == nil {
		f["title"] = msg("required")
	}
	if in.Title != nil {
		if n := utf8.RuneCountInString(*in.Title); n < 3 || n > 200 {
			f["title"] = msg("title_length", 3, 200)
		} else {
			c.Title = *in.Title
		}
	}
	if in.Summary != nil {
		if utf8.RuneCountInString(*in.Summary) > 500 {
			f["summary"] = msg("too_long", 500)
		} else {
			c.Summary = *in.Summary
		}
	}
	if in.Description != nil {
		if len(*in.Description) > 100_000 {
			f["description"] = msg("too_long", 100_000)
		} else {
			c.Description = *in.Description
		}
	}
	if creating && in.Category == nil {
		f["category"] = msg("required_one_of", strings.Join(Categories, ", "))
	}
	if in.Category != nil {
		if !slices.Contains(Categories, *in.Category) {
			f["category"] = msg("one_of", strings.Join(Categories, ", "))
		} else {
			c.Category = *in.Category
		}
	}
	if in.Level != nil {
		if !slices.Contains(Levels, *in.Level) {
			f["level"] = msg("one_of", strings.Join(Levels, ", "))
		} else {
			c.Level = *in.Level
		}
	} else if creating {
		c.Level = Levels[0]
	}
	if in.JP != nil {
		if *in.JP < 1 || *in.JP > 200 {
			f["jp"] = msg("course.jp", 1, 200)
		} else {
			c.JP = *in.JP
		}
	} else if creating {
		f["jp"] = msg("course.jp_required", 1, 200)
	}
	if in.Cover != nil {
		c.Cover = *in.Cover
	}
	if in.Competencies != nil {
		if tags, m := NormalizeTags(*in.Competencies, MaxCourseTags); m != nil {
			f["competencies"] = *m
		} else {
			c.Competencies = tags
		}
	}
	return f.err()
}

// CreateCourse makes a draft course owned by the user.
func (s *Service) CreateCourse(ctx context.Context, u User, in CourseInput) (Course, error) {
	if !u.Has(RoleTrainer) {
		return Course{}, ErrForbidden
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c := Course{CourseCard: CourseCard{ID: "c" + newID(9), Status: StatusDraft, Owner: u.NIP, Owners: []string{u.NIP},
		Created: now, Updated: now}, Modules: []Module{}, IndexDue: now}
	if err := in.apply(&c, true); err != nil {
		return Course{}, err
	}
	if in.Cover != nil && c.Cover != "" {
		if err := s.checkCover(ctx, c.ID, c.Cover); err != nil {
			return Course{}, err
		}
	}
	base := slugify(c.Title)
	if base == "" {
		base = "kursus"
	}
	coll := s.docs.C(collCourses)
	for i := 0; ; i++ {
		c.Slug = base
		if i > 0 {
			c.Slug = fmt.Sprintf("%s-%s", base, newID(4))
		}
		err := coll.Insert(ctx, c.ID, &c)
		if err == nil {
			break
		}
		if !errors.Is(err, docs.ErrDuplicate) || i >= 5 {
			return Course{}, mapErr(err, "course")
		}
	}
	return c, nil
}

// loadCourse is a course by id as stored at most maxAge ago (0: read it
// now), shared with the cache: the caller must not change it. Its lessons
// hold their bodies only if the course predates bodies.go.
func (s *Service) loadCourse(ctx context.Context, id string, maxAge time.Duration) (*Course, error) {
	now := s.now()
	old := s.courses.get(id)
	if old != nil && maxAge > 0 && now.Sub(old.read) < maxAge {
		return visible(old.c)
	}
	var c Course
	version, err := s.docs.C(collCourses).Get(ctx, id, &c)
	if err != nil {
		return nil, mapErr(err, "course "+id)
	}
	if old != nil && old.version == version {
		s.courses.put(id, &courseEntry{c: old.c, version: version, read: now})
		return visible(old.c)
	}
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			l := &c.Modules[mi].Lessons[li]
			if c.BodiesV >= bodiesV {
				l.Body = "" // the previous version's copy
			} else {
				l.Words = wordCount(l.Body)
			}
		}
	}
	s.courses.put(id, &courseEntry{c: &c, version: version, read: now})
	return visible(&c)
}

func visible(c *Course) (*Course, error) {
	if c.Status == statusDeleted {
		return nil, fmt.Errorf("course %s: %w", c.ID, ErrNotFound)
	}
	return c, nil
}

// Course loads a course by id or slug, as it was at most courseTTL ago,
// without its lessons' bodies (LessonBody, CourseWithBodies).
func (s *Service) Course(ctx context.Context, idOrSlug string) (Course, error) {
	return s.course(ctx, idOrSlug, courseTTL)
}

func (s *Service) course(ctx context.Context, idOrSlug string, maxAge time.Duration) (Course, error) {
	c, err := s.loadCourse(ctx, idOrSlug, maxAge)
	if err == nil {
		return c.public(), nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Course{}, err
	}
	cs, _, ferr := docs.FindAll[Course](ctx, s.docs.C(collCourses),
		docs.Query{Where: []docs.Eq{{Field: "slug", Value: idOrSlug}}, Limit: 1})
	if ferr != nil {
		return Course{}, mapErr(ferr, "course")
	}
	if len(cs) == 0 || cs[0].Status == statusDeleted {
		return Course{}, fmt.Errorf("course %s: %w", idOrSlug, ErrNotFound)
	}
	if cs[0].BodiesV < bodiesV {
		return cs[0].public(), nil
	}
	return s.course(ctx, cs[0].ID, maxAge)
}

// CanView reports whether u may see the course: published courses are open
// to every signed-in user; drafts and archived ones only to owners and admins.
func (c *Course) CanView(u User) bool {
	return c.Status == StatusPublished || c.OwnedBy(u)
}

// ViewCourse loads a course the user may see; others get ErrNotFound, so a
// draft's existence does not leak.
func (s *Service) ViewCourse(ctx context.Context, u User, idOrSlug string) (Course, error) {
	return s.viewCourse(ctx, u, idOrSlug, courseTTL)
}

// viewCourse is ViewCourse as stored at most maxAge ago.
func (s *Service) viewCourse(ctx context.Context, u User, idOrSlug string, maxAge time.Duration) (Course, error) {
	c, err := s.course(ctx, idOrSlug, maxAge)
	if err != nil {
		return Course{}, err
	}
	if !c.CanView(u) {
		return Course{}, fmt.Errorf("course %s: %w", idOrSlug, ErrNotFound)
	}
	return c, nil
}

// CourseForViewer is ViewCourse with lesson bodies only for those who may
// read the lessons: the course's owners and enrolled learners, as
// ViewLesson decides. Everyone else who may see the course gets its
// syllabus without the lessons' text.
func (s *Service) CourseForViewer(ctx context.Context, u User, idOrSlug string) (Course, error) {
	c, err := s.ViewCourse(ctx, u, idOrSlug)
	if err != nil {
		return Course{}, err
	}
	if !c.OwnedBy(u) {
		_, err = s.Enrollment(ctx, u.NIP, c.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			return c, nil
		case err != nil:
			return Course{}, err
		}
	}
	return s.withBodies(ctx, c, courseTTL)
}

// editCourse applies fn to a course the user owns, as one versioned write.
func (s *Service) editCourse(ctx context.Context, u User, idOrSlug string, fn func(*Course) error) (Course, error) {
	return s.editCourseBodies(ctx, u, idOrSlug, nil, fn)
}

// editCourseBodies is editCourse for a change whose lesson bodies are
// already stored (putBody), as own says by lesson id. A course that still
// embeds its bodies has them moved out first, and is written with them out
// (bodies.go).
func (s *Service) editCourseBodies(ctx context.Context, u User, idOrSlug string, own map[string]storedBody, fn func(*Course) error) (Course, error) {
	c, err := s.viewCourse(ctx, u, idOrSlug, 0)
	if err != nil {
		return Course{}, err
	}
	if !c.OwnedBy(u) {
		return Course{}, ErrForbidden
	}
	coll := s.docs.C(collCourses)
	var stored Course
	if _, err := coll.Get(ctx, c.ID, &stored); err != nil {
		return Course{}, mapErr(err, "course "+c.ID)
	}
	written, err := s.migrateBodies(ctx, &stored)
	if err != nil {
		return Course{}, err
	}
	maps.Copy(written, own)
	out, err := docs.Update(ctx, coll, c.ID, func(c *Course) error {
		if err := fn(c); err != nil {
			return err
		}
		if c.Status == statusDeleted {
			return fmt.Errorf("course %s: %w", c.ID, ErrNotFound)
		}
		externalize(c, written)
		c.Minutes = c.TotalMinutes()
		c.Updated = s.now().UTC().Truncate(time.Millisecond)
		c.IndexDue = c.Updated
		return nil
	})
	if err != nil {
		return Course{}, mapErr(err, "course "+c.ID)
	}
	s.catalog.forget()
	s.courses.forget(c.ID)
	return out.public(), nil
}

// UpdateCourse changes the given fields of a course.
func (s *Service) UpdateCourse(ctx context.Context, u User, id string, in CourseInput) (Course, error) {
	if in.Cover != nil && strings.TrimSpace(*in.Cover) != "" {
		c, err := s.ViewCourse(ctx, u, id)
		if err != nil {
			return Course{}, err
		}
		if err := s.checkCover(ctx, c.ID, strings.TrimSpace(*in.Cover)); err != nil {
			return Course{}, err
		}
	}
	return s.editCourse(ctx, u, id, func(c *Course) error { return in.apply(c, false) })
}

// checkCover makes sure a cover is an image asset of this course.
func (s *Service) checkCover(ctx context.Context, courseID, assetID string) error {
	a, err := s.Asset(ctx, assetID)
	if err != nil || a.Course != courseID || !strings.HasPrefix(a.ContentType, "image/") {
		return invalid("cover", msg("course.cover"))
	}
	return nil
}

// SetStatus publishes, unpublishes (back to draft) or archives a course.
func (s *Service) SetStatus(ctx context.Context, u User, id, status string) (Course, error) {
	if !slices.Contains([]string{StatusDraft, StatusPublished, StatusArchived}, status) {
		return Course{}, invalid("status", msg("course.status"))
	}
	return s.editCourse(ctx, u, id, func(c *Course) error {
		if status == StatusPublished {
			if err := s.checkPublishable(ctx, c); err != nil {
				return err
			}
		}
		if status == StatusPublished && c.Published.IsZero() {
			c.Published = s.now().UTC().Truncate(time.Millisecond)
		}
		c.Status = status
		return nil
	})
}

// DeleteCourse removes a course. Enrolments and assets stay behind as
// history; a course with learners should be archived instead, so this is
// refused once anyone has enrolled.
func (s *Service) DeleteCourse(ctx context.Context, u User, id string) error {
	c, err := s.viewCourse(ctx, u, id, 0)
	if err != nil {
		return err
	}
	if !c.OwnedBy(u) {
		return ErrForbidden
	}
	n, err := s.docs.C(collEnrollments).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "course", Value: c.ID}}})
	if err != nil {
		return mapErr(err, "count enrollments")
	}
	if n > 0 {
		return invalid("course", msg("course.has_learners", n))
	}
	// The course becomes a tombstone rather than vanishing, in one write:
	// its search entries must still be removed, and only a document that
	// exists can say so. The indexer deletes the tombstone once search has
	// forgotten the course.
	_, err = docs.Update(ctx, s.docs.C(collCourses), c.ID, func(x *Course) error {
		if x.Status == statusDeleted {
			return fmt.Errorf("course %s: %w", c.ID, ErrNotFound)
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		*x = Course{CourseCard: CourseCard{ID: c.ID, Slug: "~" + c.ID, Status: statusDeleted, Updated: now}, IndexDue: now}
		return nil
	})
	if err != nil {
		return mapErr(err, "course "+c.ID)
	}
	s.catalog.forget()
	s.courses.forget(c.ID)
	s.dropBodies(ctx, c.ID, "", nil)
	return nil
}

// ModuleInput is a new or renamed module.
type ModuleInput struct {
	Title string `json:"title"`
}

func validTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if n := utf8.RuneCountInString(t); n < 1 || n > 200 {
		return "", invalid("title", msg("title_length", 1, 200))
	}
	return t, nil
}

// AddModule appends a module to a course.
func (s *Service) AddModule(ctx context.Context, u User, courseID string, in ModuleInput) (Module, error) {
	title, err := validTitle(in.Title)
	if err != nil {
		return Module{}, err
	}
	m := Module{ID: "m" + newID(6), Title: title, Lessons: []Lesson{}}
	_, err = s.editCourse(ctx, u, courseID, func(c *Course) error {
		if len(c.Modules) >= 100 {
			return invalid("modules", msg("course.modules_max", 100))
		}
		c.Modules = append(c.Modules, m)
		return nil
	})
	return m, err
}

// RenameModule changes a module's title.
func (s *Service) RenameModule(ctx context.Context, u User, courseID, moduleID string, in ModuleInput) (Course, error) {
	title, err := validTitle(in.Title)
	if err != nil {
		return Course{}, err
	}
	return s.editCourse(ctx, u, courseID, func(c *Course) error {
		i := c.moduleIndex(moduleID)
		if i < 0 {
			return ErrNotFound
		}
		c.Modules[i].Title = title
		return nil
	})
}

// DeleteModule removes a module and its lessons.
func (s *Service) DeleteModule(ctx context.Context, u User, courseID, moduleID string) (Course, error) {
	var gone []Lesson
	out, err := s.editCourse(ctx, u, courseID, func(c *Course) error {
		i := c.moduleIndex(moduleID)
		if i < 0 {
			return ErrNotFound
		}
		gone = c.Modules[i].Lessons
		c.Modules = slices.Delete(c.Modules, i, i+1)
		return nil
	})
	if err == nil {
		for _, l := range gone {
			s.dropBodies(ctx, out.ID, l.ID, nil)
		}
	}
	return out, err
}

func (c *Course) moduleIndex(id string) int {
	return slices.IndexFunc(c.Modules, func(m Module) bool { return m.ID == id })
}

// LessonInput is a new lesson or a partial update of one.
type LessonInput struct {
	Title    *string    `json:"title"`
	Kind     *string    `json:"kind"`
	Body     *string    `json:"body"`
	AssetID  *string    `json:"asset_id"`
	QuizID   *string    `json:"quiz_id"`
	Minutes  *int       `json:"minutes"`
	Optional *bool      `json:"optional"`
	Captions *[]Caption `json:"captions"`
}

// applyLesson validates in against the course and writes it into l.
func (s *Service) applyLesson(ctx context.Context, c *Course, l *Lesson, in LessonInput, creating bool) error {
	f := fieldErrors{}
	if in.Title != nil || creating {
		t := ""
		if in.Title != nil {
			t = *in.Title
		}
		if title, err := validTitle(t); err != nil {
			f["title"] = msg("title_length", 1, 200)
		} else {
			l.Title = title
		}
	}
	if in.Kind != nil {
		if !slices.Contains(lessonKinds, *in.Kind) {
			f["kind"] = msg("lesson.kind")
		} else {
			l.Kind = *in.Kind
		}
	} else if creating {
		f["kind"] = msg("lesson.kind_required")
	}
	if in.Body != nil {
		if len(*in.Body) > MaxMarkdown {
			f["body"] = msg("too_long", MaxMarkdown)
		} else {
			l.Body, l.Words = *in.Body, wordCount(*in.Body)
		}
	}
	if in.AssetID != nil {
		if l.AssetID = strings.TrimSpace(*in.AssetID); len(l.AssetID) > maxRefLen {
			f["asset_id"] = msg("too_long", maxRefLen)
		}
	}
	if in.QuizID != nil {
		if l.QuizID = strings.TrimSpace(*in.QuizID); len(l.QuizID) > maxRefLen {
			f["quiz_id"] = msg("too_long", maxRefLen)
		}
	}
	if in.Minutes != nil {
		if *in.Minutes < 0 || *in.Minutes > 24*60 {
			f["minutes"] = msg("lesson.minutes", 0, 24*60)
		} else {
			l.Minutes = *in.Minutes
		}
	}
	if in.Optional != nil {
		l.Optional = *in.Optional
	}
	var asset *Asset
	if in.Captions != nil && len(f) == 0 {
		caps, msg, err := s.checkCaptions(ctx, c, *in.Captions)
		if err != nil {
			return err
		}
		if msg != nil {
			f["captions"] = *msg
		} else {
			l.Captions = caps
		}
	}
	if len(f) == 0 && len(l.Captions) > 0 && l.Kind != KindVideo {
		f["captions"] = msg("caption.video_only")
	}
	if len(f) == 0 && in.QuizID != nil && l.QuizID != "" {
		// A lesson may only open a quiz of its own course: another
		// trainer's quiz (and its answer keys' results) is not this
		// course's to hand out.
		q, err := s.Quiz(ctx, l.QuizID)
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && q.Course != c.ID):
			f["quiz_id"] = msg("quiz.not_in_course")
		case err != nil:
			return err
		}
	}
	if len(f) == 0 && (l.Kind == KindVideo || l.Kind == KindFile) && l.AssetID != "" {
		a, err := s.Asset(ctx, l.AssetID)
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && a.Course != c.ID):
			f["asset_id"] = msg("file.not_in_course")
		case err != nil:
			return err
		case l.Kind == KindVideo && !strings.HasPrefix(a.ContentType, "video/") && !strings.HasPrefix(a.ContentType, "audio/"):
			f["asset_id"] = msg("lesson.video_file")
		}
		a.Duration = s.mediaDuration(ctx, a)
		asset = &a
	}
	l.AutoMinutes = autoMinutes(*l, asset)
	return f.err()
}

// AddLesson appends a lesson to a module.
func (s *Service) AddLesson(ctx context.Context, u User, courseID, moduleID string, in LessonInput) (Lesson, error) {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return Lesson{}, err
	}
	l := Lesson{ID: c.ID + "-" + newID(6)}
	if err := s.applyLesson(ctx, &c, &l, in, true); err != nil {
		return Lesson{}, err
	}
	if c.lessonCount() >= MaxCourseLessons {
		return Lesson{}, invalid("lessons", msg("course.lessons_max", MaxCourseLessons))
	}
	own, err := s.storeBody(ctx, c.ID, &l)
	if err != nil {
		return Lesson{}, err
	}
	_, err = s.editCourseBodies(ctx, u, c.ID, own, func(c *Course) error {
		i := c.moduleIndex(moduleID)
		if i < 0 {
			return fmt.Errorf("module %s: %w", moduleID, ErrNotFound)
		}
		if len(c.Modules[i].Lessons) >= 200 {
			return invalid("lessons", msg("module.lessons_max", 200))
		}
		if c.lessonCount() >= MaxCourseLessons {
			return invalid("lessons", msg("course.lessons_max", MaxCourseLessons))
		}
		c.Modules[i].Lessons = append(c.Modules[i].Lessons, l)
		return nil
	})
	return l, err
}

// storeBody stores the body of l, a lesson about to be written, and
// points l at it.
func (s *Service) storeBody(ctx context.Context, courseID string, l *Lesson) (map[string]storedBody, error) {
	h, err := s.putBody(ctx, courseID, l.ID, l.Body)
	if err != nil {
		return nil, err
	}
	l.BodyHash, l.Words = h, wordCount(l.Body)
	return map[string]storedBody{l.ID: {hash: h, words: l.Words}}, nil
}

// UpdateLesson changes the given fields of a lesson.
func (s *Service) UpdateLesson(ctx context.Context, u User, lessonID string, in LessonInput) (Lesson, error) {
	c, err := s.ViewCourse(ctx, u, CourseOfLesson(lessonID))
	if err != nil {
		return Lesson{}, err
	}
	l, _, ok := c.Lesson(lessonID)
	if !ok {
		return Lesson{}, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	if err := s.applyLesson(ctx, &c, &l, in, false); err != nil {
		return Lesson{}, err
	}
	var own map[string]storedBody
	if in.Body != nil {
		if own, err = s.storeBody(ctx, c.ID, &l); err != nil {
			return Lesson{}, err
		}
	}
	_, err = s.editCourseBodies(ctx, u, c.ID, own, func(c *Course) error {
		for mi := range c.Modules {
			for li := range c.Modules[mi].Lessons {
				cur := &c.Modules[mi].Lessons[li]
				if cur.ID != lessonID {
					continue
				}
				next := l
				if in.Body == nil {
					next.Body, next.BodyHash, next.Words = cur.Body, cur.BodyHash, cur.Words
				}
				*cur = next
				return nil
			}
		}
		return fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	})
	if err != nil {
		return Lesson{}, err
	}
	if in.Body != nil {
		s.dropOldBodies(ctx, c.ID, lessonID, l.BodyHash)
		return l, nil
	}
	l.Body, err = s.LessonBody(ctx, &c, lessonID)
	return l, err
}

// DeleteLesson removes a lesson.
func (s *Service) DeleteLesson(ctx context.Context, u User, lessonID string) (Course, error) {
	out, err := s.deleteLesson(ctx, u, lessonID)
	if err == nil {
		s.dropBodies(ctx, out.ID, lessonID, nil)
	}
	return out, err
}

func (s *Service) deleteLesson(ctx context.Context, u User, lessonID string) (Course, error) {
	return s.editCourse(ctx, u, CourseOfLesson(lessonID), func(c *Course) error {
		for mi := range c.Modules {
			for li, l := range c.Modules[mi].Lessons {
				if l.ID == lessonID {
					c.Modules[mi].Lessons = slices.Delete(c.Modules[mi].Lessons, li, li+1)
					return nil
				}
			}
		}
		return fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	})
}

// Reorder is the new order of a course: module ids in order, each with its
// lesson ids in order. Lessons may move between modules; every module and
// lesson must appear exactly once.
type Reorder struct {
	Modules []struct {
		ID      string   `json:"id"`
		Lessons []string `json:"lessons"`
	} `json:"modules"`
}

// ReorderCourse applies a new order.
func (s *Service) ReorderCourse(ctx context.Context, u User, courseID string, in Reorder) (Course, error) {
	return s.editCourse(ctx, u, courseID, func(c *Course) error {
		mods := map[string]Module{}
		lessons := map[string]Lesson{}
		for _, m := range c.Modules {
			mods[m.ID] = m
			for _, l := range m.Lessons {
				lessons[l.ID] = l
			}
		}
		bad := invalid("modules", msg("course.order"))
		if len(in.Modules) != len(mods) {
			return bad
		}
		seenM, seenL := map[string]bool{}, map[string]bool{}
		var out []Module
		for _, om := range in.Modules {
			m, ok := mods[om.ID]
			if !ok || seenM[om.ID] {
				return bad
			}
			seenM[om.ID] = true
			m.Lessons = []Lesson{}
			for _, lid := range om.Lessons {
				l, ok := lessons[lid]
				if !ok || seenL[lid] {
					return bad
				}
				seenL[lid] = true
				m.Lessons = append(m.Lessons, l)
			}
			out = append(out, m)
		}
		if len(seenL) != len(lessons) {
			return bad
		}
		c.Modules = out
		return nil
	})
}

// Move shifts a module or lesson one place up (-1) or down (+1): the
// no-JavaScript way to reorder from the authoring page.
func (s *Service) Move(ctx context.Context, u User, courseID, itemID string, delta int) (Course, error) {
	return s.editCourse(ctx, u, courseID, func(c *Course) error {
		if i := c.moduleIndex(itemID); i >= 0 {
			j := i + delta
			if j < 0 || j >= len(c.Modules) {
				return nil
			}
			c.Modules[i], c.Modules[j] = c.Modules[j], c.Modules[i]
			return nil
		}
		for mi := range c.Modules {
			ls := c.Modules[mi].Lessons
			for li := range ls {
				if ls[li].ID != itemID {
					continue
				}
				j := li + delta
				switch {
				case j >= 0 && j < len(ls):
					ls[li], ls[j] = ls[j], ls[li]
				case j < 0 && mi > 0: // to the end of the previous module
					l := ls[li]
					c.Modules[mi].Lessons = slices.Delete(ls, li, li+1)
					c.Modules[mi-1].Lessons = append(c.Modules[mi-1].Lessons, l)
				case j >= len(ls) && mi+1 < len(c.Modules): // to the start of the next module
					l := ls[li]
					c.Modules[mi].Lessons = slices.Delete(ls, li, li+1)
					c.Modules[mi+1].Lessons = slices.Insert(c.Modules[mi+1].Lessons, 0, l)
				}
				return nil
			}
		}
		return fmt.Errorf("item %s: %w", itemID, ErrNotFound)
	})
}

// CourseList is a page of courses.
type CourseList struct {
	Items []CourseCard `json:"items"`
	Total int64        `json:"total"`
	Next  string       `json:"next,omitempty"`
}

// CatalogQuery lists published courses.
type CatalogQuery struct {
	Category string
	After    string
	Limit    int
}

// Catalog lists published courses by title, optionally in one category.
func (s *Service) Catalog(ctx context.Context, q CatalogQuery) (CourseList, error) {
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 24
	}
	where := []docs.Eq{{Field: "status", Value: StatusPublished}}
	if q.Category != "" {
		if !slices.Contains(Categories, q.Category) {
			return CourseList{}, invalid("category", msg("course.category"))
		}
		where = append(where, docs.Eq{Field: "category", Value: q.Category})
	}
	now := s.now()
	if l, ok := s.catalog.get(q, now); ok {
		return l, nil
	}
	coll := s.docs.C(collCourses)
	total, err := coll.Count(ctx, docs.Query{Where: where})
	if err != nil {
		return CourseList{}, mapErr(err, "catalog")
	}
	items, next, err := docs.FindAll[CourseCard](ctx, coll, docs.Query{Where: where, Sort: "title", Limit: q.Limit, After: q.After})
	if errors.Is(err, docs.ErrInvalidQuery) && q.After != "" {
		// The only part of this query a client writes is the cursor.
		return CourseList{}, fmt.Errorf("catalog: %w", ErrBadCursor)
	}
	if err != nil {
		return CourseList{}, mapErr(err, "catalog")
	}
	l := CourseList{Items: items, Total: total, Next: next}
	s.catalog.put(q, l, now)
	return l, nil
}

// OwnedCourses lists the courses a trainer created, newest change first.
func (s *Service) OwnedCourses(ctx context.Context, u User) ([]Course, error) {
	cs, _, err := docs.FindAll[Course](ctx, s.docs.C(collCourses),
		docs.Query{Where: []docs.Eq{{Field: "owner", Value: u.NIP}}, Sort: "updated", Desc: true, Limit: 200})
	for i := range cs {
		cs[i] = cs[i].public()
	}
	return cs, mapErr(err, "owned courses")
}

// AllCourses lists every course for admins, by id, a page at a time.
func (s *Service) AllCourses(ctx context.Context, after string, limit int) ([]Course, string, error) {
	cs, next, err := docs.FindAll[Course](ctx, s.docs.C(collCourses), docs.Query{Limit: limit, After: after})
	cs = slices.DeleteFunc(cs, func(c Course) bool { return c.Status == statusDeleted })
	for i := range cs {
		cs[i] = cs[i].public()
	}
	return cs, next, mapErr(err, "courses")
}
