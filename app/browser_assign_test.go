package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAssignmentFlow: an admin assigns a course to a learner with
// the form (course, NIP, due date, reason); the assignment's page says
// how many were reached; the learner's home shows it first, under Wajib,
// with its due date. Screenshots at desktop and phone sizes.
func TestBrowserAssignmentFlow(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Etika Pelayanan Publik", "Teknis", "Etika.", false)
	base := e.serve(t)
	due := time.Now().Add(10 * 24 * time.Hour).In(wib).Format("2006-01-02")
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowser(t)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			chromeLogin(t, ctx, base, adminNIP)
			nips := learnerNIP
			if vp.name == "phone" {
				nips = learner2NIP
			}
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/assignments"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=assign-form]`)),
				chromedp.SetValue(chromedp.ID("course_id"), c.Course.ID),
				chromedp.SendKeys(chromedp.ID("nips"), nips),
				chromedp.SetValue(chromedp.ID("due"), due),
				chromedp.SendKeys(chromedp.ID("reason"), "Wajib bagi pelayan publik"),
			); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "assign-form-admin-"+vp.name)
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`[data-testid=assign-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=assign-created]`)),
			); err != nil {
				t.Fatal(err)
			}
			created, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=a-assigned]`)))
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(created) != "1" {
				t.Fatalf("assigned %q", created)
			}
			screenshot(t, ctx, "assignment-admin-"+vp.name)

			lctx := newBrowser(t)
			if err := chromedp.Do(lctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			chromeLogin(t, lctx, base, nips)
			if err := chromedp.Do(lctx,
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=wajib-item]`)),
			); err != nil {
				t.Fatal(err)
			}
			wajib, err := chromedp.Run(lctx, chromedp.Text(chromedp.CSS(`[data-testid=wajib]`)))
			if err != nil {
				t.Fatal(err)
			}
			first, err := chromedp.Run(lctx, chromedp.Evaluate[string](`document.querySelector('main section').dataset.testid`))
			if err != nil {
				t.Fatal(err)
			}
			if first != "wajib" || !strings.Contains(wajib, c.Course.Title) || !strings.Contains(wajib, due) {
				t.Fatalf("home: first section %q, wajib %q", first, wajib)
			}
			screenshot(t, lctx, "home-wajib-learner-"+vp.name)
		})
	}
}
