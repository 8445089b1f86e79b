package usercsv

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every record and every line error; a fatal error ends it.
func readAll(t *testing.T, src io.Reader) (*Reader, []Record, []*Error, *Error) {
	t.Helper()
	rd, err := NewReader(src)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("NewReader: %v (not an *Error)", err)
		}
		return nil, nil, nil, e
	}
	var recs []Record
	var bad []*Error
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rd, recs, bad, nil
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("Next: %v (not an *Error)", err)
		}
		switch {
		case e != nil && e.Fatal:
			return rd, recs, bad, e
		case e != nil:
			bad = append(bad, e)
		default:
			recs = append(recs, rec)
		}
	}
}

func TestReadComma(t *testing.T) {
	src := "nip,name,email,unit,roles\n" +
		"199001012015031001,Budi Santoso,budi@kotalama.go.id,DISKOMINFO,learner\n" +
		`199202022016042002,"Siti, S.Kom",,BKPSDM,"trainer;admin"` + "\n"
	rd, recs, bad, fe := readAll(t, strings.NewReader(src))
	if fe != nil || len(bad) != 0 {
		t.Fatalf("fatal %v, bad %v", fe, bad)
	}
	if rd.Comma() != ',' || !rd.Has(Email) || rd.Has(Phone) || rd.Has(SupervisorNIP) {
		t.Fatalf("comma %q, has email %v phone %v", rd.Comma(), rd.Has(Email), rd.Has(Phone))
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[1]
	if r.Line != 3 || r.Get(NIP) != "199202022016042002" || r.Get(Name) != "Siti, S.Kom" || r.Get(Roles) != "trainer;admin" || r.Get(Email) != "" {
		t.Fatalf("record %+v", r)
	}
}

func TestReadSemicolonBOMHeaderOrder(t *testing.T) {
	// Excel in an Indonesian locale: BOM, semicolons, CRLF, headers in any
	// case and order, padded, in Indonesian.
	src := "\ufeff Roles ;UNIT;Nama;NIP; jabatan ;supervisor_nip\r\n" +
		"learner;DISDIK;\"Ani \"\"Nia\"\" Rahma\";199001012015031001;Guru Ahli Pertama;\r\n" +
		"\r\n" +
		";;;;;\r\n" +
		"admin;BKPSDM;Joko;199202022016041003;\"Kepala\nBidang\";199001012015031001\r\n"
	rd, recs, bad, fe := readAll(t, strings.NewReader(src))
	if fe != nil || len(bad) != 0 {
		t.Fatalf("fatal %v, bad %v", fe, bad)
	}
	if rd.Comma() != ';' {
		t.Fatalf("comma %q", rd.Comma())
	}
	if len(recs) != 2 {
		t.Fatalf("%d records: %+v", len(recs), recs)
	}
	a, b := recs[0], recs[1]
	if a.Line != 2 || a.Get(Name) != `Ani "Nia" Rahma` || a.Get(Roles) != "learner" || a.Get(Position) != "Guru Ahli Pertama" || a.Get(Unit) != "DISDIK" {
		t.Fatalf("first %+v", a)
	}
	if b.Line != 5 || b.Get(Position) != "Kepala\nBidang" || b.Get(SupervisorNIP) != "199001012015031001" {
		t.Fatalf("second %+v", b)
	}
}

func TestHeaderErrors(t *testing.T) {
	for _, tc := range []struct{ src, code, arg string }{
		{"nip,name,foo,bar\n", CodeUnknown, "foo, bar"},
		{"nip,email\n", CodeMissing, "name"},
		{"email\n", CodeMissing, "nip, name"},
		{"nip,name,nama\n", CodeDuplicate, "name"},
		{"", CodeEmpty, ""},
		{"\ufeff", CodeEmpty, ""},
		{"nip,\"name\n", CodeQuote, ""},
	} {
		_, _, _, fe := readAll(t, strings.NewReader(tc.src))
		if fe == nil || fe.Code != tc.code || !fe.Fatal {
			t.Errorf("%q: got %v, want %s", tc.src, fe, tc.code)
			continue
		}
		if tc.arg != "" && (len(fe.Args) != 1 || fe.Args[0] != tc.arg) {
			t.Errorf("%q: args %v, want %q", tc.src, fe.Args, tc.arg)
		}
	}
}

func TestBadLinesAreLineErrors(t *testing.T) {
	src := "nip,name,unit\n" +
		"1,A,U\n" +
		"2,B\n" + // too few
		"3,C,U,extra\n" + // too many
		"4,D \"x\",U\n" + // bare quote
		"5,E,U\n"
	_, recs, bad, fe := readAll(t, strings.NewReader(src))
	if fe != nil {
		t.Fatal(fe)
	}
	if len(recs) != 2 || recs[0].Line != 2 || recs[1].Line != 6 {
		t.Fatalf("records %+v", recs)
	}
	want := []struct {
		code string
		line int
	}{{CodeFields, 3}, {CodeFields, 4}, {CodeQuote, 5}}
	if len(bad) != len(want) {
		t.Fatalf("bad %v", bad)
	}
	for i, w := range want {
		if bad[i].Code != w.code || bad[i].Line != w.line || bad[i].Fatal {
			t.Errorf("bad[%d] = %+v, want %s at %d", i, bad[i], w.code, w.line)
		}
	}
	if bad[0].Args[0] != 3 || bad[0].Args[1] != 2 {
		t.Errorf("fields args %v", bad[0].Args)
	}
}

func TestBounds(t *testing.T) {
	head := "nip,name\n"
	for _, tc := range []struct {
		name string
		src  io.Reader
		code string
		line int
	}{
		{"100 MB", io.MultiReader(strings.NewReader(head), &repeat{line: "199001012015031001," + strings.Repeat("x", 3000) + "\n", n: 100 << 20}), CodeTooLarge, 0},
		{"NUL", strings.NewReader(head + "1,A\n2,B\x00\n"), CodeBinary, 3},
		{"latin-1", strings.NewReader(head + "1,Jos\xe9\n"), CodeBinary, 2},
		{"truncated rune at end", strings.NewReader(head + "1,Jos\xc3"), CodeBinary, 2},
		{"PNG", strings.NewReader("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), CodeBinary, 1},
		{"1 MB cell", strings.NewReader(head + "1,A\n2," + strings.Repeat("x", 1<<20) + "\n"), CodeCellTooLarge, 3},
		{"5 KiB cell", strings.NewReader(head + "1," + strings.Repeat("x", 5<<10) + "\n"), CodeCellTooLarge, 2},
		{"quoted cell over lines", strings.NewReader(head + "1,\"" + strings.Repeat("xxxxxxx\n", 1000) + "\"\n"), CodeCellTooLarge, 2},
		{"too many lines", io.MultiReader(strings.NewReader(head), &repeat{line: "1,A\n", n: (MaxLines + 1) * 4}), CodeTooManyLines, 0},
	} {
		_, _, _, fe := readAll(t, tc.src)
		if fe == nil || fe.Code != tc.code || fe.Line != tc.line {
			t.Errorf("%s: got %v, want %s at line %d", tc.name, fe, tc.code, tc.line)
		}
	}
	// MaxLines itself is fine.
	_, recs, _, fe := readAll(t, io.MultiReader(strings.NewReader(head), &repeat{line: "1,A\n", n: MaxLines * 4}))
	if fe != nil || len(recs) != MaxLines {
		t.Fatalf("MaxLines lines: %v, %d records", fe, len(recs))
	}
}

// TestRunesSplitAcrossReads: a multi-byte character cut by a read is
// still valid UTF-8.
func TestRunesSplitAcrossReads(t *testing.T) {
	src := "nip,name\n1,Raden Ajeng Kartini — Jeparaé 日本\n"
	_, recs, bad, fe := readAll(t, iotest.OneByteReader(strings.NewReader(src)))
	if fe != nil || len(bad) != 0 || len(recs) != 1 || recs[0].Get(Name) != "Raden Ajeng Kartini — Jeparaé 日本" {
		t.Fatalf("fatal %v bad %v recs %+v", fe, bad, recs)
	}
}

// TestStreams: reading a large file holds a buffer, not the file.
func TestStreams(t *testing.T) {
	src := &repeat{line: "199001012015031001,Budi Santoso,budi@kotalama.go.id\n", n: 10 << 20}
	rd, err := NewReader(io.MultiReader(strings.NewReader("nip,name,email\n"), src))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	allocs := testing.AllocsPerRun(1, func() {
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
			n++
		}
	})
	if n < 100_000/2 && n != MaxLines {
		t.Fatalf("read %d records", n)
	}
	// A few strings per record; the buffers are reused.
	if perRec := allocs / float64(n); perRec > 8 {
		t.Fatalf("%.1f allocations a record", perRec)
	}
}

// repeat yields line over and over, n bytes in all.
type repeat struct {
	line string
	n    int
	off  int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.n > 0 {
		c := copy(p[k:min(len(p), k+r.n)], r.line[r.off:])
		r.off = (r.off + c) % len(r.line)
		k += c
		r.n -= c
	}
	return k, nil
}

var _ = bytes.Equal
