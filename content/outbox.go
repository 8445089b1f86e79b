package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/storage/docs"
)

// Search indexing is driven by the courses themselves. Every course write
// sets the course's IndexDue in that same single-document write, so no
// change is ever acknowledged without being queued for search, whatever
// crashes next (a separate outbox entry written after the course could be
// lost between the two writes). The indexer finds due courses through the
// declared index_due index, writes their entries, and parks each with a
// write guarded by the version it indexed: a course that moved meanwhile
// fails the guard and stays due. A deleted course is a tombstone until its
// entries are gone.
//
// Per course, a record ("indexed:<id>" in settings) keeps every search id
// written for it, the course version they came from (a newer version in
// the index is never overwritten by an older one), and failures for
// back-off.

// outboxEntry is what versions before index_due queued. Nothing is queued
// there any more; leftover entries are still drained, so an upgrade loses
// no pending change.
type outboxEntry struct {
	Course   string    `bson:"course"`
	Queued   time.Time `bson:"queued"`
	Attempts int       `bson:"attempts"`
	LastErr  string    `bson:"last_err,omitempty"`
}

// OutboxBatch is how many courses one ProcessOutbox call brings up to date.
const OutboxBatch = 100

// indexIdle is the IndexDue of a course with nothing pending (and the
// queued time of a parked legacy entry): a range up to now never reaches it.
var indexIdle = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// PendingIndex counts courses waiting for the search index, for /readyz.
func (s *Service) PendingIndex(ctx context.Context) (int64, error) {
	due, err := s.docs.C(collCourses).Count(ctx, docs.Query{Range: &docs.Range{Field: "index_due", Lt: indexIdle}})
	if err != nil {
		return 0, mapErr(err, "courses due for search")
	}
	legacy, err := s.docs.C(collOutbox).Count(ctx, docs.Query{Range: &docs.Range{Field: "queued", Lt: indexIdle}})
	return due + legacy, mapErr(err, "search outbox")
}

// indexedIDs is the per-course index record.
type indexedIDs struct {
	IDs []string `bson:"ids"`
	// Version is the course version the entries were written from.
	Version  int64  `bson:"version,omitempty"`
	Attempts int    `bson:"attempts,omitempty"`
	LastErr  string `bson:"last_err,omitempty"`
}

func searchID(courseID, lessonID string) string {
	if lessonID == "" {
		return courseID
	}
	return courseID + "_" + lessonID
}

// SearchDocs are the search entries of a course: the course itself and
// each lesson, with the text of PDF lessons.
func (s *Service) SearchDocs(ctx context.Context, c *Course) ([]search.Doc, error) {
	base := search.Doc{CourseID: c.ID, Title: c.Title, Summary: c.Summary, Category: c.Category, Level: c.Level,
		JP: c.JP, Owners: c.Owners, Status: c.Status}
	course := base
	course.ID, course.Type, course.Body = c.ID, search.TypeCourse, s.md.Text(c.Description)
	out := []search.Doc{course}
	bodies, err := s.lessonBodies(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, l := range c.Lessons() {
		d := base
		d.ID, d.Type, d.LessonID, d.LessonTitle = searchID(c.ID, l.ID), search.TypeLesson, l.ID, l.Title
		d.Body = s.md.Text(bodies[l.ID])
		if l.Kind == KindFile && l.AssetID != "" {
			a, err := s.Asset(ctx, l.AssetID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			if err == nil {
				text, err := s.PDFText(ctx, a)
				if err != nil {
					return nil, err
				}
				d.Body = strings.TrimSpace(d.Body + " " + text)
			}
		}
		if len(l.Captions) > 0 {
			text, err := s.captionText(ctx, l)
			if err != nil {
				return nil, err
			}
			d.Body = strings.TrimSpace(d.Body + " " + text)
		}
		out = append(out, d)
	}
	return out, nil
}

// ProcessOutbox brings the search entries of due courses up to date,
// oldest first, and returns how many courses it handled: fewer than
// OutboxBatch means nothing more is due. A course that fails is put back
// with a growing delay and the error returned, so a backend that is down
// is not hammered.
func (s *Service) ProcessOutbox(ctx context.Context, idx search.Index) (int, error) {
	done, err := s.processLegacyOutbox(ctx, idx)
	if err != nil || done >= OutboxBatch {
		return done, err
	}
	p, err := s.docs.C(collCourses).Find(ctx, docs.Query{Range: &docs.Range{Field: "index_due", Lte: s.now().UTC()},
		Sort: "index_due", Limit: OutboxBatch - done})
	if err != nil {
		return done, mapErr(err, "courses due for search")
	}
	for _, d := range p.Docs {
		if err := s.indexDue(ctx, idx, d.ID); err != nil {
			return done, fmt.Errorf("index %s: %w", d.ID, err)
		}
		done++
	}
	return done, nil
}

// indexDue indexes one due course as it is now and parks it, or deletes
// a tombstone once its entries are gone.
func (s *Service) indexDue(ctx context.Context, idx search.Index, id string) error {
	unlock, err := s.indexing.lock(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	coll := s.docs.C(collCourses)
	var c Course
	version, err := coll.Get(ctx, id, &c)
	switch {
	case errors.Is(err, docs.ErrNotFound):
		return nil // another instance finished a tombstone
	case err != nil:
		return mapErr(err, "course "+id)
	case !c.IndexDue.Before(indexIdle):
		return nil // another instance parked it
	}
	gone := c.Status == statusDeleted
	cur := &c
	if gone {
		cur = nil
	}
	if err := s.writeEntries(ctx, idx, id, cur, version); err != nil {
		s.backOff(ctx, &c, version, err)
		return err
	}
	if gone {
		// Only this worker writes a tombstone, so there is no version to guard.
		return mapErr(ignoreNotFound(coll.Delete(ctx, id)), "course "+id)
	}
	c.IndexDue = indexIdle
	_, err = coll.Replace(ctx, id, version, &c)
	if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
		return nil // changed meanwhile: still due, indexed again next round
	}
	return mapErr(err, "course "+id)
}

// backOff records a failure and moves the course's due time later, more
// so each time, unless the course changed meanwhile (then it stays due).
// It runs even when ctx has ended (a run that hit its deadline still
// counts as a failure), with a short deadline of its own.
func (s *Service) backOff(ctx context.Context, c *Course, version int64, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rec, err := upsert(ctx, s.docs.C(collSettings), "indexed:"+c.ID, func(x *indexedIDs) error {
		x.Attempts++
		x.LastErr = cause.Error()
		return nil
	})
	if err != nil {
		return
	}
	c.IndexDue = s.now().UTC().Add(time.Duration(min(rec.Attempts, 10)) * 5 * time.Second).Truncate(time.Millisecond)
	_, _ = s.docs.C(collCourses).Replace(ctx, c.ID, version, c)
}

// processLegacyOutbox drains entries queued by earlier versions.
func (s *Service) processLegacyOutbox(ctx context.Context, idx search.Index) (int, error) {
	entries, _, err := docs.FindAll[outboxEntry](ctx, s.docs.C(collOutbox), docs.Query{Sort: "queued", Range: &docs.Range{Field: "queued", Lte: s.now().UTC()}, Limit: OutboxBatch})
	if err != nil {
		return 0, mapErr(err, "search outbox")
	}
	done := 0
	for _, e := range entries {
		if err := s.reindexCourse(ctx, idx, e.Course); err != nil {
			_, _ = docs.Update(ctx, s.docs.C(collOutbox), e.Course, func(x *outboxEntry) error {
				x.Attempts++
				x.LastErr = err.Error()
				x.Queued = s.now().UTC().Add(time.Duration(min(x.Attempts, 10)) * 5 * time.Second).Truncate(time.Millisecond)
				return nil
			})
			return done, fmt.Errorf("index %s: %w", e.Course, err)
		}
		// Park the entry unless an older instance queued it again meanwhile.
		var cur outboxEntry
		v, err := s.docs.C(collOutbox).Get(ctx, e.Course, &cur)
		if err == nil && cur.Queued.Equal(e.Queued) {
			_, _ = s.docs.C(collOutbox).Replace(ctx, e.Course, v, &outboxEntry{Course: e.Course, Queued: indexIdle})
		}
		done++
	}
	return done, nil
}

// reindexCourse writes a course's entries as it is now, whether or not
// it is due; a due course stays due (its own round parks it).
func (s *Service) reindexCourse(ctx context.Context, idx search.Index, id string) error {
	unlock, err := s.indexing.lock(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	var c Course
	version, err := s.docs.C(collCourses).Get(ctx, id, &c)
	switch {
	case errors.Is(err, docs.ErrNotFound) || (err == nil && c.Status == statusDeleted):
		return s.writeEntries(ctx, idx, id, nil, version)
	case err != nil:
		return mapErr(err, "course "+id)
	}
	return s.writeEntries(ctx, idx, id, &c, version)
}

// writeEntries makes the index hold exactly c's entries (none when c is
// nil: the course is gone) and removes stale ones. version is the course
// version c was read at: entries from a newer version are never replaced
// by older ones.
func (s *Service) writeEntries(ctx context.Context, idx search.Index, courseID string, c *Course, version int64) error {
	key := "indexed:" + courseID
	var known indexedIDs
	if _, err := s.docs.C(collSettings).Get(ctx, key, &known); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return mapErr(err, "indexed ids")
	}
	if c != nil && known.Version > version {
		return nil
	}
	var current []search.Doc
	if c != nil {
		var err error
		if current, err = s.SearchDocs(ctx, c); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(current))
	for _, d := range current {
		ids = append(ids, d.ID)
	}
	var stale []string
	for _, id := range known.IDs {
		if !slices.Contains(ids, id) {
			stale = append(stale, id)
		}
	}
	// Remember the new ids first: if indexing fails half way, the next
	// round still knows every id that may be in the index.
	all := append(slices.Clone(ids), stale...)
	if _, err := upsert(ctx, s.docs.C(collSettings), key, func(x *indexedIDs) error { x.IDs = all; return nil }); err != nil {
		return mapErr(err, "indexed ids")
	}
	if len(current) > 0 {
		if err := idx.Upsert(ctx, current...); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		if err := idx.Delete(ctx, stale...); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return mapErr(ignoreNotFound(s.docs.C(collSettings).Delete(ctx, key)), "indexed ids")
	}
	_, err := upsert(ctx, s.docs.C(collSettings), key, func(x *indexedIDs) error {
		*x = indexedIDs{IDs: ids, Version: version}
		return nil
	})
	return mapErr(err, "indexed ids")
}

func ignoreNotFound(err error) error {
	if errors.Is(err, docs.ErrNotFound) {
		return nil
	}
	return err
}

// reindexCourseTimeout bounds one course of a Reindex, so a backend that
// stops answering ends the rebuild (to be tried again) instead of hanging.
const reindexCourseTimeout = 5 * time.Minute

// Reindex rebuilds the index entries of every course from the document
// store, calling progress after each course with the count done and the
// total.
func (s *Service) Reindex(ctx context.Context, idx search.Index, progress func(done, total int)) error {
	total64, err := s.docs.C(collCourses).Count(ctx, docs.Query{})
	if err != nil {
		return mapErr(err, "count courses")
	}
	total, done := int(total64), 0
	progress(done, total)
	after := ""
	for {
		cs, next, err := s.AllCourses(ctx, after, 100)
		if err != nil {
			return err
		}
		for _, c := range cs {
			cctx, cancel := context.WithTimeout(ctx, reindexCourseTimeout)
			err := s.reindexCourse(cctx, idx, c.ID)
			cancel()
			if err != nil {
				return fmt.Errorf("reindex %s: %w", c.ID, err)
			}
			done++
			progress(done, max(total, done))
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// courseLocks serialises the index writes of one course within this
// process, so the outbox and a background fill never interleave and leave
// an older version's entries in the index.
type courseLocks struct {
	mu   sync.Mutex
	held map[string]*courseLock
}

type courseLock struct {
	ch    chan struct{}
	users int
}

func (l *courseLocks) lock(ctx context.Context, id string) (func(), error) {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*courseLock{}
	}
	e := l.held[id]
	if e == nil {
		e = &courseLock{ch: make(chan struct{}, 1)}
		l.held[id] = e
	}
	e.users++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		if e.users--; e.users == 0 {
			delete(l.held, id)
		}
		l.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
