package content

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Event reminders: a day before and an hour before an event, in the app
// and by email, to the people registered (not those waiting, not those who
// cancelled), with the place or the meeting link.
//
// A pass reads the open events that start within each occasion's window
// through the status_starts index, and each event's registered people
// through event_status_seq, page by page. The day-before window is
// (now+1h, now+24h] and the hour-before one (now, now+1h], so an event
// made or joined late still gets what is left of its reminders, and an
// event within the hour gets only the hour one. Every pass looks at the
// whole window again rather than keeping a mark: the window holds only a
// day of events, and Notify's key makes each reminder once per person,
// whichever instance runs the pass and however often.
//
// The key holds the event's start time: an event moved after its reminder
// went out is reminded again at its new time (the first reminder named a
// time that is now wrong); an event not moved is never reminded twice.

// Event reminder kinds: reminders, so the user's "reminders in the app
// only" setting holds for them.
const (
	KindEventDay  = "reminder.event_day"
	KindEventHour = "reminder.event_hour"
)

type eventOccasion struct {
	name, kind string
	// The occasion covers events starting in (now+after, now+ahead].
	after, ahead time.Duration
}

var eventOccasions = []eventOccasion{
	{name: "day", kind: KindEventDay, after: time.Hour, ahead: day},
	{name: "hour", kind: KindEventHour, after: 0, ahead: time.Hour},
}

// eventReminderPage bounds each read of events and of registrations.
const eventReminderPage = 200

// EventReminderKey is the Notify key of one reminder: the event, the
// person, the occasion ("day" or "hour") and the start it announced.
func EventReminderKey(event, nip, occasion string, starts time.Time) string {
	return fmt.Sprintf("event/%s/%s/%s/%d", event, nip, occasion, starts.Unix())
}

// RemindEvents runs one event reminder pass (see the top of this file).
// Run it under ClaimPeriod so it runs once per period; a second run at
// the same time sends nothing twice either way.
func (s *Service) RemindEvents(ctx context.Context) (ReminderStats, error) {
	var st ReminderStats
	now := s.now().UTC().Truncate(time.Millisecond)
	users := map[string]*User{}
	for _, o := range eventOccasions {
		q := docs.Query{Where: []docs.Eq{{Field: "status", Value: EventOpen}},
			Range: &docs.Range{Field: "starts", Gt: now.Add(o.after), Lte: now.Add(o.ahead)}, Sort: "starts", Limit: eventReminderPage}
		for {
			evs, next, err := docs.FindAll[Event](ctx, s.docs.C(collEvents), q)
			if err != nil {
				return st, mapErr(err, "event reminders")
			}
			for _, ev := range evs {
				if err := s.remindEvent(ctx, o, ev, users, &st); err != nil {
					return st, err
				}
			}
			if next == "" || ctx.Err() != nil {
				break
			}
			q.After = next
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// remindEvent tells the event's registered people of occasion o.
func (s *Service) remindEvent(ctx context.Context, o eventOccasion, ev Event, users map[string]*User, st *ReminderStats) error {
	text := eventReminderText(o, ev)
	link := "/events/" + url.PathEscape(ev.ID)
	q := docs.Query{Where: []docs.Eq{{Field: "event", Value: ev.ID}, {Field: "status", Value: RegRegistered}},
		Sort: "seq", Limit: eventReminderPage}
	for {
		regs, next, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), q)
		if err != nil {
			return mapErr(err, "event reminders")
		}
		for _, r := range regs {
			st.Checked++
			key := EventReminderKey(ev.ID, r.User, o.name, ev.Starts)
			if done, err := s.notified(ctx, key); err != nil || done {
				if err != nil {
					return err
				}
				continue
			}
			u, err := s.userOnce(ctx, r.User, users)
			if err != nil {
				return err
			}
			if u == nil {
				continue // the account is gone
			}
			created, err := s.notifyAs(ctx, NewNotification{Key: key, User: r.User, Kind: o.kind, Text: text, URL: link}, *u)
			if err != nil {
				return err
			}
			if created {
				st.Created++
			}
		}
		if len(users) > 50_000 {
			clear(users)
		}
		if next == "" || ctx.Err() != nil {
			return ctx.Err()
		}
		q.After = next
	}
}

// eventReminderText is the reminder's message: the title, the day (a
// date, which the app writes in the reader's language), the time in WIB,
// and the place, the meeting link or both for a blended event. Each is a
// flat argument, as a stored message keeps only strings and numbers.
// Reminders go to registered people only, who may see the link.
func eventReminderText(o eventOccasion, ev Event) Msg {
	at := ev.Starts.In(jakarta)
	date, clock := at.Format(time.DateOnly), at.Format("15:04")
	// Each code spelled out, so the catalog check finds every one.
	day := o.name == "day"
	switch {
	case ev.Place != "" && ev.OnlineURL != "" && day:
		return msg("notify.event_day_both", ev.Title, date, clock, ev.Place, ev.OnlineURL)
	case ev.Place != "" && ev.OnlineURL != "":
		return msg("notify.event_hour_both", ev.Title, date, clock, ev.Place, ev.OnlineURL)
	case ev.OnlineURL != "" && day:
		return msg("notify.event_day_online", ev.Title, date, clock, ev.OnlineURL)
	case ev.OnlineURL != "":
		return msg("notify.event_hour_online", ev.Title, date, clock, ev.OnlineURL)
	case day:
		return msg("notify.event_day_place", ev.Title, date, clock, ev.Place)
	default:
		return msg("notify.event_hour_place", ev.Title, date, clock, ev.Place)
	}
}
