package bleve

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/indonesian"
	"github.com/kotalama/kompeten/search/internal/snippet"
)

// spans finds the words of a stored field that the query words matched,
// by the same rules the query uses (exact, stem, prefix of the last word,
// typos), and counts the different words (folded) they cover: how many
// query words the field matched, so both backends pick snippets alike.
// Doing this for the page of hits, instead of asking Bleve for term
// locations, keeps term vectors off the search path: with locations
// Bleve reads and allocates them for every matching entry, thousands for
// a common word, to show twenty. stems caches Stem across the fields and
// hits of one search.
// typos says whether the search matched typos: if it did not, a snippet
// must not mark them either (and skipping them is most of the saving).
// width is the field's snippet crop (0 for none): a cropped field is
// read only until the crop after its first match is passed and every
// query word has been seen, as nothing further can be shown or change
// which field the snippet comes from.
func spans(text string, words []word, stems map[string]string, typos bool, width int) (out []snippet.Span, distinct int) {
	if len(words) == 0 || text == "" {
		return nil, 0
	}
	from := 0
	if !typos {
		var ok bool
		if from, ok = firstCandidate(text, words); !ok {
			return nil, 0
		}
	}
	return spansFrom(text, from, words, stems, typos, width)
}

// firstCandidate is where in text the first word that can match without
// typos starts, by a scan for each query word's needle; false when none
// can match. Without typos every matching word contains its query
// word's stem but for the stem's first letter (matchWord), or, for a
// word matched only as a prefix, the prefix. Most bodies have their
// first match far in, and most of the fields scanned have none: reading
// every word of them was most of the time snippets took.
// The scan folds ASCII only: if a letter outside ASCII comes first, the
// word it is in might fold into a match, so scanning starts there.
func firstCandidate(text string, words []word) (int, bool) {
	first := -1
	for _, w := range words {
		needle := w.stem[min(1, len(w.stem)):]
		if w.prefixOnly {
			needle = w.raw
		}
		if i := indexFoldASCII(text, needle); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	end := first
	if first < 0 {
		end = len(text)
	}
	for i := range end {
		if text[i] >= utf8.RuneSelf {
			first = i
			break
		}
	}
	if first < 0 {
		return 0, false
	}
	// Back to the start of the word the candidate is in.
	for first > 0 && isASCIIWordByte(text[first-1]) {
		first--
	}
	return first, true
}

// indexFoldASCII is the first index of needle in s, ASCII letters
// compared without case; needle is folded (lower case), and a needle
// that is not all ASCII is found at 0.
func indexFoldASCII(s, needle string) int {
	for i := 0; i < len(needle); i++ {
		if needle[i] >= utf8.RuneSelf {
			return 0
		}
	}
	if needle == "" {
		return 0
	}
	c0 := needle[0]
	for i := 0; i+len(needle) <= len(s); i++ {
		if lowerASCII(s[i]) != c0 {
			continue
		}
		j := 1
		for j < len(needle) && lowerASCII(s[i+j]) == needle[j] {
			j++
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCIIWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// spansFrom is spans reading text from byte from, the start of a word.
func spansFrom(text string, from int, words []word, stems map[string]string, typos bool, width int) (out []snippet.Span, distinct int) {
	var seen []string
	for t := range indonesian.EachToken(text[from:]) {
		t.Start, t.End = t.Start+from, t.End+from
		if width > 0 && len(out) > 0 && t.Start >= out[0].Start+width && len(seen) >= len(words) {
			break
		}
		stem := func() string {
			s, ok := stems[t.Term]
			if !ok {
				s = indonesian.Stem(t.Term)
				stems[t.Term] = s
			}
			return s
		}
		for _, w := range words {
			// Stop words are not indexed, so they never match; most
			// words match nothing, so that is asked last.
			if matchWord(w, t.Term, stem, typos) && !indonesian.IsStopWord(t.Term) {
				out = append(out, snippet.Span{Start: t.Start, End: t.End})
				if !slices.Contains(seen, t.Term) {
					seen = append(seen, t.Term)
				}
				break
			}
		}
	}
	return out, len(seen)
}

// matchWord reports whether term (of a stored field) matches query word
// w; stem gives term's stem, computed only when needed: most words of a
// body match nothing, and stemming each was most of the work.
func matchWord(w word, term string, stem func() string, typos bool) bool {
	if w.prefix && len(w.raw) >= minPrefix && strings.HasPrefix(term, w.raw) {
		return true
	}
	if w.prefixOnly {
		return false
	}
	if term == w.raw {
		return true
	}
	if !typos {
		// Tala only strips affixes and may change the first letter of
		// what remains (menyapu: sapu), so a word whose stem is w.stem
		// contains all of w.stem but its first letter.
		return strings.Contains(term, w.stem[min(1, len(w.stem)):]) && stem() == w.stem
	}
	if stem() == w.stem {
		return true
	}
	if k := search.Typos(w.raw); k > 0 && strings.HasPrefix(term, w.raw[:typoExactPrefix]) && levenshtein(term, w.raw, k) <= k {
		return true
	}
	if k := search.Typos(w.stem); k > 0 && levenshtein(stem(), w.stem, k) <= k {
		return true
	}
	return false
}

// levenshtein returns the edit distance of a and b in runes, or max+1 as
// soon as it must exceed max.
func levenshtein(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
