package content

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// exactStats is the statistics computed from every attempt, as the page
// did before the aggregate: the oracle the aggregate must agree with.
func exactStats(q Quiz, rows []Attempt) QuizStats {
	st := QuizStats{Quiz: q}
	learners := map[string]bool{}
	passed, sum := 0, 0.0
	for _, a := range rows {
		learners[a.User] = true
		sum += a.Percent
		if a.Passed {
			passed++
		}
		st.Histogram[min(int(a.Percent/10), 9)]++
	}
	st.Attempts, st.Learners = len(rows), len(learners)
	if st.Attempts > 0 {
		st.MeanScore = math.Round(sum/float64(st.Attempts)*10) / 10
		st.PassRate = float64(passed) / float64(st.Attempts)
	}
	ranked := slices.Clone(rows)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Percent > ranked[j].Percent })
	k := int(math.Round(0.27 * float64(len(ranked))))
	upper, lower := ranked[:k], ranked[len(ranked)-k:]
	share := func(a Attempt, id string) (float64, bool) {
		for _, r := range a.Results {
			if r.ID == id {
				if r.Points == 0 {
					return 0, true
				}
				return r.Score / r.Points, true
			}
		}
		return 0, false
	}
	mean := func(as []Attempt, id string) float64 {
		n, s := 0, 0.0
		for _, a := range as {
			if sh, ok := share(a, id); ok {
				n++
				s += sh
			}
		}
		if n == 0 {
			return 0
		}
		return s / float64(n)
	}
	for _, qq := range q.Questions {
		qs := QuestionStats{ID: qq.ID, Prompt: qq.Prompt}
		all := 0.0
		for _, a := range rows {
			if sh, ok := share(a, qq.ID); ok {
				qs.Answered++
				all += sh
			}
		}
		if qs.Answered > 0 {
			qs.Facility = all / float64(qs.Answered)
		}
		if k > 0 {
			qs.Discrimination = mean(upper, qq.ID) - mean(lower, qq.ID)
		}
		st.Questions = append(st.Questions, qs)
	}
	return st
}

// randomAttempts makes n submitted attempts of a quiz with questions
// q1..q5 (each served with probability 0.8, partial credit possible), by
// learners who each take up to three attempts. distinct gives every
// attempt its own whole-percent score, so the ranking has no ties.
func randomAttempts(r *rand.Rand, quiz string, n int, distinct bool) []Attempt {
	var out []Attempt
	tries := map[string]int{}
	for i := range n {
		user := fmt.Sprintf("u%03d", r.IntN(max(n/2, 1)))
		tries[user]++
		a := Attempt{ID: fmt.Sprintf("%s-%s-%d", quiz, user, tries[user]), Quiz: quiz, User: user, N: tries[user],
			Submitted: time.Unix(int64(1000+i), 0).UTC(), Fold: foldWaiting}
		for q := 1; q <= 5; q++ {
			if r.Float64() < 0.2 {
				continue
			}
			pts := float64(1 + r.IntN(3))
			a.Results = append(a.Results, QuestionResult{ID: fmt.Sprintf("q%d", q), Points: pts, Score: float64(r.IntN(int(pts) + 1))})
		}
		if distinct {
			a.Percent = float64(100 - i%101)
		} else {
			a.Percent = float64(r.IntN(101))
		}
		a.Passed = a.Percent >= 60
		out = append(out, a)
	}
	return out
}

func statsQuiz(id string) Quiz {
	q := Quiz{ID: id, Course: "c-" + id}
	for i := 1; i <= 5; i++ {
		q.Questions = append(q.Questions, Question{ID: fmt.Sprintf("q%d", i), Prompt: fmt.Sprint("Soal ", i)})
	}
	return q
}

func sameStats(t *testing.T, got, want QuizStats) {
	t.Helper()
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if got.Attempts != want.Attempts || got.Learners != want.Learners || got.MeanScore != want.MeanScore ||
		!near(got.PassRate, want.PassRate) || got.Histogram != want.Histogram {
		t.Fatalf("summary: got %d attempts, %d learners, mean %v, pass %v, %v; want %d, %d, %v, %v, %v",
			got.Attempts, got.Learners, got.MeanScore, got.PassRate, got.Histogram,
			want.Attempts, want.Learners, want.MeanScore, want.PassRate, want.Histogram)
	}
	for i, w := range want.Questions {
		g := got.Questions[i]
		if g.Answered != w.Answered || !near(g.Facility, w.Facility) || !near(g.Discrimination, w.Discrimination) {
			t.Errorf("%s: got answered %d, facility %v, discrimination %v; want %d, %v, %v",
				w.ID, g.Answered, g.Facility, g.Discrimination, w.Answered, w.Facility, w.Discrimination)
		}
	}
}

// TestQuizAggregateAgreesWithEveryAttempt: with no ties in the ranking,
// the aggregate gives exactly what reading every attempt gives.
func TestQuizAggregateAgreesWithEveryAttempt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 3, 4, 37, 101} {
		q := statsQuiz(fmt.Sprint("quiz", n))
		rows := randomAttempts(r, q.ID, n, true)
		var g quizAgg
		for _, a := range rows {
			g.add(a)
		}
		sameStats(t, g.stats(q), exactStats(q, rows))
	}
}

// TestQuizAggregateTiesProRata: where the 27% cut falls among tied
// scores, the tied attempts count pro rata (reading every attempt picked
// whichever came first).
func TestQuizAggregateTiesProRata(t *testing.T) {
	var g quizAgg
	// Ten attempts scoring 50; q1 earned by four of them. k = 3 of 10.
	for i := range 10 {
		sc := 0.0
		if i < 4 {
			sc = 1
		}
		g.add(Attempt{ID: fmt.Sprint(i), N: 1, Percent: 50, Results: []QuestionResult{{ID: "q1", Points: 1, Score: sc}}})
	}
	st := g.stats(Quiz{Questions: []Question{{ID: "q1"}}})
	if d := st.Questions[0].Discrimination; math.Abs(d) > 1e-9 {
		t.Fatalf("discrimination among ties = %v, want 0", d)
	}
	if f := st.Questions[0].Facility; f != 0.4 {
		t.Fatalf("facility = %v", f)
	}
}

func insertAttempts(t *testing.T, s *Service, rows []Attempt) {
	t.Helper()
	for _, a := range rows {
		if err := s.docs.C(collAttempts).Insert(context.Background(), a.ID, &a); err != nil {
			t.Fatal(err)
		}
	}
}

func aggOf(t *testing.T, s *Service, quiz string) quizAgg {
	t.Helper()
	var g quizAgg
	if _, err := s.docs.C(collQuizStats).Get(context.Background(), quiz, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestFoldCountsOnceAfterACrash: a run that died after adding attempts to
// the aggregate, before marking them, does not count them twice; nor do
// two instances folding at once.
func TestFoldCountsOnceAfterACrash(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	q := statsQuiz("qc")
	rows := randomAttempts(rand.New(rand.NewPCG(3, 4)), q.ID, 120, false)
	insertAttempts(t, s, rows)
	// The crash: the first step of a fold, for the first 50, and nothing else.
	if _, err := upsert(ctx, s.docs.C(collQuizStats), q.ID, func(g *quizAgg) error {
		g.Quiz = q.ID
		for _, a := range rows[:50] {
			g.add(a)
			g.Applied = append(g.Applied, appliedMark{ID: a.ID})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Two instances on one store fold together.
	other, err := New(s.docs, s.blobs, s.opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, svc := range []*Service{s, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := svc.FoldQuizStats(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	g := aggOf(t, s, q.ID)
	sameStats(t, g.stats(q), exactStats(q, rows))
	waiting, err := s.docs.C(collAttempts).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldWaiting}}})
	if err != nil || waiting != 0 {
		t.Fatalf("%d attempts still waiting (%v)", waiting, err)
	}
	// Settled ids are pruned once old enough.
	s.SetClock(func() time.Time { return time.Now().Add(appliedKeep + time.Minute) })
	more := randomAttempts(rand.New(rand.NewPCG(5, 6)), "qc", 1, false)
	more[0].ID, more[0].User, more[0].N = "qc-late-1", "late", 1
	insertAttempts(t, s, more)
	if n, err := s.FoldQuizStats(ctx); err != nil || n != 1 {
		t.Fatalf("fold late: %d, %v", n, err)
	}
	if g := aggOf(t, s, q.ID); len(g.Applied) != 1 || g.Attempts != 121 {
		t.Fatalf("after pruning: %d applied ids, %d attempts", len(g.Applied), g.Attempts)
	}
}

// TestStatisticsFindUnmarkedAttempts: attempts submitted without the mark
// (before this version, or by an old instance in a rolling deploy) are
// found when the statistics are read, and counted by the next run.
func TestStatisticsFindUnmarkedAttempts(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	admin := User{NIP: "198001012005011001", Roles: []string{RoleAdmin}}
	q := statsQuiz("legacy")
	if err := s.docs.C(collQuizzes).Insert(ctx, q.ID, &q); err != nil {
		t.Fatal(err)
	}
	c := Course{CourseCard: CourseCard{ID: q.Course, Slug: "legacy", Title: "Lama"}}
	if err := s.docs.C(collCourses).Insert(ctx, c.ID, &c); err != nil {
		t.Fatal(err)
	}
	rows := randomAttempts(rand.New(rand.NewPCG(7, 8)), q.ID, 40, true)
	for i := range rows {
		rows[i].Fold = 0
	}
	insertAttempts(t, s, rows)
	st, err := s.QuizStatistics(ctx, admin, q.ID)
	if err != nil || st.Attempts != 0 || st.Submitted != 40 {
		t.Fatalf("before: %d of %d (%v)", st.Attempts, st.Submitted, err)
	}
	if g := aggOf(t, s, q.ID); !g.Scan {
		t.Fatal("the read did not ask for a scan")
	}
	if _, err := s.FoldQuizStats(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = s.QuizStatistics(ctx, admin, q.ID)
	if err != nil || st.Submitted != 40 {
		t.Fatal(st.Submitted, err)
	}
	sameStats(t, st, exactStats(q, rows))
	if g := aggOf(t, s, q.ID); g.Scan {
		t.Error("scan still asked for after it ran")
	}
}
