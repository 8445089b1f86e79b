package content

import (
	"context"
	"strings"
	"time"
)

// AddForumService stores a public service as given, for tests and the
// demo of the forum while the services admin is built beside it (the SKM
// work owns creating services; this writes the same document).
func (s *Service) AddForumService(ctx context.Context, ps PublicService) (PublicService, error) {
	ps.ID, ps.Unit, ps.Name = strings.TrimSpace(ps.ID), strings.TrimSpace(ps.Unit), strings.TrimSpace(ps.Name)
	if ps.ID == "" {
		ps.ID = newID(12)
	}
	if ps.Created.IsZero() {
		ps.Created = s.now().UTC().Truncate(time.Millisecond)
	}
	if err := s.docs.C(collServices).Insert(ctx, ps.ID, &ps); err != nil {
		return PublicService{}, mapErr(err, "service "+ps.ID)
	}
	return ps, nil
}
