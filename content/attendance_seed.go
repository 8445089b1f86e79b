package content

import (
	"context"
	"fmt"
	"time"
)

// SeedRegistration writes nip's registration for an event as it stands
// (registered or waitlisted), with no deadline, target, capacity or
// notification: for tests, benchmarks and recording who came to an event
// held before Kompeten. Registering proper, with seats and the waitlist, is
// the registration service's; tests of attendance use this so they do not
// depend on it.
func (s *Service) SeedRegistration(ctx context.Context, eventID, nip, status string) (Registration, error) {
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Registration{}, err
	}
	u, err := s.User(ctx, nip)
	if err != nil {
		return Registration{}, err
	}
	if status != RegRegistered && status != RegWaitlisted {
		return Registration{}, invalid("status", msg("required"))
	}
	seq, err := s.AddCounter(ctx, "event-seed-seq/"+ev.ID, 1, 0)
	if err != nil {
		return Registration{}, err
	}
	r := Registration{ID: registrationID(ev.ID, u.NIP), Event: ev.ID, User: u.NIP, Unit: u.Unit, Status: status, Seq: seq,
		Starts: ev.Starts, At: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.docs.C(collRegistrations).Insert(ctx, r.ID, &r); err != nil {
		return Registration{}, fmt.Errorf("seed registration: %w", mapErr(err, "registration"))
	}
	return r, nil
}
