// Package searchtest is the conformance suite every search backend must
// pass, run from each backend's own tests.
package searchtest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
)

// Owners used by the fixture. quoted has the characters a filter language
// must escape, so the suite proves values reach the engine intact.
const (
	ownerAni   = "tr-ani"
	ownerBudi  = "tr-budi"
	ownerCitra = "tr-citra"
	ownerXSS   = "tr-xss"
	quoted     = `o"r\g`
	stranger   = "peserta-lain"
)

const xssTitle = `<script>alert(1)</script> Pelayanan`

// Fixture returns the documents the suite indexes: six published entries
// (four Teknis, one Sosial Kultural, one Manajerial) and three drafts.
func Fixture() []search.Doc {
	return []search.Doc{
		{ID: "c-pelayanan", Type: search.TypeCourse, CourseID: "c-pelayanan",
			Title: "Pelayanan Publik Prima", Summary: "Standar pelayanan bagi ASN di loket layanan.",
			Body:     "Materi tentang standar pelayanan minimal dan survei kepuasan masyarakat.",
			Category: "Teknis", Level: "dasar", JP: 8, Owners: []string{ownerAni}, Status: "published"},
		{ID: "c-pelayanan_l-survei", Type: search.TypeLesson, CourseID: "c-pelayanan", LessonID: "l-survei",
			Title: "Pelayanan Publik Prima", Summary: "Standar pelayanan bagi ASN di loket layanan.",
			LessonTitle: "Survei Kepuasan Masyarakat",
			Body:        "Cara menyusun kuesioner survei kepuasan dan mengolah hasilnya.",
			Category:    "Teknis", Level: "dasar", Owners: []string{ownerAni}, Status: "published"},
		{ID: "c-arsip", Type: search.TypeCourse, CourseID: "c-arsip",
			Title: "Manajemen Arsip Digital", Summary: "Mengelola arsip dinamis secara elektronik.",
			Body:     "Klasifikasi arsip, retensi, dan alih media dokumen.",
			Category: "Teknis", Level: "menengah", JP: 12, Owners: []string{ownerBudi}, Status: "published"},
		{ID: "c-arsip_l-retensi", Type: search.TypeLesson, CourseID: "c-arsip", LessonID: "l-retensi",
			Title: "Manajemen Arsip Digital", Summary: "Mengelola arsip dinamis secara elektronik.",
			LessonTitle: "Retensi Arsip",
			Body:        "Jadwal retensi arsip menentukan kapan arsip dimusnahkan.",
			Category:    "Teknis", Level: "menengah", Owners: []string{ownerBudi}, Status: "published"},
		{ID: "c-etika", Type: search.TypeCourse, CourseID: "c-etika",
			Title: "Etika dan Integritas ASN", Summary: "Nilai dasar BerAKHLAK dan kode etik.",
			Body:     "Konflik kepentingan dan gratifikasi.",
			Category: "Sosial Kultural", Level: "dasar", JP: 6, Owners: []string{ownerAni}, Status: "published"},
		{ID: "c-pimpin", Type: search.TypeCourse, CourseID: "c-pimpin",
			Title: "Kepemimpinan Strategis", Summary: "Memimpin perubahan organisasi.",
			Body:     "Visi, pengambilan keputusan, menjaga integritas tim dan integritas pribadi.",
			Category: "Manajerial", Level: "lanjut", JP: 16, Owners: []string{ownerCitra}, Status: "published"},
		{ID: "c-anggaran", Type: search.TypeCourse, CourseID: "c-anggaran",
			Title: "Kebijakan Anggaran Daerah", Summary: "Penganggaran berbasis kinerja.",
			Body:     "Siklus anggaran daerah dari perencanaan sampai pertanggungjawaban.",
			Category: "Manajerial", Level: "menengah", JP: 10, Owners: []string{ownerBudi, ownerCitra, quoted}, Status: "draft"},
		{ID: "c-anggaran_l-dipa", Type: search.TypeLesson, CourseID: "c-anggaran", LessonID: "l-dipa",
			Title: "Kebijakan Anggaran Daerah", Summary: "Penganggaran berbasis kinerja.",
			LessonTitle: "Penyusunan Dokumen Pelaksanaan",
			Body:        "Dokumen pelaksanaan anggaran disusun setiap tahun.",
			Category:    "Manajerial", Level: "menengah", Owners: []string{ownerBudi, ownerCitra, quoted}, Status: "draft"},
		{ID: "c-xss", Type: search.TypeCourse, CourseID: "c-xss",
			Title: xssTitle, Summary: `Ringkasan & "kutipan" <b>tebal</b>`,
			Body:     "Uji keamanan tampilan.",
			Category: "Sosial Kultural", Level: "dasar", Owners: []string{ownerXSS}, Status: "draft"},
	}
}

var published = []string{"c-pelayanan", "c-pelayanan_l-survei", "c-arsip", "c-arsip_l-retensi", "c-etika", "c-pimpin"}

// Run runs the suite. open must return an empty index that lives for the
// test t (each subtest opens its own, so no subtest sees another's writes)
// and whose Upsert and Delete are visible to the next Search.
func Run(t *testing.T, open func(t *testing.T) search.Index) {
	seeded := func(t *testing.T) (context.Context, search.Index) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		idx := open(t)
		if err := idx.Upsert(ctx, Fixture()...); err != nil {
			t.Fatalf("Upsert fixture: %v", err)
		}
		return ctx, idx
	}

	t.Run("Ping", func(t *testing.T) {
		ctx, idx := seeded(t)
		if err := idx.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})

	t.Run("WordFindsBestFieldFirst", func(t *testing.T) {
		ctx, idx := seeded(t)
		// A lesson title outweighs a course body.
		res := mustSearch(t, ctx, idx, search.Query{Text: "kepuasan"})
		wantIDs(t, res, "c-pelayanan_l-survei", "c-pelayanan")
		if res.Hits[0].ID != "c-pelayanan_l-survei" {
			t.Errorf("top hit for kepuasan = %s, want the lesson titled with it", res.Hits[0].ID)
		}
		// A word in one course title outweighs the same word twice in another course body.
		res = mustSearch(t, ctx, idx, search.Query{Text: "integritas"})
		wantIDs(t, res, "c-etika", "c-pimpin")
		if res.Hits[0].ID != "c-etika" {
			t.Errorf("top hit for integritas = %s, want c-etika", res.Hits[0].ID)
		}
		if res.Total != 2 {
			t.Errorf("Total = %d, want 2", res.Total)
		}
		for i := 1; i < len(res.Hits); i++ {
			if res.Hits[i].Score > res.Hits[i-1].Score {
				t.Errorf("hits not ordered by score: %v", res.Hits)
			}
		}
		if res.Hits[0].Score <= 0 {
			t.Errorf("top hit has no score: %+v", res.Hits[0])
		}
	})

	t.Run("CaseInsensitive", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Text: "ARSIP"})
		wantIDs(t, res, "c-arsip", "c-arsip_l-retensi")
	})

	t.Run("NoMatch", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Text: "xylofonik"})
		if len(res.Hits) != 0 || res.Total != 0 {
			t.Fatalf("unexpected hits for a word nowhere: %+v", res)
		}
	})

	t.Run("HitFields", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Text: "retensi"})
		h := find(t, res, "c-arsip_l-retensi")
		want := search.Hit{ID: "c-arsip_l-retensi", Type: search.TypeLesson, CourseID: "c-arsip",
			LessonID: "l-retensi", Title: "Manajemen Arsip Digital", LessonTitle: "Retensi Arsip"}
		h.Snippet, h.Score = "", 0
		if h != want {
			t.Errorf("lesson hit = %+v, want %+v", h, want)
		}
		c := find(t, res, "c-arsip")
		if c.Type != search.TypeCourse || c.CourseID != "c-arsip" || c.LessonID != "" || c.LessonTitle != "" {
			t.Errorf("course hit = %+v", c)
		}
	})

	t.Run("FilterCategory", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Category: "Teknis"})
		wantIDs(t, res, "c-pelayanan", "c-pelayanan_l-survei", "c-arsip", "c-arsip_l-retensi")
		res = mustSearch(t, ctx, idx, search.Query{Text: "arsip", Category: "Teknis"})
		wantIDs(t, res, "c-arsip", "c-arsip_l-retensi")
		res = mustSearch(t, ctx, idx, search.Query{Text: "arsip", Category: "Manajerial"})
		wantIDs(t, res)
		// A category is a whole value, not words.
		res = mustSearch(t, ctx, idx, search.Query{Category: "Sosial"})
		wantIDs(t, res)
		res = mustSearch(t, ctx, idx, search.Query{Category: "Sosial Kultural"})
		wantIDs(t, res, "c-etika")
	})

	t.Run("FilterLevel", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Level: "menengah"})
		wantIDs(t, res, "c-arsip", "c-arsip_l-retensi")
		res = mustSearch(t, ctx, idx, search.Query{Level: "menengah", Category: "Manajerial", All: true})
		wantIDs(t, res, "c-anggaran", "c-anggaran_l-dipa")
	})

	t.Run("Facets", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{})
		wantFacets(t, res, map[string]int{"Teknis": 4, "Sosial Kultural": 1, "Manajerial": 1})
		res = mustSearch(t, ctx, idx, search.Query{All: true})
		wantFacets(t, res, map[string]int{"Teknis": 4, "Sosial Kultural": 2, "Manajerial": 3})
		res = mustSearch(t, ctx, idx, search.Query{Text: "arsip"})
		wantFacets(t, res, map[string]int{"Teknis": 2})
		// Facets count every match, not just the page.
		res = mustSearch(t, ctx, idx, search.Query{Limit: 1})
		wantFacets(t, res, map[string]int{"Teknis": 4, "Sosial Kultural": 1, "Manajerial": 1})
	})

	t.Run("Visibility", func(t *testing.T) {
		ctx, idx := seeded(t)
		drafts := []string{"c-anggaran", "c-anggaran_l-dipa"}
		for _, q := range []search.Query{
			{Text: "anggaran"},
			{Text: "anggaran", Owner: stranger},
			{Text: "anggaran", Owner: ownerAni},
			{Text: "anggaran", Owner: `o"r`}, // a prefix of a real owner
		} {
			res := mustSearch(t, ctx, idx, q)
			if len(res.Hits) != 0 || res.Total != 0 {
				t.Errorf("%+v: draft visible: %v", q, ids(res))
			}
		}
		for _, q := range []search.Query{
			{Text: "anggaran", Owner: ownerCitra},
			{Text: "anggaran", Owner: ownerBudi},
			{Text: "anggaran", Owner: quoted},
			{Text: "anggaran", All: true},
			{Text: "anggaran", All: true, Owner: stranger},
		} {
			res := mustSearch(t, ctx, idx, q)
			if !slices.Equal(sorted(ids(res)), sorted(drafts)) {
				t.Errorf("%+v: got %v, want %v", q, ids(res), drafts)
			}
		}
		// An owner sees published entries too, and only their own drafts.
		res := mustSearch(t, ctx, idx, search.Query{Owner: ownerXSS})
		wantIDs(t, res, append(slices.Clone(published), "c-xss")...)
	})

	t.Run("ThreadVisibility", func(t *testing.T) {
		ctx, idx := seeded(t)
		// Threads of a published course and of a draft: each shows only to
		// a query naming its course (or All), whoever owns the course.
		thread := func(id, course, title string) search.Doc {
			return search.Doc{ID: course + "_" + id, Type: search.TypeThread, CourseID: course, Title: title,
				Body: "Bagaimana cara mengisi formulir perjalanan dinas?", Category: "Teknis", Level: "dasar",
				Owners: []string{ownerAni}, Status: search.StatusThread}
		}
		if err := idx.Upsert(ctx, thread("t1", "c-pelayanan", "Pertanyaan perjalanan dinas"),
			thread("t2", "c-anggaran", "Perjalanan dinas luar kota")); err != nil {
			t.Fatalf("Upsert threads: %v", err)
		}
		for _, q := range []search.Query{
			{Text: "perjalanan"},
			{Text: "perjalanan", Owner: ownerAni},
			{Text: "perjalanan", Courses: []string{"c-arsip", "c-etika"}},
		} {
			if res := mustSearch(t, ctx, idx, q); len(res.Hits) != 0 || res.Total != 0 {
				t.Errorf("%+v: threads visible: %v", q, ids(res))
			}
		}
		res := mustSearch(t, ctx, idx, search.Query{Text: "perjalanan", Courses: []string{"c-arsip", "c-pelayanan"}})
		wantIDs(t, res, "c-pelayanan_t1")
		if h := res.Hits[0]; h.Type != search.TypeThread || h.CourseID != "c-pelayanan" || h.Title != "Pertanyaan perjalanan dinas" {
			t.Errorf("thread hit = %+v", h)
		}
		res = mustSearch(t, ctx, idx, search.Query{Text: "perjalanan", Courses: []string{"c-anggaran"}, Owner: stranger})
		wantIDs(t, res, "c-anggaran_t2")
		res = mustSearch(t, ctx, idx, search.Query{Text: "perjalanan", All: true})
		wantIDs(t, res, "c-pelayanan_t1", "c-anggaran_t2")
		// Course entries keep their own rules beside Courses.
		res = mustSearch(t, ctx, idx, search.Query{Text: "retensi", Courses: []string{"c-pelayanan"}})
		wantIDs(t, res, "c-arsip", "c-arsip_l-retensi")
	})

	t.Run("EmptyQueryListsVisible", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{})
		wantIDs(t, res, published...)
		if res.Total != len(published) {
			t.Errorf("Total = %d, want %d", res.Total, len(published))
		}
		res = mustSearch(t, ctx, idx, search.Query{Text: "   "})
		wantIDs(t, res, published...)
		res = mustSearch(t, ctx, idx, search.Query{All: true})
		if res.Total != len(Fixture()) || len(res.Hits) != len(Fixture()) {
			t.Errorf("All: Total %d, %d hits, want %d", res.Total, len(res.Hits), len(Fixture()))
		}
		for _, h := range res.Hits {
			if strings.Contains(h.Snippet, "<mark>") {
				t.Errorf("%s: empty query marked something: %q", h.ID, h.Snippet)
			}
		}
		if h := find(t, res, "c-arsip"); !strings.Contains(h.Snippet, "Mengelola arsip dinamis") {
			t.Errorf("course snippet without a query should show its summary, got %q", h.Snippet)
		}
	})

	t.Run("LimitOffsetTotal", func(t *testing.T) {
		ctx, idx := seeded(t)
		first := mustSearch(t, ctx, idx, search.Query{Limit: 4})
		second := mustSearch(t, ctx, idx, search.Query{Limit: 4, Offset: 4})
		if len(first.Hits) != 4 || len(second.Hits) != 2 {
			t.Fatalf("pages of %d and %d hits, want 4 and 2", len(first.Hits), len(second.Hits))
		}
		if first.Total != 6 || second.Total != 6 {
			t.Errorf("Total %d and %d, want 6 on every page", first.Total, second.Total)
		}
		all := append(ids(first), ids(second)...)
		if !slices.Equal(sorted(all), sorted(published)) {
			t.Errorf("pages together = %v, want each published entry once", all)
		}
		past := mustSearch(t, ctx, idx, search.Query{Limit: 4, Offset: 10})
		if len(past.Hits) != 0 || past.Total != 6 {
			t.Errorf("past the end: %d hits, Total %d", len(past.Hits), past.Total)
		}
		// Zero means the default page size, which holds the whole fixture.
		all9 := mustSearch(t, ctx, idx, search.Query{All: true, Limit: 0})
		if len(all9.Hits) != 9 {
			t.Errorf("default limit returned %d hits, want 9", len(all9.Hits))
		}
		one := mustSearch(t, ctx, idx, search.Query{Text: "arsip", Limit: 1})
		if len(one.Hits) != 1 || one.Total != 2 {
			t.Errorf("Limit 1: %d hits, Total %d, want 1 and 2", len(one.Hits), one.Total)
		}
	})

	t.Run("Snippet", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Text: "retensi"})
		lesson := find(t, res, "c-arsip_l-retensi")
		if !strings.Contains(lesson.Snippet, "<mark>Retensi</mark>") {
			t.Errorf("lesson snippet %q lacks the marked lesson title", lesson.Snippet)
		}
		course := find(t, res, "c-arsip")
		if !strings.Contains(course.Snippet, "<mark>retensi</mark>") || !strings.Contains(course.Snippet, "Klasifikasi") {
			t.Errorf("course snippet %q is not its marked body", course.Snippet)
		}
	})

	t.Run("SnippetEscapesHTML", func(t *testing.T) {
		ctx, idx := seeded(t)
		res := mustSearch(t, ctx, idx, search.Query{Text: "pelayanan", Owner: ownerXSS})
		h := find(t, res, "c-xss")
		if h.Title != xssTitle {
			t.Errorf("Title is plain text for the template to escape: got %q", h.Title)
		}
		want := "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Pelayanan</mark>"
		if h.Snippet != want {
			t.Errorf("snippet = %q, want %q", h.Snippet, want)
		}
		for _, hit := range res.Hits {
			if strings.Contains(hit.Snippet, "<script") {
				t.Errorf("%s: raw HTML in snippet %q", hit.ID, hit.Snippet)
			}
		}
		res = mustSearch(t, ctx, idx, search.Query{Text: "kutipan", Owner: ownerXSS})
		h = find(t, res, "c-xss")
		if want := "Ringkasan &amp; &#34;<mark>kutipan</mark>&#34; &lt;b&gt;tebal&lt;/b&gt;"; h.Snippet != want {
			t.Errorf("summary snippet = %q, want %q", h.Snippet, want)
		}
	})

	t.Run("UpsertReplaces", func(t *testing.T) {
		ctx, idx := seeded(t)
		d := Fixture()[2] // c-arsip
		d.Title = "Manajemen Kearsipan Elektronik"
		d.Summary = "Tata naskah dinas."
		d.Body = "Penomoran surat keluar."
		if err := idx.Upsert(ctx, d); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		res := mustSearch(t, ctx, idx, search.Query{Text: "penomoran"})
		wantIDs(t, res, "c-arsip")
		if h := res.Hits[0]; h.Title != d.Title {
			t.Errorf("Title after replace = %q", h.Title)
		}
		res = mustSearch(t, ctx, idx, search.Query{Text: "klasifikasi"})
		wantIDs(t, res)
		res = mustSearch(t, ctx, idx, search.Query{Text: "digital"})
		wantIDs(t, res, "c-arsip_l-retensi") // the lesson still carries the old course title
		res = mustSearch(t, ctx, idx, search.Query{})
		if res.Total != len(published) {
			t.Errorf("Total after replace = %d, want %d (no duplicate)", res.Total, len(published))
		}
		// Replacing the status hides it.
		d.Status = "archived"
		if err := idx.Upsert(ctx, d); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		wantIDs(t, mustSearch(t, ctx, idx, search.Query{Text: "penomoran"}))
		wantIDs(t, mustSearch(t, ctx, idx, search.Query{Text: "penomoran", Owner: ownerBudi}), "c-arsip")
	})

	t.Run("Delete", func(t *testing.T) {
		ctx, idx := seeded(t)
		if err := idx.Delete(ctx, "c-arsip", "c-arsip_l-retensi", "no-such-id"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantIDs(t, mustSearch(t, ctx, idx, search.Query{Text: "arsip"}))
		res := mustSearch(t, ctx, idx, search.Query{})
		if res.Total != len(published)-2 {
			t.Errorf("Total after delete = %d, want %d", res.Total, len(published)-2)
		}
		wantFacets(t, res, map[string]int{"Teknis": 2, "Sosial Kultural": 1, "Manajerial": 1})
		if err := idx.Delete(ctx); err != nil {
			t.Errorf("Delete of nothing: %v", err)
		}
	})

	t.Run("UpsertRejectsEmptyID", func(t *testing.T) {
		ctx, idx := seeded(t)
		err := idx.Upsert(ctx, search.Doc{Type: search.TypeCourse, Title: "Tanpa Identitas", Status: "published"})
		if err == nil {
			t.Fatal("Upsert of a document without id succeeded")
		}
		wantIDs(t, mustSearch(t, ctx, idx, search.Query{Text: "identitas"}))
	})

	t.Run("CanceledContext", func(t *testing.T) {
		_, idx := seeded(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := idx.Search(ctx, search.Query{Text: "arsip"}); err == nil {
			t.Error("Search with a canceled context succeeded")
		}
		if err := idx.Upsert(ctx, Fixture()[0]); err == nil {
			t.Error("Upsert with a canceled context succeeded")
		}
	})

	t.Run("Relevance", func(t *testing.T) { runRelevance(t, open) })

	t.Run("ClosedIsUnavailable", func(t *testing.T) {
		ctx, idx := seeded(t)
		if err := idx.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := idx.Ping(ctx); !errors.Is(err, search.ErrUnavailable) {
			t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
		}
		if _, err := idx.Search(ctx, search.Query{Text: "pelayanan"}); !errors.Is(err, search.ErrUnavailable) {
			t.Errorf("Search after Close = %v, want ErrUnavailable", err)
		}
	})
}

func mustSearch(t *testing.T, ctx context.Context, idx search.Index, q search.Query) search.Result {
	t.Helper()
	res, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	if res.Facets == nil {
		t.Fatalf("Search(%+v): nil Facets, want an empty map", q)
	}
	return res
}

func ids(res search.Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// wantIDs checks the set of hits (order aside) and that Total agrees.
func wantIDs(t *testing.T, res search.Result, want ...string) {
	t.Helper()
	if got := sorted(ids(res)); !slices.Equal(got, sorted(want)) {
		t.Errorf("hits = %v, want %v", got, sorted(want))
	}
	if res.Total != len(want) {
		t.Errorf("Total = %d, want %d", res.Total, len(want))
	}
}

func wantFacets(t *testing.T, res search.Result, want map[string]int) {
	t.Helper()
	if !maps.Equal(res.Facets, want) {
		t.Errorf("facets = %v, want %v", res.Facets, want)
	}
}

func find(t *testing.T, res search.Result, id string) search.Hit {
	t.Helper()
	for _, h := range res.Hits {
		if h.ID == id {
			return h
		}
	}
	t.Fatalf("no hit %s among %v", id, ids(res))
	return search.Hit{}
}
