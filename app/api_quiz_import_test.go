package app

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func (e *testEnv) postText(path, token, body string) resp {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func TestQuizImportExport(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, map[string]any{"course_id": f.course, "title": "Bank soal"}), 201, "quiz")
	quiz := q["id"].(string)
	aiken := "Ibu kota Kotalama terletak di?\nA. Pesisir\nB. Pegunungan\nANSWER: A\n\nJP minimal per tahun?\nA. 10\nB. 20\nANSWER: B\n"
	r := mustStatus(t, e.postText("/api/v1/quizzes/"+quiz+"/import", own, aiken), 200, "aiken")
	if r["added"] != float64(2) || r["format"] != "aiken" || len(r["errors"].([]any)) != 0 {
		t.Fatalf("aiken import %v", r)
	}
	gift := "// bank soal\n$CATEGORY: Pelayanan\n\n::Q1:: Asas pelayanan? {=Kepentingan umum ~Kepentingan pribadi}\n\n" +
		"::Q2:: Pilih dua. {~%50%Waktu ~%50%Biaya ~%-100%Hobi}\n\n" +
		"::Q3:: Pertanyaan rusak {=A ~B\n\n" +
		"::Q4:: ASN wajib 20 JP. {T}\n"
	r = mustStatus(t, e.postText("/api/v1/quizzes/"+quiz+"/import?format=gift", own, gift), 200, "gift")
	errs := r["errors"].([]any)
	if r["added"] != float64(3) || len(errs) != 1 || errs[0].(map[string]any)["line"] != float64(8) {
		t.Fatalf("gift import %v", r)
	}
	full := mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz, own, nil), 200, "quiz")
	if n := len(full["questions"].([]any)); n != 5 {
		t.Fatalf("quiz has %d questions, want 5", n)
	}
	exp := e.api("GET", "/api/v1/quizzes/"+quiz+"/export.gift", own, nil)
	if exp.StatusCode != 200 || !strings.Contains(string(exp.body), "Kepentingan umum") || !strings.Contains(string(exp.body), "%50%") {
		t.Fatalf("export %d:\n%s", exp.StatusCode, exp.body)
	}
	// The export imports back into another quiz with nothing lost.
	q2 := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, map[string]any{"course_id": f.course, "title": "Salinan"}), 201, "quiz 2")
	back := mustStatus(t, e.postText("/api/v1/quizzes/"+q2["id"].(string)+"/import?format=gift", own, string(exp.body)), 200, "reimport")
	if back["added"] != float64(5) || len(back["errors"].([]any)) != 0 {
		t.Fatalf("reimport %v", back)
	}
	// Only owners import or export; bad input is a 4xx.
	mustStatus(t, e.postText("/api/v1/quizzes/"+quiz+"/import", f.tokens["trainer2"], aiken), 404, "other trainer import")
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/export.gift", f.tokens["trainer2"], nil), 404, "other trainer export")
	mustStatus(t, e.postText("/api/v1/quizzes/"+quiz+"/import", f.tokens["enrolled"], aiken), 403, "learner import")
	mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/import", own, map[string]any{"x": 1}), 415, "json body")
	mustStatus(t, e.postText("/api/v1/quizzes/"+quiz+"/import?format=xml", own, aiken), 422, "unknown format")
	if r := mustStatus(t, e.postText("/api/v1/quizzes/"+quiz+"/import", own, "\x00\xff{{{~~~=="), 200, "garbage"); r["added"] != float64(0) || len(r["errors"].([]any)) == 0 {
		t.Errorf("garbage import %v", r)
	}
}
