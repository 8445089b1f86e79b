package quizformat

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseAikenBasic(t *testing.T) {
	src := `Apa ibu kota Indonesia?
A. Bandung
B. Jakarta
C. Surabaya
ANSWER: B

Proklamasi kemerdekaan dibacakan
pada tahun berapa?
A) 1928
B) 1945
ANSWER: B`
	qs, errs := parseAiken(src)
	if len(errs) != 0 || len(qs) != 2 {
		t.Fatalf("got %d questions, errors %v", len(qs), errs)
	}
	want := Question{Line: 1, Type: Single, Prompt: "Apa ibu kota Indonesia?", Options: []Option{
		{Text: "Bandung"}, {Text: "Jakarta", Weight: 100}, {Text: "Surabaya"}}}
	if !reflect.DeepEqual(qs[0], want) {
		t.Errorf("q1\n got %+v\nwant %+v", qs[0], want)
	}
	if qs[1].Line != 7 || qs[1].Prompt != "Proklamasi kemerdekaan dibacakan\npada tahun berapa?" || right(qs[1]) != 1 {
		t.Errorf("q2 %+v", qs[1])
	}
}

func TestParseAikenLenient(t *testing.T) {
	// Blank lines before options or ANSWER, CRLF, a lowercase answer after the
	// options, "answer:" in any case, and no blank line between questions.
	src := "\ufeffPilih bilangan genap.\r\n\r\nA. 3\r\nB. 4\r\n\r\nanswer: b\r\nSoal kedua?\nA. ya\nB. tidak\nANSWER:A"
	qs, errs := parseAiken(src)
	if len(errs) != 0 || len(qs) != 2 {
		t.Fatalf("got %+v, errors %v", qs, errs)
	}
	if right(qs[0]) != 1 || right(qs[1]) != 0 || qs[1].Prompt != "Soal kedua?" {
		t.Errorf("got %+v", qs)
	}
	// Lines that look like options but are not labelled A come before the
	// options: they are question text.
	qs, errs = parseAiken("B. J. Habibie adalah presiden ke berapa?\nA. 2\nB. 3\nANSWER: B")
	if len(errs) != 0 || len(qs) != 1 || qs[0].Prompt != "B. J. Habibie adalah presiden ke berapa?" || len(qs[0].Options) != 2 {
		t.Errorf("got %+v, errors %v", qs, errs)
	}
}

func TestParseAikenErrors(t *testing.T) {
	cases := []struct {
		src  string
		line int
		want string
	}{
		{"Soal?\nA. x\nB. y", 1, "aiken.no_answer[]"},
		{"Soal?\nA. x\nB. y\nANSWER: C", 1, "aiken.answer_not_option[C 4 B]"},
		{"Soal?\nA. x\nANSWER: A", 1, "aiken.few_options[2 1]"},
		{"Soal?\nANSWER: A", 1, "aiken.few_options[2 0]"},
		{"Soal?\nA. x\nB. y\nANSWER: AB", 1, "aiken.answer_letter[AB 4]"},
		{"Soal?\nA. x\nB. y\nANSWER:", 1, "aiken.answer_letter[ 4]"},
		{"Soal?\nA. x\nC. y\nANSWER: A", 1, "aiken.option_order[C 3 B]"},
		{"\n\nA. x\nB. y\nANSWER: A", 3, "aiken.no_text[]"},
		{"Soal?\nA.\nB. y\nANSWER: B", 1, "aiken.empty_option[A 2]"},
		{"\nANSWER: A", 2, "aiken.answer_alone[]"},
	}
	for _, c := range cases {
		qs, errs := parseAiken(c.src)
		if len(qs) != 0 || len(errs) != 1 || errs[0].Line != c.line || errs[0].text() != c.want {
			t.Errorf("%q: got %d questions, errors %+v; want %q on line %d", c.src, len(qs), errs, c.want, c.line)
		}
	}
}

func TestParseAikenMixed(t *testing.T) {
	src := `Soal pertama?
A. satu
B. dua
ANSWER: A

Soal kedua tanpa jawaban?
A. satu
B. dua

Soal ketiga
yang rusak?
A. satu
B. dua
ANSWER: F

Soal tanpa pilihan

Soal keempat?
A. satu
B. dua
C. tiga
ANSWER: C
Soal kelima, langsung tanpa baris kosong?
A. ya
B. tidak
Soal keenam, yang kelima lupa ANSWER?
A. ya
B. tidak
ANSWER: B
`
	qs, errs := parseAiken(src)
	wantLines := []int{6, 10, 16, 23}
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, wantLines) {
		t.Errorf("error lines %v, want %v: %+v", lines, wantLines, errs)
	}
	var prompts []string
	for _, q := range qs {
		prompts = append(prompts, fmt.Sprint(q.Line)+" "+q.Prompt)
	}
	if want := []string{"1 Soal pertama?", "18 Soal keempat?", "26 Soal keenam, yang kelima lupa ANSWER?"}; !reflect.DeepEqual(prompts, want) {
		t.Errorf("prompts %q, want %q", prompts, want)
	}
	if right(qs[1]) != 2 {
		t.Errorf("q2 key %v", right(qs[1]))
	}
}

func TestParseAikenSampleFile(t *testing.T) {
	src, err := os.ReadFile("testdata/contoh-aiken.txt")
	if err != nil {
		t.Fatal(err)
	}
	qs, errs := parseAiken(string(src))
	if len(errs) != 1 || errs[0].Line != 17 || !strings.HasPrefix(errs[0].text(), "aiken.answer_not_option[E ") {
		t.Errorf("errors %+v", errs)
	}
	if len(qs) != 3 || qs[1].Prompt != "Perhatikan pernyataan berikut:\nI. Bumi berputar pada porosnya.\nII. Bulan memancarkan cahaya sendiri.\nPernyataan yang benar adalah" {
		t.Errorf("got %+v", qs)
	}
}

// right is the index of the option weighing 100, or -1.
func right(q Question) int {
	for i, o := range q.Options {
		if o.Weight == 100 {
			return i
		}
	}
	return -1
}
