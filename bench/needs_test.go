package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// skmMonthDoc is the stored shape of an SKM month aggregate
// (content/skm.go), written directly as the SKM feature keeps it.
type skmMonthDoc struct {
	Service string   `bson:"service"`
	Unit    string   `bson:"unit"`
	Month   string   `bson:"month"`
	Year    int      `bson:"year"`
	Sums    ikm.Sums `bson:"sums"`
}

// BenchmarkNeedsDashboard: the city's needs dashboard
// (`GET /api/v1/needs`) over 1,000,000 SKM responses across 300 services
// in a tree of 50 units (10 dinas × 4 bidang), kept as 3,600 month
// aggregates, with 4,000 people (an assessment each, ledger credits,
// some overdue assignments) and 20 published courses carrying
// competency tags, all written as documents beside the server. Phases:
// `http` — 8 clients for 40 s against the server as deployed (its
// results kept 30 s, so the phase spans a recomputation); `compute` —
// the same computation without any cache, 8 at once in this process on
// the server's store, which is the figure that bounds a cold page.
// KOMPETEN_BENCH_NEEDS_PEOPLE changes the people. Goal: p95 ≤ 200 ms.
func BenchmarkNeedsDashboard(b *testing.B) {
	people := envInt("KOMPETEN_BENCH_NEEDS_PEOPLE", 4000)
	const services, responses = 300, 1_000_000
	srv := startServer(b, "needs")
	defer srv.stop()
	ctx := context.Background()
	hc := newClient(8)
	base := srv.Base

	// Courses through the API, so they are real published courses.
	tr := token(b, hc, base, trainerNIP)
	tags := []string{"manajemen-waktu", "kompetensi-teknis", "etika-pelayanan", "pengelolaan-pengaduan", "standar-pelayanan"}
	var courses []string
	for i := range 20 {
		c := call(b, hc, "POST", base+"/api/v1/courses", tr, map[string]any{"title": fmt.Sprintf("Kursus Kebutuhan %02d", i), "category": "Teknis", "jp": 4}, 201)
		id := str(b, c, "id")
		m := str(b, call(b, hc, "POST", base+"/api/v1/courses/"+id+"/modules", tr, map[string]any{"title": "Modul"}, 201), "id")
		call(b, hc, "POST", base+"/api/v1/courses/"+id+"/modules/"+m+"/lessons", tr, map[string]any{"title": "Bacaan", "kind": "text", "body": "Isi.", "minutes": 5}, 201)
		call(b, hc, "POST", base+"/api/v1/courses/"+id+"/publish", tr, nil, 200)
		courses = append(courses, id)
	}

	start := time.Now()
	st, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	for i, id := range courses {
		if _, err := docs.Update(ctx, st.C("courses"), id, func(c *content.Course) error {
			c.Competencies = []string{tags[i%len(tags)]}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	var learner content.User
	if _, err := st.C("users").Get(ctx, learnerNIP, &learner); err != nil {
		b.Fatal(err)
	}
	admin := learner
	admin.NIP, admin.Name, admin.Roles, admin.IsAdmin = adminNIP, "Bench Admin", []string{content.RoleAdmin}, true
	if err := st.C("users").Insert(ctx, admin.NIP, &admin); err != nil {
		b.Fatal(err)
	}
	var units []content.Unit
	for d := range 10 {
		dinas := fmt.Sprintf("D%02d", d)
		units = append(units, content.Unit{Code: dinas, Name: "Dinas " + dinas})
		for j := range 4 {
			units = append(units, content.Unit{Code: fmt.Sprintf("%s.B%d", dinas, j), Name: "Bidang", Parent: dinas})
		}
	}
	for _, u := range units {
		if err := st.C("units").Insert(ctx, u.Code, &u); err != nil {
			b.Fatal(err)
		}
	}
	year := time.Now().In(time.FixedZone("WIB", 7*3600)).Year()
	rng := rand.New(rand.NewPCG(14, 5))
	// 1,000,000 responses: each service's share spread over 12 months;
	// a third of the units weak on U3 and U6.
	per := responses / (services * 12)
	extra := responses - per*services*12
	total := 0
	for sv := range services {
		unit := units[sv%len(units)].Code
		weak := sv%len(units)%3 == 0
		for m := 1; m <= 12; m++ {
			n := per
			if extra > 0 {
				n++
				extra--
			}
			var sums ikm.Sums
			for range n {
				var r [ikm.Elements]int
				for e := range r {
					r[e] = 2 + rng.IntN(3) // 2–4
					if weak && (e == 2 || e == 5) {
						r[e] = 1 + rng.IntN(3) // 1–3
					}
				}
				sums.Add(r)
			}
			total += n
			month := fmt.Sprintf("%d-%02d", year, m)
			d := skmMonthDoc{Service: fmt.Sprintf("svc%03d", sv), Unit: unit, Month: month, Year: year, Sums: sums}
			if err := st.C("skm_months").Insert(ctx, d.Service+"~"+month, &d); err != nil {
				b.Fatal(err)
			}
		}
	}
	if total != responses {
		b.Fatalf("seeded %d responses", total)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range people {
		u := learner
		u.NIP = fmt.Sprintf("19%02d0101201601%d%03d", 60+i/1000, 1+i%2, i%1000)
		u.Name = fmt.Sprintf("Pegawai %05d", i)
		u.Unit = units[i%len(units)].Code
		u.Position = "Pelaksana"
		if err := st.C("users").Insert(ctx, u.NIP, &u); err != nil {
			b.Fatalf("user %d: %v", i, err)
		}
		a := content.Assessment{ID: u.NIP + "~" + strconv.Itoa(year), User: u.NIP, Unit: u.Unit, Period: strconv.Itoa(year), Year: year,
			By: adminNIP, At: now.Add(-time.Duration(i) * time.Minute)}
		for k, tag := range tags {
			a.Levels = append(a.Levels, content.CompetencyGap{Tag: tag, Level: 1 + (i+k)%5, Required: 3})
		}
		if err := st.C("assessments").Insert(ctx, a.ID, &a); err != nil {
			b.Fatal(err)
		}
		for k := range i % 5 {
			e := content.JPEntry{User: u.NIP, Name: u.Name, Year: year, Source: content.SourceEvent, Ref: fmt.Sprintf("ev%d", k), Title: "Kegiatan",
				JP: 6, At: now.Add(-time.Duration(k+1) * time.Hour), Unit: u.Unit, Created: now}
			if err := st.C("jp_ledger").Insert(ctx, "event/"+e.Ref+"/"+u.NIP, &e); err != nil {
				b.Fatal(err)
			}
		}
		if i%4 == 0 {
			as := content.Assignee{Assignment: "abench", User: u.NIP, Unit: u.Unit, Course: courses[0], Title: "Kursus Wajib",
				Due: now.Add(-48 * time.Hour), Assigned: now.Add(-30 * 24 * time.Hour), Open: true}
			if err := st.C("assignees").Insert(ctx, "abench~"+u.NIP, &as); err != nil {
				b.Fatal(err)
			}
		}
	}
	seeded := time.Since(start)
	adm := token(b, hc, base, adminNIP)
	url := base + "/api/v1/needs?year=" + strconv.Itoa(year)
	var coldBody []byte
	do := func(ctx context.Context, _ int) (int64, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+adm)
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, err
		}
		if res.StatusCode != 200 {
			return 0, fmt.Errorf("status %d %s", res.StatusCode, body)
		}
		return int64(len(body)), nil
	}
	b.Run("http", func(b *testing.B) {
		t0 := time.Now()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+adm)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		coldBody, _ = io.ReadAll(res.Body)
		res.Body.Close()
		cold := time.Since(t0)
		var n struct {
			City  struct{ Responses int } `json:"city"`
			Units []struct {
				Recommended []any `json:"recommended"`
			} `json:"units"`
		}
		if err := json.Unmarshal(coldBody, &n); err != nil || n.City.Responses != responses || len(n.Units) != len(units) {
			b.Fatalf("city: %v, %d responses, %d units", err, n.City.Responses, len(n.Units))
		}
		cpu0 := srv.cpuTime()
		r := runLoad(8, 1_000_000, 40*time.Second, do)
		cpu := float64((srv.cpuTime() - cpu0).Microseconds()) / 1000 / float64(max(len(r.lat), 1))
		b.ReportMetric(float64(cold.Microseconds())/1000, "cold_ms")
		b.ReportMetric(r.pct(50), "p50_ms")
		b.ReportMetric(r.pct(95), "p95_ms")
		b.ReportMetric(r.pct(99), "p99_ms")
		b.ReportMetric(r.pct(100), "max_ms")
		b.ReportMetric(r.rps(), "req/s")
		b.ReportMetric(float64(r.errs), "errors")
		b.ReportMetric(cpu, "server_cpu_ms/req")
		b.Logf("http, 8 clients for %v: %d requests, first (cold) %v, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors (%v), %d KB a response",
			r.wall.Round(time.Second), len(r.lat), cold.Round(time.Millisecond), r.pct(50), r.pct(95), r.pct(99), r.pct(100), r.errs, r.firstErr, len(coldBody)/1024)
	})
	b.Run("compute", func(b *testing.B) {
		svc, err := content.New(st, nil, content.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var firstErr error
		r := runLoad(8, 80, 5*time.Minute, func(ctx context.Context, _ int) (int64, error) {
			n, err := svc.ComputeNeeds(ctx, admin, "", year)
			if err == nil && n.City.Responses != responses {
				err = fmt.Errorf("%d responses", n.City.Responses)
			}
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
			}
			return 0, err
		})
		b.ReportMetric(r.pct(50), "p50_ms")
		b.ReportMetric(r.pct(95), "p95_ms")
		b.ReportMetric(r.pct(99), "p99_ms")
		b.ReportMetric(float64(r.errs), "errors")
		b.Logf("compute without cache, 8 at once: %d runs, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %d errors (%v); seeding took %v; load %s",
			len(r.lat), r.pct(50), r.pct(95), r.pct(99), r.errs, firstErr, seeded.Round(time.Second), loadAvg())
	})
	st.Close()
}
