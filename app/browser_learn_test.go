package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

const videoFixture = "testdata/testsrc-20s.mp4"

// newMediaBrowser is newBrowser with media allowed to play without a
// user gesture, as the player tests start playback from script.
func newMediaBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowser(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.Flag("mute-audio", true))
}

func chromeLogin(t *testing.T, ctx context.Context, base, nip string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("nip")),
		chromedp.SendKeys(chromedp.ID("nip"), nip),
		chromedp.SendKeys(chromedp.ID("password"), testPass),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		// On a phone the name is in the header's menu: present, not shown.
		chromedp.WaitReady(chromedp.CSS(`[data-testid=user-name]`)),
	); err != nil {
		t.Fatalf("log in %s: %v", nip, err)
	}
}

func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(30*time.Second))
}

// seedVideoAsset uploads the fixture into a course through the domain.
func seedVideoAsset(t *testing.T, e *testEnv, owner content.User, courseID string) content.Asset {
	t.Helper()
	b, err := os.ReadFile(videoFixture)
	if err != nil {
		t.Fatal(err)
	}
	return seedFile(t, e, owner, courseID, "video.mp4", b)
}

func TestBrowserTrainerUploadsVideo(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Unggah Video", "Teknis", "", true)
	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, trainerNIP)
	fixture, err := filepath.Abs(videoFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/teach/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=no-assets]`)),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{fixture}),
		// The bar reaches 100% and the new asset appears in the list.
		poll(`document.getElementById('upload-bar').value === 100 && !!document.querySelector('#asset-list [data-asset]')`),
	); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("upload-status")))
		t.Fatalf("upload through the page: %v (status %q)", err, st)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("upload-status")))
	if err != nil || !strings.Contains(status, "Selesai diunggah") {
		t.Errorf("upload status %q (%v)", status, err)
	}
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("asset-list")))
	if err != nil || !strings.Contains(list, "testsrc-20s.mp4") || !strings.Contains(list, "video/mp4") {
		t.Errorf("asset list %q (%v)", list, err)
	}
	// The server has the asset, whole, and the upload id is forgotten.
	assets, err := e.app.Service().CourseAssets(context.Background(), mustUser(t, e, trainerNIP), c.ID)
	if err != nil || len(assets) != 1 {
		t.Fatalf("assets %+v (%v)", assets, err)
	}
	fi, _ := os.Stat(fixture)
	if a := assets[0]; a.Size != fi.Size() || a.ContentType != "video/mp4" || math.Abs(a.Duration-20) > 0.5 {
		t.Errorf("asset %+v, want %d bytes of video/mp4 lasting 20 s", a, fi.Size())
	}
	left, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Object.keys(localStorage).filter(k => k.startsWith('kompeten-upload:')).length`))
	if err != nil || left != 0 {
		t.Errorf("localStorage keeps %d upload ids after completion (%v)", left, err)
	}
}

func TestBrowserUploadResumesAfterReload(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Unggah Lanjut", "Teknis", "", true)
	tr := mustUser(t, e, trainerNIP)
	fixture, _ := filepath.Abs(videoFixture)
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(fixture)
	// An upload started earlier (say, before the page was reloaded); its
	// id is in localStorage under the file's name, size and mtime.
	up, err := e.app.Service().CreateUpload(context.Background(), tr,
		content.NewUpload{Filename: "testsrc-20s.mp4", Size: int64(len(b)), CourseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, trainerNIP)
	key := "kompeten-upload:" + c.ID + ":testsrc-20s.mp4:" + itoa(fi.Size()) + ":" + itoa(fi.ModTime().UnixMilli())
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/teach/"+c.ID),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('`+key+`', '`+up.ID+`')`),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{fixture}),
		poll(`document.getElementById('upload-bar').value === 100 && !!document.querySelector('#asset-list [data-asset]')`),
	); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("upload-status")))
		t.Fatalf("resumed upload: %v (status %q)", err, st)
	}
	// The page continued the same upload rather than starting another.
	assets, err := e.app.Service().CourseAssets(context.Background(), tr, c.ID)
	if err != nil || len(assets) != 1 || assets[0].ID != up.ID {
		t.Fatalf("assets %+v (%v), want the resumed upload %s", assets, err, up.ID)
	}
}

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// seedVideoCourse publishes a course holding a lesson of the fixture
// video, with the learner enrolled.
func seedVideoCourse(t *testing.T, e *testEnv, title, lessonTitle string) (pgCourse, content.Lesson) {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	tr := mustUser(t, e, trainerNIP)
	c := seedPageCourse(t, e, title, "Teknis", "", true)
	a := seedVideoAsset(t, e, tr, c.ID)
	vl, err := svc.AddLesson(ctx, tr, c.ID, c.Module.ID, content.LessonInput{Title: pgPtr(lessonTitle),
		Kind: pgPtr(content.KindVideo), AssetID: &a.ID, Minutes: pgPtr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, tr, c.ID, content.StatusPublished); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Enroll(ctx, mustUser(t, e, learnerNIP), c.ID); err != nil {
		t.Fatal(err)
	}
	return c, vl
}

// playAndSeek opens a video lesson, plays from the start past 1.5 s, then
// seeks to 12 s and plays on past 13.5 s.
func playAndSeek(lessonURL string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(lessonURL),
		poll(`document.getElementById('video').readyState >= 1`),
		chromedp.Evaluate[chromedp.Void](`(() => { const v = document.getElementById('video'); v.muted = true; return v.play(); })()`,
			chromedp.EvalAwaitPromise),
		poll(`document.getElementById('video').currentTime > 1.5`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('video').currentTime = 12`),
		poll(`(() => { const v = document.getElementById('video'); return !v.seeking && v.currentTime > 13.5; })()`),
	}
}

// TestBrowserVideoPlaysFromPresignedURL: with presigning on, the player
// is sent on to MinIO, which the page's security policy must allow, and
// plays and seeks there with ranges.
func TestBrowserVideoPlaysFromPresignedURL(t *testing.T) {
	cfg := s3test.Start(t)
	e := newEnv(t, map[string]string{
		"KOMPETEN_BLOBS":         s3BlobsURL(cfg),
		"KOMPETEN_MEDIA_PRESIGN": "true",
	})
	_, vl := seedVideoCourse(t, e, "Kursus Video Langsung", "Video dari MinIO")
	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)
	if err := chromedp.Do(ctx, playAndSeek(base+"/learn/"+vl.ID)...); err != nil {
		errCode, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`String(document.getElementById('video').error && document.getElementById('video').error.code)`))
		t.Fatalf("play and seek from MinIO: %v (media error %s)", err, errCode)
	}
}

func TestBrowserVideoResumesAndDashboardShowsProgress(t *testing.T) {
	e := newEnv(t, nil)
	ctx0 := context.Background()
	svc := e.app.Service()
	c, vl := seedVideoCourse(t, e, "Kursus Video Pelayanan", "Video pelayanan")
	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)

	// Play from the start, seek to 12 s, play on, pause: the pause sends a report.
	if err := chromedp.Do(ctx, append(playAndSeek(base+"/learn/"+vl.ID),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('video').pause()`))...,
	); err != nil {
		t.Fatalf("play and seek: %v", err)
	}
	var p content.LessonProgress
	deadline := time.Now().Add(10 * time.Second)
	for {
		en, err := svc.Enrollment(ctx0, learnerNIP, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		p = en.Lessons[vl.ID]
		if p.Position >= 13 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p.Position < 13 || p.Position > 19 {
		t.Fatalf("saved position %.2f, want about 13.5-15 s", p.Position)
	}
	// Only contiguous playback counts: the skipped stretch is not watched.
	if len(p.Watched) < 2 || p.Watched[0][0] > 0.3 || p.Watched[0][1] < 1.0 {
		t.Errorf("watched %v, want about [0, 1.5] first", p.Watched)
	}
	for _, w := range p.Watched {
		if w[0] < 6 && w[1] > 6 {
			t.Errorf("watched %v covers 6 s, which was skipped", p.Watched)
		}
	}
	if p.Done {
		t.Errorf("a few seconds of a 20 s video marked the lesson done: %+v", p)
	}

	// After a reload the player resumes at the saved position.
	if err := chromedp.Do(ctx,
		chromedp.Reload(),
		poll(`document.getElementById('video').readyState >= 1 && document.getElementById('video').currentTime > 0`),
	); err != nil {
		t.Fatalf("reload: %v", err)
	}
	at, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById('video').currentTime`))
	if err != nil || math.Abs(at-p.Position) > 1 {
		t.Fatalf("after reload the player is at %.2f s (%v), want about %.2f", at, err, p.Position)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("lesson-status")))
	if !strings.Contains(status, "Melanjutkan dari 0:1") {
		t.Errorf("status %q does not announce the resume", status)
	}
	// Keyboard: l skips forward 10 s (focus on the page, not a control).
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur && document.activeElement.blur()`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('video').currentTime = 2`),
		poll(`!document.getElementById('video').seeking`),
		chromedp.KeyEvent("l"),
		poll(`document.getElementById('video').currentTime >= 11.5`),
	); err != nil {
		t.Errorf("keyboard seek: %v", err)
	}

	// Finish the first text lesson with its button; the dashboard shows it.
	// The button posts a form, so the page is replaced: wait on the server,
	// not on a page that may be navigating away.
	// The server takes "done" once the text could have been read.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/learn/"+c.Text.ID)); err != nil {
		t.Fatalf("open the text lesson: %v", err)
	}
	e.advance(time.Minute)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=mark-done]`))); err != nil {
		t.Fatalf("mark done: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		en, err := svc.Enrollment(ctx0, learnerNIP, c.ID)
		if err == nil && en.Lessons[c.Text.ID].Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("text lesson not marked done on the server: %v", err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=my-courses]`)),
	); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	pct, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid=my-courses] [data-testid=course-card]`), "data-percent"))
	if err != nil || pct.Value == "" || pct.Value == "0" {
		t.Fatalf("dashboard percent %+v (%v), want > 0", pct, err)
	}
	cont, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=continue-card]`)))
	if err != nil || !strings.Contains(cont, "Kursus Video Pelayanan") {
		t.Errorf("continue card %q (%v)", cont, err)
	}
}

func TestBrowserUploadInParallelParts(t *testing.T) {
	e := newEnv(t, nil)
	c := seedPageCourse(t, e, "Kursus Berkas Besar", "Teknis", "", true)
	// A file of three 8 MiB parts: the fixture padded with zeros (the type
	// is sniffed from its head, so it stays an MP4).
	head, err := os.ReadFile(videoFixture)
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(t.TempDir(), "rekaman-panjang.mp4")
	body := append(head, make([]byte, 2*content.PartSize+123_457-len(head))...)
	if err := os.WriteFile(big, body, 0o600); err != nil {
		t.Fatal(err)
	}
	base := e.serve(t)
	ctx := newMediaBrowser(t)
	chromeLogin(t, ctx, base, trainerNIP)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/teach/"+c.ID),
		chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{big}),
		poll(`document.getElementById('upload-bar').value === 100 && !!document.querySelector('#asset-list [data-asset]')`),
	); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("upload-status")))
		t.Fatalf("three-part upload: %v (status %q)", err, st)
	}
	assets, err := e.app.Service().CourseAssets(context.Background(), mustUser(t, e, trainerNIP), c.ID)
	if err != nil || len(assets) != 1 || assets[0].Size != int64(len(body)) || assets[0].Name != "rekaman-panjang.mp4" {
		t.Fatalf("assets %+v (%v), want one of %d bytes", assets, err, len(body))
	}
	if sum := sha256.Sum256(body); assets[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("asset sha256 %s differs from the file's: parts were misplaced", assets[0].SHA256)
	}
}
