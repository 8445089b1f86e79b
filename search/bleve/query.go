package bleve

import (
	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

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
	// minPrefix is the shortest last word searched as a prefix: one or
	// two letters would expand to a large part of the dictionary.
	minPrefix = 2
	// typoExactPrefix letters at the start of a word must be typed right
	// for a typo match. Meilisearch counts a wrong first letter as two
	// typos; requiring it keeps the edit automaton on one branch of the
	// dictionary, most of the cost of a fuzzy query.
	typoExactPrefix = 1
)

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
// typos only when typos is set.
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
	rawTypos, stemTypos := search.Typos(w.raw), search.Typos(w.stem)
	if !typos {
		rawTypos, stemTypos = 0, 0
	}
	for _, f := range textFields {
		stemField := f.name + stemSuffix
		if w.prefix && len([]rune(w.raw)) >= minPrefix {
			add(blevesearch.NewPrefixQuery(w.raw), f.name, f.boost*weightPrefix)
		}
		if w.prefixOnly {
			continue
		}
		add(blevesearch.NewTermQuery(w.raw), f.name, f.boost*weightExact)
		add(blevesearch.NewTermQuery(w.stem), stemField, f.boost*weightStem)
		if rawTypos > 0 {
			fq := blevesearch.NewFuzzyQuery(w.raw)
			fq.SetFuzziness(rawTypos)
			fq.SetPrefix(typoExactPrefix)
			add(fq, f.name, f.boost*weightTypo)
		}
		// A typo on the stem bridges the forms Tala does not conflate
		// ("pemusnahan" and "dimusnahkan", stemmed "usnah" and
		// "musnah"). Only for words that were stemmed: a root's typos
		// are the raw query's, and each fuzzy query costs an automaton.
		if stemTypos > 0 && w.stem != w.raw {
			fq := blevesearch.NewFuzzyQuery(w.stem)
			fq.SetFuzziness(stemTypos)
			fq.SetPrefix(0)
			add(fq, stemField, f.boost*weightTypo/2)
		}
	}
	return d
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
	c := blevesearch.NewConjunctionQuery(text)
	term := func(field, value string) query.Query {
		t := blevesearch.NewTermQuery(value)
		t.SetField(field)
		return t
	}
	if q.Category != "" {
		c.AddQuery(term(fCategory, q.Category))
	}
	if q.Level != "" {
		c.AddQuery(term(fLevel, q.Level))
	}
	if !q.All {
		vis := blevesearch.NewDisjunctionQuery(term(fStatus, "published"))
		if q.Owner != "" {
			vis.AddQuery(term(fOwners, q.Owner))
		}
		c.AddQuery(vis)
	}
	return c
}
