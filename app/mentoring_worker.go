package app

import (
	"context"
	"errors"
	"time"

	"github.com/kotalama/kompeten/content"
)

// mentorActionLease makes the action reminder pass (a day before an
// agreed action is due) run once per period across the fleet, like the
// assignment reminders; mentorActionRunLease keeps a long pass from
// running beside the next.
const (
	mentorActionLease    = "mentor-actions"
	mentorActionRunLease = "mentor-actions-run"
)

func (a *App) remindMentorActions(ctx context.Context) {
	mine, err := a.svc.ClaimPeriod(ctx, mentorActionLease, a.jobs.remindEvery*9/10)
	if err != nil || !mine {
		if err != nil && ctx.Err() == nil {
			a.log.Warn("mentoring reminders", "err", err)
		}
		return
	}
	err = a.svc.WithLease(ctx, mentorActionRunLease, time.Minute, func(ctx context.Context, _ *content.Lease) error {
		st, err := a.svc.RemindMentorActions(ctx)
		if st.Created > 0 || err != nil {
			a.log.Info("mentoring reminders", "checked", st.Checked, "notified", st.Created)
		}
		return err
	})
	if err != nil && !errors.Is(err, content.ErrLeaseHeld) && ctx.Err() == nil {
		a.log.Warn("mentoring reminders", "err", err)
	}
}
