package search

import "unicode/utf8"

// DefaultLimit is the page size when a Query leaves Limit at zero.
const DefaultLimit = 20

// MaxLimit caps a page, so one request cannot ask a backend to materialise
// the whole library; it is also Meilisearch's default maxTotalHits, past
// which that backend returns nothing, so both backends page the same way.
const MaxLimit = 1000

// Page returns the limit and offset a backend should use for q: defaults
// applied, negatives cleared, the limit capped at MaxLimit.
func (q Query) Page() (limit, offset int) {
	limit, offset = q.Limit, q.Offset
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// Typo tolerance, Meilisearch's defaults, which both backends follow: no
// typo in a word under OneTypoMinLen letters, one from it, two from
// TwoTyposMinLen.
const (
	OneTypoMinLen  = 5
	TwoTyposMinLen = 9
)

// Typos returns how many typos (edits) a query word of this many letters
// may contain and still match.
func Typos(word string) int {
	switch n := utf8.RuneCountInString(word); {
	case n >= TwoTyposMinLen:
		return 2
	case n >= OneTypoMinLen:
		return 1
	}
	return 0
}
