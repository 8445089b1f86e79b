package content

import (
	"context"
	"encoding/binary"
	"io"
)

// mp4Duration reads the movie duration from the mvhd box, walking the
// top-level boxes with small ranged reads so a moov at the end of a large
// file costs a few requests, not a download. 0 when it cannot tell.
func (s *Service) mp4Duration(ctx context.Context, a Asset) float64 {
	read := func(off, n int64) []byte {
		rc, err := s.blobs.Get(ctx, a.Key, off, n)
		if err != nil {
			return nil
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, n))
		if err != nil {
			return nil
		}
		return b
	}
	for off, boxes := int64(0), 0; off+8 <= a.Size && boxes < 64; boxes++ {
		h := read(off, 16)
		if len(h) < 8 {
			return 0
		}
		size, hdr := int64(binary.BigEndian.Uint32(h)), int64(8)
		switch size {
		case 1:
			if len(h) < 16 {
				return 0
			}
			size, hdr = int64(binary.BigEndian.Uint64(h[8:])), 16
		case 0:
			size = a.Size - off
		}
		if size < hdr {
			return 0
		}
		if string(h[4:8]) == "moov" {
			if size > 64<<20 {
				return 0
			}
			return mvhdDuration(read(off+hdr, size-hdr))
		}
		off += size
	}
	return 0
}

// mvhdDuration finds the mvhd box among moov's children.
func mvhdDuration(moov []byte) float64 {
	for len(moov) >= 8 {
		size := int(binary.BigEndian.Uint32(moov))
		if size < 8 || size > len(moov) {
			return 0
		}
		if string(moov[4:8]) == "mvhd" {
			b := moov[8:size]
			if len(b) < 20 {
				return 0
			}
			if b[0] == 1 {
				if len(b) < 32 {
					return 0
				}
				scale, dur := binary.BigEndian.Uint32(b[20:]), binary.BigEndian.Uint64(b[24:])
				if scale == 0 {
					return 0
				}
				return float64(dur) / float64(scale)
			}
			scale, dur := binary.BigEndian.Uint32(b[12:]), binary.BigEndian.Uint32(b[16:])
			if scale == 0 {
				return 0
			}
			return float64(dur) / float64(scale)
		}
		moov = moov[size:]
	}
	return 0
}
