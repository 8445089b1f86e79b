package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestQuizStatistics(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", f.tokens["owner"], quizBody(f.course, f.module, map[string]any{"max_attempts": 0})), 201, "quiz")
	quiz := q["id"].(string)
	// Four learners: two answer everything right, two only q3.
	for i := 0; i < 4; i++ {
		nip := fmt.Sprintf("19900101201501100%d", i)
		nip = nip[:14] + "2" + nip[15:]
		mustStatus(t, e.api("POST", "/api/v1/users", f.tokens["admin"], map[string]any{"nip": nip, "name": fmt.Sprint("Peserta ", i), "unit": "Dinas Uji", "password": testPass}), 201, "user")
		tok := e.token(nip)
		mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/enroll", tok, nil), 201, "enroll")
		at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quiz+"/attempts", tok, nil), 201, "start")
		answers := map[string]any{"q3": true}
		if i < 2 {
			answers = quizRight
		}
		mustStatus(t, e.api("PUT", "/api/v1/attempts/"+at["id"].(string)+"/answers", tok, map[string]any{"answers": answers}), 200, "save")
		mustStatus(t, e.api("POST", "/api/v1/attempts/"+at["id"].(string)+"/submit", tok, nil), 200, "submit")
	}
	// Until the background job counts them, the statistics say so.
	st := mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/stats", f.tokens["owner"], nil), 200, "stats")
	if st["attempts"] != float64(0) || st["submitted"] != float64(4) {
		t.Fatalf("stats before counting: %v", st)
	}
	if n, err := e.app.Service().FoldQuizStats(context.Background()); err != nil || n != 4 {
		t.Fatalf("fold: %d, %v", n, err)
	}
	st = mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/stats", f.tokens["owner"], nil), 200, "stats")
	// Scores: 100, 100, 16.67, 16.67.
	if st["attempts"] != float64(4) || st["pass_rate"] != 0.5 || st["mean_score"] != 58.3 {
		t.Fatalf("stats %v", st)
	}
	if h := fmt.Sprint(st["histogram"]); h != "[0 2 0 0 0 0 0 0 0 2]" {
		t.Errorf("histogram %s", h)
	}
	qs := st["questions"].([]any)
	q1, q3 := qs[0].(map[string]any), qs[2].(map[string]any)
	// q1: facility 0.5; the upper 27% (1 attempt) got it, the lower did not.
	if q1["facility"] != 0.5 || q1["discrimination"] != float64(1) {
		t.Errorf("q1 %v", q1)
	}
	// q3: everyone got it: easy, and tells no one apart.
	if q3["facility"] != float64(1) || q3["discrimination"] != float64(0) {
		t.Errorf("q3 %v", q3)
	}
	csv := e.api("GET", "/api/v1/quizzes/"+quiz+"/results.csv", f.tokens["owner"], nil)
	if csv.StatusCode != 200 || strings.Count(string(csv.body), "\n") != 5 || !strings.Contains(string(csv.body), "Peserta 0") {
		t.Fatalf("csv %d:\n%s", csv.StatusCode, csv.body)
	}
	// Only the course's owners (and admins) see results.
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/stats", f.tokens["trainer2"], nil), 404, "other trainer stats")
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/results.csv", f.tokens["trainer2"], nil), 404, "other trainer csv")
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/stats", f.tokens["enrolled"], nil), 403, "learner stats")
	mustStatus(t, e.api("GET", "/api/v1/quizzes/"+quiz+"/stats", f.tokens["admin"], nil), 200, "admin stats")
}

func TestJPReport(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	tok := f.tokens["enrolled"]
	// Complete the 4 JP course: the text lesson and 90% of the video,
	// opened long enough ago to have been read and watched.
	for _, l := range []string{f.text, f.video} {
		mustStatus(t, e.api("GET", "/api/v1/lessons/"+l, tok, nil), 200, "open lesson")
	}
	e.advance(2 * time.Minute)
	mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.text+"/progress", tok, map[string]any{"done": true}), 200, "text")
	mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.video+"/progress", tok, map[string]any{"watched": [][2]float64{{0, 95}}}), 200, "video")
	admin := f.tokens["admin"]
	units := mustStatus(t, e.api("GET", "/api/v1/reports/jp", admin, nil), 200, "units")
	if fmt.Sprint(units["units"]) != "[Dinas Kesehatan Dinas Pendidikan]" {
		t.Errorf("units %v", units["units"])
	}
	r := mustStatus(t, e.api("GET", "/api/v1/reports/jp?unit=Dinas%20Kesehatan", admin, nil), 200, "report")
	items := r["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["jp"] != float64(4) || items[0].(map[string]any)["reached"] != false {
		t.Fatalf("report %v", r)
	}
	csv := e.api("GET", "/api/v1/reports/jp.csv?unit=Dinas%20Kesehatan", admin, nil)
	if csv.StatusCode != 200 || !strings.Contains(string(csv.body), learnerNIP+",Siti Rahmawati,,Dinas Kesehatan,") || !strings.Contains(string(csv.body), ",4,20,tidak") {
		t.Fatalf("csv %d\n%s", csv.StatusCode, csv.body)
	}
	mustStatus(t, e.api("GET", "/api/v1/reports/jp?unit=Dinas%20Kesehatan", f.tokens["owner"], nil), 403, "trainer report")
	mustStatus(t, e.api("GET", "/api/v1/reports/jp.csv?unit=Dinas%20Kesehatan", tok, nil), 403, "learner csv")
	mustStatus(t, e.api("GET", "/api/v1/reports/jp?year=abc&unit=x", admin, nil), 422, "bad year")
	me := mustStatus(t, e.api("GET", "/api/v1/me", tok, nil), 200, "me")
	if cs := me["jp_courses"].([]any); len(cs) != 1 || cs[0].(map[string]any)["title"] != "Pelayanan Publik Prima" {
		t.Errorf("me jp_courses %v", me["jp_courses"])
	}
}
