package pdftext

import (
	"testing"
	"unicode/utf8"
)

// FuzzExtract runs in process, so what it finds is what Extract itself
// fails to bound (a hang, a panic, text over the limit), not what the
// child's limits would catch anyway.
func FuzzExtract(f *testing.F) {
	f.Add(selfKidsPDF())
	f.Add(bombPDF(256 << 10))
	f.Add(onePagePDF([]byte("BT /F1 12 Tf (Halo) Tj T* [(du) -20 (nia)] TJ ET")))
	f.Add(buildPDF(
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>"),
		[]byte("<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>"),
		stream("", []byte("BT (a) Tj ET")),
	))
	f.Add(fpdfDoc(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 1000
		got, _ := Extract(b, Limits{Text: max, Stream: 1 << 20, Ops: 100_000})
		if len(got) > max || !utf8.ValidString(got) {
			t.Fatalf("%d bytes of text (valid UTF-8 %v)", len(got), utf8.ValidString(got))
		}
	})
}
