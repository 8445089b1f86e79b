package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// Test accounts. NIPs are valid: birth date, appointment month, sex digit.
const (
	adminNIP    = "198501012010011001"
	trainerNIP  = "198703212012032002"
	trainer2NIP = "198811112013012003"
	learnerNIP  = "199203152015031003"
	learner2NIP = "199406302018011004"
	testPass    = "kata-sandi-rahasia-1"
)

type testEnv struct {
	t      *testing.T
	app    *App
	cfg    Config
	dir    string
	stores Stores
}

// testConfig is the embedded default configuration under dir.
func testConfig(t *testing.T, dir string, env map[string]string) Config {
	t.Helper()
	getenv := func(k string) string {
		if k == "KOMPETEN_DATA" {
			return dir
		}
		return env[k]
	}
	cfg, err := ParseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// newEnv starts an App on the embedded stores in a temporary directory,
// with an admin, a trainer and two learners.
func newEnv(t *testing.T, env map[string]string) *testEnv {
	t.Helper()
	dir := t.TempDir()
	e := openEnv(t, dir, env)
	for _, u := range []content.NewUser{
		{NIP: adminNIP, Name: "Admin BKPSDM", Roles: []string{content.RoleAdmin}, Password: testPass},
		{NIP: trainerNIP, Name: "Widya Pengajar", Roles: []string{content.RoleTrainer}, Password: testPass},
		{NIP: trainer2NIP, Name: "Pengajar Lain", Roles: []string{content.RoleTrainer}, Password: testPass},
		{NIP: learnerNIP, Name: "Siti Rahmawati", Unit: "Dinas Kesehatan", Password: testPass},
		{NIP: learner2NIP, Name: "Budi Santoso", Unit: "Dinas Pendidikan", Password: testPass},
	} {
		if _, err := e.app.Service().CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func openEnv(t *testing.T, dir string, env map[string]string) *testEnv {
	t.Helper()
	cfg := testConfig(t, dir, env)
	ctx := context.Background()
	stores, err := OpenStores(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, cfg, stores, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: a, cfg: cfg, dir: dir, stores: stores}
	t.Cleanup(func() { _ = stores.Close() })
	return e
}

// resp is a finished response with its body read.
type resp struct {
	*http.Response
	body []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request through the Fiber app.
func (e *testEnv) do(req *http.Request) resp {
	e.t.Helper()
	res, err := e.app.Handler().Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return resp{res, b}
}

// api sends a JSON request with an optional bearer token.
func (e *testEnv) api(method, path, token string, body any) resp {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

// token logs in through the API and returns the bearer token.
func (e *testEnv) token(nip string) string {
	e.t.Helper()
	r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": nip, "password": testPass})
	if r.StatusCode != 201 {
		e.t.Fatalf("login %s: %d %s", nip, r.StatusCode, r.body)
	}
	return r.json(e.t)["token"].(string)
}

// browser keeps cookies across page requests, like a browser would.
type browser struct {
	e       *testEnv
	cookies map[string]string
	header  http.Header
}

func (e *testEnv) browser() *browser {
	return &browser{e: e, cookies: map[string]string{}, header: http.Header{}}
}

func (b *browser) send(req *http.Request) resp {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	r := b.e.do(req)
	// A message given the wrong kind of value (a %s fed an int) shows as
	// "%!s(int=1)" on the page: no page may carry one.
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") && fmtError.Match(r.body) {
		b.e.t.Errorf("%s %s: a message with a wrong value: %s", req.Method, req.URL, fmtError.Find(r.body))
	}
	for _, c := range r.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return r
}

func (b *browser) get(path string) resp {
	return b.send(httptest.NewRequest("GET", path, nil))
}

func (b *browser) post(path string, form url.Values) resp {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

var fmtError = regexp.MustCompile(`%!\w*\([^)]*\)|%!\w`)

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf fetches a page and returns the CSRF token of its first form.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	r := b.get(path)
	m := csrfInput.FindSubmatch(r.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s (%d)", path, r.StatusCode)
	}
	return string(m[1])
}

func (b *browser) login(nip string) resp {
	b.e.t.Helper()
	tok := b.csrf("/login")
	return b.post("/login", url.Values{"_csrf": {tok}, "nip": {nip}, "password": {testPass}, "next": {"/"}})
}
