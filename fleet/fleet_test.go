//go:build unix

// Package fleet is the two-instance test: two `kompeten serve` processes
// share one MongoDB-protocol server (FerretDB, in this test process), one
// MinIO and one search server, behind a round-robin proxy, and the
// platform's flows run through the proxy as if it were one server.
//
// The search server is a stand-in speaking Meilisearch's document API
// (standin_test.go), not Meilisearch: none can run here.
//
// A capability adds its flows in a few lines, in a file of its own:
//
//	var _ = Flow("reminders are sent once", func(t *testing.T, f *Fleet) {
//		tr := f.NewUser(t, "trainer")
//		c := f.Proxy.Must(t, 201, "POST", "/api/v1/courses", tr.Token, map[string]any{…})
//		f.Track(c["id"].(string))
//		…
//	})
//
// Flows run in order (files by name, then declaration order), each as a
// subtest of TestFleet on one fleet. After them, every course a flow
// tracked must be in the search index as it now is.
package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
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

	"github.com/kotalama/kompeten/internal/wireserial"
	"github.com/kotalama/kompeten/mail/mailpit"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

func TestMain(m *testing.M) { s3test.Main(m) }

// password is every test account's.
const password = "kata-sandi-rahasia-1"

type flow struct {
	name string
	fn   func(t *testing.T, f *Fleet)
}

var flows []flow

// Flow adds a flow to TestFleet. Use it at package level:
// var _ = Flow("name", func(t *testing.T, f *Fleet) { … }).
func Flow(name string, fn func(t *testing.T, f *Fleet)) bool {
	flows = append(flows, flow{name, fn})
	return true
}

// TestFleet starts the fleet once and runs every flow through it.
func TestFleet(t *testing.T) {
	start := time.Now()
	f := Start(t)
	t.Logf("fleet up in %v: proxy %s, instances %s and %s", time.Since(start).Round(time.Millisecond),
		f.Proxy.Base, f.Instances[0].Base, f.Instances[1].Base)
	for _, fl := range flows {
		t0 := time.Now()
		t.Run(fl.name, func(t *testing.T) { fl.fn(t, f) })
		t.Logf("flow %q: %v", fl.name, time.Since(t0).Round(time.Millisecond))
	}
	t.Run("index holds every course's latest state", func(t *testing.T) { f.checkIndex(t) })
	if odd := f.Search.Unexpected(); len(odd) > 0 {
		t.Errorf("the search stand-in got requests it does not know (teach it, or the driver changed):\n%s", strings.Join(odd, "\n"))
	}
	t.Logf("whole fleet test: %v", time.Since(start).Round(time.Millisecond))
}

// Fleet is the running system.
type Fleet struct {
	Proxy     Client      // the round-robin proxy: what a browser reaches
	Instances []*Instance // each instance directly, to force a request to one
	Search    *SearchStandIn
	Admin     User
	// FerretDB is set when the document store is FerretDB rather than a
	// MongoDB server (KOMPETEN_TEST_MONGODB_URI).
	FerretDB bool
	// Mail is the SMTP server both instances send notification email to.
	Mail *mailpit.Server
	// DocsURI is the document store both instances use, for a flow that
	// must write a document no API of its branch writes yet.
	DocsURI string

	t        *testing.T
	bin      string
	env      []string // shared by every instance and CLI call
	proxy    *roundRobin
	hc       *http.Client
	mu       sync.Mutex
	courses  []string // tracked courses, checked against the index at the end
	certs    []Certificate
	learners []User // shared by flows (see Learners)
}

// Certificate is one a flow earned, for the certificates flow to verify.
type Certificate struct {
	Code, Name, Course string
	Holder             User
}

// User is an account with an API token. IP is the address the proxy is
// told the user's requests come from (X-Forwarded-For), so login
// throttles and logs see distinct people.
type User struct {
	NIP, Name, Token, IP string
}

// Track registers a course whose search entries must be current at the end.
func (f *Fleet) Track(courseID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.courses, courseID) {
		f.courses = append(f.courses, courseID)
	}
}

// Earned registers a certificate for the certificates flow.
func (f *Fleet) Earned(c Certificate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.certs = append(f.certs, c)
}

func (f *Fleet) earned() []Certificate {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.certs)
}

// ---- starting ------------------------------------------------------------

// Start builds kompeten, starts FerretDB, MinIO (s3test: skipped without
// a MinIO binary unless CI=true), the search stand-in, the proxy and two
// instances, and adds the first admin with `kompeten user add`.
func Start(t *testing.T) *Fleet {
	t.Helper()
	s3 := s3test.Start(t) // skips (or fails under CI=true) without MinIO
	dir := t.TempDir()
	f := &Fleet{t: t, Search: startSearchStandIn(t), hc: newHTTPClient()}
	t0 := time.Now()
	var ferretd string
	f.bin, ferretd = build(t, dir)
	t.Logf("built kompeten and ferretd in %v", time.Since(t0).Round(time.Millisecond))
	mongoURI, ferret := startDocs(t, dir, ferretd)
	f.FerretDB = ferret
	f.DocsURI = mongoURI

	f.proxy = &roundRobin{}
	psrv := httptest.NewServer(f.proxy)
	t.Cleanup(psrv.Close)
	f.Proxy = Client{Base: psrv.URL, HC: f.hc}

	blobs := (&url.URL{Scheme: "s3", User: url.UserPassword(s3.AccessKey, s3.SecretKey), Host: s3.Endpoint,
		Path: "/" + s3.Bucket, RawQuery: "secure=" + strconv.FormatBool(s3.Secure)}).String()
	f.Mail = mailpit.Start(t)
	f.env = append(os.Environ(),
		"KOMPETEN_SMTP=smtp://"+f.Mail.SMTPAddr,
		"KOMPETEN_MAIL_FROM=Kompeten Armada <noreply@kotalama.go.id>",
		// Every instance tries the reminder pass every 2 s: each period's
		// pass runs on one, and each reminder still goes out once.
		"KOMPETEN_REMINDER_INTERVAL=2s",
		"KOMPETEN_DOCS="+mongoURI,
		"KOMPETEN_BLOBS="+blobs,
		"KOMPETEN_BASE_URL="+psrv.URL,
		"KOMPETEN_TRUSTED_PROXIES=127.0.0.1,::1",
		"KOMPETEN_LOG_LEVEL=info",
	)

	f.Admin = User{NIP: nextNIP(), Name: "Admin Armada", IP: "10.9.0.1"}
	cmd := exec.Command(f.bin, "user", "add", "--nip", f.Admin.NIP, "--name", f.Admin.Name, "--role", "admin", "--password-stdin")
	cmd.Env = append(slices.Clip(f.env), "KOMPETEN_DATA="+filepath.Join(dir, "cli"))
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kompeten user add (admin): %v\n%s", err, out)
	}

	for _, name := range []string{"a", "b"} {
		in := &Instance{Name: name, Key: "instance-" + name, dir: filepath.Join(dir, "instance-"+name), f: f}
		if err := os.MkdirAll(in.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		in.Base = "http://" + freeAddr(t)
		in.Client = Client{Base: in.Base, HC: f.hc}
		f.Instances = append(f.Instances, in)
		f.proxy.add(in.Base)
		// One after the other: both creating the collections' indexes at
		// the same moment is the rolling-deploy question, not this one.
		t0 := time.Now()
		in.start(t)
		t.Logf("instance %s ready in %v", name, time.Since(t0).Round(time.Millisecond))
	}
	t.Cleanup(func() {
		for _, in := range f.Instances {
			if t.Failed() {
				t.Logf("instance %s log (end):\n%s", in.Name, in.LogTail())
			}
			in.stop()
		}
	})
	f.Admin.Token = f.login(t, f.Admin)
	return f
}

func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
}

// build builds cmd/kompeten and fleet/ferretd into dir, without the race
// detector: the servers are subjects here, the test process is the one
// checked for races.
func build(t *testing.T, dir string) (kompeten, ferretd string) {
	t.Helper()
	goTool := os.Getenv("GO")
	if goTool == "" {
		goTool = "go"
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "./cmd/kompeten", "./fleet/ferretd")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kompeten ./fleet/ferretd: %v\n%s", err, out)
	}
	return filepath.Join(dir, "kompeten"), filepath.Join(dir, "ferretd")
}

// startDocs returns the URI of a fresh database for both instances: on
// the MongoDB server KOMPETEN_TEST_MONGODB_URI names, else on FerretDB
// (SQLite handler) run from ferretd on a free loopback port, behind a
// proxy that lets one request through at a time (internal/wireserial). ferretd is
// built without the race detector, like kompeten: inside a -race test
// binary FerretDB would be the slowest part of the fleet by far.
func startDocs(t *testing.T, dir, ferretd string) (uri string, ferret bool) {
	t.Helper()
	if raw := os.Getenv("KOMPETEN_TEST_MONGODB_URI"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("KOMPETEN_TEST_MONGODB_URI: %v", err)
		}
		u.Path = fmt.Sprintf("/kompeten_fleet_%d", time.Now().UnixNano())
		return u.String(), false
	}
	fdir := filepath.Join(dir, "ferretdb")
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(ferretd, "-addr", addr, "-dir", fdir, "-pprof", os.Getenv("KOMPETEN_FLEET_FERRETD_PPROF"))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	ready := make(chan struct{})
	go func() {
		b := make([]byte, 16)
		if n, _ := io.ReadAtLeast(out, b, 5); n >= 5 && string(b[:5]) == "ready" {
			close(ready)
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case <-ready:
	case <-exited:
		t.Fatal("ferretd exited during start-up")
	case <-time.After(60 * time.Second):
		t.Fatal("ferretd not ready after 60 s")
	}
	// FerretDB 1.24 does not make a version-guarded replace atomic across
	// connections; one request at a time through wireserial does, as
	// MongoDB is atomic, so the fleet's leases and once-only records hold
	// between the two processes.
	serial, err := wireserial.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serial.Close() })
	return "mongodb://" + serial.Addr() + "/kompeten_fleet", true
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

var nipSeq atomic.Int64

// nextNIP makes a valid NIP no other account in the run has: birth dates
// step a day per 999 accounts, appointed January 2015.
func nextNIP() string {
	i := int(nipSeq.Add(1))
	birth := time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/999)
	return birth.Format("20060102") + "201501" + "1" + fmt.Sprintf("%03d", i%999+1)
}

// ---- instances -------------------------------------------------------------

// Instance is one `kompeten serve` process.
type Instance struct {
	Client
	Name string // "a", "b"
	Key  string // its search key: the stand-in tells writers apart by it

	f    *Fleet
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	logs []string // log files, one per start
}

func (in *Instance) start(t *testing.T) {
	t.Helper()
	logPath := filepath.Join(in.dir, fmt.Sprintf("server-%d.log", len(in.logs)+1))
	in.logs = append(in.logs, logPath)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	searchURL, _ := url.Parse(in.f.Search.URL)
	cmd := exec.Command(in.f.bin, "serve")
	cmd.Env = append(slices.Clip(in.f.env),
		"KOMPETEN_DATA="+in.dir,
		"KOMPETEN_ADDR="+strings.TrimPrefix(in.Base, "http://"),
		"KOMPETEN_SEARCH=meilisearch://"+searchURL.Host+"?key="+in.Key)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.cmd, in.done = cmd, make(chan struct{})
	done := in.done
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(90 * time.Second)
	hc := &http.Client{Timeout: 3 * time.Second}
	for {
		select {
		case <-done:
			t.Fatalf("instance %s exited during start-up:\n%s", in.Name, in.LogTail())
		default:
		}
		if time.Now().After(deadline) {
			in.stop()
			t.Fatalf("instance %s not ready after 90s:\n%s", in.Name, in.LogTail())
		}
		if res, err := hc.Get(in.Base + "/readyz"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				in.f.proxy.setUp(in.Base, true)
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Kill sends SIGKILL: no shutdown, no flushing, requests in flight cut.
// The proxy stops sending to it, as a health-checking balancer would.
func (in *Instance) Kill(t *testing.T) {
	t.Helper()
	in.f.proxy.setUp(in.Base, false)
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	<-in.done
}

// Restart starts a killed or stopped instance again on the same address.
func (in *Instance) Restart(t *testing.T) {
	t.Helper()
	in.stop()
	in.start(t)
}

// stop asks for a graceful exit, then kills.
func (in *Instance) stop() {
	if in.cmd == nil {
		return
	}
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

// LogTail is the end of the instance's current log.
func (in *Instance) LogTail() string {
	if len(in.logs) == 0 {
		return ""
	}
	b, _ := os.ReadFile(in.logs[len(in.logs)-1])
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ---- the proxy ---------------------------------------------------------------

// roundRobin sends each request to the next live backend in turn, adding
// X-Forwarded-For like any reverse proxy. A backend that refuses a
// connection, or that Kill took down, gets nothing until it is up again.
type roundRobin struct {
	mu       sync.Mutex
	backends []*backend
	next     int
}

type backend struct {
	base  string
	up    bool
	proxy *httputil.ReverseProxy
}

func (p *roundRobin) add(base string) {
	u, _ := url.Parse(base)
	b := &backend{base: base}
	b.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
			// SetXForwarded replaces the header; keep what the client
			// sent before it, as a proxy in a chain does.
			if prior := r.In.Header.Get("X-Forwarded-For"); prior != "" {
				r.Out.Header.Set("X-Forwarded-For", prior+", "+r.Out.Header.Get("X-Forwarded-For"))
			}
		},
		Transport: &http.Transport{Proxy: nil, MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if isRefused(err) {
				p.setUp(base, false)
			}
			http.Error(w, "fleet proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.mu.Lock()
	p.backends = append(p.backends, b)
	p.mu.Unlock()
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

func (p *roundRobin) setUp(base string, up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.backends {
		if b.base == base {
			b.up = up
		}
	}
}

func (p *roundRobin) pick() *backend {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.backends {
		b := p.backends[p.next%len(p.backends)]
		p.next++
		if b.up {
			return b
		}
	}
	return nil
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := p.pick()
	if b == nil {
		http.Error(w, "fleet proxy: no live instance", http.StatusBadGateway)
		return
	}
	b.proxy.ServeHTTP(w, r)
}

// ---- HTTP ---------------------------------------------------------------------

// Client sends requests to one base URL: the proxy or one instance.
type Client struct {
	Base string
	HC   *http.Client
}

// Response is a whole answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object (nil when it is not one).
func (r *Response) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// Req describes a request beyond method and path.
type Req struct {
	Token  string
	IP     string // sent as X-Forwarded-For
	Body   any    // JSON-encoded, or []byte sent as is
	Header map[string]string
}

// Do sends one request and reads the whole answer.
func (c Client) Do(ctx context.Context, method, path string, r Req) (*Response, error) {
	var rd io.Reader
	var ctype string
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/octet-stream"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.IP != "" {
		req.Header.Set("X-Forwarded-For", r.IP)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := c.HC.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: body}, nil
}

// Must sends a JSON request as u and fails t unless the status is want;
// it returns the decoded object.
func (c Client) Must(t testing.TB, want int, method, path string, u User, body any) map[string]any {
	t.Helper()
	res, err := c.Do(context.Background(), method, path, Req{Token: u.Token, IP: u.IP, Body: body})
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, c.Base, path, err)
	}
	if res.Status != want {
		t.Fatalf("%s %s%s: status %d, want %d\n%.500s", method, c.Base, path, res.Status, want, res.Body)
	}
	return res.JSON()
}

// ---- accounts ---------------------------------------------------------------------

var ipSeq atomic.Int64

func nextIP() string {
	i := ipSeq.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", 20+i/65536, i/256%256, i%256)
}

func (f *Fleet) login(t testing.TB, u User) string {
	t.Helper()
	res := f.Proxy.Must(t, 201, "POST", "/api/v1/auth/token", u, map[string]string{"nip": u.NIP, "password": password})
	tok, _ := res["token"].(string)
	if tok == "" {
		t.Fatalf("no token in %v", res)
	}
	return tok
}

// NewUser adds an account with the role (learner, trainer, admin) through
// the admin API and logs it in, all through the proxy.
func (f *Fleet) NewUser(t testing.TB, role string) User {
	t.Helper()
	return f.NewUsers(t, 1, role)[0]
}

// NewUsers adds n accounts, a few at a time (each costs two password
// hashes on the servers).
func (f *Fleet) NewUsers(t testing.TB, n int, role string) []User {
	t.Helper()
	users := make([]User, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	for i := range users {
		users[i] = User{NIP: nextNIP(), Name: fmt.Sprintf("Peserta Armada %d", nipSeq.Load()), IP: nextIP()}
		if role != "learner" {
			users[i].Name = fmt.Sprintf("Pengajar Armada %s", users[i].NIP[15:])
		}
		wg.Add(1)
		go func(u *User) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx := context.Background()
			res, err := f.Proxy.Do(ctx, "POST", "/api/v1/users", Req{Token: f.Admin.Token, IP: f.Admin.IP,
				Body: map[string]any{"nip": u.NIP, "name": u.Name, "roles": []string{role}, "unit": "Dinas Uji", "password": password}})
			if err == nil && res.Status != 201 {
				err = fmt.Errorf("create user %s: status %d: %.300s", u.NIP, res.Status, res.Body)
			}
			if err != nil {
				errs <- err
				return
			}
			res, err = f.Proxy.Do(ctx, "POST", "/api/v1/auth/token", Req{IP: u.IP, Body: map[string]string{"nip": u.NIP, "password": password}})
			if err == nil && res.Status != 201 {
				err = fmt.Errorf("log in %s: status %d: %.300s", u.NIP, res.Status, res.Body)
			}
			if err != nil {
				errs <- err
				return
			}
			u.Token, _ = res.JSON()["token"].(string)
		}(&users[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return users
}

// ---- the index at the end ------------------------------------------------------------

// checkIndex waits for both instances to report nothing pending for
// search and for the stand-in to hold back no write, then for it to hold
// every tracked course as the document store has it now.
func (f *Fleet) checkIndex(t *testing.T) {
	f.mu.Lock()
	courses := slices.Clone(f.courses)
	f.mu.Unlock()
	if len(courses) == 0 {
		t.Fatal("no flow tracked a course")
	}
	// Settled is nothing pending, nothing held back, for two outbox rounds
	// (the outbox runs every 2 s): nothing will change the index after.
	deadline := time.Now().Add(45 * time.Second)
	var stale []string
	var settled time.Time
	for {
		pending := int64(0)
		for _, in := range f.Instances {
			res, err := in.Do(context.Background(), "GET", "/readyz", Req{})
			if err != nil || res.Status != 200 {
				pending++
				continue
			}
			n, _ := res.JSON()["search_pending"].(float64)
			pending += int64(n)
		}
		stale = stale[:0]
		if pending > 0 || f.Search.Held() > 0 {
			settled = time.Time{}
		} else {
			if settled.IsZero() {
				settled = time.Now()
			}
			for _, id := range courses {
				if d := f.indexDiff(t, id); d != "" {
					stale = append(stale, d)
				}
			}
			if len(stale) == 0 {
				t.Logf("index current for %d courses (%d document writes in all)", len(courses), len(f.Search.Writes()))
				return
			}
			if time.Since(settled) > 5*time.Second {
				break
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	msg := fmt.Sprintf("with nothing pending for %v, %d of %d courses are stale in the index:\n%s",
		time.Since(settled).Round(time.Second), len(stale), len(courses), strings.Join(stale, "\n"))
	if len(stale) == 0 {
		msg = "search_pending did not reach 0 within 45 s"
	}
	t.Error(msg)
}

// indexDiff compares the course's index document with the course as the
// admin reads it: "" when they agree.
func (f *Fleet) indexDiff(t *testing.T, id string) string {
	res, err := f.Proxy.Do(context.Background(), "GET", "/api/v1/courses/"+id, Req{Token: f.Admin.Token, IP: f.Admin.IP})
	if err != nil {
		return fmt.Sprintf("%s: %v", id, err)
	}
	doc := f.Search.Doc(id)
	if res.Status == 404 {
		if doc != nil {
			return fmt.Sprintf("%s: deleted, still in the index as %q", id, doc["title"])
		}
		return ""
	}
	c := res.JSON()
	if doc == nil {
		return fmt.Sprintf("%s: %q not in the index", id, c["title"])
	}
	var diffs []string
	for _, k := range []string{"title", "summary", "status", "category", "level"} {
		if fmt.Sprint(c[k]) != fmt.Sprint(doc[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %q in the index, %q in the store", k, doc[k], c[k]))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return id + ": " + strings.Join(diffs, "; ") + "; writes: " + f.writesOf(id)
}

// writesOf summarises the stand-in's writes of one document, in order.
func (f *Fleet) writesOf(id string) string {
	var out []string
	for _, w := range f.Search.Writes() {
		if w.ID == id {
			out = append(out, fmt.Sprintf("#%d %s %s %q", w.Seq, w.Key, w.Op, w.Title))
		}
	}
	if len(out) > 8 {
		out = append(out[:2], append([]string{"…"}, out[len(out)-6:]...)...)
	}
	return strings.Join(out, ", ")
}
