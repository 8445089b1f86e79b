// Package snippet turns indexed text and match positions into the HTML
// snippet of a search hit. Both backends use it, so the one place that
// decides what reaches a page unescaped is here: nothing but <mark> and
// </mark>, always balanced.
package snippet

import (
	"html"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tags wrapped around a match in the HTML we return.
const (
	Open  = "<mark>"
	Close = "</mark>"
)

// Ellipsis marks text cut off at either end of a cropped snippet.
const Ellipsis = "…"

// Span is the byte range [Start, End) of one match within a text.
type Span struct{ Start, End int }

// Highlight returns text as HTML with every span wrapped in <mark> and
// everything else escaped. When width > 0 and the text is longer, it is cut
// to about width bytes around the first match (at word boundaries where it
// can), and the cut ends are marked with an ellipsis. Spans that are out of
// range, not on rune boundaries or outside the window are ignored, because
// positions come from an analyzer we do not control.
func Highlight(text string, spans []Span, width int) string {
	spans = clean(text, spans)
	from, to := 0, len(text)
	if width > 0 && len(text) > width {
		from, to = window(text, spans, width)
	}
	var b strings.Builder
	b.Grow(to - from + 32)
	if from > 0 {
		b.WriteString(Ellipsis)
	}
	pos := from
	for _, s := range spans {
		if s.Start < from || s.End > to {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:s.Start]))
		b.WriteString(Open)
		b.WriteString(html.EscapeString(text[s.Start:s.End]))
		b.WriteString(Close)
		pos = s.End
	}
	b.WriteString(html.EscapeString(text[pos:to]))
	if to < len(text) {
		b.WriteString(Ellipsis)
	}
	return b.String()
}

// clean sorts spans, drops invalid ones and merges overlaps, so the writer
// above never goes backwards or splits a rune.
func clean(text string, spans []Span) []Span {
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		if s.Start < 0 || s.End > len(text) || s.Start >= s.End ||
			!utf8.RuneStart(text[s.Start]) || (s.End < len(text) && !utf8.RuneStart(text[s.End])) {
			continue
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.Start <= merged[n-1].End {
			if s.End > merged[n-1].End {
				merged[n-1].End = s.End
			}
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// window picks [from, to) of about width bytes: a little context before the
// first match, the rest after it, snapped to whitespace so no word is cut.
func window(text string, spans []Span, width int) (from, to int) {
	if len(spans) > 0 {
		from = spans[0].Start - width/4
	}
	if from < 0 {
		from = 0
	}
	to = from + width
	if to > len(text) {
		to = len(text)
		from = max(0, to-width)
	}
	if len(spans) > 0 && spans[0].End > to {
		// A single match longer than the window: show it whole.
		to = spans[0].End
	}
	if from > 0 {
		from = snapForward(text, from, spanStart(spans, from))
	}
	if to < len(text) {
		to = snapBack(text, to, from)
	}
	return from, to
}

func spanStart(spans []Span, from int) int {
	for _, s := range spans {
		if s.Start >= from {
			return s.Start
		}
	}
	return -1
}

// snapForward moves i to the start of the next word, but never past limit
// (the first match) so the match stays in the window.
func snapForward(text string, i, limit int) int {
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	j := i
	for j < len(text) && (limit < 0 || j < limit) {
		r, n := utf8.DecodeRuneInString(text[j:])
		j += n
		if unicode.IsSpace(r) {
			return j
		}
	}
	return i
}

// snapBack moves i back to the end of the previous word, but not before
// floor; it keeps i when no space is found so the window is never empty.
func snapBack(text string, i, floor int) int {
	for i > floor && !utf8.RuneStart(text[i]) {
		i--
	}
	for j := i; j > floor; {
		r, n := utf8.DecodeLastRuneInString(text[:j])
		if unicode.IsSpace(r) {
			return j - n
		}
		j -= n
	}
	return i
}

// FromTagged converts text in which a search engine wrapped matches in the
// placeholder tags pre and post into our HTML: everything escaped, the
// placeholders turned into <mark> and </mark>. A stray or unbalanced
// placeholder (the indexed text may contain one) can only ever produce a
// balanced pair of marks. It also returns the distinct matched words,
// lowercased, so a caller can tell which field matched best.
func FromTagged(text, pre, post string) (string, []string) {
	if pre == "" || post == "" {
		return html.EscapeString(text), nil
	}
	var b strings.Builder
	b.Grow(len(text) + 32)
	var words []string
	seen := map[string]bool{}
	open := false
	var cur strings.Builder
	for len(text) > 0 {
		i, j := strings.Index(text, pre), strings.Index(text, post)
		next, isPre := i, true
		if i < 0 || (j >= 0 && j < i) {
			next, isPre = j, false
		}
		if next < 0 {
			next = len(text)
		}
		chunk := text[:next]
		b.WriteString(html.EscapeString(chunk))
		if open {
			cur.WriteString(chunk)
		}
		if next == len(text) {
			break
		}
		if isPre {
			text = text[next+len(pre):]
			if !open {
				b.WriteString(Open)
				open = true
				cur.Reset()
			}
			continue
		}
		text = text[next+len(post):]
		if open {
			b.WriteString(Close)
			open = false
			if w := strings.ToLower(strings.TrimSpace(cur.String())); w != "" && !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	if open {
		b.WriteString(Close)
	}
	return b.String(), words
}

// Field is one candidate for a hit's snippet.
type Field struct {
	HTML  string // already safe HTML
	Terms int    // distinct query terms matched in the field
}

// Pick returns the snippet of a hit: the candidate that matched the most
// distinct query terms, earlier candidates winning ties (callers list
// fields in boost order), so both backends choose alike. When nothing
// matched (an empty query), it returns the first non-empty candidate in
// fallback order, given as indexes into fields.
func Pick(fields []Field, fallback ...int) string {
	best := -1
	for i, f := range fields {
		if f.Terms > 0 && (best < 0 || f.Terms > fields[best].Terms) {
			best = i
		}
	}
	if best >= 0 {
		return fields[best].HTML
	}
	for _, i := range fallback {
		if i >= 0 && i < len(fields) && fields[i].HTML != "" {
			return fields[i].HTML
		}
	}
	return ""
}
