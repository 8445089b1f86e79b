package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/search/searchtest"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// A library of 10,000 lessons of about 300 words each (searchtest.Library:
// Indonesian-like words with a Zipf law, the relevance set's words common
// among them), indexed by the running server's outbox worker, then
// searched through the API at 1 and 32 concurrent clients with the
// library's 400 queries: whole words, typos, prefixes (search as you
// type) and two-word queries.
const (
	searchCourses = 500
	searchLessons = 20 // per course: 10,000 in all
	searchWords   = 300
)

func BenchmarkSearch(b *testing.B) {
	srv := startServer(b, "search")
	defer srv.stop()
	hc := newClient(64)
	defer hc.CloseIdleConnections()
	learner := token(b, hc, srv.Base, learnerNIP)

	// The library, written beside the running server through the domain
	// service, as any trainer's edits would be; the server's outbox worker
	// indexes it.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		b.Fatal(err)
	}
	trainer, err := svc.User(ctx, trainerNIP)
	if err != nil {
		b.Fatal(err)
	}
	lib, queries := searchtest.Library(2026, searchCourses, searchLessons, searchWords)
	start := time.Now()
	for i, course := range lib {
		title, summary, cat, jp := course.Title, course.Summary, content.Categories[i%3], 2
		c, err := svc.CreateCourse(ctx, trainer, content.CourseInput{Title: &title, Summary: &summary, Category: &cat, JP: &jp})
		if err != nil {
			b.Fatal(err)
		}
		m, err := svc.AddModule(ctx, trainer, c.ID, content.ModuleInput{Title: "Modul"})
		if err != nil {
			b.Fatal(err)
		}
		for _, lesson := range course.Lessons {
			lt, kind, body := lesson.Title, content.KindText, lesson.Body
			if _, err := svc.AddLesson(ctx, trainer, c.ID, m.ID, content.LessonInput{Title: &lt, Kind: &kind, Body: &body}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := svc.SetStatus(ctx, trainer, c.ID, content.StatusPublished); err != nil {
			b.Fatal(err)
		}
	}
	seeded := time.Since(start)
	store.Close()
	// Indexed when the outbox is empty (readyz reports what waits).
	for deadline := time.Now().Add(20 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
		m := call(b, hc, "GET", srv.Base+"/readyz", "", nil, 200)
		if m["search_pending"] == float64(0) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("index not built in 20 minutes: %v", m)
		}
	}
	built := time.Since(start)
	// The embedded index merges its segments once writes have paused for
	// 10 s (search/bleve compaction); searches are measured after that,
	// as they would be on any library that is not being bulk-loaded.
	time.Sleep(20 * time.Second)
	// A parent with sub-benchmarks prints nothing of its own: report the
	// build as a sub-benchmark.
	b.Run("build", func(b *testing.B) {
		b.ReportMetric(seeded.Seconds(), "write_s")
		b.ReportMetric(built.Seconds(), "write_and_index_s")
		b.Logf("10,000 lessons written in %v; indexed (outbox empty) %v after the first write", seeded.Round(time.Second), built.Round(time.Second))
	})

	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			total := 300 * clients
			if clients > 1 {
				total = 10000
			}
			do := func(ctx context.Context, i int) (int64, error) {
				q := queries[i%len(queries)]
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.Base+"/api/v1/search?q="+url.QueryEscape(q), nil)
				req.Header.Set("Authorization", "Bearer "+learner)
				return fetch(hc, req)
			}
			runLoad(clients, 50, time.Minute, do) // warm-up
			r := runLoad(clients, total, 5*time.Minute, do)
			b.ReportMetric(r.pct(50), "p50_ms")
			b.ReportMetric(r.pct(95), "p95_ms")
			b.ReportMetric(r.pct(99), "p99_ms")
			b.ReportMetric(r.rps(), "req/s")
			b.ReportMetric(float64(r.errs), "errors")
			b.Logf("%d clients: %d searches, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %.0f req/s, %d errors",
				clients, len(r.lat), r.pct(50), r.pct(95), r.pct(99), r.rps(), r.errs)
		})
	}
}
