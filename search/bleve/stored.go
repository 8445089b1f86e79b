package bleve

import (
	"fmt"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// loadFields fills in the stored fields of a page of hits. Bleve's own
// loading looks each hit up again by its id and builds a document of all
// its fields, most of a search's garbage; here they are read straight
// from the segments, through r, a reader opened before the bsearch. When
// r's segments are the searched ones (nothing was merged or added in
// between), the hits' internal numbers hold in r too; otherwise each hit
// is looked up by id.
func loadFields(r index.IndexReader, searched []segment.Segment, hits bsearch.DocumentMatchCollection) error {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return fmt.Errorf("bleve: stored fields need a scorch index, not %T", r)
	}
	segs := snap.Segments()
	same := len(segs) == len(searched)
	offsets := make([]uint64, len(segs))
	var running uint64
	for n, s := range segs {
		same = same && s.Segment() == searched[n]
		offsets[n] = running
		running += uint64(s.FullSize())
	}
	for _, h := range hits {
		h.Fields = make(map[string]interface{}, len(storedFields))
		keep := func(name string, value []byte) {
			if slices.Contains(storedFields, name) {
				h.Fields[name] = string(value)
			}
		}
		if !same {
			doc, err := r.Document(h.ID)
			if err != nil {
				return err
			}
			if doc != nil {
				doc.VisitFields(func(f index.Field) { keep(f.Name(), f.Value()) })
			}
			continue
		}
		num := h.IndexInternalID.Value()
		s := sort.Search(len(offsets), func(x int) bool { return offsets[x] > num }) - 1
		err := segs[s].VisitDocument(num-offsets[s], func(name string, _ byte, value []byte, _ []uint64) bool {
			keep(name, value)
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}
