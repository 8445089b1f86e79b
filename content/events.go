package content

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Events (kegiatan): workshops, seminars and classroom training at a set
// time, offline (a place), online (a meeting link) or both. People register
// for a seat (registrations, events_registration.go), attend (presensi,
// per day for an event of several days) and are credited the event's JP on
// the ledger once. The event document holds what organisers edit; who comes
// lives in one registration document per person, so a burst of sign-ups
// or check-ins writes many small documents rather than one large one.

// Event kinds and modes.
const (
	EventWorkshop  = "workshop"
	EventSeminar   = "seminar"
	EventClassroom = "classroom"

	ModeOffline = "offline"
	ModeOnline  = "online"
	ModeBlended = "blended"
)

// EventKinds and EventModes list the accepted values, in display order.
var (
	EventKinds = []string{EventWorkshop, EventSeminar, EventClassroom}
	EventModes = []string{ModeOffline, ModeOnline, ModeBlended}
)

// Event statuses: open events take registrations until their deadline; a
// cancelled one keeps its page and registrations but takes no more.
const (
	EventOpen      = "open"
	EventCancelled = "cancelled"
)

// Bounds of event input.
const (
	MaxEventTitle       = 200
	MaxEventDescription = 20000
	MaxEventPlace       = 300
	MaxEventURL         = 1000
	MaxEventCapacity    = 100000
	MaxEventJP          = 100
	MaxEventDays        = 14
	MaxEventOrganisers  = 10
	MaxEventTargets     = 50
	MaxEventMaterials   = 20
)

// Event is one scheduled learning activity.
type Event struct {
	ID    string `bson:"id" json:"id"`
	Title string `bson:"title" json:"title"`
	Kind  string `bson:"kind" json:"kind"`
	Mode  string `bson:"mode" json:"mode"`
	// Starts and Ends bound the whole event; an event over several days
	// (in WIB) has attendance per day (Days).
	Starts time.Time `bson:"starts" json:"starts_at"`
	Ends   time.Time `bson:"ends" json:"ends_at"`
	// RegistrationCloses is the deadline for registering; at most Starts.
	RegistrationCloses time.Time `bson:"registration_closes" json:"registration_closes_at"`
	Place              string    `bson:"place,omitempty" json:"place,omitempty"`
	OnlineURL          string    `bson:"online_url,omitempty" json:"online_url,omitempty"`
	Capacity           int       `bson:"capacity" json:"capacity"`
	JP                 int       `bson:"jp" json:"jp"`
	Description        string    `bson:"description,omitempty" json:"description,omitempty"`
	// Organisers are the NIPs who run the event: they edit it, open
	// check-in and mark attendance. The creator is the first.
	Organisers []string `bson:"organisers" json:"organisers"`
	// Unit is the organising unit (the creator's unit).
	Unit string `bson:"unit" json:"unit"`
	// Units and Positions restrict who may register: empty both means
	// open to all; otherwise one's unit (or a unit above it) is listed or
	// one's position is.
	Units     []string `bson:"units,omitempty" json:"units,omitempty"`
	Positions []string `bson:"positions,omitempty" json:"positions,omitempty"`
	// Materials are files for attendees; CourseBefore and CourseAfter link
	// a course to take before or after the event.
	Materials    []EventMaterial `bson:"materials,omitempty" json:"materials,omitempty"`
	CourseBefore string          `bson:"course_before,omitempty" json:"course_before,omitempty"`
	CourseAfter  string          `bson:"course_after,omitempty" json:"course_after,omitempty"`
	// MinAttendance is the share of days, in percent, an attendee must be
	// present for the JP and certificate; 100 means every day.
	MinAttendance int `bson:"min_attendance" json:"min_attendance"`
	// WaitlistCheckin lets people on the waitlist check in (and so take a
	// seat left empty); otherwise check-in refuses them.
	WaitlistCheckin bool      `bson:"waitlist_checkin,omitempty" json:"waitlist_checkin"`
	Status          string    `bson:"status" json:"status"`
	By              string    `bson:"by" json:"by"`
	Created         time.Time `bson:"created" json:"created_at"`
	Updated         time.Time `bson:"updated" json:"updated_at"`
}

// EventMaterial is a file attached to an event (an uploaded asset).
type EventMaterial struct {
	Asset string `bson:"asset" json:"asset_id"`
	Name  string `bson:"name" json:"name"`
}

// Days are the event's calendar days in WIB, as YYYY-MM-DD, in order.
func (e Event) Days() []string {
	var out []string
	last := startOfDay(e.Ends.Add(-time.Nanosecond))
	for d := startOfDay(e.Starts); !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// IsOrganiser reports whether u runs the event (admins run every event).
func (e Event) IsOrganiser(u User) bool {
	return u.Has(RoleAdmin) || slices.Contains(e.Organisers, u.NIP)
}

// Targeted reports whether registration is limited to some units or
// positions.
func (e Event) Targeted() bool { return len(e.Units) > 0 || len(e.Positions) > 0 }

// RegistrationOpen reports whether registration is open at now.
func (e Event) RegistrationOpen(now time.Time) bool {
	return e.Status == EventOpen && now.Before(e.RegistrationCloses)
}

// ErrEventNotOpenToYou: the event is limited to other units or positions.
var ErrEventNotOpenToYou = newError("event.not_for_you", "the event is not open to the user's unit or position")

// OpenTo reports whether u may register: the event targets nobody in
// particular, u's position, or u's unit or one above it.
func (s *Service) OpenTo(ctx context.Context, e Event, u User) (bool, error) {
	if !e.Targeted() || slices.Contains(e.Positions, u.Position) {
		return true, nil
	}
	if len(e.Units) == 0 || u.Unit == "" {
		return false, nil
	}
	for code := u.Unit; code != ""; {
		if slices.Contains(e.Units, code) {
			return true, nil
		}
		unit, err := s.Unit(ctx, code)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("event target: unit %s: %w", code, err)
		}
		if unit.Parent == code {
			break
		}
		code = unit.Parent
	}
	return false, nil
}

// EventInput is an event as the form or the API states it. Times are RFC
// 3339 or a local WIB time "YYYY-MM-DDTHH:MM" (what a datetime-local field
// sends); an empty RegistrationCloses is the start.
type EventInput struct {
	Title              string          `json:"title"`
	Kind               string          `json:"kind"`
	Mode               string          `json:"mode"`
	StartsAt           string          `json:"starts_at"`
	EndsAt             string          `json:"ends_at"`
	RegistrationCloses string          `json:"registration_closes_at"`
	Place              string          `json:"place"`
	OnlineURL          string          `json:"online_url"`
	Capacity           int             `json:"capacity"`
	JP                 int             `json:"jp"`
	Description        string          `json:"description"`
	Organisers         []string        `json:"organisers"`
	Units              []string        `json:"units"`
	Positions          []string        `json:"positions"`
	Materials          []EventMaterial `json:"materials"`
	CourseBefore       string          `json:"course_before"`
	CourseAfter        string          `json:"course_after"`
	// MinAttendance in percent of days; 0 means 100 (every day).
	MinAttendance   int  `json:"min_attendance"`
	WaitlistCheckin bool `json:"waitlist_checkin"`
}

// ParseEventTime reads an RFC 3339 time or a WIB "YYYY-MM-DDTHH:MM".
func ParseEventTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Minute), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, jakarta); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// validate checks everything that needs no store and fills ev from in.
// Referenced users, units, courses and assets are checked by checkRefs.
func (in *EventInput) validate(ev *Event) error {
	f := fieldErrors{}
	in.Title = strings.TrimSpace(in.Title)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		f["title"] = msg("required")
	case n > MaxEventTitle || strings.ContainsAny(in.Title, "\r\n"):
		f["title"] = msg("one_line", 1, MaxEventTitle)
	}
	if !slices.Contains(EventKinds, in.Kind) {
		f["kind"] = msg("event.kind")
	}
	if !slices.Contains(EventModes, in.Mode) {
		f["mode"] = msg("event.mode")
	}
	starts, okS := ParseEventTime(in.StartsAt)
	ends, okE := ParseEventTime(in.EndsAt)
	if !okS {
		f["starts_at"] = msg("event.time_format")
	}
	if !okE {
		f["ends_at"] = msg("event.time_format")
	}
	if okS && okE {
		switch {
		case !ends.After(starts):
			f["ends_at"] = msg("event.ends_before_starts")
		case ends.Sub(starts) > MaxEventDays*day:
			f["ends_at"] = msg("event.too_long", MaxEventDays)
		}
	}
	closes := starts
	if strings.TrimSpace(in.RegistrationCloses) != "" {
		t, ok := ParseEventTime(in.RegistrationCloses)
		switch {
		case !ok:
			f["registration_closes_at"] = msg("event.time_format")
		case okS && t.After(starts):
			f["registration_closes_at"] = msg("event.closes_after_start")
		default:
			closes = t
		}
	}
	in.Place, in.OnlineURL = strings.TrimSpace(in.Place), strings.TrimSpace(in.OnlineURL)
	if utf8.RuneCountInString(in.Place) > MaxEventPlace || strings.ContainsAny(in.Place, "\r\n") {
		f["place"] = msg("one_line", 1, MaxEventPlace)
	} else if in.Place == "" && (in.Mode == ModeOffline || in.Mode == ModeBlended) {
		f["place"] = msg("required")
	}
	if in.OnlineURL != "" {
		if u, err := url.Parse(in.OnlineURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.OnlineURL) > MaxEventURL {
			f["online_url"] = msg("event.url")
		}
	} else if in.Mode == ModeOnline || in.Mode == ModeBlended {
		f["online_url"] = msg("required")
	}
	if in.Capacity < 1 || in.Capacity > MaxEventCapacity {
		f["capacity"] = msg("range", 1, MaxEventCapacity)
	}
	if in.JP < 0 || in.JP > MaxEventJP {
		f["jp"] = msg("range", 0, MaxEventJP)
	}
	if utf8.RuneCountInString(in.Description) > MaxEventDescription {
		f["description"] = msg("too_long", MaxEventDescription)
	}
	if in.MinAttendance == 0 {
		in.MinAttendance = 100
	}
	if in.MinAttendance < 1 || in.MinAttendance > 100 {
		f["min_attendance"] = msg("range", 1, 100)
	}
	in.Organisers, in.Units, in.Positions = cleanList(in.Organisers), cleanList(in.Units), cleanList(in.Positions)
	if len(in.Organisers) > MaxEventOrganisers {
		f["organisers"] = msg("event.too_many", MaxEventOrganisers)
	}
	if len(in.Units) > MaxEventTargets {
		f["units"] = msg("event.too_many", MaxEventTargets)
	}
	if len(in.Positions) > MaxEventTargets {
		f["positions"] = msg("event.too_many", MaxEventTargets)
	}
	for _, p := range in.Positions {
		if utf8.RuneCountInString(p) > 200 {
			f["positions"] = msg("too_long", 200)
		}
	}
	if len(in.Materials) > MaxEventMaterials {
		f["materials"] = msg("event.too_many", MaxEventMaterials)
	}
	if err := f.err(); err != nil {
		return err
	}
	ev.Title, ev.Kind, ev.Mode = in.Title, in.Kind, in.Mode
	ev.Starts, ev.Ends, ev.RegistrationCloses = starts, ends, closes
	ev.Place, ev.OnlineURL = in.Place, in.OnlineURL
	ev.Capacity, ev.JP, ev.Description = in.Capacity, in.JP, in.Description
	ev.Units, ev.Positions = in.Units, in.Positions
	ev.Materials = in.Materials
	ev.CourseBefore, ev.CourseAfter = strings.TrimSpace(in.CourseBefore), strings.TrimSpace(in.CourseAfter)
	ev.MinAttendance, ev.WaitlistCheckin = in.MinAttendance, in.WaitlistCheckin
	return nil
}

// checkRefs makes sure the organisers, units, courses and materials named
// exist, so an event never points at nothing.
func (s *Service) checkRefs(ctx context.Context, ev *Event) error {
	f := fieldErrors{}
	for _, nip := range ev.Organisers {
		if _, err := s.User(ctx, nip); errors.Is(err, ErrNotFound) {
			f["organisers"] = msg("event.unknown_user", nip)
		} else if err != nil {
			return err
		}
	}
	for _, code := range ev.Units {
		if _, err := s.Unit(ctx, code); errors.Is(err, ErrNotFound) {
			f["units"] = msg("event.unknown_unit", code)
		} else if err != nil {
			return err
		}
	}
	for field, id := range map[string]string{"course_before": ev.CourseBefore, "course_after": ev.CourseAfter} {
		if id == "" {
			continue
		}
		if _, err := s.Course(ctx, id); errors.Is(err, ErrNotFound) {
			f[field] = msg("event.unknown_course")
		} else if err != nil {
			return err
		}
	}
	for i, m := range ev.Materials {
		var a Asset
		if _, err := s.docs.C(collAssets).Get(ctx, m.Asset, &a); errors.Is(err, docs.ErrNotFound) {
			f["materials"] = msg("event.unknown_material")
		} else if err != nil {
			return err
		}
		if strings.TrimSpace(m.Name) == "" || utf8.RuneCountInString(m.Name) > 200 {
			ev.Materials[i].Name = a.Name
		}
	}
	return f.err()
}

// CanOrganise reports whether u may create events: trainers and admins.
func CanOrganise(u User) bool { return u.Has(RoleTrainer) }

// CreateEvent stores a new open event organised by actor (and the
// organisers named).
func (s *Service) CreateEvent(ctx context.Context, actor User, in EventInput) (Event, error) {
	if !CanOrganise(actor) {
		return Event{}, ErrForbidden
	}
	now := s.now()
	ev := Event{ID: newID(12), Status: EventOpen, By: actor.NIP, Unit: actor.Unit, Created: now, Updated: now}
	if err := in.validate(&ev); err != nil {
		return Event{}, err
	}
	ev.Organisers = append([]string{actor.NIP}, slices.DeleteFunc(in.Organisers, func(n string) bool { return n == actor.NIP })...)
	if err := s.checkRefs(ctx, &ev); err != nil {
		return Event{}, err
	}
	if err := s.docs.C(collEvents).Insert(ctx, ev.ID, &ev); err != nil {
		return Event{}, fmt.Errorf("create event: %w", err)
	}
	return ev, nil
}

// UpdateEvent replaces what an organiser edits. Materials nil (not
// stated) keeps the event's files; an empty list removes them.
func (s *Service) UpdateEvent(ctx context.Context, actor User, id string, in EventInput) (Event, error) {
	ev, err := s.organisedEvent(ctx, actor, id)
	if err != nil {
		return Event{}, err
	}
	next := ev
	if err := in.validate(&next); err != nil {
		return Event{}, err
	}
	next.Organisers = append([]string{ev.By}, slices.DeleteFunc(in.Organisers, func(n string) bool { return n == ev.By })...)
	if err := s.checkRefs(ctx, &next); err != nil {
		return Event{}, err
	}
	// The seats document enforces capacity, so it changes first: never
	// below the seats taken; a rise promotes from the waitlist.
	if err := s.setSeatCapacity(ctx, ev, next.Capacity); err != nil {
		return Event{}, err
	}
	return docs.Update(ctx, s.docs.C(collEvents), id, func(e *Event) error {
		keep := *e
		*e = next
		e.ID, e.By, e.Created, e.Status, e.Unit = keep.ID, keep.By, keep.Created, keep.Status, keep.Unit
		if in.Materials == nil {
			// No materials stated: keep the current ones, including a
			// file attached (uploaded) since the editor read the event.
			e.Materials = keep.Materials
		}
		e.Updated = s.now()
		return nil
	})
}

// Event returns an event by id.
func (s *Service) Event(ctx context.Context, id string) (Event, error) {
	var ev Event
	if id == "" || len(id) > 64 {
		return ev, ErrNotFound
	}
	if _, err := s.docs.C(collEvents).Get(ctx, id, &ev); errors.Is(err, docs.ErrNotFound) {
		return ev, ErrNotFound
	} else if err != nil {
		return ev, fmt.Errorf("event %s: %w", id, err)
	}
	return ev, nil
}

// maxEventsListed bounds one listing: a calendar month of a city's events.
const maxEventsListed = 500

// EventsBetween lists events that overlap [from, to), by start, with kind
// "" for every kind. Events last at most MaxEventDays, so the query reaches
// back that far for those starting before from.
func (s *Service) EventsBetween(ctx context.Context, from, to time.Time, kind string) ([]Event, error) {
	q := docs.Query{Range: &docs.Range{Field: "starts", Gt: from.Add(-MaxEventDays * day), Lt: to}, Sort: "starts", Limit: maxEventsListed}
	if kind != "" {
		q.Where = []docs.Eq{{Field: "kind", Value: kind}}
	}
	page, err := s.docs.C(collEvents).Find(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("events between: %w", err)
	}
	evs, err := docs.Decode[Event](page)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(evs, func(ev Event) bool { return !ev.Ends.After(from) }), nil
}

// Registration statuses.
const (
	RegRegistered = "registered"
	RegWaitlisted = "waitlisted"
	RegCancelled  = "cancelled"
)

// Registration is one person's place at one event, keyed eventID~NIP, so
// registering twice finds the same document. Attendance is kept on it, one
// mark per day of the event.
type Registration struct {
	ID     string `bson:"id" json:"-"`
	Event  string `bson:"event" json:"event_id"`
	User   string `bson:"user" json:"nip"`
	Unit   string `bson:"unit" json:"unit"`
	Status string `bson:"status" json:"status"`
	// Seq is the order of arrival among the event's registrations: seats
	// go, and the waitlist is promoted, in this order.
	Seq int64 `bson:"seq" json:"seq"`
	// Starts copies the event's start, so "Kegiatan saya" lists a
	// person's events in time order from one index.
	Starts    time.Time `bson:"starts" json:"starts_at"`
	At        time.Time `bson:"at" json:"registered_at"`
	Promoted  time.Time `bson:"promoted,omitempty" json:"promoted_at,omitzero"`
	Cancelled time.Time `bson:"cancelled,omitempty" json:"cancelled_at,omitzero"`
	// Via names an assignment that registered the person, if any.
	Via     string       `bson:"via,omitempty" json:"via,omitempty"`
	Present []PresentDay `bson:"present,omitempty" json:"present,omitempty"`
	// Credited is when the event's JP went to the ledger (once).
	Credited    time.Time `bson:"credited,omitempty" json:"credited_at,omitzero"`
	Certificate string    `bson:"certificate,omitempty" json:"certificate,omitempty"`
	// Rev is the event's seats document revision this record was last
	// written from, so an older write never undoes a newer one
	// (events_registration.go).
	Rev int64 `bson:"rev,omitempty" json:"-"`
}

// PresentDay marks attendance on one day of the event (YYYY-MM-DD, WIB).
type PresentDay struct {
	Day string    `bson:"day" json:"day"`
	At  time.Time `bson:"at" json:"at"`
	// By is "self" for a check-in with the code, or the organiser's NIP.
	By string `bson:"by" json:"by"`
}

func registrationID(event, nip string) string { return event + "~" + nip }

// RegistrationOf returns nip's registration for the event; ErrNotFound if
// they never registered.
func (s *Service) RegistrationOf(ctx context.Context, eventID, nip string) (Registration, error) {
	var r Registration
	if _, err := s.docs.C(collRegistrations).Get(ctx, registrationID(eventID, nip), &r); errors.Is(err, docs.ErrNotFound) {
		// Missing after a crash between the seats write and this one?
		return s.registrationFromSeats(ctx, eventID, nip)
	} else if err != nil {
		return r, fmt.Errorf("registration %s/%s: %w", eventID, nip, err)
	}
	return r, nil
}

// EventCounts counts an event's registrations by status (registered and
// waitlisted), from the seats document, the truth (events_registration.go).
func (s *Service) EventCounts(ctx context.Context, eventID string) (registered, waitlisted int64, err error) {
	st, err := s.seats(ctx, eventID)
	if err != nil {
		return 0, 0, fmt.Errorf("event counts: %w", err)
	}
	return int64(len(st.Seats)), int64(len(st.Waitlist)), nil
}

// organisedEvent is the event, for one of its organisers (or an admin, as
// IsOrganiser says); ErrForbidden for anyone else.
func (s *Service) organisedEvent(ctx context.Context, actor User, id string) (Event, error) {
	ev, err := s.Event(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if !ev.IsOrganiser(actor) {
		return Event{}, ErrForbidden
	}
	return ev, nil
}
