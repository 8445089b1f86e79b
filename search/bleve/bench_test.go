package bleve

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/searchtest"
)

// The benchmark library: 10,000 lessons of about 300 words each, built
// once per test binary (building takes a while) and removed by TestMain.
const (
	benchLessons = 10_000
	benchWords   = 300
)

var bench struct {
	once    sync.Once
	dir     string
	idx     *Index
	build   time.Duration
	queries []string
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.idx != nil {
		_ = bench.idx.Close()
	}
	if bench.dir != "" {
		_ = os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchSetup(b *testing.B) {
	bench.once.Do(func() {
		lib, queries := searchtest.Library(2026, benchLessons/10, 10, benchWords)
		bench.queries = queries
		cats := []string{"Teknis", "Manajerial", "Sosial Kultural"}
		var docs []search.Doc
		for c, course := range lib {
			cid := fmt.Sprintf("b%04d", c)
			for l, lesson := range course.Lessons {
				docs = append(docs, search.Doc{
					ID: fmt.Sprintf("%s_l%02d", cid, l), Type: search.TypeLesson, CourseID: cid, LessonID: fmt.Sprintf("l%02d", l),
					Title: course.Title, Summary: course.Summary, LessonTitle: lesson.Title, Body: lesson.Body,
					Category: cats[c%3], Level: "dasar", Owners: []string{"tr"}, Status: "published",
				})
			}
		}

		bench.dir, bench.err = os.MkdirTemp("", "kompeten-bleve-bench-")
		if bench.err != nil {
			return
		}
		bench.idx, bench.err = Open(bench.dir)
		if bench.err != nil {
			return
		}
		start := time.Now()
		for i := 0; i < len(docs); i += 500 {
			if bench.err = bench.idx.Upsert(context.Background(), docs[i:min(i+500, len(docs))]...); bench.err != nil {
				return
			}
		}
		settle(bench.idx)
		// What the pause after a bulk load would start (compactAfter).
		bench.idx.compact()
		settle(bench.idx)
		bench.build = time.Since(start)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

// BenchmarkIndexBuild reports how long indexing the library took.
func BenchmarkIndexBuild(b *testing.B) {
	benchSetup(b)
	for b.Loop() {
	}
	b.ReportMetric(bench.build.Seconds(), "build_s")
	b.ReportMetric(float64(benchLessons)/bench.build.Seconds(), "docs/s")
}

// BenchmarkSearch runs the query mix with 1 and 32 concurrent clients and
// reports latency percentiles. Run it with a fixed count to get stable
// percentiles: go test -bench Search -benchtime 2000x ./search/bleve
func BenchmarkSearch(b *testing.B) {
	benchSetup(b)
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			ctx := context.Background()
			lat := make([]time.Duration, b.N)
			var next sync.Mutex
			n := 0
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						next.Lock()
						i := n
						n++
						next.Unlock()
						if i >= b.N {
							return
						}
						q := search.Query{Text: bench.queries[i%len(bench.queries)], Limit: 20}
						start := time.Now()
						if _, err := bench.idx.Search(ctx, q); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(start)
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50_ms")
			b.ReportMetric(pct(0.95), "p95_ms")
			b.ReportMetric(pct(0.99), "p99_ms")
		})
	}
}

// settle waits until Bleve has persisted and merged what was indexed, so
// the searches measure a settled index rather than background merging
// (the build time includes it: the index is not done before).
func settle(i *Index) {
	stat := func(k string) uint64 {
		m, _ := i.idx.StatsMap()["index"].(map[string]interface{})
		v, _ := m[k].(uint64)
		return v
	}
	last, same := uint64(0), 0
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && same < 10; {
		time.Sleep(100 * time.Millisecond)
		n := stat("num_root_filesegments")
		if stat("num_root_memorysegments") == 0 && n == last && stat("TotFileMergeZapBeg") == stat("TotFileMergeZapEnd") {
			same++
		} else {
			same = 0
		}
		last = n
	}
}
