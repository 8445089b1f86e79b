package content

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseQuestionsAppliesQuizRules: the parser knows the formats, the
// quiz's rules refuse what a quiz cannot hold, each on its line.
func TestParseQuestionsAppliesQuizRules(t *testing.T) {
	cases := []struct{ format, src, want string }{
		{"gift", "Soal {~a ~b}", "question.multiple_weights"},            // multiple response without right answers
		{"gift", "Soal {~%50%a ~%20%b ~c}", "question.multiple_weights"}, // weights short of 100
		{"gift", "{=a ~b}", "question.prompt"},
		{"gift", "Soal {~%50%a}", "question.option_count"},
		{"gift", "Soal {=satu}", ""},
		{"aiken", "Soal?\nA. x\nB. y\nANSWER: B", ""},
	}
	for _, c := range cases {
		qs, errs, err := ParseQuestions(c.format, "// baris satu\n"+c.src)
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" {
			if len(errs) != 0 || len(qs) != 1 || qs[0].ID != "q1" || qs[0].Points != 1 {
				t.Errorf("%q: got %+v, errors %v", c.src, qs, errs)
			}
			continue
		}
		if len(qs) != 0 || len(errs) != 1 || errs[0].Line != 2 || !strings.Contains(errs[0].Msg.String(), c.want) {
			t.Errorf("%q: got %d questions, errors %+v; want %q on line 2", c.src, len(qs), errs, c.want)
		}
	}
	// Good questions are numbered q1… with options o1…, between bad ones,
	// and errors keep the file's order.
	qs, errs, _ := ParseQuestions("gift", "A {~a ~b}\n\nB {=x ~y}\n\nC {#4}\n\nD {T}")
	if len(qs) != 2 || qs[0].ID != "q1" || qs[1].ID != "q2" || qs[0].Options[1].ID != "o2" ||
		len(errs) != 2 || errs[0].Line != 1 || errs[1].Line != 5 {
		t.Errorf("got %+v, errors %+v", qs, errs)
	}
	if _, _, err := ParseQuestions("xml", "x"); err == nil {
		t.Error("unknown format accepted")
	}
}

func FuzzParseQuestions(f *testing.F) {
	f.Add("gift", "Soal {=a ~b}\n\n{~%50%a ~b}")
	f.Add("aiken", "Soal?\nA. x\nB. y\nANSWER: B")
	f.Fuzz(func(t *testing.T, format, src string) {
		qs, errs, err := ParseQuestions(format, src)
		if err != nil {
			return
		}
		for i, q := range qs {
			if q.ID != fmt.Sprintf("q%d", i+1) {
				t.Fatalf("question %d id %q", i, q.ID)
			}
			if err := ValidateQuestion(&q); err != nil {
				t.Fatalf("question %d invalid: %v", i, err)
			}
		}
		for _, e := range errs {
			if e.Line < 1 || e.Code == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		back, errs2, err := ParseQuestions("gift", ExportGIFT(qs))
		if err != nil || len(back) != len(qs) || len(errs2) != 0 {
			t.Fatalf("export does not import back: %d of %d, %v %v", len(back), len(qs), errs2, err)
		}
	})
}
