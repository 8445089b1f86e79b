package bleve

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/kotalama/kompeten/search"
)

// Category counts (the facet of a search) are counted as the collector
// takes each hit, from a table of every entry's category kept for the
// index's current segments. Bleve's terms facet read each hit's doc
// values instead, 15% of a search under load.

// catTable maps an entry's internal number to its category.
type catTable struct {
	segs  []segment.Segment // the segments it was built from
	names []string          // the categories
	cats  []uint8           // 1 + index into names; 0 for none
}

// categories returns the table for the reader's segments, building it
// when they changed (a write or a merge since the last search).
func (i *Index) categories(ctx context.Context, r index.IndexReader) (*catTable, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("bleve: category counts need a scorch index, not %T", r)
	}
	segs := make([]segment.Segment, 0, len(snap.Segments()))
	for _, s := range snap.Segments() {
		segs = append(segs, s.Segment())
	}
	i.catMu.Lock()
	t := i.cats
	i.catMu.Unlock()
	if t != nil && sameSegments(t.segs, segs) {
		return t, nil
	}
	t, err := buildCategories(ctx, r, segs)
	if err != nil {
		return nil, err
	}
	i.catMu.Lock()
	i.cats = t
	i.catMu.Unlock()
	return t, nil
}

func sameSegments(a, b []segment.Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for n := range a {
		if a[n] != b[n] {
			return false
		}
	}
	return true
}

func buildCategories(ctx context.Context, r index.IndexReader, segs []segment.Segment) (*catTable, error) {
	t := &catTable{segs: segs}
	fd, err := r.FieldDict(search.FieldCategory)
	if err != nil {
		return nil, err
	}
	for e, err := fd.Next(); e != nil && err == nil; e, err = fd.Next() {
		t.names = append(t.names, e.Term)
	}
	fd.Close()
	if len(t.names) > 255 {
		return nil, fmt.Errorf("bleve: %d categories, at most 255 can be counted", len(t.names))
	}
	for n, name := range t.names {
		tfr, err := r.TermFieldReader(ctx, []byte(name), search.FieldCategory, false, false, false)
		if err != nil {
			return nil, err
		}
		for d, err := tfr.Next(nil); d != nil && err == nil; d, err = tfr.Next(nil) {
			id := d.ID.Value()
			for uint64(len(t.cats)) <= id {
				t.cats = append(t.cats, 0)
			}
			t.cats[id] = uint8(n + 1)
		}
		tfr.Close()
	}
	return t, nil
}

// countingQuery is a query whose searcher counts the categories of the
// hits it returns; Bleve asks for the searcher with the reader of the
// search, so the table and the hits belong to the same segments.
type countingQuery struct {
	query.Query
	idx    *Index
	counts []int
	table  *catTable
}

func (q *countingQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.Query.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	if q.table, err = q.idx.categories(ctx, r); err != nil {
		_ = s.Close()
		return nil, err
	}
	q.counts = make([]int, len(q.table.names))
	return &countingSearcher{Searcher: s, q: q}, nil
}

// facets returns the counts by category name, those with hits only.
func (q *countingQuery) facets() map[string]int {
	out := map[string]int{}
	for n, c := range q.counts {
		if c > 0 {
			out[q.table.names[n]] = c
		}
	}
	return out
}

type countingSearcher struct {
	bsearch.Searcher
	q *countingQuery
}

func (s *countingSearcher) count(d *bsearch.DocumentMatch) {
	if d == nil {
		return
	}
	cats := s.q.table.cats
	if n := d.IndexInternalID.Value(); n < uint64(len(cats)) && cats[n] > 0 {
		s.q.counts[cats[n]-1]++
	}
}

func (s *countingSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Next(ctx)
	s.count(d)
	return d, err
}

func (s *countingSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Advance(ctx, id)
	s.count(d)
	return d, err
}
