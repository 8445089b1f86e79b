package blobs_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kotalama/kompeten/storage/blobs"
)

func TestValidKey(t *testing.T) {
	for _, key := range []string{"a", "courses/c-1/lesson_2/video.v1.mp4", "A.B-c_9", strings.Repeat("k", blobs.MaxKeyLen), "a..b", "a."} {
		if err := blobs.ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", key, err)
		}
	}
	for _, key := range []string{"", "../x", "a/../../b", "/abs", "a/", "a//b", ".", "..", ".x", "a/.x", `a\b`, "a\x00b", "a b", "é", strings.Repeat("k", blobs.MaxKeyLen+1)} {
		if err := blobs.ValidKey(key); !errors.Is(err, blobs.ErrInvalidKey) {
			t.Errorf("ValidKey(%.30q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func TestSpan(t *testing.T) {
	for _, c := range []struct {
		size, off, n, want int64
		bad                bool
	}{
		{size: 10, off: 0, n: -1, want: 10},
		{size: 10, off: 3, n: 4, want: 4},
		{size: 10, off: 8, n: 5, want: 2},
		{size: 10, off: 9, n: -1, want: 1},
		{size: 10, off: 2, n: 0, want: 0},
		{size: 0, off: 0, n: -1, want: 0},
		{size: 0, off: 0, n: 5, want: 0},
		{size: 10, off: 10, n: -1, bad: true},
		{size: 10, off: 11, n: 1, bad: true},
		{size: 0, off: 1, n: -1, bad: true},
		{size: 10, off: -1, n: 1, bad: true},
	} {
		got, err := blobs.Span(c.size, c.off, c.n)
		if c.bad {
			if !errors.Is(err, blobs.ErrInvalidRange) {
				t.Errorf("Span(%d, %d, %d) = %d, %v; want ErrInvalidRange", c.size, c.off, c.n, got, err)
			}
		} else if err != nil || got != c.want {
			t.Errorf("Span(%d, %d, %d) = %d, %v; want %d", c.size, c.off, c.n, got, err, c.want)
		}
	}
}

// TestExactReaderReadFull covers the consumer the backends' tests cannot
// force: one that reads exactly size bytes with io.ReadFull and never
// asks again. An overlong stream must still fail it.
func TestExactReaderReadFull(t *testing.T) {
	for _, c := range []struct {
		name string
		src  string
		size int
		ok   bool
	}{
		{"exact", "0123456789", 10, true},
		{"long", "0123456789X", 10, false},
		{"short", "012345678", 10, false},
		{"empty exact", "", 0, true},
	} {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.DataErrReader,
		} {
			er := blobs.NewExactReader(wrap(strings.NewReader(c.src)), int64(c.size))
			buf := make([]byte, c.size)
			_, err := io.ReadFull(er, buf)
			if c.ok && (err != nil || er.Finish() != nil || string(buf) != c.src) {
				t.Errorf("%s: ReadFull = %q, %v (Finish %v); want %q", c.name, buf, err, er.Finish(), c.src)
			}
			// ReadFull's own error, not Finish's: a consumer like
			// minio-go never calls Finish.
			if !c.ok && !errors.Is(err, blobs.ErrSizeMismatch) {
				t.Errorf("%s: ReadFull err = %v, want ErrSizeMismatch", c.name, err)
			}
		}
	}
}

func TestExactReaderPassesErrors(t *testing.T) {
	boom := errors.New("boom")
	er := blobs.NewExactReader(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)), 10)
	if _, err := io.ReadAll(er); !errors.Is(err, boom) {
		t.Errorf("ReadAll = %v, want the stream's own error", err)
	}
	if err := er.Finish(); !errors.Is(err, boom) {
		t.Errorf("Finish = %v, want the stream's own error", err)
	}
	if _, err := io.ReadAll(blobs.NewExactReader(strings.NewReader(""), -1)); !errors.Is(err, blobs.ErrSizeMismatch) {
		t.Errorf("negative size: %v, want ErrSizeMismatch", err)
	}
}

func TestCheckPartList(t *testing.T) {
	for _, c := range []struct {
		ns []int
		ok bool
	}{
		{[]int{1}, true}, {[]int{1, 2, 5}, true}, {[]int{10000}, true},
		{nil, false}, {[]int{2, 1}, false}, {[]int{1, 1}, false}, {[]int{0}, false}, {[]int{10001}, false},
	} {
		parts := make([]blobs.Part, len(c.ns))
		for i, n := range c.ns {
			parts[i] = blobs.Part{N: n}
		}
		err := blobs.CheckPartList(parts)
		if c.ok != (err == nil) || err != nil && !errors.Is(err, blobs.ErrInvalidPart) {
			t.Errorf("CheckPartList(%v) = %v", c.ns, err)
		}
	}
}
