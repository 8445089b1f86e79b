package bleve

import (
	"slices"
	"sort"
	"sync"
	"unsafe"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// stored is the stored fields of one hit, in the order of storedFields.
type stored [len(storedFields)]string

func (s *stored) get(field string) string {
	if n := slices.Index(storedFields[:], field); n >= 0 {
		return s[n]
	}
	return ""
}

// fieldBuf holds the stored text of a page of hits. A page's bodies were
// a third of what a search allocated; kept in a buffer reused from search
// to search, they no longer drive the collector.
type fieldBuf struct{ b []byte }

// maxPooledFieldBuf keeps the buffer of a page of very long lessons from
// staying in memory.
const maxPooledFieldBuf = 1 << 20

// fieldBufs are the buffers of an index's searches.
type fieldBufs struct{ pool sync.Pool }

func (p *fieldBufs) get() *fieldBuf {
	if f, ok := p.pool.Get().(*fieldBuf); ok {
		return f
	}
	return new(fieldBuf)
}

// put returns f for reuse: every string loadFields made with it is
// invalid from then on.
func (p *fieldBufs) put(f *fieldBuf) {
	if cap(f.b) <= maxPooledFieldBuf {
		f.b = f.b[:0]
		p.pool.Put(f)
	}
}

// str copies v into the buffer and returns it as a string that shares the
// buffer's memory (valid until release). A buffer that grows leaves
// earlier strings in its old array, which the collector keeps for them.
func (f *fieldBuf) str(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	start := len(f.b)
	f.b = append(f.b, v...)
	return unsafe.String(&f.b[start], len(v))
}

// loadFields reads the stored fields of a page of hits into buf. Bleve's
// own loading looks each hit up again by its id and builds a document of
// all its fields, most of a search's garbage; here they are read straight
// from the segments, through r, a reader opened before the search. When
// r's segments are the searched ones (nothing was merged or added in
// between), the hits' internal numbers hold in r too; otherwise each hit
// is looked up by id.
func loadFields(r *scorch.IndexSnapshot, searched []segment.Segment, hits bsearch.DocumentMatchCollection, buf *fieldBuf) ([]stored, error) {
	segs := r.Segments()
	same := len(segs) == len(searched)
	offsets := make([]uint64, len(segs))
	var running uint64
	for n, s := range segs {
		same = same && s.Segment() == searched[n]
		offsets[n] = running
		running += uint64(s.FullSize())
	}
	out := make([]stored, len(hits))
	for h, hit := range hits {
		keep := func(name string, value []byte) {
			if n := slices.Index(storedFields[:], name); n >= 0 {
				out[h][n] = buf.str(value)
			}
		}
		if !same {
			doc, err := r.Document(hit.ID)
			if err != nil {
				return nil, err
			}
			if doc != nil {
				doc.VisitFields(func(f index.Field) { keep(f.Name(), f.Value()) })
			}
			continue
		}
		num := hit.IndexInternalID.Value()
		s := sort.Search(len(offsets), func(x int) bool { return offsets[x] > num }) - 1
		err := segs[s].VisitDocument(num-offsets[s], func(name string, _ byte, value []byte, _ []uint64) bool {
			keep(name, value)
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
