package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/docstest"
)

// The stored CREATE INDEX text must equal what migrate builds, or every
// open would drop and rebuild every index.
func TestIndexDefinitionsStable(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "d.db"), docstest.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for _, sc := range docstest.Schemas {
		for _, ix := range sc.Indexes {
			name := sc.Name + "__" + ix.Name
			var def string
			if err := s.reader.QueryRow(`SELECT sql FROM sqlite_master WHERE name = ?`, name).Scan(&def); err != nil {
				t.Fatalf("index %s: %v", name, err)
			}
			if want := indexSQL(quote(sc.Name), name, ix); def != want {
				t.Errorf("index %s stored as %q, built as %q", name, def, want)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no indexes checked")
	}
}

// Every query the docs package accepts must be an index search, and a sort
// must come from the index, not a temporary B-tree.
func TestQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "d.db"), docstest.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.colls["items"]
	now := time.Now()
	for _, q := range []docs.Query{
		{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n", Limit: 20},
		{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n", Desc: true, Limit: 20},
		{Where: []docs.Eq{{Field: "group", Value: "a"}}, Range: &docs.Range{Field: "n", Gte: 1, Lt: 5}, Sort: "n"},
		{Where: []docs.Eq{{Field: "group", Value: "a"}, {Field: "n", Value: 3}}, Limit: 20},
		{Where: []docs.Eq{{Field: "active", Value: true}}, Range: &docs.Range{Field: "at", Gt: now}, Sort: "at", Desc: true},
		{Where: []docs.Eq{{Field: "meta.owner", Value: "o"}}, Limit: 20},
		{Where: []docs.Eq{{Field: "code", Value: "x"}}},
		{Sort: "at", Limit: 20},
		{Sort: "at", Desc: true, Limit: 20},
		{Sort: "done", Desc: true, Limit: 20},
		{Sort: "code", Limit: 20},
		{Sort: "code", Desc: true, Limit: 20},
		{Limit: 20},
	} {
		p, err := c.schema.Plan(q)
		if err != nil {
			t.Fatal(err)
		}
		// Pagination must stay an index search too.
		p.After = &docs.Cursor{ID: "x"}
		if p.Sort != nil {
			p.After.Value, _ = docs.Extract(nil, *p.Sort)
			switch p.Sort.Kind {
			case docs.String:
				p.After.Value = "m"
			case docs.Int:
				p.After.Value = int64(3)
			case docs.Time:
				p.After.Value = now
			}
		}
		query, args := c.selectSQL(p)
		rows, err := s.reader.Query("EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		indexed := strings.Contains(all, "USING INDEX") || strings.Contains(all, "USING COVERING INDEX") || strings.Contains(all, "PRIMARY KEY")
		// A unique index leaves only NULLs to tie; SQLite sorts those
		// groups as it walks the index ("LAST TERM"), which is no full sort.
		fullSort := strings.Contains(strings.ReplaceAll(all, "TEMP B-TREE FOR LAST TERM OF ORDER BY", ""), "TEMP B-TREE")
		if !indexed || fullSort {
			t.Errorf("%+v:\n%s\nplan: %s", q, query, all)
		}
	}
}

type v1 struct {
	Email string `bson:"email"`
	Unit  string `bson:"unit"`
	Age   int    `bson:"age"`
}

// Adding a field, an index, or changing one works on an existing database,
// and indexes are filled from the documents already stored.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	first := []docs.Schema{{Name: "users", Indexes: []docs.Index{
		{Name: "unit", Fields: []docs.Field{{Name: "unit", Kind: docs.String}}},
	}}}
	s, err := Open(ctx, path, first)
	if err != nil {
		t.Fatal(err)
	}
	c := s.C("users")
	for _, u := range []struct {
		id string
		v1
	}{{"1", v1{"a@x", "u1", 30}}, {"2", v1{"b@x", "u1", 40}}, {"3", v1{"a@x", "u2", 50}}} {
		if err := c.Insert(ctx, u.id, u.v1); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	second := []docs.Schema{{Name: "users", Indexes: []docs.Index{
		{Name: "unit", Fields: []docs.Field{{Name: "unit", Kind: docs.String}, {Name: "age", Kind: docs.Int}}},
		{Name: "email", Fields: []docs.Field{{Name: "email", Kind: docs.String}}},
	}}}
	s, err = Open(ctx, path, second)
	if err != nil {
		t.Fatalf("reopen with a new field and index: %v", err)
	}
	c = s.C("users")
	p, err := c.Find(ctx, docs.Query{Where: []docs.Eq{{Field: "unit", Value: "u1"}}, Range: &docs.Range{Field: "age", Gt: 35}})
	if err != nil || len(p.Docs) != 1 || p.Docs[0].ID != "2" {
		t.Errorf("query on a field added later: %v, %v", p.Docs, err)
	}
	n, err := c.Count(ctx, docs.Query{Where: []docs.Eq{{Field: "email", Value: "a@x"}}})
	if err != nil || n != 2 {
		t.Errorf("count on a new index = %d, %v; want 2", n, err)
	}
	s.Close()

	third := []docs.Schema{{Name: "users", Indexes: []docs.Index{
		{Name: "email", Fields: []docs.Field{{Name: "email", Kind: docs.String}}, Unique: true},
	}}}
	_, err = Open(ctx, path, third)
	if !errors.Is(err, docs.ErrDuplicate) {
		t.Errorf("unique index over duplicate values: got %v, want ErrDuplicate", err)
	}
	// The failed open changed nothing: the old index still serves.
	s, err = Open(ctx, path, second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.C("users").Count(ctx, docs.Query{Where: []docs.Eq{{Field: "email", Value: "a@x"}}}); err != nil || n != 2 {
		t.Errorf("after a refused migration: count %d, %v", n, err)
	}
}

// A second store on the same file, as the CLI beside a running server,
// writes while the first one writes, and neither sees SQLITE_BUSY.
func TestTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	a, err := Open(ctx, path, docstest.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, docstest.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.C("items").Insert(ctx, "n", docstest.Item{Code: "n"}); err != nil {
		t.Fatal(err)
	}
	const each = 40
	done := make(chan error, 2)
	for _, s := range []*Store{a, b} {
		go func() {
			for i := 0; i < each; i++ {
				if _, err := docs.Update(ctx, s.C("items"), "n", func(it *docstest.Item) error {
					it.Counter++
					return nil
				}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var it docstest.Item
	if _, err := b.C("items").Get(ctx, "n", &it); err != nil || it.Counter != 2*each {
		t.Errorf("counter = %d, %v; want %d", it.Counter, err, 2*each)
	}
}

// TestPrepareRetriedConcurrently: a collection's first calls race, half
// with a cancelled context. A failed preparation is left for the next
// caller to retry, with no data race (the statements' once-guard used to be
// reset while other callers read it), and the collection then works.
func TestPrepareRetriedConcurrently(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), docstest.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.C(docstest.Schemas[0].Name)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 32)
	for i := range 32 {
		ctx := context.Background()
		if i%2 == 0 {
			ctx = cancelled
		}
		go func() {
			var v map[string]any
			_, err := c.Get(ctx, "nobody", &v)
			done <- err
		}()
	}
	for range 32 {
		if err := <-done; err != nil && !errors.Is(err, docs.ErrNotFound) && !errors.Is(err, context.Canceled) {
			t.Errorf("Get: %v", err)
		}
	}
	var v map[string]any
	if _, err := c.Get(context.Background(), "nobody", &v); !errors.Is(err, docs.ErrNotFound) {
		t.Fatalf("after the race: %v, want ErrNotFound", err)
	}
}
