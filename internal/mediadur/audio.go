package mediadur

import (
	"encoding/binary"
	"math"
)

// wav walks the RIFF chunks for fmt's byte rate and data's length. RF64
// keeps the length of a data chunk over 4 GiB in ds64; a recording that
// was never finished says 0 or 0xFFFFFFFF, which means "to the end".
func (s *source) wav() float64 {
	h := s.read(0, 12)
	if len(h) < 12 {
		return 0
	}
	rf64 := string(h[:4]) == "RF64"
	var byteRate uint32
	var big int64 = -1 // the data length from ds64
	off := int64(12)
	for step := 0; step < 64 && off+8 <= s.size; step++ {
		c := s.read(off, 8+24)
		if len(c) < 8 {
			return 0
		}
		id, size := string(c[:4]), int64(binary.LittleEndian.Uint32(c[4:]))
		body := c[8:]
		switch id {
		case "ds64":
			if len(body) >= 16 {
				if d := binary.LittleEndian.Uint64(body[8:]); d < math.MaxInt64/2 {
					big = int64(d)
				}
			}
		case "fmt ":
			if len(body) >= 12 {
				byteRate = binary.LittleEndian.Uint32(body[8:])
			}
		case "data":
			if byteRate == 0 {
				return 0
			}
			left := s.size - off - 8
			switch {
			case rf64 && size == math.MaxUint32 && big >= 0:
				size = big
			case size == 0 || size == math.MaxUint32:
				size = left
			}
			return float64(min(size, left)) / float64(byteRate)
		}
		off += 8 + size + size&1
	}
	return 0
}

// MPEG audio tables, by version (MPEG-1, MPEG-2, MPEG-2.5) and layer.
var (
	mpegRates    = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}
	mpeg1Bitrate = [3][15]int{ // layer I, II, III; kbit/s
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	}
	mpeg2Bitrate = [3][15]int{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	}
)

// mpegFrame is a parsed MPEG audio frame header.
type mpegFrame struct {
	version int // 0 MPEG-1, 1 MPEG-2, 2 MPEG-2.5
	layer   int // 0 I, 1 II, 2 III
	bitrate int // bit/s
	rate    int // Hz
	mono    bool
	samples int // per frame
	length  int // bytes, with padding
}

func parseMPEGFrame(b []byte) (mpegFrame, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mpegFrame{}, false
	}
	var f mpegFrame
	switch (b[1] >> 3) & 3 {
	case 3:
		f.version = 0
	case 2:
		f.version = 1
	case 0:
		f.version = 2
	default:
		return mpegFrame{}, false
	}
	switch (b[1] >> 1) & 3 {
	case 3:
		f.layer = 0
	case 2:
		f.layer = 1
	case 1:
		f.layer = 2
	default:
		return mpegFrame{}, false
	}
	bi, ri := int(b[2]>>4), int(b[2]>>2)&3
	if bi == 0 || bi == 15 || ri == 3 {
		return mpegFrame{}, false // free format is not worth guessing
	}
	if f.version == 0 {
		f.bitrate = mpeg1Bitrate[f.layer][bi] * 1000
	} else {
		f.bitrate = mpeg2Bitrate[f.layer][bi] * 1000
	}
	f.rate = mpegRates[f.version][ri]
	pad := int(b[2]>>1) & 1
	f.mono = b[3]>>6 == 3
	switch {
	case f.layer == 0:
		f.samples = 384
		f.length = (12*f.bitrate/f.rate + pad) * 4
	case f.layer == 2 && f.version != 0:
		f.samples = 576
		f.length = 72*f.bitrate/f.rate + pad
	default:
		f.samples = 1152
		f.length = 144*f.bitrate/f.rate + pad
	}
	return f, f.length >= 4
}

// mp3 skips any ID3v2 tags, finds the first frame (confirmed by the one
// after it) and reads a Xing/Info or VBRI frame count from it; without
// one the file is taken to be constant bitrate.
func (s *source) mp3() float64 {
	start := int64(0)
	for step := 0; step < 8; step++ {
		h := s.read(start, 10)
		if len(h) < 10 || string(h[:3]) != "ID3" {
			break
		}
		if (h[6]|h[7]|h[8]|h[9])&0x80 != 0 {
			return 0
		}
		size := int64(h[6])<<21 | int64(h[7])<<14 | int64(h[8])<<7 | int64(h[9])
		start += 10 + size
		if h[5]&0x10 != 0 {
			start += 10 // footer
		}
	}
	b := s.read(start, 64<<10)
	for i := 0; i+4 <= len(b); i++ {
		f, ok := parseMPEGFrame(b[i:])
		if !ok {
			continue
		}
		if next := i + f.length; next+4 <= len(b) {
			if g, ok := parseMPEGFrame(b[next:]); !ok || g.version != f.version || g.layer != f.layer || g.rate != f.rate {
				continue
			}
		} else if start+int64(next) < s.size {
			continue // cannot confirm within the window
		}
		if n := vbrFrames(b[i:min(len(b), i+f.length)], f); n > 0 {
			return float64(n) * float64(f.samples) / float64(f.rate)
		}
		audio := s.size - start - int64(i)
		if t := s.read(s.size-128, 3); string(t) == "TAG" {
			audio -= 128
		}
		return float64(audio) * 8 / float64(f.bitrate)
	}
	return 0
}

// vbrFrames is the frame count of a Xing/Info or VBRI header in the first
// frame, 0 when there is none.
func vbrFrames(b []byte, f mpegFrame) uint32 {
	side := 32
	switch {
	case f.version == 0 && f.mono:
		side = 17
	case f.version != 0 && f.mono:
		side = 9
	case f.version != 0:
		side = 17
	}
	if x := 4 + side; len(b) >= x+12 && (string(b[x:x+4]) == "Xing" || string(b[x:x+4]) == "Info") {
		if binary.BigEndian.Uint32(b[x+4:])&1 != 0 {
			return binary.BigEndian.Uint32(b[x+8:])
		}
		return 0
	}
	if v := 4 + 32; len(b) >= v+18 && string(b[v:v+4]) == "VBRI" {
		return binary.BigEndian.Uint32(b[v+14:])
	}
	return 0
}
