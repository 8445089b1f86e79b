package content

import (
	"context"
	"errors"
)

// Why a lesson cannot be completed by a learner.
const (
	ProblemNoLessons = "no_lessons" // the course has no lessons at all
	ProblemEmptyText = "empty_text" // a text lesson with no body
	ProblemNoVideo   = "no_video"   // a video lesson with no file, or whose file is gone
	ProblemNoFile    = "no_file"    // a file lesson with no file, or whose file is gone
	ProblemNoQuiz    = "no_quiz"    // a quiz lesson with no quiz, or whose quiz is gone
	ProblemEmptyQuiz = "empty_quiz" // a quiz lesson whose quiz has no questions

	// A video lesson whose file's length could not be read and whose
	// trainer set none: how much was watched could not be measured.
	ProblemDuration = "unknown_duration"
)

var problemMsg = map[string]Msg{
	ProblemNoLessons: msg("publish.no_lessons"),
	ProblemEmptyText: msg("publish.empty_text"),
	ProblemNoVideo:   msg("publish.no_video"),
	ProblemNoFile:    msg("publish.no_file"),
	ProblemNoQuiz:    msg("publish.no_quiz"),
	ProblemEmptyQuiz: msg("publish.empty_quiz"),
	ProblemDuration:  msg("publish.unknown_duration"),
}

// LessonProblem is one lesson a learner could not complete, and why.
type LessonProblem struct {
	LessonID string
	Title    string
	Problem  string
}

// UnpublishableError refuses to publish a course with lessons no learner
// could complete: once published, its learners would be stuck below 100%
// forever. Problems are in syllabus order. It is a validation error too,
// with a field per lesson ("lessons.ID"), so clients see which.
type UnpublishableError struct {
	Problems []LessonProblem
}

func (e *UnpublishableError) Error() string { return e.validation().Error() }

// Unwrap lets errors.As find the *ValidationError.
func (e *UnpublishableError) Unwrap() error { return e.validation() }

func (e *UnpublishableError) validation() *ValidationError {
	f := map[string]Msg{}
	for _, p := range e.Problems {
		if p.LessonID == "" {
			f["lessons"] = problemMsg[p.Problem]
			continue
		}
		f["lessons."+p.LessonID] = msg("publish.lesson", p.Title, problemMsg[p.Problem])
	}
	return &ValidationError{Fields: f}
}

// checkPublishable finds every lesson of c a learner could not complete.
func (s *Service) checkPublishable(ctx context.Context, c *Course) error {
	all := c.Lessons()
	if len(all) == 0 {
		return &UnpublishableError{Problems: []LessonProblem{{Problem: ProblemNoLessons}}}
	}
	var out []LessonProblem
	for _, l := range all {
		problem, err := s.lessonProblem(ctx, c, l)
		if err != nil {
			return err
		}
		if problem != "" {
			out = append(out, LessonProblem{LessonID: l.ID, Title: l.Title, Problem: problem})
		}
	}
	if len(out) > 0 {
		return &UnpublishableError{Problems: out}
	}
	return nil
}

func (s *Service) lessonProblem(ctx context.Context, c *Course, l Lesson) (string, error) {
	switch l.Kind {
	case KindText:
		if l.words() == 0 {
			return ProblemEmptyText, nil
		}
	case KindVideo, KindFile:
		missing := ProblemNoFile
		if l.Kind == KindVideo {
			missing = ProblemNoVideo
		}
		if l.AssetID == "" {
			return missing, nil
		}
		a, err := s.Asset(ctx, l.AssetID)
		if errors.Is(err, ErrNotFound) || (err == nil && a.Course != c.ID) {
			return missing, nil
		}
		if err != nil {
			return "", err
		}
		if l.Kind == KindVideo && l.Minutes == 0 && s.mediaDuration(ctx, a) == 0 {
			return ProblemDuration, nil
		}
	case KindQuiz:
		if l.QuizID == "" {
			return ProblemNoQuiz, nil
		}
		q, err := s.Quiz(ctx, l.QuizID)
		if errors.Is(err, ErrNotFound) || (err == nil && q.Course != c.ID) {
			return ProblemNoQuiz, nil
		}
		if err != nil {
			return "", err
		}
		if len(q.Questions) == 0 {
			return ProblemEmptyQuiz, nil
		}
	}
	return "", nil
}
