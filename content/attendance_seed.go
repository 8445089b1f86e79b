package content

import (
	"context"
	"fmt"
)

// SeedRegistration writes nip's registration for an event as it stands
// (registered or waitlisted), with no deadline, target, capacity or
// notification: for tests, benchmarks and recording who came to an event
// held before Kompeten. It still goes through the event's seats document,
// the truth, so the lists and counts agree with the registrations.
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
	op := &seatOp{kind: opSeed, nip: u.NIP, unit: u.Unit, seed: status}
	if err := s.submitSeats(ctx, ev, op); err != nil {
		return Registration{}, fmt.Errorf("seed registration: %w", err)
	}
	return op.reg, nil
}
