package pdftext

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestExtractText(t *testing.T) {
	got, err := Extract(fpdfDoc(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wantWords(t, got, "Pelayanan publik yang prima", "standar pelayanan", "Halaman kedua: kearsipan digital.")
	if strings.Contains(got, "  ") || got != strings.TrimSpace(got) {
		t.Errorf("spaces not normalised: %q", got)
	}
}

func TestExtractSelfKids(t *testing.T) {
	b := selfKidsPDF()
	if len(b) > 300 {
		t.Fatalf("test file is %d bytes, want the tiny kind", len(b))
	}
	done := make(chan error, 1)
	go func() { _, err := Extract(b, Limits{}); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "dirinya sendiri") {
			t.Fatalf("err = %v, want a cycle named", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Extract loops on a page tree that contains itself")
	}
}

// A cycle further down (a kid pointing back at its grandparent) and a
// page listed twice are read once each.
func TestExtractDeepCycle(t *testing.T) {
	b := buildPDF(
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R 4 0 R 4 0 R] /Count 3 >>"),
		[]byte("<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
		[]byte("<< /Type /Page /Contents 5 0 R >>"),
		stream("", []byte("BT (satu) Tj ET")),
	)
	got, err := Extract(b, Limits{})
	if !errors.Is(err, ErrUnreadable) {
		t.Errorf("err = %v, want the cycle reported", err)
	}
	if got != "satu" {
		t.Errorf("text = %q, want the one page once", got)
	}
}

func TestExtractCapsText(t *testing.T) {
	b := bombPDF(1 << 20)
	for _, max := range []int{1, 7, 1000, 4097} {
		got, err := Extract(b, Limits{Text: max})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > max || len(got) < max-4 || !utf8.ValidString(got) {
			t.Errorf("cap %d: got %d bytes", max, len(got))
		}
	}
}

// The stream limit stops an inflation bomb before the library reads it.
func TestExtractStreamLimit(t *testing.T) {
	b := bombPDF(4 << 20)
	got, err := Extract(b, Limits{Stream: 1 << 20})
	if !errors.Is(err, ErrUnreadable) || got != "" {
		t.Fatalf("got %d bytes, err %v; want the page refused", len(got), err)
	}
}

func TestExtractOpsLimit(t *testing.T) {
	got, err := Extract(bombPDF(1<<20), Limits{Ops: 100, Text: 1 << 30})
	if !errors.Is(err, ErrUnreadable) || len(got) > 100*80 {
		t.Fatalf("got %d bytes, err %v; want the operators counted", len(got), err)
	}
}

func TestExtractDepthLimit(t *testing.T) {
	objs := [][]byte{[]byte("<< /Type /Catalog /Pages 2 0 R >>")}
	const depth = 100
	for i := 2; i < depth+2; i++ {
		objs = append(objs, fmt.Appendf(nil, "<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", i+1))
	}
	objs = append(objs, []byte("<< /Type /Page >>"))
	_, err := Extract(buildPDF(objs...), Limits{Depth: 10})
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want the depth limit", err)
	}
}

func TestExtractDamaged(t *testing.T) {
	whole := fpdfDoc(t)
	for _, b := range [][]byte{nil, []byte("%PDF-1.4 rusak"), whole[:len(whole)/2], []byte("bukan pdf")} {
		if _, err := Extract(b, Limits{}); !errors.Is(err, ErrUnreadable) {
			t.Errorf("Extract(%.20q) err = %v, want ErrUnreadable", b, err)
		}
	}
}
