package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// skmAggregate is a monthly SKM aggregate as the store holds it
// (content's skmMonth), written straight in by the benchmark.
type skmAggregate struct {
	Service string   `bson:"service"`
	Unit    string   `bson:"unit"`
	Month   string   `bson:"month"`
	Year    int      `bson:"year"`
	Sums    ikm.Sums `bson:"sums"`
}

// seedSKM writes an admin, a city of 30 units under KOTA and services
// across them, beside the running server; with perMonth > 0, twelve
// monthly aggregates per service holding perMonth responses each (no raw
// responses: the results never read them).
func seedSKM(b *testing.B, srv *server, services, perMonth int) []string {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var learner content.User
	if _, err := st.C("users").Get(ctx, learnerNIP, &learner); err != nil {
		b.Fatal(err)
	}
	admin := learner
	admin.NIP, admin.Name, admin.Roles, admin.IsAdmin = adminNIP, "Bench Admin", []string{content.RoleAdmin}, true
	if err := st.C("users").Insert(ctx, admin.NIP, &admin); err != nil {
		b.Fatal(err)
	}
	if err := st.C("units").Insert(ctx, "KOTA", &content.Unit{Code: "KOTA", Name: "Pemerintah Kota"}); err != nil {
		b.Fatal(err)
	}
	for u := range 30 {
		code := fmt.Sprintf("OPD%02d", u)
		if err := st.C("units").Insert(ctx, code, &content.Unit{Code: code, Name: "Dinas " + code, Parent: "KOTA"}); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, services)
	for i := range services {
		unit := fmt.Sprintf("OPD%02d", i%30)
		ps := content.PublicService{ID: fmt.Sprintf("svc%04d", i), Unit: unit, Name: fmt.Sprintf("Layanan %d", i), Active: true,
			Created: time.Now().UTC().Truncate(time.Millisecond)}
		if err := st.C("services").Insert(ctx, ps.ID, &ps); err != nil {
			b.Fatal(err)
		}
		ids[i] = ps.ID
		for m := 1; m <= 12 && perMonth > 0; m++ {
			var s ikm.Sums
			for range perMonth {
				var r [ikm.Elements]int
				for e := range r {
					r[e] = 1 + rng.IntN(4)
				}
				s.Add(r)
			}
			month := fmt.Sprintf("2026-%02d", m)
			agg := skmAggregate{Service: ps.ID, Unit: unit, Month: month, Year: 2026, Sums: s}
			if err := st.C("skm_months").Insert(ctx, ps.ID+"~"+month, &agg); err != nil {
				b.Fatal(err)
			}
		}
	}
	return ids
}

// BenchmarkSKMResults: 1,000,000 responses across 300 services (twelve
// monthly aggregates each, written as documents), then a service's
// results (`GET /api/v1/services/{id}/skm` for the year) from 8 clients.
// Goal: p95 ≤ 50 ms.
func BenchmarkSKMResults(b *testing.B) {
	const services = 300
	perMonth := 1_000_000 / services / 12 // 277: 997,200 responses
	srv := startServer(b, "skm-results")
	defer srv.stop()
	ids := seedSKM(b, srv, services, perMonth)
	hc := newClient(8)
	adm := token(b, hc, srv.Base, adminNIP)
	one := call(b, hc, "GET", srv.Base+"/api/v1/services/"+ids[0]+"/skm?from=2026-01&to=2026-12", adm, nil, 200)
	if n, _ := one["responses"].(float64); int(n) != perMonth*12 {
		b.Fatalf("a service's responses %v, want %d", one["responses"], perMonth*12)
	}
	city := call(b, hc, "GET", srv.Base+"/api/v1/units/KOTA/skm?from=2026-01&to=2026-12", adm, nil, 200)
	b.ResetTimer()
	cpu0 := srv.cpuTime()
	res := runLoad(8, 4000, 2*time.Minute, func(ctx context.Context, i int) (int64, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.Base+"/api/v1/services/"+ids[i%services]+"/skm?from=2026-01&to=2026-12", nil)
		req.Header.Set("Authorization", "Bearer "+adm)
		return fetch(hc, req)
	})
	cpu := srv.cpuTime() - cpu0
	b.StopTimer()
	if res.errs > 0 {
		b.Fatalf("%d errors, first: %v", res.errs, res.firstErr)
	}
	b.ReportMetric(float64(perMonth*12*services), "responses")
	b.ReportMetric(res.pct(50), "p50_ms")
	b.ReportMetric(res.pct(95), "p95_ms")
	b.ReportMetric(res.pct(99), "p99_ms")
	b.ReportMetric(res.rps(), "req/s")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(res.lat)), "server_cpu_ms/req")
	b.Logf("%d responses, city IKM %v (%v); %d requests, load %s", perMonth*12*services, city["ikm"], city["grade"], len(res.lat), loadAvg())
}

// BenchmarkSKMSubmit: citizens send feedback through
// `POST /api/v1/public/services/{id}/responses` at an offered 1,000/s
// (KOMPETEN_BENCH_SKM_RATE) for 20 s (KOMPETEN_BENCH_SKM_SECONDS), each
// from its own address (X-Forwarded-For through a trusted proxy) to one
// of 300 services, with a form token fetched beforehand as the page
// would have; meanwhile 200 clients read the catalog
// (`GET /api/v1/courses`) at 400/s in all. Then the aggregates must hold
// every accepted response once. Goals: submissions p99 ≤ 100 ms at the
// rate, catalog p99 ≤ 50 ms.
func BenchmarkSKMSubmit(b *testing.B) {
	rate := envInt("KOMPETEN_BENCH_SKM_RATE", 1000)
	seconds := envInt("KOMPETEN_BENCH_SKM_SECONDS", 20)
	const services = 300
	srv := startServer(b, "skm-submit", "KOMPETEN_TRUSTED_PROXIES=127.0.0.1")
	defer srv.stop()
	ids := seedSKM(b, srv, services, 0)
	hc := newClient(256)
	base := srv.Base
	tr := token(b, hc, base, trainerNIP)
	for i := range 5 {
		c := call(b, hc, "POST", base+"/api/v1/courses", tr, map[string]any{"title": fmt.Sprintf("Kursus Pelayanan %d", i), "category": "Teknis", "jp": 2}, 201)
		m := str(b, call(b, hc, "POST", base+"/api/v1/courses/"+str(b, c, "id")+"/modules", tr, map[string]any{"title": "Modul 1"}, 201), "id")
		call(b, hc, "POST", base+"/api/v1/courses/"+str(b, c, "id")+"/modules/"+m+"/lessons", tr,
			map[string]any{"title": "Bacaan", "kind": "text", "body": "Isi bacaan.", "minutes": 5}, 201)
		call(b, hc, "POST", base+"/api/v1/courses/"+str(b, c, "id")+"/publish", tr, nil, 200)
	}
	learner := token(b, hc, base, learnerNIP)
	adm := token(b, hc, base, adminNIP)

	total := rate * seconds
	tokens := make([]string, total)
	pre := runLoad(16, total, 5*time.Minute, func(ctx context.Context, i int) (int64, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/public/services/"+ids[i%services], nil)
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		var v struct{ Token string }
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
			return 0, fmt.Errorf("token: %d %v", res.StatusCode, err)
		}
		tokens[i] = v.Token
		return 0, nil
	})
	if pre.errs > 0 {
		b.Fatalf("tokens: %d errors, first %v", pre.errs, pre.firstErr)
	}
	b.Logf("%d form pages (tokens) at %.0f/s, p99 %.1f ms", total, pre.rps(), pre.pct(99))

	var wg sync.WaitGroup
	var browse *loadResult
	browseRate := 400.0
	wg.Add(1)
	go func() {
		defer wg.Done()
		browse = runLoadAt(200, int(browseRate)*seconds, browseRate, time.Duration(seconds+30)*time.Second, func(ctx context.Context, i int) (int64, error) {
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/courses", nil)
			req.Header.Set("Authorization", "Bearer "+learner)
			return fetch(hc, req)
		})
	}()
	b.ResetTimer()
	cpu0 := srv.cpuTime()
	var refused sync.Map
	sub := runLoadAt(128, total, float64(rate), time.Duration(seconds+60)*time.Second, func(ctx context.Context, i int) (int64, error) {
		scores := map[string]int{}
		for e := 1; e <= 9; e++ {
			scores[fmt.Sprintf("u%d", e)] = 1 + (i+e)%4
		}
		body, _ := json.Marshal(map[string]any{"scores": scores, "token": tokens[i], "comment": "Pelayanan cepat"})
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/public/services/"+ids[i%services]+"/responses", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		n, _ := io.Copy(io.Discard, res.Body)
		if res.StatusCode != 201 {
			refused.Store(res.StatusCode, true)
			return n, fmt.Errorf("status %d", res.StatusCode)
		}
		return n, nil
	})
	cpu := srv.cpuTime() - cpu0
	wg.Wait()
	b.StopTimer()
	// The fold catches up within a few seconds; every accepted response
	// must then be in the city's aggregates exactly once.
	accepted := len(sub.lat)
	var counted float64
	deadline := time.Now().Add(2 * time.Minute)
	for {
		city := call(b, hc, "GET", base+"/api/v1/units/KOTA/skm", adm, nil, 200)
		counted, _ = city["responses"].(float64)
		if int(counted) >= accepted || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.ReportMetric(sub.rps(), "submits/s")
	b.ReportMetric(sub.pct(50), "submit_p50_ms")
	b.ReportMetric(sub.pct(99), "submit_p99_ms")
	b.ReportMetric(float64(sub.errs), "submit_errors")
	b.ReportMetric(browse.rps(), "catalog/s")
	b.ReportMetric(browse.pct(50), "catalog_p50_ms")
	b.ReportMetric(browse.pct(99), "catalog_p99_ms")
	b.ReportMetric(float64(browse.errs), "catalog_errors")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(max(accepted, 1)), "server_cpu_ms/submit")
	b.ReportMetric(counted, "counted")
	var statuses []any
	refused.Range(func(k, _ any) bool { statuses = append(statuses, k); return true })
	if browse.errs > 0 {
		b.Logf("catalog: %d errors, first %v", browse.errs, browse.firstErr)
	}
	b.Logf("offered %d/s for %d s: %d accepted, %d refused (statuses %v, first %v); %v counted in the aggregates; load %s",
		rate, seconds, accepted, sub.errs, statuses, sub.firstErr, counted, loadAvg())
	if int(counted) != accepted {
		b.Fatalf("aggregates hold %v responses, %d were accepted", counted, accepted)
	}
}
