package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/kotalama/kompeten/content"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// throttleRow reports whether the login throttle holds a row for key.
func (e *testEnv) throttleRow(key string) bool {
	e.t.Helper()
	var v map[string]any
	_, err := e.stores.Docs.C("throttle").Get(context.Background(), key, &v)
	return err == nil
}

// logTo sends the app's log to a buffer the test can read.
func (e *testEnv) logTo() *syncBuffer {
	b := &syncBuffer{}
	e.app.log = slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return b
}

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

// TestCompressedBodiesRefused: a request body in any content coding but
// identity is refused with 415 on every kind of route, before anything
// reads it: the double-gzipped NIP that once became a 256 MB throttle row
// and log line writes nothing at all.
func TestCompressedBodiesRefused(t *testing.T) {
	e := newEnv(t, nil)
	logs := e.logTo()
	nip := strings.Repeat("7", 8<<20) // 8 MiB inflated, a few KiB sent
	body := gzipped(t, gzipped(t, []byte(`{"nip":"`+nip+`","password":"x"}`)))
	if len(body) > 64<<10 {
		t.Fatalf("test body is %d bytes compressed", len(body))
	}
	send := func(method, path, ct, enc string, b []byte, h map[string]string) resp {
		req := httptest.NewRequest(method, path, bytes.NewReader(b))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Content-Encoding", enc)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return e.do(req)
	}
	for _, enc := range []string{"gzip, gzip", "gzip", "deflate", "br", "identity, gzip", "GZIP"} {
		r := send("POST", "/api/v1/auth/token", "application/json", enc, body, nil)
		if r.StatusCode != 415 || r.Header.Get("Accept-Encoding") != "identity" {
			t.Errorf("token with Content-Encoding %q: %d (Accept-Encoding %q), want 415 naming identity\n%s",
				enc, r.StatusCode, r.Header.Get("Accept-Encoding"), r.body)
		}
	}
	if e.throttleRow("acct:"+nip) || e.throttleRow("addr:0.0.0.0") {
		t.Error("a refused compressed login wrote a throttle row")
	}
	// A page route: the login form.
	form := gzipped(t, gzipped(t, []byte(url.Values{"nip": {nip}, "password": {"x"}}.Encode())))
	if r := send("POST", "/login", "application/x-www-form-urlencoded", "gzip, gzip", form, nil); r.StatusCode != 415 {
		t.Errorf("login form, gzip twice: %d, want 415", r.StatusCode)
	}
	// The upload part route, signed in.
	tok := e.token(trainerNIP)
	if r := send("PUT", "/api/v1/uploads/u123/parts/1", "application/octet-stream", "gzip, gzip", body,
		map[string]string{"Authorization": "Bearer " + tok}); r.StatusCode != 415 {
		t.Errorf("upload part, gzip twice: %d, want 415", r.StatusCode)
	}
	if strings.Contains(logs.String(), "7777777777777777777777") {
		t.Errorf("the compressed NIP reached the log (%d bytes of log)", len(logs.String()))
	}
	// Identity is still fine.
	ok := []byte(`{"nip":"` + learnerNIP + `","password":"` + testPass + `"}`)
	if r := send("POST", "/api/v1/auth/token", "application/json", "identity", ok, nil); r.StatusCode != 201 {
		t.Errorf("Content-Encoding identity: %d, want 201\n%s", r.StatusCode, r.body)
	}
}

// TestLoginNIPCheckedBeforeTheStore: a NIP that is not a NIP is refused,
// naming the field, before the throttle stores anything under it.
func TestLoginNIPCheckedBeforeTheStore(t *testing.T) {
	e := newEnv(t, nil)
	logs := e.logTo()
	long := strings.Repeat("8", 3<<20)
	for _, nip := range []string{long, "12345", "199203152015031003x", "199213452015031003"} {
		r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": nip, "password": "salah"})
		m := mustStatus(t, r, 422, "token with a malformed NIP")
		if f, _ := m["error"].(map[string]any)["fields"].(map[string]any); f["nip"] == nil {
			t.Errorf("422 does not name nip: %s", r.body)
		}
		if e.throttleRow("acct:" + nip) {
			t.Errorf("malformed NIP %.20q… got a throttle row", nip)
		}
	}
	b := e.browser()
	tok := b.csrf("/login")
	r := b.post("/login", url.Values{"_csrf": {tok}, "nip": {long}, "password": {"salah"}})
	if r.StatusCode != 422 || !bytes.Contains(r.body, []byte("NIP harus 18 digit")) || len(r.body) > 1<<20 {
		t.Errorf("login form with a 3 MiB NIP: %d, %d bytes, want 422 with the NIP rule and no echo", r.StatusCode, len(r.body))
	}
	if e.throttleRow("acct:"+long) || e.throttleRow("addr:0.0.0.0") {
		t.Error("the login form stored a throttle row for a malformed NIP")
	}
	if strings.Contains(logs.String(), long[:64]) {
		t.Error("the malformed NIP reached the log")
	}
}

// TestSafeNextOnlySameOriginPaths: redirects after the language switch and
// login go to a path of this site, whatever a browser would make of it.
func TestSafeNextOnlySameOriginPaths(t *testing.T) {
	for _, bad := range []string{"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x00/x", "/\x7f/x",
		"/\\evil.example", "//evil.example", "/\\/evil.example", "https://evil.example", "evil.example", "/%2F/evil.example",
		"/%5Cevil.example", "/%09/evil.example", " /x", "/a\tb"} {
		if got := safeNext(bad); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", bad, got)
		}
	}
	for _, good := range []string{"/courses", "/courses?category=Teknis&page=abc", "/learn/abc#top", "/search?q=a%2Fb"} {
		if got := safeNext(good); got != good {
			t.Errorf("safeNext(%q) = %q, want it kept", good, got)
		}
	}
	e := newEnv(t, nil)
	b := e.browser()
	r := b.get("/lang/en?next=/%09/evil.example")
	if loc := r.Header.Get("Location"); r.StatusCode != 303 || loc != "/" {
		t.Errorf("/lang/en?next=/%%09/evil.example: %d to %q, want 303 to /", r.StatusCode, loc)
	}
	tok := b.csrf("/login")
	r = b.post("/login", url.Values{"_csrf": {tok}, "nip": {learnerNIP}, "password": {testPass}, "next": {"/\t/evil.example"}})
	if loc := r.Header.Get("Location"); r.StatusCode != 303 || loc != "/" {
		t.Errorf("login with next=/<TAB>/evil.example: %d to %q, want 303 to /", r.StatusCode, loc)
	}
}

// TestParallelGuessesStopAtTheLimit: 150 wrong passwords sent together for
// one account (from distinct addresses, so only the account limit counts)
// get no more than the limit compared; after them even the right password
// is refused.
func TestParallelGuessesStopAtTheLimit(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_TRUSTED_PROXIES": "0.0.0.0"})
	login := func(i int, pass string) int {
		req := httptest.NewRequest("POST", "/api/v1/auth/token",
			strings.NewReader(fmt.Sprintf(`{"nip":%q,"password":%q}`, learnerNIP, pass)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", i/250, i%250+1))
		res, err := e.app.Handler().Test(req, -1)
		if err != nil {
			t.Error(err)
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	const n = 150
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = login(i, "salah-sekali")
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	t.Logf("150 parallel wrong passwords: %v", count)
	if count[401] > content.MaxAccountFailures || count[401] == 0 {
		t.Errorf("%d guesses were compared, want 1 to %d", count[401], content.MaxAccountFailures)
	}
	if count[401]+count[429]+count[503] != n {
		t.Errorf("unexpected statuses: %v", count)
	}
	if c := login(n+1, testPass); c != 429 {
		t.Errorf("right password after the limit: %d, want 429", c)
	}
}

// TestPasswordHashingIsBounded: when no hashing slot frees up in time the
// login is turned away with 503 and Retry-After, and the attempt does not
// count against the account: the password was never compared.
func TestPasswordHashingIsBounded(t *testing.T) {
	e := newEnv(t, nil)
	e.app.Service().SetHashing(0, 20*time.Millisecond) // no slot ever frees
	for range content.MaxAccountFailures + 5 {
		r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learnerNIP, "password": "salah"})
		mustStatus(t, r, 503, "login with every hashing slot taken")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
	}
	b := e.browser()
	tok := b.csrf("/login")
	if r := b.post("/login", url.Values{"_csrf": {tok}, "nip": {learnerNIP}, "password": {testPass}}); r.StatusCode != 503 {
		t.Errorf("login form with every hashing slot taken: %d, want 503", r.StatusCode)
	}
	e.app.Service().SetHashing(2, 3*time.Second)
	if r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learnerNIP, "password": testPass}); r.StatusCode != 201 {
		t.Errorf("right password once slots are free: %d, want 201 (busy attempts must not count)\n%s", r.StatusCode, r.body)
	}
}

// TestForwardedForRightMostUntrusted: behind a trusted proxy the client is
// the right-most X-Forwarded-For address that is not a trusted proxy, so a
// client cannot pick its own address by writing one in front.
func TestForwardedForRightMostUntrusted(t *testing.T) {
	ps, err := parseProxies([]string{"10.0.0.0/8", "192.0.2.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	h := func(xff ...string) *fasthttp.RequestHeader {
		var rh fasthttp.RequestHeader
		for _, v := range xff {
			rh.Add("X-Forwarded-For", v)
		}
		return &rh
	}
	for _, c := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"10.0.0.1", []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},
		{"10.0.0.1", []string{"6.6.6.6, 203.0.113.9, 10.2.3.4"}, "203.0.113.9"},
		{"10.0.0.1", []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{"10.0.0.1", []string{"garbage, 10.2.3.4"}, "10.2.3.4"},
		{"10.0.0.1", []string{"10.9.9.9"}, "10.9.9.9"},
		{"10.0.0.1", nil, "10.0.0.1"},
		{"198.51.100.5", []string{"6.6.6.6"}, "198.51.100.5"},
		{"::1", []string{"2001:db8::5"}, "2001:db8::5"},
		{"::ffff:192.0.2.1", []string{"203.0.113.7"}, "203.0.113.7"},
	} {
		if got := ps.clientAddr(h(c.xff...), net.ParseIP(c.peer)); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	// Through the app: "spoof, real" with a fresh spoof each time is still
	// one client, throttled by its real address.
	e := newEnv(t, map[string]string{"KOMPETEN_TRUSTED_PROXIES": "0.0.0.0"})
	logs := e.logTo()
	var last int
	for i := 0; i <= content.MaxAddressFailures; i++ {
		req := httptest.NewRequest("POST", "/api/v1/auth/token",
			strings.NewReader(fmt.Sprintf(`{"nip":"1990010120150110%02d","password":"salah"}`, i%100)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("6.6.%d.%d, 198.51.100.7", i/250, i%250+1))
		last = e.do(req).StatusCode
	}
	if last != 429 {
		t.Errorf("after %d failures from 198.51.100.7 behind spoofed entries the next got %d, want 429", content.MaxAddressFailures, last)
	}
	if !e.throttleRow("addr:198.51.100.7") {
		t.Error("no throttle row for the real address")
	}
	if l := logs.String(); strings.Contains(l, "6.6.0.") || !strings.Contains(l, "ip=198.51.100.7") {
		t.Error("the access log does not show the real address only")
	}
}

// rawConn sends a request's headers and the start of its body over a real
// connection, then waits for an answer without sending the rest.
func rawConn(t *testing.T, base, head string, body []byte) (status int, took time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, time.Since(start)
	}
	res.Body.Close()
	return res.StatusCode, time.Since(start)
}

// TestBodiesRefusedBeforeTheyAreRead: an anonymous 16 MiB form sent to the
// upload part route is refused for want of a login before the CSRF check
// parses it, and an oversized multipart body is refused before fasthttp
// reads it to disk. Both clients send only the first 8 KiB or so, then wait.
func TestBodiesRefusedBeforeTheyAreRead(t *testing.T) {
	e := newEnv(t, nil)
	base := e.serve(t)
	// A little over the 8 KiB fasthttp reads ahead of the handler.
	start := bytes.Repeat([]byte("a"), 8<<10+100)
	st, took := rawConn(t, base, fmt.Sprintf("PUT /teach/uploads/u1/parts/1 HTTP/1.1\r\nHost: x\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", content.MaxPartSize), start)
	if st != 401 {
		t.Errorf("anonymous 16 MiB form to the part route: status %d after %v, want 401 at once", st, took)
	}
	st, took = rawConn(t, base, fmt.Sprintf("POST /login HTTP/1.1\r\nHost: x\r\n"+
		"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n", 64<<20), append([]byte("--xyz\r\n"), start...))
	if st != 413 {
		t.Errorf("64 MiB multipart login: status %d after %v, want 413 at once", st, took)
	}
}

// TestReadDeadlines: headers have a short deadline, so a client trickling
// them is cut off; a body's deadline starts when its headers are in and
// grows with its size, so a slow body outlives the header deadline.
func TestReadDeadlines(t *testing.T) {
	if headerTimeout > 30*time.Second {
		t.Errorf("header deadline %v, want a short one", headerTimeout)
	}
	deadline := func(method, path string, n int) time.Duration {
		var h fasthttp.RequestHeader
		h.SetMethod(method)
		h.SetRequestURI(path)
		h.SetContentLength(n)
		return bodyDeadline(&h).ReadTimeout
	}
	if d := deadline("PUT", "/api/v1/uploads/u1/parts/3?x=1", content.MaxPartSize); d < 8*time.Minute {
		t.Errorf("16 MiB upload part gets %v, want time for a 256 kbit/s link", d)
	}
	if d := deadline("POST", "/teach/new", 100<<20); d > 3*time.Minute {
		t.Errorf("a 100 MiB declared form gets %v, want no more than a 4 MiB body needs", d)
	}
	if d := deadline("GET", "/", 0); d != 0 {
		t.Errorf("a request without a body gets its own deadline %v", d)
	}

	e := newEnv(t, nil)
	e.app.fiber.Server().ReadTimeout = 300 * time.Millisecond // the header deadline, shortened
	base := e.serve(t)
	addr := strings.TrimPrefix(base, "http://")

	// Slow headers: cut off.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	begin := time.Now()
	_, err = io.ReadAll(conn)
	if took := time.Since(begin); err != nil || took > 3*time.Second {
		t.Errorf("slow headers: connection held %v (%v), want it closed after the header deadline", took, err)
	}

	// A slow body: its deadline starts after the headers.
	body := []byte(`{"nip":"` + learnerNIP + `","password":"` + testPass + `"}`)
	conn2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	fmt.Fprintf(conn2, "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	_, _ = conn2.Write(body[:10])
	time.Sleep(700 * time.Millisecond)
	_, _ = conn2.Write(body[10:])
	_ = conn2.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn2), nil)
	if err != nil || res.StatusCode != 201 {
		t.Errorf("body sent over 0.7 s with a 0.3 s header deadline: %v %v, want 201", res, err)
	}
}

// TestCourseBodiesOnlyForReaders: the course API gives lesson bodies to
// those the lesson API gives them to (owners, enrolled learners), not to
// every signed-in user.
func TestCourseBodiesOnlyForReaders(t *testing.T) {
	e := newEnv(t, nil)
	own, enrolled, other, admin := e.token(trainerNIP), e.token(learnerNIP), e.token(learner2NIP), e.token(adminNIP)
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Etika ASN", "category": "Teknis", "jp": 2}), 201, "course")
	id := c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/modules", own, map[string]any{"title": "Modul"}), 201, "module")
	l := mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/modules/"+m["id"].(string)+"/lessons", own,
		map[string]any{"title": "Kode etik", "kind": "text", "body": "Isi rahasia materi"}), 201, "lesson")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/publish", own, nil), 200, "publish")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+id+"/enroll", enrolled, nil), 201, "enroll")
	for _, c := range []struct {
		who, tok string
		body     bool
	}{{"owner", own, true}, {"enrolled", enrolled, true}, {"admin", admin, true}, {"not enrolled", other, false}} {
		r := e.api("GET", "/api/v1/courses/"+id, c.tok, nil)
		mustStatus(t, r, 200, "course as "+c.who)
		if got := bytes.Contains(r.body, []byte("Isi rahasia materi")); got != c.body {
			t.Errorf("course as %s: lesson body shown %v, want %v", c.who, got, c.body)
		}
		if !bytes.Contains(r.body, []byte("Kode etik")) {
			t.Errorf("course as %s: syllabus missing", c.who)
		}
		lr := e.api("GET", "/api/v1/lessons/"+l["id"].(string), c.tok, nil)
		if (lr.StatusCode == 200) != c.body {
			t.Errorf("lesson as %s: %d, inconsistent with the course route", c.who, lr.StatusCode)
		}
	}
}

// TestLessonQuizOfTheSameCourse: a lesson may only point at a quiz of its
// own course.
func TestLessonQuizOfTheSameCourse(t *testing.T) {
	e := newEnv(t, nil)
	own, other := e.token(trainerNIP), e.token(trainer2NIP)
	course := func(tok, title string) (string, string) {
		c := mustStatus(t, e.api("POST", "/api/v1/courses", tok, map[string]any{"title": title, "category": "Teknis", "jp": 2}), 201, "course")
		m := mustStatus(t, e.api("POST", "/api/v1/courses/"+c["id"].(string)+"/modules", tok, map[string]any{"title": "Modul"}), 201, "module")
		return c["id"].(string), m["id"].(string)
	}
	mine, myMod := course(own, "Kursus saya")
	theirs, _ := course(other, "Kursus lain")
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", other, map[string]any{"course_id": theirs, "title": "Kuis lain", "pass_mark": 70}), 201, "their quiz")
	myQuiz := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, map[string]any{"course_id": mine, "title": "Kuis saya", "pass_mark": 70}), 201, "my quiz")
	lessons := "/api/v1/courses/" + mine + "/modules/" + myMod + "/lessons"
	for _, qid := range []string{q["id"].(string), "k-none"} {
		r := e.api("POST", lessons, own, map[string]any{"title": "Kuis", "kind": "quiz", "quiz_id": qid})
		m := mustStatus(t, r, 422, "lesson with quiz "+qid)
		if f, _ := m["error"].(map[string]any)["fields"].(map[string]any); f["quiz_id"] == nil {
			t.Errorf("422 does not name quiz_id: %s", r.body)
		}
	}
	l := mustStatus(t, e.api("POST", lessons, own, map[string]any{"title": "Kuis", "kind": "quiz", "quiz_id": myQuiz["id"]}), 201, "lesson with own quiz")
	r := e.api("PATCH", "/api/v1/lessons/"+l["id"].(string), own, map[string]any{"quiz_id": q["id"]})
	mustStatus(t, r, 422, "changing a lesson to another course's quiz")
}

// TestBadPageCursorIs400: a page cursor no listing produced is the
// client's mistake, on the API and the catalog page.
func TestBadPageCursorIs400(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token(learnerNIP)
	for _, p := range []string{"garbage", "eyJ4IjoxfQ", "%FF%FE"} {
		r := e.api("GET", "/api/v1/courses?page="+p, tok, nil)
		m := mustStatus(t, r, 400, "catalog API, page="+p)
		if f, _ := m["error"].(map[string]any)["fields"].(map[string]any); f["page"] == nil {
			t.Errorf("400 does not name page: %s", r.body)
		}
	}
	b := e.browser()
	csrf := b.csrf("/login")
	b.post("/login", url.Values{"_csrf": {csrf}, "nip": {learnerNIP}, "password": {testPass}})
	if r := b.get("/courses?page=garbage"); r.StatusCode != 400 {
		t.Errorf("catalog page with a bad cursor: %d, want 400", r.StatusCode)
	}
}
