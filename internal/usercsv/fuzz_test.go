package usercsv

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReader: whatever the bytes, reading ends (EOF or a refusal) without
// a panic; records come in line order with valid UTF-8 cells within the
// cap; a line error names a line after the header.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"nip,name,email,phone,unit,position,supervisor_nip,roles\n199001012015031001,Budi,b@x.id,0812,U,Staf,,learner\n",
		"\ufeffNIP;Nama;Unit\r\n1;\"A;B\";U\r\n2;C\r\n",
		"nip,name\n1,\"unterminated\n2,B\n",
		"nip,name\n1,a\"b\n",
		"nip,name,,\n1,A,,\n",
		"nip,name,x\n",
		"nip,name\n\x00",
		"nip,name\n1,\xff\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(strings.NewReader(string(data)))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !e.Fatal {
				t.Fatalf("NewReader: %v", err)
			}
			return
		}
		last := 1
		for i := 0; ; i++ {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var e *Error
			if err != nil {
				if !errors.As(err, &e) {
					t.Fatalf("Next: %v", err)
				}
				if e.Fatal {
					return
				}
				if e.Line <= 1 {
					t.Fatalf("line error at line %d", e.Line)
				}
				continue
			}
			if rec.Line <= last {
				t.Fatalf("record at line %d after %d", rec.Line, last)
			}
			last = rec.Line
			for _, v := range rec.Values {
				if len(v) > MaxCellBytes || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Fatalf("cell %q", v)
				}
			}
			if i > MaxLines+1 {
				t.Fatal("no end")
			}
		}
	})
}
