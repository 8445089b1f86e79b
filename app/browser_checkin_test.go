package app

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
)

// serveAtBase is serve on a port chosen first, so the public base URL
// (what the QR code encodes) is the address the browsers reach.
func (e *testEnv) serveAtBase(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	e.app.cfg.BaseURL = "http://127.0.0.1:" + strconv.Itoa(port)
	return e.serveOn(t, "127.0.0.1:"+strconv.Itoa(port))
}

// TestBrowserCheckin: the organiser's browser shows the check-in page with
// its QR code and code; a second browser (another user, its own cookies)
// opens the URL the QR encodes, signs in on the way, and confirms; the
// server has the learner present and credited. The organiser's page then
// shows the next code on its own when the period ends. Screenshots of the
// QR page and the attendee's page at desktop and phone sizes.
func TestBrowserCheckin(t *testing.T) {
	e := newEnv(t, nil)
	// The service's clock stands still while the attendee signs in, however
	// slow the machine: a code is accepted for 35 s, and a loaded CI
	// machine once took longer than that from the screen to the confirm.
	// It moves on by a period below, for the screen to change code.
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	e.app.Service().SetClock(func() time.Time { return time.Unix(0, clock.Load()) })
	id := seedCheckinEvent(t, e, false)
	base := e.serveAtBase(t)
	org := newBrowserFor(t, 2*time.Minute)
	if err := chromedp.Do(org, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	chromeLogin(t, org, base, trainerNIP)
	if err := chromedp.Do(org, chromedp.Navigate(base+"/events/"+id+"/checkin"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=checkin-qr]`)),
		poll(`document.getElementById('checkin-qr').naturalWidth > 0`)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, org, "event-checkin-desktop")
	code, err := chromedp.Run(org, chromedp.Text(chromedp.ID("checkin-code")))
	if err != nil {
		t.Fatal(err)
	}
	qrURL, err := chromedp.Run(org, chromedp.Evaluate[string](`document.getElementById('checkin-url').href`))
	if err != nil || qrURL != base+"/events/"+id+"/hadir?c="+code {
		t.Fatalf("QR URL %q (%v), code %q", qrURL, err, code)
	}
	if err := chromedp.Do(org, chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=checkin-qr]`)),
		poll(`document.getElementById('checkin-qr').complete && document.getElementById('checkin-qr').naturalWidth > 0`)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, org, "event-checkin-phone")

	// The attendee's phone: another browser, another user.
	phone := newBrowserFor(t, 2*time.Minute)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(qrURL),
		chromedp.WaitVisible(chromedp.ID("nip")),
		chromedp.SendKeys(chromedp.ID("nip"), learnerNIP),
		chromedp.SendKeys(chromedp.ID("password"), testPass),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=hadir-submit]`)),
	); err != nil {
		t.Fatalf("open the QR's URL and sign in: %v", err)
	}
	field, err := chromedp.Run(phone, chromedp.Value(chromedp.ID("code")))
	if err != nil || field != code {
		t.Fatalf("code field %q (%v), want %q", field, err, code)
	}
	screenshot(t, phone, "event-hadir-phone")
	if err := chromedp.Do(phone, chromedp.Click(chromedp.CSS(`[data-testid=hadir-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=hadir-ok]`))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	ok, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS(`[data-testid=hadir-ok]`)))
	if err != nil || !strings.Contains(ok, "Hadir tercatat, hari ke-1 dari 1") {
		t.Fatalf("confirmation %q (%v)", ok, err)
	}
	screenshot(t, phone, "event-hadir-done-phone")
	if err := chromedp.Do(phone, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, phone, "event-hadir-done-desktop")
	reg, err := e.app.Service().RegistrationOf(context.Background(), id, learnerNIP)
	if err != nil || len(reg.Present) != 1 || reg.Present[0].By != "self" || reg.Credited.IsZero() || reg.Certificate == "" {
		t.Fatalf("server state: %+v %v", reg, err)
	}

	// The organiser's screen changes code by itself within a period.
	clock.Add(int64(content.CheckinPeriod))
	if err := chromedp.Do(org, chromedp.Poll[chromedp.Void](`document.getElementById('checkin-code').textContent !== `+strconv.Quote(code),
		chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second))); err != nil {
		t.Fatalf("the code did not change on the screen: %v", err)
	}
	next, _ := chromedp.Run(org, chromedp.Text(chromedp.ID("checkin-code")))
	nextURL, _ := chromedp.Run(org, chromedp.Evaluate[string](`document.getElementById('checkin-url').href`))
	if len(next) != 9 || !strings.HasSuffix(nextURL, "?c="+next) {
		t.Fatalf("next code %q at %q", next, nextURL)
	}
}
