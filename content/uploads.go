package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/mediadur"
	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/docs"
)

// Part sizes: every part but the last is PartSize bytes. S3 needs at least
// 5 MiB per part; 8 MiB keeps a lost part cheap to resend on a phone, and
// parts grow to 16 MiB only when a file would otherwise need more than
// 10,000 of them.
const (
	PartSize    = 8 << 20
	MaxPartSize = 16 << 20
	maxParts    = 10_000
	// UploadTTL is how long an unfinished upload is kept.
	UploadTTL = 48 * time.Hour
)

// Asset is an uploaded file, stored in the object store under a key the
// server chose.
type Asset struct {
	ID          string    `bson:"id" json:"id"`
	Key         string    `bson:"key" json:"-"`
	ContentType string    `bson:"content_type" json:"content_type"`
	Size        int64     `bson:"size" json:"size"`
	SHA256      string    `bson:"sha256" json:"sha256"`
	Name        string    `bson:"name" json:"name"`
	Course      string    `bson:"course" json:"course_id"`
	Event       string    `bson:"event,omitempty" json:"event_id,omitempty"` // an event's material: set instead of Course
	Uploader    string    `bson:"uploader" json:"-"`
	Created     time.Time `bson:"created" json:"created_at"`
	// Duration of audio or video in seconds, where it could be read.
	Duration float64   `bson:"duration,omitempty" json:"duration,omitempty"`
	ModTime  time.Time `bson:"mod_time" json:"-"`
	ETag     string    `bson:"etag" json:"-"`
	// Probed is the mediadur.Version that read Duration (0: never read).
	Probed int `bson:"probed,omitempty" json:"-"`
}

// Upload is the state of a resumable upload. Parts stream straight into
// the object store's multipart upload; this document records which arrived.
type Upload struct {
	ID          string         `bson:"id" json:"id"`
	Owner       string         `bson:"owner" json:"-"`
	Course      string         `bson:"course" json:"course_id"`
	Event       string         `bson:"event,omitempty" json:"event_id,omitempty"`
	Filename    string         `bson:"filename" json:"filename"`
	Size        int64          `bson:"size" json:"size"`
	PartSize    int64          `bson:"part_size" json:"part_size"`
	Parts       int            `bson:"parts" json:"parts"`
	Key         string         `bson:"key" json:"-"`
	BackendID   string         `bson:"backend_id" json:"-"`
	ContentType string         `bson:"content_type,omitempty" json:"content_type,omitempty"`
	Received    []ReceivedPart `bson:"received" json:"-"`
	// The SHA-256 runs along the parts in order: HashState is the
	// marshalled hash after HashedParts parts, advanced by a versioned
	// write by whichever instance receives the next part. Parts that
	// arrive ahead of the chain are hashed at completion by reading them
	// back, so no instance holds a part after its request ends, and parts
	// and completion may each reach any instance.
	HashState   []byte    `bson:"hash_state,omitempty" json:"-"`
	HashedParts int       `bson:"hashed_parts" json:"-"`
	Created     time.Time `bson:"created" json:"created_at"`
	Expires     time.Time `bson:"expires" json:"expires_at"`
}

// ReceivedPart is one stored part.
type ReceivedPart struct {
	N    int    `bson:"n" json:"n"`
	Size int64  `bson:"size" json:"size"`
	ETag string `bson:"etag" json:"etag"`
}

// ReceivedNumbers lists the part numbers stored so far, ascending.
func (up *Upload) ReceivedNumbers() []int {
	ns := make([]int, 0, len(up.Received))
	for _, p := range up.Received {
		ns = append(ns, p.N)
	}
	slices.Sort(ns)
	return ns
}

// PartLen is the exact size part n must have.
func (up *Upload) PartLen(n int) int64 {
	if n == up.Parts {
		return up.Size - int64(up.Parts-1)*up.PartSize
	}
	return up.PartSize
}

// NewUpload is the start of an upload.
type NewUpload struct {
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"` // the client's guess; the server sniffs
	CourseID    string `json:"course_id"`
	// EventID instead of CourseID uploads a material of an event.
	EventID string `json:"event_id"`
}

// cleanFilename keeps a display name only: no directories, no control
// characters. Object keys never come from it.
func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// CreateUpload starts a resumable upload for a course the user owns.
func (s *Service) CreateUpload(ctx context.Context, u User, in NewUpload) (Upload, error) {
	f := fieldErrors{}
	name := cleanFilename(in.Filename)
	if name == "" {
		f["filename"] = msg("required")
	}
	if in.Size <= 0 {
		f["size"] = msg("upload.empty")
	} else if in.Size > s.opts.UploadMax {
		f["size"] = msg("upload.too_big", s.opts.UploadMax>>20)
	}
	if in.CourseID == "" && in.EventID == "" {
		f["course_id"] = msg("required")
	}
	if err := f.err(); err != nil {
		return Upload{}, err
	}
	var owner, keyDir string
	if in.CourseID == "" {
		ev, err := s.eventForMaterial(ctx, u, in.EventID)
		if err != nil {
			return Upload{}, err
		}
		keyDir = "event-" + ev.ID
	} else {
		c, err := s.ViewCourse(ctx, u, in.CourseID)
		if errors.Is(err, ErrNotFound) {
			return Upload{}, invalid("course_id", msg("course.not_found"))
		}
		if err != nil {
			return Upload{}, err
		}
		if !c.OwnedBy(u) {
			return Upload{}, ErrForbidden
		}
		owner, keyDir = c.ID, c.ID
	}
	partSize := int64(PartSize)
	for (in.Size+partSize-1)/partSize > maxParts && partSize < MaxPartSize {
		partSize *= 2
	}
	parts := int((in.Size + partSize - 1) / partSize)
	if parts > maxParts {
		return Upload{}, invalid("size", msg("upload.too_big", s.opts.UploadMax>>20))
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	id := "a" + newID(15)
	up := Upload{ID: id, Owner: u.NIP, Course: owner, Filename: name, Size: in.Size, PartSize: partSize, Parts: parts,
		Key: "assets/" + keyDir + "/" + id, Received: []ReceivedPart{}, Created: now, Expires: now.Add(UploadTTL)}
	if owner == "" {
		up.Event = in.EventID
	}
	var err error
	up.BackendID, err = s.blobs.CreateMultipart(ctx, up.Key, "application/octet-stream")
	if err != nil {
		return Upload{}, fmt.Errorf("create multipart: %w", err)
	}
	if err := s.docs.C(collUploads).Insert(ctx, up.ID, &up); err != nil {
		_ = s.blobs.AbortMultipart(ctx, up.Key, up.BackendID)
		return Upload{}, mapErr(err, "upload")
	}
	return up, nil
}

// GetUpload returns an upload of the user's, to resume it.
func (s *Service) GetUpload(ctx context.Context, u User, id string) (Upload, error) {
	var up Upload
	if _, err := s.docs.C(collUploads).Get(ctx, id, &up); err != nil {
		return Upload{}, mapErr(err, "upload "+id)
	}
	if up.Owner != u.NIP && !slices.Contains(u.Roles, RoleAdmin) {
		return Upload{}, fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	if s.now().After(up.Expires) {
		return Upload{}, fmt.Errorf("upload %s expired: %w", id, ErrNotFound)
	}
	return up, nil
}

// ErrUnsupportedType means the sniffed type of an upload is not accepted.
var ErrUnsupportedType = newError("unsupported_type", "unsupported file type")

// PutPart streams part n of an upload into the object store. length is the
// request's declared body length and must be the part's exact size. The
// part is hashed on the way through when it is next in the SHA-256 chain.
// Nothing of it stays in this instance once it returns.
func (s *Service) PutPart(ctx context.Context, u User, id string, n int, length int64, body io.Reader) (ReceivedPart, error) {
	up, err := s.GetUpload(ctx, u, id)
	if err != nil {
		return ReceivedPart{}, err
	}
	if n < 1 || n > up.Parts {
		return ReceivedPart{}, invalid("n", msg("upload.part_number", 1, up.Parts))
	}
	if want := up.PartLen(n); length != want {
		return ReceivedPart{}, invalid("size", msg("upload.part_size_got", n, want, length))
	}
	r := body
	if n == 1 {
		head := make([]byte, min(int64(sniffLen), length))
		if _, err := io.ReadFull(body, head); err != nil {
			return ReceivedPart{}, invalid("size", msg("upload.part_cut"))
		}
		ct := Sniff(head, up.Filename)
		if ct == "" {
			return ReceivedPart{}, fmt.Errorf("%s: %w", up.Filename, ErrUnsupportedType)
		}
		up.ContentType = ct
		r = io.MultiReader(bytes.NewReader(head), body)
	}
	// The part is hashed on the way through only when the chain stands
	// right before it. A part ahead of the chain is not held anywhere:
	// completion reads it back from the object store.
	var h hash.Hash
	if up.HashedParts == n-1 {
		if h, err = restoreHash(up.HashState); err == nil {
			r = io.TeeReader(r, h)
		} else {
			h = nil
		}
	}
	p, err := s.blobs.PutPart(ctx, up.Key, up.BackendID, n, r, length)
	if errors.Is(err, blobs.ErrSizeMismatch) {
		return ReceivedPart{}, invalid("size", msg("upload.part_size", n, length))
	}
	if err != nil {
		return ReceivedPart{}, fmt.Errorf("put part %d of %s: %w", n, id, err)
	}
	rp := ReceivedPart{N: n, Size: p.Size, ETag: p.ETag}
	var state []byte
	if h != nil {
		state = hashState(h)
	}
	_, err = docs.Update(ctx, s.docs.C(collUploads), id, func(d *Upload) error {
		d.Received = slices.DeleteFunc(d.Received, func(x ReceivedPart) bool { return x.N == n })
		d.Received = append(d.Received, rp)
		if n == 1 {
			d.ContentType = up.ContentType
		}
		switch {
		case state != nil && d.HashedParts == n-1:
			d.HashState, d.HashedParts = state, n
		case n <= d.HashedParts:
			// A part the chain already passed came again, and its bytes
			// may differ: the chain starts over, and completion reads
			// the whole object back.
			d.HashState, d.HashedParts = nil, 0
		}
		return nil
	})
	if err != nil {
		return ReceivedPart{}, mapErr(err, "upload "+id)
	}
	return rp, nil
}

// CompleteUpload joins the parts into the object and records the asset.
// Completing again after success returns the same asset.
func (s *Service) CompleteUpload(ctx context.Context, u User, id string) (Asset, error) {
	up, err := s.GetUpload(ctx, u, id)
	if errors.Is(err, ErrNotFound) {
		if a, aerr := s.Asset(ctx, id); aerr == nil && (a.Uploader == u.NIP || slices.Contains(u.Roles, RoleAdmin)) {
			return a, nil
		}
	}
	if err != nil {
		return Asset{}, err
	}
	got := up.ReceivedNumbers()
	if len(got) != up.Parts {
		var missing []string
		for n := 1; n <= up.Parts && len(missing) < 10; n++ {
			if !slices.Contains(got, n) {
				missing = append(missing, fmt.Sprint(n))
			}
		}
		return Asset{}, invalid("parts", msg("upload.parts_missing", strings.Join(missing, ", ")))
	}
	parts := make([]blobs.Part, 0, up.Parts)
	slices.SortFunc(up.Received, func(a, b ReceivedPart) int { return a.N - b.N })
	for _, p := range up.Received {
		parts = append(parts, blobs.Part{N: p.N, Size: p.Size, ETag: p.ETag})
	}
	info, err := s.blobs.CompleteMultipart(ctx, up.Key, up.BackendID, parts)
	if err != nil {
		return Asset{}, fmt.Errorf("complete %s: %w", id, err)
	}
	sum, err := s.finishHash(ctx, up)
	if err != nil {
		return Asset{}, err
	}
	a := Asset{ID: up.ID, Key: up.Key, ContentType: up.ContentType, Size: info.Size, SHA256: sum, Name: up.Filename,
		Course: up.Course, Event: up.Event, Uploader: up.Owner, Created: s.now().UTC().Truncate(time.Millisecond),
		ModTime: info.ModTime.UTC().Truncate(time.Second), ETag: info.ETag}
	if isMedia(a.ContentType) {
		a.Duration, a.Probed = s.readDuration(ctx, a), mediadur.Version
	}
	if err := s.docs.C(collAssets).Insert(ctx, a.ID, &a); err != nil && !errors.Is(err, docs.ErrDuplicate) {
		return Asset{}, mapErr(err, "asset")
	}
	if a.Event != "" {
		// Attached before the upload record goes, so a failure here
		// leaves the upload to complete again (and attach) on a retry.
		if err := s.attachMaterial(ctx, a); err != nil {
			return Asset{}, err
		}
	}
	if err := s.docs.C(collUploads).Delete(ctx, up.ID); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return Asset{}, mapErr(err, "upload")
	}
	return a, nil
}

// restoreHash resumes a SHA-256 from its marshalled state (empty: a new one).
func restoreHash(state []byte) (hash.Hash, error) {
	h := sha256.New()
	if len(state) > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return nil, fmt.Errorf("hash state: %w", err)
		}
	}
	return h, nil
}

// hashState marshals a running SHA-256.
func hashState(h hash.Hash) []byte {
	b, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
	return b
}

// finishHash continues the SHA-256 chain over the parts it did not see
// while streaming, reading them back from the completed object.
func (s *Service) finishHash(ctx context.Context, up Upload) (string, error) {
	h, err := restoreHash(up.HashState)
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", up.ID, err)
	}
	if off := int64(up.HashedParts) * up.PartSize; up.HashedParts < up.Parts {
		rc, err := s.blobs.Get(ctx, up.Key, off, -1)
		if err != nil {
			return "", fmt.Errorf("read back %s: %w", up.ID, err)
		}
		_, err = io.CopyBuffer(h, rc, make([]byte, 1<<20))
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("read back %s: %w", up.ID, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// AbortUpload discards an upload and its parts.
func (s *Service) AbortUpload(ctx context.Context, u User, id string) error {
	up, err := s.GetUpload(ctx, u, id)
	if err != nil {
		return err
	}
	return s.dropUpload(ctx, up)
}

func (s *Service) dropUpload(ctx context.Context, up Upload) error {
	if err := s.blobs.AbortMultipart(ctx, up.Key, up.BackendID); err != nil && !errors.Is(err, blobs.ErrNotFound) {
		return fmt.Errorf("abort %s: %w", up.ID, err)
	}
	if err := s.docs.C(collUploads).Delete(ctx, up.ID); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return mapErr(err, "upload "+up.ID)
	}
	return nil
}

// sweepUploads drops uploads past their expiry and returns how many.
func (s *Service) sweepUploads(ctx context.Context) (int, error) {
	n := 0
	for {
		ups, _, err := docs.FindAll[Upload](ctx, s.docs.C(collUploads),
			docs.Query{Range: &docs.Range{Field: "expires", Lt: s.now().UTC()}, Sort: "expires", Limit: 100})
		if err != nil {
			return n, mapErr(err, "sweep uploads")
		}
		for _, up := range ups {
			if err := s.dropUpload(ctx, up); err != nil {
				return n, err
			}
			n++
		}
		if len(ups) < 100 {
			return n, nil
		}
	}
}

// Asset loads an asset's record.
func (s *Service) Asset(ctx context.Context, id string) (Asset, error) {
	var a Asset
	_, err := s.docs.C(collAssets).Get(ctx, id, &a)
	return a, mapErr(err, "asset "+id)
}

// CourseAssets lists a course's files for its authoring page.
func (s *Service) CourseAssets(ctx context.Context, u User, courseID string) ([]Asset, error) {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return nil, err
	}
	if !c.OwnedBy(u) {
		return nil, ErrForbidden
	}
	as, _, err := docs.FindAll[Asset](ctx, s.docs.C(collAssets),
		docs.Query{Where: []docs.Eq{{Field: "course", Value: c.ID}}, Sort: "created", Desc: true, Limit: 500})
	return as, mapErr(err, "assets")
}

// MediaAccess returns the asset if u may read it: owners and admins of its
// course, and learners enrolled in it while it is published (a course's
// cover is open to anyone who may see the course).
func (s *Service) MediaAccess(ctx context.Context, u User, assetID string) (Asset, error) {
	a, err := s.Asset(ctx, assetID)
	if err != nil {
		return Asset{}, err
	}
	if a.Event != "" {
		// An event's materials are for anyone signed in, like its page.
		if u.NIP == "" {
			return Asset{}, fmt.Errorf("asset %s: %w", assetID, ErrNotFound)
		}
		return a, nil
	}
	c, err := s.Course(ctx, a.Course)
	if err != nil {
		return Asset{}, err
	}
	if c.OwnedBy(u) {
		return a, nil
	}
	if c.Status == StatusPublished {
		if c.Cover == a.ID {
			return a, nil
		}
		if _, err := s.Enrollment(ctx, u.NIP, c.ID); err == nil {
			return a, nil
		}
	}
	return Asset{}, fmt.Errorf("asset %s: %w", assetID, ErrNotFound)
}

// OpenAsset reads length bytes of an asset from offset (length < 0: to the end).
func (s *Service) OpenAsset(ctx context.Context, a Asset, offset, length int64) (io.ReadCloser, error) {
	return s.blobs.Get(ctx, a.Key, offset, length)
}

// PresignAsset returns a short-lived direct URL answered as as says, or
// blobs.ErrNotSupported.
func (s *Service) PresignAsset(ctx context.Context, a Asset, ttl time.Duration, as blobs.ServeAs) (string, error) {
	return s.blobs.PresignGet(ctx, a.Key, ttl, as)
}
