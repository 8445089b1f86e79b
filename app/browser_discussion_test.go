package app

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
)

// seedA11yDiscussion gives a course a thread with an accepted reply, a
// reported one and a hidden one, for the accessibility and visual runs.
func seedA11yDiscussion(t *testing.T, e *testEnv, courseID string) string {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	tr, ler := mustUser(t, e, trainerNIP), mustUser(t, e, learnerNIP)
	th, err := svc.CreateThread(ctx, ler, courseID, content.ThreadInput{Title: "Bagaimana menghitung waktu layanan?",
		Body: "Apakah waktu **antre** ikut dihitung dalam standar waktu layanan?\n\n- loket\n- daring"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Reply(ctx, tr, th.ID, "Ya: waktu layanan dihitung sejak pemohon **mengambil nomor antrean** sampai dokumen diterima.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptPost(ctx, tr, p.ID); err != nil {
		t.Fatal(err)
	}
	q, err := svc.Reply(ctx, ler, th.ID, "Terima kasih, jelas sekali.")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.ReportPost(ctx, tr, q.ID); err != nil {
		t.Fatal(err)
	}
	h, err := svc.Reply(ctx, ler, th.ID, "Tulisan yang tidak pantas.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPostHidden(ctx, tr, h.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateThread(ctx, ler, courseID, content.ThreadInput{Title: "Formulir pengaduan", Body: "Di mana formulirnya?"}); err != nil {
		t.Fatal(err)
	}
	return th.ID
}

// TestBrowserDiscussionThread: a learner replies on the thread page with
// the form (no script needed), on a desktop and on a phone; screenshots
// of both.
func TestBrowserDiscussionThread(t *testing.T) {
	e := newEnv(t, nil)
	c, _ := seedSearchCourse(t, e, "Standar Pelayanan Publik", "Teknis", false, "Waktu layanan")
	ler := mustUser(t, e, learnerNIP)
	if _, _, err := e.app.Service().Enroll(context.Background(), ler, c.ID); err != nil {
		t.Fatal(err)
	}
	th := seedA11yDiscussion(t, e, c.ID)
	base := e.serve(t)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowser(t)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			chromeLogin(t, ctx, base, learnerNIP)
			body := "Balasan dari " + vp.name + ": sudah saya coba."
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/threads/"+th),
				chromedp.WaitVisible(`[data-testid=reply-form] textarea`),
				chromedp.SendKeys(`#reply-body`, body),
				chromedp.Click(`[data-testid=send-reply]`),
				chromedp.WaitVisible(`[data-testid=flash]`),
				poll(`Array.from(document.querySelectorAll('[data-testid=post-body]')).some(function (p) { return p.textContent.indexOf(`+jsString(body)+`) >= 0 })`),
			); err != nil {
				t.Fatalf("reply on the thread page: %v", err)
			}
			// Nothing runs off a phone's screen sideways.
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || wide {
				t.Errorf("page wider than the viewport (%v)", err)
			}
			screenshot(t, ctx, "discussion-thread-"+vp.name)
		})
	}
}
