package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// TestSweepOncePerPeriodAcrossInstances: with two instances over one
// store, the sweep runs on whichever claims the period first, and the
// other skips it until the period has passed (before, every instance
// repeated every sweep).
func TestSweepOncePerPeriodAcrossInstances(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	other, err := New(ctx, e.cfg, e.stores, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var off atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	apps := []*App{e.app, other}
	for _, a := range apps {
		a.jobs.sweepEvery = time.Hour
		a.Service().SetClock(now)
	}
	expired := func() string {
		t.Helper()
		svc := e.app.Service()
		svc.SetClock(func() time.Time { return now().AddDate(-1, 0, 0) })
		secret, _, err := svc.NewSession(ctx, content.KindSession, learnerNIP)
		svc.SetClock(now)
		if err != nil {
			t.Fatal(err)
		}
		return content.Hash(secret)
	}
	exists := func(id string) bool {
		var s content.Session
		_, err := e.stores.Docs.C("sessions").Get(ctx, id, &s)
		if err != nil && !errors.Is(err, docs.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	first := expired()
	e.app.sweep(ctx)
	if exists(first) {
		t.Fatal("the first instance's sweep left an expired session")
	}
	second := expired()
	other.sweep(ctx)
	if !exists(second) {
		t.Fatal("the second instance swept again within the period")
	}
	off.Add(int64(time.Hour))
	other.sweep(ctx)
	if exists(second) {
		t.Fatal("no sweep in the next period")
	}
}
