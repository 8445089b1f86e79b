package content

import (
	"fmt"
	"os"
	"reflect"
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

// checkImported holds for any parse result: good questions are valid and
// numbered q1…, errors point at lines of the input.
func checkImported(t *testing.T, src string, qs []Question, errs []ImportError) {
	t.Helper()
	lines := len(splitImportLines(src))
	for i, q := range qs {
		if want := fmt.Sprintf("q%d", i+1); q.ID != want {
			t.Fatalf("question %d has id %q", i, q.ID)
		}
		if err := ValidateQuestion(&q); err != nil {
			t.Fatalf("question %d invalid: %v", i, err)
		}
		for j, o := range q.Options {
			if want := fmt.Sprintf("o%d", j+1); o.ID != want {
				t.Fatalf("question %d option %d has id %q", i, j, o.ID)
			}
		}
	}
	for _, e := range errs {
		if e.Line < 1 || e.Line > lines || e.Message == "" {
			t.Fatalf("bad error %+v for %d lines", e, lines)
		}
	}
}

func FuzzParseGIFT(f *testing.F) {
	giftSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		qs, errs := ParseGIFT(src)
		checkImported(t, src, qs, errs)
		ExportGIFT(qs)
	})
}

func FuzzGIFTRoundTrip(f *testing.F) {
	giftSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		qs, _ := ParseGIFT(src)
		out := ExportGIFT(qs)
		back, errs := ParseGIFT(out)
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
		qs, errs := ParseAiken(src)
		checkImported(t, src, qs, errs)
		for _, q := range qs {
			if q.Type != QSingle || strings.TrimSpace(q.Prompt) == "" {
				t.Fatalf("bad question %+v", q)
			}
		}
	})
}
