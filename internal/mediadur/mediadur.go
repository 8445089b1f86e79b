// Package mediadur reads the running time of an audio or video file from
// its container: MP4/MOV, WebM/Matroska, Ogg (Vorbis, Opus, Theora), MP3
// and WAV.
//
// Completion of a video lesson is credited against this length, so it must
// come from the file, never from a player's report. The file sits in an
// object store where every read is a request: reads are few, small and
// bounded whatever the file's length fields say, nothing is allocated in
// proportion to them, and every walk has a fixed step limit.
package mediadur

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
)

// Version changes when the package learns to read more files, so that
// callers who stored "unreadable" can try again.
const Version = 1

const (
	// headLen and tailLen are the windows read at either end of the file.
	headLen = 256 << 10
	tailLen = 256 << 10
	// maxRead bounds the bytes read in all, maxReads the requests.
	maxRead  = 1 << 20
	maxReads = 200
	// maxSteps bounds every walk over boxes, elements, chunks or pages.
	maxSteps = 4096
)

// Duration returns the running time in seconds of the media file read
// from r, size bytes long, and whether it could be read. The format is
// recognised from the first bytes; any error, truncation or implausible
// field gives ok=false.
func Duration(r io.ReaderAt, size int64) (float64, bool) {
	if r == nil || size <= 0 {
		return 0, false
	}
	s := &source{r: r, size: size}
	head := s.read(0, 64)
	var d float64
	switch {
	case len(head) >= 8 && isMP4Box(head[4:8]):
		d = s.mp4()
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		d = s.matroska()
	case bytes.HasPrefix(head, []byte("OggS")):
		d = s.ogg()
	case len(head) >= 12 && (string(head[:4]) == "RIFF" || string(head[:4]) == "RF64") && string(head[8:12]) == "WAVE":
		d = s.wav()
	case bytes.HasPrefix(head, []byte("ID3")) || (len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0):
		d = s.mp3()
	}
	if math.IsNaN(d) || math.IsInf(d, 0) || d <= 0 {
		return 0, false
	}
	return d, true
}

// source reads ranges of the file within the package's budget.
type source struct {
	r     io.ReaderAt
	size  int64
	spent int64
	reads int
}

// read returns up to n bytes at off, fewer at the end of the file, and
// nil when off is outside it, a read fails or the budget is spent.
func (s *source) read(off, n int64) []byte {
	if off < 0 || off >= s.size || n <= 0 {
		return nil
	}
	n = min(n, s.size-off, maxRead-s.spent)
	if n <= 0 || s.reads >= maxReads {
		return nil
	}
	s.spent += n
	s.reads++
	b := make([]byte, n)
	got, err := s.r.ReadAt(b, off)
	if got < len(b) && err == nil {
		return nil // a ReaderAt that breaks its contract
	}
	return b[:got]
}

// tail reads the last n bytes (fewer in a small file) and their offset.
func (s *source) tail(n int64) ([]byte, int64) {
	off := max(0, s.size-n)
	return s.read(off, s.size-off), off
}

func isMP4Box(t []byte) bool {
	switch string(t) {
	case "ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "styp", "uuid":
		return true
	}
	return false
}

// --- MP4 / QuickTime ---

// mp4 walks the top-level boxes to moov, then moov's children to mvhd,
// one small read per box header: a moov after a large mdat costs a few
// requests, not a download.
func (s *source) mp4() float64 {
	off := int64(0)
	for step := 0; step < 64 && off+8 <= s.size; step++ {
		typ, body, end, ok := s.box(off, s.size)
		if !ok {
			return 0
		}
		if typ == "moov" {
			return s.moov(body, end)
		}
		off = end
	}
	return 0
}

// box reads the header of the box at off inside a parent ending at limit:
// its type, where its body starts and where it ends.
func (s *source) box(off, limit int64) (typ string, body, end int64, ok bool) {
	h := s.read(off, 16)
	if len(h) < 8 {
		return "", 0, 0, false
	}
	size, hdr := uint64(binary.BigEndian.Uint32(h)), int64(8)
	switch size {
	case 1:
		if len(h) < 16 {
			return "", 0, 0, false
		}
		size, hdr = binary.BigEndian.Uint64(h[8:]), 16
	case 0:
		size = uint64(limit - off) // to the end of the parent
	}
	if size < uint64(hdr) || size > uint64(limit-off) {
		return "", 0, 0, false
	}
	return string(h[4:8]), off + hdr, off + int64(size), true
}

func (s *source) moov(off, end int64) float64 {
	var scale uint32
	var dur float64
	haveMvhd := false
	for step := 0; step < 64 && off+8 <= end; step++ {
		typ, body, next, ok := s.box(off, end)
		if !ok {
			break
		}
		switch typ {
		case "mvhd":
			scale, dur, haveMvhd = mvhd(s.read(body, min(next-body, 32)))
			if !haveMvhd {
				return 0
			}
			if dur > 0 {
				return dur / float64(scale)
			}
		case "mvex":
			// A fragmented file's mvhd may say 0; mehd holds the length.
			if haveMvhd {
				if d := s.mehd(body, next); d > 0 {
					return d / float64(scale)
				}
			}
		}
		off = next
	}
	return 0
}

// mvhd returns the timescale and the duration (0 when unknown) of an mvhd
// box body; ok=false when it is malformed or its timescale is 0.
func mvhd(b []byte) (scale uint32, dur float64, ok bool) {
	if len(b) < 20 {
		return 0, 0, false
	}
	if b[0] == 1 {
		if len(b) < 32 {
			return 0, 0, false
		}
		scale = binary.BigEndian.Uint32(b[20:])
		if d := binary.BigEndian.Uint64(b[24:]); d != math.MaxUint64 {
			dur = float64(d)
		}
	} else {
		scale = binary.BigEndian.Uint32(b[12:])
		if d := binary.BigEndian.Uint32(b[16:]); d != math.MaxUint32 {
			dur = float64(d)
		}
	}
	return scale, dur, scale != 0
}

func (s *source) mehd(off, end int64) float64 {
	for step := 0; step < 16 && off+8 <= end; step++ {
		typ, body, next, ok := s.box(off, end)
		if !ok {
			return 0
		}
		if typ == "mehd" {
			b := s.read(body, min(next-body, 12))
			switch {
			case len(b) >= 12 && b[0] == 1:
				return float64(binary.BigEndian.Uint64(b[4:]))
			case len(b) >= 8 && b[0] == 0:
				return float64(binary.BigEndian.Uint32(b[4:]))
			}
			return 0
		}
		off = next
	}
	return 0
}
