package content

import (
	"encoding/json"
	"testing"
)

func opts(weights ...float64) []Option {
	var out []Option
	for i, w := range weights {
		out = append(out, Option{ID: string(rune('a' + i)), Text: "pilihan", Weight: w})
	}
	return out
}

func TestGradeEveryType(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name string
		q    Question
		a    Answer
		want float64
	}{
		{"single right", Question{Type: QSingle, Options: opts(0, 100, 0)}, Answer{Option: "b"}, 1},
		{"single wrong", Question{Type: QSingle, Options: opts(0, 100, 0)}, Answer{Option: "a"}, 0},
		{"single partial weight", Question{Type: QSingle, Options: opts(50, 100)}, Answer{Option: "a"}, 0.5},
		{"single unanswered", Question{Type: QSingle, Options: opts(0, 100)}, Answer{}, 0},
		{"multiple all right", Question{Type: QMultiple, Options: opts(50, 50, -100)}, Answer{Options: []string{"a", "b"}}, 1},
		{"multiple half", Question{Type: QMultiple, Options: opts(50, 50, -100)}, Answer{Options: []string{"a"}}, 0.5},
		{"multiple penalty floors at zero", Question{Type: QMultiple, Options: opts(50, 50, -100)}, Answer{Options: []string{"a", "c"}}, 0},
		{"multiple everything ticked", Question{Type: QMultiple, Options: opts(50, 50, -50, -50)}, Answer{Options: []string{"a", "b", "c", "d"}}, 0},
		{"multiple thirds add to full", Question{Type: QMultiple, Options: opts(33.33333, 33.33333, 33.33333, -100)}, Answer{Options: []string{"a", "b", "c"}}, 1},
		{"true right", Question{Type: QTrueFalse, True: true}, Answer{Bool: &yes}, 1},
		{"true wrong", Question{Type: QTrueFalse, True: true}, Answer{Bool: &no}, 0},
		{"false right", Question{Type: QTrueFalse, True: false}, Answer{Bool: &no}, 1},
		{"truefalse unanswered", Question{Type: QTrueFalse, True: false}, Answer{}, 0},
		{"short exact", Question{Type: QShort, Accepted: []string{"Jakarta"}}, Answer{Text: "Jakarta"}, 1},
		{"short case and space", Question{Type: QShort, Accepted: []string{"Daerah Khusus  Jakarta"}}, Answer{Text: "  daerah khusus JAKARTA "}, 1},
		{"short second accepted", Question{Type: QShort, Accepted: []string{"DKI", "Jakarta"}}, Answer{Text: "jakarta"}, 1},
		{"short wrong", Question{Type: QShort, Accepted: []string{"Jakarta"}}, Answer{Text: "Bandung"}, 0},
		{"short empty", Question{Type: QShort, Accepted: []string{"Jakarta"}}, Answer{Text: "  "}, 0},
	}
	for _, c := range cases {
		if got := c.q.Grade(c.a); got != c.want {
			t.Errorf("%s: Grade = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestQuestionInputAnswerShapes(t *testing.T) {
	in := func(typ, answer string) QuestionInput {
		return QuestionInput{Type: typ, Prompt: "Soal", Options: []Option{{ID: "a", Text: "A"}, {ID: "b", Text: "B"}, {ID: "c", Text: "C"}},
			Answer: json.RawMessage(answer)}
	}
	q, err := in(QSingle, `"b"`).Question()
	if err != nil || q.Grade(Answer{Option: "b"}) != 1 || q.Grade(Answer{Option: "a"}) != 0 || q.AnswerKey() != "b" {
		t.Fatalf("single: %v %+v", err, q)
	}
	q, err = in(QMultiple, `["a","c"]`).Question()
	if err != nil || q.Grade(Answer{Options: []string{"a", "c"}}) != 1 || q.Grade(Answer{Options: []string{"a"}}) != 0.5 ||
		q.Grade(Answer{Options: []string{"a", "b", "c"}}) != 0.5 {
		t.Fatalf("multiple: %v %+v", err, q)
	}
	q, err = in(QTrueFalse, `false`).Question()
	no := false
	if err != nil || q.Grade(Answer{Bool: &no}) != 1 || q.AnswerKey() != false {
		t.Fatalf("truefalse: %v %+v", err, q)
	}
	q, err = in(QShort, `["Kotalama","Kota Lama"]`).Question()
	if err != nil || q.Grade(Answer{Text: "kota lama"}) != 1 {
		t.Fatalf("short: %v %+v", err, q)
	}
	if _, err := in(QSingle, `["a"]`).Question(); err == nil {
		t.Error("single with a list as answer accepted")
	}
	if _, err := in(QTrueFalse, `"ya"`).Question(); err == nil {
		t.Error("truefalse with a string answer accepted")
	}
	// Validation: a single choice question needs a right option.
	bad := Question{Type: QSingle, Prompt: "x", Options: opts(0, 0)}
	if err := ValidateQuestion(&bad); err == nil {
		t.Error("single choice without a right answer validated")
	}
}

func TestParseAnswerRefusesForeignShapes(t *testing.T) {
	q := Question{ID: "q1", Type: QSingle, Options: opts(0, 100)}
	for _, raw := range []string{`"zz"`, `["a"]`, `1`, `{"x":1}`} {
		if _, err := ParseAnswer(q, json.RawMessage(raw)); err == nil {
			t.Errorf("single accepted %s", raw)
		}
	}
	m := Question{ID: "q2", Type: QMultiple, Options: opts(50, 50)}
	a, err := ParseAnswer(m, json.RawMessage(`["b","a","b"]`))
	if err != nil || len(a.Options) != 2 {
		t.Errorf("multiple duplicates not folded: %v %v", a, err)
	}
}
