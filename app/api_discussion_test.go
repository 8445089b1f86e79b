package app

import (
	"net/url"
	"strings"
	"testing"
)

// discussXSS is markup a thread title or post might carry: none of it
// may reach a page as markup, in a title (text) or a body (Markdown).
var discussXSS = []string{
	`<script>alert("x")</script>`,
	`<img src=x onerror=alert(1)>`,
	`<svg onload=alert(1)>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`[klik](javascript:alert(1))`,
	`"><script>alert(2)</script>`,
	`<a href="#" onclick="alert(3)">a</a>`,
}

// discussLeaks are what a page must never contain after rendering the
// corpus (as escaped text they are harmless and expected).
var discussLeaks = []string{"<script>alert", "<img", "<svg onload", "<iframe", `href="javascript:`, `onclick="alert`}

func TestDiscussionAPI(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own, ler, other, admin := f.tokens["owner"], f.tokens["enrolled"], f.tokens["learner2"], f.tokens["admin"]
	base := "/api/v1/courses/" + f.course + "/threads"

	// Bad input: 4xx naming the field, nothing written.
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"title": "", "body": "isi"}, "title"},
		{map[string]any{"title": strings.Repeat("j", 201), "body": "isi"}, "title"},
		{map[string]any{"title": "Judul", "body": strings.Repeat("b", 10001)}, "body"},
		{map[string]any{"title": "Judul", "body": "isi", "lesson_id": "bukan"}, "lesson_id"},
	} {
		r := e.api("POST", base, ler, tc.body)
		if r.StatusCode != 422 || !strings.Contains(string(r.body), `"`+tc.field+`"`) {
			t.Errorf("%v: %d %s", tc.body, r.StatusCode, r.body)
		}
	}
	if r := e.api("POST", base, ler, "not an object"); r.StatusCode != 400 {
		t.Errorf("malformed body: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("GET", base+"?limit=500", ler, nil); r.StatusCode != 400 {
		t.Errorf("limit 500: %d", r.StatusCode)
	}
	if got := mustStatus(t, e.api("GET", base, own, nil), 200, "list")["total"]; got != float64(0) {
		t.Fatalf("threads after refusals: %v", got)
	}
	// Who may.
	mustStatus(t, e.api("POST", base, other, map[string]any{"title": "x", "body": "y"}), 403, "not enrolled")
	mustStatus(t, e.api("GET", base, other, nil), 403, "not enrolled lists")
	mustStatus(t, e.api("GET", "/api/v1/courses/"+f.draft+"/threads", ler, nil), 404, "draft")
	th := mustStatus(t, e.api("POST", base, ler, map[string]any{"title": "Cara unggah", "body": "Bagaimana **caranya**?", "lesson_id": f.text}), 201, "create")
	id := th["id"].(string)
	if th["lesson_id"] != f.text || th["mine"] != true || th["unanswered"] != true || th["author"] != nil {
		t.Errorf("thread = %v", th)
	}
	l := mustStatus(t, e.api("GET", base+"?lesson="+f.text, own, nil), 200, "lesson list")
	if l["total"] != float64(1) {
		t.Errorf("lesson list = %v", l)
	}
	mustStatus(t, e.api("GET", base+"?lesson="+f.video, own, nil), 200, "other lesson")
	mustStatus(t, e.api("GET", "/api/v1/threads/"+id, other, nil), 403, "not enrolled reads")

	// Replies, the owner accepts, a learner may not.
	mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/posts", ler, map[string]any{"body": ""}), 422, "empty reply")
	p := mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/posts", own, map[string]any{"body": "Lewat menu **Unggah**."}), 201, "reply")
	pid := p["id"].(string)
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/accept", ler, nil), 403, "learner accepts")
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/accept", f.tokens["trainer2"], nil), 403, "another trainer accepts")
	acc := mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/accept", own, nil), 200, "owner accepts")
	if acc["accepted_post_id"] != pid || acc["unanswered"] != false {
		t.Errorf("accepted = %v", acc)
	}
	// Report once.
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/report", ler, nil), 201, "report")
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/report", ler, nil), 200, "report again")
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/report", other, nil), 403, "outsider reports")
	inbox := mustStatus(t, e.api("GET", "/api/v1/discussion/inbox", own, nil), 200, "inbox")
	if rep := inbox["reported"].([]any); len(rep) != 1 || rep[0].(map[string]any)["reports"] != float64(1) {
		t.Errorf("inbox = %v", inbox)
	}
	mustStatus(t, e.api("GET", "/api/v1/discussion/inbox", ler, nil), 403, "learner inbox")
	// Hide: the learner sees that a post was hidden, not what it said.
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/hide", ler, nil), 403, "learner hides")
	mustStatus(t, e.api("POST", "/api/v1/posts/"+pid+"/hide", own, nil), 200, "hide")
	v := mustStatus(t, e.api("GET", "/api/v1/threads/"+id, ler, nil), 200, "thread")
	post := v["posts"].([]any)[0].(map[string]any)
	if post["hidden"] != true || post["body"] != "" || post["reports"] != nil || v["can_moderate"] != false || v["following"] != true {
		t.Errorf("learner's view = %v", v)
	}
	v = mustStatus(t, e.api("GET", "/api/v1/threads/"+id, admin, nil), 200, "admin thread")
	if post := v["posts"].([]any)[0].(map[string]any); post["body"] != "Lewat menu **Unggah**." || v["can_moderate"] != true {
		t.Errorf("admin's view = %v", v)
	}
	// Lock refuses replies, naming the thread.
	mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/lock", ler, nil), 403, "learner locks")
	mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/lock", own, nil), 200, "lock")
	r := e.api("POST", "/api/v1/threads/"+id+"/posts", ler, map[string]any{"body": "masih bisa?"})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"thread"`) {
		t.Errorf("reply to a locked thread: %d %s", r.StatusCode, r.body)
	}
	// Follow and unfollow.
	if got := mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/unfollow", ler, nil), 200, "unfollow"); got["following"] != false {
		t.Errorf("unfollow = %v", got)
	}
	mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/follow", other, nil), 403, "outsider follows")
	mustStatus(t, e.api("GET", "/api/v1/threads/nope", ler, nil), 404, "unknown thread")
	mustStatus(t, e.api("POST", "/api/v1/posts/nope/report", ler, nil), 404, "unknown post")
}

// TestDiscussionXSS: the corpus in thread titles and post bodies is text
// on every page that shows them and JSON-escaped in the API.
func TestDiscussionXSS(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own, ler := f.tokens["owner"], f.tokens["enrolled"]
	var threads []string
	for i, x := range discussXSS {
		th := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/threads", ler,
			map[string]any{"title": "Judul " + x, "body": "Isi " + x, "lesson_id": f.text}), 201, "xss thread")
		id := th["id"].(string)
		threads = append(threads, id)
		p := mustStatus(t, e.api("POST", "/api/v1/threads/"+id+"/posts", own, map[string]any{"body": "Balasan " + x}), 201, "xss reply")
		if i%2 == 0 {
			mustStatus(t, e.api("POST", "/api/v1/posts/"+p["id"].(string)+"/report", ler, nil), 201, "report")
		}
		r := e.api("GET", "/api/v1/threads/"+id, ler, nil)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("thread API content type %q", ct)
		}
		for _, leak := range discussLeaks {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("API output of %q carries %q raw", x, leak)
			}
		}
	}
	learner, trainer := e.browser(), e.browser()
	learner.login(learnerNIP)
	trainer.login(trainerNIP)
	pages := map[string]resp{
		"course":  learner.get("/courses/" + f.course),
		"lesson":  learner.get("/learn/" + f.text),
		"list":    learner.get("/courses/" + f.course + "/threads"),
		"inbox":   trainer.get("/discussion/unanswered"),
		"trainer": trainer.get("/threads/" + threads[0]),
	}
	for i, id := range threads {
		pages["thread "+discussXSS[i]] = learner.get("/threads/" + id)
	}
	for name, r := range pages {
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d", name, r.StatusCode)
		}
		for _, leak := range discussLeaks {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("%s renders %q", name, leak)
			}
		}
	}
	mustContain(t, "thread page", pages["thread "+discussXSS[0]].body, `Judul &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`)
}

// TestDiscussionPages: the forms work without JavaScript: start a thread
// on a lesson page, reply, report, and the trainer accepts, locks and
// sees the unanswered list; a learner not enrolled is refused.
func TestDiscussionPages(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	learner, trainer, outsider := e.browser(), e.browser(), e.browser()
	learner.login(learnerNIP)
	trainer.login(trainerNIP)
	outsider.login(learner2NIP)

	lesson := learner.get("/learn/" + f.text)
	mustContain(t, "lesson page", lesson.body, `data-testid="discussion"`, `name="lesson_id" value="`+f.text+`"`)
	mustNotContain(t, "outsider's course page", outsider.get("/courses/"+f.course).body, `data-testid="discussion"`)
	tok := csrfInput.FindSubmatch(lesson.body)[1]
	// A refused form comes back with what was typed and the field named.
	r := learner.post("/courses/"+f.course+"/threads", url.Values{"_csrf": {string(tok)}, "title": {""}, "body": {"Isi tanpa judul"}, "lesson_id": {f.text}})
	if r.StatusCode != 422 {
		t.Fatalf("empty title: %d", r.StatusCode)
	}
	mustContain(t, "refused form", r.body, `id="thread-title-err"`, "Isi tanpa judul")
	r = learner.post("/courses/"+f.course+"/threads", url.Values{"_csrf": {string(tok)}, "title": {"Pertanyaan video"}, "body": {"Videonya *macet*."}, "lesson_id": {f.text}})
	if r.StatusCode != 303 {
		t.Fatalf("new thread: %d %s", r.StatusCode, r.body)
	}
	at := r.Header.Get("Location")
	if !strings.HasPrefix(at, "/threads/t") {
		t.Fatalf("redirect to %q", at)
	}
	page := learner.get(at)
	mustContain(t, "thread page", page.body, "<em>macet</em>", `data-testid="reply-form"`, `data-testid="follow"`)
	mustNotContain(t, "learner's thread page", page.body, `data-testid="lock"`, `data-testid="accept"`)
	if r := outsider.get(at); r.StatusCode != 403 {
		t.Fatalf("outsider reads: %d", r.StatusCode)
	}
	// The trainer sees it unanswered, answers; the learner reports it.
	mustContain(t, "teach page", trainer.get("/teach").body, `href="/discussion/unanswered"`)
	mustContain(t, "inbox", trainer.get("/discussion/unanswered").body, "Pertanyaan video")
	tt := trainer.csrf(at)
	r = trainer.post(at+"/posts", url.Values{"_csrf": {tt}, "body": {"Coba muat ulang."}})
	if r.StatusCode != 303 {
		t.Fatalf("reply: %d", r.StatusCode)
	}
	mustNotContain(t, "inbox after a reply", trainer.get("/discussion/unanswered").body, "Pertanyaan video")
	page = learner.get(at)
	m := strings.SplitN(string(page.body), `action="/posts/`, 2)
	if len(m) != 2 {
		t.Fatalf("no post form on the thread page")
	}
	pid := m[1][:strings.Index(m[1], "/")]
	r = learner.post("/posts/"+pid+"/report", url.Values{"_csrf": {string(tok)}})
	if r.StatusCode != 303 {
		t.Fatalf("report: %d", r.StatusCode)
	}
	mustContain(t, "after report", learner.get(at).body, `data-testid="reported"`)
	mustContain(t, "inbox reported", trainer.get("/discussion/unanswered").body, `data-testid="reported-post"`)
	for _, step := range []string{"/posts/" + pid + "/accept", at + "/lock"} {
		if r := trainer.post(step, url.Values{"_csrf": {tt}}); r.StatusCode != 303 {
			t.Fatalf("%s: %d", step, r.StatusCode)
		}
	}
	page = learner.get(at)
	mustContain(t, "locked thread", page.body, `data-testid="accepted"`, `data-testid="locked-note"`)
	mustNotContain(t, "locked thread", page.body, `data-testid="reply-form"`)
	if r := learner.post(at+"/posts", url.Values{"_csrf": {string(tok)}, "body": {"tetap kirim"}}); r.StatusCode != 422 {
		t.Fatalf("reply to locked: %d", r.StatusCode)
	}
	if r := learner.post(at+"/lock", url.Values{"_csrf": {string(tok)}}); r.StatusCode != 403 {
		t.Fatalf("learner locks: %d", r.StatusCode)
	}
	if r := learner.get("/discussion/unanswered"); r.StatusCode != 403 {
		t.Fatalf("learner's inbox: %d", r.StatusCode)
	}
	mustContain(t, "lesson's list", learner.get("/courses/"+f.course+"/threads?lesson="+f.text).body, "Pertanyaan video", "<h1>Diskusi: ")
	// English.
	learner.get("/lang/en")
	mustContain(t, "English thread page", learner.get(at).body, "Accepted answer", "This discussion is locked")
}

// TestDiscussionSearch: a thread is found by the course's learners and
// trainer, not by a learner who is not enrolled.
func TestDiscussionSearch(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	th := mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/threads", f.tokens["enrolled"],
		map[string]any{"title": "Sertifikat kedaluwarsa", "body": "Apakah sertifikat perlu diperpanjang?"}), 201, "thread")
	e.indexNow(t)
	for who, want := range map[string]bool{"enrolled": true, "owner": true, "admin": true, "learner2": false, "trainer2": false} {
		r := mustStatus(t, e.api("GET", "/api/v1/search?q=kedaluwarsa", f.tokens[who], nil), 200, "search")
		found := false
		for _, h := range r["hits"].([]any) {
			hit := h.(map[string]any)
			if hit["type"] == "thread" && hit["thread_id"] == th["id"] {
				found = true
			}
		}
		if found != want {
			t.Errorf("%s finds the thread: %v, want %v (%v)", who, found, want, r)
		}
	}
	learner, outsider := e.browser(), e.browser()
	learner.login(learnerNIP)
	outsider.login(learner2NIP)
	mustContain(t, "search page", learner.get("/search?q=kedaluwarsa").body, `data-testid="thread-hit"`, `href="/threads/`+th["id"].(string)+`"`)
	mustNotContain(t, "outsider's search page", outsider.get("/search?q=kedaluwarsa").body, `data-testid="thread-hit"`, th["id"].(string))
}
