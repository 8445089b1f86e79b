package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// The users list at city size: 20,000 accounts in 50 units, searched by
// an admin through GET /api/v1/users from 32 clients at once, by name
// prefix (two to six letters, any case) and NIP prefix, then with the
// filters (unit and status, whose status merges one indexed query per
// role).
const (
	usersCount = 20000
	usersUnits = 50
)

var (
	firstNames = []string{"Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hadi", "Indah", "Joko", "Kurnia", "Lestari",
		"Made", "Nur", "Oki", "Putri", "Rina", "Sri", "Teguh", "Umar", "Wahyu", "Yuni", "Zainal", "Ahmad", "Bayu", "Dian",
		"Endang", "Farid", "Hendra", "Ika", "Kadek", "Lina", "Mega", "Nanda", "Rudi", "Siti", "Tri", "Wayan", "Yanto", "Rizky"}
	lastNames = []string{"Santoso", "Rahmawati", "Wibowo", "Lestari", "Saputra", "Hidayat", "Susanti", "Kurniawan", "Pratama",
		"Wulandari", "Setiawan", "Nugroho", "Handayani", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Putra", "Utami",
		"Yulianti", "Gunawan", "Firmansyah", "Permana", "Maharani", "Hakim", "Suryani", "Anggraini", "Syahputra", "Ramadhan", "Fauzi"}
)

// usersBenchNIP is the i-th seeded NIP: 18 digits, distinct, in the shape of
// a real one (birth date first).
func usersBenchNIP(i int) string {
	return fmt.Sprintf("19%02d%02d%02d%010d", 60+i%40, 1+i%12, 1+i%28, i)
}

func BenchmarkUsersSearch(b *testing.B) {
	srv := startServer(b, "users")
	defer srv.stop()
	hc := newClient(64)
	defer hc.CloseIdleConnections()

	// The accounts are written beside the running server as documents,
	// the way an import stores them, not one argon2 hash each.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		b.Fatal(err)
	}
	admin, err := svc.CreateUser(ctx, content.NewUser{NIP: adminNIP, Name: "Bench Admin", Roles: []string{content.RoleAdmin}, Password: password})
	if err != nil {
		b.Fatal(err)
	}
	for u := range usersUnits {
		if _, err := svc.PutUnit(ctx, admin, fmt.Sprintf("OPD-%02d", u), content.UnitInput{Name: fmt.Sprintf("Unit %02d", u)}); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	users := store.C("users")
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < usersCount; i += 4 {
				roles := []string{content.RoleLearner}
				if i%53 == 0 {
					roles = []string{content.RoleTrainer}
				}
				u := content.User{NIP: usersBenchNIP(i), Roles: roles, Unit: fmt.Sprintf("OPD-%02d", i%usersUnits), Position: "Pelaksana",
					Name:    firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)],
					Created: time.Now().UTC().Truncate(time.Millisecond), PasswordHash: "-"}
				if i%7 == 0 {
					u.Disabled = u.Created
				}
				u = u.WithKeys()
				if err := users.Insert(ctx, u.NIP, &u); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	seeded := time.Since(start)
	store.Close()
	adminTok := token(b, hc, srv.Base, adminNIP)
	b.Run("seed", func(b *testing.B) {
		b.ReportMetric(seeded.Seconds(), "seed_s")
		b.Logf("%d users written in %v", usersCount, seeded.Round(time.Millisecond))
	})

	// Queries: name prefixes of 2 to 6 letters in any case, first name
	// and a last-name start, and NIP prefixes of 4 to 10 digits.
	var names, nips, filtered []string
	for i, f := range firstNames {
		l := lastNames[i%len(lastNames)]
		names = append(names, f[:2], f[:3], f, f+" "+l[:2], "  "+f+" "+l[:4])
		filtered = append(filtered, fmt.Sprintf("q=%s&unit=OPD-%02d&active=1", url.QueryEscape(f[:3]), i%usersUnits),
			fmt.Sprintf("unit=OPD-%02d&role=learner", i%usersUnits), fmt.Sprintf("q=%s&active=0", url.QueryEscape(f)))
	}
	for i := 0; i < 200; i++ {
		n := usersBenchNIP(i * 97)
		nips = append(nips, n[:4+i%7])
	}
	var queries []string
	for i := range max(len(names), len(nips)) {
		queries = append(queries, "q="+url.QueryEscape(names[i%len(names)]), "q="+nips[i%len(nips)])
	}
	// Every query finds someone, or the figures say nothing.
	for _, q := range []string{queries[0], queries[1], filtered[0], filtered[1]} {
		m := call(b, hc, "GET", srv.Base+"/api/v1/users?"+q, adminTok, nil, 200)
		if m["total"].(float64) == 0 {
			b.Fatalf("%s finds nobody", q)
		}
	}

	for _, phase := range []struct {
		name    string
		queries []string
	}{{"name_and_nip", queries}, {"filtered", filtered}} {
		b.Run(phase.name, func(b *testing.B) {
			var found sync.Map
			do := func(ctx context.Context, i int) (int64, error) {
				q := phase.queries[i%len(phase.queries)]
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.Base+"/api/v1/users?"+q, nil)
				req.Header.Set("Authorization", "Bearer "+adminTok)
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
					return 0, fmt.Errorf("%s: status %d %s", q, res.StatusCode, body)
				}
				var l struct {
					Total int `json:"total"`
				}
				if err := json.Unmarshal(body, &l); err != nil {
					return 0, err
				}
				found.Store(q, l.Total)
				return int64(len(body)), nil
			}
			runLoad(32, 100, time.Minute, do) // warm-up
			cpu0, self0 := srv.cpuTime(), selfCPU()
			r := runLoad(32, 10000, 5*time.Minute, do)
			cpu := float64((srv.cpuTime() - cpu0).Microseconds()) / 1000 / float64(max(len(r.lat), 1))
			client := float64((selfCPU() - self0).Microseconds()) / 1000 / float64(max(len(r.lat), 1))
			b.ReportMetric(cpu, "server_cpu_ms/req")
			b.ReportMetric(client, "client_cpu_ms/req")
			b.ReportMetric(r.pct(50), "p50_ms")
			b.ReportMetric(r.pct(95), "p95_ms")
			b.ReportMetric(r.pct(99), "p99_ms")
			b.ReportMetric(r.rps(), "req/s")
			b.ReportMetric(float64(r.errs), "errors")
			empty := 0
			found.Range(func(_, v any) bool {
				if v.(int) == 0 {
					empty++
				}
				return true
			})
			b.Logf("%s, 32 clients: %d searches, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %.0f req/s, %d errors (first: %v); %d of the queries found nobody; server CPU %.2f ms per search",
				phase.name, len(r.lat), r.pct(50), r.pct(95), r.pct(99), r.rps(), r.errs, r.firstErr, empty, cpu)
		})
	}
}
