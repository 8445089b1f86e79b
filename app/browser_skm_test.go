package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
)

// seedA11ySKM makes a service of a DUKCAPIL unit with a few counted
// responses (one commented) and returns its id.
func seedA11ySKM(t *testing.T, e *testEnv) string {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	admin := mustUser(t, e, adminNIP)
	if _, err := svc.PutUnit(ctx, admin, "DUKCAPIL", content.UnitInput{Name: "Dinas Kependudukan dan Pencatatan Sipil"}); err != nil {
		t.Fatal(err)
	}
	ps, err := svc.CreatePublicService(ctx, admin, content.ServiceInput{Unit: "DUKCAPIL", Name: "Perekaman KTP-el",
		Description: "Loket 1, lantai dasar. Senin sampai Jumat, 08.00 sampai 15.00."})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range [][9]int{{4, 3, 2, 4, 3, 2, 4, 3, 3}, {3, 3, 2, 3, 3, 2, 3, 4, 3}, {4, 4, 3, 4, 4, 3, 4, 4, 4}} {
		tok, err := svc.SKMFormToken(ctx, ps.ID)
		if err != nil {
			t.Fatal(err)
		}
		scores := map[string]int{}
		for j, v := range s {
			scores["u"+string(rune('1'+j))] = v
		}
		comment := ""
		if i == 0 {
			comment = "Antrean terlalu lama; petugas baru belum paham prosedur."
		}
		if _, err := svc.SubmitSKM(ctx, content.SKMSubmission{Service: ps.ID, Scores: scores, Comment: comment, Token: tok,
			Client: "203.0.113." + string(rune('1'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.FoldSKM(ctx); err != nil {
		t.Fatal(err)
	}
	return ps.ID
}

// TestBrowserSKMForm: a citizen fills the public form on a phone and on a
// desktop (the page has no script: TestSKMPublicPageWeight) and sends
// it; the thanks show and the response is stored.
func TestBrowserSKMForm(t *testing.T) {
	e := newEnv(t, nil)
	id := seedA11ySKM(t, e)
	base := e.serve(t)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowserFor(t, 2*time.Minute)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			actions := []chromedp.Action[chromedp.Void]{
				chromedp.Navigate(base + "/layanan/" + id),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=skm-form]`)),
			}
			for _, pick := range []string{"u1=4", "u2=3", "u3=2", "u4=4", "u5=3", "u6=2", "u7=3", "u8=3", "u9=4"} {
				code, v, _ := strings.Cut(pick, "=")
				actions = append(actions, chromedp.Click(chromedp.CSS(`input[name="scores.`+code+`"][value="`+v+`"]`)))
			}
			actions = append(actions,
				chromedp.SendKeys(chromedp.ID("comment"), "Mohon tambah kursi di ruang tunggu."),
				chromedp.SetValue(chromedp.ID("age"), "31-40"),
				chromedp.Click(chromedp.CSS(`input[name=sex][value=p]`)),
			)
			if err := chromedp.Do(ctx, actions...); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "skm-form-filled-"+vp.name)
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=skm-thanks]`)),
			); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "skm-form-sent-"+vp.name)
		})
	}
	if _, err := e.app.Service().FoldSKM(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, _ := e.app.Service().ParseSKMRange("", "")
	_, rep, err := e.app.Service().SKMServiceResults(context.Background(), mustUser(t, e, adminNIP), id, r)
	if err != nil || rep.Responses != 3+len(viewports) {
		t.Fatalf("%d responses (%v), want %d", rep.Responses, err, 3+len(viewports))
	}
}
