package content

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kotalama/kompeten/storage/docs"
)

// What the event pages need beyond the foundation in events.go: files
// attached to an event, cancelling it, the calendar's unit filter and a
// person's own registrations ("Kegiatan saya").

// eventForMaterial is the event an upload attaches to, if u organises it
// and it has room for another file.
func (s *Service) eventForMaterial(ctx context.Context, u User, id string) (Event, error) {
	ev, err := s.Event(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Event{}, invalid("event_id", msg("event.not_found"))
	}
	if err != nil {
		return Event{}, err
	}
	if !ev.IsOrganiser(u) {
		return Event{}, ErrForbidden
	}
	if len(ev.Materials) >= MaxEventMaterials {
		return Event{}, invalid("event_id", msg("event.too_many", MaxEventMaterials))
	}
	return ev, nil
}

// attachMaterial adds a completed upload to its event's materials, once.
func (s *Service) attachMaterial(ctx context.Context, a Asset) error {
	_, err := docs.Update(ctx, s.docs.C(collEvents), a.Event, func(e *Event) error {
		if slices.ContainsFunc(e.Materials, func(m EventMaterial) bool { return m.Asset == a.ID }) {
			return nil
		}
		if len(e.Materials) >= MaxEventMaterials {
			return invalid("event_id", msg("event.too_many", MaxEventMaterials))
		}
		e.Materials = append(e.Materials, EventMaterial{Asset: a.ID, Name: a.Name})
		e.Updated = s.now()
		return nil
	})
	if errors.Is(err, docs.ErrNotFound) {
		return invalid("event_id", msg("event.not_found"))
	}
	return err
}

// RemoveEventMaterial takes a file off an event's materials. The asset
// itself stays: a link someone saved keeps working for signed-in users.
func (s *Service) RemoveEventMaterial(ctx context.Context, actor User, id, asset string) (Event, error) {
	if _, err := s.organisedEvent(ctx, actor, id); err != nil {
		return Event{}, err
	}
	return docs.Update(ctx, s.docs.C(collEvents), id, func(e *Event) error {
		e.Materials = slices.DeleteFunc(e.Materials, func(m EventMaterial) bool { return m.Asset == asset })
		e.Updated = s.now()
		return nil
	})
}

// CancelEvent marks an event cancelled. Registrations stay as they are,
// so attendees still see it under "Kegiatan saya", marked cancelled.
func (s *Service) CancelEvent(ctx context.Context, actor User, id string) (Event, error) {
	if _, err := s.organisedEvent(ctx, actor, id); err != nil {
		return Event{}, err
	}
	return docs.Update(ctx, s.docs.C(collEvents), id, func(e *Event) error {
		e.Status = EventCancelled
		e.Updated = s.now()
		return nil
	})
}

// UnitAndAbove is code and every unit above it, nearest first: an event
// targeted to any of them is open to people of code.
func (s *Service) UnitAndAbove(ctx context.Context, code string) ([]string, error) {
	var out []string
	for at := code; at != "" && len(out) <= maxUnitDepth && !slices.Contains(out, at); {
		out = append(out, at)
		u, err := s.Unit(ctx, at)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		at = u.Parent
	}
	return out, nil
}

// OpenToUnit reports whether people of a unit may register for e, given
// the unit and those above it (UnitAndAbove): the event is open to all or
// targets one of them. An event for some positions only is not counted as
// open to a whole unit.
func (e Event) OpenToUnit(unitAndAbove []string) bool {
	if !e.Targeted() {
		return true
	}
	return slices.ContainsFunc(e.Units, func(c string) bool { return slices.Contains(unitAndAbove, c) })
}

// MyEvent is one of a person's registrations with its event.
type MyEvent struct {
	Registration
	Event Event
}

// maxMyEvents bounds each half of "Kegiatan saya".
const maxMyEvents = 100

// MyEvents lists nip's registrations: events not yet over, soonest first,
// then past ones, latest first (each at most maxMyEvents).
func (s *Service) MyEvents(ctx context.Context, nip string) (upcoming, past []MyEvent, err error) {
	now := s.now()
	// An event lasts at most MaxEventDays, so one starting earlier than
	// that is over; those starting since may still be running.
	edge := now.Add(-MaxEventDays * day)
	recent, _, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), docs.Query{
		Where: []docs.Eq{{Field: "user", Value: nip}}, Range: &docs.Range{Field: "starts", Gte: edge}, Sort: "starts", Limit: maxMyEvents})
	if err != nil {
		return nil, nil, fmt.Errorf("my events: %w", err)
	}
	older, _, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), docs.Query{
		Where: []docs.Eq{{Field: "user", Value: nip}}, Range: &docs.Range{Field: "starts", Lt: edge}, Sort: "starts", Desc: true, Limit: maxMyEvents})
	if err != nil {
		return nil, nil, fmt.Errorf("my events: %w", err)
	}
	withEvent := func(r Registration) (MyEvent, bool, error) {
		ev, err := s.Event(ctx, r.Event)
		if errors.Is(err, ErrNotFound) {
			return MyEvent{}, false, nil
		}
		return MyEvent{Registration: r, Event: ev}, err == nil, err
	}
	var recentPast []MyEvent
	for _, r := range recent {
		m, ok, err := withEvent(r)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if m.Event.Ends.After(now) {
			upcoming = append(upcoming, m)
		} else {
			recentPast = append(recentPast, m)
		}
	}
	slices.Reverse(recentPast)
	past = recentPast
	for _, r := range older {
		m, ok, err := withEvent(r)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			past = append(past, m)
		}
	}
	return upcoming, past, nil
}
