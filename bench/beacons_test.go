package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// BenchmarkBeacons is a class in session: every learner's player reports
// progress every 15 s (POST /api/v1/lessons/{id}/progress, as player.js
// does: the position, and the interval watched since the last report, at
// 1×), while other learners read lesson pages (GET /learn/{id}, with a
// browser session cookie). Both are offered at a fixed rate and latency
// counts from when a request was due, so a server that falls behind shows
// it. Two phases on one server: beacons alone (server CPU per beacon), then
// beacons with the page readers. Afterwards every learner's progress is
// read back and compared with what its beacons sent.
//
// Settings (environment):
//
//	KOMPETEN_BENCH_BEACON_LEARNERS   learners, each beaconing every 15 s (4000)
//	KOMPETEN_BENCH_BEACON_SECONDS    the phase with page readers (60)
//	KOMPETEN_BENCH_BEACON_ALONE_SECONDS  the beacon-only phase (30)
//	KOMPETEN_BENCH_BEACON_READERS    page-reading clients (200)
//	KOMPETEN_BENCH_BEACON_PAGE_RATE  lesson pages per second from them all (200)
//	KOMPETEN_BENCH_BEACON_POSITION_ONLY=1  beacons without watched intervals
const (
	beaconEvery    = 15 * time.Second
	beaconWorkers  = 256 // beacons in flight at most; the schedule, not these, sets the rate
	lectureFixture = "testdata/lecture-15min.mp4"
	lectureSeconds = 900
)

type beaconSettings struct {
	learners, readers int
	pageRate          float64
	alone, mixed      time.Duration
	// positionOnly leaves the watched intervals out of the beacons: FerretDB
	// 1.24 refuses to store them (nested arrays), see
	// BenchmarkBeaconsTwoInstances.
	positionOnly bool
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func beaconSettingsFor(prefix string, learners, readers, pageRate int) beaconSettings {
	return beaconSettings{
		learners:     envInt(prefix+"_LEARNERS", learners),
		readers:      envInt(prefix+"_READERS", readers),
		pageRate:     float64(envInt(prefix+"_PAGE_RATE", pageRate)),
		alone:        time.Duration(envInt(prefix+"_ALONE_SECONDS", 30)) * time.Second,
		mixed:        time.Duration(envInt(prefix+"_SECONDS", 60)) * time.Second,
		positionOnly: os.Getenv(prefix+"_POSITION_ONLY") == "1",
	}
}

// beaconSite is what the load runs against: one server, or two behind a
// proxy, with the processes whose CPU time is counted.
type beaconSite struct {
	base    string            // where clients send their requests
	direct  string            // one instance, for the upload (see BenchmarkBeaconsTwoInstances)
	servers []*server         // kompeten processes
	others  map[string]int    // other processes whose CPU is reported: name → pid
	store   func() docs.Store // the document store, opened beside the servers
}

func (s *beaconSite) serverCPU() time.Duration {
	var d time.Duration
	for _, srv := range s.servers {
		d += srv.cpuTime()
	}
	return d
}

func (s *beaconSite) otherCPU() map[string]time.Duration {
	m := map[string]time.Duration{}
	for name, pid := range s.others {
		m[name] = procCPU(pid)
	}
	return m
}

func BenchmarkBeacons(b *testing.B) {
	srv := startServer(b, "beacons")
	defer srv.stop()
	site := &beaconSite{base: srv.Base, direct: srv.Base, servers: []*server{srv},
		store: func() docs.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
			if err != nil {
				b.Fatal(err)
			}
			return st
		}}
	runBeacons(b, site, beaconSettingsFor("KOMPETEN_BENCH_BEACON", 4000, 200, 200))
}

// beaconCourse is the published course the class takes: three text
// lessons and a 15-minute video lesson, uploaded through the part API.
type beaconCourse struct {
	id, video string
	lessons   []string // every lesson, the video last
	seconds   float64  // the video's length (the read-back checks the server's)
}

func makeBeaconCourse(b *testing.B, hc *http.Client, site *beaconSite) beaconCourse {
	trainer := token(b, hc, site.direct, trainerNIP)
	base := site.direct
	c := call(b, hc, "POST", base+"/api/v1/courses", trainer, map[string]any{
		"title": "Kelas Serentak Pelayanan Publik", "summary": "Kuliah video dan bacaan", "category": "Teknis", "level": "Dasar", "jp": 2}, 201)
	bc := beaconCourse{id: str(b, c, "id"), seconds: lectureSeconds}
	m := str(b, call(b, hc, "POST", base+"/api/v1/courses/"+bc.id+"/modules", trainer, map[string]any{"title": "Modul 1"}, 201), "id")
	for j := range 3 {
		l := call(b, hc, "POST", base+"/api/v1/courses/"+bc.id+"/modules/"+m+"/lessons", trainer,
			map[string]any{"title": fmt.Sprintf("Bacaan %d", j+1), "kind": "text", "body": fmt.Sprintf(lessonBody, j+1, j+1, j+1), "minutes": 10}, 201)
		bc.lessons = append(bc.lessons, str(b, l, "id"))
	}
	video, err := os.ReadFile(lectureFixture)
	if err != nil {
		b.Fatal(err)
	}
	up := call(b, hc, "POST", base+"/api/v1/uploads", trainer,
		map[string]any{"filename": "kuliah.mp4", "size": len(video), "course_id": bc.id}, 201)
	id := str(b, up, "id")
	ps := int(up["part_size"].(float64))
	for n := 1; (n-1)*ps < len(video); n++ {
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/uploads/%s/parts/%d", base, id, n), bytes.NewReader(video[(n-1)*ps:min(n*ps, len(video))]))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Authorization", "Bearer "+trainer)
		if _, err := fetch(hc, req); err != nil {
			b.Fatalf("upload part %d: %v", n, err)
		}
	}
	asset := str(b, call(b, hc, "POST", base+"/api/v1/uploads/"+id+"/complete", trainer, nil, 201), "id")
	v := call(b, hc, "POST", base+"/api/v1/courses/"+bc.id+"/modules/"+m+"/lessons", trainer,
		map[string]any{"title": "Kuliah", "kind": "video", "asset_id": asset, "minutes": 15}, 201)
	bc.video = str(b, v, "id")
	bc.lessons = append(bc.lessons, bc.video)
	call(b, hc, "POST", base+"/api/v1/courses/"+bc.id+"/publish", trainer, nil, 200)
	return bc
}

// learner is one player's state. Its beacons are 15 s apart, so one
// goroutine at a time touches it; the atomics only make that visible.
type learner struct {
	token  string
	start  float64       // where in the video playback began
	opened time.Time     // when the lesson was open (the GET answered): playback starts then
	sent   atomic.Uint64 // bits of the position the server has acknowledged
	errs   atomic.Int64
}

func (l *learner) pos(now time.Time, limit float64) float64 {
	return math.Round(min(limit, l.start+now.Sub(l.opened).Seconds())*100) / 100
}

func runBeacons(b *testing.B, site *beaconSite, cfg beaconSettings) {
	hc := newClient(beaconWorkers + cfg.readers)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer hc.CloseIdleConnections()
	t0 := time.Now()
	// The machine's other work shows in the latencies: say how busy it was.
	load0 := loadAvg()
	course := makeBeaconCourse(b, hc, site)

	store := site.store()
	tokens, cookies := seedLearnersIn(b, store, course.id, cfg.learners, cfg.readers)
	store.Close()
	seeded := time.Since(t0)

	// Every learner opens the video lesson (the server records when:
	// watching is credited from then, at most at 2×), then plays from a
	// random place in the first 10 minutes, at 1×.
	learners := make([]*learner, cfg.learners)
	rng := rand.New(rand.NewPCG(12, 4000))
	for i := range learners {
		learners[i] = &learner{token: tokens[i], start: float64(rng.IntN(600))}
		learners[i].sent.Store(math.Float64bits(learners[i].start))
	}
	open := runLoad(32, cfg.learners, 10*time.Minute, func(ctx context.Context, i int) (int64, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", site.base+"/api/v1/lessons/"+course.video, nil)
		req.Header.Set("Authorization", "Bearer "+learners[i].token)
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != 200 {
			err = fmt.Errorf("%w: %d %.300s", errStatus, res.StatusCode, body)
		}
		learners[i].opened = time.Now()
		return int64(len(body)), err
	})
	if open.errs > 0 {
		b.Fatalf("opening the lesson: %d errors, first: %v", open.errs, open.firstErr)
	}
	// The readers open each lesson once, unmeasured (the first view of a
	// lesson records its opening, a write), and each page is checked once.
	pageDo := func(ctx context.Context, i int) (int64, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", site.base+"/learn/"+course.lessons[i%len(course.lessons)], nil)
		req.Header.Set("Cookie", "kompeten_session="+cookies[(i/len(course.lessons))%len(cookies)])
		return fetchErrBody(hc, req)
	}
	for _, id := range course.lessons {
		req, _ := http.NewRequest("GET", site.base+"/learn/"+id, nil)
		req.Header.Set("Cookie", "kompeten_session="+cookies[0])
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := "Kelas Serentak"; res.StatusCode != 200 || !strings.Contains(string(body), want) {
			b.Fatalf("GET /learn/%s with a seeded session: status %d, lacks %q:\n%.2000s", id, res.StatusCode, want, body)
		}
	}
	if w := runLoad(32, len(cookies)*len(course.lessons), 10*time.Minute, pageDo); w.errs > 0 {
		b.Fatalf("readers' first views: %d errors, first: %v", w.errs, w.firstErr)
	}
	ready := time.Since(t0)

	var k0 atomic.Int64 // beacons already sent per learner, across phases
	beacon := func(ctx context.Context, j int) (int64, error) {
		l := learners[j%len(learners)]
		now := time.Now()
		from, to := math.Float64frombits(l.sent.Load()), l.pos(now, course.seconds)
		body := fmt.Sprintf(`{"position":%.2f,"watched":[[%.2f,%.2f]],"duration":%.2f}`, to, from, to, course.seconds)
		if cfg.positionOnly {
			body = fmt.Sprintf(`{"position":%.2f,"duration":%.2f}`, to, course.seconds)
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", site.base+"/api/v1/lessons/"+course.video+"/progress", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+l.token)
		req.Header.Set("Content-Type", "application/json")
		n, err := fetchErrBody(hc, req)
		if err != nil {
			// Like the player: the interval is sent again with the next beacon.
			l.errs.Add(1)
			return n, err
		}
		l.sent.Store(math.Float64bits(to))
		return n, nil
	}
	rate := float64(cfg.learners) / beaconEvery.Seconds()
	beacons := func(d time.Duration) *loadResult {
		total := int(d.Seconds() * rate)
		// Learner j%N beacons every 15 s whichever phase it is in: the
		// phases continue one schedule.
		off := int(k0.Load())
		r := runLoadAt(beaconWorkers, total, rate, d+time.Minute, func(ctx context.Context, j int) (int64, error) { return beacon(ctx, off+j) })
		k0.Add(int64(total))
		return r
	}

	var peak float64
	watch := func() func() {
		ws := make([]*rssWatch, len(site.servers))
		for i, s := range site.servers {
			ws[i] = watchRSS(s.Pid())
		}
		return func() {
			for _, w := range ws {
				p, _, _ := w.Stop()
				peak = max(peak, p)
			}
		}
	}
	report := func(b *testing.B, name string, r *loadResult) {
		b.ReportMetric(r.pct(50), name+"_p50_ms")
		b.ReportMetric(r.pct(95), name+"_p95_ms")
		b.ReportMetric(r.pct(99), name+"_p99_ms")
		b.ReportMetric(r.rps(), name+"_req/s")
		b.ReportMetric(float64(r.errs), name+"_errors")
		if r.firstErr != nil {
			b.Logf("%s: %d errors, first: %v", name, r.errs, r.firstErr)
		}
		b.Logf("%s: %d in %v, %.0f/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors",
			name, len(r.lat), r.wall.Round(time.Millisecond), r.rps(), r.pct(50), r.pct(95), r.pct(99), r.pct(100), r.errs)
	}
	cpuMs := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / 1000 / float64(max(1, n)) }
	reportOthers := func(b *testing.B, o0 map[string]time.Duration, n int, per string) {
		for name, d := range site.otherCPU() {
			b.ReportMetric(cpuMs(d-o0[name], n), name+"_cpu_ms/"+per)
		}
	}

	// Phase 1: beacons alone.
	var perBeacon float64
	alone := b.Run("alone", func(b *testing.B) {
		stop := watch()
		s0, o0, c0 := site.serverCPU(), site.otherCPU(), selfCPU()
		r := beacons(cfg.alone)
		srvCPU, cliCPU := site.serverCPU()-s0, selfCPU()-c0
		stop()
		if len(r.lat) == 0 {
			for _, srv := range site.servers {
				b.Logf("%s, its last errors:\n%s", srv.LogPath, logErrors(srv.LogPath, 3))
			}
			b.Fatalf("every beacon failed (%d); first: %v", r.errs, r.firstErr)
		}
		report(b, "beacon", r)
		perBeacon = cpuMs(srvCPU, len(r.lat))
		b.ReportMetric(perBeacon, "server_cpu_ms/beacon")
		b.ReportMetric(cpuMs(cliCPU, len(r.lat)), "client_cpu_ms/beacon")
		reportOthers(b, o0, len(r.lat), "beacon")
		b.ReportMetric(srvCPU.Seconds()/r.wall.Seconds(), "server_cores")
		b.ReportMetric(peak, "server_peak_RSS_MB")
	})

	if !alone {
		b.FailNow()
	}

	// Phase 2: the same schedule of beacons, with the readers.
	var mixedBeacons *loadResult
	b.Run("with_pages", func(b *testing.B) {
		stop := watch()
		s0, o0, c0 := site.serverCPU(), site.otherCPU(), selfCPU()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); mixedBeacons = beacons(cfg.mixed) }()
		pages := runLoadAt(cfg.readers, int(cfg.mixed.Seconds()*cfg.pageRate), cfg.pageRate, cfg.mixed+time.Minute, pageDo)
		wg.Wait()
		srvCPU, cliCPU := site.serverCPU()-s0, selfCPU()-c0
		stop()
		report(b, "beacon", mixedBeacons)
		report(b, "page", pages)
		n := len(mixedBeacons.lat) + len(pages.lat)
		b.ReportMetric(cpuMs(srvCPU, n), "server_cpu_ms/req")
		// What the pages cost, if a beacon costs what it did alone.
		b.ReportMetric((cpuMs(srvCPU, 1)-perBeacon*float64(len(mixedBeacons.lat)))/float64(max(1, len(pages.lat))), "server_cpu_ms/page_est")
		b.ReportMetric(cpuMs(cliCPU, n), "client_cpu_ms/req")
		reportOthers(b, o0, n, "req")
		b.ReportMetric(srvCPU.Seconds()/mixedBeacons.wall.Seconds(), "server_cores")
		b.ReportMetric(peak, "server_peak_RSS_MB")
	})

	// Every learner's progress, read back: the watched time credited is
	// what its acknowledged beacons covered, and the position the last one.
	var mismatches, checked atomic.Int64
	var firstBad atomic.Pointer[string]
	check := runLoad(32, len(learners), 10*time.Minute, func(ctx context.Context, i int) (int64, error) {
		l := learners[i]
		req, _ := http.NewRequestWithContext(ctx, "GET", site.base+"/api/v1/courses/"+course.id+"/progress", nil)
		req.Header.Set("Authorization", "Bearer "+l.token)
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		var e struct {
			Lessons map[string]content.LessonProgress `json:"lessons"`
		}
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil || res.StatusCode != 200 {
			return 0, fmt.Errorf("progress: status %d, %v", res.StatusCode, err)
		}
		p := e.Lessons[course.video]
		want := math.Float64frombits(l.sent.Load())
		checked.Add(1)
		// An errored beacon may still have been written: then the server
		// may be ahead of what was acknowledged, never behind.
		ahead := l.errs.Load() > 0
		watched := want - l.start
		if cfg.positionOnly {
			watched = 0
		}
		if got := p.WatchedSeconds(); math.Abs(got-watched) > 0.05 && !(ahead && got > watched) ||
			len(p.Watched) != min(1, int(watched)) || (!ahead && math.Abs(p.Position-want) > 0.005) || math.Abs(p.Duration-course.seconds) > 1 {
			mismatches.Add(1)
			s := fmt.Sprintf("learner %d: server has watched %v (%.2f s) at %.2f of %.2f s; beacons acknowledged [%.2f, %.2f]",
				i, p.Watched, p.WatchedSeconds(), p.Position, p.Duration, l.start, want)
			firstBad.CompareAndSwap(nil, &s)
		}
		return 0, nil
	})
	b.Run("summary", func(b *testing.B) {
		b.ReportMetric(float64(cfg.learners), "learners")
		b.ReportMetric(seeded.Seconds(), "seed_s")
		b.ReportMetric(ready.Seconds(), "setup_s")
		b.ReportMetric(float64(mismatches.Load()+check.errs), "progress_mismatches")
		b.ReportMetric(float64(checked.Load()), "progress_checked")
		if s := firstBad.Load(); s != nil {
			b.Errorf("progress read back differs from the beacons sent for %d learners; first: %s", mismatches.Load(), *s)
		}
		if mismatches.Load() > 0 || mixedBeacons.errs > 0 {
			for _, srv := range site.servers {
				b.Logf("%s, its last errors:\n%s", srv.LogPath, logErrors(srv.LogPath, 5))
			}
		}
		if check.errs > 0 {
			b.Errorf("reading progress back: %d errors, first: %v", check.errs, check.firstErr)
		}
		b.Logf("%d learners (%d readers, %.0f pages/s): seeded in %v, ready in %v; progress of %d learners read back, %d mismatches; load average at the start %s, now %s",
			cfg.learners, cfg.readers, cfg.pageRate, seeded.Round(time.Second), ready.Round(time.Second), checked.Load(), mismatches.Load(), load0, loadAvg())
	})
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// fetchErrBody is fetch with the start of the body in the error, for
// answers other than 200.
func fetchErrBody(hc *http.Client, req *http.Request) (int64, error) {
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		return 0, fmt.Errorf("%w: %d %s", errStatus, res.StatusCode, body)
	}
	return io.Copy(io.Discard, res.Body)
}

// logErrors is the last n ERROR lines of a server log.
func logErrors(path string, n int) string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "ERROR") {
			out = append(out, line)
		}
	}
	return strings.Join(out[max(0, len(out)-n):], "\n")
}
