package mdlimit

import (
	"strings"
	"testing"
)

func TestBoundLeavesOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"",
		"# Judul\n\nParagraf dengan [tautan](https://contoh.go.id) dan **tebal**.\n",
		"> kutipan\n> > bersarang\n\n- satu\n  - dua\n    1. tiga\n",
		"| a | b |\n|---|---|\n| 1 | 2 |\n",
		strings.Repeat("> ", Depth) + "tepat di batas\n",
		"```\n>>> print(1)\n```\n",
	} {
		if got := Bound(s); got != s {
			t.Errorf("Bound(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestBoundDepth(t *testing.T) {
	for _, s := range []string{
		strings.Repeat(">", 200_000),
		strings.Repeat("> ", 1000) + "isi\n",
		strings.Repeat("- ", 1000) + "isi",
		strings.Repeat("1. ", 1000) + "isi",
		strings.Repeat("> - ", 1000) + "isi",
		strings.Repeat("\t>", 1000) + "isi",
	} {
		got := Bound(s)
		if _, _, n := markers(got); n != Depth {
			t.Errorf("Bound(%.20q…) opens %d levels, want %d", s, n, Depth)
		}
		if strings.Contains(s, "isi") && !strings.HasSuffix(strings.TrimRight(got, "\n"), " isi") {
			t.Errorf("text after the markers lost: %.40q", got[max(0, len(got)-40):])
		}
	}
}

func TestBoundLinksAndPipes(t *testing.T) {
	got := Bound(strings.Repeat("[a](", 1000))
	if n := strings.Count(got, "]("); n != Links {
		t.Errorf("%d open link destinations left, want %d", n, Links)
	}
	// A blank line starts a new block with a fresh count.
	two := Bound(strings.Repeat("[a](b) ", Links) + "\n\n" + strings.Repeat("[a](b) ", Links))
	if strings.Contains(two, `\(`) {
		t.Errorf("links in separate blocks escaped")
	}
	row := Bound(strings.Repeat("|a", 1000))
	if n := strings.Count(row, "|") - strings.Count(row, `\|`); n != Pipes {
		t.Errorf("%d cell separators left, want %d", n, Pipes)
	}
}

func FuzzBound(f *testing.F) {
	f.Add(strings.Repeat(">", 100))
	f.Add(strings.Repeat("> - 1. ", 40) + "x\n" + strings.Repeat("[a](", 300))
	f.Add(strings.Repeat("|a", 200) + "\n" + strings.Repeat("|-", 200))
	f.Add("- a\n  - b\n\n> c\n")
	f.Fuzz(func(t *testing.T, s string) {
		got := Bound(s)
		if again := Bound(got); again != got {
			t.Fatalf("not idempotent:\n%q\n%q", got, again)
		}
		if len(got) > 2*len(s)+len(s)/Depth+1 {
			t.Fatalf("grew from %d to %d bytes", len(s), len(got))
		}
		for _, line := range strings.SplitAfter(got, "\n") {
			if _, _, n := markers(line); n > Depth {
				t.Fatalf("line opens %d levels: %q", n, line)
			}
			if strings.Count(line, "|")-strings.Count(line, `\|`) > Pipes {
				t.Fatalf("line keeps more than %d cell separators", Pipes)
			}
		}
		if strings.Count(got, "](") > Links*(strings.Count(got, "\n")+1) {
			t.Fatalf("too many open link destinations")
		}
	})
}
