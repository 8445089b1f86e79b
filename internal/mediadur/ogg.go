package mediadur

import (
	"bytes"
	"encoding/binary"
)

// oggStream is what the identification header of a logical stream says
// about its granule positions.
type oggStream struct {
	// rate is granules per second; preskip granules at the start are
	// not played (Opus).
	rate    float64
	preskip int64
	// Theora packs the last keyframe's number into the top bits of the
	// granule: shift is how many low bits count frames since it.
	theora bool
	shift  uint
}

// oggPage is one parsed page header.
type oggPage struct {
	flags   byte
	granule int64
	serial  uint32
	lacing  []byte
	body    int // where the body starts in the buffer
	end     int // where the page ends
}

func parseOggPage(b []byte, i int) (oggPage, bool) {
	if i < 0 || len(b)-i < 27 || string(b[i:i+4]) != "OggS" || b[i+4] != 0 {
		return oggPage{}, false
	}
	h := b[i:]
	n := int(h[26])
	if len(h) < 27+n {
		return oggPage{}, false
	}
	p := oggPage{flags: h[5], granule: int64(binary.LittleEndian.Uint64(h[6:])), serial: binary.LittleEndian.Uint32(h[14:]),
		lacing: h[27 : 27+n], body: i + 27 + n}
	p.end = p.body
	for _, l := range p.lacing {
		p.end += int(l)
	}
	if p.end > len(b) {
		return oggPage{}, false
	}
	return p, true
}

// ogg reads each stream's rate from its first page at the head, then the
// granule position of its last page in the tail; the longest stream is
// the file's length.
func (s *source) ogg() float64 {
	head := s.read(0, 64<<10)
	streams := map[uint32]oggStream{}
	for i, step := 0, 0; step < 16; step++ {
		p, ok := parseOggPage(head, i)
		if !ok || p.flags&0x02 == 0 { // beginning-of-stream pages come first
			break
		}
		// The identification packet is the page's first packet.
		n := 0
		for _, l := range p.lacing {
			n += int(l)
			if l < 255 {
				break
			}
		}
		if st, ok := identify(head[p.body : p.body+n]); ok {
			streams[p.serial] = st
		}
		i = p.end
	}
	if len(streams) == 0 {
		return 0
	}
	tail, _ := s.tail(tailLen)
	found := map[uint32]bool{}
	best := 0.0
	for j := bytes.LastIndex(tail, []byte("OggS")); j >= 0 && len(found) < len(streams); j = bytes.LastIndex(tail[:j], []byte("OggS")) {
		p, ok := parseOggPage(tail, j)
		if !ok || p.granule < 0 || found[p.serial] {
			continue // -1: no packet ends on this page
		}
		st, ok := streams[p.serial]
		if !ok {
			continue
		}
		found[p.serial] = true
		g := p.granule
		if st.theora {
			g = g>>st.shift + g&(1<<st.shift-1)
		}
		best = max(best, float64(g-st.preskip)/st.rate)
	}
	return best
}

// identify reads an identification header: Vorbis, Opus or Theora.
func identify(b []byte) (oggStream, bool) {
	switch {
	case len(b) >= 16 && string(b[:7]) == "\x01vorbis":
		if r := binary.LittleEndian.Uint32(b[12:]); r > 0 {
			return oggStream{rate: float64(r)}, true
		}
	case len(b) >= 12 && string(b[:8]) == "OpusHead":
		// Opus granules always count 48 kHz samples.
		return oggStream{rate: 48000, preskip: int64(binary.LittleEndian.Uint16(b[10:]))}, true
	case len(b) >= 42 && string(b[:7]) == "\x80theora":
		frn, frd := binary.BigEndian.Uint32(b[22:]), binary.BigEndian.Uint32(b[26:])
		if frn > 0 && frd > 0 {
			return oggStream{rate: float64(frn) / float64(frd), theora: true, shift: uint(b[40]&0x03)<<3 | uint(b[41]>>5)}, true
		}
	}
	return oggStream{}, false
}
