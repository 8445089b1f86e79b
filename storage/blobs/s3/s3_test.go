package s3_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/blobs/blobstest"
	"github.com/kotalama/kompeten/storage/blobs/s3"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

func TestMain(m *testing.M) { s3test.Main(m) }

func open(t *testing.T) *s3.Store {
	t.Helper()
	s, err := s3.Open(t.Context(), s3test.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	blobstest.Run(t, open(t))
}

// TestOpenExistingBucket checks that a second instance starting against
// the same bucket neither fails nor loses data.
func TestOpenExistingBucket(t *testing.T) {
	cfg := s3test.Start(t)
	a, err := s3.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Put(t.Context(), "kept", strings.NewReader("kept"), 4, ""); err != nil {
		t.Fatal(err)
	}
	b, err := s3.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if _, err := b.Stat(t.Context(), "kept"); err != nil {
		t.Errorf("object lost on second Open: %v", err)
	}
}

func TestBadCredentials(t *testing.T) {
	cfg := s3test.Start(t)
	cfg.SecretKey = "wrong-secret"
	if _, err := s3.Open(t.Context(), cfg); err == nil {
		t.Fatal("Open with a wrong secret succeeded")
	} else if errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("wrong secret reported as ErrNotFound: %v", err)
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want s3.Config
		bad  bool
	}{
		{in: "s3://KEY:SECRET@minio:9000/kompeten?secure=false",
			want: s3.Config{Endpoint: "minio:9000", AccessKey: "KEY", SecretKey: "SECRET", Bucket: "kompeten"}},
		{in: "s3://k:s%2Fx@s3.example.id/media?region=ap-southeast-3",
			want: s3.Config{Endpoint: "s3.example.id", AccessKey: "k", SecretKey: "s/x", Bucket: "media", Region: "ap-southeast-3", Secure: true}},
		{in: "http://k:hunter2@minio:9000/kompeten", bad: true},
		{in: "s3:///kompeten", bad: true},
		{in: "s3://k:hunter2@minio:9000/b?secure=maybe", bad: true},
	} {
		got, err := s3.ParseURL(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseURL(%q) = %+v, want an error", c.in, got)
			} else if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("ParseURL(%q) error leaks the secret: %v", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}
