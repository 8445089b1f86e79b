package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTextLessonAutoCompletes: the text page's script waits the
// time the server asks for, and when the server still finds it early (its
// clock is put back here) it asks again after Retry-After; then the lesson
// is done without a click and the page says so.
func TestBrowserTextLessonAutoCompletes(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Bacaan Otomatis", "Teknis", "", false)
	svc := e.app.Service()
	if _, _, err := svc.Enroll(context.Background(), mustUser(t, e, learnerNIP), c.ID); err != nil {
		t.Fatal(err)
	}
	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/learn/"+c.Text.ID)); err != nil {
		t.Fatal(err)
	}
	// The script will send after the 10 s minimum; the server, 4 s behind,
	// refuses that once.
	e.advance(-4 * time.Second)
	if err := chromedp.Do(ctx, poll(`document.getElementById('lesson-status').classList.contains('st-ok')`)); err != nil {
		t.Fatalf("the lesson did not complete by itself: %v", err)
	}
	took := time.Since(start)
	en, err := svc.Enrollment(context.Background(), learnerNIP, c.ID)
	if err != nil || !en.Lessons[c.Text.ID].Done {
		t.Fatalf("not done on the server: %+v (%v)", en.Lessons[c.Text.ID], err)
	}
	if took < 14*time.Second {
		t.Errorf("done after %v, before the server's minimum and its retry", took)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("lesson-status")))
	if !strings.Contains(status, "Materi ini sudah selesai.") {
		t.Errorf("status %q", status)
	}
}
