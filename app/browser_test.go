package app

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// serve runs the app on a loopback port until the test ends and returns
// its base URL.
func (e *testEnv) serve(t *testing.T) string {
	t.Helper()
	return e.serveOn(t, "127.0.0.1:0")
}

// serveOn runs the app on addr until the test ends and returns its base
// URL.
func (e *testEnv) serveOn(t *testing.T, addr string) string {
	t.Helper()
	e.app.cfg.Addr = addr
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- e.app.Serve(ctx, func(a net.Addr) { addrc <- a.String() }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case a := <-addrc:
		return "http://" + a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	return ""
}

// chromiumPath finds Debian's chromium. Without it the browser tests skip,
// except in CI (CI=true), where a missing browser fails the run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("KOMPETEN_TEST_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; `make test` installs it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed; run `make test` or apt-get install chromium")
	return ""
}

// newBrowser starts a headless chromium for one test, with extra options
// if given.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	return newBrowserFor(t, 90*time.Second, extra...)
}

// newBrowserFor is newBrowser for a test that needs longer than 90 s.
func newBrowserFor(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915), // a mid-range phone
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

func TestBrowserLoginLogout(t *testing.T) {
	e := newEnv(t, nil)
	base := e.serve(t)
	ctx := newBrowser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("nip")),
		chromedp.SendKeys(chromedp.ID("nip"), learnerNIP),
		chromedp.SendKeys(chromedp.ID("password"), testPass),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		// On a phone the name is in the header's menu.
		chromedp.WaitReady(chromedp.CSS(`[data-testid=user-name]`)),
	)
	if err != nil {
		t.Fatalf("log in through the form: %v", err)
	}
	name, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid=user-name]`)))
	if err != nil || strings.TrimSpace(name) != "Siti Rahmawati" {
		t.Fatalf("header shows %q (%v), want the learner's name", name, err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || !strings.Contains(h1, "Selamat datang") {
		t.Errorf("home heading %q (%v)", h1, err)
	}
	// The session cookie is out of reach of page scripts.
	cookies, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.cookie"))
	if err != nil || strings.Contains(cookies, cookieSession) {
		t.Errorf("document.cookie = %q (%v): the session cookie must be HttpOnly", cookies, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=menu-button]`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("nip")),
	); err != nil {
		t.Fatalf("log out: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/login") {
		t.Fatalf("after logout at %q (%v), want /login", loc, err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
	if err != nil || !strings.Contains(flash, "keluar") {
		t.Errorf("no logged-out message: %q (%v)", flash, err)
	}
	// Back at / the browser is anonymous again.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("nip"))); err != nil {
		t.Fatalf("home after logout does not ask to log in: %v", err)
	}
}
