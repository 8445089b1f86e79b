// Package quizformat reads and writes question banks in Moodle's GIFT and
// Aiken text formats. It only knows the formats: whether a question is good
// enough for a quiz (points, option count, answer weights) is the content
// package's rule, checked after parsing.
//
// Parsing is bounded before it starts: the input's size, each question's
// size, the number of questions (parsing stops at the first one past the
// limit) and the number of errors kept.
package quizformat

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Question types, the same words the content package stores.
const (
	Single    = "single"
	Multiple  = "multiple"
	TrueFalse = "truefalse"
	Short     = "short"
)

// Option is a choice of a single or multiple choice question, with its
// weight in percent (GIFT's %50%).
type Option struct {
	Text     string
	Weight   float64
	Feedback string
}

// Question is a question as the formats write it. ID is not part of either
// format: the parsers leave it empty, and ExportGIFT only names it in a
// comment for a question it cannot write.
type Question struct {
	ID          string
	Line        int // 1-based first line in the parsed text
	Type        string
	Prompt      string
	Options     []Option
	True        bool
	Accepted    []string
	Explanation string
	Category    string
	// Feedback for true/false answers (GIFT's #feedback after T or F).
	FeedbackTrue  string
	FeedbackFalse string
}

// ImportError is one problem found while importing a question file: the
// question is skipped, the others are kept. Line is 1-based: the first line
// of the bad question, or the bad line itself when it belongs to no question.
type ImportError struct {
	Line int `json:"line"`
	Problem
}

// Problem says what is wrong as a code and the values its message names
// (line numbers, option letters), in the order the message names them.
// The words are the caller's: a person reads them in their own language.
type Problem struct {
	Code string `json:"code"`
	Args []any  `json:"args,omitempty"`
}

func problem(code string, args ...any) *Problem { return &Problem{Code: code, Args: args} }

func (e ImportError) Error() string {
	return fmt.Sprintf("line %d: %s %v", e.Line, e.Code, e.Args)
}

// Limits bound a parse. A zero field means no limit.
type Limits struct {
	// MaxBytes refuses a larger input before reading it (ErrTooLarge).
	MaxBytes int
	// MaxQuestions stops the parse at the first good question past it
	// (ErrTooManyQuestions), so a huge file costs no more than a full one.
	MaxQuestions int
	// MaxQuestionBytes reports a longer question and skips it unparsed.
	MaxQuestionBytes int
	// MaxErrors keeps this many errors; one more says how many were left out.
	MaxErrors int
}

// Errors that end a parse.
var (
	ErrTooLarge         = errors.New("quizformat: input too large")
	ErrTooManyQuestions = errors.New("quizformat: too many questions")
)

// result gathers a parse's output within its limits.
type result struct {
	lim     Limits
	qs      []Question
	errs    []ImportError
	dropped int // errors past MaxErrors
	first   int // line of the first dropped error
}

func (r *result) fail(line int, p *Problem) {
	if r.lim.MaxErrors > 0 && len(r.errs) >= r.lim.MaxErrors {
		if r.dropped == 0 {
			r.first = line
		}
		r.dropped++
		return
	}
	r.errs = append(r.errs, ImportError{Line: line, Problem: *p})
}

// add keeps a good question; false means the question limit is passed.
func (r *result) add(q Question) bool {
	if r.lim.MaxQuestions > 0 && len(r.qs) >= r.lim.MaxQuestions {
		return false
	}
	r.qs = append(r.qs, q)
	return true
}

func (r *result) done(err error) ([]Question, []ImportError, error) {
	if r.dropped > 0 {
		r.errs = append(r.errs, ImportError{Line: r.first, Problem: *problem("more_errors", r.dropped)})
	}
	if err != nil {
		return nil, r.errs, err
	}
	return r.qs, r.errs, nil
}

// tooLong is the problem of a question past MaxQuestionBytes.
func tooLong(lim Limits) *Problem {
	return problem("too_long", lim.MaxQuestionBytes>>10)
}

// splitImportLines splits a question file into lines, whatever its line
// endings, without a byte order mark.
func splitImportLines(src string) []string {
	src = strings.TrimPrefix(src, "\ufeff")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	return strings.Split(src, "\n")
}

var aikenAnswerLine = regexp.MustCompile(`(?m)^\s*ANSWER\s*:\s*[A-Za-z]\s*$`)

// Detect names the format of a text: Aiken marks every question with an
// ANSWER: line and has no GIFT braces; anything else is read as GIFT.
func Detect(src string) string {
	if !strings.Contains(src, "{") && aikenAnswerLine.MatchString(src) {
		return "aiken"
	}
	return "gift"
}
