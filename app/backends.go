package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/pdftext"
	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/bleve"
	"github.com/kotalama/kompeten/search/meili"
	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/blobs/fs"
	"github.com/kotalama/kompeten/storage/blobs/s3"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/mongo"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// Stores are the three backends. This file is the one place that chooses
// them.
type Stores struct {
	Docs   docs.Store
	Blobs  blobs.Store
	Search search.Index
}

// Close closes every open store.
func (s Stores) Close() error {
	var errs []error
	if s.Search != nil {
		errs = append(errs, s.Search.Close())
	}
	if s.Blobs != nil {
		errs = append(errs, s.Blobs.Close())
	}
	if s.Docs != nil {
		errs = append(errs, s.Docs.Close())
	}
	return errors.Join(errs...)
}

// OpenDocs opens only the document store, as the CLI does beside a running
// server (which holds the search index's lock).
func OpenDocs(ctx context.Context, cfg Config) (docs.Store, error) {
	t, err := ParseDocsURL(cfg.Docs)
	if err != nil {
		return nil, err
	}
	switch t.Kind {
	case "mongo":
		return mongo.Open(ctx, t.URI, content.Schemas())
	default:
		if err := os.MkdirAll(filepath.Dir(t.Path), 0o750); err != nil {
			return nil, fmt.Errorf("KOMPETEN_DOCS: %w", err)
		}
		return sqlite.Open(ctx, t.Path, content.Schemas())
	}
}

// OpenBlobs opens only the object store (for the demo loader, which runs
// beside a server that holds the search index).
func OpenBlobs(ctx context.Context, cfg Config) (blobs.Store, error) {
	bt, err := ParseBlobsURL(cfg.Blobs)
	if err != nil {
		return nil, err
	}
	var b blobs.Store
	switch bt.Kind {
	case "s3":
		b, err = s3.Open(ctx, s3.Config{Endpoint: bt.Endpoint, AccessKey: bt.Access, SecretKey: bt.Secret,
			Bucket: bt.Bucket, Region: bt.Region, Secure: bt.Secure})
	default:
		if err = os.MkdirAll(bt.Path, 0o750); err == nil {
			b, err = fs.Open(bt.Path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("object store: %w", err)
	}
	return b, nil
}

// OpenStores opens all three backends the configuration names.
func OpenStores(ctx context.Context, cfg Config) (s Stores, err error) {
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if s.Docs, err = OpenDocs(ctx, cfg); err != nil {
		return s, fmt.Errorf("document store: %w", err)
	}
	if s.Blobs, err = OpenBlobs(ctx, cfg); err != nil {
		return s, err
	}
	st, err := ParseSearchURL(cfg.Search)
	if err != nil {
		return s, err
	}
	// Each backend's Open returns a typed nil on failure: it must not
	// reach s.Search, whose Close the deferred clean-up would call.
	var idx search.Index
	switch st.Kind {
	case "meili":
		var m *meili.Index
		if m, err = meili.Open(ctx, meili.Config{URL: st.URL, Key: st.Key, SearchKey: st.SearchKey}); err == nil {
			idx = m
		}
	default:
		var b *bleve.Index
		if b, err = bleve.Open(st.Path); err == nil {
			idx = b
		}
	}
	if err != nil {
		return s, fmt.Errorf("search index: %w", err)
	}
	s.Search = idx
	return s, nil
}

// ContentOptions are the domain's settings for cfg. PDF text is read in a
// child process of this binary, so a hostile file costs that child its
// time and memory limits, never the server.
func ContentOptions(cfg Config) content.Options {
	return content.Options{UploadMax: cfg.UploadMax, ReadingWPM: cfg.ReadingWPM, PDFText: pdftext.Runner{}.Text, Mail: cfg.SMTP != "",
		MentoringMinutesPerJP: cfg.MentoringMinutesPerJP, L3Weeks: cfg.L3Weeks}
}
