package content

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Assignments follow people and their learning: a completed course closes
// the assignments it satisfies, and a person who joins a unit or takes a
// position gets the active assignments aimed at it.

// userAssignees lists a person's Assignee records, soonest due first.
func (s *Service) userAssignees(ctx context.Context, nip string) ([]Assignee, error) {
	as, _, err := docs.FindAll[Assignee](ctx, s.docs.C(collAssignees),
		docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}}, Sort: "due", Limit: 1000})
	return as, mapErr(err, "assignments")
}

// assigneeDone reports when a person completed what an Assignee record
// asks (the course, or the last course of the path), or zero.
func (s *Service) assigneeDone(ctx context.Context, as Assignee) (time.Time, error) {
	courses := []string{as.Course}
	if as.Path != "" {
		p, err := s.Path(ctx, as.Path)
		if errors.Is(err, ErrNotFound) {
			return time.Time{}, nil
		}
		if err != nil {
			return time.Time{}, err
		}
		courses = p.Courses
	}
	var last time.Time
	for _, cid := range courses {
		e, err := s.Enrollment(ctx, as.User, cid)
		if errors.Is(err, ErrNotFound) {
			if c, cerr := s.Course(ctx, cid); errors.Is(cerr, ErrNotFound) || (cerr == nil && c.Status != StatusPublished) {
				continue // gone from the catalog: it cannot be asked for
			}
			return time.Time{}, nil
		}
		if err != nil {
			return time.Time{}, err
		}
		if e.Completed.IsZero() {
			return time.Time{}, nil
		}
		if e.Completed.After(last) {
			last = e.Completed
		}
	}
	return last, nil
}

// closeAssignee marks an Assignee record done, once.
func (s *Service) closeAssignee(ctx context.Context, as Assignee, at time.Time) error {
	_, err := docs.Update(ctx, s.docs.C(collAssignees), assigneeID(as.Assignment, as.User), func(a *Assignee) error {
		if a.Open {
			a.Done, a.Open = at, false
		}
		return nil
	})
	return mapErr(err, "assignee")
}

// courseCompleted closes the person's open assignments the completed
// course finishes: the course itself, or the last missing course of a
// path. It runs where a certificate is first recorded (ensureCertificate),
// which a later progress report repeats if this failed.
func (s *Service) courseCompleted(ctx context.Context, nip, courseID string) error {
	as, err := s.userAssignees(ctx, nip)
	if err != nil {
		return err
	}
	paths := map[string]bool{}
	for _, a := range as {
		if !a.Open {
			continue
		}
		if a.Path != "" {
			ok, seen := paths[a.Path]
			if !seen {
				p, err := s.Path(ctx, a.Path)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				ok = slices.Contains(p.Courses, courseID)
				paths[a.Path] = ok
			}
			if !ok {
				continue
			}
		} else if a.Course != courseID {
			continue
		}
		done, err := s.assigneeDone(ctx, a)
		if err != nil {
			return err
		}
		if !done.IsZero() {
			if err := s.closeAssignee(ctx, a, done); err != nil {
				return err
			}
		}
	}
	return nil
}

// followAssignments is userChanged's share for assignments: a person
// new to a unit (or to one below an assigned unit), new to a position, or
// enabled again gets each active assignment aimed there whose due date is
// still ahead; a move carries their open assignments to the new unit for
// the per-unit reports.
func (s *Service) followAssignments(ctx context.Context, before, after User) error {
	if !after.Active() {
		return nil
	}
	fresh := before.NIP == "" || !before.Active()
	var keys []string
	if (fresh || before.Unit != after.Unit) && after.Unit != "" {
		at := after.Unit
		for range maxUnitDepth + 1 {
			keys = append(keys, "unit:"+at)
			var u Unit
			if _, err := s.docs.C(collUnits).Get(ctx, at, &u); err != nil {
				if errors.Is(err, docs.ErrNotFound) {
					break
				}
				return mapErr(err, "unit")
			}
			if u.Parent == "" || u.Parent == at {
				break
			}
			at = u.Parent
		}
	}
	if (fresh || before.Position != after.Position) && after.Position != "" {
		keys = append(keys, "pos:"+after.Position)
	}
	if before.NIP != "" && before.Unit != after.Unit {
		if err := s.moveOpenAssignees(ctx, after); err != nil {
			return err
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	seen := map[string]bool{}
	for _, key := range keys {
		ts, _, err := docs.FindAll[assignTarget](ctx, s.docs.C(collAssignTargets), docs.Query{
			Where: []docs.Eq{{Field: "key", Value: key}}, Range: &docs.Range{Field: "due", Gt: now}, Sort: "due", Limit: 500})
		if err != nil {
			return mapErr(err, "assignment targets")
		}
		for _, t := range ts {
			if seen[t.Assignment] {
				continue
			}
			seen[t.Assignment] = true
			var a Assignment
			if _, err := s.docs.C(collAssignments).Get(ctx, t.Assignment, &a); err != nil {
				if errors.Is(err, docs.ErrNotFound) {
					continue
				}
				return mapErr(err, "assignment")
			}
			if !a.Active {
				continue
			}
			_, courses, err := s.assignedWhat(ctx, a.Course, a.Path, a.Event)
			var ve *ValidationError
			if errors.As(err, &ve) {
				continue // its course was withdrawn from the catalog
			}
			if err != nil {
				return err
			}
			if _, err := s.assignOne(ctx, a, courses, after); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveOpenAssignees records a person's new unit on their open
// assignments, so completion per unit counts them where they are now.
func (s *Service) moveOpenAssignees(ctx context.Context, u User) error {
	as, err := s.userAssignees(ctx, u.NIP)
	if err != nil {
		return err
	}
	for _, a := range as {
		if !a.Open || a.Unit == u.Unit {
			continue
		}
		if _, err := docs.Update(ctx, s.docs.C(collAssignees), assigneeID(a.Assignment, a.User), func(x *Assignee) error {
			x.Unit = u.Unit
			return nil
		}); err != nil {
			return mapErr(err, "assignee")
		}
	}
	return nil
}
