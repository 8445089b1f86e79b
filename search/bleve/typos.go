package bleve

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/vellum"
	lev "github.com/blevesearch/vellum/levenshtein"
)

// Typo matching finds the indexed words within a query word's edit
// distance. Bleve's FuzzyQuery builds a Levenshtein automaton for every
// field it searches, 8 for a word (4 text fields and their stems), and
// building them was 85% of a typo search. Here the automaton is built
// once per word and run over one dictionary of the words of every text
// field (and one of their stems); the words it finds are then looked up
// as plain terms in each field.

// maxTypoTerms bounds the words one query word expands to by typo, so a
// short stem in a large dictionary cannot turn one search into thousands
// of term lookups.
const maxTypoTerms = 256

// dictRefresh is how stale the dictionaries may be: a word indexed in the
// last second is found as typed, and by typo a moment later.
const dictRefresh = time.Second

// maxCachedWords bounds the typo lookups a dictionary remembers.
const maxCachedWords = 4096

// levBuilders are the automaton builders for 1 and 2 edits; each is a
// large table computed once, shared by every index.
var levBuilders = sync.OnceValues(func() ([2]*lev.LevenshteinAutomatonBuilder, error) {
	var b [2]*lev.LevenshteinAutomatonBuilder
	for k := range b {
		var err error
		if b[k], err = lev.NewLevenshteinAutomatonBuilder(uint8(k+1), true); err != nil {
			return b, fmt.Errorf("levenshtein %d: %w", k+1, err)
		}
	}
	return b, nil
})

// dicts are the words of the index, rebuilt after writes.
type dicts struct {
	mu       sync.Mutex
	gen      uint64 // the index generation they were built from
	built    time.Time
	raw      *dict // words of the text fields as indexed
	stemmed  *dict // their stems
	building bool  // a rebuild is running
	// writes counts index changes (Upsert, Delete).
	writes atomic.Uint64
}

// typoCandidate is an indexed word within reach of a query word.
type typoCandidate struct {
	term string
	dist int
}

// dictionaries returns the dictionaries, rebuilding them when the index
// has changed and they are older than dictRefresh. A rebuild (50 ms for
// the 20,000 words of the benchmark library) runs while other searches
// go on with the dictionaries they had; only the first waits for one.
func (i *Index) dictionaries() (raw, stemmed *dict, err error) {
	d := &i.dicts
	d.mu.Lock()
	gen := d.writes.Load()
	fresh := gen == d.gen || time.Since(d.built) < dictRefresh
	if d.raw != nil && (fresh || d.building) {
		raw, stemmed = d.raw, d.stemmed
		d.mu.Unlock()
		return raw, stemmed, nil
	}
	first := d.raw == nil
	if first {
		defer d.mu.Unlock() // nothing to search with meanwhile
	} else {
		d.building = true
		d.mu.Unlock()
	}
	raw, stemmed, err = i.buildDicts()
	if !first {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.building = false
	}
	if err != nil {
		return nil, nil, err
	}
	d.raw, d.stemmed, d.gen, d.built = raw, stemmed, gen, time.Now()
	return raw, stemmed, nil
}

// buildDicts builds the dictionaries of the text fields and their stems.
func (i *Index) buildDicts() (raw, stemmed *dict, err error) {
	var rawFields, stemFields []string
	for _, f := range textFields {
		rawFields = append(rawFields, f.name)
		stemFields = append(stemFields, f.name+stemSuffix)
	}
	if raw, err = i.buildDict(rawFields); err != nil {
		return nil, nil, err
	}
	if stemmed, err = i.buildDict(stemFields); err != nil {
		return nil, nil, err
	}
	return raw, stemmed, nil
}

// buildDict collects the distinct terms of fields into a dictionary.
func (i *Index) buildDict(fields []string) (*dict, error) {
	adv, err := i.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	seen := map[string]struct{}{}
	for _, f := range fields {
		fd, err := r.FieldDict(f)
		if err != nil {
			return nil, err
		}
		for e, err := fd.Next(); e != nil && err == nil; e, err = fd.Next() {
			seen[e.Term] = struct{}{}
		}
		fd.Close()
	}
	terms := make([]string, 0, len(seen))
	for t := range seen {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, err
	}
	for _, t := range terms {
		if err := b.Insert([]byte(t), 0); err != nil {
			return nil, err
		}
	}
	if err := b.Close(); err != nil {
		return nil, err
	}
	fst, err := vellum.Load(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return &dict{fst: fst, found: map[typoKey][]typoCandidate{}}, nil
}

// dict is one dictionary of indexed words, with the typo lookups made in
// it. Building a query word's automaton and walking the dictionary with
// it is most of a typo search, and the same words come back: search as
// you type sends the earlier words of a query again with every letter
// of the last, and many people search for the same things. A rebuilt
// dictionary starts with no lookups, so what it returns is always what
// a fresh walk of it would find.
type dict struct {
	fst   *vellum.FST
	mu    sync.Mutex
	found map[typoKey][]typoCandidate
}

type typoKey struct {
	term      string
	k, prefix int
}

// typos returns the words within k edits of term whose first prefix
// letters are term's (typoTerms), remembered for the next search. The
// slice is shared: callers must not change it.
func (d *dict) typos(term string, k, prefix int) ([]typoCandidate, error) {
	key := typoKey{term, k, prefix}
	d.mu.Lock()
	c, ok := d.found[key]
	d.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := typoTerms(d.fst, term, k, prefix)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if len(d.found) >= maxCachedWords {
		clear(d.found)
	}
	d.found[key] = c
	d.mu.Unlock()
	return c, nil
}

// typoTerms returns the words of dict within k edits of term whose first
// prefix letters are term's, with their distances.
func typoTerms(dict *vellum.FST, term string, k, prefix int) ([]typoCandidate, error) {
	builders, err := levBuilders()
	if err != nil {
		return nil, err
	}
	dfa, err := builders[k-1].BuildDfa(term, uint8(k))
	if err != nil {
		return nil, err
	}
	var start, end []byte
	if p := prefixBytes(term, prefix); p != "" {
		start, end = []byte(p), prefixEnd([]byte(p))
	}
	var out []typoCandidate
	it, err := dict.Search(dfa, start, end)
	for err == nil && len(out) < maxTypoTerms {
		key, _ := it.Current()
		t := string(key)
		// The automaton counts a swap of two letters as one edit; the
		// distance here may count two, so it is capped at k.
		out = append(out, typoCandidate{term: t, dist: min(levenshtein(t, term, k), k)})
		err = it.Next()
	}
	if err != nil && err != vellum.ErrIteratorDone {
		return nil, err
	}
	return out, nil
}

// prefixBytes is term's first n letters (runes).
func prefixBytes(term string, n int) string {
	for i := range term {
		if n == 0 {
			return term[:i]
		}
		n--
	}
	return term
}

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
