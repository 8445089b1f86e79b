package content

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Assignment (penugasan) makes a course or a learning path mandatory for
// people chosen by NIP, by unit (with its sub-units) and by position, with
// a due date and a reason. Each person it reaches gets an Assignee record,
// so "what must I do", "who is overdue" and the reminder pass are indexed
// queries, never a scan of people × assignments.
type Assignment struct {
	ID        string    `bson:"id" json:"id"`
	Course    string    `bson:"course,omitempty" json:"course_id,omitempty"`
	Path      string    `bson:"path,omitempty" json:"path_id,omitempty"`
	Event     string    `bson:"event,omitempty" json:"event_id,omitempty"`
	Title     string    `bson:"title" json:"title"`
	NIPs      []string  `bson:"nips,omitempty" json:"nips,omitempty"`
	Units     []string  `bson:"units,omitempty" json:"units,omitempty"`
	Positions []string  `bson:"positions,omitempty" json:"positions,omitempty"`
	Due       time.Time `bson:"due" json:"due"`
	Reason    string    `bson:"reason,omitempty" json:"reason,omitempty"`
	By        string    `bson:"by" json:"by"`
	Created   time.Time `bson:"created" json:"created_at"`
	// Active is false once the assignment is withdrawn.
	Active bool `bson:"active" json:"active"`
	// Pending is set until every person it reaches has their record: an
	// instance that dies part-way leaves it set, and the sweep finishes
	// the fan-out (each person's record is written idempotently).
	Pending bool `bson:"pending,omitempty" json:"-"`
}

// Assignee is one person's share of an assignment, stored under
// assigneeID(assignment, nip) so assigning twice never duplicates it.
type Assignee struct {
	Assignment string    `bson:"assignment" json:"assignment_id"`
	User       string    `bson:"user" json:"nip"`
	Unit       string    `bson:"unit" json:"unit"`
	Course     string    `bson:"course,omitempty" json:"course_id,omitempty"`
	Path       string    `bson:"path,omitempty" json:"path_id,omitempty"`
	Title      string    `bson:"title" json:"title"`
	Due        time.Time `bson:"due" json:"due"`
	Assigned   time.Time `bson:"assigned" json:"assigned_at"`
	// Done is when the course or every course of the path was completed;
	// zero while pending. Open mirrors Done.IsZero() so the reminder pass
	// queries pending records by due date through one index.
	Done time.Time `bson:"done,omitempty" json:"done_at,omitzero"`
	Open bool      `bson:"open" json:"-"`
}

func assigneeID(assignment, nip string) string { return assignment + "~" + nip }

// Bounds of one assignment: what a form or a script can name, and how
// many people one request may reach (a whole city is about 20,000).
const (
	MaxAssignNIPs      = 2000
	MaxAssignUnits     = 100
	MaxAssignPositions = 50
	MaxAssignReason    = 500
	MaxAssignees       = 30000
	// MaxDueAhead keeps a typo in the year from making a deadline that
	// never comes.
	MaxDueAhead = 3 * 366 * 24 * time.Hour
	// assignWorkers is how many people are written at once: the document
	// store takes one write at a time, so a few in flight keep it busy
	// while the others encode.
	assignWorkers = 8
)

// AssignmentInput is an assignment as a form or the API states it. Due is
// a date (YYYY-MM-DD, the end of that day in WIB) or an RFC 3339 time.
type AssignmentInput struct {
	CourseID  string   `json:"course_id"`
	PathID    string   `json:"path_id"`
	EventID   string   `json:"event_id"`
	NIPs      []string `json:"nips"`
	Units     []string `json:"units"`
	Positions []string `json:"positions"`
	Due       string   `json:"due"`
	Reason    string   `json:"reason"`
}

// ParseDue reads a due date: a calendar day means the end of that day in
// Kotalama (WIB).
func ParseDue(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, jakarta); err == nil {
		return t.Add(24*time.Hour - time.Second).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Millisecond), true
	}
	return time.Time{}, false
}

// cleanList trims, drops empty entries and duplicates, keeping order.
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (in *AssignmentInput) validate(now time.Time) (time.Time, error) {
	f := fieldErrors{}
	in.CourseID, in.PathID = strings.TrimSpace(in.CourseID), strings.TrimSpace(in.PathID)
	in.Reason = strings.TrimSpace(in.Reason)
	in.EventID = strings.TrimSpace(in.EventID)
	switch {
	case in.CourseID == "" && in.PathID == "" && in.EventID == "":
		f["course_id"] = msg("assign.what")
	case in.CourseID != "" && in.PathID != "":
		f["path_id"] = msg("assign.one_of")
	case in.EventID != "" && (in.CourseID != "" || in.PathID != ""):
		f["event_id"] = msg("assign.one_of")
	}
	if len(in.NIPs) > MaxAssignNIPs {
		f["nips"] = msg("assign.too_many", MaxAssignNIPs)
	}
	if len(in.Units) > MaxAssignUnits {
		f["units"] = msg("assign.too_many", MaxAssignUnits)
	}
	if len(in.Positions) > MaxAssignPositions {
		f["positions"] = msg("assign.too_many", MaxAssignPositions)
	}
	if len(f) > 0 {
		return time.Time{}, f.err()
	}
	in.NIPs, in.Units, in.Positions = cleanList(in.NIPs), cleanList(in.Units), cleanList(in.Positions)
	for _, nip := range in.NIPs {
		if err := ValidateNIP(nip, now); err != nil {
			m, _ := messageOf(err)
			f["nips"] = msg("assign.bad_nip", nip, m)
			break
		}
	}
	for _, u := range in.Units {
		if m := ValidUnitCode(u); m != nil {
			f["units"] = *m
			break
		}
	}
	for _, p := range in.Positions {
		if utf8.RuneCountInString(p) > 200 {
			f["positions"] = msg("too_long", 200)
			break
		}
	}
	if len(in.NIPs)+len(in.Units)+len(in.Positions) == 0 {
		f["nips"] = msg("assign.who")
	}
	due, ok := ParseDue(in.Due)
	switch {
	case strings.TrimSpace(in.Due) == "" && in.EventID != "":
		// An event's due date is its end (Assign fills it in).
	case strings.TrimSpace(in.Due) == "":
		f["due"] = msg("required")
	case !ok:
		f["due"] = msg("assign.due_format")
	case !due.After(now):
		f["due"] = msg("assign.due_past")
	case due.Sub(now) > MaxDueAhead:
		f["due"] = msg("assign.due_far")
	}
	if utf8.RuneCountInString(in.Reason) > MaxAssignReason {
		f["reason"] = msg("too_long", MaxAssignReason)
	}
	return due, f.err()
}

// assignTarget records that an assignment reaches everyone in a unit (or
// below it) or with a position, so a person who joins later is found by
// one indexed query per unit above them, not by reading every assignment.
type assignTarget struct {
	Key        string    `bson:"key"` // "unit:<code>" or "pos:<position>"
	Assignment string    `bson:"assignment"`
	Due        time.Time `bson:"due"`
}

// CanAssign reports whether u may assign at all: admins anywhere, an
// atasan to their team.
func (s *Service) CanAssign(ctx context.Context, u User) (bool, error) {
	if u.Has(RoleAdmin) {
		return true, nil
	}
	return s.HasTeam(ctx, u.NIP)
}

// assignedWhat is the course or path an assignment makes mandatory: its
// title and the published courses a person is enrolled in.
func (s *Service) assignedWhat(ctx context.Context, courseID, pathID, eventID string) (title string, courses []string, err error) {
	if eventID != "" {
		ev, err := s.Event(ctx, eventID)
		if errors.Is(err, ErrNotFound) {
			return "", nil, invalid("event_id", msg("assign.event_unknown"))
		}
		return ev.Title, nil, err
	}
	if courseID != "" {
		c, err := s.Course(ctx, courseID)
		if errors.Is(err, ErrNotFound) {
			return "", nil, invalid("course_id", msg("assign.course_unknown"))
		}
		if err != nil {
			return "", nil, err
		}
		if c.Status != StatusPublished {
			return "", nil, invalid("course_id", msg("course.not_published"))
		}
		return c.Title, []string{c.ID}, nil
	}
	p, err := s.Path(ctx, pathID)
	if errors.Is(err, ErrNotFound) {
		return "", nil, invalid("path_id", msg("assign.path_unknown"))
	}
	if err != nil {
		return "", nil, err
	}
	for _, id := range p.Courses {
		c, err := s.Course(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		if c.Status == StatusPublished {
			courses = append(courses, c.ID)
		}
	}
	if len(courses) == 0 {
		return "", nil, invalid("path_id", msg("assign.path_empty"))
	}
	return p.Title, courses, nil
}

// Assign makes a course or a path mandatory, by a due date, for the union
// of the people named, everyone in the units named or below them, and
// everyone holding the positions named. Admins may assign to anyone; an
// atasan only to their own team, by NIP. Each person is enrolled, gets an
// Assignee record (done at once if they already completed it) and one
// notification. People who join a unit or take a position later get it
// too (userChanged).
func (s *Service) Assign(ctx context.Context, actor User, in AssignmentInput) (Assignment, int, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	due, err := in.validate(now)
	if err != nil {
		return Assignment{}, 0, err
	}
	admin := actor.Has(RoleAdmin)
	if !admin {
		if len(in.Units) > 0 || len(in.Positions) > 0 {
			// Units and positions reach beyond a team, now or later.
			return Assignment{}, 0, ErrForbidden
		}
		ok, err := s.CanAssign(ctx, actor)
		if err != nil {
			return Assignment{}, 0, err
		}
		if !ok {
			return Assignment{}, 0, ErrForbidden
		}
	}
	title, courses, err := s.assignedWhat(ctx, in.CourseID, in.PathID, in.EventID)
	if err != nil {
		return Assignment{}, 0, err
	}
	if in.EventID != "" {
		ev, err := s.Event(ctx, in.EventID)
		if err != nil {
			return Assignment{}, 0, err
		}
		if !ev.RegistrationOpen(now) {
			return Assignment{}, 0, invalid("event_id", msg("assign.event_closed"))
		}
		if due.IsZero() {
			due = ev.Ends
		}
	}
	people, err := s.assignees(ctx, in)
	if err != nil {
		return Assignment{}, 0, err
	}
	if !admin {
		for _, u := range people {
			if u.SupervisorNIP != actor.NIP {
				return Assignment{}, 0, ErrForbidden
			}
		}
	}
	if len(people) == 0 {
		return Assignment{}, 0, invalid("nips", msg("assign.nobody"))
	}
	a := Assignment{ID: "a" + newID(10), Course: in.CourseID, Path: in.PathID, Event: in.EventID, Title: title, NIPs: in.NIPs,
		Units: in.Units, Positions: in.Positions, Due: due, Reason: in.Reason, By: actor.NIP, Created: now, Active: true, Pending: true}
	if in.CourseID != "" {
		a.Course = courses[0]
	}
	if err := s.docs.C(collAssignments).Insert(ctx, a.ID, &a); err != nil {
		return Assignment{}, 0, mapErr(err, "assignment")
	}
	// The fan-out finishes even if the caller goes away: a person left out
	// half-way would never be reached again. If this instance dies, the
	// sweep finishes it (ResumeAssignments).
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), fanOutWindow)
	defer cancel()
	n, err := s.completeFanOut(work, a, courses, people)
	if err != nil {
		return a, n, err
	}
	s.Audit(ctx, actor, "assignment.create", a.ID, nil, a)
	return a, n, nil
}

// fanOutWindow bounds one fan-out; an assignment still pending after it
// was left by an instance that stopped, and the sweep takes it over.
const fanOutWindow = 10 * time.Minute

// completeFanOut records whom the assignment follows, writes each
// person's record, and clears Pending.
func (s *Service) completeFanOut(ctx context.Context, a Assignment, courses []string, people []User) (int, error) {
	for _, key := range targetKeys(a) {
		t := assignTarget{Key: key, Assignment: a.ID, Due: a.Due}
		if err := s.docs.C(collAssignTargets).Insert(ctx, key+"~"+a.ID, &t); err != nil && !errors.Is(err, docs.ErrDuplicate) {
			return 0, mapErr(err, "assignment target")
		}
	}
	n, err := s.fanOut(ctx, a, courses, people)
	if err != nil {
		return n, err
	}
	return n, s.clearPending(ctx, a.ID)
}

func (s *Service) clearPending(ctx context.Context, id string) error {
	_, err := docs.Update(ctx, s.docs.C(collAssignments), id, func(x *Assignment) error {
		x.Pending = false
		return nil
	})
	return mapErr(err, "assignment "+id)
}

// ResumeAssignments finishes the fan-out of assignments an instance left
// pending (it stopped mid-way), resolving their people again. It runs in
// the sweep, once per period across the fleet.
func (s *Service) ResumeAssignments(ctx context.Context) (int, error) {
	left, _, err := docs.FindAll[Assignment](ctx, s.docs.C(collAssignments), docs.Query{
		Where: []docs.Eq{{Field: "pending", Value: true}},
		Range: &docs.Range{Field: "created", Lt: s.now().UTC().Add(-fanOutWindow)}, Sort: "created", Limit: 20})
	if err != nil {
		return 0, mapErr(err, "pending assignments")
	}
	done := 0
	for _, a := range left {
		_, courses, err := s.assignedWhat(ctx, a.Course, a.Path, a.Event)
		var ve *ValidationError
		if errors.Is(err, ErrNotFound) || errors.As(err, &ve) {
			// Its course or path is gone or no longer published: it can
			// reach no one more.
			courses, err = nil, s.clearPending(ctx, a.ID)
			if err == nil {
				continue
			}
		}
		if err != nil {
			return done, err
		}
		people, err := s.assignees(ctx, AssignmentInput{NIPs: a.NIPs, Units: a.Units, Positions: a.Positions})
		if err != nil {
			return done, err
		}
		if _, err := s.completeFanOut(ctx, a, courses, people); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

func targetKeys(a Assignment) []string {
	var keys []string
	for _, u := range a.Units {
		keys = append(keys, "unit:"+u)
	}
	for _, p := range a.Positions {
		keys = append(keys, "pos:"+p)
	}
	return keys
}

// assignees resolves the people an assignment names: the union of NIPs,
// units with everything below them, and positions, without duplicates
// and without disabled accounts.
func (s *Service) assignees(ctx context.Context, in AssignmentInput) ([]User, error) {
	byNIP := map[string]User{}
	var order []string
	add := func(u User) error {
		if !u.Active() {
			return nil
		}
		if _, ok := byNIP[u.NIP]; !ok {
			if len(order) >= MaxAssignees {
				return invalid("units", msg("assign.too_many_people", MaxAssignees))
			}
			byNIP[u.NIP] = u
			order = append(order, u.NIP)
		}
		return nil
	}
	for _, nip := range in.NIPs {
		u, err := s.User(ctx, nip)
		if errors.Is(err, ErrNotFound) {
			return nil, invalid("nips", msg("assign.nip_unknown", nip))
		}
		if err != nil {
			return nil, err
		}
		if err := add(u); err != nil {
			return nil, err
		}
	}
	query := func(field, value string) error {
		q := docs.Query{Where: []docs.Eq{{Field: field, Value: value}}, Limit: 1000}
		for {
			us, next, err := docs.FindAll[User](ctx, s.docs.C(collUsers), q)
			if err != nil {
				return mapErr(err, "assignees")
			}
			for _, u := range us {
				if err := add(u); err != nil {
					return err
				}
			}
			if next == "" {
				return nil
			}
			q.After = next
		}
	}
	if len(in.Units) > 0 {
		all, err := s.AllUnits(ctx)
		if err != nil {
			return nil, err
		}
		for _, code := range in.Units {
			if !slices.ContainsFunc(all, func(u Unit) bool { return u.Code == code }) {
				return nil, invalid("units", msg("unit.unknown", code))
			}
			for _, c := range Below(all, code) {
				if err := query("unit", c); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, p := range in.Positions {
		if err := query("position", p); err != nil {
			return nil, err
		}
	}
	out := make([]User, len(order))
	for i, nip := range order {
		out[i] = byNIP[nip]
	}
	return out, nil
}

// fanOut gives each person their share of an assignment, a few at a time,
// and returns how many it newly reached.
func (s *Service) fanOut(ctx context.Context, a Assignment, courses []string, people []User) (int, error) {
	var (
		next, added atomic.Int64
		firstErr    error
		mu          sync.Mutex
		wg          sync.WaitGroup
	)
	for range min(assignWorkers, len(people)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(people) {
					return
				}
				isNew, err := s.assignOne(ctx, a, courses, people[i])
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					next.Store(int64(len(people))) // stop the others
					return
				}
				if isNew {
					added.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(added.Load()), firstErr
}

// assignOne enrols one person in the assignment's courses, stores their
// Assignee record (done already if they completed every course) and, the
// first time, tells them. Repeating it changes nothing.
func (s *Service) assignOne(ctx context.Context, a Assignment, courses []string, u User) (bool, error) {
	if a.Event != "" {
		return s.assignEvent(ctx, a, u)
	}
	var done time.Time
	all := true
	for _, cid := range courses {
		e, _, err := s.enrollNIP(ctx, u.NIP, cid)
		if err != nil {
			return false, err
		}
		if e.Completed.IsZero() {
			all = false
		} else if e.Completed.After(done) {
			done = e.Completed
		}
	}
	if !all {
		done = time.Time{}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	as := Assignee{Assignment: a.ID, User: u.NIP, Unit: u.Unit, Course: a.Course, Path: a.Path, Title: a.Title,
		Due: a.Due, Assigned: now, Done: done, Open: done.IsZero()}
	err := s.docs.C(collAssignees).Insert(ctx, assigneeID(a.ID, u.NIP), &as)
	if errors.Is(err, docs.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "assignee")
	}
	if as.Open {
		if _, err := s.Notify(ctx, NewNotification{Key: "assign/" + a.ID + "/" + u.NIP + "/new", User: u.NIP, Kind: "assigned",
			Text: msg("notify.assigned", a.Title, a.Due.In(jakarta).Format("2006-01-02")), URL: assignmentURL(a)}); err != nil {
			return true, err
		}
	}
	return true, nil
}

// assignmentURL is where a person starts on what was assigned to them.
func assignmentURL(a Assignment) string {
	if a.Event != "" {
		return "/events/" + a.Event
	}
	if a.Path != "" {
		return "/paths/" + a.Path
	}
	return "/courses/" + a.Course
}
