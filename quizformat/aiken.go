package quizformat

import (
	"regexp"
	"strings"
)

var (
	aikenOptionRe = regexp.MustCompile(`^([A-Z])[.)](?:[ \t]+(.*))?$`)
	aikenAnswerRe = regexp.MustCompile(`^(?i:answer)[ \t]*:(.*)$`)
)

// ParseAiken reads single choice questions in Moodle's Aiken format:
//
//	Apa ibu kota Indonesia?
//	A. Bandung
//	B) Jakarta
//	ANSWER: B
//
// The question text may span lines until the first option, which must be
// labelled A; options follow in order (A. or A) and a space); ANSWER: ends
// the question. Blank lines separate questions, though a blank line before
// an option or the ANSWER line is tolerated. Bad questions are skipped with
// an ImportError naming their first line. Limits work as in ParseGIFT.
func ParseAiken(src string, lim Limits) ([]Question, []ImportError, error) {
	r := &result{lim: lim}
	if lim.MaxBytes > 0 && len(src) > lim.MaxBytes {
		return r.done(ErrTooLarge)
	}
	type aikenQ struct {
		line     int
		text     []string
		options  []Option
		optLines []int
		problems []*Problem
		size     int
	}
	var (
		cur       *aikenQ
		blank     bool // a blank line since the last line of cur
		overLimit bool
	)
	// grow counts a line into cur; past MaxQuestionBytes the question is
	// reported once and its further lines are not kept.
	grow := func(line string) bool {
		cur.size += len(line) + 1
		if lim.MaxQuestionBytes > 0 && cur.size > lim.MaxQuestionBytes {
			if cur.size-len(line)-1 <= lim.MaxQuestionBytes {
				cur.problems = append(cur.problems, tooLong(lim))
			}
			return false
		}
		return true
	}
	finish := func(answer string, answerLine int) {
		q := cur
		cur = nil
		if len(q.text) == 0 {
			q.problems = append(q.problems, problem("aiken.no_text"))
		}
		for i, o := range q.options {
			if o.Text == "" {
				q.problems = append(q.problems, problem("aiken.empty_option", string(rune('A'+i)), q.optLines[i]))
			}
		}
		if len(q.options) < 2 {
			q.problems = append(q.problems, problem("aiken.few_options", 2, len(q.options)))
		}
		correct := -1
		if answerLine == 0 {
			q.problems = append(q.problems, problem("aiken.no_answer"))
		} else {
			letter := strings.ToUpper(strings.TrimRight(strings.TrimSpace(answer), ".)"))
			switch {
			case len(letter) != 1 || letter[0] < 'A' || letter[0] > 'Z':
				q.problems = append(q.problems, problem("aiken.answer_letter", strings.TrimSpace(answer), answerLine))
			case int(letter[0]-'A') >= len(q.options):
				p := problem("aiken.answer_no_options", letter, answerLine)
				if n := len(q.options); n > 0 {
					p = problem("aiken.answer_not_option", letter, answerLine, string(rune('A'+n-1)))
				}
				q.problems = append(q.problems, p)
			default:
				correct = int(letter[0] - 'A')
			}
		}
		if len(q.problems) > 0 {
			// The first problem only, as for GIFT: the ones after it
			// often follow from it (a question past the size limit is
			// not kept, so it also lacks its options).
			r.fail(q.line, q.problems[0])
			return
		}
		q.options[correct].Weight = 100
		overLimit = !r.add(Question{Line: q.line, Type: Single, Prompt: strings.Join(q.text, "\n"), Options: q.options})
	}
	for i, raw := range splitImportLines(src) {
		n, line := i+1, strings.TrimSpace(raw)
		if line == "" {
			blank = cur != nil
			continue
		}
		// ANSWER: in any case once options are listed; before that only in
		// capitals, since "Answer: …" may well be question text.
		if m := aikenAnswerRe.FindStringSubmatch(line); m != nil && (strings.HasPrefix(line, "ANSWER") || cur != nil && len(cur.options) > 0) {
			if cur == nil {
				r.fail(n, problem("aiken.answer_alone"))
			} else {
				finish(m[1], n)
			}
			if overLimit {
				return r.done(ErrTooManyQuestions)
			}
			blank = false
			continue
		}
		if m := aikenOptionRe.FindStringSubmatch(line); m != nil {
			label := m[1][0]
			switch {
			case cur != nil && len(cur.options) > 0 && label != 'A':
				if grow(line) {
					if want := byte('A' + len(cur.options)); label != want {
						cur.problems = append(cur.problems, problem("aiken.option_order", string(rune(label)), n, string(rune(want))))
					}
					cur.options = append(cur.options, Option{Text: strings.TrimSpace(m[2])})
					cur.optLines = append(cur.optLines, n)
				}
				blank = false
				continue
			case label == 'A':
				if cur != nil && len(cur.options) > 0 {
					finish("", 0) // a new list of options: the last question had no ANSWER
				}
				if overLimit {
					return r.done(ErrTooManyQuestions)
				}
				if cur == nil {
					cur = &aikenQ{line: n}
				}
				if grow(line) {
					cur.options = append(cur.options, Option{Text: strings.TrimSpace(m[2])})
					cur.optLines = append(cur.optLines, n)
				}
				blank = false
				continue
			}
			// A line like "B. J. Habibie …" before any option is text.
		}
		if cur != nil && (len(cur.options) > 0 || blank) {
			finish("", 0) // text after the options, or after a blank line: a new question
		}
		if overLimit {
			return r.done(ErrTooManyQuestions)
		}
		if cur == nil {
			cur = &aikenQ{line: n}
		}
		if grow(line) {
			cur.text = append(cur.text, line)
		}
		blank = false
	}
	if cur != nil {
		finish("", 0)
	}
	if overLimit {
		return r.done(ErrTooManyQuestions)
	}
	return r.done(nil)
}
