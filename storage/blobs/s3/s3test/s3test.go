// Package s3test gives tests a real S3 server: a MinIO process started
// once per test binary, or an existing server named by
// KOMPETEN_TEST_S3_URL. Each Start call gets its own bucket.
//
// The MinIO binary is $KOMPETEN_TEST_MINIO_BIN, else minio on PATH, else
// $HOME/.cache/kompeten/bin/minio. Without one, tests skip, except under
// CI=true, where they fail: a missing server must never pass silently.
//
// Use Main from TestMain so the server stops when the tests end:
//
//	func TestMain(m *testing.M) { s3test.Main(m) }
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kotalama/kompeten/storage/blobs/s3"
)

const startTimeout = 60 * time.Second

var errNoBinary = errors.New("s3test: no MinIO binary")

var (
	once   sync.Once
	srv    *server
	srvCfg s3.Config
	srvErr error
)

// Main runs the tests and then stops the MinIO server, if one started.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Start returns the configuration of a fresh, empty bucket. The bucket
// and its objects are removed when tb ends.
func Start(tb testing.TB) s3.Config {
	tb.Helper()
	once.Do(func() { srvCfg, srvErr = connect() })
	if errors.Is(srvErr, errNoBinary) {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v; CI=true requires MinIO (set KOMPETEN_TEST_MINIO_BIN or KOMPETEN_TEST_S3_URL)", srvErr)
		}
		tb.Skipf("%v; set KOMPETEN_TEST_MINIO_BIN or KOMPETEN_TEST_S3_URL to run", srvErr)
	}
	if srvErr != nil {
		tb.Fatal(srvErr)
	}
	cfg := srvCfg
	cfg.Bucket = "kompeten-test-" + randomHex(6)
	tb.Cleanup(func() { removeBucket(cfg) })
	return cfg
}

// Stop kills the MinIO server started by Start, if any, and removes its
// data. Tests using Main need not call it.
func Stop() {
	if srv != nil {
		srv.stop()
		srv = nil
	}
}

// connect picks the external server or starts MinIO.
func connect() (s3.Config, error) {
	if raw := os.Getenv("KOMPETEN_TEST_S3_URL"); raw != "" {
		return parseURL(raw)
	}
	bin, err := findBinary()
	if err != nil {
		return s3.Config{}, err
	}
	// A port picked free can be taken before MinIO binds it; try again.
	for range 3 {
		srv, err = startServer(bin)
		if err == nil {
			return srv.cfg, nil
		}
	}
	return s3.Config{}, err
}

// parseURL reads the KOMPETEN_BLOBS form; the bucket part, if any, is
// ignored since every Start makes its own.
func parseURL(raw string) (s3.Config, error) {
	cfg, err := s3.ParseURL(raw)
	if err != nil {
		return s3.Config{}, fmt.Errorf("s3test: KOMPETEN_TEST_S3_URL: %w", err)
	}
	cfg.Bucket = ""
	return cfg, nil
}

func findBinary() (string, error) {
	if bin := os.Getenv("KOMPETEN_TEST_MINIO_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			// Named explicitly, so absence is a mistake, not a skip.
			return "", fmt.Errorf("s3test: KOMPETEN_TEST_MINIO_BIN: %w", err)
		}
		return bin, nil
	}
	if bin, err := exec.LookPath("minio"); err == nil {
		return bin, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		bin := filepath.Join(home, ".cache", "kompeten", "bin", "minio")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	return "", fmt.Errorf("%w: not in KOMPETEN_TEST_MINIO_BIN, PATH or ~/.cache/kompeten/bin", errNoBinary)
}

type server struct {
	cmd  *exec.Cmd
	dir  string
	done chan struct{} // closed when the process has exited
	cfg  s3.Config
}

// Pid is the process id of the MinIO server Start started, 0 when it
// started none (an external server, or Start not called yet). Benchmarks
// read its CPU time.
func Pid() int {
	if srv == nil || srv.cmd.Process == nil {
		return 0
	}
	return srv.cmd.Process.Pid
}

func startServer(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "kompeten-minio-")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	consoleAddr, err := freeAddr()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "minio.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	user, pass := "kompeten", randomHex(16)
	cmd := exec.Command(bin, "server", "--quiet", "--address", addr, "--console-address", consoleAddr, filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+user,
		"MINIO_ROOT_PASSWORD="+pass,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("s3test: start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, dir: dir, done: make(chan struct{}),
		cfg: s3.Config{Endpoint: addr, AccessKey: user, SecretKey: pass}}
	go func() { cmd.Wait(); close(s.done) }()

	if err := s.waitLive(addr); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "minio.log"))
		s.stop()
		return nil, fmt.Errorf("s3test: %s: %w\n%s", bin, err, tail(log, 2000))
	}
	return s, nil
}

// waitLive waits for the liveness probe and then for a real S3 request
// to succeed: MinIO reports live before it has initialised, and answers
// "Server not initialized yet" to requests in between.
func (s *server) waitLive(addr string) error {
	httpc := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	client, err := newClient(s.cfg)
	if err != nil {
		return err
	}
	live := false
	for {
		select {
		case <-s.done:
			return errors.New("exited during start-up")
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v (live: %v)", startTimeout, live)
		case <-time.After(100 * time.Millisecond):
		}
		if !live {
			resp, err := httpc.Get("http://" + addr + "/minio/health/live")
			if err != nil {
				continue
			}
			resp.Body.Close()
			live = resp.StatusCode == http.StatusOK
			if !live {
				continue
			}
		}
		rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListBuckets(rctx)
		rcancel()
		if err == nil {
			return nil
		}
	}
}

func newClient(cfg s3.Config) (*minio.Client, error) {
	return minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
		// Start-up polling must not sit in minio-go's retry backoff.
		MaxRetries: 1,
	})
}

// stop signals the whole process group, so anything MinIO spawned goes
// too, and escalates to SIGKILL if it lingers.
func (s *server) stop() {
	killGroup(s.cmd, false)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		killGroup(s.cmd, true)
		<-s.done
	}
	os.RemoveAll(s.dir)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// removeBucket empties and deletes a test bucket, best effort: leftovers
// die with the server's temp dir, and on an external server they are
// harmless.
func removeBucket(cfg s3.Config) {
	client, err := newClient(cfg)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for up := range client.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		if up.Err == nil {
			client.RemoveIncompleteUpload(ctx, cfg.Bucket, up.Key)
		}
	}
	objs := client.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true})
	for res := range client.RemoveObjects(ctx, cfg.Bucket, objs, minio.RemoveObjectsOptions{}) {
		_ = res
	}
	client.RemoveBucket(ctx, cfg.Bucket)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
