package content

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Assignment statuses as a person and the reports see them.
const (
	AssignPending = "pending"
	AssignDone    = "done"
	AssignOverdue = "overdue"
)

// Status is pending, done or overdue at now.
func (a Assignee) Status(now time.Time) string {
	switch {
	case !a.Open:
		return AssignDone
	case now.After(a.Due):
		return AssignOverdue
	}
	return AssignPending
}

// MyAssignment is one of a person's assignments with its status.
type MyAssignment struct {
	Assignee
	Status string
}

// MyAssignments lists what the person must do, open ones first by due
// date, then those done. An open record whose courses are in fact
// complete (a completion that raced the assignment) is closed here.
func (s *Service) MyAssignments(ctx context.Context, nip string) ([]MyAssignment, error) {
	as, err := s.userAssignees(ctx, nip)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]MyAssignment, 0, len(as))
	for _, a := range as {
		if a.Open {
			done, err := s.assigneeDone(ctx, a)
			if err != nil {
				return nil, err
			}
			if !done.IsZero() {
				if err := s.closeAssignee(ctx, a, done); err != nil {
					return nil, err
				}
				a.Open, a.Done = false, done
			}
		}
		out = append(out, MyAssignment{Assignee: a, Status: a.Status(now)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Open && !out[j].Open })
	return out, nil
}

// AssignmentSummary is one assignment with how far the people it reaches
// (or, for an atasan, the team members it reaches) have got.
type AssignmentSummary struct {
	Assignment
	Assigned int
	Done     int
	Overdue  int
}

// Percent is the share done, rounded down.
func (a AssignmentSummary) Percent() int {
	if a.Assigned == 0 {
		return 0
	}
	return a.Done * 100 / a.Assigned
}

// AssignmentFilter narrows the assignment list.
type AssignmentFilter struct {
	// Unit counts only people in this unit or below it, and leaves out
	// assignments that reach nobody there.
	Unit string
	// Overdue keeps only assignments past due with people not done.
	Overdue bool
	After   string
}

// Assignments lists assignments, newest first: every one for an admin;
// for an atasan those reaching their team, counted over the team.
func (s *Service) Assignments(ctx context.Context, actor User, f AssignmentFilter) ([]AssignmentSummary, string, error) {
	var below []string
	if f.Unit != "" {
		if m := ValidUnitCode(f.Unit); m != nil {
			return nil, "", invalid("unit", *m)
		}
		var err error
		if below, err = s.UnitAndBelow(ctx, f.Unit); err != nil {
			return nil, "", err
		}
	}
	if !actor.Has(RoleAdmin) {
		return s.teamAssignments(ctx, actor, below, f)
	}
	as, next, err := docs.FindAll[Assignment](ctx, s.docs.C(collAssignments),
		docs.Query{Sort: "created", Desc: true, Limit: 50, After: f.After})
	if errors.Is(err, docs.ErrInvalidQuery) && f.After != "" {
		return nil, "", ErrBadCursor
	}
	if err != nil {
		return nil, "", mapErr(err, "assignments")
	}
	coll := s.docs.C(collAssignees)
	count := func(where ...docs.Eq) (int, error) {
		n, err := coll.Count(ctx, docs.Query{Where: where})
		return int(n), mapErr(err, "assignees")
	}
	now := s.now()
	out := make([]AssignmentSummary, 0, len(as))
	for _, a := range as {
		sum := AssignmentSummary{Assignment: a}
		id := docs.Eq{Field: "assignment", Value: a.ID}
		open := docs.Eq{Field: "open", Value: true}
		pending := 0
		if below == nil {
			if sum.Assigned, err = count(id); err != nil {
				return nil, "", err
			}
			if pending, err = count(id, open); err != nil {
				return nil, "", err
			}
		} else {
			for _, u := range below {
				unit := docs.Eq{Field: "unit", Value: u}
				n, err := count(id, unit)
				if err != nil {
					return nil, "", err
				}
				if n == 0 {
					continue
				}
				p, err := count(id, unit, open)
				if err != nil {
					return nil, "", err
				}
				sum.Assigned, pending = sum.Assigned+n, pending+p
			}
			if sum.Assigned == 0 {
				continue
			}
		}
		sum.finish(pending, now)
		if f.Overdue && sum.Overdue == 0 {
			continue
		}
		out = append(out, sum)
	}
	return out, next, nil
}

func (sum *AssignmentSummary) finish(pending int, now time.Time) {
	sum.Done = sum.Assigned - pending
	if now.After(sum.Due) {
		sum.Overdue = pending
	}
}

// teamAssignments is Assignments for an atasan: what reaches their team,
// from each member's own records (a team is tens of people).
func (s *Service) teamAssignments(ctx context.Context, actor User, below []string, f AssignmentFilter) ([]AssignmentSummary, string, error) {
	team, err := s.Team(ctx, actor.NIP)
	if err != nil {
		return nil, "", err
	}
	if len(team) == 0 {
		return nil, "", ErrForbidden
	}
	type tally struct{ assigned, pending int }
	counts := map[string]*tally{}
	for _, m := range team {
		as, err := s.userAssignees(ctx, m.NIP)
		if err != nil {
			return nil, "", err
		}
		for _, a := range as {
			if below != nil && !slices.Contains(below, a.Unit) {
				continue
			}
			t := counts[a.Assignment]
			if t == nil {
				t = &tally{}
				counts[a.Assignment] = t
			}
			t.assigned++
			if a.Open {
				t.pending++
			}
		}
	}
	now := s.now()
	out := make([]AssignmentSummary, 0, len(counts))
	for id, t := range counts {
		var a Assignment
		if _, err := s.docs.C(collAssignments).Get(ctx, id, &a); err != nil {
			if errors.Is(err, docs.ErrNotFound) {
				continue
			}
			return nil, "", mapErr(err, "assignment")
		}
		sum := AssignmentSummary{Assignment: a, Assigned: t.assigned}
		sum.finish(t.pending, now)
		if f.Overdue && sum.Overdue == 0 {
			continue
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, "", nil
}

// UnitCompletion is one unit's share of an assignment, with everything
// below it rolled up.
type UnitCompletion struct {
	Code     string
	Name     string
	Depth    int
	Assigned int
	Done     int
	Overdue  int
}

// Percent is the share done, rounded down.
func (u UnitCompletion) Percent() int {
	if u.Assigned == 0 {
		return 0
	}
	return u.Done * 100 / u.Assigned
}

// AssignmentReport is one assignment's completion: in all, per unit
// (rolled up the tree), and per person.
type AssignmentReport struct {
	AssignmentSummary
	Units  []UnitCompletion
	People []MyAssignment
}

// Overdue lists the people past due and not done.
func (r AssignmentReport) OverduePeople() []MyAssignment {
	var out []MyAssignment
	for _, p := range r.People {
		if p.Status == AssignOverdue {
			out = append(out, p)
		}
	}
	return out
}

// AssignmentReport reads one assignment's records. Admins see everyone;
// an atasan sees their team members only, and an assignment that reaches
// none of them is forbidden.
func (s *Service) AssignmentReport(ctx context.Context, actor User, id string) (AssignmentReport, error) {
	var a Assignment
	if id == "" || len(id) > maxRefLen {
		return AssignmentReport{}, ErrNotFound
	}
	if _, err := s.docs.C(collAssignments).Get(ctx, id, &a); err != nil {
		return AssignmentReport{}, mapErr(err, "assignment "+id)
	}
	var team map[string]bool
	if !actor.Has(RoleAdmin) {
		members, err := s.Team(ctx, actor.NIP)
		if err != nil {
			return AssignmentReport{}, err
		}
		team = map[string]bool{}
		for _, m := range members {
			team[m.NIP] = true
		}
	}
	now := s.now()
	r := AssignmentReport{AssignmentSummary: AssignmentSummary{Assignment: a}}
	q := docs.Query{Where: []docs.Eq{{Field: "assignment", Value: a.ID}}, Sort: "user", Limit: 1000}
	for {
		as, next, err := docs.FindAll[Assignee](ctx, s.docs.C(collAssignees), q)
		if err != nil {
			return r, mapErr(err, "assignees")
		}
		for _, x := range as {
			if team != nil && !team[x.User] {
				continue
			}
			r.People = append(r.People, MyAssignment{Assignee: x, Status: x.Status(now)})
		}
		if next == "" {
			break
		}
		q.After = next
	}
	if team != nil && len(r.People) == 0 {
		return r, ErrForbidden
	}
	pending := 0
	for _, p := range r.People {
		if p.Open {
			pending++
		}
	}
	r.Assigned = len(r.People)
	r.finish(pending, now)
	units, err := s.AllUnits(ctx)
	if err != nil {
		return r, err
	}
	r.Units = rollUp(units, r.People)
	return r, nil
}

// rollUp counts people per unit and adds each unit's counts to every unit
// above it, listing the units reached in tree order.
func rollUp(units []Unit, people []MyAssignment) []UnitCompletion {
	byCode := map[string]Unit{}
	children := map[string][]string{}
	for _, u := range units {
		byCode[u.Code] = u
	}
	for _, u := range units {
		if _, ok := byCode[u.Parent]; ok && u.Parent != u.Code {
			children[u.Parent] = append(children[u.Parent], u.Code)
		}
	}
	tally := map[string]*UnitCompletion{}
	get := func(code string) *UnitCompletion {
		t := tally[code]
		if t == nil {
			t = &UnitCompletion{Code: code, Name: code}
			if u, ok := byCode[code]; ok {
				t.Name = u.Name
			}
			tally[code] = t
		}
		return t
	}
	for _, p := range people {
		at, seen := p.Unit, map[string]bool{}
		for !seen[at] && len(seen) <= maxUnitDepth {
			seen[at] = true
			t := get(at)
			t.Assigned++
			switch p.Status {
			case AssignDone:
				t.Done++
			case AssignOverdue:
				t.Overdue++
			}
			u, ok := byCode[at]
			if !ok || u.Parent == "" {
				break
			}
			at = u.Parent
		}
	}
	var out []UnitCompletion
	var walk func(code string, depth int)
	visited := map[string]bool{}
	walk = func(code string, depth int) {
		t, ok := tally[code]
		if !ok || visited[code] {
			return
		}
		visited[code] = true
		t.Depth = depth
		out = append(out, *t)
		kids := slices.Clone(children[code])
		slices.Sort(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	roots := make([]string, 0, len(tally))
	for code := range tally {
		if u, ok := byCode[code]; !ok || u.Parent == "" || byCode[u.Parent].Code == "" {
			roots = append(roots, code)
		}
	}
	slices.Sort(roots)
	for _, r := range roots {
		walk(r, 0)
	}
	return out
}
