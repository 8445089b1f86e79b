package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The accounts every benchmark server has (valid NIPs: birth date, TMT,
// sex and sequence).
const (
	trainerNIP = "198703212012032002"
	learnerNIP = "199203152015031003"
	password   = "kata-sandi-rahasia-1"
)

// ---- process-wide temp dir and cleanup -----------------------------------

var (
	cleanMu  sync.Mutex
	cleanups []func()

	workOnce sync.Once
	workDir  string
	workErr  error
)

// atExit registers f to run when the test binary ends (last in, first out).
func atExit(f func()) {
	cleanMu.Lock()
	defer cleanMu.Unlock()
	cleanups = append(cleanups, f)
}

func cleanupAll() {
	cleanMu.Lock()
	fs := cleanups
	cleanups = nil
	cleanMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// work is one temp dir for the whole run: the binary, server data dirs and
// the 1 GiB file. It is removed at exit.
func work(tb testing.TB) string {
	tb.Helper()
	workOnce.Do(func() {
		workDir, workErr = os.MkdirTemp("", "kompeten-bench-")
		if workErr == nil {
			d := workDir
			atExit(func() { os.RemoveAll(d) })
		}
	})
	if workErr != nil {
		tb.Fatal(workErr)
	}
	return workDir
}

// ---- the binary -----------------------------------------------------------

// built is a binary built once per run.
type built struct {
	once sync.Once
	path string
	err  error
}

var kompetenBin, proxyFloorBin built

// binary builds cmd/kompeten once per run (CGO_ENABLED=0, like the image).
func binary(tb testing.TB) string { return kompetenBin.build(tb, "./cmd/kompeten", "kompeten") }

// build builds the package pkg (relative to the module root) to name in
// the work directory, once.
func (b *built) build(tb testing.TB, pkg, name string) string {
	tb.Helper()
	dir := work(tb)
	b.once.Do(func() {
		goTool := os.Getenv("GO")
		if goTool == "" {
			goTool = "go"
		}
		root, err := filepath.Abs("..")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, name)
		cmd := exec.Command(goTool, "build", "-o", b.path, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// ---- the server subprocess ------------------------------------------------

type server struct {
	Base    string // http://127.0.0.1:PORT
	Data    string
	LogPath string
	env     []string // for restarts
	cmd     *exec.Cmd
	done    chan struct{}
	stopped sync.Once
}

func (s *server) Pid() int { return s.cmd.Process.Pid }

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer makes a data dir named name, adds the trainer and the
// learner with `kompeten user add`, starts `kompeten serve` on a free
// 127.0.0.1 port with the extra environment, and waits for /readyz. It is
// stopped (SIGTERM) by stop, or at exit.
func startServer(tb testing.TB, name string, extraEnv ...string) *server {
	tb.Helper()
	return startServerWith(tb, name, true, extraEnv...)
}

// startServerWith is startServer; without addUsers it adds no accounts,
// for a second instance on a shared document store that has them.
func startServerWith(tb testing.TB, name string, addUsers bool, extraEnv ...string) *server {
	tb.Helper()
	bin := binary(tb)
	data := filepath.Join(work(tb), name)
	if err := os.MkdirAll(data, 0o755); err != nil {
		tb.Fatal(err)
	}
	env := append(os.Environ(), "KOMPETEN_DATA="+data)
	env = append(env, extraEnv...)
	for _, u := range []struct{ nip, name, role string }{
		{trainerNIP, "Bench Pengajar", "trainer"},
		{learnerNIP, "Bench Peserta", "learner"},
	} {
		if !addUsers {
			break
		}
		cmd := exec.Command(bin, "user", "add", "--nip", u.nip, "--name", u.name, "--role", u.role, "--password-stdin")
		cmd.Env = env
		cmd.Stdin = strings.NewReader(password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("kompeten user add %s: %v\n%s", u.nip, err, out)
		}
	}
	s := &server{Data: data, LogPath: filepath.Join(data, "server.log"), env: env}
	s.launch(tb, bin, freePort(tb))
	return s
}

// restart stops the server and starts it again on the same data and port,
// so a measurement starts from a fresh process (RSS, caches, pools).
func (s *server) restart(tb testing.TB) {
	tb.Helper()
	s.stop()
	u, err := url.Parse(s.Base)
	if err != nil {
		tb.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	s.stopped = sync.Once{}
	s.launch(tb, binary(tb), port)
}

func (s *server) launch(tb testing.TB, bin string, port int) {
	tb.Helper()
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(slices.Clip(s.env), "KOMPETEN_ADDR="+addr, "KOMPETEN_BASE_URL=http://"+addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s.Base, s.cmd, s.done = "http://"+addr, cmd, make(chan struct{})
	done := s.done
	go func() { cmd.Wait(); close(done) }()
	atExit(s.stop)

	deadline := time.Now().Add(60 * time.Second)
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-done:
			tb.Fatalf("kompeten serve exited during start-up:\n%s", tail(s.LogPath))
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			tb.Fatalf("kompeten serve not ready after 60s:\n%s", tail(s.LogPath))
		}
		if res, err := hc.Get(s.Base + "/readyz"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a graceful exit, then SIGKILL. Only
// the current process is stopped: a registration from before a restart
// finds it already stopped.
func (s *server) stop() {
	cmd, done := s.cmd, s.done
	s.stopped.Do(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
}

// cpuTime is the user+system CPU time the server process has used.
func (s *server) cpuTime() time.Duration { return procCPU(s.Pid()) }

// procCPU is the user+system CPU time process pid has used, 0 if unknown.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the ")" that ends the command name: state is field 3,
	// utime 14 and stime 15, in clock ticks (USER_HZ, 100 on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is the CPU time of this (client) process.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// ---- memory of the server ---------------------------------------------------

// procKB reads a "Field:   N kB" line of /proc/PID/status.
func procKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// rssWatch polls VmRSS every 20 ms and keeps the maximum. It also resets
// the kernel's high-water mark (clear_refs 5) at the start, so VmHWM at
// the end covers the watched phase only, 20 ms gaps included.
type rssWatch struct {
	pid     int
	peakKB  atomic.Int64
	startKB int64
	stopc   chan struct{}
	done    chan struct{}
	hwmOK   bool
}

func watchRSS(pid int) *rssWatch {
	w := &rssWatch{pid: pid, stopc: make(chan struct{}), done: make(chan struct{})}
	w.hwmOK = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	w.startKB, _ = procKB(pid, "VmRSS")
	w.peakKB.Store(w.startKB)
	go func() {
		defer close(w.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if kb, err := procKB(pid, "VmRSS"); err == nil && kb > w.peakKB.Load() {
				w.peakKB.Store(kb)
			}
			select {
			case <-w.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop returns the polled peak, the kernel high-water mark (0 if it could
// not be reset) and the RSS at the start, all in MiB.
func (w *rssWatch) Stop() (peakMiB, hwmMiB, startMiB float64) {
	close(w.stopc)
	<-w.done
	if kb, err := procKB(w.pid, "VmRSS"); err == nil && kb > w.peakKB.Load() {
		w.peakKB.Store(kb)
	}
	if w.hwmOK {
		if kb, err := procKB(w.pid, "VmHWM"); err == nil {
			hwmMiB = float64(kb) / 1024
		}
	}
	return float64(w.peakKB.Load()) / 1024, hwmMiB, float64(w.startKB) / 1024
}

// ---- HTTP -------------------------------------------------------------------

// newClient is a client for up to conns parallel connections to one host,
// with 64 KiB socket buffers (minio-go's transport uses 32 KiB).
func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		WriteBufferSize:     64 << 10,
		ReadBufferSize:      64 << 10,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
}

// call sends a JSON request and decodes a JSON object answer; a status
// other than want fails tb.
func call(tb testing.TB, c *http.Client, method, url, token string, body any, want int) map[string]any {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if res.StatusCode != want {
		tb.Fatalf("%s %s: status %d, want %d\n%s", method, url, res.StatusCode, want, b)
	}
	out := map[string]any{}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			tb.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return out
}

func str(tb testing.TB, m map[string]any, key string) string {
	tb.Helper()
	s, ok := m[key].(string)
	if !ok || s == "" {
		tb.Fatalf("no %q in %v", key, m)
	}
	return s
}

func token(tb testing.TB, c *http.Client, base, nip string) string {
	tb.Helper()
	return str(tb, call(tb, c, "POST", base+"/api/v1/auth/token", "", map[string]string{"nip": nip, "password": password}, 201), "token")
}

// ---- load loops and statistics -----------------------------------------------

// loadResult is what a bounded load loop measured.
type loadResult struct {
	lat      []time.Duration // one per successful request, sorted
	errs     int64
	firstErr error
	wall     time.Duration
	bytes    int64
}

func (r *loadResult) pct(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	i := min(len(r.lat)-1, int(float64(len(r.lat))*p/100))
	return float64(r.lat[i].Microseconds()) / 1000
}

func (r *loadResult) rps() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

// runLoad runs do from clients goroutines until total calls are made or
// limit passes, whichever is first. do returns the bytes it read.
func runLoad(clients, total int, limit time.Duration, do func(ctx context.Context, i int) (int64, error)) *loadResult {
	return runLoadAt(clients, total, 0, limit, do)
}

// runLoadAt is runLoad with an offered rate: with rate > 0, call i is due
// at start + i/rate, and its latency counts from when it was due, so a
// server that falls behind shows it (no coordinated omission). With rate
// 0 every client sends its next call as soon as the last one answered.
func runLoadAt(clients, total int, rate float64, limit time.Duration, do func(ctx context.Context, i int) (int64, error)) *loadResult {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var next atomic.Int64
	var errs, nbytes atomic.Int64
	var errOnce sync.Once
	res := &loadResult{}
	lats := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				t0 := time.Now()
				if rate > 0 {
					t0 = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					if d := time.Until(t0); d > 0 {
						time.Sleep(d)
					}
				}
				n, err := do(ctx, i)
				if err != nil {
					if ctx.Err() != nil {
						return // the time bound, not a failure
					}
					errs.Add(1)
					errOnce.Do(func() { res.firstErr = err })
					continue
				}
				lats[w] = append(lats[w], time.Since(t0))
				nbytes.Add(n)
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	for _, l := range lats {
		res.lat = append(res.lat, l...)
	}
	slices.Sort(res.lat)
	res.errs, res.bytes = errs.Load(), nbytes.Load()
	return res
}

// discard reads r to the end through a 1 MiB buffer (io.Discard's own
// ReadFrom would read 8 KiB at a time, which costs minio.Object a channel
// round trip per call).
func discard(r io.Reader, buf []byte) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{r}, buf)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var errStatus = errors.New("unexpected status")

// fetch sends req and reads the body to the end, a load generator's
// request: the bytes read, and errStatus for anything but 200.
func fetch(hc *http.Client, req *http.Request) (int64, error) {
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("%w: %d", errStatus, res.StatusCode)
	}
	return n, err
}
