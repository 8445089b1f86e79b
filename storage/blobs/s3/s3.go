// Package s3 stores objects in an S3 bucket (MinIO at scale) through
// minio-go v7.
//
// Errors from the server are translated at the edge (convertErr), so
// callers test for blobs.ErrNotFound and friends, never for S3 codes.
// ETags are the server's: hex MD5 for single-request objects and parts,
// "<md5 of md5s>-<n>" for objects assembled from n parts.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kotalama/kompeten/storage/blobs"
)

// Config locates a bucket. Endpoint is host:port; a URL with an http or
// https scheme is accepted too and sets Secure from the scheme.
type Config struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	Secure    bool
}

const (
	// A single PUT streams the body straight through; above S3's 5 GiB
	// limit for one request minio-go must split it, buffering one part.
	maxSinglePut = 5 << 30
	bigPartSize  = 64 << 20

	defaultContentType = "application/octet-stream"

	maxPresignTTL = 7 * 24 * time.Hour
)

// Store keeps objects in one bucket.
type Store struct {
	core   *minio.Core
	bucket string
}

var _ blobs.Store = (*Store)(nil)

// ParseURL reads the KOMPETEN_BLOBS form of a configuration:
// s3://KEY:SECRET@host:port/bucket?secure=false&region=r. Secure is the
// default, so plain HTTP has to be asked for.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("s3: url: %w", err)
	}
	if u.Scheme != "s3" || u.Host == "" {
		return Config{}, fmt.Errorf("s3: url %s: want s3://KEY:SECRET@host:port/bucket", u.Redacted())
	}
	q := u.Query()
	cfg := Config{
		Endpoint:  u.Host,
		AccessKey: u.User.Username(),
		Bucket:    strings.Trim(u.Path, "/"),
		Region:    q.Get("region"),
		Secure:    true,
	}
	cfg.SecretKey, _ = u.User.Password()
	if v := q.Get("secure"); v != "" {
		if cfg.Secure, err = strconv.ParseBool(v); err != nil {
			return Config{}, fmt.Errorf("s3: url %s: secure=%q: %w", u.Redacted(), v, err)
		}
	}
	return cfg, nil
}

// Open connects to the server and creates the bucket if it is missing.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	endpoint, secure := cfg.Endpoint, cfg.Secure
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, fmt.Errorf("s3: endpoint: %w", err)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	if endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("s3: endpoint and bucket are required")
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	s := &Store{core: &minio.Core{Client: client}, bucket: cfg.Bucket}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3: bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		// Another instance starting at the same moment may have won.
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return nil, fmt.Errorf("s3: create bucket %s: %w", cfg.Bucket, err)
		}
	}
	return s, nil
}

// convertErr maps the S3 error codes callers can act on to the blobs
// errors, keeping the original in the chain and the message.
func convertErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var kind error
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.Code {
		case "NoSuchKey", "NoSuchUpload", "NotFound":
			kind = blobs.ErrNotFound
		case "InvalidRange":
			kind = blobs.ErrInvalidRange
		case "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML":
			kind = blobs.ErrInvalidPart
		case "XMinioInvalidObjectName", "KeyTooLongError":
			kind = blobs.ErrInvalidKey
		}
	}
	if kind == nil {
		return fmt.Errorf("s3: %s %q: %w", op, key, err)
	}
	return fmt.Errorf("s3: %s %q: %w (%w)", op, key, kind, err)
}

// Put streams exactly size bytes to the bucket. The stream goes through a
// blobs.ExactReader, so a short or long stream fails the request itself
// and no object is created.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (blobs.Info, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Info{}, fmt.Errorf("s3: put: %w", err)
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	er := blobs.NewExactReader(r, size)
	if size <= 0 {
		// Nothing may read an empty body, so check the stream up front.
		if err := er.Finish(); err != nil {
			return blobs.Info{}, fmt.Errorf("s3: put %q: %w", key, err)
		}
	}
	opts := minio.PutObjectOptions{ContentType: contentType}
	var ui minio.UploadInfo
	var err error
	if size <= maxSinglePut {
		ui, err = s.core.PutObject(ctx, s.bucket, key, er, size, "", "", opts)
	} else {
		opts.PartSize, opts.NumThreads = bigPartSize, 1
		ui, err = s.core.Client.PutObject(ctx, s.bucket, key, er, size, opts)
	}
	if ferr := er.Finish(); ferr != nil {
		if err == nil {
			// Unreachable unless minio-go stops reading mid-stream and
			// still succeeds; never leave a wrong object behind.
			s.core.Client.RemoveObject(context.WithoutCancel(ctx), s.bucket, key, minio.RemoveObjectOptions{})
		}
		return blobs.Info{}, fmt.Errorf("s3: put %q: %w", key, ferr)
	}
	if err != nil {
		return blobs.Info{}, convertErr("put", key, err)
	}
	mod := ui.LastModified
	if mod.IsZero() {
		// A PUT response carries no Last-Modified; the server's clock is
		// within a request of ours.
		mod = time.Now().UTC()
	}
	return blobs.Info{Key: key, Size: size, ModTime: mod, ETag: trimETag(ui.ETag), ContentType: contentType}, nil
}

func (s *Store) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := blobs.ValidKey(key); err != nil {
		return nil, fmt.Errorf("s3: get: %w", err)
	}
	if offset < 0 {
		return nil, fmt.Errorf("s3: get %q: %w: offset %d", key, blobs.ErrInvalidRange, offset)
	}
	if length == 0 {
		// No HTTP range is empty; validate the offset and read nothing.
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if _, err := blobs.Span(info.Size, offset, 0); err != nil {
			return nil, fmt.Errorf("s3: get %q: %w", key, err)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	var opts minio.GetObjectOptions
	switch {
	case length > 0:
		opts.SetRange(offset, offset+length-1)
	case offset > 0:
		opts.SetRange(offset, 0)
	}
	body, _, _, err := s.core.GetObject(ctx, s.bucket, key, opts)
	if err != nil && offset == 0 && length > 0 && errors.Is(convertErr("", "", err), blobs.ErrInvalidRange) {
		// bytes=0-N on an empty object is unsatisfiable in HTTP, but the
		// interface promises offset 0 always works: read it whole.
		body, _, _, err = s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
		if err == nil {
			body = limitedBody{io.LimitReader(body, length), body}
		}
	}
	if err != nil {
		return nil, convertErr("get", key, err)
	}
	return body, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}

func (s *Store) Stat(ctx context.Context, key string) (blobs.Info, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Info{}, fmt.Errorf("s3: stat: %w", err)
	}
	oi, err := s.core.Client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return blobs.Info{}, convertErr("stat", key, err)
	}
	return blobs.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified, ETag: trimETag(oi.ETag), ContentType: oi.ContentType}, nil
}

// Delete removes the object; a missing object is not an error on S3, and
// the fs backend follows.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blobs.ValidKey(key); err != nil {
		return fmt.Errorf("s3: delete: %w", err)
	}
	return convertErr("delete", key, s.core.Client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
}

// List pages through ListObjectsV2 from StartAfter; S3 lists keys in
// bytewise order, as the interface promises.
func (s *Store) List(ctx context.Context, after string, fn func(blobs.Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	// Stopping early must end minio-go's listing goroutine too.
	defer cancel()
	for oi := range s.core.Client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true, StartAfter: after}) {
		if oi.Err != nil {
			return convertErr("list", after, oi.Err)
		}
		if err := fn(blobs.Info{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified, ETag: trimETag(oi.ETag), ContentType: oi.ContentType}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *Store) CreateMultipart(ctx context.Context, key, contentType string) (string, error) {
	if err := blobs.ValidKey(key); err != nil {
		return "", fmt.Errorf("s3: create multipart: %w", err)
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return "", convertErr("create multipart", key, err)
	}
	return id, nil
}

func (s *Store) PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (blobs.Part, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Part{}, fmt.Errorf("s3: put part: %w", err)
	}
	if err := blobs.ValidPartN(n); err != nil {
		return blobs.Part{}, fmt.Errorf("s3: put part %q: %w", key, err)
	}
	if size > blobs.MaxPartSize {
		return blobs.Part{}, fmt.Errorf("s3: put part %q: %w: size %d over %d", key, blobs.ErrInvalidPart, size, int64(blobs.MaxPartSize))
	}
	if uploadID == "" {
		return blobs.Part{}, fmt.Errorf("s3: put part %q: %w: empty upload id", key, blobs.ErrNotFound)
	}
	er := blobs.NewExactReader(r, size)
	if size <= 0 {
		if err := er.Finish(); err != nil {
			return blobs.Part{}, fmt.Errorf("s3: put part %q %d: %w", key, n, err)
		}
	}
	// Headers are signed, the payload is not (UNSIGNED-PAYLOAD, what
	// minio-go sends over TLS anyway): over plain HTTP it would otherwise
	// sign every 64 KiB chunk, a second SHA-256 pass over bytes the upload
	// already hashes, and a 1 GiB upload ran at 0.7 of MinIO's speed.
	op, err := s.core.PutObjectPart(ctx, s.bucket, key, uploadID, n, er, size, minio.PutObjectPartOptions{DisableContentSha256: true})
	if ferr := er.Finish(); ferr != nil {
		// A failed part upload leaves the previous part n, if any, in
		// place; S3 replaces parts only on success.
		return blobs.Part{}, fmt.Errorf("s3: put part %q %d: %w", key, n, ferr)
	}
	if err != nil {
		return blobs.Part{}, convertErr("put part", key, err)
	}
	return blobs.Part{N: n, Size: size, ETag: trimETag(op.ETag)}, nil
}

func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]blobs.Part, error) {
	if err := blobs.ValidKey(key); err != nil {
		return nil, fmt.Errorf("s3: list parts: %w", err)
	}
	if uploadID == "" {
		return nil, fmt.Errorf("s3: list parts %q: %w: empty upload id", key, blobs.ErrNotFound)
	}
	var parts []blobs.Part
	marker := 0
	for {
		res, err := s.core.ListObjectParts(ctx, s.bucket, key, uploadID, marker, 1000)
		if err != nil {
			return nil, convertErr("list parts", key, err)
		}
		for _, p := range res.ObjectParts {
			parts = append(parts, blobs.Part{N: p.PartNumber, Size: p.Size, ETag: trimETag(p.ETag)})
		}
		if !res.IsTruncated || res.NextPartNumberMarker <= marker {
			break
		}
		marker = res.NextPartNumberMarker
	}
	return parts, nil
}

func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []blobs.Part) (blobs.Info, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Info{}, fmt.Errorf("s3: complete: %w", err)
	}
	if uploadID == "" {
		return blobs.Info{}, fmt.Errorf("s3: complete %q: %w: empty upload id", key, blobs.ErrNotFound)
	}
	if err := blobs.CheckPartList(parts); err != nil {
		return blobs.Info{}, fmt.Errorf("s3: complete %q: %w", key, err)
	}
	cps := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cps[i] = minio.CompletePart{PartNumber: p.N, ETag: p.ETag}
	}
	if _, err := s.core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, cps, minio.PutObjectOptions{}); err != nil {
		return blobs.Info{}, convertErr("complete", key, err)
	}
	// The completion response has neither size nor content type.
	return s.Stat(ctx, key)
}

// AbortMultipart discards an upload. Aborting one that is gone succeeds:
// MinIO already behaves so, and AWS's NoSuchUpload is swallowed to match.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	if err := blobs.ValidKey(key); err != nil {
		return fmt.Errorf("s3: abort: %w", err)
	}
	if uploadID == "" {
		return nil
	}
	err := convertErr("abort", key, s.core.AbortMultipartUpload(ctx, s.bucket, key, uploadID))
	if errors.Is(err, blobs.ErrNotFound) {
		return nil
	}
	return err
}

// PresignGet signs a GET for ttl (capped at S3's 7 days). The response
// headers as sets are signed into the URL as S3's response-* overrides.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, as blobs.ServeAs) (string, error) {
	if err := blobs.ValidKey(key); err != nil {
		return "", fmt.Errorf("s3: presign: %w", err)
	}
	if ttl <= 0 {
		return "", fmt.Errorf("s3: presign %q: ttl %v not positive", key, ttl)
	}
	ttl = min(ttl, maxPresignTTL)
	params := url.Values{}
	if as.ContentType != "" {
		params.Set("response-content-type", as.ContentType)
	}
	if as.Disposition != "" {
		params.Set("response-content-disposition", as.Disposition)
	}
	if as.CacheControl != "" {
		params.Set("response-cache-control", as.CacheControl)
	}
	u, err := s.core.Client.PresignedGetObject(ctx, s.bucket, key, ttl, params)
	if err != nil {
		return "", convertErr("presign", key, err)
	}
	return u.String(), nil
}

func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.core.Client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3: ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("s3: ping: bucket %s is gone", s.bucket)
	}
	return nil
}

// Close releases nothing: minio-go holds only pooled connections.
func (s *Store) Close() error { return nil }

func trimETag(etag string) string { return strings.Trim(etag, `"`) }
