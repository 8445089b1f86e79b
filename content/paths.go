package content

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Path is a learning path (jalur belajar): an ordered list of courses
// with a title, such as "Orientasi ASN Baru". It is complete for a learner
// when every one of its courses is.
type Path struct {
	ID      string    `bson:"id" json:"id"`
	Title   string    `bson:"title" json:"title"`
	Summary string    `bson:"summary,omitempty" json:"summary"`
	Courses []string  `bson:"courses" json:"courses"`
	Owners  []string  `bson:"owners" json:"owners"`
	Created time.Time `bson:"created" json:"created_at"`
	Updated time.Time `bson:"updated" json:"updated_at"`
}

// PathInput is what a trainer or admin sets on a path.
type PathInput struct {
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Courses []string `json:"courses"`
}

// MaxPathCourses bounds a path: assigning one enrols each person in every
// course of it, and its page lists them all.
const MaxPathCourses = 30

// OwnedBy reports whether u may edit the path.
func (p *Path) OwnedBy(u User) bool {
	return slices.Contains(u.Roles, RoleAdmin) || slices.Contains(p.Owners, u.NIP)
}

// validate normalises in and names what is wrong. Courses already on the
// path (old) may have been archived since; every course added must be
// published, so a learner can enrol in it.
func (s *Service) validatePath(ctx context.Context, in *PathInput, old []string) error {
	f := fieldErrors{}
	in.Title, in.Summary = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary)
	if in.Title == "" {
		f["title"] = msg("required")
	} else if utf8.RuneCountInString(in.Title) > 200 {
		f["title"] = msg("too_long", 200)
	}
	if utf8.RuneCountInString(in.Summary) > 2000 {
		f["summary"] = msg("too_long", 2000)
	}
	switch {
	case len(in.Courses) == 0:
		f["courses"] = msg("required")
	case len(in.Courses) > MaxPathCourses:
		f["courses"] = msg("path.too_many", MaxPathCourses)
	}
	if len(f) > 0 {
		return f.err()
	}
	seen := map[string]bool{}
	for i, id := range in.Courses {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > maxRefLen {
			f["courses"] = msg("path.course_unknown", id)
			break
		}
		c, err := s.Course(ctx, id)
		if errors.Is(err, ErrNotFound) {
			f["courses"] = msg("path.course_unknown", id)
			break
		}
		if err != nil {
			return err
		}
		if seen[c.ID] {
			f["courses"] = msg("path.course_twice", c.Title)
			break
		}
		seen[c.ID] = true
		if c.Status != StatusPublished && !slices.Contains(old, c.ID) {
			f["courses"] = msg("path.course_unpublished", c.Title)
			break
		}
		in.Courses[i] = c.ID // a slug becomes the id
	}
	return f.err()
}

// CreatePath stores a new path owned by its trainer.
func (s *Service) CreatePath(ctx context.Context, u User, in PathInput) (Path, error) {
	if !u.Has(RoleTrainer) {
		return Path{}, ErrForbidden
	}
	if err := s.validatePath(ctx, &in, nil); err != nil {
		return Path{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p := Path{ID: "p" + newID(9), Title: in.Title, Summary: in.Summary, Courses: in.Courses, Owners: []string{u.NIP},
		Created: now, Updated: now}
	if err := s.docs.C(collPaths).Insert(ctx, p.ID, &p); err != nil {
		return Path{}, mapErr(err, "path")
	}
	return p, nil
}

// UpdatePath replaces a path's title, summary and courses (owners and
// admins). Assignments of the path reach its new courses for people
// assigned from then on.
func (s *Service) UpdatePath(ctx context.Context, u User, id string, in PathInput) (Path, error) {
	old, err := s.Path(ctx, id)
	if err != nil {
		return Path{}, err
	}
	if !old.OwnedBy(u) {
		return Path{}, ErrForbidden
	}
	if err := s.validatePath(ctx, &in, old.Courses); err != nil {
		return Path{}, err
	}
	p, err := docs.Update(ctx, s.docs.C(collPaths), old.ID, func(p *Path) error {
		p.Title, p.Summary, p.Courses = in.Title, in.Summary, in.Courses
		p.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	return p, mapErr(err, "path")
}

// Path loads one path.
func (s *Service) Path(ctx context.Context, id string) (Path, error) {
	var p Path
	if id == "" || len(id) > maxRefLen {
		return Path{}, ErrNotFound
	}
	_, err := s.docs.C(collPaths).Get(ctx, id, &p)
	return p, mapErr(err, "path "+id)
}

// Paths lists paths, most recently changed first, a page at a time.
func (s *Service) Paths(ctx context.Context, after string, limit int) ([]Path, string, error) {
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	ps, next, err := docs.FindAll[Path](ctx, s.docs.C(collPaths), docs.Query{Sort: "updated", Desc: true, Limit: limit, After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return nil, "", ErrBadCursor
	}
	return ps, next, mapErr(err, "paths")
}

// PathCourse is one course of a path with a learner's place in it.
type PathCourse struct {
	Course    Course
	Enrolled  bool
	Percent   int
	Completed time.Time
}

// PathProgress is a learner's progress across a path.
type PathProgress struct {
	Path    Path
	Courses []PathCourse
	// Percent is the mean of the courses' percents; Completed is when the
	// last of them was completed, zero until every one is.
	Percent   int
	Completed time.Time
}

// Done reports whether every course of the path is complete.
func (p PathProgress) Done() bool { return !p.Completed.IsZero() }

// ProgressOnPath is the learner's progress on each course of a path, in
// the path's order. A course since deleted is left out.
func (s *Service) ProgressOnPath(ctx context.Context, nip string, p Path) (PathProgress, error) {
	out := PathProgress{Path: p}
	sum, done := 0, 0
	var last time.Time
	for _, id := range p.Courses {
		c, err := s.Course(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		pc := PathCourse{Course: c}
		e, err := s.Enrollment(ctx, nip, c.ID)
		switch {
		case err == nil:
			pc.Enrolled, pc.Percent, pc.Completed = true, percent(&c, e.Lessons), e.Completed
			if !e.Completed.IsZero() {
				pc.Percent = 100
				done++
				if e.Completed.After(last) {
					last = e.Completed
				}
			}
		case !errors.Is(err, ErrNotFound):
			return out, err
		}
		sum += pc.Percent
		out.Courses = append(out.Courses, pc)
	}
	if n := len(out.Courses); n > 0 {
		out.Percent = sum / n
		if done == n {
			out.Completed = last
		}
	}
	return out, nil
}

// EnrollPath enrols the learner in every published course of a path.
func (s *Service) EnrollPath(ctx context.Context, u User, id string) (Path, error) {
	p, err := s.Path(ctx, id)
	if err != nil {
		return Path{}, err
	}
	for _, cid := range p.Courses {
		c, err := s.Course(ctx, cid)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return Path{}, err
		}
		if c.Status != StatusPublished {
			continue
		}
		if _, _, err := s.enrollNIP(ctx, u.NIP, c.ID); err != nil {
			return Path{}, err
		}
	}
	return p, nil
}

// enrollNIP enrols a person in a course already known to be published,
// returning the enrolment and whether it is new.
func (s *Service) enrollNIP(ctx context.Context, nip, courseID string) (Enrollment, bool, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	e := Enrollment{User: nip, Course: courseID, Created: now, Lessons: map[string]LessonProgress{}, LastAt: now}
	err := s.docs.C(collEnrollments).Insert(ctx, enrollmentID(nip, courseID), &e)
	if errors.Is(err, docs.ErrDuplicate) {
		e, err = s.Enrollment(ctx, nip, courseID)
		return e, false, err
	}
	if err != nil {
		return Enrollment{}, false, mapErr(err, "enroll")
	}
	return e, true, nil
}
