package assesscsv

import (
	"errors"
	"strings"
	"testing"
)

// TestRead: a BOM, semicolons, aliases, a blank line and bad lines with
// their numbers; whole-file refusals.
func TestRead(t *testing.T) {
	in := "\ufeffNIP;Periode;Etika;Catatan\n1;2026;3;\"a; b\"\n\n2;2026;4\n3;2026;\"x\n"
	f, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tags) != 1 || f.Tags[0] != "Etika" || len(f.Records) != 1 || f.Records[0].Note != "a; b" || f.Records[0].Line != 2 {
		t.Fatalf("file = %+v", f)
	}
	if len(f.Errors) != 2 || f.Errors[0].Line != 4 || f.Errors[0].Code != CodeFields || f.Errors[1].Line != 5 || f.Errors[1].Code != CodeQuote {
		t.Fatalf("errors = %v", f.Errors)
	}
	for body, code := range map[string]string{
		"":                              CodeEmpty,
		"nip,etika\n1,2\n":              CodeMissing,
		"nip,period\n1,2026\n":          CodeMissing,
		"nip,nip,period,x\n":            CodeDuplicate,
		"nip,period,x\n1,\x00,2\n":      CodeBinary,
		"nip,period,x\n1,\xff,2\n":      CodeBinary,
		strings.Repeat("x", MaxBytes+1): CodeTooLarge,
	} {
		_, err := Read(strings.NewReader(body))
		var e *Error
		if !errors.As(err, &e) || !e.Fatal || e.Code != code {
			t.Errorf("%.30q: %v, want %s", body, err, code)
		}
	}
}
