// Package blobs is the object store: immutable byte streams under keys the
// server chooses, with ranged reads and multipart uploads.
//
// Two backends implement it (fs and s3) and both must pass the blobstest
// conformance suite.
package blobs

import (
	"context"
	"errors"
	"io"
	"time"
)

var (
	// ErrNotFound means no object (or upload) exists under that key.
	ErrNotFound = errors.New("blobs: not found")
	// ErrInvalidKey means the key is empty, absolute, or escapes the store
	// (such as "../x").
	ErrInvalidKey = errors.New("blobs: invalid key")
	// ErrInvalidRange means the requested range starts past the end.
	ErrInvalidRange = errors.New("blobs: invalid range")
	// ErrInvalidPart means a part number or part list is not acceptable.
	ErrInvalidPart = errors.New("blobs: invalid part")
	// ErrSizeMismatch means a stream ended before (or ran past) its declared size.
	ErrSizeMismatch = errors.New("blobs: size mismatch")
	// ErrNotSupported means the backend cannot do this (presigned URLs on fs).
	ErrNotSupported = errors.New("blobs: not supported")
)

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ModTime     time.Time
	ETag        string
	ContentType string
}

// Part is one received part of a multipart upload.
type Part struct {
	N    int // 1-based
	Size int64
	ETag string
}

// ServeAs is how the response to a presigned URL presents the object. A
// field that is set replaces what the store would send: objects are
// stored before their type is known, and a URL decides between showing
// and saving.
type ServeAs struct {
	ContentType string
	// Disposition is a whole Content-Disposition value.
	Disposition  string
	CacheControl string
}

// Store holds objects.
type Store interface {
	// Put stores exactly size bytes read from r under key, atomically: a
	// reader never sees a partial object.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Info, error)
	// Get reads length bytes from offset; length < 0 means to the end.
	// An offset at or past the end is ErrInvalidRange (except 0 on an empty
	// object); a length running past the end is cut at the end.
	Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting a missing object succeeds, so a
	// retried delete is harmless.
	Delete(ctx context.Context, key string) error
	// List calls fn with every object whose key sorts after after
	// (bytewise; "" lists all), in that order, so a copy interrupted at a
	// key can resume after it. It stops at fn's first error and returns
	// it. Info has Key, Size and ModTime; ETag and ContentType may be
	// empty (Stat has them). Uploads in progress are not objects.
	List(ctx context.Context, after string, fn func(Info) error) error

	// CreateMultipart starts a multipart upload to key and returns its id.
	CreateMultipart(ctx context.Context, key, contentType string) (string, error)
	// PutPart stores part n (1..10000) of exactly size bytes. Putting the
	// same part again replaces it.
	PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (Part, error)
	// ListParts returns the parts received so far, by number.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)
	// CompleteMultipart joins the given parts, in order, into the object.
	// As on S3, part numbers must ascend, ETags must match, and every part
	// but the last must be at least MinPartSize (else ErrInvalidPart).
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (Info, error)
	// AbortMultipart discards the upload and its parts. Aborting an upload
	// that is already gone succeeds.
	AbortMultipart(ctx context.Context, key, uploadID string) error

	// PresignGet returns a short-lived URL to read the object directly,
	// answered as as says, or ErrNotSupported.
	PresignGet(ctx context.Context, key string, ttl time.Duration, as ServeAs) (string, error)

	Ping(ctx context.Context) error
	Close() error
}
