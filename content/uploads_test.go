package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"sync"
	"testing"
	"time"

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

// TestHashChainWithParallelParts: parts arriving together and out of order
// are hashed by the time the last one lands, so completion reads nothing
// back, and the digest is the file's.
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
	data := make([]byte, 5*PartSize+999) // 6 parts
	copy(data, "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
	for i := 24; i < len(data); i++ {
		data[i] = byte(i * 31 / 7)
	}
	sum := sha256.Sum256(data)
	part := func(n int) []byte { return data[(n-1)*PartSize : min(n*PartSize, len(data))] }
	upload := func(order ...[]int) (Upload, Asset) {
		up, err := s.CreateUpload(ctx, trainer, NewUpload{Filename: "v.mp4", Size: int64(len(data)), CourseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Each group is sent at once, like the browser's parallel parts;
		// a negative number is that part sent 200 ms after the others.
		for _, group := range order {
			var wg sync.WaitGroup
			for _, n := range group {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if n < 0 {
						n = -n
						time.Sleep(200 * time.Millisecond)
					}
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
		return got, a
	}
	// Parts ahead of the chain are held: all hashed by the time the last
	// part lands.
	got, _ := upload([]int{2, 3}, []int{1}, []int{5, 6}, []int{4})
	if got.HashedParts != 6 {
		t.Fatalf("hash chain reached part %d of 6 before completion", got.HashedParts)
	}
	if s.pending.bytes != 0 || len(s.pending.reserved) != 0 {
		t.Errorf("%d bytes, %v reservations left", s.pending.bytes, s.pending.reserved)
	}
	// Five parts ahead and room for four: one waits for the chain, which
	// wakes it when part 1 lands, and it is hashed on the way through.
	if got, _ := upload([]int{2, 3, 4, 5, 6, -1}); got.HashedParts != 6 {
		t.Fatalf("hash chain reached part %d of 6 with a part waiting", got.HashedParts)
	}
	// The same, but part 1 comes only after the wait ran out: that part
	// goes in unhashed, the chain stops before it, and completion reads
	// the rest back; the digest is still the file's.
	s.chainWait = 200 * time.Millisecond
	if got, _ := upload([]int{6, 5, 4, 3, 2}, []int{1}); got.HashedParts == 6 {
		t.Fatalf("all 6 parts hashed, though only %d can be held", maxPendingParts)
	}
}
