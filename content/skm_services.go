package content

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Public services (layanan): admins register them per unit; each has a
// public page for citizens' feedback.

// Bounds of a service's texts.
const (
	serviceNameMax = 200
	serviceDescMax = 2000
)

// ServiceInput is what an admin sets on a service. Active is nil to keep
// (or, on creation, to start active).
type ServiceInput struct {
	Unit        string `json:"unit"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Active      *bool  `json:"active,omitempty"`
}

func (s *Service) checkServiceInput(ctx context.Context, in *ServiceInput) error {
	in.Unit, in.Name, in.Description = strings.TrimSpace(in.Unit), strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	f := fieldErrors{}
	switch {
	case in.Unit == "":
		f["unit"] = msg("required")
	default:
		if _, err := s.Unit(ctx, in.Unit); errors.Is(err, ErrNotFound) {
			f["unit"] = msg("skm.unit_unknown", in.Unit)
		} else if err != nil {
			return err
		}
	}
	switch {
	case in.Name == "":
		f["name"] = msg("required")
	case utf8.RuneCountInString(in.Name) > serviceNameMax:
		f["name"] = msg("too_long", serviceNameMax)
	case strings.ContainsFunc(in.Name, unicode.IsControl):
		f["name"] = msg("skm.control_chars")
	}
	if utf8.RuneCountInString(in.Description) > serviceDescMax {
		f["description"] = msg("too_long", serviceDescMax)
	}
	return f.err()
}

// CreatePublicService registers a layanan of a unit. Admins only.
func (s *Service) CreatePublicService(ctx context.Context, actor User, in ServiceInput) (PublicService, error) {
	if !actor.Has(RoleAdmin) {
		return PublicService{}, ErrForbidden
	}
	if err := s.checkServiceInput(ctx, &in); err != nil {
		return PublicService{}, err
	}
	ps := PublicService{ID: newID(10), Unit: in.Unit, Name: in.Name, Description: in.Description,
		Active: in.Active == nil || *in.Active, Created: s.now().UTC().Truncate(1e6)}
	if err := s.docs.C(collServices).Insert(ctx, ps.ID, &ps); err != nil {
		return PublicService{}, mapErr(err, "service")
	}
	s.Audit(ctx, actor, "service.create", ps.ID, nil, ps)
	return ps, nil
}

// UpdatePublicService changes a service's unit, texts or active flag.
// A deactivated service's public page says so and takes no feedback; its
// results stay.
func (s *Service) UpdatePublicService(ctx context.Context, actor User, id string, in ServiceInput) (PublicService, error) {
	if !actor.Has(RoleAdmin) {
		return PublicService{}, ErrForbidden
	}
	before, err := s.PublicService(ctx, id)
	if err != nil {
		return PublicService{}, err
	}
	if err := s.checkServiceInput(ctx, &in); err != nil {
		return PublicService{}, err
	}
	after, err := docs.Update(ctx, s.docs.C(collServices), id, func(ps *PublicService) error {
		ps.Unit, ps.Name, ps.Description = in.Unit, in.Name, in.Description
		if in.Active != nil {
			ps.Active = *in.Active
		}
		return nil
	})
	if err != nil {
		return PublicService{}, mapErr(err, "service "+id)
	}
	s.Audit(ctx, actor, "service.update", id, before, after)
	return after, nil
}

// SetPublicServiceActive turns a service's public page on or off.
func (s *Service) SetPublicServiceActive(ctx context.Context, actor User, id string, active bool) (PublicService, error) {
	ps, err := s.PublicService(ctx, id)
	if err != nil {
		return PublicService{}, err
	}
	return s.UpdatePublicService(ctx, actor, id, ServiceInput{Unit: ps.Unit, Name: ps.Name, Description: ps.Description, Active: &active})
}

// PublicService returns one service by id, active or not.
func (s *Service) PublicService(ctx context.Context, id string) (PublicService, error) {
	var ps PublicService
	if len(id) == 0 || len(id) > 40 {
		return ps, ErrNotFound
	}
	if _, err := s.docs.C(collServices).Get(ctx, id, &ps); err != nil {
		return ps, mapErr(err, "service "+id)
	}
	return ps, nil
}

// PublicServices lists services by unit and name: every one for an admin,
// those of the actor's unit and below for anyone else.
func (s *Service) PublicServices(ctx context.Context, actor User) ([]PublicService, error) {
	var scope []string
	if !actor.Has(RoleAdmin) {
		var err error
		if scope, err = s.UnitAndBelow(ctx, actor.Unit); err != nil {
			return nil, err
		}
	}
	var out []PublicService
	q := docs.Query{Sort: "unit", Limit: 500}
	for {
		ps, next, err := docs.FindAll[PublicService](ctx, s.docs.C(collServices), q)
		if err != nil {
			return nil, mapErr(err, "services")
		}
		for _, p := range ps {
			if scope == nil || slices.Contains(scope, p.Unit) {
				out = append(out, p)
			}
		}
		if next == "" {
			break
		}
		q.After = next
	}
	slices.SortStableFunc(out, func(a, b PublicService) int {
		if c := strings.Compare(a.Unit, b.Unit); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// canSeeSKM says whether actor may read the results of unit's services:
// admins all, anyone else their own unit and the units below it.
func (s *Service) canSeeSKM(ctx context.Context, actor User, unit string) error {
	if actor.Has(RoleAdmin) {
		return nil
	}
	if actor.Unit == "" {
		return ErrForbidden
	}
	scope, err := s.UnitAndBelow(ctx, actor.Unit)
	if err != nil {
		return err
	}
	if !slices.Contains(scope, unit) {
		return ErrForbidden
	}
	return nil
}
