package blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// NewReadSeeker returns a seekable view of the object under key, of the
// given size, for http.ServeContent. It holds at most one open ranged
// Get: sequential reads reuse it, a read after a seek elsewhere reopens
// from the new position. Nothing is read before the first Read, and the
// whole object is never buffered.
//
// ServeContent sniffs the first 512 bytes when no Content-Type header is
// set, which costs an extra Get; set the header first.
func NewReadSeeker(ctx context.Context, s Store, key string, size int64) io.ReadSeekCloser {
	return &readSeeker{ctx: ctx, s: s, key: key, size: size}
}

type readSeeker struct {
	ctx  context.Context
	s    Store
	key  string
	size int64

	pos   int64         // where the next Read starts
	rc    io.ReadCloser // open stream, if any
	rcPos int64         // where rc will read next
}

func (r *readSeeker) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return r.pos, fmt.Errorf("blobs: seek %q: invalid whence %d", r.key, whence)
	}
	if abs < 0 {
		return r.pos, fmt.Errorf("blobs: seek %q: negative position %d", r.key, abs)
	}
	r.pos = abs
	return abs, nil
}

func (r *readSeeker) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.rc != nil && r.rcPos != r.pos {
		r.closeStream()
	}
	if r.rc == nil {
		rc, err := r.s.Get(r.ctx, r.key, r.pos, -1)
		if err != nil {
			return 0, err
		}
		r.rc, r.rcPos = rc, r.pos
	}
	if rest := r.size - r.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := r.rc.Read(p)
	r.pos += int64(n)
	r.rcPos += int64(n)
	if errors.Is(err, io.EOF) {
		r.closeStream()
		if r.pos < r.size {
			// The object is shorter than the size we were given: it was
			// replaced, and serving the rest from another object would
			// splice two versions together.
			return n, fmt.Errorf("blobs: read %q: %w", r.key, io.ErrUnexpectedEOF)
		}
		err = nil
	}
	return n, err
}

func (r *readSeeker) closeStream() {
	if r.rc != nil {
		r.rc.Close()
		r.rc = nil
	}
}

func (r *readSeeker) Close() error {
	if r.rc == nil {
		return nil
	}
	err := r.rc.Close()
	r.rc = nil
	return err
}
