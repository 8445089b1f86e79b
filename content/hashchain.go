package content

import (
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"hash"
	"slices"
	"sync"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// The SHA-256 of an upload runs along its parts in order, but a browser
// sends 2-4 parts at once. A part that arrives ahead of the chain is kept
// in memory (at most its own size) until the chain reaches it, so the hash
// is done when the last part lands and completion reads nothing back.
// The buffers live outside the Go heap (see allocPart) and are reused.
// This is a per-instance cache: a part held by another instance, or
// dropped under memory pressure, is hashed at completion by reading it
// back from the object store.
const (
	// maxPendingBytes bounds the parts held for all uploads together, and
	// maxPendingParts those of one upload. The browser sends 4 parts at
	// once, and while the chain's part is still arriving the client
	// starts new ones as others finish: with 3 held, a fifth waited for
	// the chain so often that a 1 GiB upload ran at 0.8 of MinIO's speed
	// instead of 0.95. A part that does not fit waits for the chain (see
	// waitForChain).
	maxPendingBytes = 64 << 20
	maxPendingParts = 4
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
	// waiters are closed when the upload's chain advances (see wake).
	waiters map[string]chan struct{}
	// free keeps buffers for reuse, so that held and free buffers stay
	// within maxPendingBytes: mapping and faulting in 8 MiB for every
	// part cost more than hashing it.
	free      [][]byte
	freeBytes int64
}

// buffer returns an empty buffer able to hold exactly n bytes.
func (p *partBuffers) buffer(n int) ([]byte, error) {
	p.mu.Lock()
	for i, b := range p.free {
		if cap(b) == n {
			p.free = slices.Delete(p.free, i, i+1)
			p.freeBytes -= int64(n)
			p.mu.Unlock()
			return b[:0], nil
		}
	}
	p.mu.Unlock()
	return allocPart(n)
}

// recycle gives a buffer back once its bytes are hashed or dropped.
func (p *partBuffers) recycle(b []byte) {
	p.mu.Lock()
	p.recycleLocked(b)
	p.mu.Unlock()
}

func (p *partBuffers) recycleLocked(b []byte) {
	if p.bytes+p.freeBytes+int64(cap(b)) > maxPendingBytes {
		freePart(b)
		return
	}
	p.free = append(p.free, b)
	p.freeBytes += int64(cap(b))
}

func newPartBuffers() *partBuffers {
	return &partBuffers{parts: map[string]map[int]pendingPart{}, reserved: map[string]int{}, locks: map[string]*sync.Mutex{},
		waiters: map[string]chan struct{}{}}
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
				p.recycleLocked(pp.data)
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
		p.recycleLocked(old.data)
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
		p.recycleLocked(pp.data)
	}
	delete(p.parts, id)
	delete(p.locks, id)
	p.wakeLocked(id)
}

// advanced returns a channel closed at the next advance of the upload's
// hash chain in this instance.
func (p *partBuffers) advanced(id string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch, ok := p.waiters[id]
	if !ok {
		ch = make(chan struct{})
		p.waiters[id] = ch
	}
	return ch
}

// wake tells the parts waiting on the upload's chain that it moved.
func (p *partBuffers) wake(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wakeLocked(id)
}

func (p *partBuffers) wakeLocked(id string) {
	if ch, ok := p.waiters[id]; ok {
		close(ch)
		delete(p.waiters, id)
	}
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
		s.pending.wake(id)
	}
}

// partSink is where a part's bytes go besides the object store: the
// running hash when the part is next in the chain, else a held buffer.
type partSink struct {
	h   hash.Hash
	buf *heldBuffer
}

// heldBuffer fills a buffer from partBuffers.buffer and never grows it: the part's
// length is checked before, and the exact reader stops a longer body.
type heldBuffer struct{ b []byte }

var errPartOverflow = errors.New("part longer than declared")

func (h *heldBuffer) Write(p []byte) (int, error) {
	if len(h.b)+len(p) > cap(h.b) {
		return 0, errPartOverflow
	}
	h.b = append(h.b, p...)
	return len(p), nil
}
