package app

import (
	"context"
	"errors"
	"time"

	"github.com/kotalama/kompeten/content"
)

// eventReminderLease makes the event reminder pass (a day and an hour
// before each event, content/event_reminders.go) run once per period
// across the fleet; eventReminderRunLease keeps a pass that outlasts its
// period from overlapping the next. Either way Notify's key sends each
// reminder once.
const (
	eventReminderLease    = "event-reminders"
	eventReminderRunLease = "event-reminders-run"
)

// maxEventRemindEvery bounds the pass's period: an hour-before reminder
// from an hourly pass could come at the start time, so the pass runs at
// least every five minutes, whatever the assignment reminders' period.
const maxEventRemindEvery = 5 * time.Minute

func (a *App) eventRemindEvery() time.Duration { return min(a.jobs.remindEvery, maxEventRemindEvery) }

func (a *App) remindEvents(ctx context.Context) {
	mine, err := a.svc.ClaimPeriod(ctx, eventReminderLease, a.eventRemindEvery()*9/10)
	if err != nil || !mine {
		if err != nil && ctx.Err() == nil {
			a.log.Warn("event reminders", "err", err)
		}
		return
	}
	err = a.svc.WithLease(ctx, eventReminderRunLease, time.Minute, func(ctx context.Context, _ *content.Lease) error {
		st, err := a.svc.RemindEvents(ctx)
		if st.Created > 0 || err != nil {
			a.log.Info("event reminders", "checked", st.Checked, "notified", st.Created)
		}
		return err
	})
	if err != nil && !errors.Is(err, content.ErrLeaseHeld) && ctx.Err() == nil {
		a.log.Warn("event reminders", "err", err)
	}
}
