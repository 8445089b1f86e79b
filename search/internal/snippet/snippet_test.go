package snippet

import (
	"strings"
	"testing"
)

func TestHighlightEscapesAndMarks(t *testing.T) {
	text := "<script>alert(1)</script> Pelayanan & Publik"
	i := strings.Index(text, "Pelayanan")
	got := Highlight(text, []Span{{i, i + len("Pelayanan")}}, 0)
	want := "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Pelayanan</mark> &amp; Publik"
	if got != want {
		t.Fatalf("Highlight = %q, want %q", got, want)
	}
}

func TestHighlightMatchContainingHTMLIsEscapedInsideMark(t *testing.T) {
	text := `a "<b>" z`
	got := Highlight(text, []Span{{2, 7}}, 0)
	if want := "a <mark>&#34;&lt;b&gt;&#34;</mark> z"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHighlightDropsBadSpansAndMergesOverlaps(t *testing.T) {
	text := "ékstra arsip"
	spans := []Span{
		{-1, 2}, {1, 3}, // negative, and inside the two-byte é
		{8, 13},          // past the end
		{8, 10}, {9, 13}, // overlapping: one mark
	}
	got := Highlight(text, spans, 0)
	if want := "ékstra <mark>arsip</mark>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHighlightCropsAroundFirstMatchAtWordBoundaries(t *testing.T) {
	words := strings.Repeat("kata ", 100)
	text := words + "arsip digital " + words
	i := strings.Index(text, "arsip")
	got := Highlight(text, []Span{{i, i + 5}}, 80)
	if !strings.HasPrefix(got, Ellipsis+"kata ") || !strings.HasSuffix(got, "kata"+Ellipsis) {
		t.Fatalf("crop not at word boundaries with ellipses: %q", got)
	}
	if !strings.Contains(got, "<mark>arsip</mark> digital") {
		t.Fatalf("match lost in crop: %q", got)
	}
	if n := len(got); n > 80+2*len(Ellipsis)+len(Open)+len(Close) {
		t.Fatalf("crop too long (%d bytes): %q", n, got)
	}
}

func TestHighlightCropsFromStartWithoutMatch(t *testing.T) {
	text := strings.Repeat("arsip ", 50)
	got := Highlight(text, nil, 30)
	if strings.HasPrefix(got, Ellipsis) || !strings.HasSuffix(got, "arsip"+Ellipsis) {
		t.Fatalf("got %q", got)
	}
}

func TestFromTagged(t *testing.T) {
	const pre, post = "[[s]]", "[[e]]"
	tests := []struct {
		name, in, want string
		words          []string
	}{
		{"escapes all but marks", "<script>x</script> [[s]]Pelayanan[[e]] & [[s]]publik[[e]] [[s]]PELAYANAN[[e]]",
			"&lt;script&gt;x&lt;/script&gt; <mark>Pelayanan</mark> &amp; <mark>publik</mark> <mark>PELAYANAN</mark>",
			[]string{"pelayanan", "publik"}},
		{"unclosed mark is closed", "a [[s]]b", "a <mark>b</mark>", nil},
		{"stray close dropped", "a[[e]] b", "a b", nil},
		{"nested open ignored", "[[s]]a[[s]]b[[e]]c[[e]]", "<mark>ab</mark>c", []string{"ab"}},
		{"real mark tags in text are escaped", "<mark>x</mark>", "&lt;mark&gt;x&lt;/mark&gt;", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, words := FromTagged(tt.in, pre, post)
			if got != tt.want {
				t.Errorf("html = %q, want %q", got, tt.want)
			}
			if strings.Join(words, ",") != strings.Join(tt.words, ",") {
				t.Errorf("words = %q, want %q", words, tt.words)
			}
		})
	}
}

func TestPick(t *testing.T) {
	f := []Field{{"title", 1}, {"summary", 2}, {"lesson", 0}, {"body", 2}}
	if got := Pick(f, 1); got != "summary" {
		t.Fatalf("most terms, earliest on tie: got %q", got)
	}
	none := []Field{{"title", 0}, {"", 0}, {"", 0}, {"body", 0}}
	if got := Pick(none, 1, 3, 0); got != "body" {
		t.Fatalf("fallback skips empty: got %q", got)
	}
	if got := Pick(none); got != "" {
		t.Fatalf("no fallback: got %q", got)
	}
}
