package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSearchAsYouType types half a word into the header box, walks
// the suggestions with the keyboard and opens one with Enter.
func TestBrowserSearchAsYouType(t *testing.T) {
	e := newEnv(t, nil)
	f := newSearchFixture(t, e)
	base := e.serve(t)
	ctx := newBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)

	box := chromedp.ID("site-search-q")
	options := `document.querySelectorAll('#site-search-list [role=option]')`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/courses"),
		chromedp.WaitVisible(box),
		chromedp.SendKeys(box, "integ"),
		// The listbox opens under the box with the matching lessons and
		// a last option for all results.
		poll(`!document.getElementById('site-search-list').hidden && `+options+`.length === 4`),
	); err != nil {
		t.Fatalf("type into the header box: %v", err)
	}
	aria, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(function () {
		var i = document.getElementById('site-search-q');
		return { role: i.getAttribute('role'), expanded: i.getAttribute('aria-expanded'),
			controls: i.getAttribute('aria-controls'), auto: i.getAttribute('aria-autocomplete'),
			listRole: document.getElementById('site-search-list').getAttribute('role'),
			status: document.getElementById('site-search-status').textContent,
			first: document.querySelector('#site-search-list [role=option]').textContent,
			firstHTML: document.querySelector('#site-search-list [role=option]').innerHTML,
			all: document.querySelector('#site-search-list [role=option]:last-child').textContent };
	}())`))
	if err != nil {
		t.Fatal(err)
	}
	if aria["role"] != "combobox" || aria["expanded"] != "true" || aria["controls"] != "site-search-list" || aria["auto"] != "list" ||
		aria["listRole"] != "listbox" || !strings.Contains(aria["status"], "3 saran") {
		t.Errorf("combobox attributes %v", aria)
	}
	// Each option names the course and the lesson, the match highlighted.
	if !strings.Contains(aria["first"], "Integritas") || !containsAny(aria["first"], "Pelayanan Publik Prima", "Budaya Kerja Melayani") ||
		!strings.Contains(aria["firstHTML"], "<mark>Integ") {
		t.Errorf("first option %q / %q", aria["first"], aria["firstHTML"])
	}
	if !strings.Contains(aria["all"], "Lihat semua hasil") {
		t.Errorf("last option %q", aria["all"])
	}

	// Escape closes; Down reopens on the first option; Down, Up move.
	active := `(function () { var i = document.getElementById('site-search-q'), id = i.getAttribute('aria-activedescendant');
		var o = id && document.getElementById(id);
		return o ? String(Array.prototype.indexOf.call(` + options + `, o)) + ':' + o.getAttribute('aria-selected') : 'none'; }())`
	if err := chromedp.Do(ctx, chromedp.SendKeys(box, kb.Escape),
		poll(`document.getElementById('site-search-list').hidden && document.getElementById('site-search-q').getAttribute('aria-expanded') === 'false'`),
	); err != nil {
		t.Fatalf("escape does not close the list: %v", err)
	}
	for _, step := range []struct{ key, want string }{{kb.ArrowDown, "0:true"}, {kb.ArrowDown, "1:true"}, {kb.ArrowUp, "0:true"}} {
		if err := chromedp.Do(ctx, chromedp.SendKeys(box, step.key)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](active))
		if err != nil || got != step.want {
			t.Fatalf("after %q the active option is %q (%v), want %q", step.key, got, err, step.want)
		}
	}
	want, err := chromedp.Run(ctx, chromedp.Evaluate[string](options+`[0].dataset.href`))
	if err != nil || !strings.HasPrefix(want, "/learn/") {
		t.Fatalf("first option leads to %q (%v)", want, err)
	}
	// Enter opens the active option: the lesson page.
	if err := chromedp.Do(ctx, chromedp.SendKeys(box, kb.Enter), chromedp.WaitVisible(chromedp.CSS(`[data-testid=lesson-body]`))); err != nil {
		t.Fatalf("enter on an option: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != base+want {
		t.Errorf("landed on %q (%v), want %q", loc, err, base+want)
	}
	if want != "/learn/"+f.primaLessons[0].ID && want != "/learn/"+f.primaLessons[1].ID && want != "/learn/"+f.budayaLessons[0].ID {
		t.Errorf("first option %q is not one of the matching lessons", want)
	}

	// Enter with no option chosen submits the form: the results page.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(box, "integritas"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=results]`)),
	); err != nil {
		t.Fatalf("submit the header box: %v", err)
	}
	loc, err = chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != base+"/search?q=integritas" {
		t.Errorf("results at %q (%v)", loc, err)
	}
	// A course title in the results leads to the course page.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-course="`+f.prima.ID+`"] h2 a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=syllabus-lesson]`)),
	); err != nil {
		t.Fatalf("open a course from the results: %v", err)
	}
	if loc, err = chromedp.Run(ctx, chromedp.Location()); err != nil || loc != base+"/courses/"+f.prima.ID {
		t.Errorf("course link led to %q (%v)", loc, err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
