package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kotalama/kompeten/storage/docs"
)

// Lesson bodies live outside the course document, one document per body
// version in collLessonBodies, so a course at the domain's limits stays far
// below MongoDB's 16 MB (see TestCourseDocumentAtLimits) and the learner's
// hot paths read a syllabus without every lesson's text.
//
// A body document's id is the lesson id and the body's hash: a body is never
// overwritten, only added. An edit writes the body first and then the
// course, whose lesson names that hash (Lesson.BodyHash), so a course never
// points to a body that was not written, and two trainers racing on one
// lesson leave the course with the body of the course write that landed
// last, never the text of one with the word count of the other. Bodies no
// course names any more are removed after bodyGrace (an edit in flight
// touches its body document just before its course write, and a course
// write takes far less than that).
//
// Rolling deploys (one version back). A course document says in
// Course.BodiesV whether its lessons' BodyHash is authoritative. Documents
// without it are read as before: Lesson.Body is the text. The first write
// by this version moves their bodies out (migrateBodies), and
// MigrateLessonBodies does every course, idempotently and safely while old
// instances still run. For the one version that may still run beside this
// one, every course write also keeps a copy of the bodies in the course
// (Lesson.Body), up to compatBodyBudget bytes per course in syllabus order:
// an old instance reads the lessons from it, and an old instance's write
// (which drops BodiesV and BodyHash, fields it does not know) leaves a
// course this version reads as a legacy one, with the old instance's text.
// A lesson past the budget that an old instance's write left without text is
// found again through its latest body document (recoverBody). The next
// version stops writing the copy (compatBodyBudget = 0) and, after
// MigrateLessonBodies, stops reading Lesson.Body.

// bodiesV is the Course.BodiesV of a course whose bodies live outside it.
const bodiesV = 1

// compatBodyBudget bounds the bodies copied into a course document for
// instances of the previous version.
const compatBodyBudget = 512 << 10

// bodyGrace is how long an unreferenced body document is kept.
const bodyGrace = 10 * time.Minute

// lessonBodyDoc is one version of one lesson's Markdown.
type lessonBodyDoc struct {
	Course  string    `bson:"course"`
	Lesson  string    `bson:"lesson"`
	Body    string    `bson:"body"`
	Touched time.Time `bson:"touched"`
}

func bodyHash(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:16])
}

func bodyDocID(lessonID, hash string) string { return lessonID + "." + hash }

// putBody stores a lesson body (an empty one is not stored) and returns
// its hash, "" for an empty body. A body stored before is touched, so a
// cleanup running meanwhile leaves it alone.
func (s *Service) putBody(ctx context.Context, courseID, lessonID, body string) (string, error) {
	if body == "" {
		return "", nil
	}
	h := bodyHash(body)
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := upsert(ctx, s.docs.C(collLessonBodies), bodyDocID(lessonID, h), func(d *lessonBodyDoc) error {
		*d = lessonBodyDoc{Course: courseID, Lesson: lessonID, Body: body, Touched: now}
		return nil
	})
	return h, mapErr(err, "lesson body")
}

// words is the lesson body's word count: recorded with the lesson, or
// counted from a body held in the lesson (a course from before bodies moved out).
func (l Lesson) words() int {
	if l.Words > 0 {
		return l.Words
	}
	return wordCount(l.Body)
}

// LessonBody is the Markdown of one lesson of c (a course as Course or
// ViewCourse returned it), as stored now. A missing body reads as empty.
func (s *Service) LessonBody(ctx context.Context, c *Course, lessonID string) (string, error) {
	cc, err := s.loadCourse(ctx, c.ID, 0)
	if err != nil {
		return "", err
	}
	l, _, ok := cc.Lesson(lessonID)
	if !ok {
		return "", fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	return s.lessonBody(ctx, cc, l)
}

// lessonBody is the body of l, a lesson of c as stored (or as cached).
func (s *Service) lessonBody(ctx context.Context, c *Course, l Lesson) (string, error) {
	if c.BodiesV < bodiesV {
		if l.Body != "" {
			return l.Body, nil
		}
		return s.recoverBody(ctx, c.ID, l.ID)
	}
	if l.BodyHash == "" {
		return "", nil
	}
	var d lessonBodyDoc
	_, err := s.docs.C(collLessonBodies).Get(ctx, bodyDocID(l.ID, l.BodyHash), &d)
	if errors.Is(err, docs.ErrNotFound) {
		// Not written by an edit that crashed before its course write
		// could name it; removed only by the lesson's deletion. Show the
		// lesson without text rather than fail the page.
		return "", nil
	}
	return d.Body, mapErr(err, "lesson body")
}

// recoverBody is the latest body written for a lesson of a course that an
// instance of the previous version wrote back without its body pointers.
// For a course that never had its bodies moved out it finds nothing.
func (s *Service) recoverBody(ctx context.Context, courseID, lessonID string) (string, error) {
	ds, _, err := docs.FindAll[lessonBodyDoc](ctx, s.docs.C(collLessonBodies), docs.Query{
		Where: []docs.Eq{{Field: "course", Value: courseID}, {Field: "lesson", Value: lessonID}},
		Sort:  "touched", Desc: true, Limit: 1})
	if err != nil || len(ds) == 0 {
		return "", mapErr(err, "lesson body")
	}
	return ds[0].Body, nil
}

// lessonBodies are the bodies of every lesson of c (as stored), by lesson id.
func (s *Service) lessonBodies(ctx context.Context, c *Course) (map[string]string, error) {
	out := map[string]string{}
	if c.BodiesV < bodiesV {
		for _, l := range c.Lessons() {
			b, err := s.lessonBody(ctx, c, l)
			if err != nil {
				return nil, err
			}
			out[l.ID] = b
		}
		return out, nil
	}
	want := map[string]string{} // body document id -> lesson id
	for _, l := range c.Lessons() {
		if l.BodyHash != "" {
			want[bodyDocID(l.ID, l.BodyHash)] = l.ID
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	q := docs.Query{Where: []docs.Eq{{Field: "course", Value: c.ID}}, Limit: 100}
	for {
		p, err := s.docs.C(collLessonBodies).Find(ctx, q)
		if err != nil {
			return nil, mapErr(err, "lesson bodies")
		}
		for _, d := range p.Docs {
			lid, ok := want[d.ID]
			if !ok {
				continue // an older version of a body, or a deleted lesson's
			}
			var b lessonBodyDoc
			if err := bson.Unmarshal(d.BSON, &b); err != nil {
				return nil, fmt.Errorf("lesson body %s: %w", d.ID, err)
			}
			out[lid] = b.Body
		}
		if p.Next == "" {
			return out, nil
		}
		q.After = p.Next
	}
}

// withBodies is c with every lesson's Body filled in, from the course as
// stored at most maxAge ago.
func (s *Service) withBodies(ctx context.Context, c Course, maxAge time.Duration) (Course, error) {
	cc, err := s.loadCourse(ctx, c.ID, maxAge)
	if err != nil {
		return Course{}, err
	}
	bodies, err := s.lessonBodies(ctx, cc)
	if err != nil {
		return Course{}, err
	}
	c = c.clone()
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			l := &c.Modules[mi].Lessons[li]
			l.Body = bodies[l.ID]
		}
	}
	return c, nil
}

// CourseWithBodies loads a course the user may see with every lesson's
// text, for its authors' pages and tools.
func (s *Service) CourseWithBodies(ctx context.Context, u User, idOrSlug string) (Course, error) {
	c, err := s.viewCourse(ctx, u, idOrSlug, 0)
	if err != nil {
		return Course{}, err
	}
	return s.withBodies(ctx, c, 0)
}

// storedBody is where a lesson's body was stored: its hash ("" for an
// empty body) and word count.
type storedBody struct {
	hash  string
	words int
}

// migrateBodies writes a body document for every lesson of a legacy course
// c (as stored) and says, by lesson id, what it wrote. The course itself
// is not written.
func (s *Service) migrateBodies(ctx context.Context, c *Course) (map[string]storedBody, error) {
	written := map[string]storedBody{}
	if c.BodiesV >= bodiesV {
		return written, nil
	}
	for _, l := range c.Lessons() {
		body, err := s.lessonBody(ctx, c, l)
		if err != nil {
			return nil, err
		}
		h, err := s.putBody(ctx, c.ID, l.ID, body)
		if err != nil {
			return nil, err
		}
		written[l.ID] = storedBody{hash: h, words: wordCount(body)}
	}
	return written, nil
}

// externalize makes c (about to be written) a course whose bodies live
// outside it, if every body is among those written, and keeps the copy for
// the previous version within its budget. A legacy course whose text moved
// on since its bodies were written (an old instance's edit) stays legacy
// for this write.
func externalize(c *Course, written map[string]storedBody) {
	if c.BodiesV < bodiesV {
		for _, m := range c.Modules {
			for _, l := range m.Lessons {
				w, ok := written[l.ID]
				if l.Body != "" && (!ok || w.hash != bodyHash(l.Body)) {
					return
				}
			}
		}
		for mi := range c.Modules {
			for li := range c.Modules[mi].Lessons {
				l := &c.Modules[mi].Lessons[li]
				w := written[l.ID]
				l.BodyHash, l.Words = w.hash, w.words
			}
		}
		c.BodiesV = bodiesV
	}
	budget := compatBodyBudget
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			l := &c.Modules[mi].Lessons[li]
			if len(l.Body) > budget {
				l.Body = ""
			}
			budget -= len(l.Body)
		}
	}
}

// dropBodies removes every body document of a lesson, or of a whole course
// when lessonID is empty, after the course no longer names them. Failures
// leave garbage, not damage, so they are not reported.
func (s *Service) dropBodies(ctx context.Context, courseID, lessonID string, keep func(lessonBodyDoc) bool) {
	where := []docs.Eq{{Field: "course", Value: courseID}}
	if lessonID != "" {
		where = append(where, docs.Eq{Field: "lesson", Value: lessonID})
	}
	coll := s.docs.C(collLessonBodies)
	q := docs.Query{Where: where, Limit: 100}
	for {
		ds, next, err := docs.FindAll[lessonBodyDoc](ctx, coll, q)
		if err != nil {
			return
		}
		for _, d := range ds {
			if keep == nil || !keep(d) {
				_ = coll.Delete(ctx, bodyDocID(d.Lesson, bodyHash(d.Body)))
			}
		}
		if next == "" {
			return
		}
		q.After = next
	}
}

// dropOldBodies removes the body documents of a lesson other than its
// current one that nothing has touched for bodyGrace.
func (s *Service) dropOldBodies(ctx context.Context, courseID, lessonID, currentHash string) {
	cutoff := s.now().Add(-bodyGrace)
	s.dropBodies(ctx, courseID, lessonID, func(d lessonBodyDoc) bool {
		return bodyHash(d.Body) == currentHash || d.Touched.After(cutoff)
	})
}

// MigrateLessonBodies moves the lesson bodies of every course that still
// embeds them into their own documents. It is idempotent and safe while
// other instances (of this version or the previous one) write courses: each
// course is one version-guarded write, after its bodies are stored.
func (s *Service) MigrateLessonBodies(ctx context.Context) (int, error) {
	n := 0
	after := ""
	for {
		cs, next, err := docs.FindAll[Course](ctx, s.docs.C(collCourses), docs.Query{Limit: 50, After: after})
		if err != nil {
			return n, mapErr(err, "courses")
		}
		for _, c := range cs {
			if c.BodiesV >= bodiesV || c.Status == statusDeleted {
				continue
			}
			written, err := s.migrateBodies(ctx, &c)
			if err != nil {
				return n, err
			}
			_, err = docs.Update(ctx, s.docs.C(collCourses), c.ID, func(x *Course) error {
				externalize(x, written)
				return nil
			})
			if err != nil && !errors.Is(err, docs.ErrNotFound) {
				return n, mapErr(err, "course "+c.ID)
			}
			s.courses.forget(c.ID)
			n++
		}
		if next == "" {
			return n, nil
		}
		after = next
	}
}

// bodiesMigrationKey names the once-only record of moving every course's
// bodies out at the start of this version. The version that stops reading
// embedded bodies runs the migration again under a new key first.
const bodiesMigrationKey = "migrate/lesson-bodies/v1"

// MigrateLessonBodiesOnce runs MigrateLessonBodies once across the fleet,
// on whichever instance starts first. Courses an old instance writes
// later, during the rolling deploy, are moved by this version's next
// write to them.
func (s *Service) MigrateLessonBodiesOnce(ctx context.Context) (ran bool, moved int, err error) {
	ran, err = s.Once(ctx, bodiesMigrationKey, 30*time.Minute, func(ctx context.Context) error {
		moved, err = s.MigrateLessonBodies(ctx)
		return err
	})
	if errors.Is(err, ErrOnceBusy) {
		return false, 0, nil
	}
	return ran, moved, err
}
