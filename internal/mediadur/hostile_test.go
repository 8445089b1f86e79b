package mediadur

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// counting is a ReaderAt that records what was asked of it.
type counting struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	reads, bytes int64
}

func (c *counting) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	c.bytes += int64(len(p))
	return c.r.ReadAt(p, off)
}

// endless is a file of any length: head, then fill repeated to the end.
type endless struct {
	head, fill []byte
	size       int64
}

func (e endless) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		o := off + int64(i)
		switch {
		case o < int64(len(e.head)):
			p[i] = e.head[o]
		case len(e.fill) > 0:
			p[i] = e.fill[(o-int64(len(e.head)))%int64(len(e.fill))]
		default:
			p[i] = 0
		}
	}
	return len(p), nil
}

// bounded runs Duration on r and fails if it read more than the budget.
func bounded(t *testing.T, r interface {
	ReadAt([]byte, int64) (int, error)
}, size int64) (float64, bool) {
	t.Helper()
	c := &counting{r: r}
	d, ok := Duration(c, size)
	if c.bytes > maxRead || c.reads > maxReads {
		t.Errorf("read %d bytes in %d requests, over the budget", c.bytes, c.reads)
	}
	return d, ok
}

func box(typ string, body ...[]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(bytes.Join(body, nil))))
	return append(append(b, typ...), bytes.Join(body, nil)...)
}

func mvhdBody(version byte, scale uint32, dur uint64) []byte {
	b := []byte{version, 0, 0, 0}
	if version == 1 {
		b = append(b, make([]byte, 16)...)
		b = binary.BigEndian.AppendUint32(b, scale)
		b = binary.BigEndian.AppendUint64(b, dur)
	} else {
		b = append(b, make([]byte, 8)...)
		b = binary.BigEndian.AppendUint32(b, scale)
		b = binary.BigEndian.AppendUint32(b, uint32(dur))
	}
	return append(b, make([]byte, 80)...)
}

var ftyp = box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2"))

func TestMP4(t *testing.T) {
	large := func(typ string, size uint64) []byte { // a 64-bit size header
		b := binary.BigEndian.AppendUint32(nil, 1)
		b = append(b, typ...)
		return binary.BigEndian.AppendUint64(b, size)
	}
	for _, c := range []struct {
		name string
		file []byte
		want float64
	}{
		{"mvhd v0", bytes.Join([][]byte{ftyp, box("moov", box("mvhd", mvhdBody(0, 1000, 12345)))}, nil), 12.345},
		{"mvhd v1", bytes.Join([][]byte{ftyp, box("moov", box("mvhd", mvhdBody(1, 90000, 90000*3600)))}, nil), 3600},
		{"moov after a 64-bit mdat", bytes.Join([][]byte{ftyp, large("mdat", 16+40), make([]byte, 40), box("moov", box("mvhd", mvhdBody(0, 600, 1200)))}, nil), 2},
		{"fragmented: mehd", bytes.Join([][]byte{ftyp, box("moov", box("mvhd", mvhdBody(0, 1000, 0)),
			box("mvex", box("mehd", []byte{0, 0, 0, 0, 0, 0, 0x13, 0x88})))}, nil), 5},
		{"zero timescale", bytes.Join([][]byte{ftyp, box("moov", box("mvhd", mvhdBody(0, 0, 1000)))}, nil), 0},
		{"unknown duration", bytes.Join([][]byte{ftyp, box("moov", box("mvhd", mvhdBody(0, 1000, math.MaxUint32)))}, nil), 0},
		{"no moov", bytes.Join([][]byte{ftyp, box("mdat", make([]byte, 100))}, nil), 0},
		{"mvhd cut short", bytes.Join([][]byte{ftyp, box("moov", box("mvhd", []byte{0, 0, 0, 0, 1, 2}))}, nil), 0},
		{"moov larger than the file", bytes.Join([][]byte{ftyp, large("moov", 1<<62), box("mvhd", mvhdBody(0, 1, 1))}, nil), 0},
		{"box smaller than its header", bytes.Join([][]byte{ftyp, {0, 0, 0, 3, 'm', 'o', 'o', 'v'}}, nil), 0},
	} {
		got, ok := bounded(t, bytes.NewReader(c.file), int64(len(c.file)))
		if ok != (c.want > 0) || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %g %v, want %g", c.name, got, ok, c.want)
		}
	}
	// A terabyte of 16-byte boxes: the walk gives up after a few requests.
	d, ok := bounded(t, endless{head: ftyp, fill: box("free", make([]byte, 8)), size: 1 << 40}, 1<<40)
	if ok {
		t.Errorf("endless boxes: %g", d)
	}
}

// ebml encodes an element with a one-to-four byte id and an 8-byte size.
func ebml(id uint32, body ...[]byte) []byte {
	idb := binary.BigEndian.AppendUint32(nil, id)
	for len(idb) > 1 && idb[0] == 0 {
		idb = idb[1:]
	}
	data := bytes.Join(body, nil)
	size := binary.BigEndian.AppendUint64(nil, uint64(len(data)))
	size[0] = 0x01 // 8-byte vint marker
	return append(append(idb, size...), data...)
}

func f64(x float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(x)) }

var ebmlHeader = ebml(idEBML, ebml(0x4282, []byte("webm")))

func TestMatroska(t *testing.T) {
	unknownSegment := []byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	info := ebml(idInfo, ebml(idTimecodeScale, []byte{0x0F, 0x42, 0x40}), ebml(idDuration, f64(2500)))
	for _, c := range []struct {
		name string
		file []byte
		want float64
	}{
		{"info", bytes.Join([][]byte{ebmlHeader, ebml(idSegment, info)}, nil), 2.5},
		{"unknown-size segment", bytes.Join([][]byte{ebmlHeader, unknownSegment, info}, nil), 2.5},
		{"timecode scale 1 µs, float32", bytes.Join([][]byte{ebmlHeader, ebml(idSegment, ebml(idInfo,
			ebml(idTimecodeScale, []byte{0x03, 0xE8}), ebml(idDuration, binary.BigEndian.AppendUint32(nil, math.Float32bits(4e6)))))}, nil), 4},
		{"zero timecode scale", bytes.Join([][]byte{ebmlHeader, ebml(idSegment, ebml(idInfo,
			ebml(idTimecodeScale, []byte{0}), ebml(idDuration, f64(2500))))}, nil), 0},
		{"no duration, cluster at 9 s", bytes.Join([][]byte{ebmlHeader, unknownSegment, ebml(idInfo),
			ebml(idCluster, ebml(idTimecode, []byte{0x23, 0x28}), ebml(idSimpleBlock, []byte{0x81, 0x01, 0xF4, 0x80}))}, nil), 9.5},
		{"NaN duration", bytes.Join([][]byte{ebmlHeader, ebml(idSegment, ebml(idInfo, ebml(idDuration, f64(math.NaN()))))}, nil), 0},
		{"infinite duration", bytes.Join([][]byte{ebmlHeader, ebml(idSegment, ebml(idInfo, ebml(idDuration, f64(math.Inf(1)))))}, nil), 0},
		{"element larger than the file", bytes.Join([][]byte{ebmlHeader, unknownSegment,
			{0x15, 0x49, 0xA9, 0x66, 0x01, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}}, nil), 0},
		{"header only", ebmlHeader, 0},
	} {
		got, ok := bounded(t, bytes.NewReader(c.file), int64(len(c.file)))
		if ok != (c.want > 0) || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %g %v, want %g", c.name, got, ok, c.want)
		}
	}
	// Empty elements without end, and a SeekHead pointing Info back at
	// itself: both walks stop.
	voids := bytes.Repeat([]byte{0xEC, 0x80}, 200_000)
	seek := ebml(idSeekHead, ebml(idSeek, ebml(idSeekID, []byte{0x15, 0x49, 0xA9, 0x66}), ebml(idSeekPosition, []byte{0})))
	for name, r := range map[string]endless{
		"voids":   {head: append(append(append([]byte{}, ebmlHeader...), unknownSegment...), voids...), fill: []byte{0xEC, 0x80}, size: 1 << 40},
		"seek":    {head: bytes.Join([][]byte{ebmlHeader, unknownSegment, seek}, nil), size: 1 << 40},
		"markers": {head: bytes.Join([][]byte{ebmlHeader, unknownSegment, ebml(idInfo)}, nil), fill: []byte{0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xEC, 0x80}, size: 1 << 40},
	} {
		if d, ok := bounded(t, r, r.size); ok {
			t.Errorf("%s: %g", name, d)
		}
	}
}

func TestWAVAndMP3Edges(t *testing.T) {
	wav := func(id string, dataSize uint32, data int) []byte {
		fmtc := []byte("fmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1F\x00\x00\x40\x1F\x00\x00\x01\x00\x08\x00")
		b := append([]byte(id+"\x00\x00\x00\x00WAVE"), fmtc...)
		b = append(b, "data"...)
		b = binary.LittleEndian.AppendUint32(b, dataSize)
		return append(b, make([]byte, data)...)
	}
	for _, c := range []struct {
		name string
		file []byte
		want float64
	}{
		{"wav", wav("RIFF", 16000, 16000), 2},
		{"wav streamed: size unknown", wav("RIFF", math.MaxUint32, 8000), 1},
		{"wav truncated", wav("RIFF", 16000, 4000), 0.5},
		{"wav without fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x10\x00\x00\x00"), 0},
		{"mp3 ID3 with a bad size", []byte("ID3\x04\x00\x00\x80\x80\x80\x80\xFF\xFB\x90\x00"), 0},
		{"mp3 ID3 larger than the file", []byte("ID3\x04\x00\x00\x7F\x7F\x7F\x7F\xFF\xFB\x90\x00"), 0},
		{"ogg without a known stream", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x04abcd"), 0},
	} {
		got, ok := bounded(t, bytes.NewReader(c.file), int64(len(c.file)))
		if ok != (c.want > 0) || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %g %v, want %g", c.name, got, ok, c.want)
		}
	}
	// Fake frame syncs for a terabyte: one window is scanned, no more.
	bounded(t, endless{head: []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), fill: []byte{0xFF, 0xFF, 0xE0}, size: 1 << 40}, 1<<40)
}

// TestTruncatedFixtures: every prefix class of every fixture reads
// within the budget, without panicking.
func TestTruncatedFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(b); n += 1 + n/8 {
			bounded(t, bytes.NewReader(b[:n]), int64(n))
		}
	}
}

// TestLyingSize: a size larger than what the reader holds is not trusted
// past what could be read.
func TestLyingSize(t *testing.T) {
	b, err := os.ReadFile("testdata/video.webm")
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, bytes.NewReader(b), 1<<50)
	bounded(t, bytes.NewReader(b), -1)
	if _, ok := Duration(nil, 10); ok {
		t.Error("nil reader read")
	}
}
