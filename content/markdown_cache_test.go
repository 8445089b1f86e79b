package content

import (
	"strings"
	"testing"
)

// TestMarkdownTextCached: the plain text indexing uses is rendered once
// per source; asking again does not run goldmark (here: there is none).
func TestMarkdownTextCached(t *testing.T) {
	m := NewMarkdown()
	src := "# Arsip\n\n> Jadwal **retensi** arsip.\n"
	first := m.Text(src)
	if first != "Arsip Jadwal retensi arsip." {
		t.Fatalf("Text = %q", first)
	}
	m.md = nil
	if again := m.Text(src); again != first {
		t.Fatalf("second Text = %q", again)
	}
}

// TestMarkdownNestingBounded: shapes goldmark takes quadratic time on are
// bounded before it runs, for the page and for the index.
func TestMarkdownNestingBounded(t *testing.T) {
	m := NewMarkdown()
	src := strings.Repeat(">", 199_990) + " akhir"
	h, txt := m.HTML(src), m.Text(src)
	if strings.Count(h, "<blockquote>") > 16 || !strings.Contains(h, "akhir") || txt != "akhir" {
		t.Errorf("html %.200q, text %q", h, txt)
	}
	if _, err := m.Preview(strings.Repeat("a", MaxMarkdown+1)); err == nil {
		t.Error("over-size preview rendered")
	}
}
