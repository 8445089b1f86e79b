package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
)

// seedFile uploads bytes into a course through the domain.
func seedFile(t *testing.T, e *testEnv, owner content.User, courseID, name string, b []byte) content.Asset {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	up, err := svc.CreateUpload(ctx, owner, content.NewUpload{Filename: name, Size: int64(len(b)), CourseID: courseID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutPart(ctx, owner, up.ID, 1, int64(len(b)), bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	a, err := svc.CompleteUpload(ctx, owner, up.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestBrowserVisualSystem opens the catalog, home, course and lesson pages
// on a desktop and a phone and checks what item 22 asks of them: cards
// with a cover, trainer, length and progress; SVG icons, no glyph or emoji
// icons; status colours by meaning; Indonesian numbers. It also plays the
// captioned video: the player has a text track whose cues load (item 23).
func TestBrowserVisualSystem(t *testing.T) {
	e := newEnv(t, nil)
	ctx0 := context.Background()
	svc := e.app.Service()
	tr, learner := mustUser(t, e, trainerNIP), mustUser(t, e, learnerNIP)
	vc, video := seedVideoCourse(t, e, "Pelayanan Publik Prima", "Video: standar pelayanan")
	caps := seedFile(t, e, tr, vc.ID, "standar.id.srt", []byte(testSRT))
	if _, err := svc.UpdateLesson(ctx0, tr, video.ID, content.LessonInput{Captions: &[]content.Caption{{AssetID: caps.ID, Lang: "id"}}}); err != nil {
		t.Fatal(err)
	}
	// A course with an uploaded cover, and others with drawn ones.
	withCover := seedPageCourse(t, e, "Manajemen Arsip Digital", "Manajerial", "", true)
	cover := seedFile(t, e, tr, withCover.ID, "sampul.png", testPNG(t, 640, 360))
	if _, err := svc.UpdateCourse(ctx0, tr, withCover.ID, content.CourseInput{Cover: &cover.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx0, tr, withCover.ID, content.StatusPublished); err != nil {
		t.Fatal(err)
	}
	done := seedPageCourse(t, e, "Etika dan Integritas ASN", "Sosial Kultural", "Kursus tentang **nilai dasar** ASN.", false)
	seedPageCourse(t, e, "Analisis Kebijakan Publik untuk Pemula", "Teknis", "", false)
	seedPageCourse(t, e, "Komunikasi Efektif dalam Pelayanan", "Sosial Kultural", "", false)
	for _, id := range []string{done.ID, withCover.ID} {
		if _, _, err := svc.Enroll(ctx0, learner, id); err != nil {
			t.Fatal(err)
		}
	}
	// Open the reading, then let its reading time pass: the server credits
	// "done" no sooner than the text takes to read.
	if _, err := svc.RecordProgress(ctx0, learner, withCover.Text.ID, content.ProgressInput{}); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour)
	if _, err := svc.RecordProgress(ctx0, learner, withCover.Text.ID, content.ProgressInput{Done: true}); err != nil {
		t.Fatal(err)
	}

	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)
	dir := shotDir(t)
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what, expr string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil || !ok {
			t.Errorf("%s: %v (%s)", what, err, expr)
		}
	}
	// Glyph and emoji icons that fonts may lack; the arrows and marks
	// the pages used as icons.
	noGlyphs := `!/[\u00b6\u21e9\u2713\u2717\u2190\u2192\u25b6]|[\u{1F300}-\u{1FAFF}]/u.test(document.body.innerText)`
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/courses"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=catalog]`))); err != nil {
			t.Fatal(err)
		}
		check("catalog: every card has a cover", `[...document.querySelectorAll('[data-testid=catalog] .cc')].every(c => c.querySelector('.cc-cover svg, .cc-cover img'))`)
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.cc-cover img').scrollIntoView()`),
			poll(`(() => { const i = document.querySelector('.cc-cover img'); return i.complete && i.naturalWidth === 640; })()`),
			chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
			t.Errorf("catalog: the uploaded cover does not load: %v", err)
		}
		check("catalog: trainer on cards", `document.querySelectorAll('[data-testid=card-trainer]').length === 5 && document.querySelector('[data-testid=card-trainer]').innerText.includes('Widya Pengajar')`)
		check("catalog: duration on cards", `[...document.querySelectorAll('[data-testid=card-duration]')].some(d => d.innerText.trim() === '10 menit')`)
		check("catalog: progress on enrolled cards", `document.querySelectorAll('[data-testid=catalog] [data-testid=card-progress]').length === 3`)
		check("catalog: icons are hidden SVG", `[...document.querySelectorAll('svg.i')].length > 5 && [...document.querySelectorAll('svg.i')].every(s => s.getAttribute('aria-hidden') === 'true')`)
		check("catalog: no glyph icons", noGlyphs)
		check("catalog: cards do not overflow the page", `document.documentElement.scrollWidth <= window.innerWidth`)
		shot("catalog-" + vp.name)

		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=my-courses]`))); err != nil {
			t.Fatal(err)
		}
		check("home: my courses as cards with progress", `document.querySelectorAll('[data-testid=my-courses] .cc').length === 3`)
		check("home: no glyph icons", noGlyphs)
		check("home: pending JP in the warning colour, not success", `getComputedStyle(document.querySelector('.jp-card .st')).color !== getComputedStyle(document.querySelector('.st-ok') || document.body).color || !document.querySelector('.st-ok')`)
		check("home: no overflow", `document.documentElement.scrollWidth <= window.innerWidth`)
		shot("home-" + vp.name)

		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/courses/"+withCover.Slug), chromedp.WaitVisible(chromedp.CSS(`[data-testid=course-trainers]`))); err != nil {
			t.Fatal(err)
		}
		check("course: trainer and duration", `document.querySelector('[data-testid=course-trainers]').innerText.includes('Widya Pengajar') && document.querySelector('[data-testid=course-duration]').innerText.includes('10 menit')`)
		check("course: 50% in progress is not green", `getComputedStyle(document.querySelector('.st-warn')).color === 'rgb(138, 83, 0)'`)
		check("course: the done lesson is marked with an icon", `document.querySelectorAll('[data-testid=done-mark] svg').length === 1`)
		check("course: no glyph icons", noGlyphs)
		check("course: no overflow", `document.documentElement.scrollWidth <= window.innerWidth`)
		shot("course-" + vp.name)

		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/learn/"+withCover.Text2.ID), chromedp.WaitVisible(chromedp.CSS(`[data-testid=lesson-status]`))); err != nil {
			t.Fatal(err)
		}
		check("lesson: 'not done yet' is not in the success colour", `getComputedStyle(document.querySelector('[data-testid=lesson-status]')).color !== 'rgb(26, 127, 55)'`)
		shot("lesson-" + vp.name)
	}

	// Item 23: the video plays with its caption track, whose cues load.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(base+"/learn/"+video.ID),
		poll(`document.getElementById('video').readyState >= 1`),
		chromedp.Evaluate[chromedp.Void](`(() => { const tt = document.getElementById('video').textTracks; tt[0].mode = 'showing'; })()`),
		poll(`(() => { const tt = document.getElementById('video').textTracks; return tt.length >= 1 && tt[0].cues && tt[0].cues.length === 2; })()`),
	); err != nil {
		t.Fatalf("caption track: %v", err)
	}
	check("captions: language and first cue", `(() => { const t = document.getElementById('video').textTracks[0]; return t.language === 'id' && t.kind === 'captions' && t.cues[0].text.includes('pelatihan gratifikasi'); })()`)
	// Paused a second in, the first caption shows over the picture.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('video').currentTime = 1`),
		poll(`(() => { const v = document.getElementById('video'); return !v.seeking && v.textTracks[0].activeCues.length === 1; })()`)); err != nil {
		t.Errorf("caption not active at 1 s: %v", err)
	}
	shot("video-desktop")
	if !strings.HasPrefix(dir, os.TempDir()) {
		t.Logf("screenshots in %s", dir)
	}
}
