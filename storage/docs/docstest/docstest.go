// Package docstest is the conformance suite every docs backend must pass,
// so code written against docs.Store behaves the same on SQLite and MongoDB.
package docstest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Item is the document most of the suite stores.
type Item struct {
	Name    string     `bson:"name"`
	Group   string     `bson:"group"`
	N       int        `bson:"n"`
	At      time.Time  `bson:"at"`
	Done    *time.Time `bson:"done"`
	Active  bool       `bson:"active"`
	Code    string     `bson:"code"`
	Counter int64      `bson:"counter"`
	Meta    Meta       `bson:"meta"`
}

type Meta struct {
	Owner string `bson:"owner"`
}

// Schemas are the collections the suite declares.
var Schemas = []docs.Schema{
	{Name: "items", Indexes: []docs.Index{
		{Name: "group_n", Fields: []docs.Field{{Name: "group", Kind: docs.String}, {Name: "n", Kind: docs.Int}}},
		{Name: "code", Fields: []docs.Field{{Name: "code", Kind: docs.String}}, Unique: true},
		{Name: "at", Fields: []docs.Field{{Name: "at", Kind: docs.Time}}},
		{Name: "active_at", Fields: []docs.Field{{Name: "active", Kind: docs.Bool}, {Name: "at", Kind: docs.Time}}},
		{Name: "owner", Fields: []docs.Field{{Name: "meta.owner", Kind: docs.String}}},
		{Name: "done", Fields: []docs.Field{{Name: "done", Kind: docs.Time}}},
	}},
	{Name: "courses", Indexes: []docs.Index{
		{Name: "slug", Fields: []docs.Field{{Name: "slug", Kind: docs.String}}, Unique: true},
	}},
}

// Run runs the suite. open must return a store with an empty database for
// every call, and close it when the test ends.
func Run(t *testing.T, open func(t *testing.T, schemas []docs.Schema) docs.Store) {
	t.Run("CRUD", func(t *testing.T) { testCRUD(t, open(t, Schemas)) })
	t.Run("ConcurrentUpdate", func(t *testing.T) { testConcurrentUpdate(t, open(t, Schemas)) })
	t.Run("Unique", func(t *testing.T) { testUnique(t, open(t, Schemas)) })
	t.Run("InsertMany", func(t *testing.T) { testInsertMany(t, open(t, Schemas)) })
	t.Run("BadDocuments", func(t *testing.T) { testBadDocuments(t, open(t, Schemas)) })
	t.Run("Queries", func(t *testing.T) { testQueries(t, open(t, Schemas)) })
	t.Run("NullSort", func(t *testing.T) { testNullSort(t, open(t, Schemas)) })
	t.Run("Refused", func(t *testing.T) { testRefused(t, open(t, Schemas)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t, Schemas)) })
	t.Run("Restore", func(t *testing.T) { testRestore(t, open(t, Schemas), open(t, Schemas)) })
	t.Run("UnknownCollection", func(t *testing.T) {
		s := open(t, Schemas)
		defer func() {
			if recover() == nil {
				t.Error("C on an undeclared collection did not panic")
			}
		}()
		s.C("nope")
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testCRUD(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	must(t, "ping", s.Ping(ctx))
	at := time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	in := Item{Name: "one", Group: "g", N: 7, At: at, Active: true, Code: "c1", Meta: Meta{Owner: "o"}}
	must(t, "insert", c.Insert(ctx, "1", in))

	var got Item
	v, err := c.Get(ctx, "1", &got)
	must(t, "get", err)
	if v != 1 {
		t.Errorf("version after insert = %d, want 1", v)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("get = %+v, want %+v", got, in)
	}

	wantErr(t, "insert same id", c.Insert(ctx, "1", Item{Code: "other"}), docs.ErrDuplicate)
	_, err = c.Get(ctx, "missing", &got)
	wantErr(t, "get missing", err, docs.ErrNotFound)

	in.Name, in.N = "one-b", 8
	v, err = c.Replace(ctx, "1", 1, in)
	must(t, "replace", err)
	if v != 2 {
		t.Errorf("version after replace = %d, want 2", v)
	}
	got = Item{}
	v, err = c.Get(ctx, "1", &got)
	must(t, "get after replace", err)
	if v != 2 || got.Name != "one-b" || got.N != 8 {
		t.Errorf("after replace: version %d, %+v", v, got)
	}

	_, err = c.Replace(ctx, "1", 1, Item{Name: "stale", Code: "c1"})
	wantErr(t, "stale replace", err, docs.ErrConflict)
	_, err = c.Replace(ctx, "1", 3, Item{Name: "future", Code: "c1"})
	wantErr(t, "replace with a version from the future", err, docs.ErrConflict)
	_, err = c.Replace(ctx, "missing", 1, Item{Code: "cm"})
	wantErr(t, "replace missing", err, docs.ErrNotFound)
	got = Item{}
	if v, _ := c.Get(ctx, "1", &got); v != 2 || got.Name != "one-b" {
		t.Errorf("a refused replace changed the document: version %d, %+v", v, got)
	}

	// A pointer is stored the same as the value.
	in.Name = "by-pointer"
	v, err = c.Replace(ctx, "1", 2, &in)
	must(t, "replace with pointer", err)
	if v != 3 {
		t.Errorf("version after second replace = %d, want 3", v)
	}

	must(t, "delete", c.Delete(ctx, "1"))
	_, err = c.Get(ctx, "1", &got)
	wantErr(t, "get deleted", err, docs.ErrNotFound)
	wantErr(t, "delete again", c.Delete(ctx, "1"), docs.ErrNotFound)
	if n, err := c.Count(ctx, docs.Query{}); err != nil || n != 0 {
		t.Errorf("count after delete = %d, %v; want 0", n, err)
	}

	must(t, "insert after delete", c.Insert(ctx, "1", in))
	if v, err := c.Get(ctx, "1", &got); err != nil || v != 1 {
		t.Errorf("re-inserted document: version %d, %v; want 1", v, err)
	}

	// Ids are opaque strings, slashes included (enrollments are user/course).
	must(t, "insert slash id", c.Insert(ctx, "u1/course-a", Item{Code: "c-slash"}))
	if _, err := c.Get(ctx, "u1/course-a", &got); err != nil {
		t.Errorf("get slash id: %v", err)
	}

	// Collections are separate namespaces.
	var cs Course
	_, err = s.C("courses").Get(ctx, "1", &cs)
	wantErr(t, "get id of another collection", err, docs.ErrNotFound)
}

func testConcurrentUpdate(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	must(t, "insert", c.Insert(ctx, "counter", Item{Code: "counter"}))
	const writers, each = 16, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := docs.Update(ctx, c, "counter", func(it *Item) error {
					it.Counter++
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("update: %v", err)
	}
	var got Item
	v, err := c.Get(ctx, "counter", &got)
	must(t, "get", err)
	if got.Counter != writers*each {
		t.Errorf("counter = %d, want %d: an update was lost", got.Counter, writers*each)
	}
	if v != 1+writers*each {
		t.Errorf("version = %d, want %d", v, 1+writers*each)
	}

	// An error from fn writes nothing.
	boom := errors.New("boom")
	_, err = docs.Update(ctx, c, "counter", func(it *Item) error { it.Counter = -1; return boom })
	wantErr(t, "update with failing fn", err, boom)
	if v2, _ := c.Get(ctx, "counter", &got); v2 != v || got.Counter != writers*each {
		t.Errorf("failed update wrote: version %d, counter %d", v2, got.Counter)
	}
	_, err = docs.Update(ctx, c, "missing", func(it *Item) error { return nil })
	wantErr(t, "update missing", err, docs.ErrNotFound)
}

func testUnique(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	must(t, "insert a", c.Insert(ctx, "a", Item{Code: "A"}))
	must(t, "insert b", c.Insert(ctx, "b", Item{Code: "B"}))
	wantErr(t, "insert taken code", c.Insert(ctx, "c", Item{Code: "A"}), docs.ErrDuplicate)
	var it Item
	_, err := c.Get(ctx, "c", &it)
	wantErr(t, "get refused insert", err, docs.ErrNotFound)

	_, err = c.Replace(ctx, "b", 1, Item{Code: "A", Name: "taken"})
	wantErr(t, "replace to a taken code", err, docs.ErrDuplicate)
	v, err := c.Get(ctx, "b", &it)
	must(t, "get b", err)
	if v != 1 || it.Code != "B" || it.Name != "" {
		t.Errorf("refused replace changed b: version %d, %+v", v, it)
	}
	// Keeping one's own value is not a duplicate.
	if _, err := c.Replace(ctx, "b", 1, Item{Code: "B", Name: "same code"}); err != nil {
		t.Errorf("replace keeping own unique value: %v", err)
	}
	// A deleted document frees its value.
	must(t, "delete a", c.Delete(ctx, "a"))
	if err := c.Insert(ctx, "c", Item{Code: "A"}); err != nil {
		t.Errorf("insert freed code: %v", err)
	}
	// Unique values are case-sensitive exact strings.
	if err := c.Insert(ctx, "d", Item{Code: "a"}); err != nil {
		t.Errorf("insert code differing in case: %v", err)
	}
}

// testInsertMany: each document stands or falls alone, as with Insert;
// a taken id or unique value (also one taken earlier in the same call)
// is ErrDuplicate for that document only.
func testInsertMany(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	must(t, "insert a", c.Insert(ctx, "a", Item{Code: "A", Name: "first"}))
	type bad struct {
		N string `bson:"n"`
	}
	errs, err := c.InsertMany(ctx, []docs.Insertion{
		{ID: "b", V: Item{Code: "B", Group: "g", N: 1}},
		{ID: "a", V: Item{Code: "X", Name: "again"}}, // taken id
		{ID: "c", V: Item{Code: "A"}},                // taken code
		{ID: "d", V: Item{Code: "D", Group: "g", N: 2}},
		{ID: "e", V: bad{N: "not a number"}}, // refused document
		{ID: "f", V: Item{Code: "D"}},        // code taken in this call
		{ID: "g", V: Item{Code: "G", Group: "g", N: 3}},
	})
	must(t, "insert many", err)
	if len(errs) != 7 {
		t.Fatalf("%d errors for 7 documents", len(errs))
	}
	for i, want := range []error{nil, docs.ErrDuplicate, docs.ErrDuplicate, nil, nil, docs.ErrDuplicate, nil} {
		switch {
		case i == 4:
			if errs[i] == nil {
				t.Errorf("document %d: a bad document was stored", i)
			}
		case want == nil && errs[i] != nil:
			t.Errorf("document %d: %v", i, errs[i])
		case want != nil && !errors.Is(errs[i], want):
			t.Errorf("document %d: %v, want %v", i, errs[i], want)
		}
	}
	for _, id := range []string{"b", "d", "g"} {
		var it Item
		if v, err := c.Get(ctx, id, &it); err != nil || v != 1 {
			t.Errorf("%s: version %d, %v", id, v, err)
		}
	}
	for _, id := range []string{"c", "e", "f"} {
		var it Item
		_, err := c.Get(ctx, id, &it)
		wantErr(t, "get refused "+id, err, docs.ErrNotFound)
	}
	var it Item
	if _, err := c.Get(ctx, "a", &it); err != nil || it.Name != "first" {
		t.Errorf("a after a refused insert of its id: %+v %v", it, err)
	}
	// The stored ones are found through their indexes.
	p, err := c.Find(ctx, docs.Query{Where: []docs.Eq{{Field: "group", Value: "g"}}, Sort: "n"})
	must(t, "find group g", err)
	if len(p.Docs) != 3 || p.Docs[0].ID != "b" || p.Docs[2].ID != "g" {
		t.Errorf("found %v", p.Docs)
	}
	// Nothing to do is no error.
	if errs, err := c.InsertMany(ctx, nil); err != nil || len(errs) != 0 {
		t.Errorf("empty: %v %v", errs, err)
	}
}

func testBadDocuments(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	// An indexed field of the wrong type could never be found by a query
	// of the declared kind, so both backends refuse it.
	type wrong struct {
		Code string `bson:"code"`
		N    string `bson:"n"`
	}
	if err := c.Insert(ctx, "w", wrong{Code: "w", N: "3"}); err == nil {
		t.Error("insert with a string in an Int field succeeded")
	}
	type withID struct {
		ID   string `bson:"_id"`
		Code string `bson:"code"`
	}
	if err := c.Insert(ctx, "x", withID{ID: "y", Code: "x"}); err == nil {
		t.Error("insert with a different _id in the document succeeded")
	}
	must(t, "insert with empty _id", c.Insert(ctx, "z", withID{Code: "z"}))
	var got withID
	_, err := c.Get(ctx, "z", &got)
	must(t, "get", err)
	if got.ID != "z" {
		t.Errorf("_id field read back as %q, want the document id", got.ID)
	}
	type withV struct {
		V    int    `bson:"_v"`
		Code string `bson:"code"`
	}
	if err := c.Insert(ctx, "v", withV{V: 1, Code: "v"}); err == nil {
		t.Error("insert with the reserved _v key succeeded")
	}
	type arrayOnPath struct {
		Code string `bson:"code"`
		Meta []Meta `bson:"meta"`
	}
	if err := c.Insert(ctx, "a", arrayOnPath{Code: "a", Meta: []Meta{{Owner: "o"}}}); err == nil {
		t.Error("insert with an array on an indexed path succeeded")
	}
	type nullOnPath struct {
		Code string `bson:"code"`
		Meta *Meta  `bson:"meta"`
	}
	must(t, "insert with null on an indexed path", c.Insert(ctx, "n", nullOnPath{Code: "n"}))
	if err := c.Insert(ctx, "s", "not a document"); err == nil {
		t.Error("insert of a string succeeded")
	}
}

// fixture inserts 60 items: three groups of twenty, n repeating so sorts
// must break ties by id, times an hour apart, every other one active, four
// owners.
func fixture(t *testing.T, c docs.Collection) (map[string]Item, time.Time) {
	ctx := ctxT(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	all := map[string]Item{}
	// Inserted out of id order so no backend gets id order for free.
	for _, i := range perm(60) {
		id := fmt.Sprintf("i%02d", i)
		it := Item{
			Name:   "item " + id,
			Group:  string(rune('a' + i%3)),
			N:      (i / 3) % 10,
			At:     base.Add(time.Duration(i)*time.Hour + 123*time.Millisecond),
			Active: i%2 == 0,
			Code:   "code-" + id,
			Meta:   Meta{Owner: fmt.Sprintf("o%d", i%4)},
		}
		must(t, "insert "+id, c.Insert(ctx, id, it))
		all[id] = it
	}
	return all, base
}

// perm is a fixed shuffle of 0..n-1.
func perm(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i*37 + 11) % n
	}
	return out
}

// expect selects and orders ids the way a query must.
func expect(all map[string]Item, keep func(Item) bool, less func(a, b Item) int, desc bool) []string {
	var ids []string
	for id, it := range all {
		if keep(it) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		c := 0
		if less != nil {
			c = less(all[ids[i]], all[ids[j]])
		}
		if c == 0 {
			c = strings.Compare(ids[i], ids[j])
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	return ids
}

func byN(a, b Item) int  { return a.N - b.N }
func byAt(a, b Item) int { return a.At.Compare(b.At) }
func ids(p docs.Page) []string {
	var out []string
	for _, d := range p.Docs {
		out = append(out, d.ID)
	}
	return out
}

func checkFind(t *testing.T, c docs.Collection, name string, q docs.Query, want []string) {
	t.Helper()
	ctx := ctxT(t)
	p, err := c.Find(ctx, q)
	if err != nil {
		t.Errorf("%s: find: %v", name, err)
		return
	}
	if got := ids(p); !slices.Equal(got, want) {
		t.Errorf("%s: find = %v, want %v", name, got, want)
	}
	if q.Limit == 0 && p.Next != "" {
		t.Errorf("%s: unlimited find returned a next cursor", name)
	}
	if q.Limit > 0 {
		return
	}
	n, err := c.Count(ctx, q)
	if err != nil {
		t.Errorf("%s: count: %v", name, err)
	} else if n != int64(len(want)) {
		t.Errorf("%s: count = %d, want %d", name, n, len(want))
	}
}

// paginate walks every page of q and checks the concatenation against want,
// and that only the last page has no cursor.
func paginate(t *testing.T, c docs.Collection, name string, q docs.Query, want []string) {
	t.Helper()
	ctx := ctxT(t)
	var got []string
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page > len(want)+1 {
			t.Errorf("%s: pagination does not end", name)
			return
		}
		p, err := c.Find(ctx, q)
		if err != nil {
			t.Errorf("%s: page %d: %v", name, page, err)
			return
		}
		if len(p.Docs) > q.Limit {
			t.Errorf("%s: page %d has %d documents, limit %d", name, page, len(p.Docs), q.Limit)
		}
		if p.Next != "" && len(p.Docs) != q.Limit {
			t.Errorf("%s: short page %d (%d docs) has a next cursor", name, page, len(p.Docs))
		}
		for _, d := range p.Docs {
			if seen[d.ID] {
				t.Errorf("%s: %s returned twice", name, d.ID)
			}
			seen[d.ID] = true
			got = append(got, d.ID)
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: pages = %v, want %v", name, got, want)
	}
}

func testQueries(t *testing.T, s docs.Store) {
	c := s.C("items")
	all, base := fixture(t, c)
	every := func(Item) bool { return true }
	inGroup := func(g string) func(Item) bool { return func(it Item) bool { return it.Group == g } }

	checkFind(t, c, "all in id order", docs.Query{}, expect(all, every, nil, false))
	checkFind(t, c, "all in id order desc", docs.Query{Desc: true}, expect(all, every, nil, true))
	checkFind(t, c, "group a, id order", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}}, expect(all, inGroup("a"), nil, false))
	checkFind(t, c, "group a, sort n",
		docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n"},
		expect(all, inGroup("a"), byN, false))
	checkFind(t, c, "group a, sort n desc",
		docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n", Desc: true},
		expect(all, inGroup("a"), byN, true))
	checkFind(t, c, "group and n in any order",
		docs.Query{Where: []docs.Eq{{Field: "n", Value: 4}, {Field: "group", Value: "b"}}},
		expect(all, func(it Item) bool { return it.Group == "b" && it.N == 4 }, nil, false))
	checkFind(t, c, "sort on an equality field is id order",
		docs.Query{Where: []docs.Eq{{Field: "group", Value: "c"}}, Sort: "group", Desc: true},
		expect(all, inGroup("c"), nil, true))
	checkFind(t, c, "no match", docs.Query{Where: []docs.Eq{{Field: "group", Value: "zz"}}}, nil)
	checkFind(t, c, "sort on a first index field without conditions",
		docs.Query{Sort: "group"},
		expect(all, every, func(a, b Item) int { return strings.Compare(a.Group, b.Group) }, false))
	checkFind(t, c, "int64 value", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}, {Field: "n", Value: int64(2)}}},
		expect(all, func(it Item) bool { return it.Group == "a" && it.N == 2 }, nil, false))

	// Ranges: each bound alone, and closed on both sides.
	gb := func(f func(int) bool) func(Item) bool {
		return func(it Item) bool { return it.Group == "b" && f(it.N) }
	}
	where := []docs.Eq{{Field: "group", Value: "b"}}
	for _, r := range []struct {
		name string
		rng  docs.Range
		keep func(int) bool
	}{
		{"gt", docs.Range{Field: "n", Gt: 4}, func(n int) bool { return n > 4 }},
		{"gte", docs.Range{Field: "n", Gte: 4}, func(n int) bool { return n >= 4 }},
		{"lt", docs.Range{Field: "n", Lt: 4}, func(n int) bool { return n < 4 }},
		{"lte", docs.Range{Field: "n", Lte: 4}, func(n int) bool { return n <= 4 }},
		{"gt lt", docs.Range{Field: "n", Gt: 2, Lt: 7}, func(n int) bool { return n > 2 && n < 7 }},
		{"gte lte", docs.Range{Field: "n", Gte: 2, Lte: 7}, func(n int) bool { return n >= 2 && n <= 7 }},
		{"empty", docs.Range{Field: "n", Gt: 5, Lt: 5}, func(n int) bool { return false }},
	} {
		rng := r.rng
		checkFind(t, c, "range "+r.name+" sort n",
			docs.Query{Where: where, Range: &rng, Sort: "n"}, expect(all, gb(r.keep), byN, false))
		checkFind(t, c, "range "+r.name+" sort n desc",
			docs.Query{Where: where, Range: &rng, Sort: "n", Desc: true}, expect(all, gb(r.keep), byN, true))
		checkFind(t, c, "range "+r.name+" id order",
			docs.Query{Where: where, Range: &rng}, expect(all, gb(r.keep), nil, false))
	}

	// Limit.
	checkFind(t, c, "limit", docs.Query{Where: where, Sort: "n", Limit: 5}, expect(all, inGroup("b"), byN, false)[:5])
	p, err := c.Find(ctxT(t), docs.Query{Where: where, Limit: 20})
	must(t, "find exactly limit", err)
	if len(p.Docs) != 20 || p.Next != "" {
		t.Errorf("a page holding the last document: %d docs, next %q; want 20 and no cursor", len(p.Docs), p.Next)
	}

	// Keyset pagination over ties, both directions, with and without ranges.
	paginate(t, c, "pages by id", docs.Query{Limit: 7}, expect(all, every, nil, false))
	paginate(t, c, "pages by id desc", docs.Query{Limit: 7, Desc: true}, expect(all, every, nil, true))
	paginate(t, c, "pages group a by n", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n", Limit: 3},
		expect(all, inGroup("a"), byN, false))
	paginate(t, c, "pages group a by n desc", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n", Desc: true, Limit: 3},
		expect(all, inGroup("a"), byN, true))
	paginate(t, c, "pages group a by id", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}, Limit: 6},
		expect(all, inGroup("a"), nil, false))
	rng := docs.Range{Field: "n", Gte: 2, Lt: 8}
	paginate(t, c, "pages range by n", docs.Query{Where: where, Range: &rng, Sort: "n", Limit: 4},
		expect(all, gb(func(n int) bool { return n >= 2 && n < 8 }), byN, false))
	paginate(t, c, "pages range by n desc", docs.Query{Where: where, Range: &rng, Sort: "n", Desc: true, Limit: 4},
		expect(all, gb(func(n int) bool { return n >= 2 && n < 8 }), byN, true))
	paginate(t, c, "pages by unique code", docs.Query{Sort: "code", Limit: 9},
		expect(all, every, func(a, b Item) int { return strings.Compare(a.Code, b.Code) }, false))
	paginate(t, c, "pages by unique code desc", docs.Query{Sort: "code", Desc: true, Limit: 9},
		expect(all, every, func(a, b Item) int { return strings.Compare(a.Code, b.Code) }, true))

	// Time fields, compared at millisecond precision.
	from, to := base.Add(10*time.Hour), base.Add(40*time.Hour+123*time.Millisecond)
	inTime := func(it Item) bool { return !it.At.Before(from) && !it.At.After(to) }
	tr := docs.Range{Field: "at", Gte: from, Lte: to}
	checkFind(t, c, "time range", docs.Query{Range: &tr, Sort: "at"}, expect(all, inTime, byAt, false))
	tr2 := docs.Range{Field: "at", Gt: to}
	checkFind(t, c, "time gt an exact stored millisecond", docs.Query{Range: &tr2, Sort: "at", Desc: true},
		expect(all, func(it Item) bool { return it.At.After(to) }, byAt, true))
	local := docs.Range{Field: "at", Lt: base.Add(3 * time.Hour).In(time.FixedZone("WIB", 7*3600))}
	checkFind(t, c, "time in another zone", docs.Query{Range: &local},
		expect(all, func(it Item) bool { return it.At.Before(base.Add(3 * time.Hour)) }, nil, false))
	paginate(t, c, "pages by time desc", docs.Query{Range: &tr, Sort: "at", Desc: true, Limit: 4}, expect(all, inTime, byAt, true))
	checkFind(t, c, "time equality",
		docs.Query{Where: []docs.Eq{{Field: "at", Value: base.Add(5*time.Hour + 123*time.Millisecond)}}}, []string{"i05"})
	pt, err := c.Find(ctxT(t), docs.Query{Where: []docs.Eq{{Field: "at", Value: all["i07"].At}}})
	must(t, "find by time", err)
	if got, err := docs.Decode[Item](pt); err != nil || len(got) != 1 || !got[0].At.Equal(all["i07"].At) {
		t.Errorf("time round trip: %v, %v", got, err)
	}

	// Bool fields, alone and before a time range.
	checkFind(t, c, "active", docs.Query{Where: []docs.Eq{{Field: "active", Value: true}}},
		expect(all, func(it Item) bool { return it.Active }, nil, false))
	checkFind(t, c, "inactive", docs.Query{Where: []docs.Eq{{Field: "active", Value: false}}},
		expect(all, func(it Item) bool { return !it.Active }, nil, false))
	checkFind(t, c, "active in time range sort at desc",
		docs.Query{Where: []docs.Eq{{Field: "active", Value: true}}, Range: &tr, Sort: "at", Desc: true},
		expect(all, func(it Item) bool { return it.Active && inTime(it) }, byAt, true))
	checkFind(t, c, "sort on a bool field", docs.Query{Sort: "active"},
		expect(all, every, func(a, b Item) int { return boolInt(a.Active) - boolInt(b.Active) }, false))

	// A nested field by dotted path.
	checkFind(t, c, "nested owner", docs.Query{Where: []docs.Eq{{Field: "meta.owner", Value: "o1"}}},
		expect(all, func(it Item) bool { return it.Meta.Owner == "o1" }, nil, false))
	checkFind(t, c, "nested owner sorted desc", docs.Query{Sort: "meta.owner", Desc: true},
		expect(all, every, func(a, b Item) int { return strings.Compare(a.Meta.Owner, b.Meta.Owner) }, true))

	// Replace moves a document in its indexes.
	ctx := ctxT(t)
	moved := all["i00"]
	moved.Group, moved.N = "b", 99
	_, err = c.Replace(ctx, "i00", 1, moved)
	must(t, "replace i00", err)
	all["i00"] = moved
	checkFind(t, c, "after replace: group a", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}},
		expect(all, inGroup("a"), nil, false))
	checkFind(t, c, "after replace: n 99", docs.Query{Where: []docs.Eq{{Field: "group", Value: "b"}, {Field: "n", Value: 99}}}, []string{"i00"})
	must(t, "delete i03", c.Delete(ctx, "i03"))
	delete(all, "i03")
	checkFind(t, c, "after delete", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}}, Sort: "n"},
		expect(all, inGroup("a"), byN, false))

	// Pages stay exact while documents change between them.
	q := docs.Query{Where: []docs.Eq{{Field: "group", Value: "c"}}, Sort: "n", Limit: 5}
	first, err := c.Find(ctx, q)
	must(t, "first page", err)
	last := first.Docs[len(first.Docs)-1].ID
	must(t, "delete last of page", c.Delete(ctx, last))
	delete(all, last)
	q.After = first.Next
	rest := expect(all, inGroup("c"), byN, false)[4:]
	paginate(t, c, "pages after deleting the cursor document", q, rest)

	// FindAll decodes.
	items, next, err := docs.FindAll[Item](ctx, c, docs.Query{Where: []docs.Eq{{Field: "meta.owner", Value: "o2"}}, Limit: 2})
	must(t, "find all", err)
	if len(items) != 2 || next == "" || items[0].Meta.Owner != "o2" || items[0].Name == "" {
		t.Errorf("FindAll = %+v, next %q", items, next)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// testNullSort covers documents without a value in the sort field: they
// sort first ascending and last descending, and pages over them are exact.
func testNullSort(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	all := map[string]Item{}
	for _, i := range perm(13) {
		id := fmt.Sprintf("d%02d", i)
		it := Item{Code: id}
		if i%3 != 0 {
			d := base.Add(time.Duration(i%5) * time.Minute)
			it.Done = &d
		}
		must(t, "insert", c.Insert(ctx, id, it))
		all[id] = it
	}
	byDone := func(a, b Item) int {
		switch {
		case a.Done == nil && b.Done == nil:
			return 0
		case a.Done == nil:
			return -1
		case b.Done == nil:
			return 1
		}
		return a.Done.Compare(*b.Done)
	}
	every := func(Item) bool { return true }
	checkFind(t, c, "nulls first", docs.Query{Sort: "done"}, expect(all, every, byDone, false))
	checkFind(t, c, "nulls last desc", docs.Query{Sort: "done", Desc: true}, expect(all, every, byDone, true))
	for _, limit := range []int{1, 2, 3, 5} {
		paginate(t, c, fmt.Sprintf("pages by done, limit %d", limit), docs.Query{Sort: "done", Limit: limit}, expect(all, every, byDone, false))
		paginate(t, c, fmt.Sprintf("pages by done desc, limit %d", limit), docs.Query{Sort: "done", Desc: true, Limit: limit}, expect(all, every, byDone, true))
	}
	r := docs.Range{Field: "done", Gte: base}
	checkFind(t, c, "range skips nulls", docs.Query{Range: &r},
		expect(all, func(it Item) bool { return it.Done != nil }, nil, false))
	var got Item
	_, err := c.Get(ctx, "d00", &got)
	must(t, "get", err)
	if got.Done != nil {
		t.Errorf("nil time read back as %v", got.Done)
	}
}

func testRefused(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("items")
	must(t, "insert", c.Insert(ctx, "x", Item{Group: "a", Code: "x", Name: "x"}))
	eq := func(f string, v any) []docs.Eq { return []docs.Eq{{Field: f, Value: v}} }
	undeclared := []struct {
		name string
		q    docs.Query
	}{
		{"undeclared field", docs.Query{Where: eq("name", "x")}},
		{"second field of an index alone", docs.Query{Where: eq("n", 1)}},
		{"range on a field not after the equalities", docs.Query{Where: eq("group", "a"), Range: &docs.Range{Field: "at", Gt: time.Now()}}},
		{"range on the first field with equality on the second", docs.Query{Where: eq("n", 1), Range: &docs.Range{Field: "group", Gt: "a"}}},
		{"sort on a field of another index", docs.Query{Where: eq("group", "a"), Sort: "at"}},
		{"sort on an undeclared field", docs.Query{Sort: "name"}},
		{"sort skipping the range field", docs.Query{Where: eq("active", true), Range: &docs.Range{Field: "at", Gt: time.Now()}, Sort: "n"}},
		{"sort on the second field without the first", docs.Query{Sort: "n"}},
		{"equalities from two indexes", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}, {Field: "code", Value: "x"}}}},
		{"range on the second field alone", docs.Query{Range: &docs.Range{Field: "n", Gt: 1}}},
		{"the id field", docs.Query{Where: eq("_id", "x")}},
	}
	for _, u := range undeclared {
		_, err := c.Find(ctx, u.q)
		wantErr(t, "find: "+u.name, err, docs.ErrUndeclared)
		_, err = c.Count(ctx, u.q)
		wantErr(t, "count: "+u.name, err, docs.ErrUndeclared)
	}

	invalid := []struct {
		name string
		q    docs.Query
	}{
		{"string for an int", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}, {Field: "n", Value: "1"}}}},
		{"int for a string", docs.Query{Where: eq("group", 1)}},
		{"int for a bool", docs.Query{Where: eq("active", 1)}},
		{"string for a time", docs.Query{Range: &docs.Range{Field: "at", Gt: "2026-01-01"}}},
		{"float for an int", docs.Query{Where: []docs.Eq{{Field: "group", Value: "a"}, {Field: "n", Value: 1.0}}}},
		{"nil value", docs.Query{Where: eq("group", nil)}},
		{"range without bounds", docs.Query{Range: &docs.Range{Field: "at"}}},
		{"two lower bounds", docs.Query{Range: &docs.Range{Field: "at", Gt: time.Now(), Gte: time.Now()}}},
		{"negative limit", docs.Query{Limit: -1}},
		{"garbage cursor", docs.Query{After: "!!not a cursor"}},
	}
	for _, u := range invalid {
		_, err := c.Find(ctx, u.q)
		wantErr(t, "find: "+u.name, err, docs.ErrInvalidQuery)
		if errors.Is(err, docs.ErrUndeclared) {
			t.Errorf("find: %s: a declared but malformed query reported as undeclared", u.name)
		}
	}

	// A cursor only continues the query it came from.
	must(t, "insert", c.Insert(ctx, "y", Item{Group: "a", Code: "y"}))
	p, err := c.Find(ctx, docs.Query{Where: eq("group", "a"), Sort: "n", Limit: 1})
	must(t, "find", err)
	if p.Next == "" {
		t.Fatal("no cursor after a full page")
	}
	_, err = c.Find(ctx, docs.Query{Where: eq("group", "a"), Limit: 1, After: p.Next})
	wantErr(t, "cursor of another sort", err, docs.ErrInvalidQuery)
	_, err = c.Find(ctx, docs.Query{Where: eq("group", "a"), Sort: "n", Desc: true, Limit: 1, After: p.Next})
	wantErr(t, "cursor of another direction", err, docs.ErrInvalidQuery)
}

// Course is shaped like the real courses collection: nested slices of
// structs, maps, times and pointers.
type Course struct {
	Slug     string            `bson:"slug"`
	Title    string            `bson:"title"`
	JP       int               `bson:"jp"`
	Owners   []string          `bson:"owners"`
	Labels   map[string]string `bson:"labels"`
	Modules  []Module          `bson:"modules"`
	Updated  time.Time         `bson:"updated"`
	Archived *time.Time        `bson:"archived,omitempty"`
	Score    float64           `bson:"score"`
	Raw      []byte            `bson:"raw"`
	Progress map[string]int64  `bson:"progress"`
}

type Module struct {
	Title   string   `bson:"title"`
	Lessons []Lesson `bson:"lessons"`
}

type Lesson struct {
	ID       string         `bson:"id"`
	Kind     string         `bson:"kind"`
	Order    int            `bson:"order"`
	Duration time.Duration  `bson:"duration"`
	Seen     []Interval     `bson:"seen"`
	Extra    map[string]any `bson:"extra,omitempty"`
}

type Interval struct {
	From, To float64
}

func testRoundTrip(t *testing.T, s docs.Store) {
	ctx := ctxT(t)
	c := s.C("courses")
	arch := time.Date(2026, 2, 3, 4, 5, 6, 7_000_000, time.UTC)
	in := Course{
		Slug:   "keuangan-daerah",
		Title:  "Pengelolaan Keuangan Daerah — dasar",
		JP:     12,
		Owners: []string{"198001012005011001", "198502022010012002"},
		Labels: map[string]string{"kompetensi": "Teknis", "level": "dasar"},
		Modules: []Module{
			{Title: "Pengantar", Lessons: []Lesson{
				{ID: "l1", Kind: "text", Order: 1},
				{ID: "l2", Kind: "video", Order: 2, Duration: 95 * time.Second, Seen: []Interval{{0, 12.5}, {30, 61.25}}},
			}},
			{Title: "Kuis", Lessons: []Lesson{{ID: "l3", Kind: "quiz", Order: 1, Extra: map[string]any{"pass": int32(70)}}}},
			{Title: "Kosong", Lessons: []Lesson{}},
		},
		Updated:  time.Date(2026, 1, 31, 23, 59, 59, 999_000_000, time.UTC),
		Archived: &arch,
		Score:    4.75,
		Raw:      []byte{0, 1, 2, 255},
		Progress: map[string]int64{"l1": 1, "l2": 1 << 40},
	}
	must(t, "insert", c.Insert(ctx, "c1", in))
	var got Course
	_, err := c.Get(ctx, "c1", &got)
	must(t, "get", err)
	if !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}
	cs, _, err := docs.FindAll[Course](ctx, c, docs.Query{Where: []docs.Eq{{Field: "slug", Value: "keuangan-daerah"}}})
	must(t, "find", err)
	if len(cs) != 1 || !reflect.DeepEqual(cs[0], in) {
		t.Errorf("round trip through Find: %+v", cs)
	}
	// Sub-millisecond time is cut to milliseconds, as BSON stores it.
	in.Updated = time.Date(2026, 1, 1, 0, 0, 0, 1_500_000, time.UTC)
	_, err = c.Replace(ctx, "c1", 1, in)
	must(t, "replace", err)
	_, err = c.Get(ctx, "c1", &got)
	must(t, "get", err)
	if want := time.Date(2026, 1, 1, 0, 0, 0, 1_000_000, time.UTC); !got.Updated.Equal(want) {
		t.Errorf("updated = %v, want %v", got.Updated, want)
	}
}

// testRestore copies a collection page by page from one store into another,
// as kompeten migrate does, and checks that the copy keeps ids, versions,
// bytes and index entries, and that a repeated copy is refused.
func testRestore(t *testing.T, from, to docs.Store) {
	ctx := ctxT(t)
	src, dst := from.C("items"), to.C("items")
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := range 7 {
		it := Item{Name: fmt.Sprintf("n%d", i), Group: "g", N: i, At: at.Add(time.Duration(i) * time.Hour),
			Active: i%2 == 0, Code: fmt.Sprintf("c%d", i), Meta: Meta{Owner: "o"}}
		must(t, "insert", src.Insert(ctx, fmt.Sprintf("id%d", i), it))
		// Later documents have been written more often, so versions differ.
		for v := range i {
			it.Counter++
			_, err := src.Replace(ctx, fmt.Sprintf("id%d", i), int64(v+1), it)
			must(t, "replace", err)
		}
	}
	var copied []docs.Doc
	for after := ""; ; {
		p, err := src.Find(ctx, docs.Query{Limit: 3, After: after})
		must(t, "find", err)
		for _, d := range p.Docs {
			must(t, "restore "+d.ID, dst.Restore(ctx, d))
			copied = append(copied, d)
		}
		if after = p.Next; after == "" {
			break
		}
	}
	if len(copied) != 7 {
		t.Fatalf("copied %d documents, want 7", len(copied))
	}
	got, err := dst.Find(ctx, docs.Query{})
	must(t, "find copy", err)
	if len(got.Docs) != len(copied) {
		t.Fatalf("copy has %d documents, want %d", len(got.Docs), len(copied))
	}
	for i, d := range got.Docs {
		w := copied[i]
		if d.ID != w.ID || d.Version != w.Version || string(d.BSON) != string(w.BSON) {
			t.Errorf("copy %d = %s v%d %x, want %s v%d %x", i, d.ID, d.Version, d.BSON, w.ID, w.Version, w.BSON)
		}
	}
	// The index entries were written too.
	checkFind(t, dst, "restored by code", docs.Query{Where: []docs.Eq{{Field: "code", Value: "c4"}}}, []string{"id4"})
	checkFind(t, dst, "restored by group", docs.Query{Where: []docs.Eq{{Field: "group", Value: "g"}}, Sort: "n", Desc: true, Limit: 2},
		[]string{"id6", "id5"})
	// Version-guarded writes carry on from the copied version.
	var it Item
	v, err := dst.Get(ctx, "id5", &it)
	must(t, "get", err)
	if v != 6 || it.Counter != 5 {
		t.Errorf("restored id5 at version %d counter %d, want 6 and 5", v, it.Counter)
	}
	_, err = dst.Replace(ctx, "id5", 1, it)
	wantErr(t, "replace at a stale version", err, docs.ErrConflict)
	nv, err := dst.Replace(ctx, "id5", 6, it)
	must(t, "replace restored", err)
	if nv != 7 {
		t.Errorf("replace after restore gave version %d, want 7", nv)
	}

	wantErr(t, "restore twice", dst.Restore(ctx, copied[0]), docs.ErrDuplicate)
	clash, err := docs.Encode("other", Item{Code: "c1"})
	must(t, "encode", err)
	wantErr(t, "restore a taken unique value", dst.Restore(ctx, docs.Doc{ID: "other", Version: 1, BSON: clash}), docs.ErrDuplicate)
	if err := dst.Restore(ctx, docs.Doc{ID: "zero", Version: 0, BSON: mustEncode(t, "zero", Item{Code: "z0"})}); err == nil {
		t.Error("restore at version 0 succeeded")
	}
	if err := dst.Restore(ctx, docs.Doc{ID: "named", Version: 1, BSON: mustEncode(t, "else", Item{Code: "z1"})}); err == nil {
		t.Error("restore of a document whose _id differs from its id succeeded")
	}
	if err := dst.Restore(ctx, docs.Doc{ID: "bad", Version: 1, BSON: []byte{1, 2, 3}}); err == nil {
		t.Error("restore of bytes that are not BSON succeeded")
	}
	n, err := dst.Count(ctx, docs.Query{})
	must(t, "count", err)
	if n != 7 {
		t.Errorf("count after refused restores = %d, want 7", n)
	}
}

func mustEncode(t *testing.T, id string, v any) []byte {
	t.Helper()
	raw, err := docs.Encode(id, v)
	must(t, "encode", err)
	return raw
}
