package content

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// The reminder pass tells people about pending assignments: 7 days and 1
// day before the due date, when it has passed, and their atasan when it
// has been overdue for 7 days.
//
// Each occasion of each record is a point in time (the due date moved by
// the occasion's offset). A pass notifies the records whose point lies
// between the last pass and now, reading them through the open_due index
// by due window, page by page: the work is the records that reached an
// occasion since the last pass, never all records or all users. Where the
// last pass got to is kept per occasion (counters/reminders/<occasion>),
// moved only after its window is done; a window starts an hour before
// that mark, so records written late (clock skew, a slow assignment run)
// are not missed. Notify's key ("assign/<id>/<nip>/<occasion>") makes
// every overlap, re-run, restart and second instance harmless: an
// occasion is notified once.
//
// A record assigned after its occasion's point (someone given a course
// due in three days) gets no "7 days left": the new-assignment notice
// already told them the date.

type occasion struct {
	name   string
	kind   string
	offset time.Duration // the point is Due - offset
	// until: the occasion is past once Due - until <= now (a "7 days
	// left" is not sent when only one is left); zero for none.
	until time.Duration
	// atasan: the notice goes to the user's supervisor.
	atasan bool
}

const day = 24 * time.Hour

var occasions = []occasion{
	{name: "due7", kind: KindDue7, offset: 7 * day, until: day},
	{name: "due1", kind: KindDue1, offset: day, until: time.Nanosecond},
	{name: "overdue", kind: KindOverdue, offset: 0},
	{name: "overdue7", kind: KindTeamOverdue, offset: -7 * day, atasan: true},
}

const (
	// reminderOverlap: each window reaches back this far before the mark.
	reminderOverlap = time.Hour
	// reminderLookback: on the first pass (or after a long stop), points
	// older than this are not notified: a flood of stale reminders helps
	// nobody.
	reminderLookback = 14 * day
	reminderPage     = 500
)

// ReminderStats says what one pass did.
type ReminderStats struct {
	Checked int // records read
	Created int // notifications stored
}

func reminderMark(o occasion) string { return "reminders/" + o.name }

// RemindAssignees runs the reminder pass once (see the top of this file).
// Run it under a lease or ClaimPeriod so it runs once per period; a
// second run at the same time sends nothing twice either way.
func (s *Service) RemindAssignees(ctx context.Context) (ReminderStats, error) {
	var st ReminderStats
	now := s.now().UTC().Truncate(time.Millisecond)
	users := map[string]*User{} // read once per pass, not per record
	for _, o := range occasions {
		mark, err := s.Counter(ctx, reminderMark(o))
		if err != nil {
			return st, err
		}
		from := now.Add(-reminderLookback)
		if m := time.UnixMilli(mark).UTC().Add(-reminderOverlap); mark > 0 && m.After(from) {
			from = m
		}
		if err := s.remindWindow(ctx, o, from, now, users, &st); err != nil {
			return st, err
		}
		if _, err := upsert(ctx, s.docs.C(collCounters), reminderMark(o), func(d *counterDoc) error {
			d.N = max(d.N, now.UnixMilli())
			return nil
		}); err != nil {
			return st, mapErr(err, "reminder mark")
		}
		if len(users) > 50_000 {
			clear(users)
		}
	}
	return st, nil
}

// remindWindow notifies the records of occasion o whose point is in
// (from, now].
func (s *Service) remindWindow(ctx context.Context, o occasion, from, now time.Time, users map[string]*User, st *ReminderStats) error {
	lo := from.Add(o.offset)
	if o.until > 0 && now.Add(o.until).After(lo) {
		lo = now.Add(o.until) // nearer due dates are the next occasion's
	}
	q := docs.Query{Where: []docs.Eq{{Field: "open", Value: true}},
		Range: &docs.Range{Field: "due", Gt: lo, Lte: now.Add(o.offset)}, Sort: "due", Limit: reminderPage}
	for {
		as, next, err := docs.FindAll[Assignee](ctx, s.docs.C(collAssignees), q)
		if err != nil {
			return mapErr(err, "reminders")
		}
		for _, a := range as {
			st.Checked++
			created, err := s.remindOne(ctx, o, a, now, users)
			if err != nil {
				return err
			}
			if created {
				st.Created++
			}
		}
		if next == "" || ctx.Err() != nil {
			return ctx.Err()
		}
		q.After = next
	}
}

func (s *Service) remindOne(ctx context.Context, o occasion, a Assignee, now time.Time, users map[string]*User) (bool, error) {
	point := a.Due.Add(-o.offset)
	if !a.Open || a.Assigned.After(point) || (o.until > 0 && !a.Due.Add(-o.until).After(now)) {
		return false, nil
	}
	key := "assign/" + a.Assignment + "/" + a.User + "/" + o.name
	if done, err := s.notified(ctx, key); err != nil || done {
		return false, err
	}
	u, err := s.userOnce(ctx, a.User, users)
	if err != nil || u == nil {
		return false, err // a record whose user is gone tells nobody
	}
	due := a.Due.In(jakarta).Format(time.DateOnly)
	n := NewNotification{Key: key, User: a.User, Kind: o.kind, Text: occasionText(o, "", a.Title, due), URL: assigneeURL(a)}
	to := u
	if o.atasan {
		if u.SupervisorNIP == "" {
			return false, nil
		}
		if to, err = s.userOnce(ctx, u.SupervisorNIP, users); err != nil || to == nil {
			return false, err
		}
		n.User = to.NIP
		n.Text = occasionText(o, u.Name, a.Title, due)
		n.URL = "/team?nip=" + url.QueryEscape(u.NIP)
	}
	return s.notifyAs(ctx, n, *to)
}

// occasionText is the message of an occasion; name is the team member's
// for the atasan's.
func occasionText(o occasion, name, title, due string) Msg {
	switch o.kind {
	case KindDue7:
		return msg("notify.due7", title, due)
	case KindDue1:
		return msg("notify.due1", title, due)
	case KindTeamOverdue:
		return msg("notify.team_overdue", name, title, due)
	default:
		return msg("notify.overdue", title, due)
	}
}

// userOnce reads a user through the pass's cache; nil when there is none.
func (s *Service) userOnce(ctx context.Context, nip string, users map[string]*User) (*User, error) {
	if u, ok := users[nip]; ok {
		return u, nil
	}
	u, err := s.User(ctx, nip)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var p *User
	if err == nil {
		p = &u
	}
	users[nip] = p
	return p, nil
}

// assigneeURL is where a reminder leads: the course, or the path.
func assigneeURL(a Assignee) string {
	if a.Course != "" {
		return "/courses/" + url.PathEscape(a.Course)
	}
	if a.Path != "" {
		return "/paths/" + url.PathEscape(a.Path)
	}
	return "/"
}

// ReminderKey is the Notify key of one occasion of one record, for tests
// and for features that want to know whether it was sent.
func ReminderKey(assignment, nip, occasion string) string {
	return fmt.Sprintf("assign/%s/%s/%s", assignment, nip, occasion)
}
