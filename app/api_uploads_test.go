package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs/s3"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
	"github.com/kotalama/kompeten/storage/docs"
)

// TestUploadInterruptedAndResumed sends half the parts, "loses" the
// client, then resumes from the server's list of received parts.
func TestUploadInterruptedAndResumed(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	data := mp4Bytes(3*content.PartSize + 12345)
	up := mustStatus(t, e.api("POST", "/api/v1/uploads", own, map[string]any{"filename": "kuliah-2.mp4", "size": len(data), "course_id": f.course}), 201, "create")
	id := up["id"].(string)
	if up["parts"] != float64(4) || up["part_size"] != float64(content.PartSize) {
		t.Fatalf("upload plan %v", up)
	}
	part := func(n int) []byte { return data[(n-1)*content.PartSize : min(n*content.PartSize, len(data))] }
	// Parts 3 and 1 arrive (out of order), then the connection drops in the
	// middle of part 2: the server sees a short body.
	mustStatus(t, e.putPart(own, id, 3, part(3)), 200, "part 3")
	mustStatus(t, e.putPart(own, id, 1, part(1)), 200, "part 1")
	req := httptest.NewRequest("PUT", "/api/v1/uploads/"+id+"/parts/2", bytes.NewReader(part(2)[:1000]))
	req.Header.Set("Authorization", "Bearer "+own)
	req.ContentLength = content.PartSize
	req.Header.Set("Content-Length", fmt.Sprint(content.PartSize))
	if r := e.do(req); r.StatusCode < 400 || r.StatusCode >= 500 {
		t.Fatalf("truncated part: status %d, want 4xx\n%s", r.StatusCode, r.body)
	}
	// Completing now names what is missing.
	r := e.api("POST", "/api/v1/uploads/"+id+"/complete", own, nil)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "2, 4") {
		t.Fatalf("early complete: %d %s", r.StatusCode, r.body)
	}
	// A new client asks what the server has and sends the rest.
	st := mustStatus(t, e.api("GET", "/api/v1/uploads/"+id, own, nil), 200, "status")
	if fmt.Sprint(st["received"]) != "[1 3]" {
		t.Fatalf("received %v, want [1 3]", st["received"])
	}
	mustStatus(t, e.putPart(own, id, 2, part(2)), 200, "part 2")
	mustStatus(t, e.putPart(own, id, 4, part(4)), 200, "part 4")
	a := mustStatus(t, e.api("POST", "/api/v1/uploads/"+id+"/complete", own, nil), 201, "complete")
	sum := sha256.Sum256(data)
	if a["sha256"] != hex.EncodeToString(sum[:]) || a["size"] != float64(len(data)) || a["content_type"] != "video/mp4" {
		t.Fatalf("asset %v, want sha256 %x, size %d, video/mp4", a, sum, len(data))
	}
	// Completing again (a retry after a lost answer) returns the same asset.
	again := mustStatus(t, e.api("POST", "/api/v1/uploads/"+id+"/complete", own, nil), 201, "complete again")
	if again["id"] != a["id"] {
		t.Fatalf("second complete gave %v", again)
	}
	// The bytes served are the bytes sent.
	got := e.api("GET", "/media/"+id, own, nil)
	if got.StatusCode != 200 || !bytes.Equal(got.body, data) {
		t.Fatalf("media: %d, %d bytes, equal %v", got.StatusCode, len(got.body), bytes.Equal(got.body, data))
	}
}

// TestUploadHostileInput: every bad request is a 4xx and leaves no record.
func TestUploadHostileInput(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	ctx := context.Background()
	countUploads := func() int64 {
		n, err := e.stores.Docs.C("uploads").Count(ctx, docs.Query{Range: &docs.Range{Field: "expires", Gte: e.app.svc.Now().Add(-1e18)}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countUploads()
	for _, body := range []map[string]any{
		{"filename": "", "size": 10, "course_id": f.course},
		{"filename": "a.mp4", "size": 0, "course_id": f.course},
		{"filename": "a.mp4", "size": -5, "course_id": f.course},
		{"filename": "a.mp4", "size": int64(5) << 40, "course_id": f.course},
		{"filename": "a.mp4", "size": 10, "course_id": "c-tidak-ada"},
		{"filename": "a.mp4", "size": 10},
	} {
		if r := e.api("POST", "/api/v1/uploads", own, body); r.StatusCode != 422 {
			t.Errorf("create %v: %d %s", body, r.StatusCode, r.body)
		}
	}
	if n := countUploads(); n != before {
		t.Fatalf("refused creates left %d upload records", n-before)
	}
	// A path-like filename is kept as a display name only.
	up := mustStatus(t, e.api("POST", "/api/v1/uploads", own, map[string]any{"filename": "../../etc/passwd\x00.mp4", "size": content.PartSize + 10, "course_id": f.course}), 201, "path-like name")
	id := up["id"].(string)
	if fn := up["filename"].(string); strings.Contains(fn, "/") || strings.Contains(fn, "..") && strings.Contains(fn, "/") || strings.ContainsRune(fn, 0) {
		t.Errorf("filename kept a path: %q", fn)
	}
	data := mp4Bytes(content.PartSize + 10)
	for _, c := range []struct {
		n    string
		body []byte
		want int
	}{
		{"0", data[:content.PartSize], 422},
		{"3", data[:10], 422},
		{"-1", data[:10], 422},
		{"x", data[:10], 400},
		{"1", data[:content.PartSize-1], 422}, // wrong size for a full part
		{"2", data[:11], 422},                 // the last part is 10 bytes
	} {
		req := httptest.NewRequest("PUT", "/api/v1/uploads/"+id+"/parts/"+c.n, bytes.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+own)
		if r := e.do(req); r.StatusCode != c.want {
			t.Errorf("part %s (%d bytes): %d, want %d: %s", c.n, len(c.body), r.StatusCode, c.want, r.body)
		}
	}
	// Oversize part: refused before it is read.
	big := bytes.Repeat([]byte{1}, content.MaxPartSize+1)
	req := httptest.NewRequest("PUT", "/api/v1/uploads/"+id+"/parts/1", bytes.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+own)
	if r := e.do(req); r.StatusCode != 413 {
		t.Errorf("oversize part: %d", r.StatusCode)
	}
	// HTML is not an accepted type, whatever the name says.
	html := append([]byte("<!DOCTYPE html><script>alert(1)</script>"), make([]byte, content.PartSize)...)[:content.PartSize]
	if r := e.putPart(own, id, 1, html); r.StatusCode != 415 {
		t.Errorf("HTML part 1: %d %s", r.StatusCode, r.body)
	}
	st := mustStatus(t, e.api("GET", "/api/v1/uploads/"+id, own, nil), 200, "status")
	if fmt.Sprint(st["received"]) != "[]" {
		t.Errorf("refused parts were recorded: %v", st["received"])
	}
	// Another trainer cannot see, feed, finish or abort it.
	other := f.tokens["trainer2"]
	for _, r := range []resp{
		e.api("GET", "/api/v1/uploads/"+id, other, nil),
		e.putPart(other, id, 2, data[content.PartSize:]),
		e.api("POST", "/api/v1/uploads/"+id+"/complete", other, nil),
		e.api("DELETE", "/api/v1/uploads/"+id, other, nil),
	} {
		if r.StatusCode != 404 {
			t.Errorf("other trainer: %d %s", r.StatusCode, r.body)
		}
	}
	mustStatus(t, e.api("DELETE", "/api/v1/uploads/"+id, own, nil), 204, "abort")
	mustStatus(t, e.api("GET", "/api/v1/uploads/"+id, own, nil), 404, "aborted upload")
	// Script in Markdown never reaches a page or the API's rendered HTML.
	l := mustStatus(t, e.api("PATCH", "/api/v1/lessons/"+f.text, own, map[string]any{"body": "Halo <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"}), 200, "script body")
	_ = l
	got := mustStatus(t, e.api("GET", "/api/v1/lessons/"+f.text, f.tokens["enrolled"], nil), 200, "lesson")
	if h := got["html"].(string); strings.Contains(h, "<script") || strings.Contains(h, "javascript:") || strings.Contains(h, "onerror") {
		t.Errorf("rendered lesson keeps script: %s", h)
	}
}

// TestMediaRanges compares ranged reads byte for byte on both object
// stores: the local disk and a real MinIO.
func TestMediaRanges(t *testing.T) {
	for _, backend := range []string{"fs", "s3"} {
		t.Run(backend, func(t *testing.T) {
			env := map[string]string{}
			if backend == "s3" {
				cfg := s3test.Start(t)
				env["KOMPETEN_BLOBS"] = s3BlobsURL(cfg)
			}
			e := newEnv(t, env)
			f := newFixture(t, e)
			data := mp4Bytes(3 << 20)
			asset := f.asset
			tok := f.tokens["enrolled"]
			size := len(data)
			get := func(h map[string]string) resp {
				req := withHeaders(httptest.NewRequest("GET", "/media/"+asset, nil), h)
				req.Header.Set("Authorization", "Bearer "+tok)
				return e.do(req)
			}
			full := get(nil)
			if full.StatusCode != 200 || !bytes.Equal(full.body, data) || full.Header.Get("Accept-Ranges") != "bytes" {
				t.Fatalf("full read: %d, equal %v", full.StatusCode, bytes.Equal(full.body, data))
			}
			if cd := full.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") || full.Header.Get("Content-Type") != "video/mp4" ||
				full.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers: %v", full.Header)
			}
			etag, lm := full.Header.Get("ETag"), full.Header.Get("Last-Modified")
			if etag == "" || lm == "" {
				t.Fatal("no ETag or Last-Modified")
			}
			cases := []struct {
				rng        string
				start, end int // inclusive; -1: 416
			}{
				{"bytes=0-0", 0, 0},
				{"bytes=0-99", 0, 99},
				{"bytes=1000-", 1000, size - 1},
				{fmt.Sprintf("bytes=%d-%d", size-1, size-1), size - 1, size - 1},
				{fmt.Sprintf("bytes=%d-%d", 2<<20-7, 2<<20+7), 2<<20 - 7, 2<<20 + 7},
				{fmt.Sprintf("bytes=%d-%d", size-10, size+1000), size - 10, size - 1},
				{"bytes=-500", size - 500, size - 1},
				{fmt.Sprintf("bytes=-%d", size+5), 0, size - 1},
				{fmt.Sprintf("bytes=%d-", size), -1, -1},
				{"bytes=-0", -1, -1},
				{"bytes=10-5", -1, -1},
				{"bytes=abc", -1, -1},
			}
			for _, c := range cases {
				r := get(map[string]string{"Range": c.rng})
				if c.start < 0 {
					if r.StatusCode != 416 || r.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
						t.Errorf("%s: %d %q, want 416", c.rng, r.StatusCode, r.Header.Get("Content-Range"))
					}
					continue
				}
				want := data[c.start : c.end+1]
				cr := fmt.Sprintf("bytes %d-%d/%d", c.start, c.end, size)
				if r.StatusCode != 206 || r.Header.Get("Content-Range") != cr || !bytes.Equal(r.body, want) {
					t.Errorf("%s: %d %q (%d bytes), want 206 %q (%d bytes), equal %v", c.rng, r.StatusCode,
						r.Header.Get("Content-Range"), len(r.body), cr, len(want), bytes.Equal(r.body, want))
				}
			}
			// If-Range with the current validator gives the range, a stale one the whole object.
			if r := get(map[string]string{"Range": "bytes=0-9", "If-Range": etag}); r.StatusCode != 206 {
				t.Errorf("If-Range current ETag: %d", r.StatusCode)
			}
			if r := get(map[string]string{"Range": "bytes=0-9", "If-Range": lm}); r.StatusCode != 206 {
				t.Errorf("If-Range current date: %d", r.StatusCode)
			}
			if r := get(map[string]string{"Range": "bytes=0-9", "If-Range": `"stale"`}); r.StatusCode != 200 || len(r.body) != size {
				t.Errorf("If-Range stale: %d, %d bytes", r.StatusCode, len(r.body))
			}
			if r := get(map[string]string{"If-None-Match": etag}); r.StatusCode != 304 {
				t.Errorf("If-None-Match: %d", r.StatusCode)
			}
			// Multiple ranges: served whole, as HTTP allows.
			if r := get(map[string]string{"Range": "bytes=0-1,5-6"}); r.StatusCode != 200 || len(r.body) != size {
				t.Errorf("multi-range: %d", r.StatusCode)
			}
		})
	}
}

// TestMediaPresign: with presigning on, a browser (session cookie) is sent
// on to a presigned MinIO URL that answers as /media would, ranges
// included. An API client (bearer), a HEAD and a range past the end are
// still answered here, and so is a learner who may not read the asset.
func TestMediaPresign(t *testing.T) {
	cfg := s3test.Start(t)
	e := newEnv(t, map[string]string{
		"KOMPETEN_BLOBS":         s3BlobsURL(cfg),
		"KOMPETEN_MEDIA_PRESIGN": "true",
	})
	f := newFixture(t, e)
	data := mp4Bytes(3 << 20)
	path := "/media/" + f.asset

	// What /media itself answers, to compare the object store's answer with.
	proxied := getWith(e, path, map[string]string{"Authorization": "Bearer " + f.tokens["enrolled"]})
	if proxied.StatusCode != 200 || !bytes.Equal(proxied.body, data) {
		t.Fatalf("bearer read: %d, %d bytes; want the bytes from /media itself", proxied.StatusCode, len(proxied.body))
	}

	b := e.browser()
	b.login(learnerNIP)
	// Pages let images, media and framed PDFs come from MinIO.
	csp := b.get("/").Header.Get("Content-Security-Policy")
	for _, d := range []string{"img-src", "media-src", "frame-src"} {
		if !regexp.MustCompile(d + ` [^;]*http://` + regexp.QuoteMeta(cfg.Endpoint) + `[ ;]`).MatchString(csp + ";") {
			t.Errorf("%s does not allow http://%s: %s", d, cfg.Endpoint, csp)
		}
	}
	follow := func(rng string) (*http.Response, []byte) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		r := b.send(req)
		loc, err := url.Parse(r.Header.Get("Location"))
		if r.StatusCode != 302 || err != nil || loc.Host != cfg.Endpoint || loc.Query().Get("X-Amz-Signature") == "" {
			t.Fatalf("browser read (Range %q): %d to %q; want 302 to a presigned URL on %s", rng, r.StatusCode, r.Header.Get("Location"), cfg.Endpoint)
		}
		// A cached redirect must not outlive its URL's signature.
		expires, _ := strconv.Atoi(loc.Query().Get("X-Amz-Expires"))
		var maxAge int
		if _, err := fmt.Sscanf(r.Header.Get("Cache-Control"), "private, max-age=%d", &maxAge); err != nil || maxAge <= 0 || maxAge > expires-3600 {
			t.Errorf("redirect Cache-Control %q for a URL that expires in %d s; want private, an hour short of that",
				r.Header.Get("Cache-Control"), expires)
		}
		// The browser sends its Range on, and nothing of ours.
		next, _ := http.NewRequestWithContext(t.Context(), "GET", loc.String(), nil)
		if rng != "" {
			next.Header.Set("Range", rng)
		}
		res, err := http.DefaultClient.Do(next)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	res, body := follow("")
	if res.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("presigned read: %d, %d bytes, equal %v", res.StatusCode, len(body), bytes.Equal(body, data))
	}
	for _, h := range []string{"Content-Type", "Content-Disposition", "Cache-Control"} {
		if got, want := res.Header.Get(h), proxied.Header.Get(h); got != want {
			t.Errorf("presigned %s %q; /media sends %q", h, got, want)
		}
	}
	res, body = follow("bytes=1000-1999")
	if res.StatusCode != 206 || !bytes.Equal(body, data[1000:2000]) {
		t.Errorf("presigned range: %d, %d bytes; want 206 and bytes 1000-1999", res.StatusCode, len(body))
	}

	if r := b.send(withHeaders(httptest.NewRequest("GET", path, nil), map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data))})); r.StatusCode != 416 {
		t.Errorf("range past the end: %d; want 416 from /media", r.StatusCode)
	}
	if r := b.send(httptest.NewRequest("HEAD", path, nil)); r.StatusCode != 200 || r.Header.Get("Content-Length") != fmt.Sprint(len(data)) {
		t.Errorf("HEAD: %d, Content-Length %q; want 200 from /media", r.StatusCode, r.Header.Get("Content-Length"))
	}
	if r := getWith(e, path, map[string]string{"Authorization": "Bearer " + f.tokens["enrolled"], "Range": "bytes=0-9"}); r.StatusCode != 206 || !bytes.Equal(r.body, data[:10]) {
		t.Errorf("bearer range: %d; want 206 from /media", r.StatusCode)
	}
	other := e.browser()
	other.login(learner2NIP)
	if r := other.get(path); r.StatusCode == 302 || r.StatusCode < 400 {
		t.Errorf("learner not enrolled: %d to %q; want refused, not sent on", r.StatusCode, r.Header.Get("Location"))
	}
}

// s3BlobsURL is KOMPETEN_BLOBS for the test MinIO.
func s3BlobsURL(cfg s3.Config) string {
	return fmt.Sprintf("s3://%s:%s@%s/%s?secure=false", cfg.AccessKey, cfg.SecretKey, cfg.Endpoint, cfg.Bucket)
}

func getWith(e *testEnv, path string, h map[string]string) resp {
	return e.do(withHeaders(httptest.NewRequest("GET", path, nil), h))
}

func withHeaders(req *http.Request, h map[string]string) *http.Request {
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return req
}
