package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/blobs/fs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// TestUploadPartsAcrossInstances is the reproduction from issue 12: behind
// a round-robin balancer, the parts of an upload reach two instances out of
// order, and the upload is completed on either. Before, a part ahead of
// the hash chain was kept in the memory of the instance it reached, for up
// to 15 minutes, when the chain moved on elsewhere; once an instance held
// its 64 MiB, each later part ahead of the chain stalled 10 s there. Now a
// part is stored and forgotten: no instance keeps anything of it after its
// request, so no part waits, and completion (on any instance) reads back
// what the chain did not see.
func TestUploadPartsAcrossInstances(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := sqlite.Open(ctx, filepath.Join(dir, "k.db"), Schemas())
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); d.Close() })
	a, err := New(d, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bb, err := New(d, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	trainer, err := a.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Kursus unggah", "Teknis", 1
	c, err := a.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	data := testVideo(5*PartSize + 1000) // 6 parts
	sum := sha256.Sum256(data)
	part := func(n int) []byte { return data[(n-1)*PartSize : min(n*PartSize, len(data))] }
	instances := map[string]*Service{"A": a, "B": bb}

	// Three uploads: the parts ahead of the chain go to both instances,
	// part 1 comes last, and completion is on A. Each upload's parts
	// ahead of the chain come to 24 MiB on B, which the old code kept
	// there; the third upload passed the 64 MiB it held.
	type step struct {
		n  int
		on string
	}
	order := []step{{3, "B"}, {2, "A"}, {4, "B"}, {5, "B"}, {6, "B"}, {1, "A"}}
	slowest := time.Duration(0)
	for round := range 3 {
		up, err := bb.CreateUpload(ctx, trainer, NewUpload{Filename: "v.mp4", Size: int64(len(data)), CourseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range order {
			start := time.Now()
			if _, err := instances[st.on].PutPart(ctx, trainer, up.ID, st.n, int64(len(part(st.n))), bytes.NewReader(part(st.n))); err != nil {
				t.Fatalf("round %d, part %d on %s: %v", round, st.n, st.on, err)
			}
			slowest = max(slowest, time.Since(start))
		}
		seen, err := a.GetUpload(ctx, trainer, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := seen.ReceivedNumbers(); len(got) != 6 {
			t.Fatalf("round %d: instance A sees parts %v", round, got)
		}
		asset, err := a.CompleteUpload(ctx, trainer, up.ID)
		if err != nil {
			t.Fatalf("round %d: complete: %v", round, err)
		}
		if asset.SHA256 != hex.EncodeToString(sum[:]) || asset.Size != int64(len(data)) {
			t.Fatalf("round %d: asset %s %d, want %x %d", round, asset.SHA256, asset.Size, sum, len(data))
		}
		// Completing again, on the other instance, gives the same asset.
		if again, err := bb.CompleteUpload(ctx, trainer, up.ID); err != nil || again.SHA256 != asset.SHA256 {
			t.Fatalf("round %d: completing again elsewhere: %+v, %v", round, again, err)
		}
	}
	// The old code stalled a part ahead of the chain for its full 10 s
	// wait once the instance's buffers were full; a part written to a
	// local directory takes milliseconds.
	if slowest > 5*time.Second {
		t.Errorf("a part took %v: it waited for another instance's hash chain", slowest)
	}
}
