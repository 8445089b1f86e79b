package bleve

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/indonesian"
	"github.com/kotalama/kompeten/search/internal/snippet"
	"github.com/kotalama/kompeten/search/searchtest"
)

// openTemp opens an index in a temporary directory, closed after the test.
func openTemp(t *testing.T) *Index {
	t.Helper()
	idx, err := Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

func TestConformance(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		return openTemp(t)
	})
}

func TestReopenKeepsDocumentsAndIsNotFresh(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	idx, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !idx.Fresh() {
		t.Error("first Open is not Fresh")
	}
	if err := idx.Upsert(ctx, searchtest.Fixture()...); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if err := idx.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	idx, err = Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer idx.Close()
	if idx.Fresh() {
		t.Error("reopened index claims to be Fresh")
	}
	res, err := idx.Search(ctx, search.Query{Text: "arsip"})
	if err != nil || res.Total != 2 {
		t.Fatalf("after reopen: %+v, %v", res, err)
	}
}

func TestOpenRemovesOlderVersionsOnly(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"courses_v0", "courses_v1", "courses_v99", "other"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer idx.Close()
	current := dirBase + strconv.Itoa(version)
	for d, want := range map[string]bool{"courses_v0": false, "courses_v99": true, "other": true, "courses_v1": false, current: true} {
		_, err := os.Stat(filepath.Join(dir, d))
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", d, got, want)
		}
	}
}

func TestMappingIgnoresUnmappedAndUsesKeywordFields(t *testing.T) {
	// Owners are whole values: a search for part of an owner id as a word
	// must not match, nor must the owner filter match a word of it.
	idx, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	ctx := context.Background()
	d := search.Doc{ID: "k1", Type: search.TypeCourse, CourseID: "k1", Title: "Kursus", Owners: []string{"tr ani"}, Status: "draft", Category: "Teknis"}
	if err := idx.Upsert(ctx, d); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    search.Query
		want int
	}{
		{search.Query{Owner: "tr ani"}, 1},
		{search.Query{Owner: "ani"}, 0},
		{search.Query{Text: "ani", All: true}, 0},    // owners are not searchable text
		{search.Query{Text: "teknis", All: true}, 0}, // nor is the category
		{search.Query{Text: "kursus", Owner: "tr"}, 0},
	} {
		q, want := tc.q, tc.want
		res, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("%+v: Total %d, want %d", q, res.Total, want)
		}
	}
}

// TestCompactsWhenWritesPause: compaction waits for writes to pause, each
// write restarting the wait, and then runs once.
func TestCompactsWhenWritesPause(t *testing.T) {
	idx := openTemp(t)
	var calls atomic.Int32
	// A pause far longer than the gaps between writes: on a loaded
	// machine a write itself can take a few hundred milliseconds.
	idx.compactAfter = 2 * time.Second
	idx.onPause = func() { calls.Add(1) }
	ctx := context.Background()
	for n := range 5 {
		d := search.Doc{ID: fmt.Sprintf("c%d", n), Type: search.TypeCourse, CourseID: fmt.Sprintf("c%d", n),
			Title: "Kursus", Category: "Teknis", Status: "published"}
		if err := idx.Upsert(ctx, d); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // shorter than the pause
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("compaction ran %d times while writes went on", n)
	}
	if err := idx.Delete(ctx, "c0"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Fatalf("compaction ran %d times after writes paused, want 1", n)
	}
}

// TestCompactMergesIntoOneSegment: what compaction does, on an index that
// Bleve left in several segments, loses nothing.
func TestCompactMergesIntoOneSegment(t *testing.T) {
	idx := openTemp(t)
	idx.onPause = func() {}
	ctx := context.Background()
	const total = 2000
	for b := 0; b < total; b += 200 {
		var docs []search.Doc
		for n := b; n < b+200; n++ {
			docs = append(docs, search.Doc{ID: fmt.Sprintf("c%d", n), Type: search.TypeCourse, CourseID: fmt.Sprintf("c%d", n),
				Title: fmt.Sprintf("Kursus pelayanan %d", n), Category: "Teknis", Status: "published"})
		}
		if err := idx.Upsert(ctx, docs...); err != nil {
			t.Fatal(err)
		}
	}
	idx.compact()
	if n := idx.segments(); n > 1 {
		t.Fatalf("%d segments after compact, want 1", n)
	}
	res, err := idx.Search(ctx, search.Query{Text: "pelayanan"})
	if err != nil || res.Total != total {
		t.Fatalf("%d hits after compaction (%v), want %d", res.Total, err, total)
	}
}

// TestStemIsInTheWord: the highlighter skips stemming a word that does
// not contain the query stem but its first letter, which holds only if
// Tala strips affixes and changes no more than the stem's first letter.
func TestStemIsInTheWord(t *testing.T) {
	var text []string
	for _, d := range searchtest.Relevance() {
		text = append(text, d.Title, d.Summary, d.LessonTitle, d.Body)
	}
	lib, _ := searchtest.Library(7, 20, 5, 100)
	for _, c := range lib {
		for _, l := range c.Lessons {
			text = append(text, l.Title, l.Body)
		}
	}
	n := 0
	for _, s := range text {
		for _, w := range indonesian.Words(s) {
			stem := indonesian.Stem(w)
			if len(stem) > 1 && !strings.Contains(w, stem[1:]) {
				t.Errorf("%q stems to %q", w, stem)
			}
			n++
		}
	}
	if n < 10000 {
		t.Fatalf("only %d words checked", n)
	}
}

// TestTypoFindsWordsIndexedLater: the typo dictionaries follow writes, so
// a word added after the first typo search is found by typo too.
func TestTypoFindsWordsIndexedLater(t *testing.T) {
	idx := openTemp(t)
	ctx := context.Background()
	doc := func(id, title string) search.Doc {
		return search.Doc{ID: id, Type: search.TypeCourse, CourseID: id, Title: title, Category: "Teknis", Status: "published"}
	}
	if err := idx.Upsert(ctx, doc("c1", "Etika pelayanan publik")); err != nil {
		t.Fatal(err)
	}
	if res, err := idx.Search(ctx, search.Query{Text: "kepemimpinn"}); err != nil || res.Total != 0 {
		t.Fatalf("before: %d hits, %v", res.Total, err)
	}
	if err := idx.Upsert(ctx, doc("c2", "Dasar kepemimpinan")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(dictRefresh + 100*time.Millisecond)
	res, err := idx.Search(ctx, search.Query{Text: "kepemimpinn"})
	if err != nil || res.Total != 1 || res.Hits[0].ID != "c2" {
		t.Fatalf("after: %+v, %v; want c2 by typo", res, err)
	}
}

// TestCategoryCountsFollowWrites: the category table is rebuilt when
// entries are added, and deleted entries are not counted.
func TestCategoryCountsFollowWrites(t *testing.T) {
	idx := openTemp(t)
	ctx := context.Background()
	doc := func(id, cat string) search.Doc {
		return search.Doc{ID: id, Type: search.TypeCourse, CourseID: id, Title: "Pelayanan publik", Category: cat, Status: "published"}
	}
	counts := func() map[string]int {
		t.Helper()
		res, err := idx.Search(ctx, search.Query{Text: "pelayanan"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Facets
	}
	if err := idx.Upsert(ctx, doc("a", "Teknis"), doc("b", "Teknis"), doc("c", "Manajerial")); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got["Teknis"] != 2 || got["Manajerial"] != 1 || len(got) != 2 {
		t.Fatalf("counts %v", got)
	}
	if err := idx.Upsert(ctx, doc("d", "Sosial Kultural"), doc("a", "Manajerial")); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got["Teknis"] != 1 || got["Manajerial"] != 2 || got["Sosial Kultural"] != 1 {
		t.Fatalf("after adding d and moving a: %v", got)
	}
	if err := idx.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got["Teknis"] != 0 || got["Manajerial"] != 2 || got["Sosial Kultural"] != 1 {
		t.Fatalf("after deleting b: %v", got)
	}
}

// TestLoadFieldsAfterAWrite: when the index changed between opening the
// reader and the search, hits are loaded by id from the reader's state.
func TestLoadFieldsAfterAWrite(t *testing.T) {
	idx := openTemp(t)
	idx.onPause = func() {}
	ctx := context.Background()
	doc := func(id, title string) search.Doc {
		return search.Doc{ID: id, Type: search.TypeCourse, CourseID: id, Title: title, Category: "Teknis", Status: "published"}
	}
	if err := idx.Upsert(ctx, doc("a", "Pelayanan publik"), doc("b", "Pelayanan arsip")); err != nil {
		t.Fatal(err)
	}
	adv, err := idx.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	old, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := idx.Upsert(ctx, doc("c", "Pelayanan digital")); err != nil {
		t.Fatal(err)
	}
	cq := &countingQuery{Query: buildQuery(search.Query{All: true}, parseWords("pelayanan"), true, false), idx: idx}
	res, err := idx.idx.SearchInContext(ctx, blevesearch.NewSearchRequestOptions(cq, 10, 0, false))
	if err != nil || len(res.Hits) != 3 {
		t.Fatalf("search: %v, %v", res, err)
	}
	docs, err := loadFields(old.(*scorch.IndexSnapshot), cq.table.segs, res.Hits, &fieldBuf{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for n, h := range res.Hits {
		got[h.ID] = docs[n].get(search.FieldTitle)
	}
	if got["a"] != "Pelayanan publik" || got["b"] != "Pelayanan arsip" || got["c"] != "" {
		t.Fatalf("titles loaded from the older reader: %v", got)
	}
}

// TestTypoLookupsRemembered: a dictionary answers a repeated typo lookup
// from memory, with what a walk of it finds, and remembers a bounded
// number of words.
func TestTypoLookupsRemembered(t *testing.T) {
	idx := openTemp(t)
	ctx := context.Background()
	if err := idx.Upsert(ctx, search.Doc{ID: "c1", Type: search.TypeCourse, CourseID: "c1", Title: "Dasar kepemimpinan", Category: "Teknis", Status: "published"}); err != nil {
		t.Fatal(err)
	}
	raw, _, err := idx.dictionaries()
	if err != nil {
		t.Fatal(err)
	}
	first, err := raw.typos("kepemimpinn", 2, typoExactPrefix)
	if err != nil {
		t.Fatal(err)
	}
	walked, err := typoTerms(raw.fst, "kepemimpinn", 2, typoExactPrefix)
	if err != nil || !slices.Equal(first, walked) || len(first) != 1 || first[0].term != "kepemimpinan" {
		t.Fatalf("lookup %v, walk %v (%v); want kepemimpinan", first, walked, err)
	}
	again, _ := raw.typos("kepemimpinn", 2, typoExactPrefix)
	if &again[0] != &first[0] {
		t.Fatal("a repeated lookup walked the dictionary again")
	}
	for n := range maxCachedWords + 10 {
		if _, err := raw.typos(fmt.Sprintf("kata%05d", n), 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(raw.found); n > maxCachedWords || n == 0 {
		t.Fatalf("%d lookups remembered, want 1..%d", n, maxCachedWords)
	}
}

// TestCroppedSpansStopEarly: a field is read only from where a match can
// start (without typos), a cropped one only until nothing further can be
// shown, and that changes neither its snippet nor, through its count of
// matched words, which field the snippet comes from.
func TestCroppedSpansStopEarly(t *testing.T) {
	lib, queries := searchtest.Library(7, 10, 3, 300)
	checked, stopped := 0, 0
	for n, q := range queries {
		if n%4 != 0 {
			continue
		}
		words := parseWords(q)
		for _, c := range lib {
			for _, l := range c.Lessons {
				for _, typos := range []bool{false, true} {
					full, fullN := spansFrom(l.Body, 0, words, map[string]string{}, typos, 0)
					early, earlyN := spans(l.Body, words, map[string]string{}, typos, snippetWidth)
					if len(full) == 0 {
						continue
					}
					checked++
					if len(early) < len(full) {
						stopped++
					}
					if a, b := snippet.Highlight(l.Body, full, snippetWidth), snippet.Highlight(l.Body, early, snippetWidth); a != b {
						t.Fatalf("%q: snippet\n%s\nread to the end, but\n%s\nstopped early", q, a, b)
					}
					if earlyN != fullN && (earlyN < len(words) || fullN < len(words)) {
						t.Fatalf("%q: %d words matched read to the end, %d stopped early", q, fullN, earlyN)
					}
				}
			}
		}
	}
	if checked < 500 || stopped == 0 {
		t.Fatalf("%d bodies checked, %d stopped early", checked, stopped)
	}
}

// TestHitsOutliveTheFieldBuffer: the stored text of a page of hits is read
// into a buffer the next search reuses; what a search returned must not
// change when later searches run.
func TestHitsOutliveTheFieldBuffer(t *testing.T) {
	idx := openTemp(t)
	ctx := context.Background()
	lib, queries := searchtest.Library(3, 10, 3, 60)
	var docs []search.Doc
	for c, course := range lib {
		for l, lesson := range course.Lessons {
			docs = append(docs, search.Doc{
				ID: fmt.Sprintf("c%d_l%d", c, l), Type: search.TypeLesson, CourseID: fmt.Sprintf("c%d", c), LessonID: fmt.Sprintf("l%d", l),
				Title: course.Title, Summary: course.Summary, LessonTitle: lesson.Title, Body: lesson.Body,
				Category: "Teknis", Status: "published",
			})
		}
	}
	if err := idx.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	type kept struct {
		q         string
		got, want []search.Hit
	}
	var all []kept
	for _, q := range queries[:40] {
		res, err := idx.Search(ctx, search.Query{Text: q, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			continue
		}
		want := make([]search.Hit, len(res.Hits))
		for n, h := range res.Hits {
			want[n] = h
			for _, s := range []*string{&want[n].ID, &want[n].Type, &want[n].CourseID, &want[n].LessonID, &want[n].Title, &want[n].LessonTitle, &want[n].Snippet} {
				*s = strings.Clone(*s)
			}
		}
		all = append(all, kept{q, res.Hits, want})
	}
	if len(all) < 20 {
		t.Fatalf("only %d queries had hits", len(all))
	}
	for _, k := range all {
		if !slices.Equal(k.got, k.want) {
			t.Fatalf("%q: hits changed after later searches:\n%+v\nwant\n%+v", k.q, k.got[0], k.want[0])
		}
	}
}

// TestPrefixFieldsMatchPrefixQueries: looking a prefix up as one term of a
// short field's prefixes finds exactly the entries Bleve's prefix query
// over the field's words finds, accents and capitals included.
func TestPrefixFieldsMatchPrefixQueries(t *testing.T) {
	idx := openTemp(t)
	ctx := context.Background()
	lib, _ := searchtest.Library(5, 12, 4, 20)
	docs := []search.Doc{{ID: "x", Type: search.TypeCourse, CourseID: "x", Title: "Pélayanan PUBLIK yang ramah", Summary: "Éra digital", Status: "published"}}
	for c, course := range lib {
		for l, lesson := range course.Lessons {
			docs = append(docs, search.Doc{
				ID: fmt.Sprintf("c%d_l%d", c, l), Type: search.TypeLesson, CourseID: fmt.Sprintf("c%d", c), LessonID: fmt.Sprintf("l%d", l),
				Title: course.Title, Summary: course.Summary, LessonTitle: lesson.Title, Body: lesson.Body, Status: "published",
			})
		}
	}
	if err := idx.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	ids := func(q query.Query) []string {
		t.Helper()
		res, err := idx.idx.Search(blevesearch.NewSearchRequestOptions(q, 1000, 0, false))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		slices.Sort(out)
		return out
	}
	checked := 0
	for _, f := range textFields {
		if !f.prefixes {
			continue
		}
		prefixes := map[string]bool{"pe": true, "pel": true, "pelayanan": true, "publik": true, "er": true, "era": true, "eraa": true}
		for _, d := range docs {
			for _, w := range indonesian.Words(d.Title + " " + d.Summary + " " + d.LessonTitle) {
				for n := minPrefix; n <= min(len(w), 6); n++ {
					prefixes[w[:n]] = true
				}
			}
		}
		for p := range prefixes {
			pq := blevesearch.NewPrefixQuery(p)
			pq.SetField(f.name)
			tq := blevesearch.NewTermQuery(p)
			tq.SetField(f.name + prefixSuffix)
			want, got := ids(pq), ids(tq)
			if !slices.Equal(got, want) {
				t.Fatalf("%s %q: prefix field finds %v, prefix query %v", f.name, p, got, want)
			}
			if len(want) > 0 {
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d prefixes found anything", checked)
	}
}

// TestSpansSkipStopWords: stop words are not indexed, so a snippet never
// marks one, even where the last word typed is its prefix.
func TestSpansSkipStopWords(t *testing.T) {
	text := "Yang melayani yang terbaik, yantra"
	got, n := spans(text, parseWords("yan"), map[string]string{}, false, 0)
	if len(got) != 1 || text[got[0].Start:got[0].End] != "yantra" || n != 1 {
		t.Fatalf("spans %v (%d words); want only yantra", got, n)
	}
}

// TestSpansSkipToFirstCandidate: starting at the first place a match can
// start finds what reading the whole field finds: capitals, accents,
// affixes and a changed first letter included.
func TestSpansSkipToFirstCandidate(t *testing.T) {
	texts := []string{
		"Rapat dinas membahas PELAYANAN publik dan pelayanannya.",
		"Kata pélayanan ditulis dengan aksen; pelayanan tanpa aksen.",
		"Petugas menyapu halaman, lalu sapu disimpan. Penyapuan selesai.",
		"Tidak ada yang cocok di sini sama sekali.",
		"Pembelajaran daring: belajar mandiri, dipelajari bersama.",
		"Naïve café élan: layanan. Pelayanan!",
	}
	queries := []string{"layanan", "pelayanan", "sapu", "menyapu", "belajar", "pelajar", "laya", "pembe", "di", "cafe", "elan"}
	skipped := 0
	for _, text := range texts {
		for _, q := range queries {
			words := parseWords(q)
			if len(words) == 0 {
				continue
			}
			want, wantN := spansFrom(text, 0, words, map[string]string{}, false, 0)
			got, gotN := spans(text, words, map[string]string{}, false, 0)
			if !slices.Equal(got, want) || gotN != wantN {
				t.Fatalf("%q in %q: %v (%d), reading all finds %v (%d)", q, text, got, gotN, want, wantN)
			}
			if from, ok := firstCandidate(text, words); !ok || from > 0 {
				skipped++
			}
		}
	}
	if skipped == 0 {
		t.Fatal("no field was skipped or started late")
	}
}
