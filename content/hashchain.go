package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// The SHA-256 of an upload runs along its parts in order, but a browser
// sends 2-4 parts at once. A part that arrives ahead of the chain is kept
// in memory (at most its own size) until the chain reaches it, so the hash
// is done when the last part lands and completion reads nothing back.
// This is a per-instance cache: a part held by another instance, or
// dropped under memory pressure, is hashed at completion by reading it
// back from the object store.
const (
	// maxPendingBytes bounds the parts held for all uploads together, and
	// maxPendingParts those of one upload: a browser sends 3 parts at once,
	// so 2 held is the usual case; a part that does not fit waits for the
	// chain (see waitForChain).
	maxPendingBytes = 64 << 20
	maxPendingParts = 2
	pendingTTL      = 15 * time.Minute
)

type pendingPart struct {
	data  []byte
	added time.Time
}

type partBuffers struct {
	mu    sync.Mutex
	bytes int64
	parts map[string]map[int]pendingPart
	// reserved counts parts being received into a buffer, per upload.
	reserved map[string]int
	locks    map[string]*sync.Mutex
	// free recycles part-sized buffers: a 1 GiB upload would otherwise
	// allocate a hundred 8 MiB buffers, and the heap grows with them.
	free sync.Pool
}

// buffer returns an empty buffer able to hold n bytes.
func (p *partBuffers) buffer(n int64) []byte {
	if n <= PartSize {
		if b, ok := p.free.Get().(*[]byte); ok {
			return (*b)[:0]
		}
		return make([]byte, 0, PartSize)
	}
	return make([]byte, 0, n)
}

// recycle gives a buffer back once its bytes are hashed.
func (p *partBuffers) recycle(b []byte) {
	if cap(b) == PartSize {
		b = b[:0]
		p.free.Put(&b)
	}
}

func newPartBuffers() *partBuffers {
	return &partBuffers{parts: map[string]map[int]pendingPart{}, reserved: map[string]int{}, locks: map[string]*sync.Mutex{}}
}

// reserve claims room for n bytes of upload id; false when the cache or
// the upload's share of it is full.
func (p *partBuffers) reserve(id string, n int64, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, ps := range p.parts {
		for k, pp := range ps {
			if now.Sub(pp.added) > pendingTTL {
				p.bytes -= int64(len(pp.data))
				delete(ps, k)
			}
		}
		if len(ps) == 0 {
			delete(p.parts, id)
		}
	}
	if p.bytes+n > maxPendingBytes || len(p.parts[id])+p.reserved[id] >= maxPendingParts {
		return false
	}
	p.reserved[id]++
	p.bytes += n
	return true
}

// release gives back a reservation that was not used.
func (p *partBuffers) release(id string, n int64) {
	p.mu.Lock()
	p.bytes -= n
	p.unreserve(id)
	p.mu.Unlock()
}

func (p *partBuffers) unreserve(id string) {
	if p.reserved[id]--; p.reserved[id] <= 0 {
		delete(p.reserved, id)
	}
}

// put turns a reservation into a held part.
func (p *partBuffers) put(id string, n int, data []byte, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unreserve(id)
	if p.parts[id] == nil {
		p.parts[id] = map[int]pendingPart{}
	}
	if old, ok := p.parts[id][n]; ok {
		p.bytes -= int64(len(old.data))
	}
	p.parts[id][n] = pendingPart{data: data, added: now}
}

func (p *partBuffers) take(id string, n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	pp, ok := p.parts[id][n]
	if !ok {
		return nil
	}
	delete(p.parts[id], n)
	p.bytes -= int64(len(pp.data))
	return pp.data
}

func (p *partBuffers) drop(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pp := range p.parts[id] {
		p.bytes -= int64(len(pp.data))
		p.recycle(pp.data)
	}
	delete(p.parts, id)
	delete(p.locks, id)
}

// lock serialises chain advances of one upload within this instance.
func (p *partBuffers) lock(id string) func() {
	p.mu.Lock()
	l, ok := p.locks[id]
	if !ok {
		l = &sync.Mutex{}
		p.locks[id] = l
	}
	p.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func restoreHash(state []byte) (hash.Hash, error) {
	h := sha256.New()
	if len(state) > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return nil, fmt.Errorf("hash state: %w", err)
		}
	}
	return h, nil
}

func hashState(h hash.Hash) []byte {
	b, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
	return b
}

// advanceHash hashes the buffered parts that the chain has reached, one
// versioned write each.
func (s *Service) advanceHash(ctx context.Context, id string) error {
	defer s.pending.lock(id)()
	for {
		var up Upload
		if _, err := s.docs.C(collUploads).Get(ctx, id, &up); err != nil {
			if errors.Is(err, docs.ErrNotFound) {
				return nil
			}
			return mapErr(err, "upload "+id)
		}
		k := up.HashedParts
		data := s.pending.take(id, k+1)
		if data == nil {
			return nil
		}
		h, err := restoreHash(up.HashState)
		if err != nil {
			return err
		}
		h.Write(data)
		s.pending.recycle(data)
		state := hashState(h)
		_, err = docs.Update(ctx, s.docs.C(collUploads), id, func(d *Upload) error {
			if d.HashedParts == k {
				d.HashState, d.HashedParts = state, k+1
			}
			return nil
		})
		if err != nil {
			return mapErr(err, "upload "+id)
		}
	}
}

// partSink is where a part's bytes go besides the object store: the
// running hash when the part is next in the chain, else a buffer.
type partSink struct {
	h   hash.Hash
	buf *bytes.Buffer
}
