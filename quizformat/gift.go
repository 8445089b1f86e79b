package quizformat

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ParseGIFT reads questions in Moodle's GIFT format
// (https://docs.moodle.org/en/GIFT_format). Supported: // comment lines,
// $CATEGORY:, ::titles:: (dropped; the title becomes the prompt only when the
// question has no text), [html]/[markdown]/[plain]/[moodle] format tags
// (dropped), multiple choice with = and ~, %weights% and #feedback,
// ####general feedback (Explanation), true/false with feedback, short answer,
// "missing word" questions (the answer block inside the text becomes
// "_____") and the escapes \~ \= \# \{ \} \: \\ \n.
//
// As in Moodle, a choice question with an = answer is single choice (the =
// answers weigh 100, ~%w% answers keep their partial credit) and one with
// only ~ answers is multiple choice with weights. Short answers weighted
// below 100% are dropped: only full-credit answers become Accepted, and
// per-answer feedback of short answers is dropped too. True/false values
// may be written in any case. Numerical ({#…}), matching (->, also without
// =), essay ({}) and description (no {…}) questions are reported as not
// supported, and so is a question with more than one answer block.
//
// Bad questions are skipped with an ImportError naming their first line.
// The error is ErrTooLarge or ErrTooManyQuestions when lim is passed; the
// questions are then nil.
func ParseGIFT(src string, lim Limits) ([]Question, []ImportError, error) {
	r := &result{lim: lim}
	if lim.MaxBytes > 0 && len(src) > lim.MaxBytes {
		return r.done(ErrTooLarge)
	}
	type numbered struct {
		n int
		s string
	}
	var (
		category  string
		block     []numbered
		size      int  // bytes in block
		tooBig    bool // block passed MaxQuestionBytes: skipped unparsed
		overLimit bool
	)
	flush := func() {
		if len(block) == 0 {
			return
		}
		b, big := block, tooBig
		block, size, tooBig = nil, 0, false
		if big {
			r.fail(b[0].n, tooLong(lim))
			return
		}
		if rest, ok := strings.CutPrefix(b[0].s, "$CATEGORY:"); ok {
			category = strings.TrimSpace(rest)
			b = b[1:]
			if len(b) == 0 {
				return
			}
		}
		lines := make([]string, len(b))
		for i, l := range b {
			lines[i] = l.s
		}
		q, p := parseGIFTQuestion(strings.Join(lines, "\n"))
		if p != nil {
			r.fail(b[0].n, p)
			return
		}
		q.Category, q.Line = category, b[0].n
		overLimit = !r.add(q)
	}
	for i, raw := range splitImportLines(src) {
		s := strings.TrimSpace(raw)
		switch {
		case s == "":
			flush()
		case strings.HasPrefix(s, "//"):
			// A comment line: neither text nor a question separator.
		case tooBig:
			// Past the limit the rest of the question is not kept.
		default:
			size += len(s) + 1
			if lim.MaxQuestionBytes > 0 && size > lim.MaxQuestionBytes {
				tooBig = true
			}
			block = append(block, numbered{i + 1, s})
		}
		if overLimit {
			return r.done(ErrTooManyQuestions)
		}
	}
	flush()
	if overLimit {
		return r.done(ErrTooManyQuestions)
	}
	return r.done(nil)
}

// gc is a byte of GIFT text; lit marks an escaped byte, which is never
// syntax.
type gc struct {
	b   byte
	lit bool
}

type gtext []gc

// giftChars resolves GIFT's escapes: \~ \= \# \{ \} \: \\ and \n.
func giftChars(s string) gtext {
	out := make(gtext, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch n := s[i+1]; n {
			case '~', '=', '#', '{', '}', ':', '\\':
				out = append(out, gc{n, true})
				i++
				continue
			case 'n':
				out = append(out, gc{'\n', true})
				i++
				continue
			}
		}
		out = append(out, gc{c, c == '\\'})
	}
	return out
}

func (t gtext) String() string {
	b := make([]byte, len(t))
	for i, c := range t {
		b[i] = c.b
	}
	return string(b)
}

// is reports whether t has the syntax byte c at i.
func (t gtext) is(i int, c byte) bool { return i >= 0 && i < len(t) && t[i].b == c && !t[i].lit }

func (t gtext) index(c byte) int {
	for i := range t {
		if t.is(i, c) {
			return i
		}
	}
	return -1
}

func (t gtext) count(c byte) int {
	n := 0
	for i := range t {
		if t.is(i, c) {
			n++
		}
	}
	return n
}

func (t gtext) hasSeqAt(i int, seq string) bool {
	if i < 0 || i+len(seq) > len(t) {
		return false
	}
	for j := 0; j < len(seq); j++ {
		if !t.is(i+j, seq[j]) {
			return false
		}
	}
	return true
}

func (t gtext) indexSeq(seq string) int {
	for i := range t {
		if t.hasSeqAt(i, seq) {
			return i
		}
	}
	return -1
}

func (t gtext) lastIndexSeq(seq string) int {
	for i := len(t) - len(seq); i >= 0; i-- {
		if t.hasSeqAt(i, seq) {
			return i
		}
	}
	return -1
}

func isGIFTSpace(c gc) bool {
	return !c.lit && (c.b == ' ' || c.b == '\t' || c.b == '\n' || c.b == '\r' || c.b == '\v' || c.b == '\f')
}

func (t gtext) trim() gtext {
	for len(t) > 0 && isGIFTSpace(t[0]) {
		t = t[1:]
	}
	for len(t) > 0 && isGIFTSpace(t[len(t)-1]) {
		t = t[:len(t)-1]
	}
	return t
}

// cut splits t at its first syntax byte c.
func (t gtext) cut(c byte) (before, after gtext, found bool) {
	if i := t.index(c); i >= 0 {
		return t[:i], t[i+1:], true
	}
	return t, nil, false
}

// giftFormats are the text format tags GIFT puts before a text.
var giftFormats = []string{"html", "markdown", "moodle", "plain"}

// formatTagLen is the length of a [format] tag starting s, or 0.
func formatTagLen(s string) int {
	if !strings.HasPrefix(s, "[") {
		return 0
	}
	end := strings.IndexByte(s, ']')
	if end < 0 || !slices.Contains(giftFormats, strings.ToLower(s[1:end])) {
		return 0
	}
	return end + 1
}

// text is t as a stored text: without a leading format tag, trimmed.
func (t gtext) text() string {
	s := t.trim().String()
	s = s[formatTagLen(s):]
	return strings.TrimSpace(s)
}

// giftWeightRe is a %weight% without its percent signs.
var giftWeightRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]*)?$`)

// weight reads a leading %weight% of an answer. ok is false when t starts
// with no weight (a % that is not a weight is text, as in Moodle).
// bad is the weight as written when it is out of range.
func (t gtext) weight() (w float64, rest gtext, ok bool, bad string) {
	t = t.trim()
	if !t.is(0, '%') {
		return 0, t, false, ""
	}
	end := t[1:].index('%')
	if end < 0 {
		return 0, t, false, ""
	}
	s := t[1 : 1+end].String()
	if !giftWeightRe.MatchString(s) {
		return 0, t, false, ""
	}
	w, err := strconv.ParseFloat(s, 64)
	if err != nil || w < -100 || w > 100 {
		return 0, t, false, "%" + s + "%"
	}
	return w, t[2+end:], true, ""
}

// marked is an answer of a GIFT block with the = or ~ that starts it (0
// for text before the first marker).
type marked struct {
	mark byte
	body gtext
}

func (t gtext) splitMarks(marks string) []marked {
	var out []marked
	cur, start := byte(0), 0
	for i, c := range t {
		if !c.lit && strings.IndexByte(marks, c.b) >= 0 {
			out = append(out, marked{cur, t[start:i]})
			cur, start = c.b, i+1
		}
	}
	out = append(out, marked{cur, t[start:]})
	// Text before the first marker is an answer only when not blank.
	if len(out[0].body.trim()) == 0 {
		out = out[1:]
	}
	return out
}

func isTrueFalse(s string) (value, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "T", "TRUE":
		return true, true
	case "F", "FALSE":
		return false, true
	}
	return false, false
}

// parseGIFTQuestion reads one question (its lines trimmed and joined, without
// comments). A non-empty msg says why it cannot be imported.
func parseGIFTQuestion(src string) (q Question, p *Problem) {
	t := giftChars(src).trim()
	title := ""
	if t.hasSeqAt(0, "::") {
		t = t[2:]
		if end := t.indexSeq("::"); end >= 0 {
			title = t[:end].text()
			t = t[end+2:].trim()
		}
	}
	open, close := t.index('{'), t.index('}')
	nOpen, nClose := t.count('{'), t.count('}')
	switch {
	case nOpen == 0 && nClose == 0:
		return q, problem("gift.description")
	case nOpen == 0:
		return q, problem("gift.unopened")
	case nClose == 0:
		return q, problem("gift.unclosed")
	case close < open:
		return q, problem("gift.close_first")
	case nOpen > 1 || nClose > 1:
		return q, problem("gift.two_blocks")
	}
	ans := t[open+1 : close].trim()
	prompt := t[:open]
	if close < len(t)-1 {
		// The answers stand inside the text: a missing word question.
		prompt = slices.Concat(prompt, giftChars("_____"), t[close+1:])
	}
	q.Prompt = prompt.text()
	if q.Prompt == "" {
		q.Prompt = title
	}
	if g := ans.lastIndexSeq("####"); g >= 0 {
		q.Explanation = ans[g+4:].text()
		ans = ans[:g].trim()
	}
	head, _, _ := ans.cut('#')
	switch {
	case len(ans) == 0:
		return q, problem("gift.essay")
	case ans.is(0, '#'):
		return q, problem("gift.numeric")
	case ans.index('~') >= 0:
		return parseGIFTChoice(q, ans)
	}
	if v, ok := isTrueFalse(head.String()); ok {
		// {T#feedback if wrong#feedback if right}; the last may contain #.
		_, feedback, _ := ans.cut('#')
		w, r, _ := feedback.cut('#')
		wrong, right := w.text(), r.text()
		q.Type, q.True = TrueFalse, v
		if v {
			q.FeedbackTrue, q.FeedbackFalse = right, wrong
		} else {
			q.FeedbackTrue, q.FeedbackFalse = wrong, right
		}
		return q, nil
	}
	if ans.indexSeq("->") >= 0 {
		return q, problem("gift.matching")
	}
	return parseGIFTShort(q, ans)
}

func parseGIFTChoice(q Question, ans gtext) (Question, *Problem) {
	single := false
	for i, a := range ans.splitMarks("=~") {
		var w float64
		body := a.body.trim()
		if a.mark == '=' {
			single, w = true, 100
		} else {
			ww, rest, ok, bad := body.weight()
			if bad != "" {
				return q, problem("gift.option_weight", i+1, bad)
			}
			if ok {
				w, body = ww, rest
			}
		}
		text, fb, _ := body.cut('#')
		o := Option{Text: text.text(), Weight: w, Feedback: fb.text()}
		if o.Text == "" {
			return q, problem("gift.empty_option", i+1)
		}
		q.Options = append(q.Options, o)
	}
	q.Type = Multiple
	if single {
		q.Type = Single
	}
	return q, nil
}

func parseGIFTShort(q Question, ans gtext) (Question, *Problem) {
	q.Type = Short
	for i, a := range ans.splitMarks("=") {
		w, body, ok, bad := a.body.weight()
		if bad != "" {
			return q, problem("gift.answer_weight", i+1, bad)
		}
		if !ok {
			w = 100
		}
		text, _, _ := body.cut('#')
		s := text.text()
		if s == "" {
			return q, problem("gift.empty_answer", i+1)
		}
		if w >= 100 {
			q.Accepted = append(q.Accepted, s)
		}
	}
	if len(q.Accepted) == 0 {
		return q, problem("gift.short_no_answer")
	}
	return q, nil
}

// ExportGIFT writes questions in GIFT, so that ParseGIFT reads them back
// with the same types, texts, weights, feedback, explanations and
// categories. Points and ids are not part of GIFT. A prompt with exactly one
// "_____" gets the answers in its place (Moodle's missing word format).
// Short answers containing "->" cannot be written: GIFT reads them as a
// matching question.
func ExportGIFT(qs []Question) string {
	var b strings.Builder
	b.WriteString("// Diekspor dari Kompeten dalam format GIFT Moodle.\n\n")
	category := ""
	for _, q := range qs {
		if c := oneLine(q.Category); c != category {
			b.WriteString(strings.TrimSpace("$CATEGORY: "+c) + "\n\n")
			category = c
		}
		block, ok := giftAnswerBlock(q)
		if !ok {
			fmt.Fprintf(&b, "// Soal %s berjenis %q tidak dapat ditulis dalam GIFT.\n\n", oneLine(q.ID), oneLine(q.Type))
			continue
		}
		prompt := escapeGIFT(q.Prompt)
		if strings.HasPrefix(prompt, "//") {
			prompt = "[moodle]" + prompt // else the line reads as a comment
		}
		i := strings.Index(prompt, "_____")
		if strings.Count(prompt, "_____") == 1 && strings.TrimSpace(prompt[i+5:]) != "" {
			b.WriteString(prompt[:i] + block + prompt[i+5:])
		} else {
			b.WriteString(prompt + " " + block)
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(s))
}

var giftEscaper = strings.NewReplacer(
	`\`, `\\`, "~", `\~`, "=", `\=`, "#", `\#`, "{", `\{`, "}", `\}`, ":", `\:`,
	"\r", "", "\n", `\n`)

// escapeGIFT writes a text so that ParseGIFT reads it back the same: its
// special characters escaped, behind a [moodle] tag when it starts with
// something that reads as a format tag.
func escapeGIFT(s string) string {
	s = giftEscaper.Replace(strings.TrimSpace(s))
	if formatTagLen(s) > 0 {
		s = "[moodle]" + s
	}
	return s
}

// escapeGIFTAnswer also guards a leading %, which would read as a weight.
func escapeGIFTAnswer(s string) string {
	s = escapeGIFT(s)
	if strings.HasPrefix(s, "%") {
		s = "[moodle]" + s
	}
	return s
}

func formatWeight(w float64) string { return strconv.FormatFloat(w, 'f', -1, 64) }

// giftAnswerBlock is the {…} of a question.
func giftAnswerBlock(q Question) (string, bool) {
	var b strings.Builder
	explanation := func(sep string) {
		if e := escapeGIFT(q.Explanation); e != "" {
			b.WriteString(sep + "####" + e)
		}
	}
	switch q.Type {
	case TrueFalse:
		value, wrong, right := "FALSE", q.FeedbackTrue, q.FeedbackFalse
		if q.True {
			value, wrong, right = "TRUE", q.FeedbackFalse, q.FeedbackTrue
		}
		b.WriteString("{" + value)
		wrong, right = escapeGIFT(wrong), escapeGIFT(right)
		if wrong != "" || right != "" {
			b.WriteString("#" + wrong)
		}
		if right != "" {
			b.WriteString("#" + right)
		}
		explanation("")
		b.WriteString("}")
	case Single, Multiple:
		b.WriteString("{")
		// A single choice question needs an = (and a ~, else it reads as
		// short answer); a multiple choice one must have no =.
		tilde := q.Type == Multiple || slices.ContainsFunc(q.Options, func(o Option) bool { return o.Weight < 100 })
		for i, o := range q.Options {
			switch {
			case q.Type == Single && o.Weight >= 100 && (tilde || i < len(q.Options)-1):
				b.WriteString("\n=")
			case o.Weight == 0:
				b.WriteString("\n~")
			default:
				b.WriteString("\n~%" + formatWeight(o.Weight) + "%")
			}
			b.WriteString(escapeGIFTAnswer(o.Text))
			if fb := escapeGIFT(o.Feedback); fb != "" {
				b.WriteString("#" + fb)
			}
		}
		explanation("\n")
		b.WriteString("\n}")
	case Short:
		b.WriteString("{")
		for _, a := range q.Accepted {
			if a = escapeGIFTAnswer(a); a != "" {
				b.WriteString("\n=" + a)
			}
		}
		explanation("\n")
		b.WriteString("\n}")
	default:
		return "", false
	}
	return b.String(), true
}
