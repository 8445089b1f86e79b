// Package indonesian is the text analysis both search backends share:
// folding (lower case, accents removed), tokenizing with byte offsets into
// the original text, Indonesian stop words and a light stemmer for
// Indonesian affixes (Tala 2003).
//
// Bleve runs it inside its analyzers; Meilisearch gets a stemmed copy of
// each text field and a stemmed query, built with Analyze. Because both
// call the same functions, "layanan" finds "pelayanan" in either.
package indonesian

import (
	"iter"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Token is one word of a text: its folded form and the byte range
// [Start, End) it came from in the original text, so a match on the
// folded or stemmed form can highlight the word as written.
type Token struct {
	Term       string
	Start, End int
}

// Normalize folds s for matching: lower case, compatibility-decomposed
// (NFKD) with combining marks dropped, so "Pelayanan", "PELAYANAN" and
// "pélayanan" are one word, and only letters and digits kept.
func Normalize(s string) string {
	if isPlainLower(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			appendFolded(&b, r)
			continue
		}
		for _, d := range norm.NFKD.String(string(r)) {
			appendFolded(&b, d)
		}
	}
	return b.String()
}

func appendFolded(b *strings.Builder, r rune) {
	switch {
	case r >= 'A' && r <= 'Z':
		b.WriteByte(byte(r) + 'a' - 'A')
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		b.WriteByte(byte(r))
	case r < utf8.RuneSelf:
	case unicode.Is(unicode.Mn, r):
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		b.WriteRune(unicode.ToLower(r))
	}
}

// isPlainLower reports whether s is already folded: ASCII lower-case
// letters and digits only, the common case, which needs no allocation.
func isPlainLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isWordRune is what a word is made of. Combining marks stay inside a
// word (they are folded away later) so "é" written as e + U+0301 does not
// split it.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokens splits text into words (runs of letters and digits; everything
// else, hyphens and apostrophes included, separates) and folds each. The
// offsets point into text. Words that fold to nothing are dropped.
func Tokens(text string) []Token { return slices.Collect(EachToken(text)) }

// EachToken yields the tokens of text one by one, as Tokens returns
// them, without building the list: snippets scan the bodies of every hit.
func EachToken(text string) iter.Seq[Token] {
	return func(yield func(Token) bool) {
		start := -1
		flush := func(end int) bool {
			if start < 0 {
				return true
			}
			t := Normalize(text[start:end])
			ok := t == "" || yield(Token{Term: t, Start: start, End: end})
			start = -1
			return ok
		}
		for i, r := range text {
			if isWordRune(r) {
				if start < 0 {
					start = i
				}
				continue
			}
			if !flush(i) {
				return
			}
		}
		flush(len(text))
	}
}

// Words returns the folded words of text, in order.
func Words(text string) []string {
	toks := Tokens(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Term
	}
	return out
}

// Analyze returns the terms text is indexed (and a query is matched) by:
// folded words without stop words, each stemmed.
func Analyze(text string) []string {
	var out []string
	for _, t := range Tokens(text) {
		if IsStopWord(t.Term) {
			continue
		}
		out = append(out, Stem(t.Term))
	}
	return out
}
