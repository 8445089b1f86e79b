//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package content

// allocPart returns an empty buffer able to hold n bytes (see the unix
// version, which maps it outside the heap).
func allocPart(n int) ([]byte, error) { return make([]byte, 0, n), nil }

// freePart drops a buffer from allocPart; the collector frees it.
func freePart([]byte) {}
