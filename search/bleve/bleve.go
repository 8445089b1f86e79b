// Package bleve is the embedded search backend: a Bleve index in a local
// directory, used when Kompeten runs as one binary with nothing else
// installed.
package bleve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/internal/snippet"
)

const (
	// version names the index directory. Bump it whenever the mapping or
	// the analyzer changes: the next Open then builds a fresh index beside
	// the old one (which it removes), and Fresh tells the caller to reindex.
	// v2: Indonesian analysis, a stemmed copy of every text field.
	// v3: no doc values for the category (see facets.go).
	// v4: the prefixes of the words of short fields (prefixSuffix).
	version = 4
	dirBase = "courses_v"

	// snippetWidth is how many bytes of a long field a snippet shows.
	snippetWidth = 200

	// openTimeout bounds the wait for Bleve's file lock, so a second
	// process opening a live server's index fails instead of hanging.
	openTimeout = "5s"
)

// stemSuffix names the stemmed copy of a text field: "title" is indexed
// twice, folded as "title" and stemmed as "title_stem".
const stemSuffix = "_stem"

// prefixSuffix names the prefixes of a short text field's words:
// "title_prefix" holds "pe", "pel", ... "pelayanan" for "pelayanan", so the
// last word typed is one term to look up. Bleve's prefix query expanded
// "pen" to every title word starting with it and walked them all, 40% of
// the benchmark's search time. Bodies are not indexed this way: it would
// multiply their terms, and they are searched by prefix only from
// minBodyPrefix letters.
const prefixSuffix = "_prefix"

// textFields are searched in this order of weight; the order also breaks
// ties when choosing the snippet, as in the Meilisearch backend.
var textFields = []struct {
	name     string
	boost    float64
	width    int  // snippet crop, 0 for whole short fields
	prefixes bool // indexed with its words' prefixes (prefixSuffix)
}{
	{search.FieldTitle, 5, 0, true},
	{search.FieldSummary, 3, snippetWidth, true},
	{search.FieldLessonTitle, 2, 0, true},
	{search.FieldBody, 1, snippetWidth, false},
}

var storedFields = [...]string{search.FieldType, search.FieldCourseID, search.FieldLessonID, search.FieldTitle, search.FieldSummary, search.FieldLessonTitle, search.FieldBody}

// doc is what Bleve indexes: explicit tags so the mapping and the stored
// field names cannot drift from search.Field*.
type doc struct {
	Type        string   `json:"type"`
	CourseID    string   `json:"course_id"`
	LessonID    string   `json:"lesson_id"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	LessonTitle string   `json:"lesson_title"`
	Body        string   `json:"body"`
	Category    string   `json:"category"`
	Level       string   `json:"level"`
	Status      string   `json:"status"`
	Owners      []string `json:"owners"`
}

// Index is a Bleve-backed search.Index.
type Index struct {
	idx    blevesearch.Index
	fresh  bool
	closed atomic.Bool

	// onPause runs once writes have paused for compactAfter: compact,
	// or a test's probe.
	compactMu    sync.Mutex
	compactTimer *time.Timer
	compactAfter time.Duration
	onPause      func()

	dicts dicts // for typo matching

	// running admits one search per CPU at a time; the rest wait their
	// turn in order (see Search).
	running chan struct{}
	// fieldBufs hold the stored text of a page of hits (stored.go).
	fieldBufs fieldBufs

	catMu sync.Mutex
	cats  *catTable // for category counts, see facets.go
}

// Compaction: Bleve writes each batch as a segment and merges them in
// tiers, leaving several after a bulk load (5 for the benchmark's 10,000
// lessons). A search opens every query term in every segment: one
// segment answered the benchmark's queries in 4.0 ms instead of 6.5.
// Merging those 10,000 lessons into one took 0.6 s, so the index is
// merged whenever writes pause with more than one segment left.
const (
	compactAfter       = 10 * time.Second
	compactMinSegments = 2
)

var _ search.Index = (*Index)(nil)

// Open opens the index under dir, creating it (and dir) when absent.
func Open(dir string) (*Index, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("bleve: create %s: %w", dir, err)
	}
	if err := removeOldVersions(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, dirBase+strconv.Itoa(version))
	cfg := map[string]interface{}{"bolt_timeout": openTimeout}
	idx, err := blevesearch.OpenUsing(path, cfg)
	fresh := false
	if errors.Is(err, blevesearch.ErrorIndexPathDoesNotExist) {
		idx, err = blevesearch.NewUsing(path, newMapping(), blevesearch.Config.DefaultIndexType,
			blevesearch.Config.DefaultKVStore, cfg)
		fresh = true
	}
	if err != nil {
		return nil, fmt.Errorf("bleve: open %s: %w", path, err)
	}
	i := &Index{idx: idx, fresh: fresh, compactAfter: compactAfter, running: make(chan struct{}, runtime.GOMAXPROCS(0))}
	i.onPause = i.compact
	return i, nil
}

// Fresh reports whether Open created the index empty (first start, or a
// new mapping version), so the caller knows to reindex every course.
func (i *Index) Fresh() bool { return i.fresh }

// removeOldVersions deletes index directories of older mapping versions;
// newer ones are kept so a rolled-back binary does not destroy them.
func removeOldVersions(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("bleve: list %s: %w", dir, err)
	}
	for _, e := range entries {
		v, ok := strings.CutPrefix(e.Name(), dirBase)
		if !ok || !e.IsDir() {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && n < version {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("bleve: remove old index %s: %w", e.Name(), err)
			}
		}
	}
	return nil
}

func newMapping() mapping.IndexMapping {
	text := func(name, analyzer string, store bool) *mapping.FieldMapping {
		m := blevesearch.NewTextFieldMapping()
		m.Name = name
		m.Analyzer = analyzer
		m.Store = store // snippets are cut from the stored text
		// Snippets are marked by highlight.go from the stored text, so
		// no term vectors: a smaller index, and none read per search.
		m.IncludeTermVectors = false
		m.IncludeInAll = false
		m.DocValues = false
		return m
	}

	kw := func(store bool) *mapping.FieldMapping {
		m := blevesearch.NewKeywordFieldMapping()
		m.Analyzer = keyword.Name
		m.Store = store
		m.DocValues = false // no sorting or Bleve facets
		m.IncludeInAll = false
		return m
	}

	d := blevesearch.NewDocumentStaticMapping()
	for _, f := range textFields {
		// One property, two or three fields: the folded words (stored,
		// for snippets), their stems and their prefixes (indexed only).
		fields := []*mapping.FieldMapping{
			text(f.name, exactAnalyzer, true),
			text(f.name+stemSuffix, stemAnalyzer, false),
		}
		if f.prefixes {
			fields = append(fields, text(f.name+prefixSuffix, prefixAnalyzer, false))
		}
		d.AddFieldMappingsAt(f.name, fields...)
	}
	d.AddFieldMappingsAt(search.FieldType, kw(true))
	d.AddFieldMappingsAt(search.FieldCourseID, kw(true))
	d.AddFieldMappingsAt(search.FieldLessonID, kw(true))
	d.AddFieldMappingsAt(search.FieldCategory, kw(false))
	d.AddFieldMappingsAt(search.FieldLevel, kw(false))
	d.AddFieldMappingsAt(search.FieldStatus, kw(false))
	d.AddFieldMappingsAt(search.FieldOwners, kw(false))

	m := blevesearch.NewIndexMapping()
	m.DefaultMapping = d
	m.DefaultAnalyzer = exactAnalyzer
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	return m
}

// Upsert indexes docs in one batch, replacing entries with the same id.
func (i *Index) Upsert(ctx context.Context, docs ...search.Doc) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bleve: upsert: %w", err)
	}
	b := i.idx.NewBatch()
	for _, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("bleve: upsert: document without id (course %q)", d.CourseID)
		}
		err := b.Index(d.ID, doc{
			Type: d.Type, CourseID: d.CourseID, LessonID: d.LessonID,
			Title: d.Title, Summary: d.Summary, LessonTitle: d.LessonTitle, Body: d.Body,
			Category: d.Category, Level: d.Level, Status: d.Status, Owners: d.Owners,
		})
		if err != nil {
			return fmt.Errorf("bleve: upsert %s: %w", d.ID, err)
		}
	}
	if err := i.idx.Batch(b); err != nil {
		return fmt.Errorf("bleve: upsert %d docs: %w", len(docs), i.convert(err))
	}
	i.wrote()
	return nil
}

// Delete removes entries by id; unknown ids are not an error.
func (i *Index) Delete(ctx context.Context, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bleve: delete: %w", err)
	}
	b := i.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := i.idx.Batch(b); err != nil {
		return fmt.Errorf("bleve: delete %d docs: %w", len(ids), i.convert(err))
	}
	i.wrote()
	return nil
}

// wrote (re)starts the wait for a pause in writes.
func (i *Index) wrote() {
	i.dicts.writes.Add(1)
	i.compactMu.Lock()
	defer i.compactMu.Unlock()
	if i.compactTimer == nil {
		i.compactTimer = time.AfterFunc(i.compactAfter, func() { i.onPause() })
		return
	}
	i.compactTimer.Reset(i.compactAfter)
}

// segments is how many segments the index has on disk and in memory.
func (i *Index) segments() int {
	m, _ := i.idx.StatsMap()["index"].(map[string]interface{})
	files, _ := m["num_root_filesegments"].(uint64)
	mem, _ := m["num_root_memorysegments"].(uint64)
	return int(files + mem)
}

// compact merges the index into one segment when enough have gathered.
// Searches go on meanwhile, on the segments as they were.
func (i *Index) compact() {
	if i.closed.Load() || i.segments() < compactMinSegments {
		return
	}
	adv, err := i.idx.Advanced()
	if err != nil {
		return
	}
	if s, ok := adv.(*scorch.Scorch); ok {
		// A failure (the index closing, a merge already running) leaves
		// the segments as they were: slower, not wrong.
		_ = s.ForceMerge(context.Background(), nil)
	}
}

// Search answers q: words over the text fields, filters, visibility.
// Every word must match (in any field) for a hit; when no entry has them
// all, it answers with the entries that have any of them instead.
func (i *Index) Search(ctx context.Context, q search.Query) (search.Result, error) {
	// A search is CPU work from start to end. Run all that arrive at
	// once and each slows the others, their garbage piles up for the
	// collector, and the scheduler finishes some long after others that
	// came later; taken in turn, one per CPU, they finish in order.
	select {
	case i.running <- struct{}{}:
		defer func() { <-i.running }()
	case <-ctx.Done():
		return search.Result{}, fmt.Errorf("bleve: search %q: %w", q.Text, ctx.Err())
	}
	// Like Meilisearch, exact words come before typos: typo matching (the
	// words within reach in the dictionaries, each then looked up in
	// every text field) runs only when the words as typed, their stems
	// and the last word's prefixes do not fill the page.
	words := parseWords(q.Text)
	limit, _ := q.Page()
	typos := false
	buf := i.fieldBufs.get()
	defer i.fieldBufs.put(buf)
	res, docs, facets, err := i.search(ctx, q, words, true, false, buf)
	if err == nil && int(res.Total) < limit && len(words) > 0 {
		typos = true
		if err = i.expandTypos(words); err == nil {
			res, docs, facets, err = i.search(ctx, q, words, true, true, buf)
		}
	}
	if err == nil && res.Total == 0 && len(words) > 1 {
		res, docs, facets, err = i.search(ctx, q, words, false, true, buf)
	}
	if err != nil {
		return search.Result{}, fmt.Errorf("bleve: search %q: %w", q.Text, i.convert(err))
	}

	out := search.Result{Total: int(res.Total), Facets: facets, Hits: make([]search.Hit, 0, len(res.Hits))}
	stems := map[string]string{}
	for n, h := range res.Hits {
		// What is returned is copied out of buf; the snippets are new.
		str := func(f string) string { return strings.Clone(docs[n].get(f)) }
		// Fields in the order snippets prefer them: once one has every
		// query word, no later field can win, so the body (the longest)
		// is often never scanned.
		cands := make([]snippet.Field, len(textFields))
		for c, f := range textFields {
			text := docs[n].get(f.name)
			spans, distinct := spans(text, words, stems, typos, f.width)
			cands[c] = snippet.Field{
				HTML:  snippet.Highlight(text, spans, f.width),
				Terms: distinct,
			}
			if distinct >= len(words) && len(words) > 0 {
				break
			}
		}
		typ := str(search.FieldType)
		out.Hits = append(out.Hits, search.Hit{
			ID:          h.ID,
			Type:        typ,
			CourseID:    str(search.FieldCourseID),
			LessonID:    str(search.FieldLessonID),
			Title:       str(search.FieldTitle),
			LessonTitle: str(search.FieldLessonTitle),
			Snippet:     snippet.Pick(cands, fallback(typ)...),
			Score:       h.Score,
		})
	}
	return out, nil
}

// search runs one query and returns its hits, their stored fields (in
// buf, which it empties first) and its category counts.
func (i *Index) search(ctx context.Context, q search.Query, words []word, all, typos bool, buf *fieldBuf) (*blevesearch.SearchResult, []stored, map[string]int, error) {
	limit, offset := q.Page()
	// Opened first, so it holds the segments the search will see unless
	// a write lands in between (see loadFields).
	if i.closed.Load() {
		return nil, nil, nil, blevesearch.ErrorIndexClosed
	}
	adv, err := i.idx.Advanced()
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, nil, nil, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok || snap == nil {
		// A closed scorch index hands out no snapshot.
		return nil, nil, nil, blevesearch.ErrorIndexClosed
	}
	cq := &countingQuery{Query: buildQuery(q, words, all, typos), idx: i}
	// Score only: a tie-break on _id made Bleve look up the id of every
	// matching document (15% of a search); equal scores keep the index's
	// own order, which is stable for a given index state.
	req := blevesearch.NewSearchRequestOptions(cq, limit, offset, false)
	res, err := i.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, nil, err
	}
	var searched []segment.Segment
	if cq.table != nil {
		searched = cq.table.segs
	}
	buf.b = buf.b[:0]
	docs, err := loadFields(snap, searched, res.Hits, buf)
	if err != nil {
		return nil, nil, nil, err
	}
	return res, docs, cq.facets(), nil
}

// fallback lists, by index into textFields, what a hit without matches
// (an empty query) shows: what it is about, not its title again.
func fallback(typ string) []int {
	if typ == search.TypeLesson {
		return []int{3, 2, 1} // body, lesson title, course summary
	}
	return []int{1, 3} // summary, body
}

// Ping reports whether the index is open and readable.
func (i *Index) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bleve: ping: %w", err)
	}
	if i.closed.Load() {
		return fmt.Errorf("bleve: ping: %w", search.ErrUnavailable)
	}
	if _, err := i.idx.DocCount(); err != nil {
		return fmt.Errorf("bleve: ping: %w", i.convert(err))
	}
	return nil
}

// Close closes the index; later calls fail with search.ErrUnavailable.
func (i *Index) Close() error {
	if i.closed.Swap(true) {
		return nil
	}
	i.compactMu.Lock()
	if i.compactTimer != nil {
		i.compactTimer.Stop()
	}
	i.compactMu.Unlock()
	if err := i.idx.Close(); err != nil {
		return fmt.Errorf("bleve: close: %w", err)
	}
	return nil
}

// convert marks a closed index as unavailable, the one Bleve failure a
// caller can act on by waiting.
func (i *Index) convert(err error) error {
	if errors.Is(err, blevesearch.ErrorIndexClosed) || i.closed.Load() {
		return fmt.Errorf("%w: %w", search.ErrUnavailable, err)
	}
	return err
}
