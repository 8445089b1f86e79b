package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// buildPDF writes a PDF whose object n is objs[n-1], with a correct cross
// reference table, object 1 being the catalog.
func buildPDF(objs ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func stream(dict string, data []byte) []byte {
	return fmt.Appendf(nil, "<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// selfKidsPDF is the 244-byte kind of file that pinned a core forever: the
// page tree's only kid is the tree itself.
func selfKidsPDF() []byte {
	return buildPDF(
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
	)
}

// onePagePDF is a one-page file whose content stream is content, deflated.
func onePagePDF(content []byte) []byte {
	return buildPDF(
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
		stream("/Filter /FlateDecode", deflate(content)),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
	)
}

// bombPDF is a page whose text inflates to size bytes: many short text
// operators, about 1000 times smaller deflated.
func bombPDF(size int) []byte {
	line := []byte("(Pelayanan publik yang prima menuntut ASN memahami standar.) Tj T*\n")
	content := append([]byte("BT /F1 12 Tf\n"), bytes.Repeat(line, size/len(line))...)
	return onePagePDF(append(content, "ET\n"...))
}

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
