package app

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kotalama/kompeten/content"
)

// jobTimes say how often each background job runs and how long one run
// may take; tests shorten them.
type jobTimes struct {
	outboxEvery, outboxTimeout time.Duration
	sweepEvery, sweepTimeout   time.Duration
	// fillRetry is the wait after a failed search fill; fillLogEvery how
	// often a running fill logs its progress.
	fillRetry, fillLogEvery time.Duration
	// stopWait is how long shutdown waits for background work.
	stopWait time.Duration
	// mailEvery: how often due email is sent; remindEvery: the period of
	// the reminder pass (once per period across the fleet).
	mailEvery, mailTimeout     time.Duration
	remindEvery, remindTimeout time.Duration
}

// The outbox run's deadline leaves room for a few Meilisearch tasks at
// their own bound (meili.DefaultTaskTimeout); what is left waits for the
// next run.
var defaultJobTimes = jobTimes{
	outboxEvery: 2 * time.Second, outboxTimeout: 5 * time.Minute,
	sweepEvery: 10 * time.Minute, sweepTimeout: 5 * time.Minute,
	fillRetry: 30 * time.Second, fillLogEvery: 5 * time.Second,
	stopWait: 10 * time.Second,

	mailEvery: 10 * time.Second, mailTimeout: 5 * time.Minute,
	remindEvery: time.Hour, remindTimeout: 30 * time.Minute,
}

// fillLogCourses: a running fill also logs every this many courses.
const fillLogCourses = 500

type job struct {
	name           string
	every, timeout time.Duration
	run            func(ctx context.Context)
}

// runWorkers does the background work until ctx ends: it applies the
// search outbox every few seconds, sweeps expired state every ten minutes
// and, when the search index is owed one, fills it. Each job has its own
// loop and each run its own deadline, so a search backend that stops
// answering never holds up closing quiz attempts or removing expired
// sessions. Across instances, the search outbox and the fill run under
// leases (one instance at a time), and a sweep runs once per period on
// whichever instance claims it first.
func (a *App) runWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range []job{
		{"search outbox", a.jobs.outboxEvery, a.jobs.outboxTimeout, a.drainOutbox},
		{"sweep", a.jobs.sweepEvery, a.jobs.sweepTimeout, a.sweep},
		{"quiz statistics", a.jobs.outboxEvery, a.jobs.outboxTimeout, a.foldQuizStats},
		{"mail", a.jobs.mailEvery, a.jobs.mailTimeout, a.sendMail},
		{"reminders", a.jobs.remindEvery, a.jobs.remindTimeout, a.remind},
		{"skm fold", a.jobs.outboxEvery, a.jobs.outboxTimeout, a.foldSKM},
		{"mentoring reminders", a.jobs.remindEvery, a.jobs.remindTimeout, a.remindMentorActions},
		{"evaluations", a.jobs.remindEvery, a.jobs.remindTimeout, a.evaluationPass},
		{"event reminders", a.eventRemindEvery(), a.jobs.remindTimeout, a.remindEvents},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.loop(ctx, j)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.fillSearch(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.moveLessonBodies(ctx)
		a.rekeyUsers(ctx)
		a.migrateLedger(ctx)
	}()
	wg.Wait()
}

// loop runs j at once and then every j.every, each run under j.timeout.
func (a *App) loop(ctx context.Context, j job) {
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		run, cancel := context.WithTimeout(ctx, j.timeout)
		j.run(run)
		if errors.Is(run.Err(), context.DeadlineExceeded) {
			a.log.Warn("background job ran out of time", "job", j.name, "timeout", j.timeout)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// drainOutbox applies batches until a short one says nothing more is due.
func (a *App) drainOutbox(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := a.svc.ProcessOutbox(ctx, a.stores.Search)
		if err != nil && ctx.Err() == nil {
			a.log.Warn("search outbox", "err", err)
		}
		if err != nil || n < content.OutboxBatch {
			return
		}
	}
}

// moveLessonBodies moves the lesson bodies of courses the previous version
// wrote out of the course documents, once across the fleet, at start.
func (a *App) moveLessonBodies(ctx context.Context) {
	ran, n, err := a.svc.MigrateLessonBodiesOnce(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.Warn("moving lesson bodies; the next start tries again", "err", err)
	case ran:
		a.log.Info("lesson bodies moved out of course documents", "courses", n)
	}
}

// foldQuizStats counts newly submitted attempts into their quizzes'
// statistics (one instance at a time, under a lease).
func (a *App) foldQuizStats(ctx context.Context) {
	if _, err := a.svc.FoldQuizStats(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("quiz statistics", "err", err)
	}
}

// sweepLease names the lease that makes a sweep run once per period
// across the fleet: the instance that takes it sweeps, and keeps it for
// the period, so the others skip until it lapses.
const sweepLease = "sweep"

func (a *App) sweep(ctx context.Context) {
	// Held a little short of the period, so the holder's next tick finds
	// it free whatever the jitter of its ticker.
	mine, err := a.svc.ClaimPeriod(ctx, sweepLease, a.jobs.sweepEvery*9/10)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("sweep", "err", err)
		}
		return
	}
	if !mine {
		return
	}
	if n, err := a.svc.Sweep(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("sweep", "err", err)
	} else if n > 0 {
		a.log.Info("sweep", "removed", n)
	}
}

// fillProgress is a running search fill's progress, for /readyz.
type fillProgress struct {
	running     atomic.Bool
	done, total atomic.Int64
}

// state returns the progress and whether a fill is running.
func (p *fillProgress) state() (done, total int64, running bool) {
	return p.done.Load(), p.total.Load(), p.running.Load()
}

// fillSearch fills the search index from the document store when it is
// owed a fill: it opened empty (first start, lost volume, new index
// version), or an earlier fill never finished. The platform serves
// meanwhile; search answers from what is already in. A failed fill is
// tried again until it succeeds.
func (a *App) fillSearch(ctx context.Context) {
	fresh := a.stores.Search.Fresh()
	for {
		err := a.fillOnce(ctx, fresh)
		if err == nil || ctx.Err() != nil {
			return
		}
		fresh = false // the debt is recorded; a retry only reads it
		if errors.Is(err, errFillElsewhere) {
			a.log.Info("search reindex", "state", "running on another instance", "check_again_in", a.jobs.fillRetry)
		} else {
			a.log.Warn("search reindex failed; trying again", "err", err, "in", a.jobs.fillRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.jobs.fillRetry):
		}
	}
}

// fillLease names the lease under which one instance fills the index;
// the others wait and find the fill done.
const fillLease = "search-fill"

func (a *App) fillOnce(ctx context.Context, fresh bool) error {
	token, owed, err := a.svc.SearchFillOwed(ctx, fresh)
	if err != nil || !owed {
		return err
	}
	err = a.svc.WithLease(ctx, fillLease, time.Minute, func(ctx context.Context, _ *content.Lease) error {
		return a.fillLeased(ctx, token, fresh)
	})
	if errors.Is(err, content.ErrLeaseHeld) {
		return errFillElsewhere
	}
	return err
}

// errFillElsewhere: another instance is filling the index.
var errFillElsewhere = errors.New("another instance is filling the search index")

func (a *App) fillLeased(ctx context.Context, token int64, fresh bool) error {
	a.fill.done.Store(0)
	a.fill.total.Store(0)
	a.fill.running.Store(true)
	defer a.fill.running.Store(false)
	start := time.Now()
	a.log.Info("search reindex", "state", "started", "fresh_index", fresh)
	lastLog, lastDone := start, 0
	err := a.svc.Reindex(ctx, a.stores.Search, func(done, total int) {
		a.fill.done.Store(int64(done))
		a.fill.total.Store(int64(total))
		if time.Since(lastLog) >= a.jobs.fillLogEvery || done-lastDone >= fillLogCourses {
			a.log.Info("search reindex", "done", done, "total", total)
			lastLog, lastDone = time.Now(), done
		}
	})
	if err != nil {
		return err
	}
	if err := a.svc.FinishSearchFill(ctx, token); err != nil {
		return err
	}
	done, total, _ := a.fill.state()
	a.log.Info("search reindex", "state", "finished", "done", done, "total", total,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// ledgerLease names the lease under which one instance migrates old
// completions into the JP ledger.
const ledgerLease = "jp-ledger-migration"

// migrateLedger writes the completions from before the JP ledger into it,
// once across the fleet: the first instance to start does it under a
// lease (resuming where an earlier run stopped), the others find it done
// or under way and check again later. Running it again writes nothing.
func (a *App) migrateLedger(ctx context.Context) {
	for {
		err := a.migrateLedgerOnce(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		if errors.Is(err, content.ErrOnceBusy) || errors.Is(err, content.ErrLeaseHeld) {
			a.log.Info("jp ledger migration", "state", "running on another instance", "check_again_in", a.jobs.fillRetry)
		} else {
			a.log.Warn("jp ledger migration failed; trying again", "err", err, "in", a.jobs.fillRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.jobs.fillRetry):
		}
	}
}

func (a *App) migrateLedgerOnce(ctx context.Context) error {
	if done, err := a.svc.OnceDone(ctx, content.JPLedgerMigration); err != nil || done {
		return err
	}
	// The lease (renewed while the run lives) keeps a second instance
	// out for as long as the first works, however long that is; the
	// once-record says it is done, and its expiry is how long after a
	// crash mid-run another instance waits to resume it.
	err := a.svc.WithLease(ctx, ledgerLease, time.Minute, func(ctx context.Context, l *content.Lease) error {
		_, err := a.svc.Once(ctx, content.JPLedgerMigration, 10*time.Minute, func(ctx context.Context) error {
			start := time.Now()
			n, err := a.svc.MigrateJPLedger(ctx, l)
			if err != nil {
				return err
			}
			a.log.Info("jp ledger migration", "state", "finished", "written", n, "took", time.Since(start).Round(time.Millisecond))
			return nil
		})
		return err
	})
	return err
}

// rekeyUsers fills the users list's fields of accounts stored before
// they existed, once across the fleet.
func (a *App) rekeyUsers(ctx context.Context) {
	_, err := a.svc.Once(ctx, "users.rekey.v1", 10*time.Minute, func(ctx context.Context) error {
		n, err := a.svc.RekeyUsers(ctx)
		if n > 0 {
			a.log.Info("users rekeyed for the users list", "users", n)
		}
		return err
	})
	if err != nil && ctx.Err() == nil && !errors.Is(err, content.ErrOnceBusy) {
		a.log.Warn("rekey users", "err", err)
	}
}
