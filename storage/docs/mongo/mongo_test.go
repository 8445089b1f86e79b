package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/docstest"
	"github.com/kotalama/kompeten/storage/docs/mongo"
)

// ferret is one embedded FerretDB for the whole package; every store gets
// its own database in it.
var ferret = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kompeten-ferretdb-")
	if err != nil {
		return "", err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return "", err
	}
	go f.Run(context.Background())
	return f.MongoDBURI(), nil
})

var dbSeq atomic.Int64

// withDatabase returns uri naming a database no other run has used, so
// runs against a shared server never see each other's documents.
func withDatabase(tb testing.TB, uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = fmt.Sprintf("/kt_%d_%d", time.Now().UnixNano()%1e12, dbSeq.Add(1))
	return u.String()
}

func opener(uri func(testing.TB) string) func(tb testing.TB, schemas []docs.Schema) docs.Store {
	return func(tb testing.TB, schemas []docs.Schema) docs.Store {
		tb.Helper()
		u := withDatabase(tb, uri(tb))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := mongo.Open(ctx, u, schemas)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			s.Close()
			dropDatabase(tb, u)
		})
		return s
	}
}

func dropDatabase(tb testing.TB, uri string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, _ := url.Parse(uri)
	c, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Logf("drop %s: %v", u.Path, err)
		return
	}
	defer c.Disconnect(ctx)
	if err := c.Database(u.Path[1:]).Drop(ctx); err != nil {
		tb.Logf("drop %s: %v", u.Path, err)
	}
}

func ferretURI(tb testing.TB) string {
	uri, err := ferret()
	if err != nil {
		tb.Fatalf("start FerretDB: %v", err)
	}
	return uri
}

func realURI(tb testing.TB) string {
	uri := os.Getenv("KOMPETEN_TEST_MONGODB_URI")
	if uri == "" {
		tb.Skip("KOMPETEN_TEST_MONGODB_URI is not set")
	}
	return uri
}

func TestConformance(t *testing.T) {
	for _, backend := range []struct {
		name string
		uri  func(testing.TB) string
	}{{"FerretDB", ferretURI}, {"MongoDB", realURI}} {
		t.Run(backend.name, func(t *testing.T) {
			backend.uri(t) // skip before any subtest when absent
			open := opener(backend.uri)
			docstest.Run(t, func(t *testing.T, schemas []docs.Schema) docs.Store { return open(t, schemas) })
		})
	}
}

// BenchmarkFerretDB is opt-in: FerretDB 1.24 reads the whole collection
// for every query (about 2 s per FindOnIndex at 10,000 documents on a
// loaded 2-core machine), so -benchtime 2000x would run for hours and trip
// the test timeout. Run it with KOMPETEN_BENCH_FERRETDB=1 -benchtime 20x.
func BenchmarkFerretDB(b *testing.B) {
	if os.Getenv("KOMPETEN_BENCH_FERRETDB") == "" {
		b.Skip("set KOMPETEN_BENCH_FERRETDB=1 (and a small -benchtime) to measure FerretDB")
	}
	docstest.Bench(b, opener(ferretURI))
}

func BenchmarkMongoDB(b *testing.B) { docstest.Bench(b, opener(realURI)) }

// The declared indexes exist natively, unique where declared, and opening
// again (also with a changed index) works on an existing database.
func TestIndexes(t *testing.T) {
	for _, backend := range []struct {
		name string
		uri  func(testing.TB) string
	}{{"FerretDB", ferretURI}, {"MongoDB", realURI}} {
		t.Run(backend.name, func(t *testing.T) {
			ctx := context.Background()
			uri := withDatabase(t, backend.uri(t))
			t.Cleanup(func() { dropDatabase(t, uri) })
			s, err := mongo.Open(ctx, uri, docstest.Schemas)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.C("items").Insert(ctx, "1", docstest.Item{Code: "a", Group: "g"}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			before := map[string]string{}
			for _, sp := range listIndexes(t, uri, "items") {
				before[sp.Name] = fmt.Sprintf("%v unique=%v", sp.Key, sp.Unique)
			}

			changed := []docs.Schema{{Name: "items", Indexes: []docs.Index{
				{Name: "group_n", Fields: []docs.Field{{Name: "group", Kind: docs.String}}},
				{Name: "code", Fields: []docs.Field{{Name: "code", Kind: docs.String}}, Unique: true},
			}}}
			s, err = mongo.Open(ctx, uri, changed)
			if err != nil {
				t.Fatalf("reopen with a changed index: %v", err)
			}
			defer s.Close()

			got := map[string]string{}
			for _, sp := range listIndexes(t, uri, "items") {
				got[sp.Name] = fmt.Sprintf("%v unique=%v", sp.Key, sp.Unique)
			}
			// The unchanged code keeps its index and name; the changed
			// group_n is a new index under a new name, its old one gone;
			// the indexes no longer declared are left alone.
			for name, was := range before {
				switch {
				case strings.HasPrefix(name, "group_n_"):
					if _, ok := got[name]; ok {
						t.Errorf("replaced index %s still there", name)
					}
				case got[name] != was:
					t.Errorf("index %s = %q, was %q", name, got[name], was)
				}
			}
			var groupN []string
			for name, def := range got {
				if strings.HasPrefix(name, "group_n_") {
					groupN = append(groupN, def)
				}
			}
			if want := fmt.Sprintf("%v unique=false", bson.D{{Key: "group", Value: int32(1)}, {Key: "_id", Value: int32(1)}}); len(groupN) != 1 || groupN[0] != want {
				t.Errorf("group_n indexes %v, want one %s", groupN, want)
			}
			if want := fmt.Sprintf("%v unique=true", bson.D{{Key: "code", Value: int32(1)}}); !slices.Contains(slices.Collect(maps.Values(got)), want) {
				t.Errorf("no %s among %v", want, got)
			}
			if err := s.C("items").Insert(ctx, "2", docstest.Item{Code: "a"}); !errors.Is(err, docs.ErrDuplicate) {
				t.Errorf("unique index after reopen: got %v, want ErrDuplicate", err)
			}
		})
	}
}

type indexSpec struct {
	Name   string `bson:"name"`
	Key    bson.D `bson:"key"`
	Unique bool   `bson:"unique"`
}

func listIndexes(t *testing.T, uri, coll string) []indexSpec {
	t.Helper()
	ctx := context.Background()
	u, _ := url.Parse(uri)
	c, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	cur, err := c.Database(u.Path[1:]).Collection(coll).Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []indexSpec
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	return specs
}

// A rolling deploy changes a unique index's definition while instances of
// the old version keep writing: the new index is built under a new name
// before the old one is dropped, so a duplicate is refused at every step,
// also by the old instance's store, and two instances starting at once
// both succeed.
func TestIndexChangeKeepsUniqueEnforced(t *testing.T) {
	for _, backend := range []struct {
		name string
		uri  func(testing.TB) string
	}{{"FerretDB", ferretURI}, {"MongoDB", realURI}} {
		t.Run(backend.name, func(t *testing.T) {
			ctx := context.Background()
			uri := withDatabase(t, backend.uri(t))
			t.Cleanup(func() { dropDatabase(t, uri) })
			v1 := []docs.Schema{{Name: "items", Indexes: []docs.Index{
				{Name: "code", Fields: []docs.Field{{Name: "code", Kind: docs.String}}, Unique: true},
				{Name: "group_n", Fields: []docs.Field{{Name: "group", Kind: docs.String}, {Name: "n", Kind: docs.Int}}},
			}}}
			// The unique index widens to (code, group); a duplicate of
			// the first item breaks both definitions.
			v2 := []docs.Schema{{Name: "items", Indexes: []docs.Index{
				{Name: "code", Fields: []docs.Field{{Name: "code", Kind: docs.String}, {Name: "group", Kind: docs.String}}, Unique: true},
				{Name: "group_n", Fields: []docs.Field{{Name: "group", Kind: docs.String}}},
			}}}
			old, err := mongo.Open(ctx, uri, v1)
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			items := old.C("items")
			if err := items.Insert(ctx, "first", docstest.Item{Code: "a", Group: "g"}); err != nil {
				t.Fatal(err)
			}
			var seq atomic.Int64
			dup := func(step string) {
				id := fmt.Sprintf("dup-%d", seq.Add(1))
				if err := items.Insert(ctx, id, docstest.Item{Code: "a", Group: "g"}); !errors.Is(err, docs.ErrDuplicate) {
					t.Errorf("%s: duplicate insert = %v, want ErrDuplicate", step, err)
				}
			}

			var hooks atomic.Int64
			restore := mongo.SetBeforeDrop(func(coll string) {
				hooks.Add(1)
				dup("new index built, old not yet dropped")
			})
			defer restore()

			// A writer of the old version keeps trying duplicates while
			// two new instances start at once.
			stop := make(chan struct{})
			writer := make(chan struct{})
			go func() {
				defer close(writer)
				for {
					select {
					case <-stop:
						return
					default:
						dup("during concurrent starts")
					}
				}
			}()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for n := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := mongo.Open(ctx, uri, v2)
					if err == nil {
						s.Close()
					}
					errs[n] = err
				}()
			}
			wg.Wait()
			close(stop)
			<-writer
			for n, err := range errs {
				if err != nil {
					t.Errorf("concurrent start %d: %v", n, err)
				}
			}
			if hooks.Load() == 0 {
				t.Error("the step between building and dropping never ran")
			}
			dup("after the starts")

			specs := listIndexes(t, uri, "items")
			var uniques []string
			for _, sp := range specs {
				if sp.Name == "code" || sp.Name == "group_n" {
					t.Errorf("replaced index %s still there: %v", sp.Name, sp.Key)
				}
				if sp.Unique {
					uniques = append(uniques, fmt.Sprintf("%s %v", sp.Name, sp.Key))
				}
			}
			if len(uniques) != 1 || !strings.HasPrefix(uniques[0], "code_") ||
				!strings.HasSuffix(uniques[0], fmt.Sprint(bson.D{{Key: "code", Value: int32(1)}, {Key: "group", Value: int32(1)}})) {
				t.Errorf("unique indexes %v, want the one on (code, group)", uniques)
			}
			// The old constraint is gone: the same code in another group
			// is allowed now.
			if err := items.Insert(ctx, "other-group", docstest.Item{Code: "a", Group: "h"}); err != nil {
				t.Errorf("insert allowed by the new definition: %v", err)
			}

			// Starting again with the same definition changes nothing.
			restore()
			s, err := mongo.Open(ctx, uri, v2)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if again := listIndexes(t, uri, "items"); fmt.Sprint(again) != fmt.Sprint(specs) {
				t.Errorf("a second start changed the indexes:\n%v\n%v", specs, again)
			}
		})
	}
}
