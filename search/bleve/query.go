package bleve

import (
	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/indonesian"
)

// How a query word may match, in order of weight. Each weight multiplies
// the field's boost, so for one field an exact word outranks its stem,
// which outranks a prefix, which outranks a typo (whose score Bleve also
// divides by edit distance + 1). The gaps are wide so that, as in
// Meilisearch, an exact word in the body still beats a typo in the
// title, even after Bleve's length norm favours short fields.
const (
	weightExact  = 64
	weightStem   = 16
	weightPrefix = 8
	weightTypo   = 2
)

// Query shaping that bounds the work of one search.
const (
	// minPrefix is the shortest last word searched as a prefix: one
	// letter would expand to a large part of the dictionary.
	minPrefix = 2
	// minBodyPrefix is the shortest prefix also looked for in bodies.
	// Bodies hold most of the dictionary: "pen" expands to hundreds of
	// words there, in nearly every lesson, and took 240 ms. Titles and
	// summaries have their prefixes indexed (prefixSuffix), and while a
	// word is that short, matches in titles are the ones worth showing.
	minBodyPrefix = 4
	// typoExactPrefix letters at the start of a word must be typed right
	// for a typo match. Meilisearch counts a wrong first letter as two
	// typos; requiring it keeps the edit automaton on one branch of the
	// dictionary, most of the cost of a fuzzy query.
	typoExactPrefix = 1
)

// A word's disjunction has 7 to 11 clauses before typos (wordQuery), and
// Bleve keeps more than 10 in a heap; up to a few dozen, its plain slice
// is faster (the benchmark's query mix: 7-10% less time). Bleve offers
// the threshold as a setting for applications, and this package is the
// only user of Bleve in the process.
func init() { searcher.DisjunctionHeapTakeover = 32 }

// word is one query word: folded, and its stem.
type word struct {
	raw, stem string
	// prefix: the last word of the query, also matched as a prefix for
	// search as you type.
	prefix bool
	// prefixOnly: a stop word kept only because the query has nothing
	// else ("di" while typing "digital"); stop words are not indexed, so
	// it can only match as a prefix.
	prefixOnly bool
	// typos are the indexed words within typo reach of raw, and
	// stemTypos the stems within reach of stem (see expandTypos).
	typos, stemTypos []typoCandidate
}

// parseWords turns query text into words: folded, stop words dropped, the
// last word marked for prefix matching.
func parseWords(text string) []word {
	toks := indonesian.Words(text)
	var out []word
	for _, t := range toks {
		if !indonesian.IsStopWord(t) {
			out = append(out, word{raw: t, stem: indonesian.Stem(t)})
		}
	}
	if len(out) == 0 && len(toks) > 0 {
		last := toks[len(toks)-1]
		if len([]rune(last)) < minPrefix {
			return nil
		}
		return []word{{raw: last, stem: last, prefix: true, prefixOnly: true}}
	}
	if n := len(out); n > 0 && toks[len(toks)-1] == out[n-1].raw {
		out[n-1].prefix = true
	}
	return out
}

// wordQuery matches one word in any text field, any way it may match;
// by typo only when typos is set (see expandTypos).
func wordQuery(w word, typos bool) query.Query {
	d := blevesearch.NewDisjunctionQuery()
	add := func(q interface {
		query.FieldableQuery
		SetBoost(float64)
	}, field string, boost float64) {
		q.SetField(field)
		q.SetBoost(boost)
		d.AddQuery(q)
	}
	// oneOf matches any of the candidates in field, each weighed down by
	// its distance as Bleve's fuzzy query does.
	oneOf := func(cands []typoCandidate, field string, boost float64) {
		if len(cands) == 0 {
			return
		}
		alt := blevesearch.NewDisjunctionQuery()
		for _, c := range cands {
			t := blevesearch.NewTermQuery(c.term)
			t.SetField(field)
			t.SetBoost(boost / float64(c.dist+1))
			alt.AddQuery(t)
		}
		d.AddQuery(alt)
	}
	n := len([]rune(w.raw))
	for _, f := range textFields {
		stemField := f.name + stemSuffix
		switch {
		case !w.prefix || n < minPrefix:
		case f.prefixes:
			add(blevesearch.NewTermQuery(w.raw), f.name+prefixSuffix, f.boost*weightPrefix)
		case n >= minBodyPrefix:
			add(blevesearch.NewPrefixQuery(w.raw), f.name, f.boost*weightPrefix)
		}
		if w.prefixOnly {
			continue
		}
		// In a body the word as typed is not told from its other forms:
		// only the stem is looked up (its postings include the exact
		// word's), so a body is read once per word instead of twice.
		// Titles and summaries still rank the exact word first.
		if f.name != search.FieldBody {
			add(blevesearch.NewTermQuery(w.raw), f.name, f.boost*weightExact)
		}
		add(blevesearch.NewTermQuery(w.stem), stemField, f.boost*weightStem)
		if typos {
			oneOf(w.typos, f.name, f.boost*weightTypo)
			// A typo on the stem bridges the forms Tala does not
			// conflate ("pemusnahan" and "dimusnahkan", stemmed "usnah"
			// and "musnah").
			oneOf(w.stemTypos, stemField, f.boost*weightTypo/2)
		}
	}
	return d
}

// expandTypos finds each word's typo candidates in the index's
// dictionaries: for the word as typed (its first letter typed right,
// which Meilisearch counts as two typos otherwise), and for its stem when
// it was stemmed (a root's typos are the word's own).
func (i *Index) expandTypos(words []word) error {
	raw, stemmed, err := i.dictionaries()
	if err != nil {
		return err
	}
	for n, w := range words {
		if w.prefixOnly {
			continue
		}
		if k := search.Typos(w.raw); k > 0 {
			if words[n].typos, err = raw.typos(w.raw, k, typoExactPrefix); err != nil {
				return err
			}
		}
		if k := search.Typos(w.stem); k > 0 && w.stem != w.raw {
			if words[n].stemTypos, err = stemmed.typos(w.stem, k, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildQuery combines the words (all of them required, or any of them
// when all is false) with the filters and visibility.
func buildQuery(q search.Query, words []word, all, typos bool) query.Query {
	var text query.Query
	switch {
	case len(words) == 0 && len(indonesian.Words(q.Text)) > 0:
		// Only stop words, too short to search as a prefix.
		text = blevesearch.NewMatchNoneQuery()
	case len(words) == 0:
		text = blevesearch.NewMatchAllQuery()
	case all:
		c := blevesearch.NewConjunctionQuery()
		for _, w := range words {
			c.AddQuery(wordQuery(w, typos))
		}
		text = c
	default:
		d := blevesearch.NewDisjunctionQuery()
		for _, w := range words {
			d.AddQuery(wordQuery(w, typos))
		}
		text = d
	}
	must := []query.Query{text}
	term := func(field, value string) query.Query {
		t := blevesearch.NewTermQuery(value)
		t.SetField(field)
		return t
	}
	if q.Category != "" {
		must = append(must, term(search.FieldCategory, q.Category))
	}
	if q.Level != "" {
		must = append(must, term(search.FieldLevel, q.Level))
	}
	if q.All {
		if len(must) == 1 {
			return text
		}
		return blevesearch.NewConjunctionQuery(must...)
	}
	// Visibility excludes what is hidden rather than requiring what is
	// published: nearly every entry is published, and a required term
	// would be walked for each of them; drafts are few.
	hidden := blevesearch.NewBooleanQuery()
	hidden.AddMust(blevesearch.NewDisjunctionQuery(term(search.FieldStatus, "draft"), term(search.FieldStatus, "archived")))
	if q.Owner != "" {
		hidden.AddMustNot(term(search.FieldOwners, q.Owner))
	}
	// Threads are hidden the same way: every thread entry but those of
	// the courses the searcher may read.
	threads := blevesearch.NewBooleanQuery()
	threads.AddMust(term(search.FieldStatus, search.StatusThread))
	if len(q.Courses) > 0 {
		mine := make([]query.Query, len(q.Courses))
		for n, id := range q.Courses {
			mine[n] = term(search.FieldCourseID, id)
		}
		threads.AddMustNot(blevesearch.NewDisjunctionQuery(mine...))
	}
	b := blevesearch.NewBooleanQuery()
	b.AddMust(must...)
	b.AddMustNot(hidden, threads)
	return b
}
