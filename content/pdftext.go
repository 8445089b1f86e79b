package content

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kotalama/kompeten/internal/pdftext"
	"github.com/kotalama/kompeten/storage/docs"
)

// maxPDFForText bounds the PDFs whose text is extracted for search;
// larger ones are searched by title only.
const maxPDFForText = 32 << 20

// assetText is what was read from an asset for search, kept beside it so
// each file is read once. Err records why a file could not be read whole;
// such a file is never tried again, so one bad file cannot hold up the
// search outbox on every round and every restart.
type assetText struct {
	Text string `bson:"text"`
	Err  string `bson:"err,omitempty"`
}

// PDFText returns the text of a PDF asset for the search index, extracting
// it once (through Options.PDFText) and keeping it beside the asset.
func (s *Service) PDFText(ctx context.Context, a Asset) (string, error) {
	if a.ContentType != "application/pdf" || s.blobs == nil {
		return "", nil
	}
	c := s.docs.C(collAssetText)
	var t assetText
	_, err := c.Get(ctx, a.ID, &t)
	if err == nil {
		return t.Text, nil
	}
	if !errors.Is(err, docs.ErrNotFound) {
		return "", mapErr(err, "asset text")
	}
	if a.Size <= maxPDFForText {
		rc, err := s.blobs.Get(ctx, a.Key, 0, -1)
		if err != nil {
			return "", fmt.Errorf("read pdf %s: %w", a.ID, err)
		}
		text, err := s.pdfText(ctx, io.LimitReader(rc, maxPDFForText))
		rc.Close()
		switch {
		case err == nil:
		case errors.Is(err, pdftext.ErrUnreadable) && ctx.Err() == nil:
			t.Err = truncate(err.Error(), 500)
		default:
			// Not the file's fault (shutdown, storage, no child process):
			// the outbox tries again later.
			return "", fmt.Errorf("pdf text %s: %w", a.ID, err)
		}
		t.Text = text
	}
	if err := c.Insert(ctx, a.ID, &t); err != nil && !errors.Is(err, docs.ErrDuplicate) {
		return "", mapErr(err, "asset text")
	}
	return t.Text, nil
}

// pdfText runs the configured extractor. Without one (tests, tools) it
// extracts in process: bounded in output, pages and work, but not in time
// or memory the way the app's child process is.
func (s *Service) pdfText(ctx context.Context, r io.Reader) (string, error) {
	if s.opts.PDFText != nil {
		return s.opts.PDFText(ctx, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	return pdftext.Extract(b, pdftext.Limits{})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
