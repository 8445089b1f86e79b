package content

import (
	"context"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// TestEvaluationCountedOnceAfterACrash: an evaluation whose addition
// reached the aggregate but whose pending mark was never cleared (the
// instance died between the two writes) is finished by the pending pass
// without being counted twice; one stored but never added is added once.
func TestEvaluationCountedOnceAfterACrash(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	at := s.now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	added := Evaluation{ID: "n1/c1", Course: "c1", User: "n1", Ratings: EvaluationRatings{Content: 5, Trainer: 4, Usefulness: 3}, At: at, Pending: true}
	lost := Evaluation{ID: "n2/c1", Course: "c1", User: "n2", Ratings: EvaluationRatings{Content: 1, Trainer: 2, Usefulness: 3}, At: at, Pending: true}
	for _, ev := range []Evaluation{added, lost} {
		if err := s.docs.C(collEvaluations).Insert(ctx, ev.ID, &ev); err != nil {
			t.Fatal(err)
		}
	}
	// The first crash: counted, still pending.
	if err := s.countOnce(ctx, "c1", "e:"+added.ID, func(g *evalAgg) {
		g.Count++
		g.Content.add(5)
		g.Trainer.add(4)
		g.Usefulness.add(3)
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.FoldPendingEvaluations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var g evalAgg
	if _, err := s.docs.C(collEvalStats).Get(ctx, "c1", &g); err != nil {
		t.Fatal(err)
	}
	if g.Count != 2 || g.Content.Sum != 6 || g.Trainer.Sum != 6 || g.Usefulness.Sum != 6 {
		t.Fatalf("aggregate = %+v", g)
	}
	n, err := s.docs.C(collEvaluations).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "pending", Value: true}}})
	if err != nil || n != 0 {
		t.Fatalf("%d still pending (%v)", n, err)
	}
	for _, m := range g.Applied {
		if m.Settled.IsZero() {
			t.Fatalf("mark %s not settled", m.ID)
		}
	}
	// Marks are pruned once settled long enough; the sums stay.
	s.SetClock(func() time.Time { return time.Now().Add(appliedKeep + time.Minute) })
	if err := s.countOnce(ctx, "c1", "e:other", func(g *evalAgg) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.docs.C(collEvalStats).Get(ctx, "c1", &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Applied) != 1 || g.Count != 2 {
		t.Fatalf("after pruning: %+v", g)
	}
}

// TestNormalizeTags: tags become slug-like, repeats drop, bounds hold.
func TestNormalizeTags(t *testing.T) {
	got, m := NormalizeTags([]string{" Pelayanan Publik ", "PELAYANAN-publik", "Kompetensi_Teknis", "Édukasi"}, 10)
	if m != nil || len(got) != 3 || got[0] != "pelayanan-publik" || got[1] != "kompetensi-teknis" || got[2] != "edukasi" {
		t.Fatalf("got %v %v", got, m)
	}
	for _, bad := range [][]string{{"a"}, {"!!!"}, {"x234567890123456789012345678901234567890a"}} {
		if _, m := NormalizeTags(bad, 10); m == nil || m.Code != "competency.tag_length" {
			t.Errorf("%v: %v", bad, m)
		}
	}
	if _, m := NormalizeTags([]string{"aa", "bb", "cc"}, 2); m == nil || m.Code != "competency.too_many" {
		t.Errorf("too many: %v", m)
	}
	for p, want := range map[string]string{"2026": "2026", "2026-s1": "2026-S1", " 2026-Q4 ": "2026-Q4"} {
		if got, y, ok := ParsePeriod(p); !ok || got != want || y != 2026 {
			t.Errorf("%q: %q %d %v", p, got, y, ok)
		}
	}
	for _, p := range []string{"26", "2026-S3", "2026-Q5", "1999", "2026/1"} {
		if _, _, ok := ParsePeriod(p); ok {
			t.Errorf("%q accepted", p)
		}
	}
}
