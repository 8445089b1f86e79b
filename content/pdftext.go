package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ledongthuc/pdf"

	"github.com/kotalama/kompeten/storage/docs"
)

const (
	// maxPDFForText bounds the PDFs whose text is extracted for search;
	// larger ones are searched by title only.
	maxPDFForText = 32 << 20
	maxPDFText    = 200_000
)

type assetText struct {
	Text string `bson:"text"`
}

// PDFText returns the text of a PDF asset for the search index, extracting
// it once and keeping it beside the asset. Text that cannot be extracted
// (scans, odd encodings, damaged files) is simply empty.
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
		b, err := io.ReadAll(io.LimitReader(rc, maxPDFForText))
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("read pdf %s: %w", a.ID, err)
		}
		t.Text = extractPDFText(b)
	}
	if err := c.Insert(ctx, a.ID, &t); err != nil && !errors.Is(err, docs.ErrDuplicate) {
		return "", mapErr(err, "asset text")
	}
	return t.Text, nil
}

// extractPDFText reads the plain text of every page. The PDF reader
// panics on some damaged files; those give what was read so far.
func extractPDFText(b []byte) (text string) {
	var sb strings.Builder
	defer func() {
		if recover() != nil {
			text = strings.Join(strings.Fields(sb.String()), " ")
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return ""
	}
	for i := 1; i <= r.NumPage() && sb.Len() < maxPDFText; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		t, err := p.GetPlainText(nil)
		if err != nil {
			continue
		}
		sb.WriteString(t)
		sb.WriteByte(' ')
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}
