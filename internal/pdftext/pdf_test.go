package pdftext

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/kotalama/kompeten/internal/pdftext/pdftexttest"
)

var (
	buildPDF    = pdftexttest.Build
	stream      = pdftexttest.Stream
	selfKidsPDF = pdftexttest.SelfKids
	onePagePDF  = pdftexttest.OnePage
	bombPDF     = pdftexttest.Bomb
)

// fpdfDoc is an ordinary two-page document from a real PDF writer.
func fpdfDoc(t testing.TB) []byte {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.MultiCell(0, 6, "Pelayanan publik yang prima menuntut ASN memahami standar pelayanan.", "", "L", false)
	p.AddPage()
	p.MultiCell(0, 6, "Halaman kedua: kearsipan digital.", "", "L", false)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantWords(t *testing.T, got string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(got, w) {
			t.Errorf("text lacks %q: %.200q", w, got)
		}
	}
}
