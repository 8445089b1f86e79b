package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// apiIn is e.api with an Accept-Language header.
func (e *testEnv) apiIn(lang, method, path, token string, body any) resp {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", lang)
	return e.do(req)
}

// apiErr is the "error" object of an API answer with the wanted status.
func apiErr(t *testing.T, r resp, status int, what string) map[string]any {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.StatusCode, status, r.body)
	}
	er, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no error object: %s", what, r.body)
	}
	return er
}

// TestFormErrorsInPageLanguage: a course form refused by the domain shows
// its message in the language the reader chose, Indonesian by default.
func TestFormErrorsInPageLanguage(t *testing.T) {
	e := newEnv(t, nil)
	b := signedIn(t, e, trainerNIP)
	tok := b.csrf("/teach/new")
	bad := url.Values{"_csrf": {tok}, "title": {"AB"}, "category": {"Teknis"}, "jp": {"2"}}
	r := b.post("/teach/new", bad)
	mustStatusPage(t, r, 422, "bad title")
	mustContain(t, "Indonesian form", r.body, "judul 3 sampai 200 karakter")
	// Accept-Language does not move the pages: the choice does.
	b.header.Set("Accept-Language", "en-US,en;q=0.9")
	r = b.post("/teach/new", bad)
	mustContain(t, "Indonesian form, English browser", r.body, "judul 3 sampai 200 karakter")
	b.cookies["lang"] = "en"
	r = b.post("/teach/new", bad)
	mustStatusPage(t, r, 422, "bad title in English")
	mustContain(t, "English form", r.body, "the title must be 3 to 200 characters")
	if bytes.Contains(r.body, []byte("judul 3 sampai")) {
		t.Error("the English form shows the Indonesian message")
	}
}

// TestAPIErrorsInRequestLanguage: the API's messages follow the lang
// cookie or Accept-Language, Indonesian by default; field_codes name each
// field's problem whatever the language, and numbers are written the
// language's way.
func TestAPIErrorsInRequestLanguage(t *testing.T) {
	e := newEnv(t, nil)
	own := e.token(trainerNIP)
	body := map[string]any{"title": "AB", "category": "Teknis", "jp": 2, "description": strings.Repeat("x", 100_001)}
	cases := []struct {
		lang                    string
		message, title, descrip string
	}{
		{"", "data tidak valid: ", "judul 3 sampai 200 karakter", "paling banyak 100.000 karakter"},
		{"id-ID,id;q=0.9", "data tidak valid: ", "judul 3 sampai 200 karakter", "paling banyak 100.000 karakter"},
		{"en-GB,en;q=0.8", "invalid data: ", "the title must be 3 to 200 characters", "at most 100,000 characters"},
		{"fr", "data tidak valid: ", "judul 3 sampai 200 karakter", "paling banyak 100.000 karakter"},
	}
	for _, c := range cases {
		er := apiErr(t, e.apiIn(c.lang, "POST", "/api/v1/courses", own, body), 422, "bad course "+c.lang)
		fields, _ := er["fields"].(map[string]any)
		codes, _ := er["field_codes"].(map[string]any)
		if er["code"] != "validation_failed" || !strings.HasPrefix(er["message"].(string), c.message) ||
			fields["title"] != c.title || fields["description"] != c.descrip {
			t.Errorf("Accept-Language %q: %v", c.lang, er)
		}
		if codes["title"] != "title_length" || codes["description"] != "too_long" {
			t.Errorf("Accept-Language %q: field codes %v", c.lang, codes)
		}
		if !strings.Contains(er["message"].(string), "title: "+c.title) {
			t.Errorf("Accept-Language %q: message %q does not name the field", c.lang, er["message"])
		}
	}
	// The cookie of the language switch counts for the API too.
	req := httptest.NewRequest("POST", "/api/v1/courses", strings.NewReader(`{"title":"AB","category":"Teknis","jp":2}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+own)
	req.AddCookie(&http.Cookie{Name: "lang", Value: "en"})
	er := apiErr(t, e.do(req), 422, "lang cookie")
	if er["fields"].(map[string]any)["title"] != "the title must be 3 to 200 characters" {
		t.Errorf("lang cookie: %v", er)
	}
	// Errors raised before the language is picked are translated too.
	req = httptest.NewRequest("POST", "/api/v1/auth/token", strings.NewReader("x"))
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Accept-Language", "en")
	if er := apiErr(t, e.do(req), 415, "compressed"); er["message"] != "the request body must not be compressed (Content-Encoding)" {
		t.Errorf("compressed body: %v", er)
	}
	// A NIP's reason, with its numbers.
	er = apiErr(t, e.apiIn("en", "POST", "/api/v1/auth/token", "", map[string]string{"nip": "123", "password": "x"}), 422, "short NIP")
	if er["fields"].(map[string]any)["nip"] != "the NIP must have 18 digits (it has 3)" || er["field_codes"].(map[string]any)["nip"] != "nip.length" {
		t.Errorf("short NIP: %v", er)
	}
}

// TestRefusalsInEnglish: the login throttle, a quiz with no attempts left
// and a lesson marked done too early explain themselves in English.
func TestRefusalsInEnglish(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", f.tokens["owner"], quizBody(f.course, f.module, map[string]any{"max_attempts": 1})), 201, "quiz")
	tok := f.tokens["enrolled"]
	at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tok, nil), 201, "start")
	mustStatus(t, e.api("POST", "/api/v1/attempts/"+at["id"].(string)+"/submit", tok, nil), 200, "submit")
	er := apiErr(t, e.apiIn("en", "POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tok, nil), 409, "attempts used")
	if er["code"] != "attempts_used" || er["message"] != "you have used all your attempts at this quiz" {
		t.Errorf("attempts used: %v", er)
	}
	er = apiErr(t, e.apiIn("en", "PUT", "/api/v1/attempts/"+at["id"].(string)+"/answers", tok, map[string]any{"answers": map[string]any{"q1": "a"}}), 409, "submitted")
	if er["code"] != "already_submitted" || er["message"] != "this attempt has already been submitted" {
		t.Errorf("answers after submit: %v", er)
	}

	pc := seedPacedCourse(t, e)
	req := httptest.NewRequest("POST", "/api/v1/lessons/"+pc.text+"/progress", strings.NewReader(exploit))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+pc.tokens["learner"])
	req.Header.Set("Accept-Language", "en")
	er = apiErr(t, e.do(req), 409, "too early")
	if er["code"] != "too_early" || er["message"] != "This lesson can be marked done in 120 seconds: take the time to read it." ||
		er["field_codes"].(map[string]any)["done"] != "too_early" {
		t.Errorf("too early: %v", er)
	}
	// Last: the throttle locks an account the fixtures use.
	for i := 0; i < 10; i++ {
		e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learner2NIP, "password": fmt.Sprint("salah-", i)})
	}
	er = apiErr(t, e.apiIn("en", "POST", "/api/v1/auth/token", "", map[string]string{"nip": learner2NIP, "password": testPass}), 429, "throttled")
	if er["code"] != "too_many_requests" || er["message"] != "too many login attempts; try again later" {
		t.Errorf("throttled: %v", er)
	}
	er = apiErr(t, e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learner2NIP, "password": testPass}), 429, "throttled, id")
	if er["message"] != "terlalu banyak percobaan masuk; coba lagi nanti" {
		t.Errorf("throttled in Indonesian: %v", er)
	}
}

// TestImportErrorsInEnglish: a GIFT file with a bad question reports its
// line with a code and a message in the reader's language, through the API
// and on the quiz editor page.
func TestImportErrorsInEnglish(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, map[string]any{"course_id": f.course, "title": "Bank soal"}), 201, "quiz")
	gift := "// bank\n\nIbu kota? {=Kotalama ~Pesisir}\n\nSoal rusak {=a ~b\n\nBobot? {~%50%a}\n"
	req := httptest.NewRequest("POST", "/api/v1/quizzes/"+q["id"].(string)+"/import?format=gift", strings.NewReader(gift))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+own)
	req.Header.Set("Accept-Language", "en")
	r := mustStatus(t, e.do(req), 200, "import")
	errs := r["errors"].([]any)
	if r["added"] != float64(1) || len(errs) != 2 {
		t.Fatalf("import: %v", r)
	}
	first, second := errs[0].(map[string]any), errs[1].(map[string]any)
	if first["line"] != float64(5) || first["code"] != "import.gift.unclosed" || first["message"] != "the answer block { is not closed with }" {
		t.Errorf("parser error: %v", first)
	}
	// A question the quiz's rules refuse: the rule's own message.
	if second["line"] != float64(7) || second["code"] != "import.question_invalid" ||
		!strings.HasPrefix(second["message"].(string), "invalid question: ") || strings.Contains(second["message"].(string), "soal") {
		t.Errorf("rule error: %v", second)
	}
	// The page, in English by the language switch.
	b := signedIn(t, e, trainerNIP)
	b.cookies["lang"] = "en"
	path := "/teach/quizzes/" + q["id"].(string)
	r2 := b.post(path+"/import", url.Values{"_csrf": {b.csrf(path)}, "format": {"gift"}, "text": {"Soal rusak {=a ~b\n"}})
	mustContain(t, "import page", r2.body, "the answer block { is not closed with }")
	if bytes.Contains(r2.body, []byte("tidak ditutup")) {
		t.Error("the English page shows the parser's Indonesian message")
	}
}
