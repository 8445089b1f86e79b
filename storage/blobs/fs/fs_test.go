package fs_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/blobs/blobstest"
	"github.com/kotalama/kompeten/storage/blobs/fs"
)

func open(t *testing.T, dir string) *fs.Store {
	t.Helper()
	s, err := fs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	blobstest.Run(t, open(t, t.TempDir()))
}

func TestPresignNotSupported(t *testing.T) {
	s := open(t, t.TempDir())
	if _, err := s.PresignGet(t.Context(), "a", time.Minute, blobs.ServeAs{}); !errors.Is(err, blobs.ErrNotSupported) {
		t.Errorf("PresignGet: err = %v, want ErrNotSupported", err)
	}
}

// TestConfined plants symlinks inside the root that point outside it and
// checks that no operation reads, writes or deletes through them.
func TestConfined(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "objects"), filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("outside the store"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, root)
	ctx := t.Context()
	if err := os.Symlink(secret, filepath.Join(root, "leak")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}

	if rc, err := s.Get(ctx, "leak", 0, -1); err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("Get through a symlink out of the root read %q", b)
	}
	if rc, err := s.Get(ctx, "dir/secret", 0, -1); err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("Get through a symlinked directory read %q", b)
	}
	if _, err := s.Stat(ctx, "dir/secret"); err == nil {
		t.Error("Stat through a symlinked directory succeeded")
	}
	if _, err := s.Put(ctx, "dir/planted", strings.NewReader("x"), 1, ""); err == nil {
		t.Error("Put through a symlinked directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file appeared outside the root (stat err %v)", err)
	}
	s.Delete(ctx, "dir/secret")
	if b, err := os.ReadFile(secret); err != nil || string(b) != "outside the store" {
		t.Errorf("file outside the root changed: %q, %v", b, err)
	}

	// Nothing in the root is reachable under a key that walks out of it,
	// and refused keys touch nothing.
	before := listTree(t, base)
	for _, key := range blobstest.InvalidKeys {
		s.Put(ctx, key, strings.NewReader("x"), 1, "")
		s.Delete(ctx, key)
	}
	if after := listTree(t, base); after != before {
		t.Errorf("refused keys changed the tree:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestLayout pins down what an operator sees on disk: objects at their
// key, with content type and ETag in the sidecar, and no temp litter.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	info, err := s.Put(ctx, "courses/c1/video.mp4", bytes.NewReader([]byte("frames")), 6, "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "courses", "c1", "video.mp4")); err != nil || string(b) != "frames" {
		t.Errorf("object file = %q, %v", b, err)
	}
	// The ETag is the content's MD5, as S3 gives for a single PUT.
	if sum := md5.Sum([]byte("frames")); info.ETag != hex.EncodeToString(sum[:]) {
		t.Errorf("ETag = %s, want MD5 %x", info.ETag, sum)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d files after a Put", len(entries))
	}
	// A new Store over the same directory sees the same object.
	s2 := open(t, dir)
	st, err := s2.Stat(ctx, "courses/c1/video.mp4")
	if err != nil || st.ETag != info.ETag || st.ContentType != "video/mp4" {
		t.Errorf("Stat after reopen = %+v, %v; want ETag %s, video/mp4", st, err, info.ETag)
	}
	if err := s.Delete(ctx, "courses/c1/video.mp4"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"courses", filepath.Join(".meta", "courses")} {
		if _, err := os.Stat(filepath.Join(dir, d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after deleting its only object (err %v)", d, err)
		}
	}
}

// TestStaleSidecar simulates a crash between renaming the object and
// writing its sidecar: Stat must not report the old version's ETag.
func TestStaleSidecar(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	old, err := s.Put(ctx, "k", strings.NewReader("old"), 3, "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	sidecar, _ := os.ReadFile(filepath.Join(dir, ".meta", "k"))
	if _, err := s.Put(ctx, "k", strings.NewReader("newer"), 5, "text/csv"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".meta", "k"), sidecar, 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stat(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if st.ETag == old.ETag || st.Size != 5 || st.ContentType != "application/octet-stream" {
		t.Errorf("Stat with a stale sidecar = %+v; want a fresh ETag, size 5, the default type", st)
	}
}

// TestKeyClash documents the one fs limit: a key cannot be an object and
// a prefix at once.
func TestKeyClash(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	if _, err := s.Put(ctx, "a", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a/b", strings.NewReader("x"), 1, ""); !errors.Is(err, blobs.ErrInvalidKey) {
		t.Errorf("Put under an object: err = %v, want ErrInvalidKey", err)
	}
	if _, err := s.Put(ctx, "p/q", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "p", strings.NewReader("x"), 1, ""); !errors.Is(err, blobs.ErrInvalidKey) {
		t.Errorf("Put over a prefix: err = %v, want ErrInvalidKey", err)
	}
	if _, err := s.Get(ctx, "a/b", 0, -1); !errors.Is(err, blobs.ErrNotFound) {
		t.Errorf("Get under an object: err = %v, want ErrNotFound", err)
	}
}

func listTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + " " + fi.Mode().String() + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
