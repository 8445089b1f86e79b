package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserEvents: a trainer creates an event with the form (the
// datetime-local fields, a unit from the tree), lands on its page, attaches
// a file with the uploader on the edit page, and finds the event on its day
// in the calendar; a learner opens the calendar and the event. On a phone
// the month view is a list of days, not the grid. Screenshots of the form,
// the event page and the calendar at desktop and phone sizes.
func TestBrowserEvents(t *testing.T) {
	e := newEnv(t, nil)
	atok := e.token(adminNIP)
	mustStatus(t, e.api("PUT", "/api/v1/units/KOTA", atok, map[string]string{"name": "Pemerintah Kota"}), 200, "unit")
	mustStatus(t, e.api("PUT", "/api/v1/units/DINKES", atok, map[string]string{"name": "Dinas Kesehatan", "parent": "KOTA"}), 200, "unit")
	base := e.serve(t)
	pdf := filepath.Join(t.TempDir(), "modul-pelayanan.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(wib).AddDate(0, 1, 0)
	day := time.Date(month.Year(), month.Month(), 12, 0, 0, 0, 0, wib).Format(time.DateOnly)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowser(t)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			chromeLogin(t, ctx, base, trainerNIP)
			title := "Lokakarya Pelayanan Prima (" + vp.name + ")"
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/events/new"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=event-form]`)),
				chromedp.SendKeys(chromedp.ID("title"), title),
				chromedp.SetValue(chromedp.ID("mode"), "blended"),
				chromedp.SetValue(chromedp.ID("starts_at"), day+"T09:00"),
				chromedp.SetValue(chromedp.ID("ends_at"), day+"T15:30"),
				chromedp.SendKeys(chromedp.ID("place"), "Aula BKPSDM lt. 2"),
				chromedp.SendKeys(chromedp.ID("online_url"), "https://meet.example/prima"),
				chromedp.SendKeys(chromedp.ID("capacity"), "40"),
				chromedp.SendKeys(chromedp.ID("jp"), "6"),
				chromedp.SetValue(chromedp.ID("units"), "DINKES"),
				chromedp.SendKeys(chromedp.ID("description"), "Berbagi **praktik baik** pelayanan.\n\n- SOP\n- Survei kepuasan"),
				poll(`document.getElementById('desc-preview').innerHTML.includes('<strong>praktik baik</strong>')`),
			); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "event-form-trainer-"+vp.name)
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`[data-testid=event-save]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=event-title]`)),
			); err != nil {
				t.Fatal(err)
			}
			facts, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=event-facts]`)))
			if err != nil || !strings.Contains(facts, "09.00–15.30 WIB") || !strings.Contains(facts, "Dinas Kesehatan") || !strings.Contains(facts, "meet.example/prima") {
				t.Errorf("event facts %q (%v)", facts, err)
			}
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			id := loc[strings.LastIndex(loc, "/")+1:]
			screenshot(t, ctx, "event-organiser-"+vp.name)

			// A file through the uploader on the edit page.
			if vp.name == "desktop" {
				if err := chromedp.Do(ctx,
					chromedp.Navigate(base+"/events/"+id+"/edit"),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=event-form]`)),
					chromedp.SetUploadFiles(chromedp.ID("file"), []string{pdf}),
					poll(`document.getElementById('upload-bar').value === 100 && !!document.querySelector('#asset-list [data-asset]')`),
				); err != nil {
					st, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("upload-status")))
					t.Fatalf("upload: %v (status %q)", err, st)
				}
				screenshot(t, ctx, "event-edit-trainer-"+vp.name)
				ev, err := e.app.Service().Event(context.Background(), id)
				if err != nil || len(ev.Materials) != 1 || ev.Materials[0].Name != "modul-pelayanan.pdf" {
					t.Fatalf("materials %+v (%v)", ev.Materials, err)
				}
			}

			// The calendar: on its day in the grid (desktop) or the day
			// list (phone).
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/events?month="+day[:7]),
				chromedp.WaitReady(chromedp.CSS(`[data-testid=cal-month]`)),
			); err != nil {
				t.Fatal(err)
			}
			shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
				var grid = document.querySelector('[data-testid=cal-grid]');
				var list = document.querySelector('[data-testid=cal-list]');
				var vis = function (el) { return !!el && getComputedStyle(el).display !== 'none'; };
				var cell = document.querySelector('td[data-day="`+day+`"]');
				return (vis(grid) ? 'grid' : '') + (vis(list) ? 'list' : '') + '|' + (cell ? cell.textContent : '');
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			want := "grid"
			if vp.name == "phone" {
				want = "list"
			}
			layout, cell, _ := strings.Cut(shown, "|")
			if layout != want || !strings.Contains(cell, title) {
				t.Errorf("calendar at %s: layout %q, cell %q", vp.name, layout, cell)
			}
			screenshot(t, ctx, "events-calendar-trainer-"+vp.name)

			// A learner (not registered): the event without the meeting
			// link, with the register button.
			lctx := newBrowser(t)
			if err := chromedp.Do(lctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			chromeLogin(t, lctx, base, learnerNIP)
			if err := chromedp.Do(lctx,
				chromedp.Navigate(base+"/events?view=list&month="+day[:7]),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=list-event]`)),
			); err != nil {
				t.Fatal(err)
			}
			screenshot(t, lctx, "events-list-learner-"+vp.name)
			if err := chromedp.Do(lctx,
				chromedp.Navigate(base+"/events/"+id),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=event-title]`)),
			); err != nil {
				t.Fatal(err)
			}
			body, err := chromedp.Run(lctx, chromedp.Text(chromedp.CSS(`main`)))
			if err != nil || strings.Contains(body, "meet.example/prima") || !strings.Contains(body, "Tambahkan ke kalender (.ics)") {
				t.Errorf("learner's event page: %v\n%s", err, body)
			}
			screenshot(t, lctx, "event-learner-"+vp.name)
		})
	}
}

// seedA11yEvents is a blended event next month with a description, a
// registered learner and a waitlisted one, for the accessibility pass; it
// returns the event's id and month (YYYY-MM).
func seedA11yEvents(t *testing.T, e *testEnv) (string, string) {
	t.Helper()
	day := time.Now().In(wib).AddDate(0, 1, 0)
	d := time.Date(day.Year(), day.Month(), 9, 0, 0, 0, 0, wib).Format(time.DateOnly)
	b := map[string]any{"title": "Seminar Inovasi Pelayanan", "kind": "seminar", "mode": "blended", "starts_at": d + "T09:00",
		"ends_at": d + "T12:00", "place": "Aula BKPSDM", "online_url": "https://meet.example/inovasi", "capacity": 1, "jp": 3,
		"description": "Berbagi **praktik baik** inovasi.\n\n- Layanan daring\n- Survei kepuasan"}
	ev := mustStatus(t, e.api("POST", "/api/v1/events", e.token(trainerNIP), b), 201, "a11y event")
	id := ev["id"].(string)
	putRegistration(t, e, id, learnerNIP, "registered")
	putRegistration(t, e, id, learner2NIP, "waitlisted")
	return id, d[:7]
}
