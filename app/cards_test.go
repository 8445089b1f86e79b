package app

import (
	"math"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// TestCoverSVG: a drawn cover is the same for the same course, differs
// between courses, escapes the title and keeps white initials readable.
func TestCoverSVG(t *testing.T) {
	a := string(coverSVG("c123", "Pelayanan Publik Prima", "Teknis"))
	if a != string(coverSVG("c123", "Pelayanan Publik Prima", "Teknis")) {
		t.Fatal("cover is not deterministic")
	}
	if a == string(coverSVG("c124", "Pelayanan Publik Prima", "Teknis")) {
		t.Error("two courses share a cover")
	}
	if !strings.Contains(a, ">PP</text>") || !strings.Contains(a, `aria-hidden="true"`) || len(a) > 1200 {
		t.Errorf("cover %d bytes: %s", len(a), a)
	}
	evil := string(coverSVG(`c"><script>`, `<Etika> & "Integritas"`, "Lain"))
	if strings.Contains(evil, "<script") || strings.Contains(evil, "<Etika") {
		t.Errorf("cover not escaped: %s", evil)
	}
	for _, c := range []struct{ title, want string }{
		{"Pelayanan Publik Prima", "PP"}, {"Etika dan Integritas", "EI"}, {"  ", "K"}, {"ölçü untuk semua", "ÖS"},
	} {
		if got := initials(c.title); got != c.want {
			t.Errorf("initials(%q) = %q, want %q", c.title, got, c.want)
		}
	}
	// Both gradient stops are dark enough for the white initials, large
	// text (WCAG 1.4.3: 3:1), on every hue.
	for hue := 0.0; hue < 360; hue += 5 {
		for _, l := range []float64{0.28, 0.34} {
			if lum := relLuminance(hsl(hue, 0.60, l)); (1.05)/(lum+0.05) < 3 {
				t.Errorf("hue %v lightness %v: contrast with white %.2f", hue, l, 1.05/(lum+0.05))
			}
		}
	}
}

func relLuminance(hex string) float64 {
	var r, g, b int
	for i, p := range []*int{&r, &g, &b} {
		v := 0
		for _, ch := range hex[1+2*i : 3+2*i] {
			v = v*16 + strings.IndexRune("0123456789abcdef", ch)
		}
		*p = v
	}
	lin := func(c int) float64 {
		x := float64(c) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func TestFormatFuncs(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{"id", 45, "45 menit"}, {"id", 60, "1 jam"}, {"id", 95, "1 jam 35 menit"}, {"en", 95, "1 h 35 min"}, {"id", 60 * 1500, "1.500 jam"}} {
		if got := formatMinutes(c.lang, c.n); got != c.want {
			t.Errorf("formatMinutes(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got, _ := formatPercent("id", 62.5); got != "62,5%" {
		t.Errorf("pct id %q", got)
	}
	if got, _ := formatPercent("en", 62.5); got != "62.5%" {
		t.Errorf("pct en %q", got)
	}
	if got, _ := formatNumber("id", int64(12345)); got != "12.345" {
		t.Errorf("num id %q", got)
	}
	if _, err := formatNumber("id", "x"); err == nil {
		t.Error("num accepted a string")
	}
	if _, err := icon("no-such-icon"); err == nil {
		t.Error("unknown icon accepted")
	}
	for _, k := range []string{content.KindText, content.KindVideo, content.KindFile, content.KindQuiz} {
		if _, err := icon(k); err != nil {
			t.Errorf("no icon for lesson kind %s", k)
		}
	}
}
