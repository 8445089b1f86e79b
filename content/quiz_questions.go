package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Editing one question of a quiz. Each change is made on the stored
// question list inside one versioned update (docs.Update), so two authors
// adding or editing different questions at once both keep their work; an
// edit made from a form loaded before someone else changed the same
// question is refused with ErrQuestionChanged rather than undoing theirs.

// ErrQuestionChanged refuses an edit based on an old copy of a question.
var ErrQuestionChanged = newError("question_changed", "question changed since it was loaded")

// Rev identifies a question's stored content. An authoring form carries it
// and sends it back, so the edit applies only to the question it showed.
func (q Question) Rev() string {
	h := sha256.New()
	// %#v writes every field, the answer key too, in a fixed order.
	fmt.Fprintf(h, "%#v", q)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// validOptionID is an option id worth keeping: short, and safe in a form
// field and a URL fragment.
func validOptionID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// assignOptionIDs keeps each option's id when it is valid and not taken by
// an earlier option, so attempts already served still find their options,
// and gives the others the first free ids o1, o2, …, never one of retired:
// the ids of removed options, which served attempts may still hold.
func assignOptionIDs(opts []Option, retired ...string) {
	used := map[string]bool{}
	for _, id := range retired {
		used[id] = true
	}
	kept := map[string]bool{}
	for i := range opts {
		if id := opts[i].ID; validOptionID(id) && !kept[id] {
			kept[id], used[id] = true, true
		} else {
			opts[i].ID = ""
		}
	}
	next := 1
	for i := range opts {
		if opts[i].ID != "" {
			continue
		}
		for used["o"+strconv.Itoa(next)] {
			next++
		}
		opts[i].ID = "o" + strconv.Itoa(next)
		used[opts[i].ID] = true
	}
}

// checkQuestion validates a question from an authoring form; its field
// errors are named without a prefix (prompt, options, answer, points).
func checkQuestion(q *Question) error {
	return q.validate("").err()
}

// AddQuestion appends a question to a quiz the user owns and returns it
// with its new id.
func (s *Service) AddQuestion(ctx context.Context, u User, quizID string, nq Question) (Question, error) {
	if _, _, err := s.OwnedQuiz(ctx, u, quizID); err != nil {
		return Question{}, err
	}
	nq.ID = ""
	if err := checkQuestion(&nq); err != nil {
		return Question{}, err
	}
	var added Question
	_, err := docs.Update(ctx, s.docs.C(collQuizzes), quizID, func(q *Quiz) error {
		if len(q.Questions) >= MaxQuestions {
			return invalid("quiz", tooManyQuestions())
		}
		added = nq
		for added.ID == "" || slices.ContainsFunc(q.Questions, func(x Question) bool { return x.ID == added.ID }) {
			added.ID = "q" + newID(6)
		}
		q.Questions = append(q.Questions, added)
		q.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	s.quizzes.forget()
	return added, mapErr(err, "quiz "+quizID)
}

// EditQuestion replaces question qid of a quiz the user owns with nq. rev
// is the Rev of the question the author edited: when the stored question
// has changed since, the edit is refused with ErrQuestionChanged (an empty
// rev skips the check). The question keeps its id and type, and what the
// form does not show: its GIFT category, true/false feedback and the
// feedback of options it keeps.
func (s *Service) EditQuestion(ctx context.Context, u User, quizID, qid, rev string, nq Question) (Question, error) {
	if _, _, err := s.OwnedQuiz(ctx, u, quizID); err != nil {
		return Question{}, err
	}
	var saved Question
	_, err := docs.Update(ctx, s.docs.C(collQuizzes), quizID, func(q *Quiz) error {
		i := slices.IndexFunc(q.Questions, func(x Question) bool { return x.ID == qid })
		if i < 0 {
			return fmt.Errorf("question %s: %w", qid, ErrNotFound)
		}
		old := q.Questions[i]
		if rev != "" && old.Rev() != rev {
			return ErrQuestionChanged
		}
		saved = nq
		saved.ID, saved.Type = old.ID, old.Type
		saved.Category, saved.FeedbackTrue, saved.FeedbackFalse = old.Category, old.FeedbackTrue, old.FeedbackFalse
		saved.Options = slices.Clone(nq.Options)
		for j := range saved.Options {
			for _, of := range old.Options {
				if of.ID == saved.Options[j].ID && of.ID != "" {
					saved.Options[j].Feedback = of.Feedback
				}
			}
		}
		retired := make([]string, len(old.Options))
		for j, o := range old.Options {
			retired[j] = o.ID
		}
		assignOptionIDs(saved.Options, retired...)
		if err := checkQuestion(&saved); err != nil {
			return err
		}
		q.Questions[i] = saved
		q.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	s.quizzes.forget()
	return saved, mapErr(err, "quiz "+quizID)
}

// DeleteQuestion removes question qid from a quiz the user owns; rev works
// as in EditQuestion.
func (s *Service) DeleteQuestion(ctx context.Context, u User, quizID, qid, rev string) error {
	if _, _, err := s.OwnedQuiz(ctx, u, quizID); err != nil {
		return err
	}
	_, err := docs.Update(ctx, s.docs.C(collQuizzes), quizID, func(q *Quiz) error {
		i := slices.IndexFunc(q.Questions, func(x Question) bool { return x.ID == qid })
		if i < 0 {
			return fmt.Errorf("question %s: %w", qid, ErrNotFound)
		}
		if rev != "" && q.Questions[i].Rev() != rev {
			return ErrQuestionChanged
		}
		q.Questions = slices.Delete(q.Questions, i, i+1)
		q.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	s.quizzes.forget()
	return mapErr(err, "quiz "+quizID)
}
