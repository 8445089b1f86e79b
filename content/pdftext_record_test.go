package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/kotalama/kompeten/internal/pdftext"
	"github.com/kotalama/kompeten/internal/pdftext/pdftexttest"
	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/bleve"
	"github.com/kotalama/kompeten/storage/docs"
)

// TestHostilePDFRecorded: a PDF whose page tree contains itself, in one
// course, neither stops the outbox nor holds up another course's PDF; its
// failure is recorded, so neither the next round nor a restart reads it
// again.
func TestHostilePDFRecorded(t *testing.T) {
	s := newTestService(t)
	var runs atomic.Int64
	s.opts.PDFText = func(ctx context.Context, r io.Reader) (string, error) {
		runs.Add(1)
		return pdftext.Runner{Timeout: 10 * time.Second}.Text(ctx, r)
	}
	ctx := context.Background()
	idx, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.MultiCell(0, 6, "Jadwal retensi arsip vital instansi.", "", "L", false)
	var good bytes.Buffer
	if err := p.Output(&good); err != nil {
		t.Fatal(err)
	}
	bad := pdftexttest.SelfKids()
	var badAsset string
	for i, f := range [][]byte{bad, good.Bytes()} {
		title, cat, jp := []string{"Kursus Rusak", "Kursus Arsip"}[i], "Teknis", 1
		c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
		if err != nil {
			t.Fatal(err)
		}
		a := uploadForTest(t, s, trainer, c.ID, "materi.pdf", f)
		if i == 0 {
			badAsset = a.ID
		}
		m, _ := s.AddModule(ctx, trainer, c.ID, ModuleInput{Title: "Materi"})
		lt, kind := "Bacaan", KindFile
		if _, err := s.AddLesson(ctx, trainer, c.ID, m.ID, LessonInput{Title: &lt, Kind: &kind, AssetID: &a.ID}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { _, err := s.ProcessOutbox(ctx, idx); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ProcessOutbox: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("ProcessOutbox hangs on a PDF whose page tree contains itself")
	}
	if n, _ := s.PendingIndex(ctx); n != 0 {
		t.Errorf("%d courses still pending", n)
	}
	var rec assetText
	if _, err := s.docs.C(collAssetText).Get(ctx, badAsset, &rec); err != nil || !strings.Contains(rec.Err, "dirinya sendiri") {
		t.Errorf("failure not recorded on the asset: %+v, %v", rec, err)
	}
	if res, err := idx.Search(ctx, search.Query{Text: "retensi", All: true}); err != nil || res.Total == 0 {
		t.Errorf("the other course's PDF text is not searchable: %+v, %v", res, err)
	}
	// A restart is a new service over the same stores; the course is
	// queued again by an edit. The bad file is not read again.
	before := runs.Load()
	s2, err := New(s.docs, s.blobs, s.opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range courseIDs(t, s) {
		if _, err := docs.Update(ctx, s2.docs.C(collCourses), id, func(c *Course) error {
			c.IndexDue = s2.now().UTC()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s2.ProcessOutbox(ctx, idx); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != before {
		t.Errorf("extraction ran %d more times after its result was recorded", runs.Load()-before)
	}
}

func courseIDs(t *testing.T, s *Service) []string {
	t.Helper()
	cs, _, err := s.AllCourses(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// uploadForTest stores data as a completed one-part upload.
func uploadForTest(t *testing.T, s *Service, u User, courseID, name string, data []byte) Asset {
	t.Helper()
	ctx := context.Background()
	up, err := s.CreateUpload(ctx, u, NewUpload{Filename: name, Size: int64(len(data)), CourseID: courseID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPart(ctx, u, up.ID, 1, int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	a, err := s.CompleteUpload(ctx, u, up.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); a.SHA256 != "" && a.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("digest %s", a.SHA256)
	}
	return a
}
