package content

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Quiz statistics are served from an aggregate per quiz, kept up to date
// by a background job, so the statistics page reads one document however
// many attempts a quiz has.
//
// Each attempt is counted exactly once. A submitted attempt is marked
// waiting (Fold = foldWaiting). The job, under a lease, adds waiting
// attempts to the aggregate and notes their ids in the same write
// (Applied), then marks each attempt counted, then stamps its id in
// Applied as settled. A crash between these steps leaves an attempt
// waiting whose id the aggregate already holds, and the next run only
// finishes marking it. Settled ids are pruned after appliedKeep, far
// longer than any run may hold stale reads under its lease.
//
// Attempts submitted without the mark (before this version, or by an old
// instance during a rolling deploy) are found by counting: when the
// submitted attempts outnumber those counted and waiting, the statistics
// read flags the quiz and the job marks the missing ones waiting, with the
// page showing its progress meanwhile.

// Fold states of an attempt.
const (
	foldWaiting = 1
	foldCounted = 2
)

// appliedKeep is how long a settled attempt id stays in the aggregate.
const appliedKeep = 10 * time.Minute

// quizStatsLease names the lease under which one instance folds attempts.
const quizStatsLease = "quiz-stats"

// foldBatch bounds one run's reads.
const foldBatch = 500

// quizAgg is the running aggregate of one quiz's submitted attempts.
type quizAgg struct {
	Quiz     string `bson:"quiz"`
	Attempts int    `bson:"attempts"`
	// Learners counts first attempts: a learner's later attempts start
	// only after the first is submitted.
	Learners   int     `bson:"learners"`
	SumPercent float64 `bson:"sum_percent"`
	Passed     int     `bson:"passed"`
	// Bands counts attempts by whole percent (0..100): the histogram and
	// the ranking for discrimination are read from it.
	Bands     []int         `bson:"bands"`
	Questions []questionAgg `bson:"questions"`
	Applied   []appliedMark `bson:"applied,omitempty"`
	// Scan asks the job to look for submitted attempts never marked.
	Scan bool `bson:"scan"`
}

type questionAgg struct {
	ID       string  `bson:"id"`
	Answered int     `bson:"answered"`
	Sum      float64 `bson:"sum"`
	// Bands holds, per whole-percent band of the attempt's total score,
	// how many attempts in it were served the question and their summed
	// share of its points.
	Bands []shareBand `bson:"bands"`
}

type shareBand struct {
	P   int     `bson:"p"`
	N   int     `bson:"n"`
	Sum float64 `bson:"sum"`
}

type appliedMark struct {
	ID      string    `bson:"id"`
	Settled time.Time `bson:"settled,omitempty"`
}

func percentBand(p float64) int { return min(max(int(p), 0), 100) }

// add counts one submitted attempt.
func (g *quizAgg) add(a Attempt) {
	if len(g.Bands) != 101 {
		g.Bands = make([]int, 101)
	}
	g.Attempts++
	if a.N == 1 {
		g.Learners++
	}
	g.SumPercent += a.Percent
	if a.Passed {
		g.Passed++
	}
	band := percentBand(a.Percent)
	g.Bands[band]++
	for _, r := range a.Results {
		share := 0.0
		if r.Points != 0 {
			share = r.Score / r.Points
		}
		i := slices.IndexFunc(g.Questions, func(q questionAgg) bool { return q.ID == r.ID })
		if i < 0 {
			g.Questions = append(g.Questions, questionAgg{ID: r.ID})
			i = len(g.Questions) - 1
		}
		q := &g.Questions[i]
		q.Answered++
		q.Sum += share
		j := slices.IndexFunc(q.Bands, func(b shareBand) bool { return b.P == band })
		if j < 0 {
			q.Bands = append(q.Bands, shareBand{P: band})
			j = len(q.Bands) - 1
		}
		q.Bands[j].N++
		q.Bands[j].Sum += share
	}
}

// extremeShare is the mean share of a question's points in the k
// attempts with the highest (top) or lowest total scores. Attempts are
// ranked by whole-percent band; the band the cut falls in counts pro
// rata, as the tied attempts in it have no order of their own.
func (g *quizAgg) extremeShare(q questionAgg, k int, top bool) float64 {
	byBand := map[int]shareBand{}
	for _, b := range q.Bands {
		byBand[b.P] = b
	}
	n, sum, left := 0.0, 0.0, float64(k)
	for i := range 101 {
		p := i
		if top {
			p = 100 - i
		}
		all := g.Bands[p]
		if all == 0 {
			continue
		}
		take := min(left, float64(all)) / float64(all)
		b := byBand[p]
		n += take * float64(b.N)
		sum += take * b.Sum
		if left -= min(left, float64(all)); left <= 0 {
			break
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// stats turns the aggregate into the report for quiz q.
func (g *quizAgg) stats(q Quiz) QuizStats {
	st := QuizStats{Quiz: q, Attempts: g.Attempts, Learners: g.Learners}
	if g.Attempts > 0 {
		st.MeanScore = math.Round(g.SumPercent/float64(g.Attempts)*10) / 10
		st.PassRate = float64(g.Passed) / float64(g.Attempts)
	}
	for p, n := range g.Bands {
		st.Histogram[min(p/10, 9)] += n
	}
	k := int(math.Round(0.27 * float64(g.Attempts)))
	for _, qq := range q.Questions {
		qs := QuestionStats{ID: qq.ID, Prompt: qq.Prompt}
		if i := slices.IndexFunc(g.Questions, func(a questionAgg) bool { return a.ID == qq.ID }); i >= 0 {
			a := g.Questions[i]
			qs.Answered = a.Answered
			if a.Answered > 0 {
				qs.Facility = a.Sum / float64(a.Answered)
			}
			if k > 0 {
				qs.Discrimination = g.extremeShare(a, k, true) - g.extremeShare(a, k, false)
			}
		}
		st.Questions = append(st.Questions, qs)
	}
	return st
}

// QuizStatistics reports a quiz's statistics to its owners from the
// aggregate. Counted and Submitted say how far the aggregate has caught
// up: they differ while recent attempts wait for the background job.
func (s *Service) QuizStatistics(ctx context.Context, u User, quizID string) (QuizStats, error) {
	q, _, err := s.OwnedQuiz(ctx, u, quizID)
	if err != nil {
		return QuizStats{}, err
	}
	var g quizAgg
	if _, err := s.docs.C(collQuizStats).Get(ctx, q.ID, &g); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return QuizStats{}, mapErr(err, "quiz statistics")
	}
	st := g.stats(q)
	submitted, err := s.docs.C(collAttempts).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "quiz", Value: q.ID}},
		Range: &docs.Range{Field: "submitted", Gt: time.Unix(1, 0)}})
	if err != nil {
		return QuizStats{}, mapErr(err, "quiz attempts")
	}
	waiting, err := s.docs.C(collAttempts).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldWaiting}, {Field: "quiz", Value: q.ID}}})
	if err != nil {
		return QuizStats{}, mapErr(err, "quiz attempts")
	}
	st.Submitted = int(submitted)
	if int(submitted) > g.Attempts+int(waiting) && !g.Scan {
		// Attempts were submitted without the mark: ask the job to find them.
		if _, err := upsert(ctx, s.docs.C(collQuizStats), q.ID, func(g *quizAgg) error {
			g.Quiz, g.Scan = q.ID, true
			return nil
		}); err != nil {
			return QuizStats{}, mapErr(err, "quiz statistics")
		}
	}
	return st, nil
}

// QuizAttempts pages through a quiz's submitted attempts in submission
// order, for its owners: the results CSV needs every row.
func (s *Service) QuizAttempts(ctx context.Context, u User, quizID string, fn func(Attempt) error) (Quiz, error) {
	q, _, err := s.OwnedQuiz(ctx, u, quizID)
	if err != nil {
		return Quiz{}, err
	}
	query := docs.Query{Where: []docs.Eq{{Field: "quiz", Value: q.ID}},
		Range: &docs.Range{Field: "submitted", Gt: time.Unix(1, 0)}, Sort: "submitted", Limit: 500}
	for {
		as, next, err := docs.FindAll[Attempt](ctx, s.docs.C(collAttempts), query)
		if err != nil {
			return q, mapErr(err, "quiz attempts")
		}
		for _, a := range as {
			if err := fn(a); err != nil {
				return q, err
			}
		}
		if next == "" {
			return q, nil
		}
		query.After = next
	}
}

// FoldQuizStats is the background job: under a lease, it counts waiting
// attempts into their quizzes' aggregates and looks for unmarked ones
// where a quiz asks. It returns how many attempts it counted; another
// instance holding the lease is not an error.
func (s *Service) FoldQuizStats(ctx context.Context) (int, error) {
	n := 0
	err := s.WithLease(ctx, quizStatsLease, time.Minute, func(ctx context.Context, _ *Lease) error {
		if err := s.scanUnmarked(ctx); err != nil {
			return err
		}
		for {
			as, _, err := docs.FindAll[Attempt](ctx, s.docs.C(collAttempts),
				docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldWaiting}}, Limit: foldBatch})
			if err != nil {
				return mapErr(err, "waiting attempts")
			}
			byQuiz := map[string][]Attempt{}
			for _, a := range as {
				byQuiz[a.Quiz] = append(byQuiz[a.Quiz], a)
			}
			for quiz, batch := range byQuiz {
				if err := s.foldInto(ctx, quiz, batch); err != nil {
					return err
				}
				n += len(batch)
			}
			if len(as) < foldBatch {
				return nil
			}
		}
	})
	if errors.Is(err, ErrLeaseHeld) {
		return n, nil
	}
	return n, err
}

// foldInto counts a quiz's waiting attempts once: into the aggregate with
// their ids, then marked counted, then settled in the aggregate.
func (s *Service) foldInto(ctx context.Context, quiz string, batch []Attempt) error {
	agg := s.docs.C(collQuizStats)
	if _, err := upsert(ctx, agg, quiz, func(g *quizAgg) error {
		g.Quiz = quiz
		for _, a := range batch {
			if !slices.ContainsFunc(g.Applied, func(m appliedMark) bool { return m.ID == a.ID }) {
				g.add(a)
				g.Applied = append(g.Applied, appliedMark{ID: a.ID})
			}
		}
		return nil
	}); err != nil {
		return mapErr(err, "quiz statistics")
	}
	for _, a := range batch {
		_, err := docs.Update(ctx, s.docs.C(collAttempts), a.ID, func(a *Attempt) error {
			if a.Fold == foldWaiting {
				a.Fold = foldCounted
			}
			return nil
		})
		if err != nil && !errors.Is(err, docs.ErrNotFound) {
			return mapErr(err, "attempt "+a.ID)
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := docs.Update(ctx, agg, quiz, func(g *quizAgg) error {
		kept := g.Applied[:0]
		for _, m := range g.Applied {
			if m.Settled.IsZero() && slices.ContainsFunc(batch, func(a Attempt) bool { return a.ID == m.ID }) {
				m.Settled = now
			}
			if m.Settled.IsZero() || now.Sub(m.Settled) < appliedKeep {
				kept = append(kept, m)
			}
		}
		g.Applied = kept
		return nil
	})
	return mapErr(err, "quiz statistics")
}

// scanUnmarked marks waiting the submitted attempts that never got the
// mark, for each quiz whose statistics asked.
func (s *Service) scanUnmarked(ctx context.Context) error {
	flagged, _, err := docs.FindAll[quizAgg](ctx, s.docs.C(collQuizStats),
		docs.Query{Where: []docs.Eq{{Field: "scan", Value: true}}, Limit: 20})
	if err != nil {
		return mapErr(err, "quiz statistics")
	}
	for _, g := range flagged {
		// Cleared first: an attempt submitted unmarked during the scan
		// makes the next statistics read flag the quiz again.
		if _, err := docs.Update(ctx, s.docs.C(collQuizStats), g.Quiz, func(g *quizAgg) error {
			g.Scan = false
			return nil
		}); err != nil {
			return mapErr(err, "quiz statistics")
		}
		query := docs.Query{Where: []docs.Eq{{Field: "quiz", Value: g.Quiz}},
			Range: &docs.Range{Field: "submitted", Gt: time.Unix(1, 0)}, Sort: "submitted", Limit: foldBatch}
		for {
			as, next, err := docs.FindAll[Attempt](ctx, s.docs.C(collAttempts), query)
			if err != nil {
				return mapErr(err, "quiz attempts")
			}
			for _, a := range as {
				if a.Fold != 0 || a.Open {
					continue
				}
				if _, err := docs.Update(ctx, s.docs.C(collAttempts), a.ID, func(a *Attempt) error {
					if a.Fold == 0 && !a.Open {
						a.Fold = foldWaiting
					}
					return nil
				}); err != nil && !errors.Is(err, docs.ErrNotFound) {
					return mapErr(err, "attempt "+a.ID)
				}
			}
			if next == "" {
				break
			}
			query.After = next
		}
	}
	return nil
}
