package content

import (
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
	qs, errs := ParseAiken(src)
	if len(errs) != 0 || len(qs) != 2 {
		t.Fatalf("got %d questions, errors %v", len(qs), errs)
	}
	want := Question{ID: "q1", Type: QSingle, Prompt: "Apa ibu kota Indonesia?", Points: 1, Options: []Option{
		{ID: "o1", Text: "Bandung"}, {ID: "o2", Text: "Jakarta", Weight: 100}, {ID: "o3", Text: "Surabaya"}}}
	if !reflect.DeepEqual(qs[0], want) {
		t.Errorf("q1\n got %+v\nwant %+v", qs[0], want)
	}
	if qs[1].ID != "q2" || qs[1].Prompt != "Proklamasi kemerdekaan dibacakan\npada tahun berapa?" || qs[1].AnswerKey() != "o2" {
		t.Errorf("q2 %+v", qs[1])
	}
}

func TestParseAikenLenient(t *testing.T) {
	// Blank lines before options or ANSWER, CRLF, a lowercase answer after the
	// options, "answer:" in any case, and no blank line between questions.
	src := "\ufeffPilih bilangan genap.\r\n\r\nA. 3\r\nB. 4\r\n\r\nanswer: b\r\nSoal kedua?\nA. ya\nB. tidak\nANSWER:A"
	qs, errs := ParseAiken(src)
	if len(errs) != 0 || len(qs) != 2 {
		t.Fatalf("got %+v, errors %v", qs, errs)
	}
	if qs[0].AnswerKey() != "o2" || qs[1].AnswerKey() != "o1" || qs[1].Prompt != "Soal kedua?" {
		t.Errorf("got %+v", qs)
	}
	// Lines that look like options but are not labelled A come before the
	// options: they are question text.
	qs, errs = ParseAiken("B. J. Habibie adalah presiden ke berapa?\nA. 2\nB. 3\nANSWER: B")
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
		{"Soal?\nA. x\nB. y", 1, "ANSWER"},
		{"Soal?\nA. x\nB. y\nANSWER: C", 1, "jawaban C di baris 4 tidak ada di antara pilihan (pilihan hanya A–B)"},
		{"Soal?\nA. x\nANSWER: A", 1, "minimal 2 pilihan"},
		{"Soal?\nANSWER: A", 1, "minimal 2 pilihan"},
		{"Soal?\nA. x\nB. y\nANSWER: AB", 1, "harus satu huruf"},
		{"Soal?\nA. x\nB. y\nANSWER:", 1, "harus satu huruf"},
		{"Soal?\nA. x\nC. y\nANSWER: A", 1, "pilihan C di baris 3 tidak berurutan (seharusnya B)"},
		{"\n\nA. x\nB. y\nANSWER: A", 3, "teks pertanyaan tidak ada"},
		{"Soal?\nA.\nB. y\nANSWER: B", 1, "setiap pilihan perlu teks"},
		{"\nANSWER: A", 2, "tanpa soal"},
	}
	for _, c := range cases {
		qs, errs := ParseAiken(c.src)
		if len(qs) != 0 || len(errs) != 1 || errs[0].Line != c.line || !strings.Contains(errs[0].Message, c.want) {
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
	qs, errs := ParseAiken(src)
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
		prompts = append(prompts, q.ID+" "+q.Prompt)
	}
	if want := []string{"q1 Soal pertama?", "q2 Soal keempat?", "q3 Soal keenam, yang kelima lupa ANSWER?"}; !reflect.DeepEqual(prompts, want) {
		t.Errorf("prompts %q, want %q", prompts, want)
	}
	if qs[1].AnswerKey() != "o3" {
		t.Errorf("q2 key %v", qs[1].AnswerKey())
	}
}

func TestParseAikenSampleFile(t *testing.T) {
	src, err := os.ReadFile("testdata/contoh-aiken.txt")
	if err != nil {
		t.Fatal(err)
	}
	qs, errs := ParseAiken(string(src))
	if len(errs) != 1 || errs[0].Line != 17 || !strings.Contains(errs[0].Message, "jawaban E") {
		t.Errorf("errors %+v", errs)
	}
	if len(qs) != 3 || qs[1].Prompt != "Perhatikan pernyataan berikut:\nI. Bumi berputar pada porosnya.\nII. Bulan memancarkan cahaya sendiri.\nPernyataan yang benar adalah" {
		t.Errorf("got %+v", qs)
	}
}
