package meili

import (
	"slices"
	"strings"

	"github.com/kotalama/kompeten/search/indonesian"
)

// Terms turns the user's text into the query Meilisearch gets, and the
// set of stems a snippet should mark.
//
// Meilisearch knows no Indonesian affixes, so documents carry a stemmed
// copy of each text field and the query carries the stems too: for
// "etika pelayanan" it is "etika layan pelayanan". The order matters,
// because of how Meilisearch treats words:
//
//   - its default matching strategy ("last") ranks entries with every
//     word first, then drops words from the end of the query until
//     something matches. The stems come first, so they are dropped last:
//     an entry that only has "layanan" (stem "layan") is still found for
//     "pelayanan", after the ones with both the word and the stem.
//   - it matches only the last word as a prefix, for search as you type,
//     so the last word of the user's text stays last, as typed: "etika
//     pel" finds "etika pelayanan".
//   - it ranks by the number of words matched, so an entry with the word
//     as written (which also has its stem) outranks one with another form
//     of it: exact words before stemmed ones.
//
// Stop words are dropped, as in the index; a query of nothing but stop
// words is kept whole, for the prefix ("di" while typing "digital").
func Terms(text string) (query string, stems map[string]bool) {
	all := indonesian.Words(text)
	var words []string
	for _, w := range all {
		if !indonesian.IsStopWord(w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return strings.Join(all, " "), nil
	}
	stems = map[string]bool{}
	var head, forms []string
	n := len(words) - 1
	for k, w := range words {
		s := indonesian.Stem(w)
		stems[s] = true
		if k == n && s == w {
			break // the last word goes last, below
		}
		head = append(head, s)
		if k < n && s != w {
			forms = append(forms, w)
		}
	}
	last := words[n]
	out := make([]string, 0, len(head)+len(forms)+1)
	for _, w := range append(head, forms...) {
		if w != last && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	out = append(out, last)
	return strings.Join(out, " "), stems
}

// markStems wraps, in text Meilisearch highlighted with the tags pre and
// post, the words it did not mark but whose stem the query has: the
// engine matched "pelayanan" through the stemmed copy of the field, so
// only we know to mark it in the field as written.
func markStems(text, pre, post string, stems map[string]bool) string {
	if len(stems) == 0 || text == "" {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 32)
	for text != "" {
		seg, rest := text, ""
		if i := strings.Index(text, pre); i >= 0 {
			seg, rest = text[:i], text[i:]
		}
		last := 0
		for _, t := range indonesian.Tokens(seg) {
			if indonesian.IsStopWord(t.Term) || !stems[indonesian.Stem(t.Term)] {
				continue
			}
			b.WriteString(seg[last:t.Start])
			b.WriteString(pre)
			b.WriteString(seg[t.Start:t.End])
			b.WriteString(post)
			last = t.End
		}
		b.WriteString(seg[last:])
		if rest == "" {
			break
		}
		// Copy what Meilisearch marked as it is.
		j := strings.Index(rest[len(pre):], post)
		if j < 0 {
			b.WriteString(rest)
			break
		}
		end := len(pre) + j + len(post)
		b.WriteString(rest[:end])
		text = rest[end:]
	}
	return b.String()
}
