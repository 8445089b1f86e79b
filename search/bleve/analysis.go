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
)

func init() {
	register := func(name string, stem bool) {
		err := registry.RegisterAnalyzer(name, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
			return analyzer{stem: stem}, nil
		})
		if err != nil {
			panic(err)
		}
	}
	register(exactAnalyzer, false)
	register(stemAnalyzer, true)
}

// analyzer is indonesian.Tokens as a Bleve analyzer: one pass tokenizes,
// folds, drops stop words and (for the stemmed fields) stems. Token
// offsets stay those of the original word, so a match on the stem
// "layan" highlights "pelayanan" as written. Positions keep the gaps of
// removed stop words, as Bleve's own stop filter does.
type analyzer struct{ stem bool }

func (a analyzer) Analyze(input []byte) analysis.TokenStream {
	toks := indonesian.Tokens(string(input))
	out := make(analysis.TokenStream, 0, len(toks))
	for n, t := range toks {
		if indonesian.IsStopWord(t.Term) {
			continue
		}
		term := t.Term
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
