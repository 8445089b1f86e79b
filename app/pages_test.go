package app

import (
	"net/url"
	"strings"
	"testing"
)

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	for _, path := range []string{"/login", "/", "/nope", "/healthz", "/api/v1/me"} {
		r := b.get(path)
		for h, want := range map[string]string{
			"Content-Security-Policy": "frame-ancestors 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "strict-origin-when-cross-origin",
		} {
			if got := r.Header.Get(h); !strings.Contains(got, want) {
				t.Errorf("%s: %s = %q, want it to contain %q", path, h, got, want)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: CSP allows scripts from elsewhere", path)
		}
		if r.Header.Get("X-Request-ID") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
}

func TestLoginPageInIndonesian(t *testing.T) {
	e := newEnv(t, nil)
	r := e.browser().get("/login")
	if r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	for _, s := range []string{`<html lang="id">`, "<h1>Masuk</h1>", `name="nip"`, `autocomplete="current-password"`, `name="_csrf"`} {
		if !strings.Contains(string(r.body), s) {
			t.Errorf("login page lacks %q", s)
		}
	}
}

func TestLoginLogout(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	// A session id chosen by the client is never honoured.
	b.cookies[cookieSession] = "id-pilihan-penyerang"
	r := b.login(learnerNIP)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/" {
		t.Fatalf("login: %d to %q\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	var set string
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, cookieSession+"=") && !strings.HasPrefix(c, cookieSession+"=;") {
			set = c
		}
	}
	if set == "" {
		t.Fatal("no session cookie set at login")
	}
	for _, attr := range []string{"httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(strings.ToLower(set), attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	if strings.Contains(strings.ToLower(set), "secure") {
		t.Errorf("session cookie is Secure on plain HTTP: %q", set)
	}
	if b.cookies[cookieSession] == "id-pilihan-penyerang" {
		t.Fatal("the client's session id was kept")
	}
	home := b.get("/")
	if home.StatusCode != 200 || !strings.Contains(string(home.body), "Siti Rahmawati") {
		t.Fatalf("home after login: %d\n%s", home.StatusCode, home.body)
	}
	if !strings.Contains(string(home.body), "0 dari 20 JP") {
		t.Errorf("home lacks this year's JP against 20")
	}
	old := b.cookies[cookieSession]
	tok := csrfInput.FindSubmatch(home.body)
	out := b.post("/logout", url.Values{"_csrf": {string(tok[1])}})
	if out.StatusCode != 303 || !strings.HasPrefix(out.Header.Get("Location"), "/login") {
		t.Fatalf("logout: %d %q", out.StatusCode, out.Header.Get("Location"))
	}
	// The old cookie is dead on the server, not just forgotten by the browser.
	b2 := e.browser()
	b2.cookies[cookieSession] = old
	if r := b2.get("/"); r.StatusCode != 302 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("old session after logout: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	tok := b.csrf("/login")
	r := b.post("/login", url.Values{"_csrf": {tok}, "nip": {learnerNIP}, "password": {"salah-sekali-ini"}})
	if r.StatusCode != 401 || !strings.Contains(string(r.body), "NIP atau kata sandi salah") {
		t.Fatalf("wrong password: %d\n%s", r.StatusCode, r.body)
	}
	if !strings.Contains(string(r.body), `value="`+learnerNIP+`"`) {
		t.Error("the NIP typed is not kept in the form after a failure")
	}
	// No CSRF token: refused before the password is even checked.
	r = b.post("/login", url.Values{"nip": {learnerNIP}, "password": {testPass}})
	if r.StatusCode != 403 {
		t.Fatalf("login without CSRF token: %d", r.StatusCode)
	}
	// A token from another browser does not fit this one.
	other := e.browser().csrf("/login")
	r = b.post("/login", url.Values{"_csrf": {other}, "nip": {learnerNIP}, "password": {testPass}})
	if r.StatusCode != 403 {
		t.Fatalf("login with another browser's CSRF token: %d", r.StatusCode)
	}
}

func TestLogoutNeedsCSRF(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login(learnerNIP)
	if r := b.post("/logout", nil); r.StatusCode != 403 {
		t.Fatalf("logout without token: %d", r.StatusCode)
	}
	if r := b.get("/"); r.StatusCode != 200 {
		t.Fatalf("session ended by a forged logout: %d", r.StatusCode)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_BASE_URL": "https://kompeten.kotalama.go.id"})
	r := e.browser().login(learnerNIP)
	found := false
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, cookieSession+"=") && !strings.HasPrefix(c, cookieSession+"=;") {
			found = true
			if !strings.Contains(strings.ToLower(c), "; secure") {
				t.Errorf("session cookie not Secure behind HTTPS: %q", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	r := b.get("/lang/en?next=/login")
	if r.StatusCode != 303 || r.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	page := b.get("/login")
	if !strings.Contains(string(page.body), `<html lang="en">`) || !strings.Contains(string(page.body), "<h1>Log in</h1>") {
		t.Fatalf("login page not in English after switch:\n%s", page.body)
	}
	// An open redirect through next is refused.
	if r := b.get("/lang/id?next=//evil.example/x"); r.Header.Get("Location") != "/" {
		t.Errorf("next=//evil.example redirected to %q", r.Header.Get("Location"))
	}
	if r := b.get("/lang/xx"); r.StatusCode != 404 {
		t.Errorf("unknown language: %d", r.StatusCode)
	}
}

func TestStaticAssetsCached(t *testing.T) {
	e := newEnv(t, nil)
	u, err := e.app.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	r := e.browser().get(u)
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("%s: %d %q %q", u, r.StatusCode, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	if r := e.browser().get("/static/000000000000/app.css"); r.StatusCode != 404 {
		t.Errorf("stale asset URL: %d", r.StatusCode)
	}
}

func TestCatalogsComplete(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key := range cat["en"] {
		if _, ok := cat["id"][key]; !ok {
			t.Errorf("id catalog lacks %q", key)
		}
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	if r := b.get("/healthz"); r.StatusCode != 200 {
		t.Fatalf("healthz %d", r.StatusCode)
	}
	r := b.get("/readyz")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"search":"ok"`) {
		t.Fatalf("readyz %d %s", r.StatusCode, r.body)
	}
	// Search gone: still serving (200), reported as degraded.
	if err := e.stores.Search.Close(); err != nil {
		t.Fatal(err)
	}
	r = b.get("/readyz")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"degraded":["search"]`) {
		t.Fatalf("readyz with search closed: %d %s", r.StatusCode, r.body)
	}
	// A store the platform cannot serve without: 503 naming it.
	if err := e.stores.Blobs.Close(); err != nil {
		t.Fatal(err)
	}
	r = b.get("/readyz")
	if r.StatusCode != 503 || !strings.Contains(string(r.body), `"unavailable":["blobs"]`) {
		t.Fatalf("readyz with blobs closed: %d %s", r.StatusCode, r.body)
	}
}
