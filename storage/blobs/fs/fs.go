// Package fs stores objects as files under one directory, the embedded
// default of the blobs interface.
//
// Every path goes through an os.Root, so no key, symlink or upload id can
// reach outside the directory. Layout under the root:
//
//	<key>                     object bytes, so an operator can browse them
//	.meta/<key>               JSON sidecar: content type, ETag, size, mtime
//	.uploads/<id>/upload.json multipart upload: key and content type
//	.uploads/<id>/<n>.<etag>  received part n; its name carries its ETag
//	.tmp/                     files being written, renamed into place
//
// Keys cannot start a segment with a dot (blobs.ValidKey), so they never
// collide with the hidden directories.
//
// ETags are the hex MD5 of the content, for objects (however written) and
// for parts. The object ETag is computed while writing and kept in the
// sidecar; if the sidecar is missing or describes another version of the
// file (a crash between the two renames, or racing writers), Stat falls
// back to an ETag of size and mtime and to application/octet-stream.
//
// One limit the s3 backend does not have: a key cannot be both an object
// and a prefix of another ("a" and "a/b"), since a path is either a file
// or a directory. Put and CompleteMultipart refuse such a key with
// blobs.ErrInvalidKey.
package fs

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kotalama/kompeten/storage/blobs"
)

const (
	metaDir    = ".meta"
	uploadsDir = ".uploads"
	tmpDir     = ".tmp"
	uploadMeta = "upload.json"

	dirPerm  = 0o750
	filePerm = 0o640

	// Temp files older than this are left over from a crash.
	staleTemp = 24 * time.Hour

	defaultContentType = "application/octet-stream"
)

// Store keeps objects under one directory.
type Store struct {
	root *os.Root

	// partMu serialises the rename-and-clean-up step of PutPart, so two
	// uploads of the same part cannot delete each other's file. The fs
	// backend serves one process, so an in-process lock is enough.
	partMu sync.Mutex
}

var _ blobs.Store = (*Store)(nil)

// Open opens (creating if needed) the store rooted at dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("fs: open %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("fs: open %s: %w", dir, err)
	}
	for _, d := range []string{metaDir, uploadsDir, tmpDir} {
		if err := root.MkdirAll(d, dirPerm); err != nil {
			root.Close()
			return nil, fmt.Errorf("fs: open %s: %w", dir, err)
		}
	}
	s := &Store{root: root}
	s.removeStaleTemps()
	return s, nil
}

// removeStaleTemps deletes temp files a crash left behind. Young ones may
// belong to another process still writing, so they stay.
func (s *Store) removeStaleTemps() {
	d, err := s.root.Open(tmpDir)
	if err != nil {
		return
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			s.root.Remove(path.Join(tmpDir, e.Name()))
		}
	}
}

// objectMeta is the sidecar of an object. Size and ModTime identify the
// file version it describes.
type objectMeta struct {
	ContentType string `json:"content_type"`
	ETag        string `json:"etag"`
	Size        int64  `json:"size"`
	ModTime     int64  `json:"mtime_ns"`
}

type uploadInfo struct {
	Key         string    `json:"key"`
	ContentType string    `json:"content_type"`
	Created     time.Time `json:"created"`
}

func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (blobs.Info, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Info{}, fmt.Errorf("fs: put: %w", err)
	}
	er := blobs.NewExactReader(r, size)
	tmp, err := s.writeTemp(ctx, er, md5.New())
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: put %q: %w", key, err)
	}
	info, err := s.commit(tmp, key, contentType)
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: put %q: %w", key, err)
	}
	return info, nil
}

// tempFile is a fully written, synced file in tmpDir.
type tempFile struct {
	name string // relative to the root
	size int64
	mod  time.Time
	sum  string // hex of the hash given to writeTemp
}

// writeTemp copies r into a new synced temp file, hashing it on the way.
// The size is checked before success is declared, so a wrong stream
// leaves nothing behind.
func (s *Store) writeTemp(ctx context.Context, r *blobs.ExactReader, h hash.Hash) (tempFile, error) {
	return s.buildTemp(ctx, h, func(w io.Writer) error {
		if _, err := io.Copy(w, ctxReader{ctx, r}); err != nil {
			return err
		}
		return r.Finish()
	})
}

// buildTemp creates a temp file, lets fill write it, and syncs it. On any
// failure the temp file is removed.
func (s *Store) buildTemp(ctx context.Context, h hash.Hash, fill func(io.Writer) error) (tempFile, error) {
	name := path.Join(tmpDir, randomHex(16))
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return tempFile{}, err
	}
	fail := func(err error) (tempFile, error) {
		f.Close()
		s.root.Remove(name)
		return tempFile{}, err
	}
	if err := fill(io.MultiWriter(f, h)); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	// Sync before the rename, or a crash could publish an empty file.
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		s.root.Remove(name)
		return tempFile{}, err
	}
	return tempFile{name: name, size: fi.Size(), mod: fi.ModTime(), sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// commit renames a temp file onto key and writes its sidecar. The object
// goes first: a crash in between leaves a readable object whose stale
// sidecar Stat recognises and ignores.
func (s *Store) commit(tmp tempFile, key, contentType string) (blobs.Info, error) {
	if contentType == "" {
		contentType = defaultContentType
	}
	meta := objectMeta{ContentType: contentType, ETag: tmp.sum, Size: tmp.size, ModTime: tmp.mod.UnixNano()}
	if err := s.renameInto(tmp.name, key); err != nil {
		s.root.Remove(tmp.name)
		return blobs.Info{}, keyConflict(key, err)
	}
	mb, err := json.Marshal(meta)
	if err != nil {
		return blobs.Info{}, err
	}
	if err := s.writeFileAtomic(path.Join(metaDir, key), mb); err != nil {
		return blobs.Info{}, fmt.Errorf("write sidecar: %w", err)
	}
	return blobs.Info{Key: key, Size: tmp.size, ModTime: tmp.mod, ETag: tmp.sum, ContentType: contentType}, nil
}

// renameInto moves a file from the temp dir to dst, creating dst's
// directories. A concurrent Delete may prune a directory between the
// MkdirAll and the Rename, so that case is retried.
func (s *Store) renameInto(src, dst string) error {
	dir := path.Dir(dst)
	var err error
	for range 3 {
		if err = s.root.MkdirAll(dir, dirPerm); err != nil {
			return err
		}
		if err = s.root.Rename(src, dst); err == nil {
			s.syncDir(dir)
			return nil
		}
		if !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		if _, serr := s.root.Stat(src); serr != nil {
			return err
		}
	}
	return err
}

// writeFileAtomic replaces name with data through a synced temp file.
func (s *Store) writeFileAtomic(name string, data []byte) error {
	tmp, err := s.buildTemp(context.Background(), md5.New(), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if err := s.renameInto(tmp.name, name); err != nil {
		s.root.Remove(tmp.name)
		return err
	}
	return nil
}

// syncDir makes a rename in dir durable. Failure is ignored: the data is
// already synced and some filesystems cannot sync directories.
func (s *Store) syncDir(dir string) {
	if d, err := s.root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// keyConflict turns the errors a file/directory clash produces into
// ErrInvalidKey, since that key cannot exist in this store.
func keyConflict(key string, err error) error {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) ||
		errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
		return fmt.Errorf("%w: %q clashes with an existing object or prefix (%v)", blobs.ErrInvalidKey, key, err)
	}
	return err
}

func (s *Store) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := blobs.ValidKey(key); err != nil {
		return nil, fmt.Errorf("fs: get: %w", err)
	}
	f, fi, err := s.openObject(key)
	if err != nil {
		return nil, fmt.Errorf("fs: get %q: %w", key, err)
	}
	n, err := blobs.Span(fi.Size(), offset, length)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fs: get %q: %w", key, err)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("fs: get %q: %w", key, err)
	}
	return &limitedFile{Reader: io.LimitReader(f, n), f: f}, nil
}

type limitedFile struct {
	io.Reader
	f *os.File
}

func (l *limitedFile) Close() error { return l.f.Close() }

// openObject opens the regular file under key. Directories (prefixes of
// other keys) are not objects.
func (s *Store) openObject(key string) (*os.File, os.FileInfo, error) {
	f, err := s.root.Open(key)
	if err != nil {
		return nil, nil, notFound(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, blobs.ErrNotFound
	}
	return f, fi, nil
}

// notFound maps a missing path, or a path through a file ("a/b" when "a"
// is an object), to blobs.ErrNotFound, keeping the cause in the message.
func notFound(err error) error {
	if errors.Is(err, iofs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%w (%v)", blobs.ErrNotFound, err)
	}
	return err
}

func (s *Store) Stat(ctx context.Context, key string) (blobs.Info, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Info{}, fmt.Errorf("fs: stat: %w", err)
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: stat %q: %w", key, notFound(err))
	}
	if !fi.Mode().IsRegular() {
		return blobs.Info{}, fmt.Errorf("fs: stat %q: %w", key, blobs.ErrNotFound)
	}
	info := blobs.Info{
		Key:         key,
		Size:        fi.Size(),
		ModTime:     fi.ModTime(),
		ETag:        fmt.Sprintf("%x-%x", fi.Size(), fi.ModTime().UnixNano()),
		ContentType: defaultContentType,
	}
	var meta objectMeta
	if b, err := s.root.ReadFile(path.Join(metaDir, key)); err == nil && json.Unmarshal(b, &meta) == nil &&
		meta.Size == fi.Size() && meta.ModTime == fi.ModTime().UnixNano() {
		info.ETag, info.ContentType = meta.ETag, meta.ContentType
	}
	return info, nil
}

// Delete removes the object. Deleting a missing object succeeds, as on
// S3, so a retried delete is harmless.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blobs.ValidKey(key); err != nil {
		return fmt.Errorf("fs: delete: %w", err)
	}
	fi, err := s.root.Lstat(key)
	if err != nil {
		if err := notFound(err); errors.Is(err, blobs.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("fs: delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("fs: delete %q: %w", key, err)
	}
	s.root.Remove(path.Join(metaDir, key))
	s.pruneDirs(path.Dir(key))
	s.pruneDirs(path.Join(metaDir, path.Dir(key)))
	return nil
}

// List walks the directory tree in key order: a directory's entries are
// sorted with "/" after each subdirectory's name, which is where that
// subtree's keys fall bytewise ("a-c" < "a/b" < "a0"). Subtrees that end
// before after are not read. Nothing is held but one directory listing
// per level.
func (s *Store) List(ctx context.Context, after string, fn func(blobs.Info) error) error {
	return s.list(ctx, ".", after, fn)
}

func (s *Store) list(ctx context.Context, dir, after string, fn func(blobs.Info) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("fs: list %q: %w", dir, err)
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("fs: list %q: %w", dir, err)
	}
	type entry struct {
		sortKey string
		key     string
		e       iofs.DirEntry
	}
	var list []entry
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // .meta, .uploads, .tmp: never keys
		}
		key := e.Name()
		if dir != "." {
			key = dir + "/" + key
		}
		sk := key
		if e.IsDir() {
			sk += "/"
		}
		list = append(list, entry{sk, key, e})
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.sortKey, b.sortKey) })
	for _, en := range list {
		switch {
		case en.e.IsDir():
			// Every key below sorts before key+"0" ('0' follows '/').
			if after >= en.key+"0" {
				continue
			}
			if err := s.list(ctx, en.key, after, fn); err != nil {
				return err
			}
		case en.e.Type().IsRegular():
			if en.key <= after {
				continue
			}
			info, err := s.Stat(ctx, en.key)
			if errors.Is(err, blobs.ErrNotFound) {
				continue // deleted since the directory was read
			}
			if err != nil {
				return err
			}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	return nil
}

// pruneDirs removes dir and its parents while they are empty, so deleted
// objects leave no directory litter. Remove refuses non-empty directories,
// which ends the walk.
func (s *Store) pruneDirs(dir string) {
	for dir != "." && dir != metaDir {
		if s.root.Remove(dir) != nil {
			return
		}
		dir = path.Dir(dir)
	}
}

func (s *Store) CreateMultipart(ctx context.Context, key, contentType string) (string, error) {
	if err := blobs.ValidKey(key); err != nil {
		return "", fmt.Errorf("fs: create multipart: %w", err)
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	id := randomHex(16)
	b, err := json.Marshal(uploadInfo{Key: key, ContentType: contentType, Created: time.Now().UTC()})
	if err != nil {
		return "", err
	}
	if err := s.root.Mkdir(path.Join(uploadsDir, id), dirPerm); err != nil {
		return "", fmt.Errorf("fs: create multipart %q: %w", key, err)
	}
	if err := s.writeFileAtomic(path.Join(uploadsDir, id, uploadMeta), b); err != nil {
		s.root.RemoveAll(path.Join(uploadsDir, id))
		return "", fmt.Errorf("fs: create multipart %q: %w", key, err)
	}
	return id, nil
}

// loadUpload reads an upload, refusing ids that are not ours (they could
// otherwise name other paths) and uploads started for another key, as S3
// does.
func (s *Store) loadUpload(key, id string) (uploadInfo, error) {
	if err := blobs.ValidKey(key); err != nil {
		return uploadInfo{}, err
	}
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return uploadInfo{}, fmt.Errorf("%w: upload %q", blobs.ErrNotFound, id)
	}
	b, err := s.root.ReadFile(path.Join(uploadsDir, id, uploadMeta))
	if err != nil {
		return uploadInfo{}, fmt.Errorf("upload %s: %w", id, notFound(err))
	}
	var u uploadInfo
	if err := json.Unmarshal(b, &u); err != nil {
		return uploadInfo{}, fmt.Errorf("upload %s: %w", id, err)
	}
	if u.Key != key {
		return uploadInfo{}, fmt.Errorf("%w: upload %s is not for %q", blobs.ErrNotFound, id, key)
	}
	return u, nil
}

func (s *Store) PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (blobs.Part, error) {
	if err := blobs.ValidKey(key); err != nil {
		return blobs.Part{}, fmt.Errorf("fs: put part: %w", err)
	}
	if err := blobs.ValidPartN(n); err != nil {
		return blobs.Part{}, fmt.Errorf("fs: put part %q: %w", key, err)
	}
	if size > blobs.MaxPartSize {
		return blobs.Part{}, fmt.Errorf("fs: put part %q: %w: size %d over %d", key, blobs.ErrInvalidPart, size, int64(blobs.MaxPartSize))
	}
	if _, err := s.loadUpload(key, uploadID); err != nil {
		return blobs.Part{}, fmt.Errorf("fs: put part %q: %w", key, err)
	}
	tmp, err := s.writeTemp(ctx, blobs.NewExactReader(r, size), md5.New())
	if err != nil {
		return blobs.Part{}, fmt.Errorf("fs: put part %q %d: %w", key, n, err)
	}
	dir := path.Join(uploadsDir, uploadID)
	name := strconv.Itoa(n) + "." + tmp.sum

	s.partMu.Lock()
	defer s.partMu.Unlock()
	// A plain Rename, not renameInto: if Abort or Complete removed the
	// upload meanwhile, the part must not recreate its directory.
	if err := s.root.Rename(tmp.name, path.Join(dir, name)); err != nil {
		s.root.Remove(tmp.name)
		return blobs.Part{}, fmt.Errorf("fs: put part %q %d: %w", key, n, notFound(err))
	}
	s.syncDir(dir)
	parts, err := s.readParts(dir)
	if err != nil {
		return blobs.Part{}, fmt.Errorf("fs: put part %q %d: %w", key, n, err)
	}
	for _, p := range parts {
		if p.N == n && p.name != name {
			s.root.Remove(path.Join(dir, p.name))
		}
	}
	return blobs.Part{N: n, Size: tmp.size, ETag: tmp.sum}, nil
}

type partFile struct {
	blobs.Part
	name string
	mod  time.Time
}

// readParts lists every part file of an upload, duplicates included.
func (s *Store) readParts(dir string) ([]partFile, error) {
	d, err := s.root.Open(dir)
	if err != nil {
		return nil, notFound(err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	var parts []partFile
	for _, e := range entries {
		ns, etag, ok := strings.Cut(e.Name(), ".")
		n, err := strconv.Atoi(ns)
		if !ok || err != nil || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // replaced while listing
		}
		parts = append(parts, partFile{Part: blobs.Part{N: n, Size: fi.Size(), ETag: etag}, name: e.Name(), mod: fi.ModTime()})
	}
	return parts, nil
}

// currentParts returns one part per number, by number. If a crash left
// two files for one number, the newer one wins, as the later upload
// would have.
func (s *Store) currentParts(uploadID string) ([]partFile, error) {
	all, err := s.readParts(path.Join(uploadsDir, uploadID))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b partFile) int {
		if a.N != b.N {
			return a.N - b.N
		}
		return b.mod.Compare(a.mod)
	})
	return slices.CompactFunc(all, func(a, b partFile) bool { return a.N == b.N }), nil
}

func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]blobs.Part, error) {
	if _, err := s.loadUpload(key, uploadID); err != nil {
		return nil, fmt.Errorf("fs: list parts %q: %w", key, err)
	}
	files, err := s.currentParts(uploadID)
	if err != nil {
		return nil, fmt.Errorf("fs: list parts %q: %w", key, err)
	}
	parts := make([]blobs.Part, len(files))
	for i, f := range files {
		parts[i] = f.Part
	}
	return parts, nil
}

// CompleteMultipart applies S3's rules (ascending part numbers, matching
// ETags, every part but the last at least blobs.MinPartSize) so that what
// works here also works at scale. A refused list leaves the upload open.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []blobs.Part) (blobs.Info, error) {
	u, err := s.loadUpload(key, uploadID)
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: complete %q: %w", key, err)
	}
	files, err := s.currentParts(uploadID)
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: complete %q: %w", key, err)
	}
	byN := make(map[int]partFile, len(files))
	for _, f := range files {
		byN[f.N] = f
	}
	chosen, err := choose(parts, byN)
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: complete %q: %w", key, err)
	}
	dir := path.Join(uploadsDir, uploadID)
	tmp, err := s.buildTemp(ctx, md5.New(), func(w io.Writer) error {
		for _, p := range chosen {
			if err := s.copyPart(ctx, w, path.Join(dir, p.name), p.Size); err != nil {
				return fmt.Errorf("part %d: %w", p.N, err)
			}
		}
		return nil
	})
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: complete %q: %w", key, err)
	}
	info, err := s.commit(tmp, key, u.ContentType)
	if err != nil {
		return blobs.Info{}, fmt.Errorf("fs: complete %q: %w", key, err)
	}
	if err := s.root.RemoveAll(dir); err != nil {
		return blobs.Info{}, fmt.Errorf("fs: complete %q: remove parts: %w", key, err)
	}
	return info, nil
}

// choose checks a completion list against the received parts.
func choose(parts []blobs.Part, have map[int]partFile) ([]partFile, error) {
	if err := blobs.CheckPartList(parts); err != nil {
		return nil, err
	}
	chosen := make([]partFile, len(parts))
	for i, p := range parts {
		f, ok := have[p.N]
		if !ok {
			return nil, fmt.Errorf("%w: part %d not received", blobs.ErrInvalidPart, p.N)
		}
		if !strings.EqualFold(strings.Trim(p.ETag, `"`), f.ETag) {
			return nil, fmt.Errorf("%w: part %d has ETag %s, not %s", blobs.ErrInvalidPart, p.N, f.ETag, p.ETag)
		}
		if i < len(parts)-1 && f.Size < blobs.MinPartSize {
			return nil, fmt.Errorf("%w: part %d is %d bytes, under %d", blobs.ErrInvalidPart, p.N, f.Size, blobs.MinPartSize)
		}
		chosen[i] = f
	}
	return chosen, nil
}

func (s *Store) copyPart(ctx context.Context, w io.Writer, name string, size int64) error {
	f, err := s.root.Open(name)
	if err != nil {
		return notFound(err)
	}
	defer f.Close()
	// The part may have been replaced since it was listed; a different
	// size would silently corrupt the object, so insist on it.
	_, err = io.Copy(w, blobs.NewExactReader(ctxReader{ctx, f}, size))
	return err
}

// AbortMultipart discards an upload. Aborting an upload that is gone (or
// never existed, or belongs to another key) succeeds and changes nothing,
// as on MinIO, so a retried abort is harmless.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	if _, err := s.loadUpload(key, uploadID); err != nil {
		if errors.Is(err, blobs.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("fs: abort %q: %w", key, err)
	}
	if err := s.root.RemoveAll(path.Join(uploadsDir, uploadID)); err != nil {
		return fmt.Errorf("fs: abort %q: %w", key, err)
	}
	return nil
}

// PresignGet is not possible: the disk has no server of its own. Callers
// serve the bytes through blobs.NewReadSeeker instead.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, as blobs.ServeAs) (string, error) {
	if err := blobs.ValidKey(key); err != nil {
		return "", fmt.Errorf("fs: presign: %w", err)
	}
	return "", fmt.Errorf("fs: presign %q: %w", key, blobs.ErrNotSupported)
}

func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.root.Stat(tmpDir); err != nil {
		return fmt.Errorf("fs: ping: %w", err)
	}
	return nil
}

func (s *Store) Close() error { return s.root.Close() }

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
