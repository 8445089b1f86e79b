package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// importFileNIP is a valid NIP for row i of a generated file.
func importFileNIP(i int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%10000)
	return birth.Format("20060102") + "201503" + "2" + fmt.Sprintf("%03d", i/10000)
}

// TestBrowserUserImportPreview: the admin chooses a file, previews it (the
// errors with their lines and columns, then a clean preview with counts),
// imports it with the progress bar, and gets the activation links as a
// CSV, all without leaving the page; at desktop and phone sizes, with axe
// on the preview and screenshots of each state.
func TestBrowserUserImportPreview(t *testing.T) {
	axe := axeSource(t)
	e := newEnv(t, nil)
	importUnits(t, e)
	base := e.serve(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "pegawai-salah.csv")
	if err := os.WriteFile(bad, []byte("nip;nama;unit\n"+importFileNIP(1)+";Ani;BKPSDM\n12345;Budi;BKPSDM\n"+
		importFileNIP(2)+";Cici;DINAS-ANTAH\n"+importFileNIP(1)+";Ani Lagi;BKPSDM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("nip,name,unit,position,supervisor_nip\n")
	b.WriteString(importFileNIP(0) + ",Kepala Badan,BKPSDM,Kepala,\n")
	for i := 1; i < 1500; i++ {
		fmt.Fprintf(&b, "%s,Pegawai %d,DISDIK,Staf,%s\n", importFileNIP(i), i, importFileNIP(0))
	}
	good := filepath.Join(dir, "pegawai.csv")
	if err := os.WriteFile(good, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		Title, Status string
		Created       string
		ErrorRows     [][]string
		Link          string
		Marker        bool
	}
	read := func(ctx context.Context) result {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
			Title: (document.querySelector('#import-result h2') || {}).textContent || '',
			Status: (document.querySelector('[data-testid=import-status]') || {}).textContent || '',
			Created: (document.querySelector('[data-testid=count-created]') || {}).textContent || '',
			ErrorRows: Array.from(document.querySelectorAll('[data-testid=import-errors] tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim())),
			Link: (document.querySelector('[data-testid=activations-csv]') || {}).href || '',
			Marker: window.__samePage === 1})`))
		if err != nil {
			t.Fatal(err)
		}
		var r result
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	runAxe := func(ctx context.Context, what string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
			t.Fatalf("%s: inject axe: %v", what, err)
		}
		res, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeCheck, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: run axe: %v", what, err)
		}
		var probs []string
		if err := json.Unmarshal([]byte(res), &probs); err != nil || len(probs) > 0 {
			t.Errorf("%s: axe: %v %s", what, err, strings.Join(probs, "\n  "))
		}
	}
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowserFor(t, 3*time.Minute)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			chromeLogin(t, ctx, base, adminNIP)
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/users/import"),
				chromedp.WaitVisible(chromedp.ID("import-file")),
				poll(`document.readyState === 'complete'`),
				chromedp.Evaluate[chromedp.Void](`window.__samePage = 1`),
				chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}),
				chromedp.Click(chromedp.CSS(`[data-testid=import-preview]`)),
				poll(`!!document.querySelector('[data-testid=import-errors]')`),
			); err != nil {
				t.Fatalf("preview a bad file: %v", err)
			}
			r := read(ctx)
			want := [][]string{{"3", "nip", ""}, {"4", "unit", ""}, {"5", "nip", ""}}
			if !r.Marker || r.Title != "Pratinjau impor" || len(r.ErrorRows) != len(want) {
				t.Fatalf("bad file preview: %+v", r)
			}
			for i, w := range want {
				if row := r.ErrorRows[i]; row[0] != w[0] || row[1] != w[1] || row[2] == "" {
					t.Errorf("error row %d = %q, want line %s column %s with a message", i, row, w[0], w[1])
				}
			}
			if !strings.Contains(r.ErrorRows[2][2], "baris 2") {
				t.Errorf("the duplicate does not name its first line: %q", r.ErrorRows[2][2])
			}
			screenshot(t, ctx, "user-import-errors-admin-"+vp.name)
			runAxe(ctx, "preview with errors")
			if vp.name == "phone" {
				return
			}

			if err := chromedp.Do(ctx,
				chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}),
				chromedp.Click(chromedp.CSS(`[data-testid=import-preview]`)),
				poll(`!!document.querySelector('[data-testid=import-changes]')`),
			); err != nil {
				t.Fatalf("preview a good file: %v", err)
			}
			if r = read(ctx); !r.Marker || r.Created != "1.500" || !strings.Contains(r.Status, "Tekan Impor") || r.Link != "" {
				t.Fatalf("good file preview: %+v", r)
			}
			if _, err := e.app.Service().User(context.Background(), importFileNIP(3)); err == nil {
				t.Fatal("the preview wrote")
			}
			screenshot(t, ctx, "user-import-preview-admin-"+vp.name)
			runAxe(ctx, "clean preview")

			// Import: the bar shows while the server works.
			if err := chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](`window.__sawBar = false;
					new MutationObserver(() => { if (!document.getElementById('import-progress').hidden) window.__sawBar = true; })
					  .observe(document.getElementById('import-progress'), { attributes: true })`),
				chromedp.Click(chromedp.CSS(`[data-testid=import-apply]`)),
				poll(`!!document.querySelector('[data-testid=activations-csv]')`),
			); err != nil {
				t.Fatalf("import: %v", err)
			}
			r = read(ctx)
			if !r.Marker || r.Title != "Hasil impor" || r.Created != "1.500" || !strings.HasPrefix(r.Link, "data:text/csv") {
				t.Fatalf("import result: %+v", r)
			}
			if saw, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sawBar`)); !saw {
				t.Error("the progress bar never showed")
			}
			if u, err := e.app.Service().User(context.Background(), importFileNIP(3)); err != nil || u.SupervisorNIP != importFileNIP(0) {
				t.Fatalf("imported user %+v %v", u, err)
			}
			screenshot(t, ctx, "user-import-done-admin-"+vp.name)
		})
	}
}
