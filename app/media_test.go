package app

import "testing"

// TestCopyBuffersLargeAreRationed: a stream longer than a small buffer
// gets a large one while fewer than largeCopyMax are out, a small one
// after that, and a returned large buffer serves the next long stream.
func TestCopyBuffersLargeAreRationed(t *testing.T) {
	var p copyBuffers
	if buf, put := p.get(smallCopyBuf); len(buf) != smallCopyBuf {
		t.Errorf("a range of one small buffer got %d bytes", len(buf))
	} else {
		put()
	}
	var puts []func()
	for i := range largeCopyMax {
		buf, put := p.get(1 << 30)
		if len(buf) != largeCopyBuf {
			t.Fatalf("long stream %d got %d bytes, want %d", i, len(buf), largeCopyBuf)
		}
		puts = append(puts, put)
	}
	over, putOver := p.get(1 << 30)
	if len(over) != smallCopyBuf {
		t.Errorf("stream %d past the ration got %d bytes, want %d", largeCopyMax+1, len(over), smallCopyBuf)
	}
	putOver()
	if n := p.largeOut.Load(); n != largeCopyMax {
		t.Errorf("%d large buffers counted out, want %d", n, largeCopyMax)
	}
	puts[0]()
	if buf, put := p.get(1 << 30); len(buf) != largeCopyBuf {
		t.Errorf("after one came back, a long stream got %d bytes", len(buf))
	} else {
		put()
	}
	for _, put := range puts[1:] {
		put()
	}
	if n := p.largeOut.Load(); n != 0 {
		t.Errorf("%d large buffers still counted out after all came back", n)
	}
}
