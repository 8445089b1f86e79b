package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
)

// setOffline cuts (or restores) the page's network: every request fails
// as without a connection, and navigator.onLine follows.
func setOffline(ctx context.Context, offline bool) error {
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	rules := []*network.Conditions{}
	if offline {
		rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule,
		network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline,
		DownloadThroughput: -1, UploadThroughput: -1})
	return err
}

// blockURL makes requests matching an URL pattern fail as if offline ("" lifts it).
func blockURL(ctx context.Context, pattern string) error {
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	rules := []*network.Conditions{}
	if pattern != "" {
		rules = append(rules, &network.Conditions{URLPattern: pattern, Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule,
		network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules})
	return err
}

// savedAnswers reads the attempt's answers as the server has them.
func savedAnswers(t *testing.T, e *testEnv, id string) map[string]content.Answer {
	t.Helper()
	at, _, err := e.app.Service().GetAttempt(context.Background(), mustUser(t, e, learnerNIP), id)
	if err != nil {
		t.Fatal(err)
	}
	return at.Answers
}

func TestBrowserQuizOfflineQueueAndCertificate(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Etika Pelayanan Daring", func(in *content.QuizInput) {
		in.TimeLimit = pgPtr(600) // a timer on the page; far from running out
	})
	enrolled(t, e, learnerNIP, qc.Course.ID)
	base := e.serve(t)
	ctx := newBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)

	// (1) Open the quiz, answer the first question: "Tersimpan".
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/learn/"+qc.Lesson.ID),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=quiz-start]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=quiz-start]`)),
		chromedp.WaitVisible(chromedp.ID("quiz-form")),
		poll(`!document.getElementById('quiz-timer').hidden && /^\d+:\d\d$/.test(document.getElementById('quiz-clock').textContent)`),
		chromedp.Click(chromedp.CSS(`input[name="a.q1"][value="a"]`)),
		poll(`document.getElementById('st-q1').textContent.includes('Tersimpan')`),
	); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("open the quiz and answer q1: %v\n%s", err, st)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	if a := savedAnswers(t, e, id); a["q1"].Option != "a" {
		t.Fatalf("server has q1 = %+v after 'Tersimpan'", a["q1"])
	}
	// No key reached the page's DOM.
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	mustNotContain(t, "attempt DOM", []byte(html), pageQuizSecrets...)

	// (2) The connection drops: answers go on, into the device's queue.
	if err := setOffline(ctx, true); err != nil {
		t.Fatalf("go offline: %v", err)
	}
	if err := chromedp.Do(ctx,
		poll(`navigator.onLine === false`),
		chromedp.Click(chromedp.CSS(`input[name="a.q2"][value="a"]`)),
		chromedp.Click(chromedp.CSS(`input[name="a.q2"][value="b"]`)),
		chromedp.Click(chromedp.CSS(`input[name="a.q3"][value="true"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="a.q4"]`), shortKey),
		poll(`!document.getElementById('quiz-offline').hidden`),
		poll(`(() => { const q = JSON.parse(localStorage.getItem('kompeten-quiz:`+id+`') || '{}');
			return q.q4 === '`+shortKey+`' && q.q3 === true && JSON.stringify(q.q2) === '["a","b"]'; })()`),
	); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`localStorage.getItem('kompeten-quiz:`+id+`')`))
		t.Fatalf("answer offline: %v (queue %s)", err, st)
	}
	banner, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("quiz-offline")))
	if err != nil || !strings.Contains(banner, "Koneksi terputus") || !strings.Contains(banner, "dikirim otomatis") {
		t.Errorf("offline banner %q (%v)", banner, err)
	}
	q3status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("st-q3")))
	if !strings.Contains(q3status, "perangkat") {
		t.Errorf("q3 status while offline %q", q3status)
	}
	time.Sleep(1500 * time.Millisecond) // a retry or two would have run by now
	if a := savedAnswers(t, e, id); len(a) != 1 {
		t.Fatalf("the server got answers while offline: %+v", a)
	}

	// (3) The connection returns: the queue flushes by itself.
	if err := setOffline(ctx, false); err != nil {
		t.Fatalf("go online: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := savedAnswers(t, e, id)
		if len(a) == 4 {
			if a["q3"].Bool == nil || !*a["q3"].Bool || strings.Join(a["q2"].Options, ",") != "a,b" || a["q4"].Text != shortKey {
				t.Fatalf("flushed answers %+v", a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue did not reach the server: %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := chromedp.Do(ctx,
		poll(`document.getElementById('quiz-offline').hidden && localStorage.getItem('kompeten-quiz:`+id+`') === null`),
		poll(`document.getElementById('st-q4').textContent.includes('Tersimpan')`),
	); err != nil {
		t.Fatalf("after reconnecting the banner or the queue stayed: %v", err)
	}

	// Submit: a confirm step, then the result.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=quiz-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=quiz-confirm]`)),
	); err != nil {
		t.Fatalf("confirm step: %v", err)
	}
	ct, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("confirm-text")))
	if !strings.Contains(ct, "4 dari 4") {
		t.Errorf("confirm text %q", ct)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=confirm-yes]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=quiz-result]`)),
	); err != nil {
		t.Fatalf("submit: %v", err)
	}
	res, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=quiz-result]`)))
	if err != nil || !strings.Contains(res, "Lulus") || !strings.Contains(res, "6 dari 6 poin") {
		t.Fatalf("result %q (%v)", res, err)
	}

	// (4) The quiz was the only lesson: the course is complete, the PDF
	// downloads with the session, and the verify page says it is valid.
	code, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=cert-code]`)))
	if err != nil || len(code) != 15 {
		t.Fatalf("certificate code %q (%v)", code, err)
	}
	type pdfHead struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Head   string `json:"head"`
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`fetch(document.querySelector('[data-testid=cert-pdf]').href)
		.then(r => r.arrayBuffer().then(b => ({status: r.status, type: r.headers.get('Content-Type'),
			head: String.fromCharCode.apply(null, new Uint8Array(b).slice(0, 5))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var ph pdfHead
	if err := json.Unmarshal(raw, &ph); err != nil || ph.Status != 200 || ph.Type != "application/pdf" || !strings.HasPrefix(ph.Head, "%PDF") {
		t.Fatalf("certificate download %+v (%v)", ph, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=cert-verify]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=cert-valid]`)),
	); err != nil {
		t.Fatalf("verify page: %v", err)
	}
	page, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(page, "Sertifikat sah") || !strings.Contains(page, code) || !strings.Contains(page, "Etika Pelayanan Daring") {
		t.Errorf("verify page %q", page)
	}
}

func TestBrowserQuizOnePerScreenKeepsAnswersAcrossReload(t *testing.T) {
	e := newEnv(t, nil)
	qc := seedQuizCourse(t, e, "Kuis Satu Layar", func(in *content.QuizInput) { in.OnePerPage = pgPtr(true) })
	enrolled(t, e, learnerNIP, qc.Course.ID)
	base := e.serve(t)
	ctx := newBrowser(t)
	chromeLogin(t, ctx, base, learnerNIP)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/learn/"+qc.Lesson.ID),
		chromedp.Click(chromedp.CSS(`[data-testid=quiz-start]`)),
		chromedp.WaitVisible(chromedp.ID("quiz-nav")),
		// Only the first question shows; the navigator jumps to the fourth.
		poll(`document.querySelectorAll('fieldset.question:not([hidden])').length === 1 && !document.getElementById('q-q1').hidden`),
		chromedp.Click(chromedp.CSS(`[data-goto="4"]`)),
		poll(`!document.getElementById('q-q4').hidden && document.getElementById('q-q1').hidden`),
		chromedp.Click(chromedp.ID("quiz-prev")),
		poll(`!document.getElementById('q-q3').hidden && document.getElementById('quiz-pos').textContent.includes('3 dari 4')`),
	); err != nil {
		t.Fatalf("one question per screen: %v", err)
	}
	// The answer route becomes unreachable (the page itself still loads):
	// a typed answer stays on the device, survives a reload, and is sent
	// once the route answers again.
	if err := blockURL(ctx, base+"/quiz/attempts/*/answers"); err != nil {
		t.Fatal(err)
	}
	queued := `(JSON.parse(localStorage.getItem('kompeten-quiz:' + document.getElementById('quiz').dataset.attempt) || '{}')).q4 === 'jawaban luring'`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-goto="4"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="a.q4"]`), "jawaban luring"),
		poll(queued),
		poll(`!document.getElementById('quiz-offline').hidden`), // the failed fetch raised the warning
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("quiz-nav")),
		poll(`document.querySelector('input[name="a.q4"]').value === 'jawaban luring'`),
		poll(queued),
	); err != nil {
		t.Fatalf("type with the route blocked, reload: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	id := loc[strings.LastIndex(loc, "/")+1:]
	if a := savedAnswers(t, e, id); a["q4"].Text != "" {
		t.Fatalf("the server got q4 = %+v through a blocked route", a["q4"])
	}
	if err := blockURL(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		poll(`localStorage.getItem('kompeten-quiz:' + document.getElementById('quiz').dataset.attempt) === null`),
		poll(`document.getElementById('st-q4').textContent.includes('Tersimpan')`),
	); err != nil {
		dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({v: document.querySelector('input[name="a.q4"]').value, st: document.getElementById('st-q4').textContent})`))
		t.Fatalf("after unblocking: %v (%s)", err, dbg)
	}
	if a := savedAnswers(t, e, id); a["q4"].Text != "jawaban luring" {
		t.Fatalf("server has q4 = %+v", a["q4"])
	}
}
