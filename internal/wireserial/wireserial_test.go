package wireserial

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func opMsgBytes(flags uint32, body string) []byte {
	b := make([]byte, 20+len(body))
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[12:16], opMsg)
	binary.LittleEndian.PutUint32(b[16:20], flags)
	copy(b[20:], body)
	return b
}

func TestReadMessageBounds(t *testing.T) {
	m := opMsgBytes(0, "hello")
	got, err := ReadMessage(bytes.NewReader(append(m, 0xff)))
	if err != nil || !bytes.Equal(got, m) {
		t.Fatalf("read %x, %v", got, err)
	}
	for _, n := range []int32{0, 15, -1, MaxMessage + 1} {
		h := make([]byte, 16)
		binary.LittleEndian.PutUint32(h, uint32(n))
		if _, err := ReadMessage(bytes.NewReader(h)); err == nil {
			t.Errorf("length %d accepted", n)
		}
	}
	if _, err := ReadMessage(bytes.NewReader(m[:10])); err == nil {
		t.Error("a cut header accepted")
	}
}

func TestNoExhaust(t *testing.T) {
	m := opMsgBytes(flagExhaust|flagMoreToCome, "")
	if !NoExhaust(m) || binary.LittleEndian.Uint32(m[16:20]) != flagMoreToCome {
		t.Fatalf("flags after: %x", binary.LittleEndian.Uint32(m[16:20]))
	}
	c := opMsgBytes(flagExhaust|flagChecksum, "")
	if NoExhaust(c) || binary.LittleEndian.Uint32(c[16:20]) != flagExhaust|flagChecksum {
		t.Fatal("a checksummed message was changed")
	}
}

// TestOneRequestAtATime: an upstream that echoes after a pause never sees
// two requests in flight, however many clients send at once.
func TestOneRequestAtATime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var inFlight, most atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for {
					m, err := ReadMessage(c)
					if err != nil {
						return
					}
					n := inFlight.Add(1)
					for o := most.Load(); n > o && !most.CompareAndSwap(o, n); o = most.Load() {
					}
					time.Sleep(2 * time.Millisecond)
					inFlight.Add(-1)
					c.Write(m)
				}
			}()
		}
	}()
	p, err := Start(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for j := range 5 {
				m := opMsgBytes(0, string(rune('a'+i))+string(rune('0'+j)))
				if _, err := c.Write(m); err != nil {
					t.Error(err)
					return
				}
				got := make([]byte, len(m))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, m) {
					t.Errorf("reply %q, %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d requests in flight at once", most.Load())
	}
}

func FuzzReadMessage(f *testing.F) {
	f.Add(opMsgBytes(flagExhaust, "x"))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadMessage(bytes.NewReader(b))
		if err == nil {
			if len(m) < 16 || len(m) > MaxMessage {
				t.Fatalf("message of %d bytes", len(m))
			}
			NoExhaust(m)
		}
	})
}
