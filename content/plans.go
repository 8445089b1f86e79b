package content

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// The individual plan (RPK, rencana pengembangan kompetensi): each ASN
// drafts, for a year, the courses, learning paths, events and mentoring
// they mean to take with the JP of each; submits it to their atasan, who
// approves it or returns it with a note. A plan is one document per person
// and year (plans/<nip>-<year>), every change one versioned write, so a
// draft saved twice or a decision racing an edit never leaves half of one.
// What was done is read from the JP ledger, never stored on the plan.

// Plan statuses.
const (
	PlanDraft     = "draft"
	PlanSubmitted = "submitted"
	PlanApproved  = "approved"
	PlanReturned  = "returned"
)

// Plan item kinds.
const (
	PlanCourse    = "course"
	PlanPath      = "path"
	PlanEvent     = "event"
	PlanMentoring = "mentoring"
)

// Bounds of a plan.
const (
	MaxPlanItems  = 40
	MaxPlanItemJP = 200
	MaxPlanNote   = 1000
	maxPlanRef    = 200
)

// Plan errors the app answers with 409.
var (
	ErrPlanLocked     = newError("plan.locked", "the plan waits for the atasan's decision")
	ErrPlanNotPending = newError("plan.not_submitted", "the plan is not waiting for a decision")
)

// PlanItem is one line of a plan. Ref is a course or path id, a
// mentorship id, or, for an event (kegiatan) not in the catalogue, its
// name; Title is filled in from what Ref names.
type PlanItem struct {
	Kind  string `bson:"kind" json:"kind"`
	Ref   string `bson:"ref" json:"ref"`
	Title string `bson:"title" json:"title"`
	JP    int    `bson:"jp" json:"jp"`
}

// Plan is one person's RPK for a year.
type Plan struct {
	ID     string     `bson:"id" json:"id"`
	User   string     `bson:"user" json:"nip"`
	Name   string     `bson:"name" json:"name"`
	Unit   string     `bson:"unit" json:"unit"`
	Year   int        `bson:"year" json:"year"`
	Items  []PlanItem `bson:"items" json:"items"`
	Status string     `bson:"status" json:"status"`
	// Supervisor is the atasan it was submitted to.
	Supervisor string    `bson:"supervisor,omitempty" json:"supervisor,omitempty"`
	Note       string    `bson:"note,omitempty" json:"note,omitempty"`
	Submitted  time.Time `bson:"submitted,omitempty" json:"submitted_at,omitzero"`
	Decided    time.Time `bson:"decided,omitempty" json:"decided_at,omitzero"`
	DecidedBy  string    `bson:"decided_by,omitempty" json:"decided_by,omitempty"`
	Updated    time.Time `bson:"updated" json:"updated_at,omitzero"`
}

// PlannedJP is the sum of the items' JP.
func (p Plan) PlannedJP() int {
	n := 0
	for _, it := range p.Items {
		n += it.JP
	}
	return n
}

// PlanID is the id of nip's plan for year.
func PlanID(nip string, year int) string { return fmt.Sprintf("%s-%d", nip, year) }

// planYearOK: a plan is drafted for this year or the next.
func (s *Service) planYearOK(year int) bool {
	y := s.CurrentYear()
	return year == y || year == y+1
}

// MyPlan returns u's plan for year, a new draft (not stored) if there is
// none.
func (s *Service) MyPlan(ctx context.Context, u User, year int) (Plan, error) {
	if year < 2000 || year > 2100 {
		return Plan{}, invalid("year", msg("plan.year"))
	}
	var p Plan
	_, err := s.docs.C(collPlans).Get(ctx, PlanID(u.NIP, year), &p)
	if errors.Is(err, docs.ErrNotFound) {
		return Plan{ID: PlanID(u.NIP, year), User: u.NIP, Name: u.Name, Unit: u.Unit, Year: year, Items: []PlanItem{}, Status: PlanDraft}, nil
	}
	if p.Items == nil {
		p.Items = []PlanItem{}
	}
	return p, mapErr(err, "plan")
}

// checkItems normalises a plan's items and names what is wrong; titles
// come from what each item names, so a plan never shows a title its owner
// made up for a course.
func (s *Service) checkItems(ctx context.Context, u User, items []PlanItem) ([]PlanItem, error) {
	if len(items) > MaxPlanItems {
		return nil, invalid("items", msg("assign.too_many", MaxPlanItems))
	}
	out := make([]PlanItem, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		field := fmt.Sprintf("items.%d", i)
		it.Kind, it.Ref = strings.TrimSpace(it.Kind), strings.TrimSpace(it.Ref)
		if it.Ref == "" {
			return nil, invalid(field, msg("required"))
		}
		if utf8.RuneCountInString(it.Ref) > maxPlanRef || strings.ContainsAny(it.Ref, "\r\n") {
			return nil, invalid(field, msg("one_line", 1, maxPlanRef))
		}
		if it.JP < 0 || it.JP > MaxPlanItemJP {
			return nil, invalid(field, msg("course.jp", 1, MaxPlanItemJP))
		}
		switch it.Kind {
		case PlanCourse:
			c, err := s.Course(ctx, it.Ref)
			if errors.Is(err, ErrNotFound) || (err == nil && c.Status != StatusPublished) {
				return nil, invalid(field, msg("assign.course_unknown"))
			}
			if err != nil {
				return nil, err
			}
			it.Ref, it.Title = c.ID, c.Title
			it.JP = cmp.Or(it.JP, c.JP)
		case PlanPath:
			p, err := s.Path(ctx, it.Ref)
			if errors.Is(err, ErrNotFound) {
				return nil, invalid(field, msg("assign.path_unknown"))
			}
			if err != nil {
				return nil, err
			}
			it.Ref, it.Title = p.ID, p.Title
		case PlanMentoring:
			m, err := s.mentorship(ctx, it.Ref)
			if errors.Is(err, ErrNotFound) || (err == nil && m.Mentee != u.NIP) {
				return nil, invalid(field, msg("plan.mentoring_unknown"))
			}
			if err != nil {
				return nil, err
			}
			it.Title = clip(m.Goal, 200)
		case PlanEvent:
			it.Title = it.Ref
		default:
			return nil, invalid(field, msg("plan.kind"))
		}
		if it.JP < 1 {
			return nil, invalid(field, msg("course.jp", 1, MaxPlanItemJP))
		}
		key := it.Kind + "\x00" + it.Ref
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out, nil
}

// SavePlan replaces the items of u's plan for year. A plan waiting for
// the atasan is locked (ErrPlanLocked); changing an approved or returned
// plan makes it a draft again, to be submitted anew.
func (s *Service) SavePlan(ctx context.Context, u User, year int, items []PlanItem) (Plan, error) {
	if !s.planYearOK(year) {
		return Plan{}, invalid("year", msg("plan.year"))
	}
	items, err := s.checkItems(ctx, u, items)
	if err != nil {
		return Plan{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p, err := upsert(ctx, s.docs.C(collPlans), PlanID(u.NIP, year), func(p *Plan) error {
		if p.Status == PlanSubmitted {
			return ErrPlanLocked
		}
		*p = Plan{ID: PlanID(u.NIP, year), User: u.NIP, Name: u.Name, Unit: u.Unit, Year: year, Items: items, Status: PlanDraft,
			Note: p.Note, Supervisor: p.Supervisor, Updated: now}
		return nil
	})
	if errors.Is(err, ErrPlanLocked) {
		return Plan{}, err
	}
	return p, mapErr(err, "plan")
}

// SubmitPlan sends u's plan for year to their atasan, who is notified.
func (s *Service) SubmitPlan(ctx context.Context, u User, year int) (Plan, error) {
	if !s.planYearOK(year) {
		return Plan{}, invalid("year", msg("plan.year"))
	}
	me, err := s.User(ctx, u.NIP)
	if err != nil {
		return Plan{}, err
	}
	if me.SupervisorNIP == "" {
		return Plan{}, invalid("supervisor", msg("plan.no_atasan"))
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	first := false
	p, err := docs.Update(ctx, s.docs.C(collPlans), PlanID(u.NIP, year), func(p *Plan) error {
		switch {
		case p.Status == PlanSubmitted:
			first = false
			return nil // submitted already: the same answer
		case p.Status == PlanApproved:
			return ErrPlanNotPending
		case len(p.Items) == 0:
			return invalid("items", msg("plan.empty"))
		}
		first = true
		p.Status, p.Supervisor, p.Submitted, p.Updated = PlanSubmitted, me.SupervisorNIP, now, now
		p.Decided, p.DecidedBy = time.Time{}, ""
		return nil
	})
	if errors.Is(err, docs.ErrNotFound) {
		return Plan{}, invalid("items", msg("plan.empty"))
	}
	var ve *ValidationError
	if errors.Is(err, ErrPlanNotPending) || errors.As(err, &ve) {
		return Plan{}, err
	}
	if err != nil {
		return Plan{}, mapErr(err, "plan")
	}
	if first {
		// Keyed by the submission, so a plan returned and submitted again
		// is a new notice.
		_, err = s.Notify(ctx, NewNotification{Key: fmt.Sprintf("plan/%s/submitted/%d", p.ID, p.Submitted.UnixMilli()),
			User: p.Supervisor, Kind: KindPlanSubmitted, Text: msg("notify.plan_submitted", me.Name, year), URL: "/team/plans/" + p.ID})
	}
	return p, err
}

// Notification kinds of plans.
const (
	KindPlanSubmitted = "plan.submitted"
	KindPlanDecided   = "plan.decided"
)

// planForAtasan loads a plan and checks that actor is the owner's atasan
// (now, not only when it was submitted).
func (s *Service) planForAtasan(ctx context.Context, actor User, id string) (Plan, error) {
	var p Plan
	if id == "" || len(id) > 64 {
		return p, ErrNotFound
	}
	if _, err := s.docs.C(collPlans).Get(ctx, id, &p); err != nil {
		return p, mapErr(err, "plan")
	}
	owner, err := s.User(ctx, p.User)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return p, err
	}
	if owner.SupervisorNIP == "" || owner.SupervisorNIP != actor.NIP {
		return Plan{}, ErrForbidden
	}
	return p, nil
}

// PlanForViewer returns a plan to its owner, their atasan or an admin.
func (s *Service) PlanForViewer(ctx context.Context, actor User, id string) (Plan, error) {
	if strings.HasPrefix(id, actor.NIP+"-") || actor.Has(RoleAdmin) {
		var p Plan
		if len(id) > 64 {
			return p, ErrNotFound
		}
		_, err := s.docs.C(collPlans).Get(ctx, id, &p)
		return p, mapErr(err, "plan")
	}
	return s.planForAtasan(ctx, actor, id)
}

// DecidePlan is the atasan approving (approve) or returning (!approve, a
// note required) a submitted plan of their team. The owner is notified.
func (s *Service) DecidePlan(ctx context.Context, actor User, id string, approve bool, note string) (Plan, error) {
	if _, err := s.planForAtasan(ctx, actor, id); err != nil {
		return Plan{}, err
	}
	note = strings.TrimSpace(note)
	switch n := utf8.RuneCountInString(note); {
	case n > MaxPlanNote:
		return Plan{}, invalid("note", msg("too_long", MaxPlanNote))
	case n == 0 && !approve:
		return Plan{}, invalid("note", msg("plan.note_required"))
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p, err := docs.Update(ctx, s.docs.C(collPlans), id, func(p *Plan) error {
		if p.Status != PlanSubmitted {
			return ErrPlanNotPending
		}
		p.Status = PlanReturned
		if approve {
			p.Status = PlanApproved
		}
		p.Note, p.Decided, p.DecidedBy, p.Updated = note, now, actor.NIP, now
		return nil
	})
	if errors.Is(err, ErrPlanNotPending) {
		return Plan{}, err
	}
	if err != nil {
		return Plan{}, mapErr(err, "plan")
	}
	code := "notify.plan_returned"
	if approve {
		code = "notify.plan_approved"
	}
	_, err = s.Notify(ctx, NewNotification{Key: fmt.Sprintf("plan/%s/decided/%d", p.ID, p.Submitted.UnixMilli()), User: p.User,
		Kind: KindPlanDecided, Text: msg(code, actor.Name, p.Year), URL: fmt.Sprintf("/plan?year=%d", p.Year)})
	s.Audit(ctx, actor, "plan."+p.Status, p.ID, nil, map[string]string{"note": note})
	return p, err
}

// TeamPlans lists the plans of actor's team with the given status
// (submitted by default), oldest submission first.
func (s *Service) TeamPlans(ctx context.Context, actor User, status string) ([]Plan, error) {
	status = cmp.Or(status, PlanSubmitted)
	switch status {
	case PlanSubmitted, PlanApproved, PlanReturned:
	default:
		return nil, invalid("status", msg("plan.status"))
	}
	ok, err := s.HasTeam(ctx, actor.NIP)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	ps, _, err := docs.FindAll[Plan](ctx, s.docs.C(collPlans), docs.Query{
		Where: []docs.Eq{{Field: "supervisor", Value: actor.NIP}, {Field: "status", Value: status}}, Sort: "submitted", Limit: 500})
	if err != nil {
		return nil, mapErr(err, "plans")
	}
	return ps, nil
}

// PlanSuggestion is something to put in a plan: an open assignment, a
// mentorship of the person's, or a course the needs dashboard recommends
// for their unit.
type PlanSuggestion struct {
	PlanItem
	Why string `json:"why"` // "assignment", "mentoring" or "recommendation"
}

// PlanSuggestions lists what u might plan for year: their open
// assignments (courses and paths) and their mentorships running in it,
// less what the plan has already.
func (s *Service) PlanSuggestions(ctx context.Context, u User, p Plan) ([]PlanSuggestion, error) {
	have := map[string]bool{}
	for _, it := range p.Items {
		have[it.Kind+"\x00"+it.Ref] = true
	}
	out := []PlanSuggestion{}
	add := func(it PlanItem, why string) {
		key := it.Kind + "\x00" + it.Ref
		if !have[key] {
			have[key] = true
			out = append(out, PlanSuggestion{PlanItem: it, Why: why})
		}
	}
	as, err := s.userAssignees(ctx, u.NIP)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if !a.Open {
			continue
		}
		switch {
		case a.Course != "":
			jp := 0
			if c, err := s.Course(ctx, a.Course); err == nil {
				jp = c.JP
			} else if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			add(PlanItem{Kind: PlanCourse, Ref: a.Course, Title: a.Title, JP: max(jp, 1)}, "assignment")
		case a.Path != "":
			jp, err := s.pathJP(ctx, a.Path)
			if err != nil {
				return nil, err
			}
			add(PlanItem{Kind: PlanPath, Ref: a.Path, Title: a.Title, JP: max(jp, 1)}, "assignment")
		}
	}
	ms, err := s.mentorshipsOf(ctx, "mentee", u.NIP)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Starts.In(jakarta).Year() > p.Year || m.Ends.In(jakarta).Year() < p.Year {
			continue
		}
		// A guess the person adjusts: one JP per month of the period.
		months := max(int(m.Ends.Sub(m.Starts)/(30*day)), 1)
		add(PlanItem{Kind: PlanMentoring, Ref: m.ID, Title: clip(m.Goal, 200), JP: months}, "mentoring")
	}
	if u.Unit == "" {
		return out, nil
	}
	// The needs dashboard's recommendations for the person's unit: what the
	// citizens' feedback and the assessments say the unit should learn.
	// The dashboard is an admin's view; the plan takes only its course list.
	n, err := s.NeedsOf(ctx, User{NIP: "system", Roles: []string{RoleAdmin}}, u.Unit, p.Year)
	if errors.Is(err, ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if n.Unit != nil {
		for _, r := range n.Unit.Recommended {
			for _, c := range r.Courses {
				add(PlanItem{Kind: PlanCourse, Ref: c.ID, Title: c.Title, JP: max(c.JP, 1)}, "recommendation")
			}
		}
	}
	return out, nil
}

// pathJP is the JP of a path's courses.
func (s *Service) pathJP(ctx context.Context, id string) (int, error) {
	p, err := s.Path(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, cid := range p.Courses {
		c, err := s.Course(ctx, cid)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += c.JP
	}
	return n, nil
}

// PlanProgress is a plan against what was done: the JP the ledger holds
// for each planned item in the plan's year, and in all.
type PlanProgress struct {
	Plan    Plan
	Done    []int // per item, in Plan.Items order
	DoneAll int   // every credit of the year, planned or not
	// DonePlanned is the credits that went to planned items.
	DonePlanned int
	Planned     int
}

// ProgressOfPlan reads the ledger of the plan's owner and year and
// matches its credits to the items: a course by its id, a path by its
// courses, an event by its id or name, mentoring by its sessions.
func (s *Service) ProgressOfPlan(ctx context.Context, p Plan) (PlanProgress, error) {
	pp := PlanProgress{Plan: p, Done: make([]int, len(p.Items)), Planned: p.PlannedJP()}
	es, err := s.JPEntries(ctx, p.User, p.Year)
	if err != nil {
		return pp, err
	}
	paths := map[string][]string{}
	for _, it := range p.Items {
		if it.Kind == PlanPath {
			if pa, err := s.Path(ctx, it.Ref); err == nil {
				paths[it.Ref] = pa.Courses
			} else if !errors.Is(err, ErrNotFound) {
				return pp, err
			}
		}
	}
	for _, e := range es {
		pp.DoneAll += e.JP
		for i, it := range p.Items {
			match := false
			switch it.Kind {
			case PlanCourse:
				match = e.Source == SourceCourse && e.Ref == it.Ref
			case PlanPath:
				match = e.Source == SourceCourse && slices.Contains(paths[it.Ref], e.Ref)
			case PlanEvent:
				match = e.Source == SourceEvent && (e.Ref == it.Ref || strings.EqualFold(e.Title, it.Ref))
			case PlanMentoring:
				match = e.Source == SourceMentoring && strings.HasPrefix(e.Ref, it.Ref+":")
			}
			if match {
				pp.Done[i] += e.JP
				pp.DonePlanned += e.JP
				break // a credit counts once, for the first item it matches
			}
		}
	}
	return pp, nil
}

// AddPlanItem adds one item to u's plan for year (a suggestion taken, or
// the page's add form), in the same versioned write as SavePlan.
func (s *Service) AddPlanItem(ctx context.Context, u User, year int, item PlanItem) (Plan, error) {
	if !s.planYearOK(year) {
		return Plan{}, invalid("year", msg("plan.year"))
	}
	items, err := s.checkItems(ctx, u, []PlanItem{item})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Fields) == 1 {
			for _, m := range ve.Fields {
				return Plan{}, invalid("item", m) // the page's one add form
			}
		}
		return Plan{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p, err := upsert(ctx, s.docs.C(collPlans), PlanID(u.NIP, year), func(p *Plan) error {
		if p.Status == PlanSubmitted {
			return ErrPlanLocked
		}
		if len(p.Items) >= MaxPlanItems {
			return invalid("item", msg("assign.too_many", MaxPlanItems))
		}
		for _, it := range p.Items {
			if it.Kind == items[0].Kind && it.Ref == items[0].Ref {
				return nil // there already
			}
		}
		*p = Plan{ID: PlanID(u.NIP, year), User: u.NIP, Name: u.Name, Unit: u.Unit, Year: year, Items: append(p.Items, items[0]),
			Status: PlanDraft, Note: p.Note, Supervisor: p.Supervisor, Updated: now}
		return nil
	})
	var ve *ValidationError
	if errors.Is(err, ErrPlanLocked) || errors.As(err, &ve) {
		return Plan{}, err
	}
	return p, mapErr(err, "plan")
}
