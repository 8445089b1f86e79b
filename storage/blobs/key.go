package blobs

import (
	"fmt"
	"strings"
)

// MaxKeyLen bounds a key so that it fits every backend's path and URL
// limits with room for the fs backend's hidden directories.
const MaxKeyLen = 512

// Multipart limits shared by both backends. They are S3's, so an upload
// the local disk accepts would also be accepted at scale.
const (
	MinPartN    = 1
	MaxPartN    = 10000
	MinPartSize = 5 << 20 // every part but the last
	MaxPartSize = 5 << 30
)

// ValidKey reports whether key may name an object: slash-separated
// segments of [A-Za-z0-9._-], none empty and none starting with a dot.
//
// Refusing leading dots (not only "." and "..") keeps keys from reaching
// the fs backend's hidden bookkeeping directories and gives both backends
// the same rule. Keys are chosen by the server, so nothing is lost.
func ValidKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("%w: %q", ErrInvalidKey, key)
			}
		}
	}
	return nil
}

// ValidPartN reports whether n may number a part.
func ValidPartN(n int) error {
	if n < MinPartN || n > MaxPartN {
		return fmt.Errorf("%w: number %d not in %d..%d", ErrInvalidPart, n, MinPartN, MaxPartN)
	}
	return nil
}

// Span checks a read of length bytes (< 0: to the end) at offset against
// an object of size bytes and returns how many bytes it covers, following
// the rules documented on Store.Get.
func Span(size, offset, length int64) (int64, error) {
	if offset < 0 || offset >= size && !(offset == 0 && size == 0) {
		return 0, fmt.Errorf("%w: offset %d, size %d", ErrInvalidRange, offset, size)
	}
	n := size - offset
	if length >= 0 && length < n {
		n = length
	}
	return n, nil
}

// CheckPartList checks a completion list on its own: not empty, valid
// numbers, strictly ascending. S3 demands ascending order but MinIO lets
// a repeated part through; checking here gives both backends AWS's rule.
func CheckPartList(parts []Part) error {
	if len(parts) == 0 {
		return fmt.Errorf("%w: no parts", ErrInvalidPart)
	}
	for i, p := range parts {
		if err := ValidPartN(p.N); err != nil {
			return err
		}
		if i > 0 && p.N <= parts[i-1].N {
			return fmt.Errorf("%w: part %d after part %d", ErrInvalidPart, p.N, parts[i-1].N)
		}
	}
	return nil
}
