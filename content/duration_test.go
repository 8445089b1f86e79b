package content

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/kotalama/kompeten/internal/mediadur"
)

// storeAsset puts data in the blob store and an asset for it in the
// course, as an upload stored before lengths were read for its format
// would have left it: no Duration, never probed.
func storeAsset(t *testing.T, s *Service, course, id, contentType string, data []byte) Asset {
	t.Helper()
	ctx := context.Background()
	a := Asset{ID: id, Key: "assets/" + id, ContentType: contentType, Size: int64(len(data)), Course: course, Name: id}
	if _, err := s.blobs.Put(ctx, a.Key, bytes.NewReader(data), a.Size, contentType); err != nil {
		t.Fatal(err)
	}
	if err := s.docs.C(collAssets).Insert(ctx, a.ID, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func videoCourse(t *testing.T, s *Service) (User, Course, Module) {
	t.Helper()
	ctx := context.Background()
	trainer, err := s.CreateUser(ctx, NewUser{NIP: "198703212012032002", Name: "Pengajar", Roles: []string{RoleTrainer}, Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	title, cat, jp := "Kursus video", "Teknis", 1
	c, err := s.CreateCourse(ctx, trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.AddModule(ctx, trainer, c.ID, ModuleInput{Title: "Modul"})
	if err != nil {
		t.Fatal(err)
	}
	return trainer, c, m
}

// TestPublishRefusesVideoOfUnknownLength: a video lesson whose file's
// length cannot be read is refused at publishing, naming the lesson,
// until the trainer sets its minutes; then those minutes are its length.
func TestPublishRefusesVideoOfUnknownLength(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	trainer, c, m := videoCourse(t, s)
	junk := append([]byte{0x1A, 0x45, 0xDF, 0xA3}, bytes.Repeat([]byte{0x42}, 200)...)
	a := storeAsset(t, s, c.ID, "rusak", "video/webm", junk)
	title, kind := "Video tanpa durasi", KindVideo
	l, err := s.AddLesson(ctx, trainer, c.ID, m.ID, LessonInput{Title: &title, Kind: &kind, AssetID: &a.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.SetStatus(ctx, trainer, c.ID, StatusPublished)
	var ue *UnpublishableError
	if !errors.As(err, &ue) || len(ue.Problems) != 1 || ue.Problems[0].Problem != ProblemDuration || ue.Problems[0].LessonID != l.ID {
		t.Fatalf("publish: %v, want one unknown_duration problem for %s", err, l.ID)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["lessons."+l.ID].Code != "publish.lesson" || len(ve.Fields["lessons."+l.ID].Args) != 2 ||
		ve.Fields["lessons."+l.ID].Args[0] != "Video tanpa durasi" || ve.Fields["lessons."+l.ID].Args[1].(Msg).Code != "publish.unknown_duration" {
		t.Errorf("validation fields %v do not name the lesson", ve)
	}
	if got := s.videoSeconds(ctx, l); got != 0 {
		t.Errorf("unknown video length %g, want 0", got)
	}
	// The read was kept: the file is not read again on every report.
	var kept Asset
	if _, err := s.docs.C(collAssets).Get(ctx, a.ID, &kept); err != nil || kept.Probed != mediadur.Version || kept.Duration != 0 {
		t.Errorf("asset after the check: %+v (%v), want probed %d, duration 0", kept, err, mediadur.Version)
	}
	minutes := 2
	if l, err = s.UpdateLesson(ctx, trainer, l.ID, LessonInput{Minutes: &minutes}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, trainer, c.ID, StatusPublished); err != nil {
		t.Fatalf("publish with minutes set: %v", err)
	}
	if got := s.videoSeconds(ctx, l); got != 120 {
		t.Errorf("video length %g, want the trainer's 120 s", got)
	}
}

// TestOldAssetLengthReadOnce: a WebM stored with no length (before the
// server read WebM) gets it read from the file the first time it is
// needed, and stored; a file's length wins over the trainer's minutes.
func TestOldAssetLengthReadOnce(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	trainer, c, m := videoCourse(t, s)
	webm, err := os.ReadFile("../internal/mediadur/testdata/video.webm")
	if err != nil {
		t.Fatal(err)
	}
	a := storeAsset(t, s, c.ID, "lama", "video/webm", webm)
	title, kind, minutes := "Video lama", KindVideo, 30
	l, err := s.AddLesson(ctx, trainer, c.ID, m.ID, LessonInput{Title: &title, Kind: &kind, AssetID: &a.ID, Minutes: &minutes})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.videoSeconds(ctx, l); got < 6.99 || got > 7.01 {
		t.Fatalf("video length %g, want the file's 7 s", got)
	}
	var kept Asset
	if _, err := s.docs.C(collAssets).Get(ctx, a.ID, &kept); err != nil || kept.Duration != s.mediaDuration(ctx, a) || kept.Probed != mediadur.Version {
		t.Errorf("asset after the read: %+v (%v)", kept, err)
	}
	// Kept: a store without the file still answers.
	if err := s.blobs.Delete(ctx, a.Key); err != nil {
		t.Fatal(err)
	}
	if got := s.videoSeconds(ctx, l); got < 6.99 || got > 7.01 {
		t.Errorf("video length after the file is gone %g, want the stored 7 s", got)
	}
}
