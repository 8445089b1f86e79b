package content

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/ikm"
)

// From a recommendation on the needs dashboard, one action assigns a
// course to the people the reason concerns (a weak SKM element: everyone
// in the unit and below it, or the whole team; a competency gap: those
// below the required level) with a due date, and may pair each of them
// with a mentor for the same period.

// MaxNeedsPairings bounds the mentees one action pairs with one mentor.
const MaxNeedsPairings = 30

// NeedsAssignInput is the dashboard's action. Because names the
// recommendation ("skm:u6", "gap:manajemen-waktu"); Unit is the unit of an
// admin's view, Team the atasan's own view.
type NeedsAssignInput struct {
	Year     int    `json:"year"`
	Unit     string `json:"unit"`
	Team     bool   `json:"team"`
	Because  string `json:"because"`
	CourseID string `json:"course_id"`
	Due      string `json:"due"`
	// Reason is the assignment's reason as people read it (the app words
	// the recommendation's reason in the actor's language).
	Reason string `json:"reason"`
	Mentor string `json:"mentor"`
	Goal   string `json:"goal"`
}

// NeedsAssignResult says what the action did.
type NeedsAssignResult struct {
	Assignment Assignment `json:"assignment"`
	People     int        `json:"people"`
	Assigned   int        `json:"assigned"`
	Paired     int        `json:"paired"`
	// Unpaired are the mentees whose pairing failed after the assignment
	// was made; the assignment stands.
	Unpaired []string `json:"unpaired,omitempty"`
}

// NeedsAssign assigns the course for a recommendation. An admin acts on
// any unit; an atasan on their team only (a unit is refused). Everything
// is checked before anything is written: the reason, the mentor, the due
// date and the course (by Assign).
func (s *Service) NeedsAssign(ctx context.Context, actor User, in NeedsAssignInput) (NeedsAssignResult, error) {
	in.Unit, in.Because, in.Mentor = strings.TrimSpace(in.Unit), strings.TrimSpace(in.Because), strings.TrimSpace(in.Mentor)
	in.Goal = strings.TrimSpace(in.Goal)
	f := fieldErrors{}
	if in.Year < 2000 || in.Year > 2100 {
		f["year"] = msg("report.year", 2000, 2100)
	}
	kind, what, _ := strings.Cut(in.Because, ":")
	switch {
	case kind == "skm" && slices.Contains(ikm.Codes[:], what):
	case kind == "gap" && what != "" && utf8.RuneCountInString(what) <= maxTagLen:
		what = foldTag(what)
	default:
		f["because"] = msg("needs.because")
	}
	if utf8.RuneCountInString(in.Goal) > MaxAssignReason {
		f["goal"] = msg("too_long", MaxAssignReason)
	}
	if in.Team == (in.Unit != "") {
		f["unit"] = msg("needs.scope")
	}
	if err := f.err(); err != nil {
		return NeedsAssignResult{}, err
	}
	admin := actor.Has(RoleAdmin)
	if in.Unit != "" && !admin {
		return NeedsAssignResult{}, ErrForbidden
	}
	// Who the reason concerns.
	var people []string
	ain := AssignmentInput{CourseID: in.CourseID, Due: in.Due, Reason: in.Reason}
	if in.Team {
		members, err := s.teamMembers(ctx, actor)
		if err != nil {
			return NeedsAssignResult{}, err
		}
		raw, _, err := s.readTeam(ctx, members, in.Year, s.now())
		if err != nil {
			return NeedsAssignResult{}, err
		}
		people = concerned(raw, kind, what)
		ain.NIPs = people
	} else {
		if m := ValidUnitCode(in.Unit); m != nil {
			return NeedsAssignResult{}, invalid("unit", *m)
		}
		codes, err := s.UnitAndBelow(ctx, in.Unit)
		if err != nil {
			return NeedsAssignResult{}, err
		}
		if _, err := s.Unit(ctx, in.Unit); errors.Is(err, ErrNotFound) {
			return NeedsAssignResult{}, invalid("unit", msg("unit.unknown", in.Unit))
		} else if err != nil {
			return NeedsAssignResult{}, err
		}
		raws, err := s.readUnits(ctx, codes, in.Year, s.now())
		if err != nil {
			return NeedsAssignResult{}, err
		}
		raw := mergeRaw(pick(raws, codes))
		people = concerned(raw, kind, what)
		if kind == "skm" {
			// The whole unit, and whoever joins it before the due date.
			ain.Units = []string{in.Unit}
		} else {
			ain.NIPs = people
		}
	}
	if len(people) == 0 {
		return NeedsAssignResult{}, invalid("because", msg("needs.nobody"))
	}
	if len(ain.NIPs) > MaxAssignNIPs {
		return NeedsAssignResult{}, invalid("because", msg("assign.too_many", MaxAssignNIPs))
	}
	if utf8.RuneCountInString(in.Mentor) > 40 {
		return NeedsAssignResult{}, invalid("mentor", msg("too_long", 40))
	}
	if in.Mentor != "" {
		if err := s.checkMentor(ctx, in.Mentor, len(people)); err != nil {
			return NeedsAssignResult{}, err
		}
	}
	a, n, err := s.Assign(ctx, actor, ain)
	if err != nil {
		return NeedsAssignResult{}, err
	}
	s.forgetNeeds()
	res := NeedsAssignResult{Assignment: a, People: len(people), Assigned: n}
	if in.Mentor == "" {
		return res, nil
	}
	goal := in.Goal
	if goal == "" {
		goal = in.Reason
	}
	if goal == "" {
		goal = a.Title
	}
	starts := s.now().UTC().Truncate(time.Millisecond)
	for _, nip := range people {
		if nip == in.Mentor {
			continue // no one mentors themself
		}
		_, err := s.PairMentor(ctx, actor, MentorshipInput{Mentor: in.Mentor, Mentee: nip, Goal: goal, Need: cmpStr(in.Reason, in.Because),
			Starts: starts.In(jakarta).Format(time.DateOnly), Ends: a.Due.In(jakarta).Format(time.DateOnly)})
		if err != nil {
			res.Unpaired = append(res.Unpaired, nip)
			continue
		}
		res.Paired++
	}
	return res, nil
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// concerned are the people a reason concerns: the members for an SKM
// element, those with the gap for a competency.
func concerned(r *unitRaw, kind, tag string) []string {
	if kind == "skm" {
		out := slices.Clone(r.members)
		slices.Sort(out)
		return slices.Compact(out)
	}
	gaps, _ := gapsOf(r.latest)
	for _, g := range gaps {
		if g.Tag == tag {
			return g.NIPs
		}
	}
	return nil
}

// checkMentor refuses a mentor who is unknown, disabled or without the
// mentor role, or too many mentees at once.
func (s *Service) checkMentor(ctx context.Context, nip string, mentees int) error {
	if mentees > MaxNeedsPairings {
		return invalid("mentor", msg("needs.mentor_too_many", MaxNeedsPairings))
	}
	u, err := s.User(ctx, nip)
	if errors.Is(err, ErrNotFound) {
		return invalid("mentor", msg("needs.mentor_unknown", nip))
	}
	if err != nil {
		return err
	}
	if !u.Active() || !slices.Contains(u.Roles, RoleMentor) {
		return invalid("mentor", msg("needs.mentor_role", nip))
	}
	return nil
}
