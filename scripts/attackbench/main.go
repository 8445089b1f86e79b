// Command attackbench measures what two of the attacks of issue 11 cost a
// server: peak memory (VmHWM) and CPU seconds of the server process, the
// size of its data directory and of its log, and the statuses it answered.
// Each attack runs against a fresh server started from -bin, under an
// address-space limit so a vulnerable build cannot push the machine into
// swap.
//
//	go build -o /tmp/kompeten ./cmd/kompeten
//	go run ./scripts/attackbench -bin /tmp/kompeten
//
// Attacks: "zip", a small POST to /api/v1/auth/token whose NIP is -zipmb
// MB once inflated through two layers of gzip; "guess", -guesses wrong
// passwords for one account sent together; "flood", -flood logins sent
// together, each for a different (unknown) account.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	nip      = "198501012010011001"
	password = "kata-sandi-rahasia-1"
)

func main() {
	bin := flag.String("bin", "", "server binary to measure (required)")
	zipMB := flag.Int("zipmb", 64, "inflated size of the NIP in the zip attack, MB")
	guesses := flag.Int("guesses", 150, "parallel wrong passwords in the guess attack")
	limit := flag.Int64("as", 4_000_000_000, "address-space limit of the server, bytes (prlimit --as)")
	flood := flag.Int("flood", 300, "parallel logins, each for a different account, in the flood attack")
	only := flag.String("only", "", "run one attack: zip, guess or flood")
	flag.Parse()
	if *bin == "" {
		flag.Usage()
		os.Exit(2)
	}
	attacks := []struct {
		name string
		run  func(base string) string
	}{
		{"zip", func(base string) string { return zipAttack(base, *zipMB) }},
		{"guess", func(base string) string { return guessAttack(base, *guesses) }},
		{"flood", func(base string) string { return floodAttack(base, *flood) }},
	}
	for _, a := range attacks {
		if *only != "" && *only != a.name {
			continue
		}
		if err := measure(*bin, *limit, a.name, a.run); err != nil {
			fmt.Fprintln(os.Stderr, "attackbench:", a.name+":", err)
			os.Exit(1)
		}
	}
}

func measure(bin string, limit int64, name string, attack func(base string) string) error {
	dir, err := os.MkdirTemp("", "attackbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	env := append(os.Environ(), "KOMPETEN_DATA="+data)
	add := exec.Command(bin, "user", "add", "--nip", nip, "--name", "Admin", "--role", "admin", "--password-stdin")
	add.Env, add.Stdin = env, strings.NewReader(password+"\n")
	if out, err := add.CombinedOutput(); err != nil {
		return fmt.Errorf("user add: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	// prlimit execs the server, so its pid is the server's.
	srv := exec.Command("prlimit", "--as="+strconv.FormatInt(limit, 10), bin)
	srv.Env = append(env, "KOMPETEN_ADDR=127.0.0.1:"+strconv.Itoa(port))
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = srv.Process.Kill()
			<-exited
		}
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(base, exited); err != nil {
		return err
	}
	pid := srv.Process.Pid
	cpu0, hwm0 := cpuSeconds(pid), vmHWM(pid)
	start := time.Now()
	statuses := attack(base)
	took := time.Since(start)
	time.Sleep(time.Second) // let work the attack queued finish
	alive := "yes"
	select {
	case err := <-exited:
		alive = fmt.Sprintf("no (%v)", err)
		exited <- err
	default:
	}
	cpu1, hwm1 := cpuSeconds(pid), vmHWM(pid)
	if alive != "yes" {
		cpu1, hwm1 = -1, -1
	}
	logInfo, _ := os.Stat(logPath)
	fmt.Printf("%-6s %-40s statuses %-28s in %5.2fs | VmHWM %4d -> %4d MiB | CPU %.2fs | data %d MiB | log %d KiB | alive %s\n",
		name, filepath.Base(bin), statuses, took.Seconds(), hwm0>>10, hwm1>>10, cpu1-cpu0, dirSize(data)>>20, logInfo.Size()>>10, alive)
	return nil
}

func zipAttack(base string, mb int) string {
	inner := gz(append(append([]byte(`{"nip":"`), bytes.Repeat([]byte("1"), mb<<20)...), []byte(`","password":"x"}`)...))
	body := gz(inner)
	req, _ := http.NewRequest("POST", base+"/api/v1/auth/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip, gzip")
	return fmt.Sprintf("%s (%d B sent)", statusesOf([]int{do(req)}), len(body))
}

func guessAttack(base string, n int) string {
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", base+"/api/v1/auth/token",
				strings.NewReader(fmt.Sprintf(`{"nip":%q,"password":"salah-%d"}`, nip, i)))
			req.Header.Set("Content-Type", "application/json")
			codes[i] = do(req)
		}()
	}
	wg.Wait()
	return statusesOf(codes)
}

func floodAttack(base string, n int) string {
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", base+"/api/v1/auth/token",
				strings.NewReader(fmt.Sprintf(`{"nip":"199001012015011%03d","password":"salah"}`, i%1000)))
			req.Header.Set("Content-Type", "application/json")
			codes[i] = do(req)
		}()
	}
	wg.Wait()
	return statusesOf(codes)
}

var client = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: 500,
	DisableCompression: true}}

func do(req *http.Request) int {
	res, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func statusesOf(codes []int) string {
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	keys := make([]int, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", count[k], k))
	}
	return strings.Join(parts, " ")
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(base string, exited chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("server exited: %v", err)
		default:
		}
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server not ready")
}

// vmHWM is the process's peak resident set, KiB.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return -1
}

// cpuSeconds is the process's user plus system time.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which may hold spaces: utime and
	// stime are the 14th and 15th fields of the whole line.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if i, err := d.Info(); err == nil {
				n += i.Size()
			}
		}
		return nil
	})
	return n
}
