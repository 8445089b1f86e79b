package csvline

import (
	"errors"
	"testing"
)

func TestSniff(t *testing.T) {
	for head, want := range map[string]rune{
		"nip,name,unit\n1;2;3":       ',',
		"nip;name;unit\n1,2,3":       ';',
		`"a,b,c";d;e` + "\n":         ';',
		"nip":                        ',',
		"":                           ',',
		`nip;"nama, lengkap";unit`:   ';',
		`"x;y;z",a,b` + "\nq;r;s;t;": ',',
		"nip;name,x;y":               ';',
		"nip;name\n1,2,3,4,":         ';',
	} {
		if got := Sniff([]byte(head)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", head, got, want)
		}
	}
}

func TestError(t *testing.T) {
	var err error = Fatal("too_large", 0, 20)
	var e *Error
	if !errors.As(err, &e) || !e.Fatal || err.Error() != "csv: too_large [20]" {
		t.Fatalf("%v", err)
	}
	if got := (&Error{Code: "fields", Line: 7, Args: []any{3, 2}}).Error(); got != "csv: line 7: fields [3 2]" {
		t.Fatalf("%q", got)
	}
}
