package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"

	"github.com/kotalama/kompeten/content"
)

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{11, 95, 107, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pdfPlainText(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		rows, err := r.Page(i).GetTextByRow()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, w := range row.Content {
				sb.WriteString(w.S)
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// passCourse makes a published course whose only lesson is a quiz and
// has the learner pass it; it returns the certificate code.
func passCourse(t *testing.T, e *testEnv, title string) string {
	t.Helper()
	own, tok := e.token(trainerNIP), e.token(learnerNIP)
	c := mustStatus(t, e.api("POST", "/api/v1/courses", own, map[string]any{"title": title, "category": "Sosial Kultural", "jp": 6}), 201, "course")
	course := c["id"].(string)
	m := mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/modules", own, map[string]any{"title": "Ujian"}), 201, "module")
	q := mustStatus(t, e.api("POST", "/api/v1/quizzes", own, quizBody(course, m["id"].(string), map[string]any{"max_attempts": 0})), 201, "quiz")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/publish", own, nil), 200, "publish")
	mustStatus(t, e.api("POST", "/api/v1/courses/"+course+"/enroll", tok, nil), 201, "enroll")
	at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+q["id"].(string)+"/attempts", tok, nil), 201, "start")
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+at["id"].(string)+"/answers", tok, map[string]any{"answers": quizRight}), 200, "save")
	mustStatus(t, e.api("POST", "/api/v1/attempts/"+at["id"].(string)+"/submit", tok, nil), 200, "submit")
	p := mustStatus(t, e.api("GET", "/api/v1/courses/"+course+"/progress", tok, nil), 200, "progress")
	code, _ := p["certificate_code"].(string)
	if code == "" {
		t.Fatalf("no certificate: %v", p)
	}
	return code
}

// TestCertificateSettings: an admin sets the issuer, signatory and logo;
// certificates issued afterwards carry them in the PDF, the API and on the
// verification page, and keep them when the settings change again.
func TestCertificateSettings(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_BASE_URL": "https://kompeten.kotalama.go.id"})
	admin := e.token(adminNIP)
	body := map[string]any{"issuer": "BKPSDM Kota Kotalama", "place": "Kotalama", "signer_name": "Dr. Siti Aminah, M.Si.",
		"signer_title": "Kepala BKPSDM", "signer_nip": "197001011995032001"}
	for _, tok := range []string{e.token(learnerNIP), e.token(trainerNIP)} {
		mustStatus(t, e.api("PATCH", "/api/v1/settings/certificate", tok, body), 403, "not an admin")
	}
	r := e.api("PATCH", "/api/v1/settings/certificate", admin, map[string]any{"signer_nip": "12345"})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"signer_nip"`) {
		t.Fatalf("bad NIP: %d %s", r.StatusCode, r.body)
	}
	r = e.api("PATCH", "/api/v1/settings/certificate", admin, map[string]any{"issuer": "x"})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `"issuer"`) {
		t.Fatalf("short issuer: %d %s", r.StatusCode, r.body)
	}
	mustStatus(t, e.api("PATCH", "/api/v1/settings/certificate", admin, body), 200, "save settings")

	putLogo := func(tok string, b []byte) resp {
		req := httptest.NewRequest("PUT", "/api/v1/settings/certificate/logo", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "image/png")
		return e.do(req)
	}
	for name, b := range map[string][]byte{
		"text":     []byte("bukan gambar sama sekali, hanya teks"),
		"gif":      []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		"tiny":     testPNG(t, 8, 8),
		"too wide": testPNG(t, 2100, 40),
		"too big":  append(testPNG(t, 64, 64), make([]byte, content.LogoMaxBytes)...),
	} {
		if r := putLogo(admin, b); r.StatusCode < 400 || r.StatusCode >= 500 || !strings.Contains(string(r.body), `"logo"`) {
			t.Errorf("logo %s: %d %s", name, r.StatusCode, r.body)
		}
	}
	mustStatus(t, putLogo(e.token(trainerNIP), testPNG(t, 64, 64)), 403, "trainer logo")
	set := mustStatus(t, putLogo(admin, testPNG(t, 120, 60)), 200, "logo")
	sum, _ := set["logo"].(string)
	if len(sum) != 64 || set["signer_name"] != "Dr. Siti Aminah, M.Si." {
		t.Fatalf("settings after logo: %v", set)
	}
	logo := e.api("GET", "/brand/logo/"+sum, "", nil)
	if logo.StatusCode != 200 || logo.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("public logo: %d %q", logo.StatusCode, logo.Header.Get("Content-Type"))
	}
	mustStatus(t, e.api("GET", "/brand/logo/"+strings.Repeat("0", 64), "", nil), 404, "unknown logo")
	mustStatus(t, e.api("GET", "/brand/logo/..%2f..%2fx", "", nil), 404, "bad logo name")

	code := passCourse(t, e, "Etika ASN")
	v := mustStatus(t, e.api("GET", "/api/v1/certificates/"+code, "", nil), 200, "verify")
	if v["issuer"] != "BKPSDM Kota Kotalama" || v["signer_name"] != "Dr. Siti Aminah, M.Si." || v["signer_title"] != "Kepala BKPSDM" {
		t.Fatalf("verification %v", v)
	}
	page := e.browser().get("/verify/" + code)
	mustContain(t, "verify page", page.body, "Dr. Siti Aminah, M.Si.", "Kepala BKPSDM", `src="/brand/logo/`+sum+`"`)

	shown := content.FormatCode(code)
	p := e.api("GET", "/certificates/"+shown+".pdf", e.token(learnerNIP), nil)
	if p.StatusCode != 200 {
		t.Fatalf("pdf %d", p.StatusCode)
	}
	text := pdfPlainText(t, p.body)
	for _, want := range []string{"BKPSDM KOTA KOTALAMA", "Dr. Siti Aminah, M.Si.", "Kepala BKPSDM", "NIP 197001011995032001",
		"https://kompeten.kotalama.go.id/verify/" + shown, "Siti Rahmawati", "Etika ASN"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate PDF lacks %q:\n%s", want, text)
		}
	}
	if !bytes.Contains(p.body, []byte("/Subtype /Image")) || bytes.Count(p.body, []byte("/Subtype /Image")) < 2 {
		t.Errorf("certificate PDF lacks the logo image beside the QR code")
	}

	// A new signatory later: the certificate already issued keeps its own.
	mustStatus(t, e.api("PATCH", "/api/v1/settings/certificate", admin, map[string]any{"signer_name": "Budi Hartono, S.H."}), 200, "new signer")
	v = mustStatus(t, e.api("GET", "/api/v1/certificates/"+code, "", nil), 200, "verify again")
	if v["signer_name"] != "Dr. Siti Aminah, M.Si." {
		t.Errorf("issued certificate changed signatory: %v", v)
	}
}

// TestAdminSettingsPage: the form saves, refuses a bad NIP with the field
// marked, and takes a logo as a multipart upload.
func TestAdminSettingsPage(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login(adminNIP)
	page := b.get("/admin/settings")
	mustContain(t, "settings page", page.body, `data-testid="settings-form"`, "BKPSDM Kota Kotalama")
	form := map[string][]string{"_csrf": {b.csrf("/admin/settings")}, "issuer": {"Pemerintah Kota Kotalama"}, "place": {"Kotalama"},
		"signer_name": {"Ir. Rudi"}, "signer_title": {"Sekretaris Daerah"}, "signer_nip": {"12"}}
	r := b.post("/admin/settings", form)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), `aria-invalid="true"`) {
		t.Fatalf("bad NIP: %d", r.StatusCode)
	}
	form["signer_nip"] = []string{"197001011995032001"}
	if r := b.post("/admin/settings", form); r.StatusCode != 303 {
		t.Fatalf("save: %d %s", r.StatusCode, r.body)
	}
	cs, _ := e.app.Service().CertificateSettings(context.Background())
	if cs.Issuer != "Pemerintah Kota Kotalama" || cs.SignerTitle != "Sekretaris Daerah" {
		t.Fatalf("saved %+v", cs)
	}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("_csrf", b.csrf("/admin/settings"))
	fw, _ := w.CreateFormFile("logo", "logo.png")
	_, _ = fw.Write(testPNG(t, 100, 100))
	_ = w.Close()
	req := httptest.NewRequest("POST", "/admin/settings/logo", &mp)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if r := b.send(req); r.StatusCode != 303 {
		t.Fatalf("logo upload: %d %s", r.StatusCode, r.body)
	}
	page = b.get("/admin/settings")
	mustContain(t, "settings page with logo", page.body, `data-testid="logo-current"`)
	// Learners and trainers do not see the page.
	lb := e.browser()
	lb.login(trainerNIP)
	if r := lb.get("/admin/settings"); r.StatusCode != 403 {
		t.Errorf("trainer: %d", r.StatusCode)
	}
}

// TestVerifyForm: /verify has a box; a typed code goes to its page.
func TestVerifyForm(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	r := b.get("/verify")
	mustContain(t, "verify form", r.body, `data-testid="verify-form"`, `name="code"`)
	r = b.get("/verify?code=+abcd-efgh-jkmnp+")
	if r.StatusCode != 303 || r.Header.Get("Location") != "/verify/ABCD-EFGH-JKMNP" {
		t.Fatalf("typed code: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.get("/verify?code=%3Cscript%3E")
	if r.StatusCode != 400 || !strings.Contains(string(r.body), `data-testid="verify-bad"`) {
		t.Fatalf("bad code: %d", r.StatusCode)
	}
	r = b.get("/verify/ABCD-EFGH-JKMNP")
	if r.StatusCode != 404 || !strings.Contains(string(r.body), `data-testid="cert-invalid"`) || !strings.Contains(string(r.body), `href="/verify"`) {
		t.Fatalf("unknown code: %d", r.StatusCode)
	}
}

// TestFailedRetakeAfterCompletion: a failed retake of a course already
// completed is shown as failed, with a note that the completion stands,
// not above a "Kursus selesai" celebration; percentages read the
// Indonesian way.
func TestFailedRetakeAfterCompletion(t *testing.T) {
	e := newEnv(t, nil)
	passCourse(t, e, "Etika ASN")
	tok := e.token(learnerNIP)
	ecs, err := e.app.Service().MyCourses(context.Background(), learnerNIP)
	if err != nil || len(ecs) != 1 {
		t.Fatal(err)
	}
	var quizID string
	for _, l := range ecs[0].Course.Lessons() {
		quizID = l.QuizID
	}
	at := mustStatus(t, e.api("POST", "/api/v1/quizzes/"+quizID+"/attempts", tok, nil), 201, "retake")
	id := at["id"].(string)
	mustStatus(t, e.api("PUT", "/api/v1/attempts/"+id+"/answers", tok, map[string]any{"answers": map[string]any{"q1": "a"}}), 200, "one answer")
	mustStatus(t, e.api("POST", "/api/v1/attempts/"+id+"/submit", tok, nil), 200, "submit")
	b := signedIn(t, e, learnerNIP)
	r := b.get("/quiz/attempts/" + id + "/result")
	mustContain(t, "failed retake", r.body, `data-testid="completed-before"`, "st-err", "33,3%")
	if strings.Contains(string(r.body), `data-testid="result-certificate"`) || strings.Contains(string(r.body), "🎉") {
		t.Error("a failed retake is shown with the completion celebration")
	}
}
