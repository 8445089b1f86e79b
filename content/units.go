package content

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Unit is a unit kerja (OPD, bidang, seksi), keyed by its code. Parent
// makes the tree a report rolls up: Dinas → Bidang → Seksi. A user's Unit
// field holds a unit's code.
//
// Units created before codes existed were keyed by their name and carry
// no code field: their name is their code (see unitFrom).
type Unit struct {
	Code    string    `bson:"code" json:"code"`
	Name    string    `bson:"name" json:"name"`
	Parent  string    `bson:"parent,omitempty" json:"parent,omitempty"`
	Updated time.Time `bson:"updated,omitempty" json:"updated_at,omitzero"`
}

// UnitInput is what an admin sets on a unit.
type UnitInput struct {
	Name   string `json:"name"`
	Parent string `json:"parent"`
}

// maxUnitDepth bounds the tree, so walking it is bounded too.
const maxUnitDepth = 12

// ValidUnitCode reports why a unit code is unusable, or nil. Codes appear
// in URLs and CSV cells, so they are short and printable, without a slash.
func ValidUnitCode(code string) *Msg {
	switch {
	case code == "":
		m := msg("required")
		return &m
	case utf8.RuneCountInString(code) > 100:
		m := msg("too_long", 100)
		return &m
	case strings.ContainsFunc(code, func(r rune) bool { return unicode.IsControl(r) || r == '/' || r == '\\' }):
		m := msg("unit.code")
		return &m
	}
	return nil
}

// PutUnit creates or updates a unit. Only admins may; a parent must exist
// and must not be the unit itself or below it.
func (s *Service) PutUnit(ctx context.Context, actor User, code string, in UnitInput) (Unit, error) {
	if !actor.Has(RoleAdmin) {
		return Unit{}, ErrForbidden
	}
	code, in.Name, in.Parent = strings.TrimSpace(code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Parent)
	f := fieldErrors{}
	if m := ValidUnitCode(code); m != nil {
		f["code"] = *m
	}
	if in.Name == "" {
		f["name"] = msg("required")
	} else if utf8.RuneCountInString(in.Name) > 200 {
		f["name"] = msg("too_long", 200)
	}
	if in.Parent != "" && len(f) == 0 {
		if err := s.checkParent(ctx, code, in.Parent); err != nil {
			f["parent"] = *err
		}
	}
	if err := f.err(); err != nil {
		return Unit{}, err
	}
	var before *Unit
	u, err := upsert(ctx, s.docs.C(collUnits), code, func(u *Unit) error {
		if u.Name != "" {
			old := unitFrom(code, *u)
			before = &old
		}
		u.Code, u.Name, u.Parent = code, in.Name, in.Parent
		u.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	if err != nil {
		return Unit{}, mapErr(err, "unit "+code)
	}
	s.Audit(ctx, actor, "unit.put", code, before, u)
	return u, nil
}

// checkParent refuses a parent that is missing, the unit itself, below
// it (a cycle) or too deep.
func (s *Service) checkParent(ctx context.Context, code, parent string) *Msg {
	at := parent
	for depth := 0; ; depth++ {
		if at == code {
			m := msg("unit.cycle")
			return &m
		}
		if depth >= maxUnitDepth {
			m := msg("unit.too_deep", maxUnitDepth)
			return &m
		}
		p, err := s.Unit(ctx, at)
		if err != nil {
			m := msg("unit.unknown", at)
			return &m
		}
		if p.Parent == "" {
			return nil
		}
		at = p.Parent
	}
}

// Unit returns one unit by code.
func (s *Service) Unit(ctx context.Context, code string) (Unit, error) {
	var u Unit
	if _, err := s.docs.C(collUnits).Get(ctx, code, &u); err != nil {
		return Unit{}, mapErr(err, "unit "+code)
	}
	return unitFrom(code, u), nil
}

func unitFrom(id string, u Unit) Unit {
	if u.Code == "" {
		u.Code = id
	}
	if u.Name == "" {
		u.Name = u.Code
	}
	return u
}

// AllUnits lists every unit, by code.
func (s *Service) AllUnits(ctx context.Context) ([]Unit, error) {
	var out []Unit
	q := docs.Query{Limit: 500}
	for {
		us, next, err := docs.FindAll[Unit](ctx, s.docs.C(collUnits), q)
		if err != nil {
			return nil, mapErr(err, "units")
		}
		for _, u := range us {
			// A unit from before codes was keyed by its name.
			out = append(out, unitFrom(u.Name, u))
		}
		if next == "" {
			return out, nil
		}
		q.After = next
	}
}

// UnitAndBelow returns code and the codes of every unit below it, from one
// read of the unit list (a city has hundreds of units, not millions).
func (s *Service) UnitAndBelow(ctx context.Context, code string) ([]string, error) {
	all, err := s.AllUnits(ctx)
	if err != nil {
		return nil, err
	}
	return Below(all, code), nil
}

// Below returns code and every unit under it in units, breadth first.
func Below(units []Unit, code string) []string {
	children := map[string][]string{}
	for _, u := range units {
		if u.Parent != "" {
			children[u.Parent] = append(children[u.Parent], u.Code)
		}
	}
	out := []string{code}
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i]] {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}
