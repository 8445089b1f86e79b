package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/search"
)

// syncBuffer is written by the server goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigErrorExitsTwo(t *testing.T) {
	var out, errb bytes.Buffer
	env := envOf(map[string]string{"KOMPETEN_DATA": t.TempDir(), "KOMPETEN_BLOBS": "s3://key:secret@minio:9000"})
	code := run(nil, strings.NewReader(""), &out, &errb, env)
	if code != 2 || !strings.Contains(errb.String(), "KOMPETEN_BLOBS") || !strings.Contains(errb.String(), "bucket") {
		t.Fatalf("exit %d, stderr %q; want 2 naming KOMPETEN_BLOBS and the missing bucket", code, errb.String())
	}
	if code := run([]string{"bogus"}, nil, &out, &errb, env); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestUserAdd(t *testing.T) {
	env := envOf(map[string]string{"KOMPETEN_DATA": t.TempDir()})
	add := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"user", "add"}, args...), strings.NewReader(stdin), &out, &errb, env)
		return code, out.String(), errb.String()
	}
	code, out, errs := add("kata-sandi-admin-1\n", "--nip", "198501012010011001", "--name", "Admin BKPSDM", "--role", "admin",
		"--unit", "BKPSDM", "--password-stdin")
	if code != 0 || !strings.Contains(out, "Admin BKPSDM") {
		t.Fatalf("user add: exit %d, out %q, err %q", code, out, errs)
	}
	if code, _, errs := add("kata-sandi-admin-1\n", "--nip", "198501012010011001", "--name", "Lagi", "--password-stdin"); code != 2 || !strings.Contains(errs, "already exists") {
		t.Errorf("duplicate NIP: exit %d, %q", code, errs)
	}
	if code, _, errs := add("kata-sandi-admin-1\n", "--nip", "12345", "--name", "X", "--password-stdin"); code != 2 || !strings.Contains(errs, "nip: the NIP must have 18 digits (it has 5)") {
		t.Errorf("invalid NIP: exit %d, %q", code, errs)
	}
	if code, _, errs := add("", "--nip", "198703212012032002", "--name", "X"); code != 2 || !strings.Contains(errs, "--password-stdin") {
		t.Errorf("no --password-stdin: exit %d, %q", code, errs)
	}
	if code, _, errs := add("pendek\n", "--nip", "198703212012032002", "--name", "X", "--password-stdin"); code != 2 || !strings.Contains(errs, "password") {
		t.Errorf("short password: exit %d, %q", code, errs)
	}
}

var readyLine = regexp.MustCompile(`msg=ready addr=(\S+) .*startup_ms=(\d+)`)

// TestServeAndShutdown starts the whole platform on the embedded defaults,
// checks it serves /login and reports how fast it got ready, then sends
// SIGTERM and expects a clean stop with the stores closed.
func TestServeAndShutdown(t *testing.T) {
	var out, errb syncBuffer
	env := envOf(map[string]string{"KOMPETEN_DATA": t.TempDir(), "KOMPETEN_ADDR": "127.0.0.1:0"})
	done := make(chan int, 1)
	go func() { done <- run(nil, nil, &out, &errb, env) }()
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == ""; {
		if m := readyLine.FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
			t.Logf("start-to-ready: %s ms", m[2])
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready in 20s:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Listening on loopback with no KOMPETEN_BASE_URL: certificates would
	// print a URL nobody else can open, and the log says so.
	if !strings.Contains(errb.String(), "level=WARN") || !strings.Contains(errb.String(), "KOMPETEN_BASE_URL is not https") ||
		!strings.Contains(errb.String(), "url=http://localhost:") {
		t.Errorf("no warning about the public URL at start:\n%s", errb.String())
	}
	if !strings.Contains(out.String(), "Belum ada admin") || !strings.Contains(out.String(), "user add") {
		t.Errorf("first start without an admin does not say how to create one:\n%s", out.String())
	}
	res, err := http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Masuk") {
		t.Fatalf("/login: %d", res.StatusCode)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM:\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
	if !strings.Contains(errb.String(), "shutting down") || !strings.Contains(errb.String(), "msg=stopped") {
		t.Errorf("no orderly shutdown in the log:\n%s", errb.String())
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"KOMPETEN_DATA": dir})
	var out, errb bytes.Buffer
	if code := run([]string{"demo"}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errb.String())
	}
	first := out.String()
	for _, want := range []string{"Kursus demo dibuat: /courses/" + demoSlug, demoTrainerNIP, demoLearnerNIP, "kata sandi demo-"} {
		if !strings.Contains(first, want) {
			t.Errorf("demo output lacks %q:\n%s", want, first)
		}
	}
	// The printed password works, and the course is there, published,
	// with a video whose length was read from the file, and a PDF.
	ctx := context.Background()
	cfg, err := app.ParseConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, env)
	if err != nil {
		t.Fatal(err)
	}
	store, err := app.OpenDocs(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pass := regexp.MustCompile(`peserta\s+NIP \d+\s+kata sandi (\S+)`).FindStringSubmatch(first)
	if pass == nil {
		t.Fatalf("no learner password in:\n%s", first)
	}
	if _, err := svc.Authenticate(ctx, demoLearnerNIP, pass[1], "127.0.0.1"); err != nil {
		t.Fatalf("printed learner password does not work: %v", err)
	}
	c, err := svc.Course(ctx, demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, l := range c.Lessons() {
		kinds[l.Kind]++
		if l.AssetID == "" {
			continue
		}
		a, err := svc.Asset(ctx, l.AssetID)
		if err != nil {
			t.Fatal(err)
		}
		switch l.Kind {
		case content.KindVideo:
			if a.ContentType != "video/mp4" || a.Duration < 23 || a.Duration > 25 {
				t.Errorf("video asset %s, %.1f s; want video/mp4 of 24 s", a.ContentType, a.Duration)
			}
		case content.KindFile:
			if a.ContentType != "application/pdf" {
				t.Errorf("PDF asset is %s", a.ContentType)
			}
		}
	}
	if c.Status != content.StatusPublished || kinds["text"] != 6 || kinds["video"] != 1 || kinds["file"] != 1 || kinds["quiz"] != 1 {
		t.Errorf("course %s with lessons %v", c.Status, kinds)
	}
	if _, err := svc.Enrollment(ctx, demoLearnerNIP, c.ID); err != nil {
		t.Errorf("demo learner not enrolled: %v", err)
	}
	// Again: nothing new, and it says so.
	out.Reset()
	if code := run([]string{"demo"}, nil, &out, &errb, env); code != 0 || !strings.Contains(out.String(), "sudah ada") {
		t.Fatalf("second demo: exit %d\n%s", code, out.String())
	}
}

func TestReindex(t *testing.T) {
	env := envOf(map[string]string{"KOMPETEN_DATA": t.TempDir()})
	var out, errb bytes.Buffer
	if code := run([]string{"demo"}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("demo: %s", errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"reindex"}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("reindex: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "[==============================] 1/1 kursus") || !strings.Contains(out.String(), "dibangun ulang") {
		t.Fatalf("no finished progress bar: %q %q", errb.String(), out.String())
	}
	// The demo course's lessons, the PDF's text included, are searchable.
	ctx := context.Background()
	cfg, err := app.ParseConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, env)
	if err != nil {
		t.Fatal(err)
	}
	stores, err := app.OpenStores(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer stores.Close()
	res, err := stores.Search.Search(ctx, search.Query{Text: "masyarakat", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var pdfHit bool
	for _, h := range res.Hits {
		if strings.Contains(h.LessonTitle, "PDF") {
			pdfHit = true
		}
	}
	if res.Total < 2 || !pdfHit {
		t.Errorf("search after reindex: %d hits, PDF lesson among them %v: %+v", res.Total, pdfHit, res.Hits)
	}
}
