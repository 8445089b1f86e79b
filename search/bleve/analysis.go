package bleve

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/kotalama/kompeten/search/indonesian"
)

// Analyzer names, stored in the index mapping: renaming one is a mapping
// change (bump version).
const (
	// exactAnalyzer folds words and drops stop words: what the user typed,
	// matched whole, by typo or by prefix.
	exactAnalyzer = "kompeten_id_exact"
	// stemAnalyzer also stems each word (Tala), so forms of one word meet.
	stemAnalyzer = "kompeten_id_stem"
	// prefixAnalyzer indexes every prefix of each folded word from
	// minPrefix letters on, the word itself included (see prefixSuffix).
	prefixAnalyzer = "kompeten_id_prefix"
)

func init() {
	register := func(name string, a analyzer) {
		err := registry.RegisterAnalyzer(name, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
			return a, nil
		})
		if err != nil {
			panic(err)
		}
	}
	register(exactAnalyzer, analyzer{})
	register(stemAnalyzer, analyzer{stem: true})
	register(prefixAnalyzer, analyzer{prefixes: true})
}

// analyzer is indonesian.Tokens as a Bleve analyzer: one pass tokenizes,
// folds, drops stop words and (for the stemmed fields) stems. Token
// offsets stay those of the original word, so a match on the stem
// "layan" highlights "pelayanan" as written. Positions keep the gaps of
// removed stop words, as Bleve's own stop filter does.
type analyzer struct{ stem, prefixes bool }

func (a analyzer) Analyze(input []byte) analysis.TokenStream {
	toks := indonesian.Tokens(string(input))
	out := make(analysis.TokenStream, 0, len(toks))
	for n, t := range toks {
		if indonesian.IsStopWord(t.Term) {
			continue
		}
		term := t.Term
		if a.prefixes {
			out = appendPrefixes(out, t, n+1)
			continue
		}
		if a.stem {
			term = indonesian.Stem(term)
		}
		out = append(out, &analysis.Token{
			Term:     []byte(term),
			Start:    t.Start,
			End:      t.End,
			Position: n + 1,
			Type:     analysis.AlphaNumeric,
		})
	}
	return out
}

// appendPrefixes adds the prefixes of t's folded word from minPrefix
// letters up to the whole word, all at the word's position and offsets.
func appendPrefixes(out analysis.TokenStream, t indonesian.Token, pos int) analysis.TokenStream {
	add := func(prefix string) {
		out = append(out, &analysis.Token{Term: []byte(prefix), Start: t.Start, End: t.End, Position: pos, Type: analysis.AlphaNumeric})
	}
	letters := 0 // before end
	for end := range t.Term {
		if letters >= minPrefix {
			add(t.Term[:end])
		}
		letters++
	}
	if letters >= minPrefix {
		add(t.Term)
	}
	return out
}
