package quizformat

import (
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
)

// parseOneGIFT parses src that must hold exactly one good question.
func parseOneGIFT(t *testing.T, src string) Question {
	t.Helper()
	qs, errs := parseGIFT(src)
	if len(errs) != 0 {
		t.Fatalf("parseGIFT(%q) errors: %v", src, errs)
	}
	if len(qs) != 1 {
		t.Fatalf("parseGIFT(%q) = %d questions, want 1", src, len(qs))
	}
	return qs[0]
}

// parseBadGIFT parses src that must hold exactly one bad question.
func parseBadGIFT(t *testing.T, src string) ImportError {
	t.Helper()
	qs, errs := parseGIFT(src)
	if len(qs) != 0 || len(errs) != 1 {
		t.Fatalf("parseGIFT(%q) = %d questions, errors %v; want one error", src, len(qs), errs)
	}
	return errs[0]
}

func optionTexts(q Question) []string {
	var s []string
	for _, o := range q.Options {
		s = append(s, o.Text)
	}
	return s
}

func optionWeights(q Question) []float64 {
	var s []float64
	for _, o := range q.Options {
		s = append(s, o.Weight)
	}
	return s
}

func TestParseGIFTSingleChoice(t *testing.T) {
	q := parseOneGIFT(t, "// soal pertama\n::Ibu kota::Apa ibu kota Indonesia? {=Jakarta ~Bandung ~Surabaya}")
	if q.Line != 2 || q.Type != Single || q.Prompt != "Apa ibu kota Indonesia?" {
		t.Fatalf("got %+v", q)
	}
	if got := optionTexts(q); !reflect.DeepEqual(got, []string{"Jakarta", "Bandung", "Surabaya"}) {
		t.Errorf("options %q", got)
	}
	if got := optionWeights(q); !reflect.DeepEqual(got, []float64{100, 0, 0}) {
		t.Errorf("weights %v", got)
	}
}

func TestParseGIFTMultiLineBlockAndFeedback(t *testing.T) {
	src := `Siapa presiden pertama Indonesia? {
	~Soeharto#Presiden kedua.
	=Soekarno#Benar, beliau proklamator.
	~%50%Bung Karno#Nama lain Soekarno, setengah nilai.
	####Soekarno menjabat 1945–1967.
}`
	q := parseOneGIFT(t, src)
	if q.Type != Single {
		t.Fatalf("type %s", q.Type)
	}
	want := []Option{
		{Text: "Soeharto", Weight: 0, Feedback: "Presiden kedua."},
		{Text: "Soekarno", Weight: 100, Feedback: "Benar, beliau proklamator."},
		{Text: "Bung Karno", Weight: 50, Feedback: "Nama lain Soekarno, setengah nilai."},
	}
	if !reflect.DeepEqual(q.Options, want) {
		t.Errorf("options\n got %+v\nwant %+v", q.Options, want)
	}
	if q.Explanation != "Soekarno menjabat 1945–1967." {
		t.Errorf("explanation %q", q.Explanation)
	}
}

func TestParseGIFTMultipleAnswers(t *testing.T) {
	q := parseOneGIFT(t, `Siapa yang dimakamkan di makam Grant? {
~%-100%Tidak ada
~%50%Grant
~%50%Istri Grant
~%-100%Ayah Grant
}`)
	if q.Type != Multiple {
		t.Fatalf("type %s", q.Type)
	}
	if got := optionWeights(q); !reflect.DeepEqual(got, []float64{-100, 50, 50, -100}) {
		t.Errorf("weights %v", got)
	}
	// Fractions that add up to 99.99999 are accepted.
	q = parseOneGIFT(t, "Pilih bilangan prima {~%33.33333%2 ~%33.33333%3 ~%33.33333%5 ~%-100%4}")
	if q.Type != Multiple || q.Options[0].Weight != 33.33333 {
		t.Errorf("got %+v", q)
	}
}

func TestParseGIFTEqualsMakesSingleChoice(t *testing.T) {
	// As in Moodle: with an = answer the question stays single choice, = weighs
	// 100 and the %weights% of the others are partial credit.
	q := parseOneGIFT(t, "Warna primer? {=Merah ~%50%Jingga ~%-50%Hijau ~Ungu}")
	if q.Type != Single {
		t.Fatalf("type %s", q.Type)
	}
	if got := optionWeights(q); !reflect.DeepEqual(got, []float64{100, 50, -50, 0}) {
		t.Errorf("weights %v", got)
	}
	// Two = answers: either one is right.
	q = parseOneGIFT(t, "Nama lain Soekarno? {=Bung Karno =Soekarno ~Soeharto}")
	if q.Type != Single || !reflect.DeepEqual(optionWeights(q), []float64{100, 100, 0}) {
		t.Errorf("got %+v", q)
	}
}

func TestParseGIFTTrueFalse(t *testing.T) {
	cases := []struct {
		src           string
		value         bool
		fbTrue, fbFal string
		explanation   string
	}{
		{"Matahari terbit dari timur. {T}", true, "", "", ""},
		{"Matahari terbit dari timur. {TRUE}", true, "", "", ""},
		{"Bumi itu datar. {F}", false, "", "", ""},
		{"Bumi itu datar. {FALSE}", false, "", "", ""},
		{"Bumi itu datar. {false}", false, "", "", ""},
		// {T#feedback when the learner is wrong#feedback when right}
		{"Jakarta ibu kota Indonesia. {T#Salah, Jakarta ibu kotanya.#Betul!}", true, "Betul!", "Salah, Jakarta ibu kotanya.", ""},
		{"Bumi itu datar. {F#Bumi bulat.#Betul, bumi tidak datar.####Lihat foto satelit.}", false, "Bumi bulat.", "Betul, bumi tidak datar.", "Lihat foto satelit."},
		{"Bumi itu datar. {FALSE#Bumi bulat.}", false, "Bumi bulat.", "", ""},
		{"Air mendidih pada 100 derajat. {TRUE####Pada tekanan 1 atm.}", true, "", "", "Pada tekanan 1 atm."},
	}
	for _, c := range cases {
		q := parseOneGIFT(t, c.src)
		if q.Type != TrueFalse || q.True != c.value || q.FeedbackTrue != c.fbTrue || q.FeedbackFalse != c.fbFal || q.Explanation != c.explanation {
			t.Errorf("%s: got type %s true %v feedback %q/%q explanation %q", c.src, q.Type, q.True, q.FeedbackTrue, q.FeedbackFalse, q.Explanation)
		}
		if len(q.Options) != 0 || q.Prompt == "" || strings.Contains(q.Prompt, "{") {
			t.Errorf("%s: got %+v", c.src, q)
		}
	}
}

func TestParseGIFTShortAnswer(t *testing.T) {
	q := parseOneGIFT(t, "Siapa penemu bola lampu? {=Thomas Edison =Edison}")
	if q.Type != Short || !reflect.DeepEqual(q.Accepted, []string{"Thomas Edison", "Edison"}) || len(q.Options) != 0 {
		t.Errorf("got %+v", q)
	}
	// Only full-credit answers are accepted; feedback is dropped.
	q = parseOneGIFT(t, "Ibu kota Jawa Barat? {=%100%Bandung#Tepat! =%50%Kota Kembang#Setengah nilai ####Bandung juga disebut Paris van Java.}")
	if !reflect.DeepEqual(q.Accepted, []string{"Bandung"}) || q.Explanation != "Bandung juga disebut Paris van Java." {
		t.Errorf("got %+v", q)
	}
	// An answer without = is a short answer too (as in Moodle).
	q = parseOneGIFT(t, "Dua tambah dua? {empat}")
	if q.Type != Short || !reflect.DeepEqual(q.Accepted, []string{"empat"}) {
		t.Errorf("got %+v", q)
	}
	// = before T makes it a short answer, not true/false.
	q = parseOneGIFT(t, "Huruf pertama kata Tahu? {=T}")
	if q.Type != Short || !reflect.DeepEqual(q.Accepted, []string{"T"}) {
		t.Errorf("got %+v", q)
	}
	e := parseBadGIFT(t, "Ibu kota? {=%50%Bandung =%25%Jakarta}")
	if e.Line != 1 || e.Code != "gift.short_no_answer" {
		t.Errorf("error %+v", e)
	}
}

func TestParseGIFTMissingWord(t *testing.T) {
	q := parseOneGIFT(t, "Ibu kota Indonesia adalah {=Jakarta ~Bandung} yang terletak di Pulau Jawa.")
	if q.Prompt != "Ibu kota Indonesia adalah _____ yang terletak di Pulau Jawa." || q.Type != Single {
		t.Errorf("got %+v", q)
	}
	q = parseOneGIFT(t, "{=Soekarno} adalah presiden pertama.")
	if q.Prompt != "_____ adalah presiden pertama." || q.Type != Short {
		t.Errorf("got %+v", q)
	}
	// Closing punctuation after the block still makes a blank, as in Moodle.
	q = parseOneGIFT(t, "Lagu kebangsaan Indonesia adalah {=Indonesia Raya}.")
	if q.Prompt != "Lagu kebangsaan Indonesia adalah _____." {
		t.Errorf("prompt %q", q.Prompt)
	}
}

func TestParseGIFTEscapes(t *testing.T) {
	q := parseOneGIFT(t, `Rumus \{x\} \: 1 \= 1 \~ 2 \# 3 \\ baris\nbaru {
=a \= b#umpan \# balik
~c \~ d \{e\}
####jelas\: ya
}`)
	if q.Prompt != "Rumus {x} : 1 = 1 ~ 2 # 3 \\ baris\nbaru" {
		t.Errorf("prompt %q", q.Prompt)
	}
	if got := optionTexts(q); !reflect.DeepEqual(got, []string{"a = b", "c ~ d {e}"}) {
		t.Errorf("options %q", got)
	}
	if q.Options[0].Feedback != "umpan # balik" || q.Explanation != "jelas: ya" {
		t.Errorf("got %+v", q)
	}
	// An escaped backslash before n is a backslash and an n.
	q = parseOneGIFT(t, `Jalur C\:\\new {=ya ~tidak}`)
	if q.Prompt != `Jalur C:\new` {
		t.Errorf("prompt %q", q.Prompt)
	}
	// An escaped :: is no title.
	q = parseOneGIFT(t, `\:\:bukan judul\:\: {T}`)
	if q.Prompt != "::bukan judul::" {
		t.Errorf("prompt %q", q.Prompt)
	}
}

func TestParseGIFTFormatsTitlesCategories(t *testing.T) {
	src := `// Bank soal IPA
$CATEGORY: $course$/top/IPA/Fisika

::Gravitasi::[markdown]Percepatan **gravitasi** bumi kira-kira? {
=[plain]9,8 m/s²
~[html]<b>98</b> m/s²
}

::Tanpa teks:: {T}

$CATEGORY: Bahasa
// komentar di antara soal
::Sapaan::
[html]Kata "selamat pagi" dipakai pada {=pagi ~malam} hari.
`
	qs, errs := parseGIFT(src)
	if len(errs) != 0 || len(qs) != 3 {
		t.Fatalf("got %d questions, errors %v", len(qs), errs)
	}
	if qs[0].Prompt != "Percepatan **gravitasi** bumi kira-kira?" || qs[0].Category != "$course$/top/IPA/Fisika" {
		t.Errorf("q1 %+v", qs[0])
	}
	if got := optionTexts(qs[0]); !reflect.DeepEqual(got, []string{"9,8 m/s²", "<b>98</b> m/s²"}) {
		t.Errorf("q1 options %q", got)
	}
	// A question with only a title takes the title as its prompt.
	if qs[1].Prompt != "Tanpa teks" || qs[1].Category != "$course$/top/IPA/Fisika" {
		t.Errorf("q2 %+v", qs[1])
	}
	if qs[2].Prompt != `Kata "selamat pagi" dipakai pada _____ hari.` || qs[2].Category != "Bahasa" {
		t.Errorf("q3 %+v", qs[2])
	}
	// A category line directly above a question also works.
	qs, errs = parseGIFT("$CATEGORY: Matematika\n1 + 1? {=2 ~3}")
	if len(errs) != 0 || len(qs) != 1 || qs[0].Category != "Matematika" {
		t.Errorf("got %+v, %v", qs, errs)
	}
}

func TestParseGIFTUnsupported(t *testing.T) {
	cases := []struct{ src, want string }{
		{"Berapa 2 + 2? {#4}", "gift.numeric"},
		{"Berapa pi? {#3.14:0.01}", "gift.numeric"},
		{"Pasangkan. {=Kucing -> meong =Anjing -> guk =Sapi -> moo}", "gift.matching"},
		{"Ceritakan liburanmu. {}", "gift.essay"},
		{"Teks pengantar tanpa jawaban.", "gift.description"},
	}
	for _, c := range cases {
		e := parseBadGIFT(t, "// komentar\n\n"+c.src)
		if e.Line != 3 || e.Code != c.want {
			t.Errorf("%s: error %+v", c.src, e)
		}
	}
}

func TestParseGIFTErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"Soal {=a ~b", "gift.unclosed[]"},
		{"Soal =a ~b}", "gift.unopened[]"},
		{"Soal } a { =a ~b }", "gift.close_first[]"},
		{"Soal {=a ~b}\nSoal dua {=c ~d}", "gift.two_blocks[]"},
		{"Soal {=a ~}", "gift.empty_option[2]"},
		{"Soal {=a ~%150%b}", "gift.option_weight[2 %150%]"},
		{"Soal {=satu}", ""},                             // fine: a short answer
		{"Soal {=a}\n", ""},                              // fine
		{"Soal {=hanya satu ~}", "gift.empty_option[2]"}, // empty option
	}
	for _, c := range cases {
		qs, errs := parseGIFT(c.src)
		if c.want == "" {
			if len(errs) != 0 || len(qs) != 1 {
				t.Errorf("%q: got %v, errors %v", c.src, qs, errs)
			}
			continue
		}
		if len(qs) != 0 || len(errs) != 1 || errs[0].Line != 1 || errs[0].text() != c.want {
			t.Errorf("%q: got %d questions, errors %+v; want %q on line 1", c.src, len(qs), errs, c.want)
		}
	}
}

func TestParseGIFTMixedFileLines(t *testing.T) {
	src := `// Kuis campuran
$CATEGORY: Umum

Apa ibu kota Indonesia? {=Jakarta ~Bandung}

// soal kedua
Indonesia merdeka tahun 1945. {T}

// yang ketiga rusak: kurung tidak ditutup
Sebutkan warna bendera
Indonesia. {=merah putih

Berapa 2 + 2? {#4}

Pasangkan {
=a -> 1
=b -> 2
}

Gunung tertinggi di Jawa? {
=Semeru
}
`
	qs, errs := parseGIFT(src)
	want := []ImportError{
		{Line: 10, Problem: Problem{Code: "gift.unclosed"}},
		{Line: 13, Problem: Problem{Code: "gift.numeric"}},
		{Line: 15, Problem: Problem{Code: "gift.matching"}},
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors\n got %+v\nwant %+v", errs, want)
	}
	if len(qs) != 3 {
		t.Fatalf("got %d questions", len(qs))
	}
	for i, want := range []struct {
		line      int
		typ, text string
	}{
		{4, Single, "Apa ibu kota Indonesia?"},
		{7, TrueFalse, "Indonesia merdeka tahun 1945."},
		{20, Short, "Gunung tertinggi di Jawa?"},
	} {
		q := qs[i]
		if q.Line != want.line || q.Type != want.typ || q.Prompt != want.text || q.Category != "Umum" {
			t.Errorf("question %d: %+v", i, q)
		}
	}
}

func TestParseGIFTLineEndings(t *testing.T) {
	src := "\ufeffSoal satu {T}\r\n\r\nSoal dua\r\nberlanjut {=ya ~tidak}\r\n"
	qs, errs := parseGIFT(src)
	if len(errs) != 0 || len(qs) != 2 || qs[1].Prompt != "Soal dua\nberlanjut" || qs[0].Prompt != "Soal satu" {
		t.Errorf("got %+v, %v", qs, errs)
	}
	_, errs = parseGIFT("Soal {T}\r\rSoal {=a ~b")
	if len(errs) != 1 || errs[0].Line != 3 {
		t.Errorf("errors %+v", errs)
	}
}

func TestParseGIFTSampleFile(t *testing.T) {
	src, err := os.ReadFile("testdata/contoh.gift")
	if err != nil {
		t.Fatal(err)
	}
	qs, errs := parseGIFT(string(src))
	want := []ImportError{{Line: 35, Problem: Problem{Code: "gift.numeric"}}}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors %+v", errs)
	}
	types := []string{}
	for _, q := range qs {
		types = append(types, q.Type)
	}
	if want := []string{Single, Multiple, TrueFalse, TrueFalse, Short, Single, Short}; !reflect.DeepEqual(types, want) {
		t.Errorf("types %v, want %v", types, want)
	}
}

// roundTripSet is a varied set of valid questions, with texts that need
// escaping and Indonesian text.
func roundTripSet() []Question {
	return []Question{
		{Type: Single, Prompt: "Apa ibu kota Indonesia?", Category: "Geografi/Indonesia", Explanation: "Jakarta sejak 1945; IKN menyusul.",
			Options: []Option{{Text: "Jakarta", Weight: 100, Feedback: "Benar!"}, {Text: "Bandung"}, {Text: "Surabaya", Feedback: "Kota Pahlawan, bukan ibu kota."}}},
		{Type: Single, Prompt: "Rumus {x} = a : b # c ~ d \\ e\nbaris kedua", Category: "Geografi/Indonesia",
			Options: []Option{{Text: "={}~#:\\", Weight: 100, Feedback: "#1 = {ya}"}, {Text: "%50% diskon", Weight: 50}, {Text: "%-100%", Weight: 0}, {Text: "salah", Weight: -50}}},
		{Type: Multiple, Prompt: "Pilih bilangan prima:", Category: "Matematika",
			Options: []Option{{Text: "2", Weight: 100.0 / 3}, {Text: "3", Weight: 100.0 / 3}, {Text: "5", Weight: 100.0 / 3}, {Text: "4", Weight: -100, Feedback: "4 = 2 × 2"}}},
		{Type: Multiple, Prompt: "Yang termasuk pulau besar?", Category: "Matematika",
			Options: []Option{{Text: "Jawa", Weight: 100}, {Text: "Bali"}}},
		{Type: TrueFalse, Prompt: "Bumi itu bulat.", True: true, FeedbackTrue: "Betul.", FeedbackFalse: "Coba lihat foto satelit.", Explanation: "Lebih tepatnya geoid."},
		{Type: TrueFalse, Prompt: "Matahari mengelilingi bumi.", True: false, FeedbackFalse: "Betul: bumi yang mengelilingi matahari."},
		{Type: TrueFalse, Prompt: "::bukan judul:: $CATEGORY: bukan kategori", True: true, FeedbackTrue: "#benar#", Explanation: "####"},
		{Type: TrueFalse, Prompt: "T", True: false, FeedbackTrue: "x"},
		{Type: Short, Prompt: "Ibu kota Indonesia adalah _____ sejak 1945.", Category: "Bahasa", Accepted: []string{"Jakarta", "DKI Jakarta"}, Explanation: "Dulu Batavia."},
		{Type: Short, Prompt: "Lengkapi: _____ dan _____.", Category: "Bahasa", Accepted: []string{"%100 = satu", "T", "a#b", "[html]x"}},
		{Type: Short, Prompt: "_____ adalah presiden pertama.", Category: "", Accepted: []string{"Soekarno"}},
		{Type: Short, Prompt: "Jawaban di akhir _____", Accepted: []string{"akhir"}},
		{Type: Single, Prompt: "//bukan komentar", Options: []Option{{Text: "[markdown]ya", Weight: 100, Feedback: "[html]"}, {Text: "//tidak"}}},
		{Type: Single, Prompt: "[html]<p>Format tag di awal</p>", Options: []Option{{Text: "a", Weight: 100}, {Text: "b", Weight: 100}}},
		{Type: Single, Prompt: "Pilih satu {=a ~b}", Options: []Option{{Text: "a", Weight: 100}, {Text: "b", Weight: 33.33333}}},
	}
}

type essentials struct {
	Type, Prompt, Explanation, Category string
	Options                             []Option
	True                                bool
	Accepted                            []string
	FeedbackTrue, FeedbackFalse         string
}

func essentialsOf(qs []Question) []essentials {
	out := []essentials{}
	for _, q := range qs {
		e := essentials{Type: q.Type, Prompt: q.Prompt, Explanation: q.Explanation, Category: q.Category,
			True: q.True, Accepted: q.Accepted, FeedbackTrue: q.FeedbackTrue, FeedbackFalse: q.FeedbackFalse}
		e.Options = append(e.Options, q.Options...)
		out = append(out, e)
	}
	return out
}

func TestExportGIFTRoundTrip(t *testing.T) {
	qs := roundTripSet()
	out := ExportGIFT(qs)
	back, errs := parseGIFT(out)
	if len(errs) != 0 {
		t.Fatalf("errors %v in\n%s", errs, out)
	}
	got, want := essentialsOf(back), essentialsOf(qs)
	if len(got) != len(want) {
		t.Fatalf("got %d questions, want %d\n%s", len(got), len(want), out)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("question %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	// Exporting again gives the same text.
	if again := ExportGIFT(back); again != out {
		t.Errorf("second export differs:\n%s", again)
	}
}

func TestExportGIFTText(t *testing.T) {
	qs := []Question{
		{Type: Single, Prompt: "Apa ibu kota Indonesia?", Category: "Geografi", Explanation: "Sejak 1945.",
			Options: []Option{{Text: "Jakarta", Weight: 100, Feedback: "Benar"}, {Text: "Bandung"}, {Text: "Bogor", Weight: 50}}},
		{Type: Multiple, Prompt: "Bilangan genap?", Category: "Geografi",
			Options: []Option{{Text: "2", Weight: 50}, {Text: "4", Weight: 50}, {Text: "3", Weight: -100}}},
		{Type: TrueFalse, Prompt: "1 = 1", True: true, FeedbackTrue: "Ya", FeedbackFalse: "Tidak"},
		{Type: Short, Prompt: "Kota {terbesar}: _____ di Jawa Timur.", Accepted: []string{"Surabaya"}},
	}
	want := `// Diekspor dari Kompeten dalam format GIFT Moodle.

$CATEGORY: Geografi

Apa ibu kota Indonesia? {
=Jakarta#Benar
~Bandung
~%50%Bogor
####Sejak 1945.
}

Bilangan genap? {
~%50%2
~%50%4
~%-100%3
}

$CATEGORY:

1 \= 1 {TRUE#Tidak#Ya}

Kota \{terbesar\}\: {
=Surabaya
} di Jawa Timur.

`
	if got := ExportGIFT(qs); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestExportGIFTUnknownType(t *testing.T) {
	out := ExportGIFT([]Question{{ID: "q9", Type: "essay", Prompt: "Tulis esai"}, {Type: TrueFalse, Prompt: "ok", True: true}})
	qs, errs := parseGIFT(out)
	if len(errs) != 0 || len(qs) != 1 || qs[0].Prompt != "ok" || !strings.Contains(out, `// Soal q9 berjenis "essay"`) {
		t.Errorf("got %+v, %v from\n%s", qs, errs, out)
	}
}

// TestGIFTRoundTripRandom builds GIFT files from random pieces that need
// care (escapes, weights, format tags, blanks, "->", comment marks) and
// checks that whatever ParseGIFT keeps survives ExportGIFT and ParseGIFT.
func TestGIFTRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	pieces := []string{"kata", "Jakarta", " ", "T", "a", `\:`, `\#`, `\=`, `\~`, `\n`, `\\`, `\{`, `\}`, "_____", "-", ">", "->",
		"%", "%50%", "[html]", "[moodle]", "//", "::", "ü", "é", "\u00a0", "\t", "#", "=", "~", "{", "}", "\n", "$CATEGORY:"}
	text := func() string {
		var b strings.Builder
		for n := 1 + r.Intn(6); n > 0; n-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		return b.String()
	}
	kept := 0
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for k := r.Intn(3); k >= 0; k-- {
			if r.Intn(4) == 0 {
				b.WriteString("$CATEGORY: " + text() + "\n\n")
			}
			if r.Intn(4) == 0 {
				b.WriteString("::" + text() + "::")
			}
			b.WriteString(text() + " {")
			if r.Intn(4) == 0 {
				b.WriteString([]string{"T", "F", "TRUE", "FALSE"}[r.Intn(4)])
				for j := r.Intn(4); j > 0; j-- {
					b.WriteString("#" + text())
				}
			} else {
				for j := 1 + r.Intn(4); j > 0; j-- {
					b.WriteString([]string{"=", "~", "~%50%", "~%-100%", "~%100%", "=%50%", "=%100%", " ~%33.33333%", "\n="}[r.Intn(9)])
					b.WriteString(text())
					if r.Intn(3) == 0 {
						b.WriteString("#" + text())
					}
				}
			}
			if r.Intn(3) == 0 {
				b.WriteString("####" + text())
			}
			b.WriteString("}")
			if r.Intn(3) == 0 {
				b.WriteString(text())
			}
			b.WriteString("\n\n")
		}
		src := b.String()
		qs, errs := parseGIFT(src)
		kept += len(qs)
		checkImported(t, src, qs, errs)
		out := ExportGIFT(qs)
		back, errs := parseGIFT(out)
		if len(errs) != 0 {
			t.Fatalf("%q: re-import errors %v\nexport:\n%s", src, errs, out)
		}
		if got, want := essentialsOf(back), essentialsOf(qs); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: round trip differs\n got %+v\nwant %+v\nexport:\n%s", src, got, want, out)
		}
	}
	if kept < 1000 {
		t.Errorf("only %d questions parsed: the generator makes too few good ones", kept)
	}
}
