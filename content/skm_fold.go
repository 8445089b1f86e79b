package content

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// The fold counts waiting responses into their service-and-month
// aggregates exactly once, as the quiz statistics job does (quizstats.go):
// under a lease, each aggregate takes its waiting responses and notes
// their ids in the same write (Applied); then each response is marked
// counted; then the ids are stamped settled, and pruned after
// skmAppliedKeep. A crash between the steps leaves a response waiting
// whose id the aggregate holds, and the next run only marks it. Two
// instances never fold at once (the lease), and one that stalled past its
// lease with stale reads finds the ids still there: the keep is three
// times the lease.

const (
	skmFoldLease   = "skm-fold"
	skmFoldTTL     = 30 * time.Second
	skmFoldBatch   = 1000
	skmAppliedKeep = 90 * time.Second
)

// FoldSKM counts waiting responses into their aggregates and sweeps the
// limit counters of past windows. It returns how many responses it
// counted; another instance holding the lease is not an error.
func (s *Service) FoldSKM(ctx context.Context) (int, error) {
	n := 0
	err := s.WithLease(ctx, skmFoldLease, skmFoldTTL, func(ctx context.Context, _ *Lease) error {
		for {
			rs, _, err := docs.FindAll[SKMResponse](ctx, s.docs.C(collSKMResponses),
				docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldWaiting}}, Limit: skmFoldBatch})
			if err != nil {
				return mapErr(err, "waiting responses")
			}
			groups := map[string][]SKMResponse{}
			var order []string
			for _, r := range rs {
				k := skmMonthID(r.Service, r.Month)
				if _, ok := groups[k]; !ok {
					order = append(order, k)
				}
				groups[k] = append(groups[k], r)
			}
			for _, k := range order {
				if err := s.foldSKMInto(ctx, groups[k]); err != nil {
					return err
				}
				n += len(groups[k])
			}
			if len(rs) < skmFoldBatch {
				return s.sweepSKMLimits(ctx)
			}
		}
	})
	if errors.Is(err, ErrLeaseHeld) {
		return n, nil
	}
	return n, err
}

// skmFoldCrash, when set by a test, stops a fold after the aggregate's
// write, as a crash there would.
var skmFoldCrash func() bool

var errSimulatedCrash = errors.New("simulated crash")

// foldSKMInto counts one service-month's waiting responses once.
func (s *Service) foldSKMInto(ctx context.Context, batch []SKMResponse) error {
	first := batch[0]
	id := skmMonthID(first.Service, first.Month)
	agg := s.docs.C(collSKMMonths)
	year, _ := strconv.Atoi(first.Month[:4])
	if _, err := upsert(ctx, agg, id, func(g *skmMonth) error {
		g.Service, g.Unit, g.Month, g.Year = first.Service, first.Unit, first.Month, year
		for _, r := range batch {
			if !slices.ContainsFunc(g.Applied, func(m appliedMark) bool { return m.ID == r.ID }) {
				g.Sums.Add(r.Scores)
				g.Applied = append(g.Applied, appliedMark{ID: r.ID})
			}
		}
		return nil
	}); err != nil {
		return mapErr(err, "skm aggregate")
	}
	if skmFoldCrash != nil && skmFoldCrash() {
		return errSimulatedCrash
	}
	for _, r := range batch {
		_, err := docs.Update(ctx, s.docs.C(collSKMResponses), r.ID, func(r *SKMResponse) error {
			if r.Fold == foldWaiting {
				r.Fold = foldCounted
			}
			return nil
		})
		if err != nil && !errors.Is(err, docs.ErrNotFound) {
			return mapErr(err, "skm response "+r.ID)
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := docs.Update(ctx, agg, id, func(g *skmMonth) error {
		kept := g.Applied[:0]
		for _, m := range g.Applied {
			if m.Settled.IsZero() && slices.ContainsFunc(batch, func(r SKMResponse) bool { return r.ID == m.ID }) {
				m.Settled = now
			}
			if m.Settled.IsZero() || now.Sub(m.Settled) < skmAppliedKeep {
				kept = append(kept, m)
			}
		}
		g.Applied = kept
		return nil
	})
	return mapErr(err, "skm aggregate")
}

// SKMWaiting counts responses not yet folded in, so a results page can say
// the newest are still being counted.
func (s *Service) SKMWaiting(ctx context.Context) (int64, error) {
	n, err := s.docs.C(collSKMResponses).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldWaiting}}})
	return n, mapErr(err, "waiting responses")
}
