package content

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Attempt errors.
var (
	ErrAttemptsUsed   = newError("attempts_used", "no quiz attempts left")
	ErrDeadlinePassed = newError("deadline_passed", "the attempt's time is up")
	ErrSubmitted      = newError("submitted", "attempt already submitted")
)

// deadlineGrace absorbs the trip of a save sent in the last second.
const deadlineGrace = 2 * time.Second

// Attempt is one try of a quiz by one learner. Its id is quiz-user-n, so
// two racing starts cannot both become attempt n, and the attempt limit
// holds without a transaction.
type Attempt struct {
	ID      string           `bson:"id" json:"id"`
	Quiz    string           `bson:"quiz" json:"quiz_id"`
	User    string           `bson:"user" json:"-"`
	Course  string           `bson:"course" json:"course_id"`
	N       int              `bson:"n" json:"n"`
	Served  []ServedQuestion `bson:"served" json:"-"`
	Started time.Time        `bson:"started" json:"started_at"`
	// Deadline is zero when the quiz has no time limit.
	Deadline  time.Time         `bson:"deadline" json:"deadline,omitzero"`
	Answers   map[string]Answer `bson:"answers" json:"-"`
	Open      bool              `bson:"open" json:"open"`
	Submitted time.Time         `bson:"submitted,omitempty" json:"submitted_at,omitzero"`
	Score     float64           `bson:"score" json:"-"`
	MaxScore  float64           `bson:"max_score" json:"-"`
	Percent   float64           `bson:"percent" json:"-"`
	Passed    bool              `bson:"passed" json:"-"`
	Results   []QuestionResult  `bson:"results,omitempty" json:"-"`
	// Fold tracks counting the attempt into its quiz's statistics (see
	// quizstats.go): 0 before submission, then waiting, then counted.
	Fold int `bson:"fold,omitempty" json:"-"`
}

// ServedQuestion is a question as this attempt shows it: which one, and
// its options in the order served.
type ServedQuestion struct {
	ID      string   `bson:"id"`
	Options []string `bson:"options,omitempty"`
}

// QuestionResult is the grading of one question.
type QuestionResult struct {
	ID          string  `bson:"id" json:"id"`
	Correct     bool    `bson:"correct" json:"correct"`
	Score       float64 `bson:"score" json:"score"`
	Points      float64 `bson:"points" json:"points"`
	Explanation string  `bson:"explanation,omitempty" json:"explanation,omitempty"`
}

func attemptID(quiz, user string, n int) string { return fmt.Sprintf("%s-%s-%d", quiz, user, n) }

// expired reports whether the attempt's time is up at now.
func (a *Attempt) expired(now time.Time) bool {
	return !a.Deadline.IsZero() && now.After(a.Deadline.Add(deadlineGrace))
}

// Running reports whether the attempt still takes answers at now: open,
// and its deadline (with the grace above) not passed.
func (a Attempt) Running(now time.Time) bool { return a.Open && !a.expired(now) }

// MyAttempts lists the user's attempts of a quiz, by number. Open attempts
// past their deadline are listed as stored (Running tells them apart);
// GetAttempt closes them when opened.
func (s *Service) MyAttempts(ctx context.Context, u User, quizID string) ([]Attempt, error) {
	return s.userAttempts(ctx, quizID, u.NIP)
}

// shuffleSeed gives each attempt its own order.
func shuffleSeed() *mrand.Rand {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])))
}

// quizForLearner loads a quiz the user may take: its course is published
// and the user enrolled, or the user owns it (a preview).
func (s *Service) quizForLearner(ctx context.Context, u User, quizID string) (Quiz, Course, error) {
	q, err := s.Quiz(ctx, quizID)
	if err != nil {
		return Quiz{}, Course{}, err
	}
	c, err := s.ViewCourse(ctx, u, q.Course)
	if err != nil {
		return Quiz{}, Course{}, fmt.Errorf("quiz %s: %w", quizID, ErrNotFound)
	}
	if !c.OwnedBy(u) {
		if _, err := s.Enrollment(ctx, u.NIP, c.ID); err != nil {
			return Quiz{}, Course{}, fmt.Errorf("not enrolled in %s: %w", c.ID, ErrForbidden)
		}
	}
	return q, c, nil
}

// userAttempts lists a user's attempts of a quiz, by number.
func (s *Service) userAttempts(ctx context.Context, quizID, nip string) ([]Attempt, error) {
	as, _, err := docs.FindAll[Attempt](ctx, s.docs.C(collAttempts), docs.Query{
		Where: []docs.Eq{{Field: "quiz", Value: quizID}, {Field: "user", Value: nip}}, Sort: "n", Limit: 1000})
	return as, mapErr(err, "attempts")
}

// StartAttempt starts (or resumes) an attempt: the server fixes the drawn
// questions, their order and the deadline here, once.
func (s *Service) StartAttempt(ctx context.Context, u User, quizID string) (Attempt, Quiz, error) {
	q, c, err := s.quizForLearner(ctx, u, quizID)
	if err != nil {
		return Attempt{}, Quiz{}, err
	}
	if len(q.Questions) == 0 {
		return Attempt{}, Quiz{}, invalid("quiz", msg("quiz.no_questions"))
	}
	for tries := 0; tries < 5; tries++ {
		prev, err := s.userAttempts(ctx, q.ID, u.NIP)
		if err != nil {
			return Attempt{}, Quiz{}, err
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		for _, a := range prev {
			if a.Open && !a.expired(now) {
				return a, q, nil // resume the attempt in progress
			}
			if a.Open {
				if _, err := s.finishAttempt(ctx, a.ID, q); err != nil {
					return Attempt{}, Quiz{}, err
				}
			}
		}
		if q.MaxAttempts > 0 && len(prev) >= q.MaxAttempts {
			return Attempt{}, Quiz{}, ErrAttemptsUsed
		}
		a := Attempt{Quiz: q.ID, User: u.NIP, Course: c.ID, N: len(prev) + 1, Started: now, Open: true,
			Answers: map[string]Answer{}}
		a.ID = attemptID(q.ID, u.NIP, a.N)
		if q.TimeLimit > 0 {
			a.Deadline = now.Add(time.Duration(q.TimeLimit) * time.Second)
		}
		rng := shuffleSeed()
		order := make([]int, len(q.Questions))
		for i := range order {
			order[i] = i
		}
		if q.ShuffleQuestions || (q.Draw > 0 && q.Draw < len(order)) {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		if q.Draw > 0 && q.Draw < len(order) {
			order = order[:q.Draw]
			if !q.ShuffleQuestions {
				slices.Sort(order)
			}
		}
		for _, i := range order {
			qq := q.Questions[i]
			sq := ServedQuestion{ID: qq.ID}
			for _, o := range qq.Options {
				sq.Options = append(sq.Options, o.ID)
			}
			if q.ShuffleOptions {
				rng.Shuffle(len(sq.Options), func(i, j int) { sq.Options[i], sq.Options[j] = sq.Options[j], sq.Options[i] })
			}
			a.Served = append(a.Served, sq)
		}
		err = s.docs.C(collAttempts).Insert(ctx, a.ID, &a)
		if errors.Is(err, docs.ErrDuplicate) {
			continue // a racing start made attempt n: look again
		}
		if err != nil {
			return Attempt{}, Quiz{}, mapErr(err, "attempt")
		}
		return a, q, nil
	}
	return Attempt{}, Quiz{}, fmt.Errorf("start attempt: %w", docs.ErrConflict)
}

// ownAttempt loads an attempt of the user's; anyone else's is not found.
func (s *Service) ownAttempt(ctx context.Context, u User, id string) (Attempt, error) {
	var a Attempt
	if _, err := s.docs.C(collAttempts).Get(ctx, id, &a); err != nil {
		return Attempt{}, mapErr(err, "attempt")
	}
	if a.User != u.NIP {
		return Attempt{}, fmt.Errorf("attempt %s: %w", id, ErrNotFound)
	}
	return a, nil
}

// GetAttempt returns the user's attempt with its quiz, closing it first if
// its time ran out.
func (s *Service) GetAttempt(ctx context.Context, u User, id string) (Attempt, Quiz, error) {
	a, err := s.ownAttempt(ctx, u, id)
	if err != nil {
		return Attempt{}, Quiz{}, err
	}
	q, err := s.Quiz(ctx, a.Quiz)
	if err != nil {
		return Attempt{}, Quiz{}, err
	}
	if a.Open && a.expired(s.now()) {
		if a, err = s.finishAttempt(ctx, a.ID, q); err != nil {
			return Attempt{}, Quiz{}, err
		}
	}
	return a, q, nil
}

// SaveAnswers stores answers as one versioned write. Saving after the
// deadline or after submission is refused; nothing of it is kept.
func (s *Service) SaveAnswers(ctx context.Context, u User, id string, raw map[string]json.RawMessage) (Attempt, error) {
	if len(raw) > 500 {
		return Attempt{}, invalid("answers", msg("answers.too_many"))
	}
	// Checked inside the write, on the attempt it reads: one read, one
	// versioned replace. fn may run again after a conflict.
	out, err := docs.Update(ctx, s.docs.C(collAttempts), id, func(a *Attempt) error {
		if a.User != u.NIP {
			return fmt.Errorf("attempt %s: %w", id, ErrNotFound)
		}
		if !a.Open {
			return ErrSubmitted
		}
		if a.expired(s.now()) {
			return ErrDeadlinePassed
		}
		q, err := s.cachedQuiz(ctx, a.Quiz)
		if err != nil {
			return err
		}
		if a.Answers == nil {
			a.Answers = map[string]Answer{}
		}
		for qid, r := range raw {
			if !slices.ContainsFunc(a.Served, func(sq ServedQuestion) bool { return sq.ID == qid }) {
				return invalid("answers."+qid, msg("answers.not_in_attempt"))
			}
			ans, err := ParseAnswer(q.question(qid), r)
			if m, ok := messageOf(err); ok {
				return invalid("answers."+qid, m)
			} else if err != nil {
				return err
			}
			a.Answers[qid] = ans
		}
		return nil
	})
	return out, mapErr(err, "save answers")
}

// cachedQuiz is a quiz at most quizTTL old, for checking answers' shapes.
func (s *Service) cachedQuiz(ctx context.Context, id string) (Quiz, error) {
	now := s.now()
	if q, ok := s.quizzes.get(id, now); ok {
		return q, nil
	}
	q, err := s.Quiz(ctx, id)
	if err != nil {
		return Quiz{}, err
	}
	s.quizzes.put(id, q, now)
	return q, nil
}

func (q *Quiz) question(id string) Question {
	for _, x := range q.Questions {
		if x.ID == id {
			return x
		}
	}
	return Question{ID: id}
}

// SubmitAttempt grades the attempt. Submitting again returns the same
// result; an attempt past its deadline is graded on what was saved.
func (s *Service) SubmitAttempt(ctx context.Context, u User, id string) (Attempt, Quiz, error) {
	a, err := s.ownAttempt(ctx, u, id)
	if err != nil {
		return Attempt{}, Quiz{}, err
	}
	q, err := s.Quiz(ctx, a.Quiz)
	if err != nil {
		return Attempt{}, Quiz{}, err
	}
	a, err = s.finishAttempt(ctx, a.ID, q)
	return a, q, err
}

// finishAttempt grades and closes an attempt (once), then records a pass
// in the enrolment, which may complete the course and issue its
// certificate. Each step is idempotent, so a retry after a crash between
// them finishes the job.
func (s *Service) finishAttempt(ctx context.Context, id string, q Quiz) (Attempt, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	a, err := docs.Update(ctx, s.docs.C(collAttempts), id, func(a *Attempt) error {
		if !a.Open {
			return nil
		}
		grade(a, &q)
		a.Open = false
		a.Fold = foldWaiting
		a.Submitted = now
		if !a.Deadline.IsZero() && now.After(a.Deadline) {
			a.Submitted = a.Deadline
		}
		return nil
	})
	if err != nil {
		return Attempt{}, mapErr(err, "submit")
	}
	if a.Passed {
		if err := s.recordPass(ctx, a); err != nil {
			return Attempt{}, err
		}
	}
	return a, nil
}

// grade scores the served questions against the quiz's keys.
func grade(a *Attempt, q *Quiz) {
	a.Score, a.MaxScore, a.Results = 0, 0, nil
	for _, sq := range a.Served {
		qq := q.question(sq.ID)
		share := qq.Grade(a.Answers[sq.ID])
		pts := math.Round(share*qq.Points*100) / 100
		a.Score += pts
		a.MaxScore += qq.Points
		a.Results = append(a.Results, QuestionResult{ID: sq.ID, Correct: share >= 1, Score: pts, Points: qq.Points,
			Explanation: qq.Explanation})
	}
	if a.MaxScore > 0 {
		a.Percent = math.Round(a.Score/a.MaxScore*10000) / 100
	}
	a.Passed = a.MaxScore > 0 && a.Percent >= q.PassMark
}

// recordPass marks the quiz's lessons done in the learner's enrolment and
// settles the course, completing it and issuing the certificate when every
// required lesson is done.
func (s *Service) recordPass(ctx context.Context, a Attempt) error {
	c, err := s.Course(ctx, a.Course)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	e, err := docs.Update(ctx, s.docs.C(collEnrollments), enrollmentID(a.User, c.ID), func(e *Enrollment) error {
		if e.Lessons == nil {
			e.Lessons = map[string]LessonProgress{}
		}
		for _, l := range c.Lessons() {
			if l.Kind == KindQuiz && l.QuizID == a.Quiz {
				p := e.Lessons[l.ID]
				p.markDone(now)
				p.Updated = now
				e.Lessons[l.ID] = p
			}
		}
		s.settle(e, &c, now)
		return nil
	})
	if errors.Is(err, docs.ErrNotFound) {
		return nil // an owner's preview: no enrolment to record in
	}
	if err != nil {
		return mapErr(err, "record pass")
	}
	return s.ensureCertificate(ctx, e, c)
}

// closeExpiredAttempts grades attempts left open past their deadline, on
// what was saved, so a learner who walked away still gets a result.
func (s *Service) closeExpiredAttempts(ctx context.Context) (int, error) {
	n := 0
	for {
		as, _, err := docs.FindAll[Attempt](ctx, s.docs.C(collAttempts), docs.Query{
			Where: []docs.Eq{{Field: "open", Value: true}},
			Range: &docs.Range{Field: "deadline", Gt: time.Unix(1, 0), Lt: s.now().UTC().Add(-deadlineGrace)},
			Sort:  "deadline", Limit: 100})
		if err != nil {
			return n, mapErr(err, "expired attempts")
		}
		for _, a := range as {
			q, err := s.Quiz(ctx, a.Quiz)
			if err != nil {
				return n, err
			}
			if _, err := s.finishAttempt(ctx, a.ID, q); err != nil {
				return n, err
			}
			n++
		}
		if len(as) < 100 {
			return n, nil
		}
	}
}
