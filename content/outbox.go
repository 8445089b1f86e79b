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
//
// Across instances: one instance at a time works the queue, under the
// lease "search-index" (lease.go), renewed while it works. The lease alone
// cannot stop a holder that stalled past its expiry from finishing an
// index write after the next holder wrote a newer state, and the search
// backend has no conditional write. So every index write is fenced after
// the fact: a writer stamps the course's record before it writes and
// checks after the write that no other writer stamped or recorded a newer
// version meanwhile; if one did, or the lease was lost, or the course moved
// before it could be parked, it queues the course again (ensureDue). The
// next round then writes the newest state after every write that might have
// overtaken it, so the index ends with the latest state whatever the order
// in which two instances' writes landed.

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
	Version int64 `bson:"version,omitempty"`
	// Writer is the stamp of the write in progress (see writeEntries).
	Writer   string `bson:"writer,omitempty"`
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
// each lesson, with the text of PDF lessons, and its threads.
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
	threads, err := s.threadSearchDocs(ctx, c)
	if err != nil {
		return nil, err
	}
	return append(out, threads...), nil
}

// The indexer's lease: one instance works the search queue at a time.
// The time to live covers a few missed renewals (every third of it); a
// holder that died is replaced within it.
const (
	indexLeaseName = "search-index"
	indexLeaseTTL  = 30 * time.Second
)

// errIndexRaced: another writer wrote the course's entries while this one
// did, so which landed last is unknown; the course is queued again.
var errIndexRaced = errors.New("index write overtaken")

// ProcessOutbox brings the search entries of due courses up to date,
// oldest first, and returns how many courses it handled: fewer than
// OutboxBatch means nothing more is due. A course that fails is put back
// with a growing delay and the error returned, so a backend that is down
// is not hammered. It works under the indexer's lease: while another
// instance holds it, this one does nothing and returns 0.
func (s *Service) ProcessOutbox(ctx context.Context, idx search.Index) (int, error) {
	done := 0
	err := s.WithLease(ctx, indexLeaseName, s.leaseSpan, func(ctx context.Context, l *Lease) error {
		var err error
		done, err = s.processOutbox(ctx, idx, l)
		return err
	})
	if errors.Is(err, ErrLeaseHeld) {
		return 0, nil
	}
	return done, err
}

func (s *Service) processOutbox(ctx context.Context, idx search.Index, l *Lease) (int, error) {
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
		if err := s.indexDue(ctx, idx, d.ID, l); err != nil {
			return done, fmt.Errorf("index %s: %w", d.ID, err)
		}
		done++
	}
	return done, nil
}

// indexDue indexes one due course as it is now and parks it, or deletes
// a tombstone once its entries are gone. Before parking it checks that it
// still holds the lease l.
func (s *Service) indexDue(ctx context.Context, idx search.Index, id string, l *Lease) error {
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
	err = s.writeEntries(ctx, idx, id, cur, version)
	if errors.Is(err, errIndexRaced) {
		return s.ensureDue(ctx, id)
	}
	if err != nil {
		if !errors.Is(context.Cause(ctx), ErrLeaseLost) {
			// A failure of the backend's, not a hand-over to another
			// instance (which finds the course still due).
			s.backOff(ctx, &c, version, err)
		}
		return err
	}
	if err := l.Held(ctx); err != nil {
		// Another instance may have written this course since; which
		// write landed last is unknown.
		return errors.Join(err, s.ensureDue(ctx, id))
	}
	if gone {
		// Only the indexer writes a tombstone, so there is no version to guard.
		return mapErr(ignoreNotFound(coll.Delete(ctx, id)), "course "+id)
	}
	c.IndexDue = indexIdle
	_, err = coll.Replace(ctx, id, version, &c)
	if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
		// Changed meanwhile: an edit left it due; but if another indexer
		// parked it, the entries just written may be older than its.
		return s.ensureDue(ctx, id)
	}
	return mapErr(err, "course "+id)
}

// ensureDue queues a course for indexing again unless it already is. A
// course no longer stored gets a tombstone, so entries written for it
// after its tombstone went are removed too. It runs even when ctx has
// ended (a write that may have landed must be followed by another).
func (s *Service) ensureDue(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := docs.Update(ctx, s.docs.C(collCourses), id, func(c *Course) error {
		if c.IndexDue.Before(indexIdle) {
			return errNoChange
		}
		c.IndexDue = now
		return nil
	})
	switch {
	case errors.Is(err, errNoChange):
		return nil
	case errors.Is(err, docs.ErrNotFound):
		t := Course{CourseCard: CourseCard{ID: id, Slug: "~" + id, Status: statusDeleted, Updated: now}, IndexDue: now}
		if err := s.docs.C(collCourses).Insert(ctx, id, &t); err != nil && !errors.Is(err, docs.ErrDuplicate) {
			return mapErr(err, "course "+id)
		}
		return nil
	}
	return mapErr(err, "course "+id)
}

var errNoChange = errors.New("no change")

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
		err = s.writeEntries(ctx, idx, id, nil, version)
	case err != nil:
		return mapErr(err, "course "+id)
	default:
		err = s.writeEntries(ctx, idx, id, &c, version)
	}
	if errors.Is(err, errIndexRaced) {
		return s.ensureDue(ctx, id)
	}
	return err
}

// writeEntries makes the index hold exactly c's entries (none when c is
// nil: the course is gone) and removes stale ones. version is the course
// version c was read at: entries from a newer version are never replaced
// by older ones. It returns errIndexRaced when another writer stamped the
// record or recorded a newer version while this one wrote: the entries in
// the index may then be either's, and the caller queues the course again.
func (s *Service) writeEntries(ctx context.Context, idx search.Index, courseID string, c *Course, version int64) error {
	key := "indexed:" + courseID
	rec := s.docs.C(collSettings)
	var known indexedIDs
	if _, err := rec.Get(ctx, key, &known); err != nil && !errors.Is(err, docs.ErrNotFound) {
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
	// Remember the new ids first, added to whatever the record holds: if
	// indexing fails half way, or another writer races this one, the next
	// round still knows every id that may be in the index. The stamp
	// tells, after the write, whether another writer began meanwhile.
	stamp := newID(16)
	if _, err := upsert(ctx, rec, key, func(x *indexedIDs) error {
		x.IDs, x.Writer = union(x.IDs, ids), stamp
		return nil
	}); err != nil {
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
	return s.recordEntries(ctx, key, stamp, ids, version)
}

// recordEntries records, after a write, the ids and version now in the
// index, guarded by the record's version: only if no other writer stamped
// the record or recorded a newer version since this write's stamp.
// Otherwise it keeps this write's ids in the record (so a later round
// removes any that are stale) and returns errIndexRaced.
func (s *Service) recordEntries(ctx context.Context, key, stamp string, ids []string, version int64) error {
	rec := s.docs.C(collSettings)
	for attempt := 0; attempt < docs.MaxUpdateAttempts; attempt++ {
		var x indexedIDs
		v, err := rec.Get(ctx, key, &x)
		if errors.Is(err, docs.ErrNotFound) {
			// A tombstone's round removed the record meanwhile.
			err := rec.Insert(ctx, key, &indexedIDs{IDs: ids})
			if errors.Is(err, docs.ErrDuplicate) {
				continue
			}
			if err != nil {
				return mapErr(err, "indexed ids")
			}
			return errIndexRaced
		}
		if err != nil {
			return mapErr(err, "indexed ids")
		}
		raced := x.Writer != stamp || x.Version > version
		switch {
		case raced:
			x.IDs = union(x.IDs, ids)
		case len(ids) == 0:
			return mapErr(ignoreNotFound(rec.Delete(ctx, key)), "indexed ids")
		default:
			x = indexedIDs{IDs: ids, Version: version}
		}
		_, err = rec.Replace(ctx, key, v, &x)
		if errors.Is(err, docs.ErrConflict) {
			continue
		}
		if err != nil {
			return mapErr(err, "indexed ids")
		}
		if raced {
			return errIndexRaced
		}
		return nil
	}
	return fmt.Errorf("indexed ids %s: %w", key, docs.ErrConflict)
}

// union is a with the ids of b it lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	have := make(map[string]bool, len(a))
	for _, id := range a {
		have[id] = true
	}
	for _, id := range b {
		if !have[id] {
			have[id] = true
			out = append(out, id)
		}
	}
	return out
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
