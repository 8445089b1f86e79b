package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/storage/docs"
)

// outboxEntry says a course's search entries must be brought up to date.
// Its id is the course id, so queueing twice is one entry. Indexed holds
// every search id ever written for the course, so entries of deleted
// lessons (or a deleted course) can be removed.
type outboxEntry struct {
	Course   string    `bson:"course"`
	Queued   time.Time `bson:"queued"`
	Attempts int       `bson:"attempts"`
	LastErr  string    `bson:"last_err,omitempty"`
}

// OutboxBatch is how many courses one ProcessOutbox call brings up to date.
const OutboxBatch = 100

// outboxIdle is the queued time of an entry with nothing pending.
var outboxIdle = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// PendingIndex counts courses waiting for the search index, for /readyz.
func (s *Service) PendingIndex(ctx context.Context) (int64, error) {
	n, err := s.docs.C(collOutbox).Count(ctx, docs.Query{Range: &docs.Range{Field: "queued", Lt: outboxIdle}})
	return n, mapErr(err, "search outbox")
}

// indexedIDs remembers which search ids a course has in the index.
type indexedIDs struct {
	IDs []string `bson:"ids"`
}

// queueIndex records that a course changed. It runs right after the
// course's own write; the outbox worker does the rest, so a search backend
// that is down loses nothing.
func (s *Service) queueIndex(ctx context.Context, courseID string) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := upsert(ctx, s.docs.C(collOutbox), courseID, func(e *outboxEntry) error {
		e.Course, e.Queued = courseID, now
		return nil
	})
	return mapErr(err, "search outbox")
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
	for _, l := range c.Lessons() {
		d := base
		d.ID, d.Type, d.LessonID, d.LessonTitle = searchID(c.ID, l.ID), search.TypeLesson, l.ID, l.Title
		d.Body = s.md.Text(l.Body)
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

// ProcessOutbox applies pending changes to the index, oldest first, and
// returns how many courses it brought up to date. An entry that fails
// stays, with its attempt count raised, for the next round.
func (s *Service) ProcessOutbox(ctx context.Context, idx search.Index) (int, error) {
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
				// Back off: a failing entry waits longer each time.
				x.Queued = s.now().UTC().Add(time.Duration(min(x.Attempts, 10)) * 5 * time.Second).Truncate(time.Millisecond)
				return nil
			})
			return done, fmt.Errorf("index %s: %w", e.Course, err)
		}
		// Park the entry, unless the course was queued again meanwhile: the
		// versioned write then fails and the entry stays pending. Entries
		// are never deleted, so a delete can never swallow a new change.
		var cur outboxEntry
		v, err := s.docs.C(collOutbox).Get(ctx, e.Course, &cur)
		if err == nil && cur.Queued.Equal(e.Queued) {
			_, _ = s.docs.C(collOutbox).Replace(ctx, e.Course, v, &outboxEntry{Course: e.Course, Queued: outboxIdle})
		}
		done++
	}
	return done, nil
}

// reindexCourse writes a course's current entries and removes stale ones.
func (s *Service) reindexCourse(ctx context.Context, idx search.Index, courseID string) error {
	key := "indexed:" + courseID
	var known indexedIDs
	if _, err := s.docs.C(collSettings).Get(ctx, key, &known); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return mapErr(err, "indexed ids")
	}
	var current []search.Doc
	c, err := s.Course(ctx, courseID)
	switch {
	case err == nil:
		if current, err = s.SearchDocs(ctx, &c); err != nil {
			return err
		}
	case !errors.Is(err, ErrNotFound):
		return err
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
	_, err = upsert(ctx, s.docs.C(collSettings), key, func(x *indexedIDs) error { x.IDs = ids; return nil })
	return mapErr(err, "indexed ids")
}

func ignoreNotFound(err error) error {
	if errors.Is(err, docs.ErrNotFound) {
		return nil
	}
	return err
}

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
			if err := s.reindexCourse(ctx, idx, c.ID); err != nil {
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
