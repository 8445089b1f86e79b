package quizformat

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// giftSeeds are realistic GIFT samples for the fuzzers' corpus.
func giftSeeds(f *testing.F) []string {
	seeds := []string{
		"Apa ibu kota Indonesia? {=Jakarta ~Bandung ~Surabaya}",
		"// komentar\n$CATEGORY: $course$/top/IPA\n\n::Judul::[markdown]Soal **tebal** {\n=benar#bagus\n~salah#kurang\n####penjelasan\n}",
		"Pilih prima {~%50%2 ~%50%3 ~%-100%4}",
		"Pilih {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}",
		"Bumi bulat. {T#salah#benar####umum}",
		"Bumi datar. {FALSE}",
		"Penemu lampu? {=Edison =%50%Thomas#setengah}",
		"Ibu kota {=Jakarta ~Bandung} adalah kota terbesar.",
		`Rumus \{x\} \= y\: z \# \~ \\ a\nb {=a\=b ~c\~d}`,
		"Berapa 2+2? {#4}",
		"Pasangkan {=a -> 1 =b -> 2}",
		"Esai {}",
		"Deskripsi saja.",
		"Soal {=a ~b\n\nSoal } { ~",
		"::a::::b:: {T}",
		"[html]<p>x</p> {=[plain]a ~[moodle]b}",
		"{=Soekarno} adalah presiden pertama.",
		"Soal {=a ~%150%b}",
		"\ufeffSoal {T}\r\n\r\nSoal {=ya ~tidak}\r\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/contoh.gift"); err == nil {
		f.Add(string(b))
	}
	f.Add(ExportGIFT(roundTripSet()))
	return seeds
}

// checkImported holds for any parse result: good questions have a type and
// the parts it needs, in the order of the input, and errors point at lines
// of the input.
func checkImported(t *testing.T, src string, qs []Question, errs []ImportError) {
	t.Helper()
	lines := len(splitImportLines(src))
	last := 0
	for i, q := range qs {
		if q.Line <= last || q.Line > lines {
			t.Fatalf("question %d on line %d (after %d, of %d)", i, q.Line, last, lines)
		}
		last = q.Line
		switch q.Type {
		case Single, Multiple:
			if len(q.Options) == 0 || slices.ContainsFunc(q.Options, func(o Option) bool { return o.Text == "" }) {
				t.Fatalf("question %d: options %+v", i, q.Options)
			}
		case Short:
			if len(q.Accepted) == 0 || slices.Contains(q.Accepted, "") {
				t.Fatalf("question %d: accepted %q", i, q.Accepted)
			}
		case TrueFalse:
			if len(q.Options) != 0 {
				t.Fatalf("question %d: true/false with options", i)
			}
		default:
			t.Fatalf("question %d: type %q", i, q.Type)
		}
	}
	for _, e := range errs {
		if e.Line < 1 || e.Line > lines || e.Code == "" {
			t.Fatalf("bad error %+v for %d lines", e, lines)
		}
	}
}

func FuzzParseGIFT(f *testing.F) {
	giftSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		qs, errs := parseGIFT(src)
		checkImported(t, src, qs, errs)
		ExportGIFT(qs)
	})
}

func FuzzGIFTRoundTrip(f *testing.F) {
	giftSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		qs, _ := parseGIFT(src)
		out := ExportGIFT(qs)
		back, errs := parseGIFT(out)
		if len(errs) != 0 {
			t.Fatalf("re-import errors %v\nexport:\n%s", errs, out)
		}
		if got, want := essentialsOf(back), essentialsOf(qs); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip differs\n got %+v\nwant %+v\nexport:\n%s", got, want, out)
		}
		if again := ExportGIFT(back); again != out {
			t.Fatalf("second export differs:\n%s\n---\n%s", out, again)
		}
	})
}

func FuzzParseAiken(f *testing.F) {
	for _, s := range []string{
		"Apa ibu kota Indonesia?\nA. Bandung\nB. Jakarta\nANSWER: B",
		"Soal\nbaris dua\nA) x\nB) y\nC) z\nANSWER: c\n\nSoal dua\nA. 1\nB. 2\nANSWER: E",
		"Soal?\n\nA. x\n\nB. y\n\nANSWER: A\nSoal lagi\nA. a",
		"B. J. Habibie?\nA. 2\nB. 3\nANSWER: B",
		"ANSWER: A\n\nA. x\nC. y\nANSWER:",
		"\ufeffSoal\r\nA. x\r\nB. y\r\nanswer: b\r\n",
	} {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/contoh-aiken.txt"); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, src string) {
		qs, errs := parseAiken(src)
		checkImported(t, src, qs, errs)
		for _, q := range qs {
			if q.Type != Single || strings.TrimSpace(q.Prompt) == "" {
				t.Fatalf("bad question %+v", q)
			}
		}
	})
}
