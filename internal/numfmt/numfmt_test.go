package numfmt

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		lang string
		f    float64
		d    int
		want string
	}{
		{"id", 62.5, 1, "62,5"},
		{"en", 62.5, 1, "62.5"},
		{"id", 1234567, 0, "1.234.567"},
		{"en", 1234567, 0, "1,234,567"},
		{"id", 1234.5, 2, "1.234,5"},
		{"id", 62.0, 1, "62"},
		{"id", 0.05, 1, "0,1"},
		{"id", 999.96, 1, "1.000"},
		{"id", -1500.25, 2, "-1.500,25"},
		{"id", -0.01, 1, "0"},
		{"id", 100, 0, "100"},
		{"xx", 1000, 0, "1.000"}, // unknown languages read as the default, Indonesian
		{"id", math.NaN(), 1, "–"},
	} {
		if got := Float(c.lang, c.f, c.d); got != c.want {
			t.Errorf("Float(%s, %v, %d) = %q, want %q", c.lang, c.f, c.d, got, c.want)
		}
	}
	if got := Percent("id", 62.5); got != "62,5%" {
		t.Errorf("Percent id = %q", got)
	}
	if got := Percent("en", 62.5); got != "62.5%" {
		t.Errorf("Percent en = %q", got)
	}
	if got := Int("id", 12500); got != "12.500" {
		t.Errorf("Int id = %q", got)
	}
}
