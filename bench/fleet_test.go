package bench

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/mongo"
)

// The smallest fleet: two kompeten processes sharing one FerretDB and
// one MinIO, behind a round-robin proxy in this process. Issue 12's
// two-instance test builds a harness of its own; this one is the least
// the benchmarks need, and the two could share code later.

var ferretBin built

// ferretDB is a FerretDB process (bench/ferretserve, SQLite handler) on a
// free loopback port, stopped at exit. Its own process, so its CPU time
// is measured apart.
type ferretDB struct {
	URI string // mongodb://127.0.0.1:PORT/
	cmd *exec.Cmd
}

func (f *ferretDB) Pid() int { return f.cmd.Process.Pid }

func startFerretDB(tb testing.TB, name string) *ferretDB {
	tb.Helper()
	bin := ferretBin.build(tb, "./bench/ferretserve", "ferretserve")
	dir := filepath.Join(work(tb), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(tb))
	logf, err := os.Create(filepath.Join(dir, "ferretdb.log"))
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, addr, dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	atExit(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			tb.Fatalf("ferretserve exited during start-up:\n%s", tail(logf.Name()))
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("ferretserve not listening after 60 s:\n%s", tail(logf.Name()))
		}
	}
	return &ferretDB{URI: "mongodb://" + addr + "/", cmd: cmd}
}

// roundRobin is a reverse proxy that sends each request to the next
// backend in turn, as a load balancer without stickiness would.
func roundRobin(tb testing.TB, backends ...string) string {
	tb.Helper()
	targets := make([]*url.URL, len(backends))
	for i, b := range backends {
		u, err := url.Parse(b)
		if err != nil {
			tb.Fatal(err)
		}
		targets[i] = u
	}
	var next atomic.Uint64
	tr := newClient(512).Transport
	proxy := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
			r.Out.Host = r.In.Host
		},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	atExit(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// BenchmarkBeaconsTwoInstances is BenchmarkBeacons through two instances
// on FerretDB and MinIO behind a round-robin proxy. FerretDB 1.24 on
// SQLite is a stand-in for MongoDB that scans where MongoDB would use an
// index: what this proves is that the fleet keeps every learner's
// progress right, not how fast a real MongoDB would be. The load is a
// twentieth by default, 200 learners and 20 readers at 20 pages/s
// (KOMPETEN_BENCH_BEACON2_* settings, as for BenchmarkBeacons): FerretDB
// spent about 60 ms of CPU per beacon here and fell behind at about 12
// beacons/s, so 4,000 learners (267/s) would only measure its queue. Each instance keeps its own embedded search index:
// beacons and lesson pages do not search.
//
// On today's code every video beacon fails here: the enrolment stores
// watched intervals as arrays of pairs, and FerretDB 1.24 refuses nested
// arrays (MongoDB takes them). The benchmark stops after its first phase
// with the server's error. KOMPETEN_BENCH_BEACON2_POSITION_ONLY=1 sends
// beacons without intervals (still one versioned enrolment write each), to
// measure the rest.
func BenchmarkBeaconsTwoInstances(b *testing.B) {
	s3cfg := s3test.Start(b)
	fdb := startFerretDB(b, "beacons2-ferretdb")
	docsURI := fdb.URI + "kompeten_bench"
	blobsURL := (&url.URL{Scheme: "s3", User: url.UserPassword(s3cfg.AccessKey, s3cfg.SecretKey), Host: s3cfg.Endpoint,
		Path: "/kompeten-bench-" + randomHex(4), RawQuery: "secure=false"}).String()
	env := []string{"KOMPETEN_DOCS=" + docsURI, "KOMPETEN_BLOBS=" + blobsURL}
	one := startServerWith(b, "beacons2-a", true, env...)
	defer one.stop()
	two := startServerWith(b, "beacons2-b", false, env...)
	defer two.stop()
	site := &beaconSite{
		base: roundRobin(b, one.Base, two.Base),
		// Today an upload's parts live in the memory of the instance that
		// took them (issue 12): the course's video goes through one.
		direct:  one.Base,
		servers: []*server{one, two},
		others:  map[string]int{"ferretdb": fdb.Pid(), "minio": s3test.Pid()},
		store: func() docs.Store {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			st, err := mongo.Open(ctx, docsURI, content.Schemas())
			if err != nil {
				b.Fatal(err)
			}
			return st
		},
	}
	runBeacons(b, site, beaconSettingsFor("KOMPETEN_BENCH_BEACON2", 200, 20, 20))
}
