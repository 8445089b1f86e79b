// Package blobstest is the conformance suite every blobs.Store backend
// must pass. Each backend runs it from its own tests:
//
//	func TestConformance(t *testing.T) { blobstest.Run(t, store) }
//
// The suite writes only under keys it makes unique per run, so it can
// share a store (or bucket) with other data.
package blobstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/kotalama/kompeten/storage/blobs"
)

const partSize = blobs.MinPartSize

// Run runs the whole suite against s.
func Run(t *testing.T, s blobs.Store) {
	prefix := "blobstest-" + randomHex(4)
	k := func(name string) string { return prefix + "/" + name }

	t.Run("Ping", func(t *testing.T) {
		if err := s.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, s, k("roundtrip/a-1_b.txt")) })
	t.Run("DefaultContentType", func(t *testing.T) { testDefaultContentType(t, s, k("default-type")) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, s, k("overwrite")) })
	t.Run("Ranges", func(t *testing.T) { testRanges(t, s, k("ranges")) })
	t.Run("EmptyObject", func(t *testing.T) { testEmpty(t, s, k("empty")) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, s, k("missing")) })
	t.Run("PrefixIsNotObject", func(t *testing.T) { testPrefix(t, s, k("dir")) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, s) })
	t.Run("SizeMismatch", func(t *testing.T) { testSizeMismatch(t, s, k("mismatch")) })
	t.Run("Cancelled", func(t *testing.T) { testCancelled(t, s, k("cancelled")) })
	t.Run("Multipart", func(t *testing.T) { testMultipart(t, s, k("multipart.mp4")) })
	t.Run("MultipartSinglePart", func(t *testing.T) { testSinglePart(t, s, k("single-part")) })
	t.Run("MultipartRefused", func(t *testing.T) { testMultipartRefused(t, s, k("refused")) })
	t.Run("MultipartAbort", func(t *testing.T) { testAbort(t, s, k("aborted")) })
	t.Run("MultipartWrongUpload", func(t *testing.T) { testWrongUpload(t, s, k("wrong-a"), k("wrong-b")) })
	t.Run("PartNumbers", func(t *testing.T) { testPartNumbers(t, s, k("part-numbers")) })
	t.Run("PartSizeMismatch", func(t *testing.T) { testPartSizeMismatch(t, s, k("part-mismatch")) })
	t.Run("ReadSeeker", func(t *testing.T) { testReadSeeker(t, s, k("served.bin")) })
	t.Run("ReadSeekerReuse", func(t *testing.T) { testReadSeekerReuse(t, s, k("reuse.bin")) })
	t.Run("PresignGet", func(t *testing.T) { testPresign(t, s, k("presigned.pdf")) })
	t.Run("List", func(t *testing.T) { testList(t, s, k("list")) })
}

func testRoundTrip(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	data := []byte("halo, dunia: materi pelatihan ASN")
	const ct = "text/plain; charset=utf-8"
	before := time.Now()
	put := mustPut(t, s, key, data, ct)
	if put.Key != key || put.Size != int64(len(data)) || put.ContentType != ct || put.ETag == "" {
		t.Errorf("Put info = %+v, want key %q, size %d, type %q, an ETag", put, key, len(data), ct)
	}
	checkRecent(t, "Put ModTime", put.ModTime, before)

	st, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Key != key || st.Size != put.Size || st.ETag != put.ETag || st.ContentType != ct {
		t.Errorf("Stat = %+v, want it to agree with Put's %+v", st, put)
	}
	checkRecent(t, "Stat ModTime", st.ModTime, before)
	if got := mustGet(t, s, key, 0, -1); !bytes.Equal(got, data) {
		t.Errorf("Get = %q, want %q", got, data)
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat after Delete: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, key, 0, -1); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	// Deleting twice must succeed, so a retried request is harmless.
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("second Delete: %v, want nil", err)
	}
}

func testDefaultContentType(t *testing.T, s blobs.Store, key string) {
	put := mustPut(t, s, key, []byte{0, 1, 2}, "")
	st, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	const want = "application/octet-stream"
	if put.ContentType != want || st.ContentType != want {
		t.Errorf("content type of Put(…, \"\") = %q, Stat %q, want %q", put.ContentType, st.ContentType, want)
	}
}

func testOverwrite(t *testing.T, s blobs.Store, key string) {
	first := mustPut(t, s, key, []byte("first version"), "text/plain")
	second := mustPut(t, s, key, []byte("second"), "application/pdf")
	if got := mustGet(t, s, key, 0, -1); string(got) != "second" {
		t.Errorf("Get after overwrite = %q, want %q", got, "second")
	}
	st, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != 6 || st.ContentType != "application/pdf" || st.ETag != second.ETag {
		t.Errorf("Stat after overwrite = %+v, want size 6, application/pdf, ETag %s", st, second.ETag)
	}
	if first.ETag == second.ETag {
		t.Errorf("different contents share ETag %s", first.ETag)
	}
}

func testRanges(t *testing.T, s blobs.Store, key string) {
	data := pseudoRandom(1, 100_003)
	size := int64(len(data))
	mustPut(t, s, key, data, "application/octet-stream")
	for _, c := range []struct {
		off, n   int64
		from, to int64 // expected slice of data
	}{
		{0, -1, 0, size},
		{0, 10, 0, 10},
		{0, size, 0, size},
		{0, size + 100, 0, size},
		{4096, 1000, 4096, 5096},
		{50_000, -1, 50_000, size},
		{size - 1, 1, size - 1, size},
		{size - 1, -1, size - 1, size},
		{size - 10, 100, size - 10, size},
		{1234, 0, 1234, 1234},
	} {
		got := mustGet(t, s, key, c.off, c.n)
		if want := data[c.from:c.to]; !bytes.Equal(got, want) {
			t.Errorf("Get(%d, %d): %d bytes (sha %s), want data[%d:%d] (%d bytes, sha %s)",
				c.off, c.n, len(got), shortSum(got), c.from, c.to, len(want), shortSum(want))
		}
	}
	for _, c := range []struct{ off, n int64 }{{size, -1}, {size, 10}, {size + 1, -1}, {size + 1000, 0}, {-1, 10}} {
		if rc, err := s.Get(t.Context(), key, c.off, c.n); !errors.Is(err, blobs.ErrInvalidRange) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Get(%d, %d) on %d bytes: err = %v, want ErrInvalidRange", c.off, c.n, size, err)
		}
	}
}

func testEmpty(t *testing.T, s blobs.Store, key string) {
	put := mustPut(t, s, key, nil, "text/plain")
	st, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if put.Size != 0 || st.Size != 0 || st.ContentType != "text/plain" {
		t.Errorf("empty object: Put %+v, Stat %+v", put, st)
	}
	for _, n := range []int64{-1, 0, 10} {
		if got := mustGet(t, s, key, 0, n); len(got) != 0 {
			t.Errorf("Get(0, %d) of empty object = %q", n, got)
		}
	}
	if _, err := s.Get(t.Context(), key, 1, -1); !errors.Is(err, blobs.ErrInvalidRange) {
		t.Errorf("Get(1, -1) of empty object: err = %v, want ErrInvalidRange", err)
	}
}

func testNotFound(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat: err = %v, want ErrNotFound", err)
	}
	for _, r := range [][2]int64{{0, -1}, {10, 5}} {
		if _, err := s.Get(ctx, key, r[0], r[1]); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("Get(%d, %d): err = %v, want ErrNotFound", r[0], r[1], err)
		}
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("Delete of a missing object: %v, want nil", err)
	}
	// An upload id that was never issued, in the backend's own format so
	// the backend cannot refuse it on shape alone.
	id, err := s.CreateMultipart(ctx, key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AbortMultipart(ctx, key, id); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{id, "no-such-upload", ""} {
		if _, err := s.ListParts(ctx, key, id); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("ListParts(%q): err = %v, want ErrNotFound", id, err)
		}
		if _, err := s.PutPart(ctx, key, id, 1, strings.NewReader("x"), 1); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("PutPart(%q): err = %v, want ErrNotFound", id, err)
		}
		if _, err := s.CompleteMultipart(ctx, key, id, []blobs.Part{{N: 1, ETag: "00"}}); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("CompleteMultipart(%q): err = %v, want ErrNotFound", id, err)
		}
		// Abort is idempotent, so a retried abort cannot fail.
		if err := s.AbortMultipart(ctx, key, id); err != nil {
			t.Errorf("AbortMultipart(%q): err = %v, want nil", id, err)
		}
	}
}

// testPrefix checks that a key's prefix is not an object of its own, and
// that deleting the prefix leaves the object alone.
func testPrefix(t *testing.T, s blobs.Store, dir string) {
	ctx := t.Context()
	mustPut(t, s, dir+"/child", []byte("child"), "")
	if _, err := s.Stat(ctx, dir); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat(prefix): err = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, dir, 0, -1); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Get(prefix): err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, dir); err != nil {
		t.Errorf("Delete(prefix): %v, want nil", err)
	}
	if got := mustGet(t, s, dir+"/child", 0, -1); string(got) != "child" {
		t.Errorf("child after Delete(prefix) = %q", got)
	}
	// Deleting the only object under a prefix must not break a later put
	// there (the fs backend prunes empty directories).
	if err := s.Delete(ctx, dir+"/child"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, dir+"/again", []byte("again"), "")
	if got := mustGet(t, s, dir+"/again", 0, -1); string(got) != "again" {
		t.Errorf("Get after re-put under pruned prefix = %q", got)
	}
}

// InvalidKeys are keys every backend must refuse.
var InvalidKeys = []string{
	"", "../x", "a/../../b", "/abs", "/etc/passwd", "a/", "a//b", ".", "..", "./a", "a/.",
	".hidden", "a/.uploads", `a\b`, `..\x`, "a\x00b", "a b", "ä", "a?b", "a%2e", "a:b",
	strings.Repeat("k", blobs.MaxKeyLen+1),
}

func testInvalidKeys(t *testing.T, s blobs.Store) {
	ctx := t.Context()
	for _, key := range InvalidKeys {
		check := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, blobs.ErrInvalidKey) {
				t.Errorf("%s(%.40q): err = %v, want ErrInvalidKey", op, key, err)
			}
		}
		r := &countingReader{r: strings.NewReader("payload")}
		_, err := s.Put(ctx, key, r, 7, "text/plain")
		check("Put", err)
		if r.n != 0 {
			t.Errorf("Put(%.40q) read %d bytes before refusing the key", key, r.n)
		}
		_, err = s.Get(ctx, key, 0, -1)
		check("Get", err)
		_, err = s.Stat(ctx, key)
		check("Stat", err)
		check("Delete", s.Delete(ctx, key))
		_, err = s.CreateMultipart(ctx, key, "")
		check("CreateMultipart", err)
		_, err = s.PutPart(ctx, key, "upload", 1, strings.NewReader("x"), 1)
		check("PutPart", err)
		_, err = s.ListParts(ctx, key, "upload")
		check("ListParts", err)
		_, err = s.CompleteMultipart(ctx, key, "upload", []blobs.Part{{N: 1, ETag: "00"}})
		check("CompleteMultipart", err)
		check("AbortMultipart", s.AbortMultipart(ctx, key, "upload"))
		_, err = s.PresignGet(ctx, key, time.Minute, blobs.ServeAs{})
		check("PresignGet", err)
	}
	if err := blobs.ValidKey(strings.Repeat("k", blobs.MaxKeyLen)); err != nil {
		t.Errorf("ValidKey at the length limit: %v", err)
	}
}

func testSizeMismatch(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	cases := []struct {
		name string
		r    func() io.Reader
		size int64
	}{
		{"short", func() io.Reader { return bytes.NewReader(pseudoRandom(2, 1000)) }, 2000},
		{"long", func() io.Reader { return bytes.NewReader(pseudoRandom(3, 2001)) }, 2000},
		{"one byte long", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(pseudoRandom(4, 11))) }, 10},
		{"zero declared", func() io.Reader { return strings.NewReader("x") }, 0},
		{"empty stream", func() io.Reader { return strings.NewReader("") }, 5},
	}
	for _, c := range cases {
		if _, err := s.Put(ctx, key, c.r(), c.size, ""); !errors.Is(err, blobs.ErrSizeMismatch) {
			t.Errorf("%s: Put: err = %v, want ErrSizeMismatch", c.name, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("%s: Stat after failed Put: err = %v, want ErrNotFound", c.name, err)
		}
	}
	// A stream that breaks is an error too, and also leaves nothing.
	broken := io.MultiReader(bytes.NewReader(pseudoRandom(5, 100)), iotest.ErrReader(errors.New("connection reset")))
	if _, err := s.Put(ctx, key, broken, 200, ""); err == nil {
		t.Error("Put of a broken stream succeeded")
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat after broken Put: err = %v, want ErrNotFound", err)
	}

	// A failed overwrite keeps the old object whole.
	old := []byte("the acknowledged version")
	mustPut(t, s, key, old, "text/plain")
	for _, c := range cases {
		if _, err := s.Put(ctx, key, c.r(), c.size, "application/pdf"); !errors.Is(err, blobs.ErrSizeMismatch) {
			t.Errorf("%s overwrite: err = %v, want ErrSizeMismatch", c.name, err)
		}
	}
	if got := mustGet(t, s, key, 0, -1); !bytes.Equal(got, old) {
		t.Errorf("after failed overwrites Get = %q, want %q", got, old)
	}
	if st, err := s.Stat(ctx, key); err != nil || st.ContentType != "text/plain" {
		t.Errorf("after failed overwrites Stat = %+v, %v; want text/plain", st, err)
	}
}

func testCancelled(t *testing.T, s blobs.Store, key string) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Put(ctx, key, bytes.NewReader(make([]byte, 1000)), 1000, ""); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat after cancelled Put: err = %v, want ErrNotFound", err)
	}
}

func testMultipart(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	p1, p2, p3 := pseudoRandom(10, partSize), pseudoRandom(11, partSize), pseudoRandom(12, 12_345)
	id, err := s.CreateMultipart(ctx, key, "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("CreateMultipart returned an empty id")
	}
	if parts, err := s.ListParts(ctx, key, id); err != nil || len(parts) != 0 {
		t.Fatalf("ListParts of a new upload = %v, %v; want none", parts, err)
	}
	// Out of order, as parallel or resumed browser uploads arrive.
	got3 := mustPutPart(t, s, key, id, 3, p3)
	got1 := mustPutPart(t, s, key, id, 1, p1)
	wrong := mustPutPart(t, s, key, id, 2, pseudoRandom(13, partSize))
	got2 := mustPutPart(t, s, key, id, 2, p2) // replaces the wrong one
	if wrong.ETag == got2.ETag {
		t.Errorf("parts with different content share ETag %s", got2.ETag)
	}
	for _, c := range []struct {
		got  blobs.Part
		n    int
		data []byte
	}{{got1, 1, p1}, {got2, 2, p2}, {got3, 3, p3}} {
		if c.got.N != c.n || c.got.Size != int64(len(c.data)) || c.got.ETag == "" {
			t.Errorf("PutPart %d = %+v, want N %d, size %d, an ETag", c.n, c.got, c.n, len(c.data))
		}
	}

	parts, err := s.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []blobs.Part{got1, got2, got3}
	if !equalParts(parts, want) {
		t.Errorf("ListParts = %+v, want %+v", parts, want)
	}
	// Not visible before completion.
	if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat before Complete: err = %v, want ErrNotFound", err)
	}

	info, err := s.CompleteMultipart(ctx, key, id, parts)
	if err != nil {
		t.Fatal(err)
	}
	whole := bytes.Join([][]byte{p1, p2, p3}, nil)
	if info.Key != key || info.Size != int64(len(whole)) || info.ContentType != "video/mp4" || info.ETag == "" {
		t.Errorf("CompleteMultipart = %+v, want key %q, size %d, video/mp4, an ETag", info, key, len(whole))
	}
	st, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != info.Size || st.ETag != info.ETag || st.ContentType != "video/mp4" {
		t.Errorf("Stat after Complete = %+v, want it to agree with %+v", st, info)
	}
	if got := mustGet(t, s, key, 0, -1); !bytes.Equal(got, whole) {
		t.Errorf("completed object: %d bytes (sha %s), want %d (sha %s)", len(got), shortSum(got), len(whole), shortSum(whole))
	}
	// A range across the part boundary.
	if got := mustGet(t, s, key, partSize-5, 10); !bytes.Equal(got, whole[partSize-5:partSize+5]) {
		t.Errorf("range across parts 1 and 2 = %x, want %x", got, whole[partSize-5:partSize+5])
	}
	if _, err := s.ListParts(ctx, key, id); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("ListParts after Complete: err = %v, want ErrNotFound", err)
	}
	if _, err := s.CompleteMultipart(ctx, key, id, parts); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("second Complete: err = %v, want ErrNotFound", err)
	}
}

func testSinglePart(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	data := pseudoRandom(20, 777)
	id, err := s.CreateMultipart(ctx, key, "")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPutPart(t, s, key, id, 1, data)
	// Only N and ETag identify a part; callers keep those from PutPart.
	info, err := s.CompleteMultipart(ctx, key, id, []blobs.Part{{N: p.N, ETag: p.ETag}})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) || info.ContentType != "application/octet-stream" {
		t.Errorf("Complete = %+v, want size %d, application/octet-stream", info, len(data))
	}
	if got := mustGet(t, s, key, 0, -1); !bytes.Equal(got, data) {
		t.Errorf("single-part object differs: %d bytes, want %d", len(got), len(data))
	}
}

// testMultipartRefused checks S3's completion rules, which the fs backend
// must share so that nothing works only on a laptop. A refused completion
// leaves the upload open.
func testMultipartRefused(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	id, err := s.CreateMultipart(ctx, key, "")
	if err != nil {
		t.Fatal(err)
	}
	small1 := mustPutPart(t, s, key, id, 1, []byte("too small to come first"))
	small2 := mustPutPart(t, s, key, id, 2, []byte("last"))
	big := mustPutPart(t, s, key, id, 3, pseudoRandom(30, partSize))
	last := mustPutPart(t, s, key, id, 4, []byte("tail"))
	for _, c := range []struct {
		name  string
		parts []blobs.Part
	}{
		{"no parts", nil},
		{"non-last part under 5 MiB", []blobs.Part{small1, small2}},
		{"descending", []blobs.Part{last, big}},
		{"repeated", []blobs.Part{big, big}},
		{"never received", []blobs.Part{big, {N: 9, ETag: last.ETag}}},
		{"wrong ETag", []blobs.Part{big, {N: 4, ETag: small2.ETag}}},
		{"number out of range", []blobs.Part{{N: 0, ETag: big.ETag}}},
	} {
		if _, err := s.CompleteMultipart(ctx, key, id, c.parts); !errors.Is(err, blobs.ErrInvalidPart) {
			t.Errorf("%s: err = %v, want ErrInvalidPart", c.name, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("%s: object exists after refused Complete (err %v)", c.name, err)
		}
	}
	parts, err := s.ListParts(ctx, key, id)
	if err != nil {
		t.Fatalf("ListParts after refused completions: %v", err)
	}
	if !equalParts(parts, []blobs.Part{small1, small2, big, last}) {
		t.Errorf("ListParts after refused completions = %+v", parts)
	}
	// A subset is fine when its non-last parts are big enough.
	info, err := s.CompleteMultipart(ctx, key, id, []blobs.Part{big, last})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != big.Size+last.Size {
		t.Errorf("Complete of parts 3 and 4: size %d, want %d", info.Size, big.Size+last.Size)
	}
}

func testAbort(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	id, err := s.CreateMultipart(ctx, key, "")
	if err != nil {
		t.Fatal(err)
	}
	mustPutPart(t, s, key, id, 1, []byte("discard me"))
	if err := s.AbortMultipart(ctx, key, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListParts(ctx, key, id); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("ListParts after Abort: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PutPart(ctx, key, id, 2, strings.NewReader("late"), 4); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("PutPart after Abort: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat after Abort: err = %v, want ErrNotFound", err)
	}
	if err := s.AbortMultipart(ctx, key, id); err != nil {
		t.Errorf("second Abort: err = %v, want nil", err)
	}
}

// testWrongUpload checks that an upload id only works with its own key,
// so a client cannot aim someone's upload at another object.
func testWrongUpload(t *testing.T, s blobs.Store, keyA, keyB string) {
	ctx := t.Context()
	id, err := s.CreateMultipart(ctx, keyA, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.AbortMultipart(context.WithoutCancel(ctx), keyA, id)
	p := mustPutPart(t, s, keyA, id, 1, []byte("mine"))
	if _, err := s.ListParts(ctx, keyB, id); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("ListParts with another key: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PutPart(ctx, keyB, id, 2, strings.NewReader("x"), 1); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("PutPart with another key: err = %v, want ErrNotFound", err)
	}
	if _, err := s.CompleteMultipart(ctx, keyB, id, []blobs.Part{p}); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Complete with another key: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, keyB); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Stat(other key): err = %v, want ErrNotFound", err)
	}
	// Aborting under another key must not discard the upload.
	s.AbortMultipart(ctx, keyB, id)
	if parts, err := s.ListParts(ctx, keyA, id); err != nil || !equalParts(parts, []blobs.Part{p}) {
		t.Errorf("after Abort with another key: ListParts = %+v, %v; want the upload intact", parts, err)
	}
}

func testPartNumbers(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	id, err := s.CreateMultipart(ctx, key, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.AbortMultipart(context.WithoutCancel(ctx), key, id)
	for _, n := range []int{0, -1, blobs.MaxPartN + 1} {
		if _, err := s.PutPart(ctx, key, id, n, strings.NewReader("x"), 1); !errors.Is(err, blobs.ErrInvalidPart) {
			t.Errorf("PutPart(%d): err = %v, want ErrInvalidPart", n, err)
		}
	}
	mustPutPart(t, s, key, id, blobs.MaxPartN, []byte("the last possible part"))
	parts, err := s.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].N != blobs.MaxPartN {
		t.Errorf("ListParts = %+v, want only part %d", parts, blobs.MaxPartN)
	}
}

func testPartSizeMismatch(t *testing.T, s blobs.Store, key string) {
	ctx := t.Context()
	id, err := s.CreateMultipart(ctx, key, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.AbortMultipart(context.WithoutCancel(ctx), key, id)
	good := mustPutPart(t, s, key, id, 1, []byte("good part"))
	for _, c := range []struct {
		name string
		data []byte
		size int64
	}{{"short", []byte("short"), 10}, {"long", []byte("far too long"), 10}} {
		if _, err := s.PutPart(ctx, key, id, 1, bytes.NewReader(c.data), c.size); !errors.Is(err, blobs.ErrSizeMismatch) {
			t.Errorf("%s replacement: err = %v, want ErrSizeMismatch", c.name, err)
		}
		if _, err := s.PutPart(ctx, key, id, 2, bytes.NewReader(c.data), c.size); !errors.Is(err, blobs.ErrSizeMismatch) {
			t.Errorf("%s new part: err = %v, want ErrSizeMismatch", c.name, err)
		}
	}
	parts, err := s.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if !equalParts(parts, []blobs.Part{good}) {
		t.Errorf("ListParts after failed parts = %+v, want only %+v", parts, good)
	}
}

func testReadSeeker(t *testing.T, s blobs.Store, key string) {
	data := pseudoRandom(40, 300_000)
	size := int64(len(data))
	info := mustPut(t, s, key, data, "video/mp4")
	cs := &countingStore{Store: s}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs := blobs.NewReadSeeker(r.Context(), cs, key, info.Size)
		defer rs.Close()
		w.Header().Set("Content-Type", info.ContentType)
		w.Header().Set("ETag", `"`+info.ETag+`"`)
		http.ServeContent(w, r, "", info.ModTime, rs)
	}))
	defer srv.Close()

	for _, c := range []struct {
		rng        string
		status     int
		from, to   int64 // expected body: data[from:to]
		contentRng string
	}{
		{"", http.StatusOK, 0, size, ""},
		{"bytes=0-99", http.StatusPartialContent, 0, 100, "bytes 0-99/300000"},
		{"bytes=1000-", http.StatusPartialContent, 1000, size, "bytes 1000-299999/300000"},
		{"bytes=-500", http.StatusPartialContent, size - 500, size, "bytes 299500-299999/300000"},
		{"bytes=299999-", http.StatusPartialContent, size - 1, size, "bytes 299999-299999/300000"},
		{"bytes=299990-400000", http.StatusPartialContent, 299_990, size, "bytes 299990-299999/300000"},
		{"bytes=123456-123456", http.StatusPartialContent, 123_456, 123_457, "bytes 123456-123456/300000"},
		{"bytes=300000-", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */300000"},
		{"bytes=500000-600000", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */300000"},
	} {
		cs.reset()
		status, hdr, body := fetch(t, srv.URL, c.rng)
		if status != c.status {
			t.Errorf("Range %q: status %d, want %d", c.rng, status, c.status)
			continue
		}
		if got := hdr.Get("Content-Range"); got != c.contentRng {
			t.Errorf("Range %q: Content-Range %q, want %q", c.rng, got, c.contentRng)
		}
		if status == http.StatusRequestedRangeNotSatisfiable {
			if cs.gets() != 0 {
				t.Errorf("Range %q: %d Gets for an unsatisfiable range, want 0", c.rng, cs.gets())
			}
			continue
		}
		if want := data[c.from:c.to]; !bytes.Equal(body, want) {
			t.Errorf("Range %q: body %d bytes (sha %s), want data[%d:%d] (sha %s)",
				c.rng, len(body), shortSum(body), c.from, c.to, shortSum(want))
		}
		// Only what was asked for crosses from the store: the reader
		// must never pull the whole object for a small range.
		if got, want := cs.delivered(), c.to-c.from; got != want {
			t.Errorf("Range %q: read %d bytes from the store, want %d", c.rng, got, want)
		}
		if cs.gets() != 1 {
			t.Errorf("Range %q: %d Gets, want 1", c.rng, cs.gets())
		}
	}

	// If-Range with the current ETag honours the range; with a stale one
	// the whole object comes back.
	for _, c := range []struct {
		ifRange string
		status  int
	}{{`"` + info.ETag + `"`, http.StatusPartialContent}, {`"stale"`, http.StatusOK}} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		req.Header.Set("Range", "bytes=10-19")
		req.Header.Set("If-Range", c.ifRange)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("If-Range %s: status %d, want %d", c.ifRange, resp.StatusCode, c.status)
		}
	}

	// Two ranges come back as multipart/byteranges, each from its own
	// position.
	status, hdr, body := fetch(t, srv.URL, "bytes=0-9,200000-200009")
	if status != http.StatusPartialContent {
		t.Fatalf("two ranges: status %d", status)
	}
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("two ranges: Content-Type %q (%v)", hdr.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for _, from := range []int{0, 200_000} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("two ranges: part at %d: %v", from, err)
		}
		got, _ := io.ReadAll(p)
		if want := data[from : from+10]; !bytes.Equal(got, want) {
			t.Errorf("two ranges: part at %d = %x, want %x", from, got, want)
		}
	}
}

// testReadSeekerReuse drives the reader directly: sequential reads share
// one Get, a seek elsewhere opens another, and the object size bounds
// reading.
func testReadSeekerReuse(t *testing.T, s blobs.Store, key string) {
	data := pseudoRandom(41, 50_000)
	mustPut(t, s, key, data, "")
	cs := &countingStore{Store: s}
	rs := blobs.NewReadSeeker(t.Context(), cs, key, int64(len(data)))
	defer rs.Close()
	if cs.gets() != 0 {
		t.Fatalf("NewReadSeeker issued %d Gets before any Read", cs.gets())
	}
	buf := make([]byte, 1000)
	for i := range 5 {
		if _, err := io.ReadFull(rs, buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, data[i*1000:(i+1)*1000]) {
			t.Fatalf("sequential read %d differs", i)
		}
	}
	if cs.gets() != 1 {
		t.Errorf("5 sequential reads used %d Gets, want 1", cs.gets())
	}
	if pos, err := rs.Seek(-100, io.SeekEnd); err != nil || pos != int64(len(data))-100 {
		t.Fatalf("Seek(-100, End) = %d, %v", pos, err)
	}
	rest, err := io.ReadAll(rs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rest, data[len(data)-100:]) {
		t.Errorf("read after seek = %d bytes, want the last 100", len(rest))
	}
	if cs.gets() != 2 {
		t.Errorf("after a seek: %d Gets, want 2", cs.gets())
	}
	// Seeking to where the stream already is must not reopen it.
	if _, err := rs.Seek(10_000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	io.ReadFull(rs, buf)
	if _, err := rs.Seek(0, io.SeekCurrent); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rs, buf); err != nil || !bytes.Equal(buf, data[11_000:12_000]) {
		t.Errorf("read after Seek(0, Current) differs (err %v)", err)
	}
	if cs.gets() != 3 {
		t.Errorf("Seek(0, Current) reopened the stream: %d Gets, want 3", cs.gets())
	}
	if _, err := rs.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek to -1 succeeded")
	}
	if _, err := rs.Seek(int64(len(data))+10, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := rs.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v; want 0, EOF", n, err)
	}
}

func testPresign(t *testing.T, s blobs.Store, key string) {
	data := []byte("%PDF-1.7 laporan")
	// Uploads store objects before their type is known.
	mustPut(t, s, key, data, "application/octet-stream")
	as := blobs.ServeAs{
		ContentType:  "application/pdf",
		Disposition:  `inline; filename="Laporan Akhir 2025.pdf"; filename*=UTF-8''Laporan%20Akhir%202025.pdf`,
		CacheControl: "private, max-age=600",
	}
	u, err := s.PresignGet(t.Context(), key, time.Minute, as)
	if errors.Is(err, blobs.ErrNotSupported) {
		// The backend's own tests assert that it is meant not to.
		t.Skip("backend cannot presign")
	}
	if err != nil {
		t.Fatal(err)
	}
	get := func(u, rng string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, body
	}
	resp, body := get(u, "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET presigned: %d %q, want 200 %q", resp.StatusCode, body, data)
	}
	got := blobs.ServeAs{ContentType: resp.Header.Get("Content-Type"), Disposition: resp.Header.Get("Content-Disposition"),
		CacheControl: resp.Header.Get("Cache-Control")}
	if got != as {
		t.Errorf("presigned response headers %+v; want %+v", got, as)
	}
	// A browser's media player sends ranges to the URL it was sent to.
	if resp, body := get(u, "bytes=5-7"); resp.StatusCode != http.StatusPartialContent || string(body) != "1.7" {
		t.Errorf("ranged GET presigned: %d %q, want 206 %q", resp.StatusCode, body, "1.7")
	}
	// Without overrides the object is served as stored.
	u, err = s.PresignGet(t.Context(), key, time.Minute, blobs.ServeAs{})
	if err != nil {
		t.Fatal(err)
	}
	resp, _ = get(u, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != "" || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("presigned without overrides: %d, Content-Type %q, Content-Disposition %q", resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
}

// countingStore records the Gets a reader makes and the bytes they
// deliver.
type countingStore struct {
	blobs.Store
	mu    sync.Mutex
	n     int
	bytes int64
}

func (c *countingStore) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	rc, err := c.Store.Get(ctx, key, offset, length)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return &countingBody{rc: rc, c: c}, nil
}

func (c *countingStore) reset() {
	c.mu.Lock()
	c.n, c.bytes = 0, 0
	c.mu.Unlock()
}

func (c *countingStore) gets() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *countingStore) delivered() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

type countingBody struct {
	rc io.ReadCloser
	c  *countingStore
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.c.mu.Lock()
	b.c.bytes += int64(n)
	b.c.mu.Unlock()
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func fetch(t *testing.T, url, rng string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("Range %q: reading body: %v", rng, err)
	}
	return resp.StatusCode, resp.Header, body
}

func mustPut(t *testing.T, s blobs.Store, key string, data []byte, ct string) blobs.Info {
	t.Helper()
	info, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), ct)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

func mustGet(t *testing.T, s blobs.Store, key string, off, n int64) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), key, off, n)
	if err != nil {
		t.Fatalf("Get(%q, %d, %d): %v", key, off, n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q, %d, %d): read: %v", key, off, n, err)
	}
	return b
}

func mustPutPart(t *testing.T, s blobs.Store, key, id string, n int, data []byte) blobs.Part {
	t.Helper()
	p, err := s.PutPart(t.Context(), key, id, n, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("PutPart(%d): %v", n, err)
	}
	return p
}

func equalParts(a, b []blobs.Part) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].N != b[i].N || a[i].Size != b[i].Size || !strings.EqualFold(a[i].ETag, b[i].ETag) {
			return false
		}
	}
	return true
}

// checkRecent allows for S3's whole-second Last-Modified and a little
// clock skew between test and server.
func checkRecent(t *testing.T, what string, got, since time.Time) {
	t.Helper()
	if got.Before(since.Add(-2*time.Second)) || got.After(time.Now().Add(2*time.Second)) {
		t.Errorf("%s = %v, want between %v and now", what, got, since)
	}
}

// pseudoRandom returns n reproducible bytes, different for each seed, so
// a misplaced range shows up as a content mismatch.
func pseudoRandom(seed uint64, n int) []byte {
	r := mathrand.New(mathrand.NewPCG(seed, seed*7919+1))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func shortSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:6])
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// testList checks List's order (bytewise, "-" before "/" before "0"), its
// resumption after a key, early stop and the sizes it reports. The store
// may hold other objects, so only keys under dir are looked at.
func testList(t *testing.T, s blobs.Store, dir string) {
	ctx := t.Context()
	keys := []string{dir + "/a-c", dir + "/a/b", dir + "/a/c/d", dir + "/a0", dir + "/b", dir + "/b.txt", dir + "/c/z"}
	// Written last to first, so the listing order is not the writing order.
	for i, k := range slices.Backward(keys) {
		mustPut(t, s, k, bytes.Repeat([]byte{'x'}, i+1), "text/plain")
	}
	// A multipart upload in progress is not an object.
	id, err := s.CreateMultipart(ctx, dir+"/pending", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.AbortMultipart(context.WithoutCancel(ctx), dir+"/pending", id)
	mustPutPart(t, s, dir+"/pending", id, 1, []byte("part"))

	list := func(after string) []blobs.Info {
		t.Helper()
		var got []blobs.Info
		stop := errors.New("past dir")
		err := s.List(ctx, after, func(info blobs.Info) error {
			if info.Key >= dir+"0" {
				return stop
			}
			if strings.HasPrefix(info.Key, dir+"/") {
				got = append(got, info)
			}
			return nil
		})
		if err != nil && !errors.Is(err, stop) {
			t.Fatalf("List(%q): %v", after, err)
		}
		return got
	}
	names := func(infos []blobs.Info) []string {
		var out []string
		for _, i := range infos {
			out = append(out, i.Key)
		}
		return out
	}
	all := list(dir)
	if got := names(all); !slices.Equal(got, keys) {
		t.Errorf("List = %q, want %q", got, keys)
	}
	for i, info := range all {
		if want := int64(i + 1); info.Size != want {
			t.Errorf("List: %s has size %d, want %d", info.Key, info.Size, want)
		}
		if info.ModTime.IsZero() {
			t.Errorf("List: %s has no ModTime", info.Key)
		}
	}
	if got := names(list(dir + "/a/b")); !slices.Equal(got, keys[2:]) {
		t.Errorf("List after %s = %q, want %q", dir+"/a/b", got, keys[2:])
	}
	if got := names(list(dir + "/a/")); !slices.Equal(got, keys[1:]) {
		t.Errorf("List after %s = %q, want %q", dir+"/a/", got, keys[1:])
	}
	if got := names(list(dir + "/c/z")); len(got) != 0 {
		t.Errorf("List after the last key = %q", got)
	}

	stop := errors.New("enough")
	n := 0
	err = s.List(ctx, dir, func(blobs.Info) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("List stopped by fn: err %v after %d calls, want the fn's error after 1", err, n)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.List(cctx, dir, func(blobs.Info) error { return nil }); err == nil {
		t.Error("List with a cancelled context succeeded")
	}
}
