package svgchart

import (
	"encoding/xml"
	"math"
	"strings"
	"testing"
)

func TestChartsAreWellFormedAndSayTheirNumbers(t *testing.T) {
	for _, k := range []Kind{Bars, Line} {
		c := Chart{ID: "ikm", Title: "IKM per bulan <Dinas>", Kind: k, Labels: []string{"Jan", "Feb", "Mar"},
			Series: []Series{{Name: "Layanan KTP", Values: []float64{81.5, math.NaN(), 70}}, {Name: "B&B", Values: []float64{90, 88.31, 65}}},
			Max:    100, Marks: []Mark{{Value: 76.61, Label: "B"}}}
		svg := c.SVG()
		if err := xml.Unmarshal([]byte(svg), new(any)); err != nil {
			t.Fatalf("kind %d: not well-formed XML: %v\n%s", k, err, svg)
		}
		for _, want := range []string{`role="img"`, `aria-labelledby="ikm-t ikm-d"`, "IKM per bulan &lt;Dinas&gt;", "Jan: 81.5", "Feb: 88.31", "B&amp;B"} {
			if !strings.Contains(svg, want) {
				t.Errorf("kind %d: SVG lacks %q", k, want)
			}
		}
		if strings.Contains(svg, "NaN") {
			t.Errorf("kind %d: a gap drawn as NaN", k)
		}
		tab := c.Table("Angka IKM")
		if err := xml.Unmarshal([]byte(tab), new(any)); err != nil {
			t.Fatalf("table not well-formed: %v", err)
		}
		if !strings.Contains(tab, "<caption>Angka IKM</caption>") || !strings.Contains(tab, "<td>–</td>") || !strings.Contains(tab, "<td>65</td>") {
			t.Errorf("table %s", tab)
		}
	}
}

func TestEmptyChart(t *testing.T) {
	svg := Chart{ID: "x", Title: "Kosong"}.SVG()
	if err := xml.Unmarshal([]byte(svg), new(any)); err != nil || strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Fatalf("%v %s", err, svg)
	}
}
