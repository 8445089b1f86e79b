package content

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

func TestExtractPDFText(t *testing.T) {
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
	got := extractPDFText(buf.Bytes())
	for _, want := range []string{"Pelayanan publik yang prima", "standar pelayanan", "kearsipan digital"} {
		if !strings.Contains(got, want) {
			t.Errorf("extracted text lacks %q: %q", want, got)
		}
	}
	// Damaged or foreign input gives no text and no panic.
	for _, bad := range [][]byte{nil, []byte("%PDF-1.4 rusak"), buf.Bytes()[:buf.Len()/2]} {
		_ = extractPDFText(bad)
	}
}
