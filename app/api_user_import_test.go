package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// importUnits gives the harness's city the units an import names.
func importUnits(t *testing.T, e *testEnv) {
	t.Helper()
	admin, err := e.app.Service().User(context.Background(), adminNIP)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"BKPSDM", "DISDIK"} {
		if _, err := e.app.Service().PutUnit(context.Background(), admin, code, content.UnitInput{Name: "Unit " + code}); err != nil {
			t.Fatal(err)
		}
	}
}

const importNew1, importNew2 = "198705052010011005", "199112122015032006"

// importCSV is a small good file: two new people (one with email), and
// the harness's learner moved to a unit, under the first new person.
var importCSV = "nip;name;email;unit;supervisor_nip;roles\n" +
	importNew1 + ";Rina Kepala;rina@kotalama.go.id;BKPSDM;;\n" +
	importNew2 + ";Dodi Staf;;DISDIK;" + importNew1 + ";learner\n" +
	learnerNIP + ";Siti Rahmawati;;DISDIK;" + importNew1 + ";\n"

func (e *testEnv) postCSV(path, token, ctype string, body io.Reader) resp {
	e.t.Helper()
	req := httptest.NewRequest("POST", path, body)
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func TestUserImportAPI(t *testing.T) {
	e := newEnv(t, nil)
	importUnits(t, e)
	tok := e.token(adminNIP)
	svc := e.app.Service()
	ctx := context.Background()

	r := e.postCSV("/api/v1/users/import?dry_run=1", tok, "text/csv; charset=utf-8", strings.NewReader(importCSV))
	m := r.json(t)
	if r.StatusCode != 200 || m["created"] != 2.0 || m["updated"] != 1.0 || m["unchanged"] != 0.0 || m["dry_run"] != true ||
		len(m["errors"].([]any)) != 0 || m["activations"] != nil {
		t.Fatalf("dry run: %d %s", r.StatusCode, r.body)
	}
	if _, err := svc.User(ctx, importNew1); err == nil {
		t.Fatal("the dry run created a user")
	}

	// A job to follow, as the page does.
	r = e.api("POST", "/api/v1/users/import/jobs", tok, nil)
	job, _ := r.json(t)["id"].(string)
	if r.StatusCode != 201 || job == "" {
		t.Fatalf("job: %d %s", r.StatusCode, r.body)
	}
	r = e.postCSV("/api/v1/users/import?job="+job, tok, "text/csv", strings.NewReader(importCSV))
	m = r.json(t)
	acts, _ := m["activations"].([]any)
	if r.StatusCode != 200 || m["created"] != 2.0 || m["updated"] != 1.0 || len(acts) != 2 {
		t.Fatalf("import: %d %s", r.StatusCode, r.body)
	}
	a0 := acts[0].(map[string]any)
	link, _ := a0["activation_url"].(string)
	if a0["nip"] != importNew1 || !strings.HasPrefix(link, strings.TrimRight(e.cfg.BaseURL, "/")+"/activate/") || a0["expires_at"] == nil {
		t.Fatalf("activation %v", a0)
	}
	code := link[strings.LastIndex(link, "/")+1:]
	if _, err := svc.Activate(ctx, code, "kata-sandi-rina-baru"); err != nil {
		t.Fatalf("the link's code does not activate: %v", err)
	}
	if u, _ := svc.User(ctx, learnerNIP); u.Unit != "DISDIK" || u.SupervisorNIP != importNew1 {
		t.Fatalf("learner not updated: %+v", u)
	}
	r = e.api("GET", "/api/v1/users/import/jobs/"+job, tok, nil)
	if jm := r.json(t); r.StatusCode != 200 || jm["finished"] != true || jm["done"] != 6.0 || jm["total"] != 6.0 {
		t.Fatalf("job after: %d %s", r.StatusCode, r.body)
	}

	// The same file again changes nothing.
	r = e.postCSV("/api/v1/users/import", tok, "text/csv", strings.NewReader(importCSV))
	if m = r.json(t); m["created"] != 0.0 || m["updated"] != 0.0 || m["unchanged"] != 3.0 || m["activations"] != nil {
		t.Fatalf("re-import: %s", r.body)
	}

	// Bad lines: each with its line, field and message; nothing written.
	bad := "nip,name,unit\n" + "199001012015031099,Baru,DISDIK\n" + "123,Pendek,DISDIK\n" + "199001012015031098,Tanpa Unit,ANTAH\n"
	r = e.postCSV("/api/v1/users/import", tok, "text/csv", strings.NewReader(bad))
	errs, _ := r.json(t)["errors"].([]any)
	if r.StatusCode != 200 || len(errs) != 2 {
		t.Fatalf("bad lines: %d %s", r.StatusCode, r.body)
	}
	e1, e2 := errs[0].(map[string]any), errs[1].(map[string]any)
	if e1["line"] != 3.0 || e1["field"] != "nip" || e1["code"] != "nip.length" || !strings.Contains(e1["message"].(string), "18") ||
		e2["line"] != 4.0 || e2["field"] != "unit" || !strings.Contains(e2["message"].(string), "ANTAH") {
		t.Fatalf("errors %v", errs)
	}
	if _, err := svc.User(ctx, "199001012015031099"); err == nil {
		t.Fatal("a file with errors wrote its good line")
	}

	// Only admins; only CSV.
	if r = e.postCSV("/api/v1/users/import", e.token(learnerNIP), "text/csv", strings.NewReader(importCSV)); r.StatusCode != 403 {
		t.Errorf("learner: %d", r.StatusCode)
	}
	if r = e.postCSV("/api/v1/users/import", tok, "application/json", strings.NewReader(`{}`)); r.StatusCode != 415 {
		t.Errorf("JSON body: %d %s", r.StatusCode, r.body)
	}
	if r = e.api("GET", "/api/v1/users/import/jobs/"+job, e.token(learnerNIP), nil); r.StatusCode != 403 {
		t.Errorf("learner read a job: %d", r.StatusCode)
	}
}

// TestUserImportRefusals: a 100 MB file, a binary file and a file with a
// 1 MB cell are refused whole with a message that says why.
func TestUserImportRefusals(t *testing.T) {
	e := newEnv(t, map[string]string{"KOMPETEN_LANG": "en"})
	tok := e.token(adminNIP)
	check := func(name string, r resp, status int, code, words string) {
		t.Helper()
		m := r.json(t)
		er, _ := m["error"].(map[string]any)
		fields, _ := er["fields"].(map[string]any)
		msg, _ := er["message"].(string)
		if r.StatusCode != status || er["code"] != code || !strings.Contains(msg, words) || (status != 413 && fields["file"] == nil) {
			t.Errorf("%s: %d %s, want %d %s with %q", name, r.StatusCode, r.body, status, code, words)
		}
	}
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
	check("binary", e.postCSV("/api/v1/users/import", tok, "text/csv", strings.NewReader(png)), 415, "unsupported_media_type", "UTF-8")
	cell := "nip,name\n199001012015031001," + strings.Repeat("x", 1<<20) + "\n"
	check("1 MB cell", e.postCSV("/api/v1/users/import", tok, "text/csv", strings.NewReader(cell)), 400, "bad_request", "KiB")
	check("unknown column", e.postCSV("/api/v1/users/import", tok, "text/csv", strings.NewReader("nip,name,kantor\n")), 400, "bad_request", "kantor")

	// 100 MB: refused from its declared length, before a byte is read.
	base := e.serve(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/users/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAccept-Language: en\r\n"+
		"Content-Type: text/csv\r\nContent-Length: %d\r\n\r\nnip,name\n%s", tok, 100<<20, strings.Repeat("1,a\n", 2100))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	check("100 MB", resp{res, body}, 413, "too_large", "20 MiB")
}

// userImportForm is the import form as a browser sends it: the button
// after the file.
func userImportForm(t *testing.T, csrf, mode, job, file string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("_csrf", csrf)
	_ = w.WriteField("job", job)
	fw, _ := w.CreateFormFile("file", "pegawai.csv")
	_, _ = io.WriteString(fw, file)
	_ = w.WriteField("mode", mode)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &b
}

var dataCSV = regexp.MustCompile(`href="data:text/csv;charset=utf-8;base64,([^"]+)"`)

// TestUserImportPageNoJS: the form works without JavaScript: a preview
// writes nothing, Impor writes and offers the activation links as a CSV
// in the page itself.
func TestUserImportPageNoJS(t *testing.T) {
	e := newEnv(t, nil)
	importUnits(t, e)
	b := e.browser()
	b.login(adminNIP)
	csrf := b.csrf("/admin/users/import")

	ct, body := userImportForm(t, csrf, "preview", "", importCSV)
	req := httptest.NewRequest("POST", "/admin/users/import", body)
	req.Header.Set("Content-Type", ct)
	r := b.send(req)
	page := string(r.body)
	if r.StatusCode != 200 || !strings.Contains(page, "Pratinjau impor") || !strings.Contains(page, `data-testid="count-created">2<`) ||
		!strings.Contains(page, "Rina Kepala") || dataCSV.MatchString(page) {
		t.Fatalf("preview: %d\n%s", r.StatusCode, page)
	}
	if _, err := e.app.Service().User(context.Background(), importNew1); err == nil {
		t.Fatal("the preview wrote")
	}

	ct, body = userImportForm(t, csrf, "apply", "", importCSV)
	req = httptest.NewRequest("POST", "/admin/users/import", body)
	req.Header.Set("Content-Type", ct)
	r = b.send(req)
	page = string(r.body)
	mm := dataCSV.FindStringSubmatch(page)
	if r.StatusCode != 200 || !strings.Contains(page, "Hasil impor") || mm == nil {
		t.Fatalf("import: %d\n%s", r.StatusCode, page)
	}
	raw, err := base64.StdEncoding.DecodeString(mm[1])
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 3 || strings.Join(recs[0], ",") != "nip,name,activation_url,expires_at" ||
		recs[1][0] != importNew1 || !strings.Contains(recs[1][2], "/activate/") {
		t.Fatalf("activation CSV %q %v", recs, err)
	}

	// A bad file: the page lists the error with its line and column.
	ct, body = userImportForm(t, csrf, "preview", "", "nip,name\n123,X\n")
	req = httptest.NewRequest("POST", "/admin/users/import", body)
	req.Header.Set("Content-Type", ct)
	r = b.send(req)
	if page = string(r.body); r.StatusCode != 422 || !strings.Contains(page, "<td>2</td><td><code>nip</code></td>") {
		t.Fatalf("bad file: %d\n%s", r.StatusCode, page)
	}
	// A binary file: refused, said so.
	ct, body = userImportForm(t, csrf, "preview", "", "\x00\x01\x02")
	req = httptest.NewRequest("POST", "/admin/users/import", body)
	req.Header.Set("Content-Type", ct)
	if r = b.send(req); r.StatusCode != 415 || !strings.Contains(string(r.body), "CSV UTF-8") {
		t.Fatalf("binary: %d\n%s", r.StatusCode, r.body)
	}
	// A learner cannot see the page.
	l := e.browser()
	l.login(learnerNIP)
	if r = l.get("/admin/users/import"); r.StatusCode != 403 {
		t.Fatalf("learner: %d", r.StatusCode)
	}
}
