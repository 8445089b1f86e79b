//go:build unix

package fleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// mp4 is n bytes of MP4 that runs secs seconds: an ftyp box, a moov with
// its mvhd (timescale 1000), then an mdat of filler that differs at every
// offset, so a misplaced range shows.
func mp4(n int, secs int) []byte {
	b := make([]byte, n)
	head := []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" +
		"\x00\x00\x00\x74moov\x00\x00\x00\x6cmvhd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\xe8\x00\x00\x00\x00")
	binary.BigEndian.PutUint32(head[len(head)-4:], uint32(secs*1000))
	copy(b, head)
	moovEnd := 24 + 0x74
	binary.BigEndian.PutUint32(b[moovEnd:], uint32(n-moovEnd))
	copy(b[moovEnd+4:], "mdat")
	for i := moovEnd + 8; i < n; i++ {
		b[i] = byte(i*7 + i/4099)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Upload is an upload in progress.
type Upload struct {
	ID       string
	PartSize int
	Parts    int
	Data     []byte
	Owner    User
}

// CreateUpload starts an upload of data through the proxy.
func (f *Fleet) CreateUpload(t testing.TB, owner User, course, name string, data []byte) *Upload {
	t.Helper()
	up := f.Proxy.Must(t, 201, "POST", "/api/v1/uploads", owner, map[string]any{"filename": name, "size": len(data), "course_id": course})
	u := &Upload{ID: up["id"].(string), PartSize: int(up["part_size"].(float64)), Parts: int(up["parts"].(float64)), Data: data, Owner: owner}
	return u
}

// Part is part n's bytes.
func (u *Upload) Part(n int) []byte {
	return u.Data[(n-1)*u.PartSize : min(n*u.PartSize, len(u.Data))]
}

// Put sends part n through c (the proxy or one instance) and fails t
// unless it is acknowledged.
func (u *Upload) Put(t testing.TB, c Client, n int) time.Duration {
	t.Helper()
	t0 := time.Now()
	res, err := c.Do(context.Background(), "PUT", fmt.Sprintf("/api/v1/uploads/%s/parts/%d", u.ID, n), Req{Token: u.Owner.Token, IP: u.Owner.IP, Body: u.Part(n)})
	if err != nil {
		t.Fatalf("part %d to %s: %v", n, c.Base, err)
	}
	if res.Status != 200 {
		t.Fatalf("part %d to %s: status %d: %.300s", n, c.Base, res.Status, res.Body)
	}
	return time.Since(t0)
}

// Received is the part numbers the server has, as any instance reports them.
func (u *Upload) Received(t testing.TB, c Client) []int {
	t.Helper()
	res := c.Must(t, 200, "GET", "/api/v1/uploads/"+u.ID, u.Owner, nil)
	var got []int
	for _, n := range res["received"].([]any) {
		got = append(got, int(n.(float64)))
	}
	return got
}

// Complete finishes the upload through c and checks the asset's size and
// SHA-256 against the bytes sent; it returns the asset id.
func (u *Upload) Complete(t testing.TB, c Client) string {
	t.Helper()
	a := c.Must(t, 201, "POST", "/api/v1/uploads/"+u.ID+"/complete", u.Owner, nil)
	if got, want := a["sha256"], sha(u.Data); got != want {
		t.Errorf("asset sha256 %v, want %s", got, want)
	}
	if got := int(a["size"].(float64)); got != len(u.Data) {
		t.Errorf("asset size %d, want %d", got, len(u.Data))
	}
	return a["id"].(string)
}

// CheckMedia reads the asset whole and in ranges through the proxy (so
// through both instances) as u, and compares every byte with data.
func (f *Fleet) CheckMedia(t testing.TB, u User, asset string, data []byte) {
	t.Helper()
	n := len(data)
	for range 2 {
		res, err := f.Proxy.Do(context.Background(), "GET", "/media/"+asset, Req{Token: u.Token, IP: u.IP})
		if err != nil || res.Status != 200 {
			t.Fatalf("GET /media/%s: %v %v", asset, err, res)
		}
		if !bytes.Equal(res.Body, data) {
			t.Fatalf("GET /media/%s: %d bytes that differ from the %d uploaded", asset, len(res.Body), n)
		}
	}
	ranges := [][2]int{{0, 0}, {0, 1023}, {n/2 - 7, n/2 + 4096}, {n - 1000, n - 1}}
	if n > 8<<20 {
		ranges = append(ranges, [2]int{8<<20 - 100, 8<<20 + 100}) // across a part boundary
	}
	for i, r := range ranges {
		hdr := map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", r[0], r[1])}
		if i == len(ranges)-1 {
			hdr["Range"] = fmt.Sprintf("bytes=-%d", r[1]-r[0]+1) // a suffix range
			r = [2]int{n - (r[1] - r[0] + 1), n - 1}
		}
		res, err := f.Proxy.Do(context.Background(), "GET", "/media/"+asset, Req{Token: u.Token, IP: u.IP, Header: hdr})
		if err != nil {
			t.Fatalf("range %s: %v", hdr["Range"], err)
		}
		if res.Status != http.StatusPartialContent {
			t.Fatalf("range %s: status %d", hdr["Range"], res.Status)
		}
		if want := fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], n); res.Header.Get("Content-Range") != want {
			t.Errorf("range %s: Content-Range %q, want %q", hdr["Range"], res.Header.Get("Content-Range"), want)
		}
		if !bytes.Equal(res.Body, data[r[0]:r[1]+1]) {
			t.Errorf("range %s: wrong bytes", hdr["Range"])
		}
	}
}

// Learners returns n learner accounts, adding those not made yet. Flows
// share them, so each flow need not pay for its own password hashes.
func (f *Fleet) Learners(t testing.TB, n int) []User {
	t.Helper()
	f.mu.Lock()
	have := len(f.learners)
	f.mu.Unlock()
	if have < n {
		more := f.NewUsers(t, n-have, "learner")
		f.mu.Lock()
		f.learners = append(f.learners, more...)
		f.mu.Unlock()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.learners[:n]
}

// Course makes a course through the proxy with one module, tracked for
// the index check; it returns the course and module ids.
func (f *Fleet) Course(t testing.TB, owner User, title string) (course, module string) {
	t.Helper()
	c := f.Proxy.Must(t, 201, "POST", "/api/v1/courses", owner, map[string]any{"title": title,
		"summary": "Ringkasan " + title, "description": "Materi **" + title + "**.", "category": "Teknis", "level": "Dasar", "jp": 2})
	course = c["id"].(string)
	f.Track(course)
	m := f.Proxy.Must(t, 201, "POST", "/api/v1/courses/"+course+"/modules", owner, map[string]any{"title": "Modul 1"})
	return course, m["id"].(string)
}

// Quiz makes a quiz lesson of n single-choice questions whose right
// answer is "a", 1 point each; it returns the quiz id.
func (f *Fleet) Quiz(t testing.TB, owner User, course, module string, n int, passMark float64) string {
	t.Helper()
	var qs []map[string]any
	for i := range n {
		qs = append(qs, map[string]any{"id": fmt.Sprintf("q%d", i+1), "type": "single", "points": 1,
			"prompt":  fmt.Sprintf("Soal nomor %d tentang pelayanan publik?", i+1),
			"options": []map[string]any{{"id": "a", "text": "Benar"}, {"id": "b", "text": "Salah"}, {"id": "c", "text": "Ragu"}},
			"answer":  "a"})
	}
	q := f.Proxy.Must(t, 201, "POST", "/api/v1/quizzes", owner, map[string]any{"course_id": course, "module_id": module,
		"title": "Ujian Akhir", "pass_mark": passMark, "max_attempts": 1, "shuffle_questions": true, "shuffle_options": true, "questions": qs})
	return q["id"].(string)
}

// retry sends a request until an instance acknowledges it: a learner
// whose request died with an instance sends it again. It gives up after
// 30 s.
func retry(ctx context.Context, c Client, method, path string, r Req, want int) (*Response, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := c.Do(ctx, method, path, r)
		if err == nil && res.Status == want {
			return res, nil
		}
		retriable := err != nil || res.Status == http.StatusBadGateway || res.Status == http.StatusServiceUnavailable
		if !retriable || time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s %s: status %d: %.300s", method, path, res.Status, res.Body)
			}
			return res, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// errList gathers the errors of many goroutines.
type errList struct {
	mu   sync.Mutex
	errs []string
}

func (e *errList) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func (e *errList) check(t testing.TB) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.errs) > 0 {
		t.Fatalf("%d errors, the first %d:\n%s", len(e.errs), min(len(e.errs), 10), strings.Join(e.errs[:min(len(e.errs), 10)], "\n"))
	}
}
