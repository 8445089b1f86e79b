package blobs

import (
	"errors"
	"fmt"
	"io"
)

// ExactReader passes through exactly size bytes of a stream and fails
// with ErrSizeMismatch if the stream is shorter or longer. Backends hand
// it to whatever consumes the upload, so a wrong stream fails the write
// instead of storing a truncated or clipped object.
type ExactReader struct {
	r    io.Reader
	size int64
	left int64
	err  error
	done bool // all size bytes delivered and the stream proved to end there
}

// NewExactReader wraps r, which must yield exactly size bytes.
func NewExactReader(r io.Reader, size int64) *ExactReader {
	e := &ExactReader{r: r, size: size, left: size}
	if size < 0 {
		e.err = fmt.Errorf("%w: negative size %d", ErrSizeMismatch, size)
	}
	return e
}

func (e *ExactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.left == 0 {
		if !e.done {
			if err := e.probe(); err != nil {
				return 0, err
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if e.left == 0 {
		// Probe before handing over the last byte: a consumer that stops
		// after exactly size bytes (io.ReadFull does) would never ask
		// again, and must still see an overlong stream fail. Withholding
		// one byte makes the error reach it.
		if err := e.probe(); err != nil {
			e.left++
			return n - 1, err
		}
		return n, nil
	}
	if errors.Is(err, io.EOF) {
		e.err = fmt.Errorf("%w: stream ended after %d of %d bytes", ErrSizeMismatch, e.size-e.left, e.size)
		return n, e.err
	}
	if err != nil {
		e.err = err
	}
	return n, err
}

// probe checks that the stream ends right after size bytes.
func (e *ExactReader) probe() error {
	var b [1]byte
	for {
		n, err := e.r.Read(b[:])
		if n > 0 {
			e.err = fmt.Errorf("%w: stream longer than %d bytes", ErrSizeMismatch, e.size)
			return e.err
		}
		if errors.Is(err, io.EOF) {
			e.done = true
			return nil
		}
		if err != nil {
			e.err = err
			return err
		}
	}
}

// Finish reports whether the stream held exactly size bytes. A backend
// calls it before making the write visible; for size 0 it is also how
// the stream gets checked when the consumer never reads.
func (e *ExactReader) Finish() error {
	if e.err != nil {
		return e.err
	}
	if e.left > 0 {
		return fmt.Errorf("%w: only %d of %d bytes read", ErrSizeMismatch, e.size-e.left, e.size)
	}
	if !e.done {
		return e.probe()
	}
	return nil
}
