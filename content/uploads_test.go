package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kotalama/kompeten/storage/blobs/fs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	d, err := sqlite.Open(ctx, filepath.Join(dir, "k.db"), Schemas())
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); d.Close() })
	s, err := New(d, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHashChainWithParallelParts: parts sent in order are hashed on the
// way through, so completion reads nothing back; parts sent together and
// out of order are not held anywhere, and completion reads back what the
// chain did not see. Either way the digest is the file's.
func TestHashChainWithParallelParts(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Kursus unggah", "Teknis", 1
	c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	data := testVideo(5*PartSize + 999) // 6 parts
	sum := sha256.Sum256(data)
	part := func(n int) []byte { return data[(n-1)*PartSize : min(n*PartSize, len(data))] }
	upload := func(order ...[]int) Upload {
		up, err := s.CreateUpload(ctx, trainer, NewUpload{Filename: "v.mp4", Size: int64(len(data)), CourseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Each group is sent at once, like the browser's parallel parts.
		for _, group := range order {
			var wg sync.WaitGroup
			for _, n := range group {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.PutPart(ctx, trainer, up.ID, n, int64(len(part(n))), bytes.NewReader(part(n))); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		got, err := s.GetUpload(ctx, trainer, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CompleteUpload(ctx, trainer, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(data)) {
			t.Fatalf("asset %s %d, want %x %d", a.SHA256, a.Size, sum, len(data))
		}
		return got
	}
	if got := upload([]int{1}, []int{2}, []int{3}, []int{4}, []int{5}, []int{6}); got.HashedParts != 6 {
		t.Fatalf("parts sent in order: chain reached part %d of 6 before completion", got.HashedParts)
	}
	upload([]int{2, 3}, []int{1}, []int{5, 6}, []int{4})
	upload([]int{6, 5, 4, 3, 2}, []int{1})
	// A part the chain passed is sent again: the chain starts over.
	if got := upload([]int{1}, []int{2}, []int{1}, []int{3, 4, 5, 6}); got.HashedParts != 0 {
		t.Fatalf("part 1 sent again: chain at part %d, want started over", got.HashedParts)
	}
}

// testVideo is n bytes that sniff as MP4.
func testVideo(n int) []byte {
	data := make([]byte, n)
	copy(data, "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
	for i := 24; i < len(data); i++ {
		data[i] = byte(i * 31 / 7)
	}
	return data
}
