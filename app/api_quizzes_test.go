package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// quizBody is a quiz with one question of each type; the learner's right
// answers are in quizRight.
func quizBody(course, module string, extra map[string]any) map[string]any {
	b := map[string]any{
		"course_id": course, "module_id": module, "title": "Kuis Pelayanan", "pass_mark": 60, "max_attempts": 2,
		"questions": []map[string]any{
			{"id": "q1", "type": "single", "prompt": "Asas pelayanan publik?", "points": 2,
				"options": []map[string]any{{"id": "a", "text": "Kepentingan umum"}, {"id": "b", "text": "Kepentingan pribadi"}},
				"answer":  "a", "explanation": "Asas kepentingan umum (UU 25/2009)."},
			{"id": "q2", "type": "multiple", "prompt": "Pilih dua standar pelayanan.", "points": 2,
				"options": []map[string]any{{"id": "a", "text": "Waktu"}, {"id": "b", "text": "Biaya"}, {"id": "c", "text": "Hobi"}},
				"answer":  []string{"a", "b"}, "explanation": "Waktu dan biaya."},
			{"id": "q3", "type": "truefalse", "prompt": "JP minimal ASN 20 per tahun.", "points": 1, "answer": true,
				"explanation": "PP 11/2017."},
			{"id": "q4", "type": "short", "prompt": "Nama kota kita?", "points": 1, "answer": []string{"Kotalama"},
				"explanation": "Kota Kotalama."},
		},
	}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

var quizRight = map[string]any{"q1": "a", "q2": []string{"a", "b"}, "q3": true, "q4": " kotalama "}

// secretsOf are strings that must never reach a learner before submitting.
var secretsOf = []string{"weight", "accepted", "explanation", "UU 25/2009", "PP 11/2017", "\"answer\"", "feedback",
	"\"score\"", "\"percent\"", "\"passed\"", "\"result\""}

func checkNoLeak(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, s := range secretsOf {
		if strings.Contains(string(body), s) {
			t.Errorf("%s leaks %q before submission:\n%s", what, s, body)
		}
	}
}

func TestQuizAttemptFlow(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own, tok := f.tokens["owner"], f.tokens["enrolled"]
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, quizBody(f.course, f.module, nil)), 201, "create quiz")
	quiz := q["id"].(string)
	// The owner sees the keys in the contract's shape.
	if qs := q["questions"].([]any); qs[0].(map[string]any)["answer"] != "a" || fmt.Sprint(qs[1].(map[string]any)["answer"]) != "[a b]" {
		t.Fatalf("owner view lacks answers: %v", qs)
	}
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz, f.tokens["trainer2"], nil), 404, "other trainer reads quiz")
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz, tok, nil), 403, "learner reads quiz keys")
	mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", f.tokens["learner2"], nil), 403, "unenrolled learner starts")

	r := e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", tok, nil)
	at := mustStatus(t, r, 201, "start")
	checkNoLeak(t, "start", r.body)
	id := at["id"].(string)
	if len(at["questions"].([]any)) != 4 {
		t.Fatalf("attempt has %d questions", len(at["questions"].([]any)))
	}
	// Starting again resumes the same attempt.
	if again := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", tok, nil), 201, "resume"); again["id"] != id {
		t.Fatalf("second start made a new attempt %v", again["id"])
	}
	// Answers saved one at a time, each a write of its own.
	for _, qid := range []string{"q1", "q2", "q3"} {
		r := e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{qid: quizRight[qid]}})
		mustStatus(t, r, 200, "save "+qid)
		checkNoLeak(t, "save", r.body)
	}
	r = e.api("GET", "/api/v1/attempts/"+id, tok, nil)
	got := mustStatus(t, r, 200, "get attempt")
	checkNoLeak(t, "get attempt", r.body)
	if fmt.Sprint(got["answers"]) != "map[q1:a q2:[a b] q3:true]" {
		t.Fatalf("saved answers %v", got["answers"])
	}
	// Bad answers name the question.
	if r := e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{"q1": "zz"}}); r.StatusCode != 422 || !strings.Contains(string(r.body), "answers.q1") {
		t.Errorf("bad option: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{"q9": "a"}}); r.StatusCode != 422 {
		t.Errorf("unknown question: %d", r.StatusCode)
	}
	// Another learner can neither read, write nor submit it.
	other := f.tokens["learner2"]
	mustStatus(t, e.api("GET", "/api/v1/attempts/"+id, other, nil), 404, "other reads")
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+id+"/answers", other, map[string]any{"answers": map[string]any{"q1": "b"}}), 404, "other writes")
	mustStatus(t, e.api("POST", "/api/v1/attempts/"+id+"/submit", other, nil), 404, "other submits")

	res := mustStatus(t, e.api("POST", "/api/v1/attempts/"+id+"/submit", tok, nil), 200, "submit")
	// q4 unanswered: 5 of 6 points.
	if res["score"] != float64(5) || res["max_score"] != float64(6) || res["passed"] != true {
		t.Fatalf("result %v", res)
	}
	qs := res["questions"].([]any)
	if qs[3].(map[string]any)["correct"] != false || qs[0].(map[string]any)["explanation"] != "Asas kepentingan umum (UU 25/2009)." {
		t.Errorf("per-question results %v", qs)
	}
	// Submitting again returns the same result; saving is refused.
	if again := mustStatus(t, e.api("POST", "/api/v1/attempts/"+id+"/submit", tok, nil), 200, "submit again"); fmt.Sprint(again) != fmt.Sprint(res) {
		t.Errorf("second submit %v differs from %v", again, res)
	}
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{"q4": "Kotalama"}}), 409, "save after submit")

	// Passing the quiz completed the course? Not yet: the text and video
	// lessons are required too.
	prog := mustStatus(t, e.api("GET", "/api/v1/courses/"+f.course+"/progress", tok, nil), 200, "progress")
	if prog["completed_at"] != nil || prog["percent"] != float64(33) {
		t.Errorf("after the quiz only: %v", prog["percent"])
	}
	// Attempt limit: 2.
	at2 := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", tok, nil), 201, "second attempt")
	mustStatus(t, e.api("POST", "/api/v1/attempts/"+at2["id"].(string)+"/submit", tok, nil), 200, "submit second")
	mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", tok, nil), 409, "third attempt")
}

func TestQuizDeadline(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	tok := f.tokens["enrolled"]
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", f.tokens["owner"],
		quizBody(f.course, f.module, map[string]any{"time_limit_seconds": 60, "max_attempts": 0})), 201, "create quiz")
	at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tok, nil), 201, "start")
	id := at["id"].(string)
	if at["deadline"] == nil {
		t.Fatal("no deadline on a timed attempt")
	}
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{"q1": "a", "q3": true}}), 200, "save in time")
	start := e.app.svc.Now()
	e.app.svc.SetClock(func() time.Time { return start.Add(2 * time.Minute) })
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{"q2": []string{"a", "b"}}}), 409, "save after deadline")
	// Left open past the deadline: graded on what was saved (q1, q3: 3 of 6).
	got := mustStatus(t, e.api("GET", "/api/v1/attempts/"+id, tok, nil), 200, "get after deadline")
	res, ok := got["result"].(map[string]any)
	if !ok || got["open"] != false || res["score"] != float64(3) || res["passed"] != false {
		t.Fatalf("attempt after deadline: %v", got)
	}
}

// TestConcurrentSubmits: 100 learners, each attempt submitted twice at
// once (200 requests): one result each, the same in both answers, nothing
// lost.
func TestConcurrentSubmits(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", f.tokens["owner"], quizBody(f.course, f.module, map[string]any{"max_attempts": 1})), 201, "quiz")
	quiz := q["id"].(string)
	const learners = 100
	type att struct{ token, id string }
	atts := make([]att, learners)
	for i := range atts {
		nip := fmt.Sprintf("1990010120150110%02d", i%100)
		nip = nip[:14] + "1" + fmt.Sprintf("%03d", i)
		mustStatus(t, e.api("POST", "/api/v1/users", f.tokens["admin"], map[string]any{"nip": nip, "name": "Peserta", "password": testPass}), 201, "user")
		tok := e.token(nip)
		mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/enroll", tok, nil), 201, "enroll")
		a := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", tok, nil), 201, "start")
		// Learner i answers q1 right when i is even.
		ans := "a"
		if i%2 == 1 {
			ans = "b"
		}
		mustStatus(t, e.api("PUT", "/api/v1/attempts/"+a["id"].(string)+"/answers", tok, map[string]any{"answers": map[string]any{"q1": ans, "q3": true}}), 200, "save")
		atts[i] = att{tok, a["id"].(string)}
	}
	results := make([][2]string, learners)
	var wg sync.WaitGroup
	for i := range atts {
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.api("POST", "/api/v1/attempts/"+atts[i].id+"/submit", atts[i].token, nil)
				if r.StatusCode != 200 {
					t.Errorf("submit %d: %d %s", i, r.StatusCode, r.body)
					return
				}
				results[i][k] = string(r.body)
			}()
		}
	}
	wg.Wait()
	for i, r := range results {
		if r[0] != r[1] {
			t.Errorf("learner %d got two results:\n%s\n%s", i, r[0], r[1])
		}
		want := `"score":1,` // q3 only
		if i%2 == 0 {
			want = `"score":3,` // q1 (2 points) and q3
		}
		if !strings.Contains(r[0], want) {
			t.Errorf("learner %d: result %s lacks %s (an answer was lost)", i, r[0], want)
		}
	}
}

// TestCertificateIssuedOnce: passing the only required lesson, a quiz,
// completes the course, credits its JP and issues one certificate, which
// the public can verify with the NIP masked.
func TestCertificateIssuedOnce(t *testing.T) {
	e := newEnv(t, nil)
	own := e.token(trainerNIP)
	tok, other := e.token(learnerNIP), e.token(learner2NIP)
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": "Etika ASN", "category": "Sosial Kultural", "jp": 6}), 201, "course")
	course := c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/modules", own, map[string]any{"title": "Ujian"}), 201, "module")
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, quizBody(course, m["id"].(string), map[string]any{"max_attempts": 0})), 201, "quiz")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/publish", own, nil), 200, "publish")
	for _, tk := range []string{tok, other} {
		mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/enroll", tk, nil), 201, "enroll")
	}
	// A failed attempt completes nothing.
	at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tok, nil), 201, "start")
	mustStatus(t, e.api("POST", "/api/v1/attempts/"+at["id"].(string)+"/submit", tok, nil), 200, "submit empty")
	if p := mustStatus(t, e.api("GET", "/api/v1/courses/"+course+"/progress", tok, nil), 200, "progress"); p["completed_at"] != nil {
		t.Fatal("a failed quiz completed the course")
	}
	// A passing attempt submitted twice at once: one certificate.
	var codes [2]string
	pass := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tok, nil), 201, "start")
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+pass["id"].(string)+"/answers", tok, map[string]any{"answers": quizRight}), 200, "save")
	var wg sync.WaitGroup
	for k := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.api("POST", "/api/v1/attempts/"+pass["id"].(string)+"/submit", tok, nil)
			p := e.api("GET", "/api/v1/courses/"+course+"/progress", tok, nil)
			var m map[string]any
			_ = json.Unmarshal(p.body, &m)
			codes[k], _ = m["certificate_code"].(string)
		}()
	}
	wg.Wait()
	n, err := e.stores.Docs.C("certificates").Count(context.Background(), docs.Query{Where: []docs.Eq{{Field: "course", Value: course}}})
	if err != nil || n != 1 {
		t.Fatalf("%d certificates (%v), want 1", n, err)
	}
	if codes[0] == "" || codes[0] != codes[1] {
		t.Fatalf("certificate codes %q", codes)
	}
	me := mustStatus(t, e.api("GET", "/api/v1/me", tok, nil), 200, "me")
	if me["jp_this_year"] != float64(6) {
		t.Errorf("jp_this_year %v, want 6", me["jp_this_year"])
	}
	code := codes[0]
	if len(code) != 13 {
		t.Errorf("code %q is not 13 characters (65 bits)", code)
	}
	v := mustStatus(t, e.api("GET", "/api/v1/certificates/"+code, "", nil), 200, "verify")
	if v["valid"] != true || v["name"] != "Siti Rahmawati" || v["nip_masked"] != "1992**********1003" || v["jp"] != float64(6) || v["course"] != "Etika ASN" {
		t.Fatalf("verification %v", v)
	}
	if strings.Contains(fmt.Sprint(v), learnerNIP) {
		t.Error("verification shows the whole NIP")
	}
	// Typed with dashes, in capitals, with an O for a zero: still found.
	typed := strings.ToUpper(code[:4] + "-" + code[4:8] + "-" + code[8:])
	mustStatus(t, e.api("GET", "/api/v1/certificates/"+typed, "", nil), 200, "verify typed")
	mustStatus(t, e.api("GET", "/api/v1/certificates/abcdabcdabcda", "", nil), 404, "verify unknown")
	page := e.browser().get("/verify/" + typed)
	if page.StatusCode != 200 || !strings.Contains(string(page.body), "Sertifikat sah") || !strings.Contains(string(page.body), "1992**********1003") {
		t.Fatalf("verify page: %d", page.StatusCode)
	}
	pdf := e.api("GET", "/certificates/"+code+".pdf", tok, nil)
	if pdf.StatusCode != 200 || !strings.HasPrefix(string(pdf.body), "%PDF") || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %q", pdf.StatusCode, pdf.Header.Get("Content-Type"))
	}
	mustStatus(t, e.api("GET", "/certificates/"+code+".pdf", other, nil), 404, "someone else's pdf")
	if r := e.api("GET", "/certificates/"+code+".pdf", e.token(adminNIP), nil); r.StatusCode != 200 {
		t.Errorf("admin pdf: %d", r.StatusCode)
	}
}

// TestQuizDrawAndShuffle: each attempt gets N of the M questions, fixed by
// the server when it starts, in an order of its own.
func TestQuizDrawAndShuffle(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", f.tokens["owner"],
		quizBody(f.course, f.module, map[string]any{"draw": 2, "shuffle_questions": true, "shuffle_options": true, "max_attempts": 0})), 201, "quiz")
	seen := map[string]bool{}
	orders := map[string]bool{}
	for i := 0; i < 12; i++ {
		at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", f.tokens["enrolled"], nil), 201, "start")
		qs := at["questions"].([]any)
		if len(qs) != 2 {
			t.Fatalf("attempt drew %d questions, want 2", len(qs))
		}
		key := ""
		for _, x := range qs {
			id := x.(map[string]any)["id"].(string)
			seen[id] = true
			key += id + ","
		}
		orders[key] = true
		// The served order is fixed: reading the attempt gives it again.
		again := mustStatus(t, e.api("GET", "/api/v1/attempts/"+at["id"].(string), f.tokens["enrolled"], nil), 200, "get")
		if fmt.Sprint(again["questions"]) != fmt.Sprint(at["questions"]) {
			t.Fatalf("served questions changed between reads")
		}
		mustStatus(t, e.api("POST", "/api/v1/attempts/"+at["id"].(string)+"/submit", f.tokens["enrolled"], nil), 200, "submit")
	}
	// 12 draws of 2 from 4: every question shows up, in several orders.
	if len(seen) != 4 || len(orders) < 3 {
		t.Errorf("draws covered %d questions in %d orders", len(seen), len(orders))
	}
}
