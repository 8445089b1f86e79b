package content

import (
	"context"
	"fmt"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Support for the quiz pages (app/pages_quiz.go).

// MyAttempts lists the user's attempts of a quiz, by number, for the quiz
// lesson's summary. Open attempts past their deadline are reported as they
// are stored; GetAttempt closes them when opened.
func (s *Service) MyAttempts(ctx context.Context, u User, quizID string) ([]Attempt, error) {
	return s.userAttempts(ctx, quizID, u.NIP)
}

// ReplaceQuestions stores a quiz's whole question list as given. Unlike
// QuizInput, whose contract-shaped answer gives every right option of a
// multiple choice question an equal share, it keeps the options' own
// weights, feedback and categories, so editing one question through the
// authoring pages does not flatten the GIFT weights of the others.
func (s *Service) ReplaceQuestions(ctx context.Context, u User, id string, qs []Question) (Quiz, error) {
	if _, _, err := s.OwnedQuiz(ctx, u, id); err != nil {
		return Quiz{}, err
	}
	f := fieldErrors{}
	for i := range qs {
		for k, v := range qs[i].validate(fmt.Sprintf("questions[%d]", i)) {
			f[k] = v
		}
	}
	if len(qs) > 500 {
		f["questions"] = "paling banyak 500 soal"
	}
	if err := checkUniqueIDs(qs); err != nil {
		f["questions"] = err.Error()
	}
	if err := f.err(); err != nil {
		return Quiz{}, err
	}
	if qs == nil {
		qs = []Question{}
	}
	q, err := docs.Update(ctx, s.docs.C(collQuizzes), id, func(q *Quiz) error {
		q.Questions = qs
		q.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	s.quizzes.forget()
	return q, mapErr(err, "quiz "+id)
}
