package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// adminNIP is the benchmark's admin, written straight into the store.
const adminNIP = "198501012010011001"

// BenchmarkAssignUnitTree: one course assigned through
// `POST /api/v1/assignments` to a unit tree (a dinas, 10 bidang, 40
// seksi) of 5,000 people, each enrolled, given an Assignee record and a
// notification. The people are written as documents beside the server
// (5,000 password hashes would take longer than the assignment).
// KOMPETEN_BENCH_ASSIGN_PEOPLE changes the size. Goal: ≤ 5 s.
func BenchmarkAssignUnitTree(b *testing.B) {
	people := envInt("KOMPETEN_BENCH_ASSIGN_PEOPLE", 5000)
	srv := startServer(b, "assign")
	defer srv.stop()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
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
	units := []content.Unit{{Code: "DINAS", Name: "Dinas Bench"}}
	for i := range 10 {
		bid := fmt.Sprintf("DINAS.B%02d", i)
		units = append(units, content.Unit{Code: bid, Name: "Bidang " + bid, Parent: "DINAS"})
		for j := range 4 {
			units = append(units, content.Unit{Code: fmt.Sprintf("%s.S%d", bid, j), Name: "Seksi", Parent: bid})
		}
	}
	for _, u := range units {
		if err := st.C("units").Insert(ctx, u.Code, &u); err != nil {
			b.Fatal(err)
		}
	}
	for i := range people {
		u := learner
		// Valid NIPs: birth years 1960 on, appointed January 2016, seq i%1000.
		u.NIP = fmt.Sprintf("19%02d0101201601%d%03d", 60+i/1000, 1+i%2, i%1000)
		u.Name = fmt.Sprintf("Pegawai %05d", i)
		u.Unit = units[1+i%(len(units)-1)].Code
		u.Position = "Pelaksana"
		if err := st.C("users").Insert(ctx, u.NIP, &u); err != nil {
			b.Fatalf("user %d: %v", i, err)
		}
	}
	st.Close()

	hc := newClient(4)
	base := srv.Base
	tr := token(b, hc, base, trainerNIP)
	c := call(b, hc, "POST", base+"/api/v1/courses", tr, map[string]any{"title": "Kursus Wajib Bench", "category": "Teknis", "jp": 2}, 201)
	course := str(b, c, "id")
	m := str(b, call(b, hc, "POST", base+"/api/v1/courses/"+course+"/modules", tr, map[string]any{"title": "Modul 1"}, 201), "id")
	call(b, hc, "POST", base+"/api/v1/courses/"+course+"/modules/"+m+"/lessons", tr,
		map[string]any{"title": "Bacaan", "kind": "text", "body": "Isi bacaan wajib.", "minutes": 5}, 201)
	call(b, hc, "POST", base+"/api/v1/courses/"+course+"/publish", tr, nil, 200)
	adm := token(b, hc, base, adminNIP)

	b.ResetTimer()
	start := time.Now()
	cpu0 := srv.cpuTime()
	out := call(b, hc, "POST", base+"/api/v1/assignments", adm, map[string]any{"course_id": course, "units": []string{"DINAS"},
		"due": time.Now().Add(30 * 24 * time.Hour).Format("2006-01-02"), "reason": "Bench"}, 201)
	took := time.Since(start)
	cpu := srv.cpuTime() - cpu0
	b.StopTimer()
	if n, _ := out["assigned"].(float64); int(n) != people {
		b.Fatalf("assigned %v, want %d", out["assigned"], people)
	}
	rep := call(b, hc, "GET", base+"/api/v1/assignments/"+str(b, out, "id"), adm, nil, 200)
	if n, _ := rep["assigned"].(float64); int(n) != people {
		b.Fatalf("report says %v assigned", rep["assigned"])
	}
	b.ReportMetric(took.Seconds(), "assign_s")
	b.ReportMetric(float64(people), "people")
	b.ReportMetric(float64(people)/took.Seconds(), "people/s")
	b.ReportMetric(float64(cpu.Milliseconds()), "server_cpu_ms")
	b.Logf("assigned %d people in %v (server CPU %v, load %s)", people, took.Round(time.Millisecond), cpu, loadAvg())
}
