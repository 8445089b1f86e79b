// Package mailpit gives tests a real SMTP server: a mailpit process on
// free loopback ports, whose HTTP API says what arrived.
//
// The binary is $KOMPETEN_TEST_MAILPIT_BIN, else mailpit on PATH, else
// $HOME/.cache/kompeten/bin/mailpit. Without one, tests skip, except under
// CI=true, where they fail: a missing server must never pass silently.
package mailpit

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is one running mailpit.
type Server struct {
	tb       testing.TB
	bin      string
	args     []string
	SMTPAddr string // host:port
	APIURL   string // http://host:port
	cmd      *exec.Cmd
	done     chan struct{}
}

// Binary finds the mailpit binary, or says why there is none.
func Binary() (string, error) {
	if bin := os.Getenv("KOMPETEN_TEST_MAILPIT_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("KOMPETEN_TEST_MAILPIT_BIN: %w", err)
		}
		return bin, nil
	}
	if bin, err := exec.LookPath("mailpit"); err == nil {
		return bin, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		bin := filepath.Join(home, ".cache", "kompeten", "bin", "mailpit")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	return "", errors.New("no mailpit binary in KOMPETEN_TEST_MAILPIT_BIN, PATH or ~/.cache/kompeten/bin (make mailpit builds one)")
}

// Start runs a fresh mailpit for tb, stopped when tb ends. extra flags
// are passed on (TLS, auth).
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v; CI=true requires mailpit", err)
		}
		tb.Skipf("%v; skipping the mail test", err)
	}
	var lastErr error
	// A port picked free can be taken before mailpit binds it; try again.
	for range 3 {
		s := &Server{tb: tb, bin: bin, SMTPAddr: freePort(tb), APIURL: "http://" + freePort(tb)}
		s.args = append([]string{"--smtp", s.SMTPAddr, "--listen", s.APIURL[len("http://"):],
			"--smtp-disable-rdns", "--disable-version-check", "--quiet"}, extra...)
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("mailpit did not start: %v", lastErr)
	return nil
}

func freePort(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *Server) start() error {
	s.cmd = exec.Command(s.bin, s.args...)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("mailpit exited")
		default:
		}
		if c, err := net.DialTimeout("tcp", s.SMTPAddr, time.Second); err == nil {
			c.Close()
			if r, err := http.Get(s.APIURL + "/api/v1/messages"); err == nil {
				r.Body.Close()
				if r.StatusCode == 200 {
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return errors.New("mailpit did not answer within 20s")
}

// Stop kills mailpit (what it held is lost); Restart brings it back on
// the same ports.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Restart starts mailpit again on the same ports, empty.
func (s *Server) Restart() {
	s.tb.Helper()
	var err error
	for range 20 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.tb.Fatalf("mailpit restart: %v", err)
}

// Address is one mailbox in a message summary.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message as the list API describes it.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Snippet   string    `json:"Snippet"`
}

// Message is one message in full.
type Message struct {
	Summary
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

// Messages lists what arrived, newest first.
func (s *Server) Messages() []Summary {
	s.tb.Helper()
	var out struct {
		Messages []Summary `json:"messages"`
	}
	s.get("/api/v1/messages?limit=1000", &out)
	return out.Messages
}

// Message reads one message by its mailpit id.
func (s *Server) Message(id string) Message {
	s.tb.Helper()
	var m Message
	s.get("/api/v1/message/"+id, &m)
	return m
}

// Wait polls until n messages have arrived (or fails tb after timeout)
// and returns them.
func (s *Server) Wait(n int, timeout time.Duration) []Summary {
	s.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages()
		if len(ms) >= n || time.Now().After(deadline) {
			if len(ms) < n {
				s.tb.Fatalf("mailpit: %d messages after %s, want %d", len(ms), timeout, n)
			}
			return ms
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) get(path string, v any) {
	s.tb.Helper()
	r, err := http.Get(s.APIURL + path)
	if err != nil {
		s.tb.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != 200 {
		s.tb.Fatalf("mailpit %s: %s", path, strconv.Itoa(r.StatusCode))
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		s.tb.Fatal(err)
	}
}
