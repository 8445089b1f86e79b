//go:build linux || darwin || freebsd || netbsd || openbsd

package content

import "syscall"

// allocPart returns an empty buffer able to hold n bytes, mapped outside
// the Go heap. A held part is freed the moment the hash chain passes it,
// and the garbage collector never counts it towards its next goal: from
// the heap, every 8 MiB part let the heap grow by as much again before a
// collection, which is most of what an upload added to the server's RSS.
func allocPart(n int) ([]byte, error) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	return b[:0], nil
}

// freePart returns a buffer from allocPart to the system.
func freePart(b []byte) {
	if cap(b) > 0 {
		_ = syscall.Munmap(b[:cap(b)])
	}
}
