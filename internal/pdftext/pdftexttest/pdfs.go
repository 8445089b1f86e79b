// Package pdftexttest builds hostile and ordinary PDFs in code, for the
// tests of every package that reads PDFs.
package pdftexttest

import (
	"bytes"
	"compress/zlib"
	"fmt"
)

// Build writes a PDF whose object n is objs[n-1], with a correct cross
// reference table; object 1 must be the catalog.
func Build(objs ...[]byte) []byte {
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

// Stream is a stream object with dict's entries and a correct /Length.
func Stream(dict string, data []byte) []byte {
	return fmt.Appendf(nil, "<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// Deflate compresses data as /FlateDecode expects.
func Deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// SelfKids is the tiny file (under 250 bytes) that pinned a core forever:
// the page tree's only kid is the tree itself.
func SelfKids() []byte {
	return Build(
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
	)
}

// OnePage is a one-page file whose content stream is content, deflated,
// with a Helvetica font named F1.
func OnePage(content []byte) []byte {
	return Build(
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
		Stream("/Filter /FlateDecode", Deflate(content)),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
	)
}

// Bomb is a one-page file whose text inflates to about size bytes, in
// short text operators: the file is about a thousandth of that.
func Bomb(size int) []byte {
	line := []byte("(Pelayanan publik yang prima menuntut ASN memahami standar.) Tj T*\n")
	content := append([]byte("BT /F1 12 Tf\n"), bytes.Repeat(line, size/len(line))...)
	return OnePage(append(content, "ET\n"...))
}

// GiantToken is a one-page file whose only text operand is one string of
// size bytes: the library holds a token whole, so only a memory limit
// bounds it.
func GiantToken(size int) []byte {
	content := append([]byte("BT ("), bytes.Repeat([]byte("A"), size)...)
	return OnePage(append(content, ") Tj ET"...))
}
