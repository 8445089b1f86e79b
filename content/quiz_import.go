package content

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/kotalama/kompeten/quizformat"
	"github.com/kotalama/kompeten/storage/docs"
)

// Bounds of a quiz and of an imported question bank.
const (
	MaxQuestions = 500
	// MaxImportBytes is the largest question bank read: 500 questions of
	// a few KiB each, with room to spare.
	MaxImportBytes         = 2 << 20
	maxImportQuestionBytes = 64 << 10
	maxImportErrors        = 100
)

// ImportError is a skipped question of an import: its first line, and
// why. A question with several problems has an ImportError for each.
type ImportError struct {
	Line int `json:"line"`
	Msg
}

// ImportResult is what an import did: how many questions were added, and
// each question skipped with its line.
type ImportResult struct {
	Added  int           `json:"added"`
	Format string        `json:"format"`
	Errors []ImportError `json:"errors"`
}

// DetectFormat names the format of a question bank: "aiken" or "gift".
func DetectFormat(src string) string { return quizformat.Detect(src) }

// tooManyQuestions is the message of the 500-question cap.
func tooManyQuestions() Msg { return msg("quiz.questions_max", MaxQuestions) }

// ParseQuestions reads a question bank in GIFT or Aiken and checks each
// question by the quiz's rules: the good ones come numbered q1…, with
// options o1…; each bad one is an ImportError. A bank larger than
// MaxImportBytes, or holding more than MaxQuestions good questions, is
// refused whole, and the parse stops there instead of reading the rest.
func ParseQuestions(format, src string) ([]Question, []ImportError, error) {
	parse := quizformat.ParseGIFT
	switch format {
	case "gift":
	case "aiken":
		parse = quizformat.ParseAiken
	default:
		return nil, nil, invalid("format", msg("import.format"))
	}
	parsed, perrs, err := parse(src, quizformat.Limits{MaxBytes: MaxImportBytes, MaxQuestions: MaxQuestions,
		MaxQuestionBytes: maxImportQuestionBytes, MaxErrors: maxImportErrors})
	switch {
	case errors.Is(err, quizformat.ErrTooLarge):
		return nil, nil, invalid("source", msg("import.too_big", MaxImportBytes>>20))
	case errors.Is(err, quizformat.ErrTooManyQuestions):
		return nil, nil, invalid("questions", msg("import.too_many", MaxQuestions))
	case err != nil:
		return nil, nil, err
	}
	// The parser's codes are its own: they live under "import." in the
	// catalog, beside this package's.
	errs := make([]ImportError, len(perrs))
	for i, e := range perrs {
		errs[i] = ImportError{Line: e.Line, Msg: Msg{Code: "import." + e.Code, Args: e.Args}}
	}
	qs := make([]Question, 0, len(parsed))
	for _, p := range parsed {
		q := fromFormat(p)
		q.ID = fmt.Sprintf("q%d", len(qs)+1)
		q.Points = 1
		for i := range q.Options {
			q.Options[i].ID = fmt.Sprintf("o%d", i+1)
		}
		if f := q.validate("question"); len(f) > 0 {
			// One problem per question, as the parser reports them.
			first := slices.Sorted(maps.Keys(f))[0]
			errs = append(errs, ImportError{Line: p.Line, Msg: msg("import.question_invalid", f[first])})
			continue
		}
		qs = append(qs, q)
	}
	// Rule errors come after the parser's: keep the file's order.
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return qs, errs, nil
}

func fromFormat(p quizformat.Question) Question {
	q := Question{Type: p.Type, Prompt: p.Prompt, True: p.True, Accepted: p.Accepted, Explanation: p.Explanation,
		Category: p.Category, FeedbackTrue: p.FeedbackTrue, FeedbackFalse: p.FeedbackFalse}
	for _, o := range p.Options {
		q.Options = append(q.Options, Option{Text: o.Text, Weight: o.Weight, Feedback: o.Feedback})
	}
	return q
}

func toFormat(q Question) quizformat.Question {
	p := quizformat.Question{ID: q.ID, Type: q.Type, Prompt: q.Prompt, True: q.True, Accepted: q.Accepted,
		Explanation: q.Explanation, Category: q.Category, FeedbackTrue: q.FeedbackTrue, FeedbackFalse: q.FeedbackFalse}
	for _, o := range q.Options {
		p.Options = append(p.Options, quizformat.Option{Text: o.Text, Weight: o.Weight, Feedback: o.Feedback})
	}
	return p
}

// ExportGIFT writes questions in GIFT, for Moodle or another Kompeten.
func ExportGIFT(qs []Question) string {
	ps := make([]quizformat.Question, len(qs))
	for i, q := range qs {
		ps[i] = toFormat(q)
	}
	return quizformat.ExportGIFT(ps)
}

// ImportQuestions adds the good questions of a bank in GIFT or Aiken
// ("" picks the format from the text) to a quiz the user owns, and reports
// each bad one with its line.
func (s *Service) ImportQuestions(ctx context.Context, u User, quizID, format, src string) (ImportResult, error) {
	if _, _, err := s.OwnedQuiz(ctx, u, quizID); err != nil {
		return ImportResult{}, err
	}
	if format == "" {
		format = DetectFormat(src)
	}
	qs, errs, err := ParseQuestions(format, src)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Format: format, Errors: errs}
	if res.Errors == nil {
		res.Errors = []ImportError{}
	}
	if len(qs) > 0 {
		if _, err := s.AddQuestions(ctx, u, quizID, qs); err != nil {
			return res, err
		}
	}
	res.Added = len(qs)
	return res, nil
}

// AddQuestions appends questions (from an import) to a quiz, giving a new
// id to each whose id the quiz already uses.
func (s *Service) AddQuestions(ctx context.Context, u User, id string, qs []Question) (Quiz, error) {
	if _, _, err := s.OwnedQuiz(ctx, u, id); err != nil {
		return Quiz{}, err
	}
	if len(qs) > MaxQuestions {
		return Quiz{}, invalid("questions", tooManyQuestions())
	}
	q, err := docs.Update(ctx, s.docs.C(collQuizzes), id, func(q *Quiz) error {
		if len(q.Questions)+len(qs) > MaxQuestions {
			return invalid("questions", msg("import.room", MaxQuestions,
				len(q.Questions), MaxQuestions-len(q.Questions)))
		}
		used := make(map[string]bool, len(q.Questions)+len(qs))
		for _, x := range q.Questions {
			used[x.ID] = true
		}
		for _, nq := range qs {
			for nq.ID == "" || used[nq.ID] {
				nq.ID = "q" + newID(6)
			}
			used[nq.ID] = true
			q.Questions = append(q.Questions, nq)
		}
		q.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	s.quizzes.forget()
	return q, mapErr(err, "quiz "+id)
}
