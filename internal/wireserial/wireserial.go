// Package wireserial is a MongoDB wire-protocol proxy that lets one
// request at a time through, across all its client connections.
//
// Tests put it in front of FerretDB 1.24, whose version-guarded
// ReplaceOne({_id, _v}) is a read and a write rather than one atomic step:
// two connections racing can both succeed. Real MongoDB makes the write
// atomic. Serialising whole requests (each one waits for the reply to the
// one before) gives FerretDB the same guarantee, so a test with two
// processes on one FerretDB proves the leases, once-only records and
// capped counters that rely on it.
package wireserial

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
)

// MaxMessage bounds one message: MongoDB's own limit is 48 MB.
const MaxMessage = 48 << 20

// Wire opcodes and OP_MSG flags this proxy reads.
const (
	opMsg          = 2013
	flagChecksum   = 1 << 0
	flagMoreToCome = 1 << 1
	flagExhaust    = 1 << 16
)

// Proxy forwards connections to one upstream server, one request at a time.
type Proxy struct {
	ln       net.Listener
	upstream string
	turn     sync.Mutex // held from a request's write to its reply's read

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Start listens on a free loopback port and forwards to upstream.
func Start(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the host:port clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops listening and closes every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) forget(c net.Conn) {
	p.mu.Lock()
	if p.conns != nil {
		delete(p.conns, c)
	}
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(client)
		}()
	}
}

func (p *Proxy) serve(client net.Conn) {
	if !p.track(client) {
		client.Close()
		return
	}
	defer p.forget(client)
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.forget(server)
	for {
		req, err := ReadMessage(client)
		if err != nil {
			return
		}
		if err := p.roundTrip(req, client, server); err != nil {
			return
		}
	}
}

// roundTrip sends one request and relays its reply, if it has one, while
// no other connection's request is in flight.
func (p *Proxy) roundTrip(req []byte, client, server net.Conn) error {
	p.turn.Lock()
	defer p.turn.Unlock()
	noReply := NoExhaust(req)
	if _, err := server.Write(req); err != nil {
		return err
	}
	if noReply {
		return nil
	}
	reply, err := ReadMessage(server)
	if err != nil {
		return err
	}
	_, err = client.Write(reply)
	return err
}

// ReadMessage reads one length-prefixed wire message.
func ReadMessage(r io.Reader) ([]byte, error) {
	var head [16]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(head[:4])))
	if n < len(head) || n > MaxMessage {
		return nil, fmt.Errorf("wireserial: message length %d", n)
	}
	msg := make([]byte, n)
	copy(msg, head[:])
	if _, err := io.ReadFull(r, msg[len(head):]); err != nil {
		return nil, err
	}
	return msg, nil
}

// NoExhaust clears an OP_MSG request's exhaustAllowed flag (the server
// would otherwise stream replies no request asked for, holding the turn),
// and reports whether the request expects no reply (moreToCome). Messages
// with a checksum are left alone: changing their flags would break it.
func NoExhaust(msg []byte) (noReply bool) {
	if len(msg) < 20 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return false
	}
	flags := binary.LittleEndian.Uint32(msg[16:20])
	if flags&flagChecksum == 0 && flags&flagExhaust != 0 {
		binary.LittleEndian.PutUint32(msg[16:20], flags&^flagExhaust)
	}
	return flags&flagMoreToCome != 0
}
