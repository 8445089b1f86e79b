package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/subtitle"
)

// Caption is a text track of a video lesson (WCAG 1.2.2): a WebVTT or SRT
// asset of the course, in one language.
type Caption struct {
	AssetID string `bson:"asset_id" json:"asset_id"`
	Lang    string `bson:"lang" json:"lang"`   // BCP 47: "id", "en", "jv"
	Label   string `bson:"label" json:"label"` // what the player's menu shows
}

// maxCaptions bounds the tracks of one lesson.
const maxCaptions = 8

var langTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

var langLabels = map[string]string{"id": "Bahasa Indonesia", "en": "English", "jv": "Basa Jawa", "su": "Basa Sunda"}

// checkCaptions validates a lesson's caption list: each a readable caption
// asset of the course, one per language. A message is a field error.
func (s *Service) checkCaptions(ctx context.Context, c *Course, in []Caption) ([]Caption, *Msg, error) {
	if len(in) > maxCaptions {
		m := msg("caption.too_many", maxCaptions)
		return nil, &m, nil
	}
	nth := func(n int, m Msg) *Msg { m = msg("caption.nth", n, m); return &m }
	out := make([]Caption, 0, len(in))
	seen := map[string]bool{}
	for i, cp := range in {
		n := i + 1
		cp.AssetID, cp.Lang, cp.Label = strings.TrimSpace(cp.AssetID), strings.TrimSpace(cp.Lang), strings.TrimSpace(cp.Label)
		if !langTag.MatchString(cp.Lang) {
			return nil, nth(n, msg("caption.lang")), nil
		}
		if seen[cp.Lang] {
			return nil, nth(n, msg("caption.lang_twice", cp.Lang)), nil
		}
		seen[cp.Lang] = true
		if cp.Label == "" {
			cp.Label = langLabels[cp.Lang]
			if cp.Label == "" {
				cp.Label = strings.ToUpper(cp.Lang)
			}
		}
		if utf8.RuneCountInString(cp.Label) > 40 {
			return nil, nth(n, msg("caption.label", 40)), nil
		}
		a, err := s.Asset(ctx, cp.AssetID)
		if errors.Is(err, ErrNotFound) || (err == nil && a.Course != c.ID) {
			return nil, nth(n, msg("file.not_in_course")), nil
		}
		if err != nil {
			return nil, nil, err
		}
		if !IsCaption(a.ContentType) {
			return nil, nth(n, msg("caption.type")), nil
		}
		if _, err := s.captionCues(ctx, a); err != nil {
			var bad *captionError
			if errors.As(err, &bad) {
				return nil, nth(n, bad.msg), nil
			}
			return nil, nil, err
		}
		out = append(out, cp)
	}
	return out, nil, nil
}

// captionError is a caption file that cannot be read as captions.
type captionError struct {
	msg Msg
	err error
}

func (e *captionError) Error() string { return "caption: " + e.msg.String() + ": " + e.err.Error() }
func (e *captionError) Unwrap() error { return e.err }

// CaptionVTT reads a caption asset as WebVTT, converting SRT. Caption files
// are small (subtitle.MaxSize), so the whole file is read.
func (s *Service) CaptionVTT(ctx context.Context, a Asset) ([]byte, error) {
	cues, err := s.captionCues(ctx, a)
	var bad *captionError
	if errors.As(err, &bad) {
		return nil, invalid("file", bad.msg)
	}
	if err != nil {
		return nil, err
	}
	return subtitle.WriteVTT(cues), nil
}

func (s *Service) captionCues(ctx context.Context, a Asset) ([]subtitle.Cue, error) {
	if a.Size > subtitle.MaxSize {
		return nil, &captionError{msg: msg("caption.too_big", subtitle.MaxSize>>10), err: subtitle.ErrTooBig}
	}
	rc, err := s.blobs.Get(ctx, a.Key, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("caption %s: %w", a.ID, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, subtitle.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("caption %s: %w", a.ID, err)
	}
	cues, err := subtitle.Parse(b)
	if err != nil {
		return nil, &captionError{msg: msg("caption.unreadable"), err: err}
	}
	return cues, nil
}

// captionText is the words of a lesson's caption tracks, for search. A
// track that went missing or cannot be read adds nothing.
func (s *Service) captionText(ctx context.Context, l Lesson) (string, error) {
	var parts []string
	for _, cp := range l.Captions {
		a, err := s.Asset(ctx, cp.AssetID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		cues, err := s.captionCues(ctx, a)
		var bad *captionError
		if errors.As(err, &bad) {
			continue
		}
		if err != nil {
			return "", err
		}
		parts = append(parts, subtitle.Text(cues))
	}
	return strings.Join(parts, "\n"), nil
}
