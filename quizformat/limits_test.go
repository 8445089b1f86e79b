package quizformat

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

type parser func(string, Limits) ([]Question, []ImportError, error)

// bank is n good questions in a format, each a few lines long.
func bank(format string, n int) string {
	var b strings.Builder
	for i := range n {
		if format == "aiken" {
			fmt.Fprintf(&b, "Soal %d?\nA. ya\nB. tidak\nANSWER: A\n\n", i)
		} else {
			fmt.Fprintf(&b, "Soal %d? {=ya ~tidak}\n\n", i)
		}
	}
	return b.String()
}

func TestParseLimits(t *testing.T) {
	for format, parse := range map[string]parser{"gift": ParseGIFT, "aiken": ParseAiken} {
		src := bank(format, 10)
		if _, _, err := parse(src, Limits{MaxBytes: len(src) - 1}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: over MaxBytes: %v", format, err)
		}
		if qs, _, err := parse(src, Limits{MaxBytes: len(src), MaxQuestions: 10}); err != nil || len(qs) != 10 {
			t.Errorf("%s: at the limits: %d questions, %v", format, len(qs), err)
		}
		if qs, _, err := parse(src, Limits{MaxQuestions: 9}); !errors.Is(err, ErrTooManyQuestions) || qs != nil {
			t.Errorf("%s: over MaxQuestions: %d questions, %v", format, len(qs), err)
		}
		// The parse stops at the question past the limit: a file of a
		// million questions costs what eleven do. The tail after the
		// eleventh is broken, so reading any of it would report errors
		// (as it does with no limit).
		broken := "Soal rusak? {=ya ~tidak\n\n"
		if format == "aiken" {
			broken = "Soal rusak?\nA. ya\nANSWER: Z\n\n"
		}
		huge := bank(format, 11) + strings.Repeat(broken, 50_000)
		_, perrs, err := parse(huge, Limits{MaxQuestions: 10})
		if !errors.Is(err, ErrTooManyQuestions) || len(perrs) != 0 {
			t.Errorf("%s: huge file: %v, %d errors from past the limit", format, err, len(perrs))
		}
		if _, perrs, _ := parse(huge, Limits{MaxErrors: 5}); len(perrs) == 0 {
			t.Errorf("%s: the broken tail reads without errors: the check above proves nothing", format)
		}
		// A question longer than MaxQuestionBytes is reported, the
		// others kept.
		long := "Soal panjang " + strings.Repeat("kata ", 300)
		var withLong string
		if format == "aiken" {
			withLong = bank(format, 1) + long + "\nA. ya\nB. tidak\nANSWER: A\n\n" + bank(format, 1)
		} else {
			withLong = bank(format, 1) + long + "{=ya ~tidak}\n\n" + bank(format, 1)
		}
		qs, errs, err := parse(withLong, Limits{MaxQuestionBytes: 1024})
		if err != nil || len(qs) != 2 || len(errs) != 1 || errs[0].text() != "too_long[1]" {
			t.Errorf("%s: long question: %d questions, errors %+v, %v", format, len(qs), errs, err)
		}
		// Errors past MaxErrors are counted in one last line.
		bad := strings.Repeat("Teks tanpa jawaban.\n\n", 50)
		if format == "aiken" {
			bad = strings.Repeat("Soal?\nA. x\nB. y\nANSWER: Z\n\n", 50)
		}
		_, errs, _ = parse(bad, Limits{MaxErrors: 5})
		if len(errs) != 6 || errs[5].text() != "more_errors[45]" || errs[5].Line <= errs[4].Line {
			t.Errorf("%s: many errors: %+v", format, errs)
		}
	}
}

func TestDetect(t *testing.T) {
	if f := Detect("Soal?\nA. x\nB. y\nANSWER: A\n"); f != "aiken" {
		t.Errorf("aiken read as %s", f)
	}
	if f := Detect("Soal? {=x ~y}\n\nANSWER: A"); f != "gift" {
		t.Errorf("gift read as %s", f)
	}
}
