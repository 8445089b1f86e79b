package content

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/kotalama/kompeten/internal/mediadur"
	"github.com/kotalama/kompeten/storage/docs"
)

// blobReader reads a stored file by ranges, for mediadur: each ReadAt is
// one ranged request, so the length of a large file costs a few small
// requests, not a download.
type blobReader struct {
	ctx context.Context
	s   *Service
	key string
}

func (r blobReader) ReadAt(p []byte, off int64) (int, error) {
	rc, err := r.s.blobs.Get(r.ctx, r.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

func isMedia(contentType string) bool {
	return strings.HasPrefix(contentType, "video/") || strings.HasPrefix(contentType, "audio/")
}

// readDuration reads an audio or video file's length in seconds; 0 when
// it cannot be read, or is longer than any progress report may reach.
func (s *Service) readDuration(ctx context.Context, a Asset) float64 {
	if !isMedia(a.ContentType) {
		return 0
	}
	d, ok := mediadur.Duration(blobReader{ctx: ctx, s: s, key: a.Key}, a.Size)
	if !ok || d > maxMediaSeconds {
		return 0
	}
	return d
}

// errKept stops an update that finds nothing to change.
var errKept = errors.New("kept")

// mediaDuration is the asset's length as the server read it, 0 when
// unknown. A file stored before the server could read its format is read
// now, once, and what was found (even nothing) is kept with the version
// of the reader, so progress reports do not read it again.
func (s *Service) mediaDuration(ctx context.Context, a Asset) float64 {
	if a.Duration > 0 || !isMedia(a.ContentType) || a.Probed >= mediadur.Version {
		return a.Duration
	}
	d := s.readDuration(ctx, a)
	// On an error nothing is kept and the next caller reads the file again.
	_, _ = docs.Update(ctx, s.docs.C(collAssets), a.ID, func(x *Asset) error {
		if x.Duration > 0 || x.Probed >= mediadur.Version {
			d = x.Duration
			return errKept
		}
		x.Duration, x.Probed = d, mediadur.Version
		return nil
	})
	return d
}

// videoSeconds is the length a video lesson's watching is measured
// against: its file's, as the server read it, or else the minutes the
// trainer set. Never the player's, which a client may make up. 0 when
// neither is known: then the lesson cannot be completed by watching, and
// its course is not published.
func (s *Service) videoSeconds(ctx context.Context, l Lesson) float64 {
	if l.AssetID != "" {
		if a, err := s.Asset(ctx, l.AssetID); err == nil {
			if d := s.mediaDuration(ctx, a); d > 0 {
				return d
			}
		}
	}
	return float64(l.Minutes) * 60
}
