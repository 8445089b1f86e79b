package app

import (
	"context"
	"errors"
	"time"

	"github.com/kotalama/kompeten/content"
)

// evaluationLease makes the evaluation pass run once per period across
// the fleet; evaluationRunLease keeps a pass that outlasts its period from
// running beside the next.
const (
	evaluationLease    = "evaluations"
	evaluationRunLease = "evaluations-run"
)

// evaluationPass asks atasan for level-3 ratings whose time has come and
// counts evaluations a crash or contention left pending.
func (a *App) evaluationPass(ctx context.Context) {
	mine, err := a.svc.ClaimPeriod(ctx, evaluationLease, a.jobs.remindEvery*9/10)
	if err != nil || !mine {
		if err != nil && ctx.Err() == nil {
			a.log.Warn("evaluations", "err", err)
		}
		return
	}
	err = a.svc.WithLease(ctx, evaluationRunLease, time.Minute, func(ctx context.Context, _ *content.Lease) error {
		start := time.Now()
		st, err := a.svc.AskImpact(ctx)
		folded, ferr := a.svc.FoldPendingEvaluations(ctx)
		// Attendees of events that ended are asked for the level-1
		// evaluation (content/event_evaluations.go).
		events, eerr := a.svc.AskEventEvaluations(ctx)
		if st.Asked > 0 || folded > 0 || events > 0 || err != nil || ferr != nil || eerr != nil {
			a.log.Info("evaluations", "checked", st.Checked, "asked", st.Asked, "counted_pending", folded, "event_asks", events, "took", time.Since(start).Round(time.Millisecond))
		}
		return errors.Join(err, ferr, eerr)
	})
	if err != nil && !errors.Is(err, content.ErrLeaseHeld) && ctx.Err() == nil {
		a.log.Warn("evaluations", "err", err)
	}
}
