package content

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// An atasan's team is everyone whose SupervisorNIP names them. "Tim saya"
// shows each member's JP this year, their assignments and the courses
// they are in the middle of: the atasan sees their team and no one else.

// maxTeamPage bounds the team page: a supervisor's direct reports number in
// the tens; past this the page says it shows only part.
const maxTeamPage = 500

// perMemberLimit bounds each member's assignments and courses on the page.
const perMemberLimit = 100

// HasTeam reports whether anyone names nip as their supervisor: one
// indexed count, for the menu.
func (s *Service) HasTeam(ctx context.Context, nip string) (bool, error) {
	if nip == "" {
		return false, nil
	}
	n, err := s.docs.C(collUsers).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "supervisor_nip", Value: nip}}})
	return n > 0, mapErr(err, "team")
}

// TeamAssignment is one of a member's assignments with its status.
type TeamAssignment struct {
	ID     string    `json:"id"`
	Title  string    `json:"title"`
	Course string    `json:"course_id,omitempty"`
	Path   string    `json:"path_id,omitempty"`
	Due    time.Time `json:"due"`
	Status string    `json:"status"`
}

// TeamCourse is a course a member has started and not completed.
type TeamCourse struct {
	Course  string `json:"course_id"`
	Title   string `json:"title"`
	Percent int    `json:"percent"`
}

// TeamMember is one line of "Tim saya".
type TeamMember struct {
	NIP         string           `json:"nip"`
	Name        string           `json:"name"`
	Unit        string           `json:"unit"`
	Position    string           `json:"position,omitempty"`
	Active      bool             `json:"active"`
	JP          int              `json:"jp"`
	Reached     bool             `json:"reached"`
	Pending     int              `json:"pending"`
	Done        int              `json:"done"`
	Overdue     int              `json:"overdue"`
	Assignments []TeamAssignment `json:"assignments"`
	InProgress  []TeamCourse     `json:"in_progress"`
}

// Team is an atasan's view of their team for a year.
type Team struct {
	Year    int          `json:"year"`
	Target  int          `json:"target"`
	Members []TeamMember `json:"items"`
	// Partial is set when the team has more than maxTeamPage members.
	Partial bool `json:"partial,omitempty"`
}

// TeamOf returns the team of the viewer, by name. Someone with no team
// gets ErrForbidden: the page and the API are for atasan only.
func (s *Service) TeamOf(ctx context.Context, viewer User) (Team, error) {
	year := s.CurrentYear()
	t := Team{Year: year, Target: JPTarget, Members: []TeamMember{}}
	q := docs.Query{Where: []docs.Eq{{Field: "supervisor_nip", Value: viewer.NIP}}, Sort: "name", Limit: maxTeamPage + 1}
	us, _, err := docs.FindAll[User](ctx, s.docs.C(collUsers), q)
	if err != nil {
		return t, mapErr(err, "team")
	}
	if len(us) == 0 {
		return t, ErrForbidden
	}
	if len(us) > maxTeamPage {
		us, t.Partial = us[:maxTeamPage], true
	}
	t.Members = make([]TeamMember, len(us))
	// Each member is three indexed reads (their ledger year, assignments,
	// enrolments): the store has no "any of these people" query, so they
	// are read a few members at a time rather than one after another.
	titles := &syncTitles{of: s.courseTitles()}
	now := s.now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	slots := make(chan struct{}, 4)
	for i, u := range us {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			m, err := s.teamMember(ctx, u, year, now, titles)
			if err != nil {
				mu.Lock()
				first = cmpErr(first, err)
				mu.Unlock()
				return
			}
			t.Members[i] = m
		}()
	}
	wg.Wait()
	return t, first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// syncTitles shares a course-title memo among goroutines.
type syncTitles struct {
	mu sync.Mutex
	of func(context.Context, string) (string, error)
}

func (t *syncTitles) title(ctx context.Context, id string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.of(ctx, id)
}

func (s *Service) teamMember(ctx context.Context, u User, year int, now time.Time, titles *syncTitles) (TeamMember, error) {
	m := TeamMember{NIP: u.NIP, Name: u.Name, Unit: u.Unit, Position: u.Position, Active: u.Active(),
		Assignments: []TeamAssignment{}, InProgress: []TeamCourse{}}
	jp, err := s.jpYear(ctx, u.NIP, year)
	if err != nil {
		return m, err
	}
	m.JP, m.Reached = jp.Total, jp.Reached()
	as, _, err := docs.FindAll[Assignee](ctx, s.docs.C(collAssignees),
		docs.Query{Where: []docs.Eq{{Field: "user", Value: u.NIP}}, Sort: "due", Limit: perMemberLimit})
	if err != nil {
		return m, mapErr(err, "team assignments")
	}
	for _, a := range as {
		ta := TeamAssignment{ID: a.Assignment, Title: a.Title, Course: a.Course, Path: a.Path, Due: a.Due, Status: teamStatus(a, now)}
		switch ta.Status {
		case "done":
			m.Done++
		case "overdue":
			m.Overdue++
		default:
			m.Pending++
		}
		m.Assignments = append(m.Assignments, ta)
	}
	es, _, err := docs.FindAll[Enrollment](ctx, s.docs.C(collEnrollments),
		docs.Query{Where: []docs.Eq{{Field: "user", Value: u.NIP}}, Sort: "last_at", Desc: true, Limit: perMemberLimit})
	if err != nil {
		return m, mapErr(err, "team courses")
	}
	for _, e := range es {
		if !e.Completed.IsZero() {
			continue
		}
		title, err := titles.title(ctx, e.Course)
		if err != nil {
			return m, err
		}
		pct := e.Percent
		if c, err := s.loadCourse(ctx, e.Course, courseTTL); err == nil {
			pct = percent(c, e.Lessons)
		} else if !errors.Is(err, ErrNotFound) {
			return m, err
		}
		m.InProgress = append(m.InProgress, TeamCourse{Course: e.Course, Title: title, Percent: pct})
	}
	return m, nil
}

// teamStatus is an assignment's status as /api/v1/me/assignments names
// it: done once completed, overdue when the due time passed without it,
// pending before.
func teamStatus(a Assignee, now time.Time) string {
	switch {
	case !a.Done.IsZero():
		return "done"
	case !a.Due.IsZero() && now.After(a.Due):
		return "overdue"
	}
	return "pending"
}
