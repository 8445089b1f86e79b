package content

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Course evaluation, Kirkpatrick level 1 (reaction): after completing a
// course a learner may rate its content, its trainer and its usefulness
// (1–5) and leave a comment, once. Level 3 (behaviour) is in impact.go:
// weeks later, the learner's atasan rates the training's effect on the work.
//
// Owners read means and distributions from one aggregate document per
// course (evaluation_stats/<course>), never by scanning evaluations. Each
// evaluation is counted exactly once, whichever instance takes it and
// whatever crashes: it is stored pending under its natural id (so a second
// submission is refused by the store), then added to the aggregate in a
// versioned write that also records its id (Applied), then marked counted,
// then its id is stamped settled. A crash between steps leaves it pending;
// a leased pass (FoldPendingEvaluations) finishes it, and the recorded id
// makes the repeated addition a no-op. Settled ids are pruned after
// appliedKeep, far longer than a pass can act on a stale read.

// ErrEvaluated means the learner already evaluated the course.
var ErrEvaluated = newError("evaluation.duplicate", "course already evaluated")

// ErrNotCompleted means the learner has not completed the course.
var ErrNotCompleted = newError("evaluation.not_completed", "course not completed")

// Rating names, in the order pages show them.
var RatingNames = []string{"content", "trainer", "usefulness"}

// MaxEvaluationComment bounds a comment, in characters.
const MaxEvaluationComment = 2000

// EvaluationRatings are the three level-1 ratings, each 1–5.
type EvaluationRatings struct {
	Content    int `bson:"content" json:"content"`
	Trainer    int `bson:"trainer" json:"trainer"`
	Usefulness int `bson:"usefulness" json:"usefulness"`
}

func (r EvaluationRatings) values() []int { return []int{r.Content, r.Trainer, r.Usefulness} }

// Evaluation is one learner's level-1 evaluation of one course.
type Evaluation struct {
	ID         string            `bson:"id" json:"-"`
	Course     string            `bson:"course" json:"course_id"`
	User       string            `bson:"user" json:"-"`
	Ratings    EvaluationRatings `bson:"ratings" json:"ratings"`
	Comment    string            `bson:"comment,omitempty" json:"comment,omitempty"`
	HasComment bool              `bson:"has_comment" json:"-"`
	At         time.Time         `bson:"at" json:"at"`
	// Pending until counted in the course's aggregate.
	Pending bool `bson:"pending" json:"-"`
	// Event is set (and Course empty) on the evaluation of an event
	// (event_evaluations.go); it is counted in the event's aggregate.
	Event string `bson:"event,omitempty" json:"event_id,omitempty"`
}

// aggregate names the evaluation_stats document the evaluation counts in.
func (ev Evaluation) aggregate() string {
	if ev.Event != "" {
		return eventEvalKey(ev.Event)
	}
	return ev.Course
}

// EvaluationInput is what a learner submits.
type EvaluationInput struct {
	Ratings EvaluationRatings `json:"ratings"`
	Comment string            `json:"comment"`
}

func validRating(v int) bool { return v >= 1 && v <= 5 }

func (in *EvaluationInput) validate() error {
	f := fieldErrors{}
	for i, v := range in.Ratings.values() {
		if !validRating(v) {
			f["ratings."+RatingNames[i]] = msg("evaluation.rating", 1, 5)
		}
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > MaxEvaluationComment || !utf8.ValidString(in.Comment) {
		f["comment"] = msg("too_long", MaxEvaluationComment)
	}
	return f.err()
}

// evaluationID is the learner's enrolment id: one evaluation per learner
// and course.
func evaluationID(nip, courseID string) string { return enrollmentID(nip, courseID) }

// SubmitEvaluation records u's evaluation of a course they completed.
func (s *Service) SubmitEvaluation(ctx context.Context, u User, courseID string, in EvaluationInput) (Evaluation, error) {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return Evaluation{}, err
	}
	if err := in.validate(); err != nil {
		return Evaluation{}, err
	}
	e, err := s.Enrollment(ctx, u.NIP, c.ID)
	if errors.Is(err, ErrNotFound) || (err == nil && e.Completed.IsZero()) {
		return Evaluation{}, ErrNotCompleted
	}
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{ID: evaluationID(u.NIP, c.ID), Course: c.ID, User: u.NIP, Ratings: in.Ratings,
		Comment: in.Comment, HasComment: in.Comment != "", At: s.now().UTC().Truncate(time.Millisecond), Pending: true}
	err = s.docs.C(collEvaluations).Insert(ctx, ev.ID, &ev)
	if errors.Is(err, docs.ErrDuplicate) {
		return Evaluation{}, ErrEvaluated
	}
	if err != nil {
		return Evaluation{}, mapErr(err, "evaluation")
	}
	if err := s.foldEvaluation(ctx, ev); err != nil {
		// Stored and acknowledged; the pending pass counts it.
		slog.Warn("evaluation left for the pending pass", "id", ev.ID, "err", err)
	}
	ev.Pending = false
	return ev, nil
}

// MyEvaluation is u's evaluation of a course, if any.
func (s *Service) MyEvaluation(ctx context.Context, nip, courseID string) (*Evaluation, error) {
	var ev Evaluation
	_, err := s.docs.C(collEvaluations).Get(ctx, evaluationID(nip, courseID), &ev)
	if errors.Is(err, docs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err, "evaluation")
	}
	return &ev, nil
}

// Aggregates.

// ratingSums counts one rating: its sum and how many gave each of 1–5.
type ratingSums struct {
	Sum  int   `bson:"sum"`
	Dist []int `bson:"dist"`
}

func (r *ratingSums) add(v int) {
	if len(r.Dist) != 5 {
		r.Dist = make([]int, 5)
	}
	r.Sum += v
	r.Dist[v-1]++
}

func (r ratingSums) mean(n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(r.Sum)/float64(n)*100) / 100
}

func (r ratingSums) dist() []int {
	if len(r.Dist) != 5 {
		return make([]int, 5)
	}
	return slices.Clone(r.Dist)
}

// countMark is a contribution counted in an aggregate; Settled once its
// source is marked counted.
type countMark struct {
	ID      string    `bson:"id"`
	Added   time.Time `bson:"added"`
	Settled time.Time `bson:"settled,omitempty"`
}

// unsettledKeep: a mark whose settling was lost (a crash after its source
// was marked counted) is dropped after this long; nothing re-reads a
// source counted that long ago.
const unsettledKeep = 30 * 24 * time.Hour

// evalAgg is a course's running level-1 and level-3 counts.
type evalAgg struct {
	Course     string     `bson:"course"`
	Count      int        `bson:"count"`
	Content    ratingSums `bson:"content"`
	Trainer    ratingSums `bson:"trainer"`
	Usefulness ratingSums `bson:"usefulness"`
	// Level 3: the atasan's rating of the effect on the work.
	ImpactCount int         `bson:"impact_count"`
	Impact      ratingSums  `bson:"impact"`
	Applied     []countMark `bson:"applied,omitempty"`
}

func (g *evalAgg) prune(now time.Time) {
	g.Applied = slices.DeleteFunc(g.Applied, func(m countMark) bool {
		return (!m.Settled.IsZero() && now.Sub(m.Settled) > appliedKeep) || now.Sub(m.Added) > unsettledKeep
	})
}

// countOnce adds a contribution named id to a course's aggregate unless
// the aggregate already holds it, in one versioned write.
func (s *Service) countOnce(ctx context.Context, course, id string, add func(*evalAgg)) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := upsert(ctx, s.docs.C(collEvalStats), course, func(g *evalAgg) error {
		g.Course = course
		g.prune(now)
		if slices.ContainsFunc(g.Applied, func(m countMark) bool { return m.ID == id }) {
			return nil
		}
		add(g)
		g.Applied = append(g.Applied, countMark{ID: id, Added: now})
		return nil
	})
	return mapErr(err, "evaluation statistics")
}

// settleCount stamps a contribution's mark settled, so it can be pruned.
func (s *Service) settleCount(ctx context.Context, course, id string) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err := docs.Update(ctx, s.docs.C(collEvalStats), course, func(g *evalAgg) error {
		for i := range g.Applied {
			if g.Applied[i].ID == id && g.Applied[i].Settled.IsZero() {
				g.Applied[i].Settled = now
			}
		}
		return nil
	})
	return mapErr(err, "evaluation statistics")
}

func (s *Service) foldEvaluation(ctx context.Context, ev Evaluation) error {
	mark := "e:" + ev.ID
	if err := s.countOnce(ctx, ev.aggregate(), mark, func(g *evalAgg) {
		g.Count++
		g.Content.add(ev.Ratings.Content)
		g.Trainer.add(ev.Ratings.Trainer)
		g.Usefulness.add(ev.Ratings.Usefulness)
	}); err != nil {
		return err
	}
	if _, err := docs.Update(ctx, s.docs.C(collEvaluations), ev.ID, func(x *Evaluation) error {
		x.Pending = false
		return nil
	}); err != nil {
		return mapErr(err, "evaluation")
	}
	return s.settleCount(ctx, ev.aggregate(), mark)
}

// pendingAge: the pending pass leaves younger contributions to the
// request that is counting them.
const pendingAge = time.Minute

// FoldPendingEvaluations counts the evaluations and impact ratings a
// crash or contention left pending. Run it under a lease; it returns how
// many it finished.
func (s *Service) FoldPendingEvaluations(ctx context.Context) (int, error) {
	before := s.now().UTC().Add(-pendingAge)
	n := 0
	evs, _, err := docs.FindAll[Evaluation](ctx, s.docs.C(collEvaluations), docs.Query{
		Where: []docs.Eq{{Field: "pending", Value: true}}, Range: &docs.Range{Field: "at", Lt: before}, Sort: "at", Limit: foldBatch})
	if err != nil {
		return 0, mapErr(err, "pending evaluations")
	}
	for _, ev := range evs {
		if err := s.foldEvaluation(ctx, ev); err != nil {
			return n, err
		}
		n++
	}
	rs, _, err := docs.FindAll[ImpactReview](ctx, s.docs.C(collImpact), docs.Query{
		Where: []docs.Eq{{Field: "pending", Value: true}}, Range: &docs.Range{Field: "rated", Lt: before}, Sort: "rated", Limit: foldBatch})
	if err != nil {
		return n, mapErr(err, "pending impact ratings")
	}
	for _, r := range rs {
		if err := s.foldImpact(ctx, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Reports.

// EvaluationComment is one comment, text only: whose it is stays private.
type EvaluationComment struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// ImpactSummary is the level-3 result of a course.
type ImpactSummary struct {
	Count        int          `json:"count"`
	Mean         float64      `json:"mean"`
	Distribution []int        `json:"distribution"`
	Notes        []ImpactNote `json:"notes"`
}

// ImpactNote is an atasan's note on a rating, text only.
type ImpactNote struct {
	Rating int       `json:"rating"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// EvaluationReport is a course's evaluation results for its owners.
type EvaluationReport struct {
	Course       string                `json:"course_id"`
	Title        string                `json:"title"`
	Count        int                   `json:"count"`
	Means        map[string]float64    `json:"means"`
	Distribution map[string][]int      `json:"distribution"`
	Comments     []EvaluationComment   `json:"comments"`
	Next         string                `json:"next,omitempty"`
	Impact       ImpactSummary         `json:"impact"`
	Ratings      map[string]ratingView `json:"-"`
}

type ratingView struct {
	Mean float64
	Dist []int
}

// evaluationPage is how many comments one page shows.
const evaluationPage = 20

// CourseEvaluations reports a course's evaluations to its owners and
// admins: means and distributions from the aggregate, then comments,
// newest first, a page at a time (after is the previous page's Next).
func (s *Service) CourseEvaluations(ctx context.Context, u User, courseID, after string) (EvaluationReport, error) {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return EvaluationReport{}, err
	}
	if !c.OwnedBy(u) {
		return EvaluationReport{}, ErrForbidden
	}
	var g evalAgg
	if _, err := s.docs.C(collEvalStats).Get(ctx, c.ID, &g); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return EvaluationReport{}, mapErr(err, "evaluation statistics")
	}
	r := EvaluationReport{Course: c.ID, Title: c.Title, Count: g.Count, Means: map[string]float64{},
		Distribution: map[string][]int{}, Comments: []EvaluationComment{}, Ratings: map[string]ratingView{}}
	for i, sums := range []ratingSums{g.Content, g.Trainer, g.Usefulness} {
		name := RatingNames[i]
		r.Means[name], r.Distribution[name] = sums.mean(g.Count), sums.dist()
		r.Ratings[name] = ratingView{Mean: r.Means[name], Dist: r.Distribution[name]}
	}
	evs, next, err := docs.FindAll[Evaluation](ctx, s.docs.C(collEvaluations), docs.Query{
		Where: []docs.Eq{{Field: "course", Value: c.ID}, {Field: "has_comment", Value: true}},
		Sort:  "at", Desc: true, Limit: evaluationPage, After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return EvaluationReport{}, ErrBadCursor
	}
	if err != nil {
		return EvaluationReport{}, mapErr(err, "evaluation comments")
	}
	for _, ev := range evs {
		r.Comments = append(r.Comments, EvaluationComment{Text: ev.Comment, At: ev.At})
	}
	r.Next = next
	r.Impact = ImpactSummary{Count: g.ImpactCount, Mean: g.Impact.mean(g.ImpactCount), Distribution: g.Impact.dist(), Notes: []ImpactNote{}}
	rs, _, err := docs.FindAll[ImpactReview](ctx, s.docs.C(collImpact), docs.Query{
		Where: []docs.Eq{{Field: "course", Value: c.ID}}, Range: &docs.Range{Field: "rated", Gt: time.Unix(0, 0).UTC()},
		Sort: "rated", Desc: true, Limit: evaluationPage})
	if err != nil {
		return EvaluationReport{}, mapErr(err, "impact notes")
	}
	for _, x := range rs {
		if x.Note != "" {
			r.Impact.Notes = append(r.Impact.Notes, ImpactNote{Rating: x.Rating, Text: x.Note, At: x.Rated})
		}
	}
	return r, nil
}

// The ask: a completed course the learner has not evaluated shows a card
// until they evaluate it or dismiss it.

type evalPrompt struct {
	Dismissed time.Time `bson:"dismissed"`
}

// DismissEvaluation hides the ask for a course; the learner can still
// evaluate it from the course page.
func (s *Service) DismissEvaluation(ctx context.Context, u User, courseID string) error {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err = upsert(ctx, s.docs.C(collEvalPrompts), evaluationID(u.NIP, c.ID), func(p *evalPrompt) error {
		p.Dismissed = now
		return nil
	})
	return mapErr(err, "evaluation prompt")
}

// EvaluationAsk says whether to ask u to evaluate a course they completed:
// not yet evaluated and not dismissed.
func (s *Service) EvaluationAsk(ctx context.Context, nip, courseID string) (ask, evaluated bool, err error) {
	ev, err := s.MyEvaluation(ctx, nip, courseID)
	if err != nil || ev != nil {
		return false, ev != nil, err
	}
	var p evalPrompt
	_, err = s.docs.C(collEvalPrompts).Get(ctx, evaluationID(nip, courseID), &p)
	if errors.Is(err, docs.ErrNotFound) {
		return true, false, nil
	}
	return false, false, mapErr(err, "evaluation prompt")
}

// EvaluationAsks are the courses among the learner's most recently
// completed ones (at most limit looked at) still to be asked about.
func (s *Service) EvaluationAsks(ctx context.Context, mine []EnrolledCourse, limit int) ([]Course, error) {
	var out []Course
	looked := 0
	for _, ec := range mine {
		if ec.Completed.IsZero() || looked >= limit {
			continue
		}
		looked++
		ask, _, err := s.EvaluationAsk(ctx, ec.User, ec.Course.ID)
		if err != nil {
			return nil, err
		}
		if ask {
			out = append(out, ec.Course)
		}
	}
	return out, nil
}
