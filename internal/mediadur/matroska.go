package mediadur

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Matroska / WebM element ids, with their length markers.
const (
	idEBML          = 0x1A45DFA3
	idSegment       = 0x18538067
	idSeekHead      = 0x114D9B74
	idSeek          = 0x4DBB
	idSeekID        = 0x53AB
	idSeekPosition  = 0x53AC
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idDuration      = 0x4489
	idCluster       = 0x1F43B675
	idTimecode      = 0xE7
	idSimpleBlock   = 0xA3
	idBlockGroup    = 0xA0
	idBlock         = 0xA1
	idBlockDuration = 0x9B
)

// element is one parsed element header.
type element struct {
	id      uint64
	data    int   // where its data starts, in the buffer
	size    int64 // its data length; meaningless when unknown
	unknown bool  // "size unknown": runs until its parent ends
}

// ebmlElement parses the element header at b[i:].
func ebmlElement(b []byte, i int) (element, bool) {
	if i < 0 || i >= len(b) {
		return element{}, false
	}
	id, n := vint(b[i:], 4)
	if n == 0 {
		return element{}, false
	}
	id |= uint64(1) << (7 * n) // ids keep their length marker
	size, m := vint(b[i+n:], 8)
	if m == 0 {
		return element{}, false
	}
	e := element{id: id, data: i + n + m}
	if size == uint64(1)<<(7*m)-1 {
		e.unknown = true
	} else if size > math.MaxInt64/2 {
		return element{}, false
	} else {
		e.size = int64(size)
	}
	return e, true
}

// vint decodes an EBML variable-length integer of at most max bytes,
// without its length marker; n=0 when there is none.
func vint(b []byte, max int) (v uint64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n = 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > max || n > len(b) {
		return 0, 0
	}
	v = uint64(b[0] & (0xFF >> n))
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// end is where e's data ends in a buffer of length limit, cut at limit;
// ok=false when it runs past it.
func (e element) end(limit int) (int, bool) {
	if e.unknown || e.size > int64(limit-e.data) {
		return limit, false
	}
	return e.data + int(e.size), true
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func beFloat(b []byte) float64 {
	switch len(b) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}

// matroska reads Info's Duration × TimecodeScale. Info is near the start,
// found by walking the Segment's children in the head, or where the
// SeekHead points. A live recording has no Duration: then the last
// Cluster in the tail tells how far the file runs.
func (s *source) matroska() float64 {
	head := s.read(0, headLen)
	e, ok := ebmlElement(head, 0)
	if !ok || e.id != idEBML {
		return 0
	}
	i, ok := e.end(len(head))
	if !ok {
		return 0
	}
	seg, ok := ebmlElement(head, i)
	if !ok || seg.id != idSegment {
		return 0
	}
	segStart := int64(seg.data)
	scale, dur, haveInfo := uint64(1_000_000), 0.0, false
	infoAt := int64(-1)
	for i, step := seg.data, 0; step < maxSteps && !haveInfo; step++ {
		c, ok := ebmlElement(head, i)
		if !ok || c.id == idCluster {
			break
		}
		end, whole := c.end(len(head))
		switch c.id {
		case idInfo:
			if !whole {
				infoAt = int64(i) - segStart
				break
			}
			scale, dur = info(head[c.data:end])
			haveInfo = true
		case idSeekHead:
			if at := seekInfo(head[c.data:end]); at >= 0 {
				infoAt = at
			}
		}
		if !whole {
			break
		}
		i = end
	}
	if !haveInfo && infoAt >= 0 && segStart+infoAt < s.size {
		b := s.read(segStart+infoAt, 64<<10)
		if c, ok := ebmlElement(b, 0); ok && c.id == idInfo {
			end, _ := c.end(len(b))
			scale, dur = info(b[c.data:end])
			haveInfo = true
		}
	}
	if scale == 0 {
		return 0
	}
	if dur > 0 {
		return dur * float64(scale) / 1e9
	}
	if ticks := s.lastCluster(); ticks > 0 {
		return float64(ticks) * float64(scale) / 1e9
	}
	return 0
}

// info returns the TimecodeScale (default 1 ms) and Duration in ticks.
func info(b []byte) (scale uint64, dur float64) {
	scale = 1_000_000
	for i, step := 0, 0; i < len(b) && step < maxSteps; step++ {
		c, ok := ebmlElement(b, i)
		if !ok {
			break
		}
		end, whole := c.end(len(b))
		if !whole {
			break
		}
		switch c.id {
		case idTimecodeScale:
			if c.size >= 1 && c.size <= 8 {
				scale = beUint(b[c.data:end])
			}
		case idDuration:
			dur = beFloat(b[c.data:end])
		}
		i = end
	}
	return scale, dur
}

// seekInfo finds Info's position, relative to the Segment's data, in a
// SeekHead; -1 when it is not there.
func seekInfo(b []byte) int64 {
	for i, step := 0, 0; i < len(b) && step < maxSteps; step++ {
		c, ok := ebmlElement(b, i)
		if !ok {
			break
		}
		end, whole := c.end(len(b))
		if !whole {
			break
		}
		if c.id == idSeek {
			var id, pos uint64
			have := false
			for j, step := c.data, 0; j < end && step < 16; step++ {
				f, ok := ebmlElement(b[:end], j)
				if !ok {
					break
				}
				fend, whole := f.end(end)
				if !whole {
					break
				}
				switch f.id {
				case idSeekID:
					id = beUint(b[f.data:fend])
				case idSeekPosition:
					if f.size <= 8 {
						pos, have = beUint(b[f.data:fend]), true
					}
				}
				j = fend
			}
			if id == idInfo && have && pos < math.MaxInt64/2 {
				return int64(pos)
			}
		}
		i = end
	}
	return -1
}

// lastCluster is the timestamp, in ticks, of the last block in the last
// Cluster found in the file's tail (plus that block's duration when
// given); 0 when there is none. The last frame's own length is not known,
// so it errs short by one frame.
func (s *source) lastCluster() uint64 {
	b, _ := s.tail(tailLen)
	marker := []byte{0x1F, 0x43, 0xB6, 0x75}
	for i := bytes.LastIndex(b, marker); i >= 0; i = bytes.LastIndex(b[:i], marker) {
		c, ok := ebmlElement(b, i)
		if !ok {
			continue
		}
		end, _ := c.end(len(b))
		if ticks, ok := clusterEnd(b[:end], c.data); ok {
			return ticks
		}
	}
	return 0
}

// clusterEnd walks a Cluster's children from i: its Timecode, then its
// blocks. ok=false when no Timecode comes first (not a real Cluster).
func clusterEnd(b []byte, i int) (uint64, bool) {
	var base uint64
	haveBase := false
	var last int64
	for step := 0; i < len(b) && step < maxSteps; step++ {
		c, ok := ebmlElement(b, i)
		if !ok {
			break
		}
		end, whole := c.end(len(b))
		switch {
		case c.id == idTimecode && !haveBase:
			if !whole || c.size < 1 || c.size > 8 {
				return 0, false
			}
			base, haveBase = beUint(b[c.data:end]), true
		case !haveBase && (c.id != 0xBF && c.id != 0xEC || step >= 4):
			// Only a CRC-32 or a Void may come before the Timecode.
			return 0, false
		case c.id == idSimpleBlock:
			if t, ok := blockTime(b[c.data:end]); ok {
				last = max(last, t)
			}
		case c.id == idBlockGroup:
			last = max(last, blockGroupTime(b[c.data:end]))
		}
		if !whole {
			break
		}
		i = end
	}
	if !haveBase {
		return 0, false
	}
	return base + uint64(max(0, last)), true
}

// blockTime is a block's timestamp relative to its Cluster.
func blockTime(b []byte) (int64, bool) {
	_, n := vint(b, 8) // track number
	if n == 0 || len(b) < n+2 {
		return 0, false
	}
	return int64(int16(binary.BigEndian.Uint16(b[n:]))), true
}

func blockGroupTime(b []byte) int64 {
	var t, d int64
	for i, step := 0, 0; i < len(b) && step < 64; step++ {
		c, ok := ebmlElement(b, i)
		if !ok {
			break
		}
		end, whole := c.end(len(b))
		switch c.id {
		case idBlock:
			t, _ = blockTime(b[c.data:end])
		case idBlockDuration:
			if whole && c.size <= 4 {
				d = int64(beUint(b[c.data:end]))
			}
		}
		if !whole {
			break
		}
		i = end
	}
	return t + d
}
