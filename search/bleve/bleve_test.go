package bleve

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/searchtest"
)

func TestConformance(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		idx, err := Open(t.TempDir())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = idx.Close() })
		return idx
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
	for d, want := range map[string]bool{"courses_v0": false, "courses_v99": true, "other": true, "courses_v1": false, "courses_v2": true} {
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
	for q, want := range map[search.Query]int{
		{Owner: "tr ani"}:             1,
		{Owner: "ani"}:                0,
		{Text: "ani", All: true}:      0, // owners are not searchable text
		{Text: "teknis", All: true}:   0, // nor is the category
		{Text: "kursus", Owner: "tr"}: 0,
	} {
		res, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("%+v: Total %d, want %d", q, res.Total, want)
		}
	}
}
