package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

const skmStaffNIP = "199001012015011005"

var tokenInput = regexp.MustCompile(`name="token" value="([^"]+)"`)

// skmEnv is an app trusting the test client as a proxy, so each request
// can say which citizen's address it comes from; with a DUKCAPIL unit,
// one of its staff, and a service there.
func skmEnv(t *testing.T) (*testEnv, string, string) {
	t.Helper()
	e := newEnv(t, map[string]string{"KOMPETEN_TRUSTED_PROXIES": "0.0.0.0"})
	adm := e.token(adminNIP)
	if r := e.api("PUT", "/api/v1/units/DUKCAPIL", adm, map[string]string{"name": "Dinas Kependudukan dan Pencatatan Sipil"}); r.StatusCode != 200 && r.StatusCode != 201 {
		t.Fatalf("unit: %d %s", r.StatusCode, r.body)
	}
	if _, err := e.app.Service().CreateUser(context.Background(), content.NewUser{NIP: skmStaffNIP, Name: "Petugas Dukcapil", Unit: "DUKCAPIL", Password: testPass}); err != nil {
		t.Fatal(err)
	}
	r := e.api("POST", "/api/v1/services", adm, map[string]string{"unit": "DUKCAPIL", "name": "Perekaman KTP-el", "description": "Loket 1"})
	if r.StatusCode != 201 {
		t.Fatalf("create service: %d %s", r.StatusCode, r.body)
	}
	m := r.json(t)
	id := m["id"].(string)
	if !strings.HasSuffix(m["public_url"].(string), "/layanan/"+id) {
		t.Fatalf("public_url %v", m["public_url"])
	}
	return e, adm, id
}

// formToken asks the public API for a fresh form token.
func (e *testEnv) formToken(t *testing.T, svc string) string {
	t.Helper()
	r := e.api("GET", "/api/v1/public/services/"+svc, "", nil)
	if r.StatusCode != 200 {
		t.Fatalf("public service: %d %s", r.StatusCode, r.body)
	}
	return r.json(t)["token"].(string)
}

// sendSKM posts a response through the public API from a client address.
func (e *testEnv) sendSKM(t *testing.T, svc, from string, body map[string]any) resp {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/public/services/"+svc+"/responses", bytes.NewReader(mustJSON(t, body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", from)
	return e.do(req)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scoresOf(v ...any) map[string]any {
	m := map[string]any{}
	for i := range 9 {
		m[fmt.Sprintf("u%d", i+1)] = v[i%len(v)]
	}
	return m
}

func (e *testEnv) foldSKM(t *testing.T) {
	t.Helper()
	if _, err := e.app.Service().FoldSKM(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSKMPublicPageWeight: the public page and everything it loads weigh
// at most 30 KB, it has no script, and its form works without one: a
// plain form post is stored and counted.
func TestSKMPublicPageWeight(t *testing.T) {
	e, adm, id := skmEnv(t)
	b := e.browser()
	r := b.get("/layanan/" + id)
	if r.StatusCode != 200 {
		t.Fatalf("page: %d", r.StatusCode)
	}
	page := string(r.body)
	total := len(r.body)
	if strings.Contains(page, "<script") {
		t.Fatal("the public page loads a script")
	}
	assets := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(assets) == 0 {
		t.Fatal("no stylesheet")
	}
	for _, m := range assets {
		a := b.get(m[1])
		if a.StatusCode != 200 {
			t.Fatalf("%s: %d", m[1], a.StatusCode)
		}
		total += len(a.body)
	}
	t.Logf("public page %d bytes, with its assets %d", len(r.body), total)
	if total > 30*1024 {
		t.Fatalf("public page with assets is %d bytes, over 30 KB", total)
	}
	for _, want := range []string{"Perekaman KTP-el", "kesesuaian persyaratan pelayanan", "Sangat sesuai", "Dikelola dengan baik", `name="scores.u9"`, `name="website"`, `name="education"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	tok := tokenInput.FindStringSubmatch(page)
	if tok == nil {
		t.Fatal("no form token")
	}
	form := url.Values{"token": {tok[1]}, "comment": {"Petugas <b>ramah</b>?"}, "age": {"31-40"}, "sex": {"p"}, "education": {"s1"}}
	for i := 1; i <= 9; i++ {
		form.Set(fmt.Sprintf("scores.u%d", i), "3")
	}
	// HTML in the comment: refused, the answers kept, the field named.
	r = b.post("/layanan/"+id, form)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "tidak boleh berisi HTML") || !strings.Contains(string(r.body), `value="3" required checked`) {
		t.Fatalf("markup comment: %d\n%s", r.StatusCode, r.body)
	}
	form.Set("comment", "Antre < 10 menit, petugas ramah")
	r = b.post("/layanan/"+id, form)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/layanan/"+id+"?sent=1" {
		t.Fatalf("form post: %d %s", r.StatusCode, r.body)
	}
	if r = b.get("/layanan/" + id + "?sent=1"); !strings.Contains(string(r.body), `data-testid="skm-thanks"`) {
		t.Fatal("no thanks")
	}
	// The same form again is a replay.
	if r = b.post("/layanan/"+id, form); r.StatusCode != 422 || !strings.Contains(string(r.body), "sudah terkirim") {
		t.Fatalf("replayed form: %d", r.StatusCode)
	}
	e.foldSKM(t)
	rep := e.api("GET", "/api/v1/services/"+id+"/skm", adm, nil).json(t)
	if rep["responses"].(float64) != 1 || rep["ikm"].(float64) != 75 || rep["grade"] != "C" {
		t.Fatalf("report %v", rep)
	}
	// English.
	b.get("/lang/en?next=/layanan/" + id)
	if r = b.get("/layanan/" + id); !strings.Contains(string(r.body), "Very appropriate") || !strings.Contains(string(r.body), `lang="en"`) {
		t.Fatal("no English page")
	}
}

// TestSKMSubmitBadInput: each bad input is a 4xx naming its field, and
// nothing is written.
func TestSKMSubmitBadInput(t *testing.T) {
	e, adm, id := skmEnv(t)
	tok := e.formToken(t, id)
	missing := scoresOf(3)
	delete(missing, "u7")
	cases := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"score 5", map[string]any{"scores": scoresOf(3, 5), "token": tok}, 422, "scores.u2"},
		{"score 0", map[string]any{"scores": scoresOf(0), "token": tok}, 422, "scores.u1"},
		{"score 2.5", map[string]any{"scores": scoresOf(2.5), "token": tok}, 422, "scores.u1"},
		{"score text", map[string]any{"scores": scoresOf("4"), "token": tok}, 422, "scores.u1"},
		{"missing element", map[string]any{"scores": missing, "token": tok}, 422, "scores.u7"},
		{"1 MB comment", map[string]any{"scores": scoresOf(3), "token": tok, "comment": strings.Repeat("x", 1<<20)}, 413, "comment"},
		{"1,001 characters", map[string]any{"scores": scoresOf(3), "token": tok, "comment": strings.Repeat("é", 1001)}, 422, "comment"},
		{"script", map[string]any{"scores": scoresOf(3), "token": tok, "comment": "<script>alert(1)</script>"}, 422, "comment"},
		{"forged token", map[string]any{"scores": scoresOf(3), "token": tok[:len(tok)-3] + "abc"}, 422, "token"},
		{"no token", map[string]any{"scores": scoresOf(3)}, 422, "token"},
		{"bad age", map[string]any{"scores": scoresOf(3), "token": tok, "respondent": map[string]string{"age": "<20"}}, 422, "respondent.age"},
	}
	for _, c := range cases {
		r := e.sendSKM(t, id, "203.0.113.9", c.body)
		if r.StatusCode != c.status {
			t.Errorf("%s: %d %s", c.name, r.StatusCode, r.body)
			continue
		}
		fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		if _, ok := fields[c.field]; !ok {
			t.Errorf("%s: fields %v, want %s", c.name, fields, c.field)
		}
	}
	if r := e.sendSKM(t, id, "203.0.113.9", map[string]any{"scores": scoresOf(3), "token": tok, "website": "spam"}); r.StatusCode != 201 {
		t.Fatalf("honeypot: %d", r.StatusCode)
	}
	if r := e.sendSKM(t, "nosuch", "203.0.113.9", map[string]any{"scores": scoresOf(3), "token": tok}); r.StatusCode != 422 {
		t.Fatalf("unknown service: %d %s", r.StatusCode, r.body)
	}
	e.foldSKM(t)
	if n := e.api("GET", "/api/v1/services/"+id+"/skm", adm, nil).json(t)["responses"].(float64); n != 0 {
		t.Fatalf("%v responses stored", n)
	}
	// The token still works: refusals did not use it.
	if r := e.sendSKM(t, id, "203.0.113.9", map[string]any{"scores": scoresOf(4), "token": tok}); r.StatusCode != 201 {
		t.Fatalf("good send: %d %s", r.StatusCode, r.body)
	}
	if r := e.sendSKM(t, id, "203.0.113.10", map[string]any{"scores": scoresOf(4), "token": tok}); r.StatusCode != 422 || !strings.Contains(string(r.body), "skm.token_used") {
		t.Fatalf("replay: %d %s", r.StatusCode, r.body)
	}
}

// TestSKMRateLimit: the eleventh response from one address in a window
// is 429 with Retry-After, another address still gets through, and the
// rest of the site answers meanwhile; a flood into one service from many
// addresses stops at the service's limit.
func TestSKMRateLimit(t *testing.T) {
	e, adm, id := skmEnv(t)
	for i := range 10 {
		if r := e.sendSKM(t, id, "198.51.100.7", map[string]any{"scores": scoresOf(1 + i%4), "token": e.formToken(t, id)}); r.StatusCode != 201 {
			t.Fatalf("response %d: %d %s", i, r.StatusCode, r.body)
		}
	}
	r := e.sendSKM(t, id, "198.51.100.7", map[string]any{"scores": scoresOf(3), "token": e.formToken(t, id)})
	if r.StatusCode != 429 {
		t.Fatalf("11th: %d %s", r.StatusCode, r.body)
	}
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "900" {
		t.Fatalf("Retry-After %q, want the window's rest", ra)
	}
	if r := e.sendSKM(t, id, "198.51.100.8", map[string]any{"scores": scoresOf(3), "token": e.formToken(t, id)}); r.StatusCode != 201 {
		t.Fatalf("another address: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/me", adm, nil); r.StatusCode != 200 {
		t.Fatalf("me: %d", r.StatusCode)
	}
	if r := e.browser().get("/layanan/" + id); r.StatusCode != 200 {
		t.Fatalf("public page: %d", r.StatusCode)
	}
	// The HTML form gets a 429 page too.
	b := e.browser()
	b.header.Set("X-Forwarded-For", "198.51.100.7")
	form := url.Values{"token": {e.formToken(t, id)}}
	for i := 1; i <= 9; i++ {
		form.Set(fmt.Sprintf("scores.u%d", i), "2")
	}
	if r := b.post("/layanan/"+id, form); r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("form from a limited address: %d", r.StatusCode)
	}
}

// TestSKMServiceLimit: many addresses into one service stop at its limit.
func TestSKMServiceLimit(t *testing.T) {
	e, _, id := skmEnv(t)
	e.app.Service().SetSKMLimits(content.SKMLimits{PerAddress: 10, PerService: 5})
	for i := range 5 {
		if r := e.sendSKM(t, id, fmt.Sprintf("192.0.2.%d", i), map[string]any{"scores": scoresOf(3), "token": e.formToken(t, id)}); r.StatusCode != 201 {
			t.Fatalf("%d: %d", i, r.StatusCode)
		}
	}
	if r := e.sendSKM(t, id, "192.0.2.99", map[string]any{"scores": scoresOf(3), "token": e.formToken(t, id)}); r.StatusCode != 429 {
		t.Fatalf("6th to the service: %d", r.StatusCode)
	}
}

// TestSKMResultsAPI: a known set of responses gives figures worked out by
// hand, for admins and the unit's staff; a learner of another unit is
// refused; comments, CSV and the poster.
func TestSKMResultsAPI(t *testing.T) {
	e, adm, id := skmEnv(t)
	// Four responses: U3 and U6 always 2, the rest 3 and 4 alternately.
	// Means: U3 = U6 = 2, the other seven 3.5. IKM = (7 × 3.5 + 2 × 2) / 9 ×
	// 25 = 79.17: B. Element grades: U3 and U6 2 × 25 = 50: D.
	for i := range 4 {
		s := scoresOf(3 + i%2)
		s["u3"], s["u6"] = 2, 2
		body := map[string]any{"scores": s, "token": e.formToken(t, id)}
		if i == 3 {
			body["comment"] = `Antrean "lama" & petugas kurang paham`
		}
		if r := e.sendSKM(t, id, fmt.Sprintf("203.0.113.%d", i), body); r.StatusCode != 201 {
			t.Fatalf("%d: %d %s", i, r.StatusCode, r.body)
		}
	}
	e.foldSKM(t)
	rep := e.api("GET", "/api/v1/services/"+id+"/skm", adm, nil).json(t)
	els := rep["elements"].(map[string]any)
	if rep["responses"].(float64) != 4 || math.Abs(rep["ikm"].(float64)-79.17) > 1e-9 || rep["grade"] != "B" || rep["label"] != "Baik" ||
		els["u3"].(float64) != 2 || els["u1"].(float64) != 3.5 {
		t.Fatalf("report %v", rep)
	}
	if w := rep["weakest"].([]any); w[0] != "u3" || w[1] != "u6" {
		t.Fatalf("weakest %v", w)
	}
	if d := rep["element_detail"].([]any)[0].(map[string]any)["distribution"].([]any); d[2].(float64) != 2 || d[3].(float64) != 2 {
		t.Fatalf("u1 distribution %v", d)
	}
	staff := e.token(skmStaffNIP)
	if r := e.api("GET", "/api/v1/services/"+id+"/skm?from=2025-01&to=2030-12", staff, nil); r.StatusCode != 200 {
		t.Fatalf("unit staff: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/units/DUKCAPIL/skm", staff, nil); r.StatusCode != 200 || r.json(t)["responses"].(float64) != 4 {
		t.Fatalf("unit report: %d %s", r.StatusCode, r.body)
	}
	learner := e.token(learnerNIP)
	for _, p := range []string{"/api/v1/services/" + id + "/skm", "/api/v1/units/DUKCAPIL/skm", "/api/v1/services/" + id + "/comments", "/api/v1/services/" + id + "/responses.csv"} {
		if r := e.api("GET", p, learner, nil); r.StatusCode != 403 {
			t.Errorf("learner of another unit, %s: %d", p, r.StatusCode)
		}
	}
	if r := e.api("GET", "/api/v1/services/"+id+"/skm?from=2026-13", adm, nil); r.StatusCode != 422 || !strings.Contains(string(r.body), `"from"`) {
		t.Fatalf("bad month: %d %s", r.StatusCode, r.body)
	}
	cs := e.api("GET", "/api/v1/services/"+id+"/comments", staff, nil).json(t)["items"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["comment"] != `Antrean "lama" & petugas kurang paham` {
		t.Fatalf("comments %v", cs)
	}
	csv := e.api("GET", "/api/v1/services/"+id+"/responses.csv", adm, nil)
	lines := strings.Split(strings.TrimSpace(string(csv.body)), "\n")
	if csv.StatusCode != 200 || len(lines) != 5 || !strings.HasPrefix(strings.TrimPrefix(lines[0], "\ufeff"), "id,waktu,u1,") || !strings.Contains(string(csv.body), `"Antrean ""lama"" & petugas kurang paham"`) {
		t.Fatalf("csv %d\n%s", csv.StatusCode, csv.body)
	}
	pdf := e.api("GET", "/api/v1/services/"+id+"/poster.pdf", adm, nil)
	if pdf.StatusCode != 200 || !bytes.HasPrefix(pdf.body, []byte("%PDF")) || !bytes.Contains(pdf.body, []byte("/layanan/"+id)) {
		t.Fatalf("poster %d, %d bytes", pdf.StatusCode, len(pdf.body))
	}
	if r := e.api("GET", "/api/v1/services/"+id+"/poster.pdf", staff, nil); r.StatusCode != 403 {
		t.Fatalf("poster for staff: %d", r.StatusCode)
	}
	// Deactivated: the page says so, the form takes nothing, results stay.
	if r := e.api("PATCH", "/api/v1/services/"+id, adm, map[string]any{"active": false}); r.StatusCode != 200 {
		t.Fatalf("deactivate: %d", r.StatusCode)
	}
	inactiveTok, _ := e.app.Service().SKMFormToken(context.Background(), id)
	if r := e.sendSKM(t, id, "203.0.113.50", map[string]any{"scores": scoresOf(3), "token": inactiveTok}); r.StatusCode != 422 {
		t.Fatalf("inactive service: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/services", staff, nil); r.StatusCode != 200 || len(r.json(t)["items"].([]any)) != 1 {
		t.Fatalf("staff's services: %s", r.body)
	}
}

// TestSKMPages: the admin's services pages and the results pages render,
// for the admin and the unit's staff; a learner of another unit gets 403.
func TestSKMPages(t *testing.T) {
	e, _, id := skmEnv(t)
	for i := range 3 {
		e.sendSKM(t, id, fmt.Sprintf("203.0.113.%d", i), map[string]any{"scores": scoresOf(2 + i%3), "token": e.formToken(t, id), "comment": "Cepat sekali"})
	}
	e.foldSKM(t)
	adm := e.browser()
	adm.login(adminNIP)
	if r := adm.get("/admin"); !strings.Contains(string(r.body), `href="/admin/services"`) {
		t.Fatal("the hub does not link the services")
	}
	tok := adm.csrf("/admin/services")
	r := adm.post("/admin/services", url.Values{"_csrf": {tok}, "unit": {"DUKCAPIL"}, "name": {""}})
	if r.StatusCode != 422 {
		t.Fatalf("empty name: %d", r.StatusCode)
	}
	r = adm.post("/admin/services", url.Values{"_csrf": {tok}, "unit": {"DUKCAPIL"}, "name": {"Akta Kelahiran"}})
	if r.StatusCode != 303 {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	loc := r.Header.Get("Location")
	if r = adm.get(loc); r.StatusCode != 200 || !strings.Contains(string(r.body), "Akta Kelahiran") {
		t.Fatalf("service page: %d", r.StatusCode)
	}
	if r = adm.post(strings.TrimSuffix(loc, "?saved=1"), url.Values{"_csrf": {tok}, "active": {"0"}}); r.StatusCode != 303 {
		t.Fatalf("deactivate: %d", r.StatusCode)
	}
	for _, p := range []string{"/skm/services/" + id, "/skm/units/DUKCAPIL"} {
		r := adm.get(p)
		if r.StatusCode != 200 || !strings.Contains(string(r.body), "<svg") || !strings.Contains(string(r.body), "<table") || !strings.Contains(string(r.body), `data-testid="skm-ikm"`) {
			t.Fatalf("%s: %d", p, r.StatusCode)
		}
	}
	if r := adm.get("/skm/services/" + id); !strings.Contains(string(r.body), "Cepat sekali") {
		t.Fatal("no comments on the results page")
	}
	staff := e.browser()
	staff.login(skmStaffNIP)
	if r := staff.get("/skm/services/" + id); r.StatusCode != 200 {
		t.Fatalf("staff: %d", r.StatusCode)
	}
	if r := staff.get("/skm/services/" + id + "/responses.csv"); r.StatusCode != 200 {
		t.Fatalf("staff csv: %d", r.StatusCode)
	}
	other := e.browser()
	other.login(learnerNIP)
	if r := other.get("/skm/services/" + id); r.StatusCode != 403 {
		t.Fatalf("other unit: %d", r.StatusCode)
	}
	if r := other.get("/admin/services"); r.StatusCode != 403 {
		t.Fatalf("learner on admin page: %d", r.StatusCode)
	}
}
