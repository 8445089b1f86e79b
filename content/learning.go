package content

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// VideoDoneShare is how much of a video must have been watched, merged
// across sessions, for it to count as done.
const VideoDoneShare = 0.9

// Enrollment is a learner in a course, with their progress. Its id is
// user/course, so enrolling twice is the same document.
type Enrollment struct {
	User      string                    `bson:"user" json:"user"`
	Course    string                    `bson:"course" json:"course_id"`
	Created   time.Time                 `bson:"created" json:"created_at"`
	Lessons   map[string]LessonProgress `bson:"lessons" json:"lessons"`
	Percent   int                       `bson:"percent" json:"percent"`
	Completed time.Time                 `bson:"completed,omitempty" json:"completed_at,omitzero"`
	// JP credited at completion, to the calendar year JPYear (0 before).
	JP          int       `bson:"jp" json:"jp"`
	JPYear      int       `bson:"jp_year" json:"jp_year,omitempty"`
	Certificate string    `bson:"certificate,omitempty" json:"certificate_code,omitempty"`
	LastLesson  string    `bson:"last_lesson,omitempty" json:"last_lesson,omitempty"`
	LastAt      time.Time `bson:"last_at" json:"last_at"`
}

// LessonProgress is where a learner is in one lesson.
type LessonProgress struct {
	Done     bool      `bson:"done" json:"done"`
	DoneAt   time.Time `bson:"done_at,omitempty" json:"done_at,omitzero"`
	Position float64   `bson:"position" json:"position"`
	Watched  Intervals `bson:"watched,omitempty" json:"watched,omitempty"`
	Duration float64   `bson:"duration,omitempty" json:"duration,omitempty"`
	Updated  time.Time `bson:"updated" json:"updated_at"`
	// Opened is when the learner first opened the lesson, by the server's
	// clock: what may be credited is measured from it.
	Opened time.Time `bson:"opened,omitempty" json:"opened_at,omitzero"`
}

// WatchedSeconds is the merged length of the watched intervals.
func (p LessonProgress) WatchedSeconds() float64 {
	total := 0.0
	for _, w := range p.Watched {
		total += w[1] - w[0]
	}
	return total
}

func enrollmentID(nip, courseID string) string { return nip + "/" + courseID }

// Enroll puts the user in a published course. Enrolling again returns the
// existing enrolment and created=false.
func (s *Service) Enroll(ctx context.Context, u User, courseID string) (Enrollment, bool, error) {
	c, err := s.viewCourse(ctx, u, courseID, 0)
	if err != nil {
		return Enrollment{}, false, err
	}
	if c.Status != StatusPublished {
		return Enrollment{}, false, invalid("course", msg("course.not_published"))
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	e := Enrollment{User: u.NIP, Course: c.ID, Created: now, Lessons: map[string]LessonProgress{}, LastAt: now}
	err = s.docs.C(collEnrollments).Insert(ctx, enrollmentID(u.NIP, c.ID), &e)
	if errors.Is(err, docs.ErrDuplicate) {
		e, err = s.Enrollment(ctx, u.NIP, c.ID)
		return e, false, err
	}
	if err != nil {
		return Enrollment{}, false, mapErr(err, "enroll")
	}
	return e, true, nil
}

// Enrollment loads one enrolment.
func (s *Service) Enrollment(ctx context.Context, nip, courseID string) (Enrollment, error) {
	var e Enrollment
	_, err := s.docs.C(collEnrollments).Get(ctx, enrollmentID(nip, courseID), &e)
	return e, mapErr(err, "enrollment")
}

// EnrolledCourse is an enrolment with its course, for lists.
type EnrolledCourse struct {
	Enrollment
	Course Course
}

// MyCourses lists the user's enrolments, most recently studied first, with
// percentages recomputed against each course's current syllabus.
func (s *Service) MyCourses(ctx context.Context, nip string) ([]EnrolledCourse, error) {
	es, _, err := docs.FindAll[Enrollment](ctx, s.docs.C(collEnrollments),
		docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}}, Sort: "last_at", Desc: true, Limit: 200})
	if err != nil {
		return nil, mapErr(err, "enrollments")
	}
	out := make([]EnrolledCourse, 0, len(es))
	for _, e := range es {
		c, err := s.Course(ctx, e.Course)
		if errors.Is(err, ErrNotFound) {
			continue // a deleted draft; nothing to show
		}
		if err != nil {
			return nil, err
		}
		e.Percent = percent(&c, e.Lessons)
		out = append(out, EnrolledCourse{Enrollment: e, Course: c})
	}
	return out, nil
}

// percent is the share of required lessons done, rounded down, so 100
// means really everything.
func percent(c *Course, lessons map[string]LessonProgress) int {
	req, done := 0, 0
	for _, l := range c.Lessons() {
		if l.Optional {
			continue
		}
		req++
		if lessons[l.ID].Done {
			done++
		}
	}
	if req == 0 {
		return 0
	}
	return done * 100 / req
}

// ProgressInput is one progress report from the player.
type ProgressInput struct {
	Position *float64     `json:"position"`
	Watched  [][2]float64 `json:"watched"`
	Done     bool         `json:"done"`
	// Duration is the player's idea of the media length. It is never
	// credited against (see videoSeconds); older pages still send it.
	Duration float64 `json:"duration"`
}

const maxMediaSeconds = 24 * 3600

func (in ProgressInput) validate() error {
	f := fieldErrors{}
	ok := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0 && x <= maxMediaSeconds }
	if in.Position != nil && !ok(*in.Position) {
		f["position"] = msg("seconds_range", 0, maxMediaSeconds)
	}
	if len(in.Watched) > 500 {
		f["watched"] = msg("progress.ranges_max", 500)
	}
	for _, w := range in.Watched {
		if !ok(w[0]) || !ok(w[1]) || w[1] < w[0] {
			f["watched"] = msg("progress.range")
			break
		}
	}
	if !ok(in.Duration) {
		f["duration"] = msg("seconds_range", 0, maxMediaSeconds)
	}
	return f.err()
}

// mergeIntervals unions intervals, clipped to [0, limit] when limit > 0.
func mergeIntervals(ws [][2]float64, limit float64) [][2]float64 {
	var in [][2]float64
	for _, w := range ws {
		if limit > 0 {
			w[0], w[1] = min(w[0], limit), min(w[1], limit)
		}
		if w[1] > w[0] {
			in = append(in, w)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i][0] < in[j][0] })
	var out [][2]float64
	for _, w := range in {
		// Gaps under half a second are timer jitter between reports.
		if n := len(out); n > 0 && w[0] <= out[n-1][1]+0.5 {
			out[n-1][1] = max(out[n-1][1], w[1])
			continue
		}
		out = append(out, w)
	}
	return out
}

// LessonView is a lesson with the learner's place in its course.
type LessonView struct {
	Course     Course
	Lesson     Lesson
	Index      int
	Prev, Next *Lesson
	Progress   LessonProgress
	Enrolled   bool
	// Enrollment is the viewer's enrolment in the course (zero unless
	// Enrolled), for the syllabus marks and the course percent.
	Enrollment Enrollment
	Asset      *Asset
}

// ViewLesson loads a lesson for the player. Learners must be enrolled;
// owners and admins may preview.
func (s *Service) ViewLesson(ctx context.Context, u User, lessonID string) (LessonView, error) {
	cc, err := s.learnerCourse(ctx, u, CourseOfLesson(lessonID))
	if err != nil {
		return LessonView{}, err
	}
	c := cc.public()
	l, i, ok := c.Lesson(lessonID)
	if !ok {
		return LessonView{}, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	v := LessonView{Course: c, Lesson: l, Index: i}
	e, err := s.Enrollment(ctx, u.NIP, c.ID)
	switch {
	case err == nil:
		v.Enrolled, v.Enrollment = true, e
		v.Progress = e.Lessons[l.ID]
	case !errors.Is(err, ErrNotFound):
		return LessonView{}, err
	case !c.OwnedBy(u):
		return LessonView{}, ErrForbidden
	}
	all := c.Lessons()
	if i > 0 {
		v.Prev = &all[i-1]
	}
	if i+1 < len(all) {
		v.Next = &all[i+1]
	}
	if l.AssetID != "" {
		if a, err := s.Asset(ctx, l.AssetID); err == nil {
			v.Asset = &a
		}
	}
	raw, _, _ := cc.Lesson(lessonID) // a course from before bodies.go holds its bodies
	if v.Lesson.Body, err = s.lessonBody(ctx, cc, raw); err != nil {
		return LessonView{}, err
	}
	if v.Enrolled && v.Progress.Opened.IsZero() && l.Kind != KindQuiz {
		p, err := s.openLesson(ctx, u, c.ID, l.ID)
		if err != nil {
			return LessonView{}, err
		}
		v.Progress = p
		if v.Enrollment.Lessons == nil {
			v.Enrollment.Lessons = map[string]LessonProgress{}
		}
		v.Enrollment.Lessons[l.ID] = p
	}
	return v, nil
}

// learnerCourse is the course of a learner's request, from the cache
// (courseTTL), if u may see it. It is shared: the caller must not change it.
func (s *Service) learnerCourse(ctx context.Context, u User, id string) (*Course, error) {
	c, err := s.loadCourse(ctx, id, courseTTL)
	if err != nil {
		return nil, err
	}
	if !c.CanView(u) {
		return nil, fmt.Errorf("course %s: %w", id, ErrNotFound)
	}
	return c, nil
}

// openLesson records when a learner first opened a lesson: one versioned
// write of the enrolment, made once (a repeat finds it set and keeps it).
func (s *Service) openLesson(ctx context.Context, u User, courseID, lessonID string) (LessonProgress, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	var out LessonProgress
	_, err := docs.Update(ctx, s.docs.C(collEnrollments), enrollmentID(u.NIP, courseID), func(e *Enrollment) error {
		if e.Lessons == nil {
			e.Lessons = map[string]LessonProgress{}
		}
		p := e.Lessons[lessonID]
		if p.Opened.IsZero() {
			p.open(now)
			e.Lessons[lessonID] = p
		}
		out = p
		return nil
	})
	return out, mapErr(err, "open lesson")
}

// open sets the opening time. Progress from before openings were recorded
// keeps its credit: the opening is put back by the time that progress
// took at the fastest speed.
func (p *LessonProgress) open(now time.Time) {
	p.Opened = now.Add(-time.Duration(p.WatchedSeconds() / MaxPlaybackRate * float64(time.Second)))
}

// RecordProgress stores a progress report as one versioned write of the
// enrolment. Reports are idempotent: intervals merge, done stays done.
// Only what time allows since the lesson was opened is credited: video
// up to MaxPlaybackRate seconds per second, and "done" for text and files
// after their MinimumTime. An early "done" is still written (position, the
// opening) and then refused with a *TooEarlyError saying how long is left.
func (s *Service) RecordProgress(ctx context.Context, u User, lessonID string, in ProgressInput) (LessonProgress, error) {
	if err := in.validate(); err != nil {
		return LessonProgress{}, err
	}
	c, err := s.learnerCourse(ctx, u, CourseOfLesson(lessonID))
	if err != nil {
		return LessonProgress{}, err
	}
	l, _, ok := c.Lesson(lessonID)
	if !ok {
		return LessonProgress{}, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	duration := 0.0
	if l.Kind == KindVideo {
		duration = s.videoSeconds(ctx, l)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	minimum := s.MinimumTime(l)
	var out LessonProgress
	var early time.Duration
	e, err := docs.Update(ctx, s.docs.C(collEnrollments), enrollmentID(u.NIP, c.ID), func(e *Enrollment) error {
		early = 0
		if e.Lessons == nil {
			e.Lessons = map[string]LessonProgress{}
		}
		p := e.Lessons[l.ID]
		if p.Opened.IsZero() {
			p.open(now)
		}
		if in.Position != nil {
			p.Position = *in.Position
		}
		switch l.Kind {
		case KindVideo:
			p.Duration = duration
			p.Watched = creditIntervals(p.Watched, in.Watched, p.Duration, watchBudget(p.Opened, now))
			if p.Duration > 0 && p.WatchedSeconds() >= VideoDoneShare*p.Duration {
				p.markDone(now)
			}
		case KindText, KindFile:
			if in.Done && !p.Done {
				if left := minimum - now.Sub(p.Opened); left > 0 {
					early = left
				} else {
					p.markDone(now)
				}
			}
		}
		p.Updated = now
		e.Lessons[l.ID] = p
		e.LastLesson, e.LastAt = l.ID, now
		s.settle(e, c, now)
		out = p
		return nil
	})
	if errors.Is(err, docs.ErrNotFound) {
		return LessonProgress{}, fmt.Errorf("not enrolled in %s: %w", c.ID, ErrForbidden)
	}
	if err != nil {
		return LessonProgress{}, mapErr(err, "progress")
	}
	if err := s.ensureCertificate(ctx, e, *c); err != nil {
		return out, err
	}
	if early > 0 {
		return out, &TooEarlyError{Lesson: l.ID, Wait: early}
	}
	return out, nil
}

func (p *LessonProgress) markDone(now time.Time) {
	if !p.Done {
		p.Done, p.DoneAt = true, now
	}
}

// settle recomputes the percentage and completes the enrolment once every
// required lesson is done (quiz lessons are done when passed), crediting
// the course's JP to the current calendar year, once.
func (s *Service) settle(e *Enrollment, c *Course, now time.Time) {
	e.Percent = percent(c, e.Lessons)
	if e.Percent == 100 && e.Completed.IsZero() {
		e.Completed = now
		e.JP = c.JP
		e.JPYear = now.In(jakarta).Year()
	}
}

// jakarta is Western Indonesia Time (WIB, UTC+7): the calendar year of a
// JP credit is Kotalama's, not UTC's.
var jakarta = time.FixedZone("WIB", 7*3600)

// CourseProgress returns the user's per-lesson progress in a course.
func (s *Service) CourseProgress(ctx context.Context, u User, courseID string) (Enrollment, Course, error) {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return Enrollment{}, Course{}, err
	}
	e, err := s.Enrollment(ctx, u.NIP, c.ID)
	if err != nil {
		return Enrollment{}, Course{}, err
	}
	e.Percent = percent(&c, e.Lessons)
	return e, c, nil
}

// ContinueLearning is the most recently studied unfinished course and the
// lesson to open: the last one touched, or the next after it when done.
func (s *Service) ContinueLearning(ctx context.Context, nip string) (*EnrolledCourse, *Lesson, error) {
	mine, err := s.MyCourses(ctx, nip)
	if err != nil {
		return nil, nil, err
	}
	for i := range mine {
		ec := &mine[i]
		if !ec.Completed.IsZero() || ec.Course.Status != StatusPublished {
			continue
		}
		all := ec.Course.Lessons()
		if len(all) == 0 {
			continue
		}
		idx := slices.IndexFunc(all, func(l Lesson) bool { return l.ID == ec.LastLesson })
		if idx < 0 {
			idx = 0
		} else if ec.Lessons[all[idx].ID].Done && idx+1 < len(all) {
			idx++
		}
		return ec, &all[idx], nil
	}
	return nil, nil, nil
}
