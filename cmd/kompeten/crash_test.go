package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

// TestMain lets the test binary stand in for the server: with
// KOMPETEN_TEST_AS_SERVER=1 it runs `kompeten serve`, so a test can kill
// a real server process without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv("KOMPETEN_TEST_AS_SERVER") == "1" {
		os.Exit(run(nil, os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	code := m.Run()
	s3test.Stop() // the migrate test's MinIO
	os.Exit(code)
}

type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(t *testing.T, dir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KOMPETEN_TEST_AS_SERVER=1", "KOMPETEN_DATA="+dir, "KOMPETEN_ADDR="+addr, "KOMPETEN_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) call(method, path, token string, body any) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m, nil
}

func (s *server) must(t *testing.T, method, path, token string, body any, want int) map[string]any {
	t.Helper()
	code, m, err := s.call(method, path, token, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d %v %v", method, path, code, err, m)
	}
	return m
}

// TestSubmissionsSurviveSIGKILL kills the server with SIGKILL while
// learners submit quizzes, restarts it, and checks that every submission
// the server acknowledged is there with the same result.
func TestSubmissionsSurviveSIGKILL(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"KOMPETEN_DATA": dir})
	const learners = 12
	add := func(nip, role string) {
		var out, errb bytes.Buffer
		if code := run([]string{"user", "add", "--nip", nip, "--name", "U " + nip, "--role", role, "--password-stdin"},
			strings.NewReader("kata-sandi-rahasia-1\n"), &out, &errb, env); code != 0 {
			t.Fatalf("user add %s: %s", nip, errb.String())
		}
	}
	add("198703212012032002", "trainer")
	nips := make([]string, learners)
	for i := range nips {
		nips[i] = fmt.Sprintf("19920315201503%d%03d", 1+i%2, i)
		add(nips[i], "learner")
	}
	s := startServer(t, dir)
	login := func(s *server, nip string) string {
		return s.must(t, "POST", "/api/v1/auth/token", "", map[string]string{"nip": nip, "password": "kata-sandi-rahasia-1"}, 201)["token"].(string)
	}
	own := login(s, "198703212012032002")
	c := s.must(t, "POST", "/api/v1/courses", own, map[string]any{"title": "Kuis Tahan Banting", "category": "Teknis", "jp": 2}, 201)
	course := c["id"].(string)
	m := s.must(t, "POST", "/api/v1/courses/"+course+"/modules", own, map[string]any{"title": "M"}, 201)
	q := s.must(t, "POST", "/api/v1/quizzes", own, map[string]any{"course_id": course, "module_id": m["id"], "title": "K", "max_attempts": 0,
		"questions": []map[string]any{
			{"id": "q1", "type": "single", "prompt": "?", "options": []map[string]any{{"id": "a", "text": "A"}, {"id": "b", "text": "B"}}, "answer": "a"},
			{"id": "q2", "type": "truefalse", "prompt": "?", "answer": true}}}, 201)
	s.must(t, "POST", "/api/v1/courses/"+course+"/publish", own, nil, 200)
	tokens := make([]string, learners)
	for i, nip := range nips {
		tokens[i] = login(s, nip)
		s.must(t, "POST", "/api/v1/courses/"+course+"/enroll", tokens[i], nil, 201)
	}

	type ack struct {
		token, attempt string
		score          float64
	}
	var mu sync.Mutex
	var acks []ack
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; !stop.Load() && k < 200; k++ {
				code, at, err := s.call("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tokens[i], nil)
				if err != nil || code != 201 {
					return
				}
				id := at["id"].(string)
				ans := map[string]any{"q1": []string{"a", "b"}[(i+k)%2], "q2": true}
				if code, _, err := s.call("PUT", "/api/v1/attempts/"+id+"/answers", tokens[i], map[string]any{"answers": ans}); err != nil || code != 200 {
					return
				}
				code, res, err := s.call("POST", "/api/v1/attempts/"+id+"/submit", tokens[i], nil)
				if err != nil || code != 200 {
					return
				}
				mu.Lock()
				acks = append(acks, ack{tokens[i], id, res["score"].(float64)})
				mu.Unlock()
			}
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 60 || time.Now().After(deadline) {
			break
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	stop.Store(true)
	wg.Wait()
	if len(acks) < 20 {
		t.Fatalf("only %d submissions before the kill", len(acks))
	}

	s2 := startServer(t, dir)
	for _, a := range acks {
		got := s2.must(t, "GET", "/api/v1/attempts/"+a.attempt, a.token, nil, 200)
		res, ok := got["result"].(map[string]any)
		if got["open"] != false || !ok || res["score"] != a.score {
			t.Errorf("acknowledged submission %s lost or changed after SIGKILL: %v", a.attempt, got)
		}
	}
	t.Logf("%d acknowledged submissions, all present after SIGKILL and restart", len(acks))
}
