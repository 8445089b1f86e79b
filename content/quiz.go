package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Question types.
const (
	QSingle    = "single"
	QMultiple  = "multiple"
	QTrueFalse = "truefalse"
	QShort     = "short"
)

var questionTypes = []string{QSingle, QMultiple, QTrueFalse, QShort}

// Option is a choice of a single or multiple choice question. Weight is the
// share of the question's points it earns when chosen, in percent, as in
// GIFT's %50%: the correct option of a single choice question weighs 100,
// options of a multiple choice question may weigh fractions, and wrong
// options may weigh less than zero.
type Option struct {
	ID       string  `bson:"id" json:"id"`
	Text     string  `bson:"text" json:"text"`
	Weight   float64 `bson:"weight" json:"weight"`
	Feedback string  `bson:"feedback,omitempty" json:"feedback,omitempty"`
}

// Question is a quiz question with its answer key. The key lives in the
// options' weights (single, multiple), in True (truefalse) or in Accepted
// (short): the learner-facing view never copies those fields.
type Question struct {
	ID          string   `bson:"id" json:"id"`
	Type        string   `bson:"type" json:"type"`
	Prompt      string   `bson:"prompt" json:"prompt"`
	Options     []Option `bson:"options,omitempty" json:"options,omitempty"`
	True        bool     `bson:"true,omitempty" json:"-"`
	Accepted    []string `bson:"accepted,omitempty" json:"-"`
	Points      float64  `bson:"points" json:"points"`
	Explanation string   `bson:"explanation,omitempty" json:"explanation,omitempty"`
	// Category is GIFT's $CATEGORY, kept for export.
	Category string `bson:"category,omitempty" json:"category,omitempty"`
	// Feedback for true/false answers (GIFT's #feedback after T or F).
	FeedbackTrue  string `bson:"feedback_true,omitempty" json:"-"`
	FeedbackFalse string `bson:"feedback_false,omitempty" json:"-"`
}

// AnswerKey is the contract's "answer" of a question: an option id, a list
// of option ids, true/false, or a list of accepted strings.
func (q Question) AnswerKey() any {
	switch q.Type {
	case QSingle:
		for _, o := range q.Options {
			if o.Weight >= 100 {
				return o.ID
			}
		}
		return ""
	case QMultiple:
		ids := []string{}
		for _, o := range q.Options {
			if o.Weight > 0 {
				ids = append(ids, o.ID)
			}
		}
		return ids
	case QTrueFalse:
		return q.True
	default:
		return q.Accepted
	}
}

// normalizeShort is how short answers are compared: case and surrounding
// space do not matter, inner runs of space count as one.
func normalizeShort(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// Answer is a learner's answer: the same shapes as the answer key.
type Answer struct {
	Option  string   `bson:"option,omitempty" json:"option,omitempty"`
	Options []string `bson:"options,omitempty" json:"options,omitempty"`
	Bool    *bool    `bson:"bool,omitempty" json:"bool,omitempty"`
	Text    string   `bson:"text,omitempty" json:"text,omitempty"`
}

// ParseAnswer reads a learner's JSON answer for a question: "o1",
// ["o1","o3"], true, or "teks" (short).
func ParseAnswer(q Question, raw json.RawMessage) (Answer, error) {
	var a Answer
	bad := errMsg("answer.wrong_shape", q.ID, msg("qtype."+q.Type))
	switch q.Type {
	case QSingle:
		if json.Unmarshal(raw, &a.Option) != nil || (a.Option != "" && !q.hasOption(a.Option)) {
			return a, bad
		}
	case QMultiple:
		if json.Unmarshal(raw, &a.Options) != nil || len(a.Options) > 100 {
			return a, bad
		}
		for _, id := range a.Options {
			if !q.hasOption(id) {
				return a, bad
			}
		}
		slices.Sort(a.Options)
		a.Options = slices.Compact(a.Options)
	case QTrueFalse:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return a, bad
		}
		a.Bool = &b
	case QShort:
		if json.Unmarshal(raw, &a.Text) != nil || utf8.RuneCountInString(a.Text) > 1000 {
			return a, bad
		}
	}
	return a, nil
}

func (q Question) hasOption(id string) bool {
	return slices.ContainsFunc(q.Options, func(o Option) bool { return o.ID == id })
}

// Grade returns the share of the question's points an answer earns, 0..1.
// Multiple choice adds the weights of the chosen options (GIFT partial
// credit), never below zero nor above full marks.
func (q Question) Grade(a Answer) float64 {
	switch q.Type {
	case QSingle:
		for _, o := range q.Options {
			if o.ID == a.Option {
				return clamp01(o.Weight / 100)
			}
		}
	case QMultiple:
		sum := 0.0
		for _, o := range q.Options {
			if slices.Contains(a.Options, o.ID) {
				sum += o.Weight
			}
		}
		return clamp01(sum / 100)
	case QTrueFalse:
		if a.Bool != nil && *a.Bool == q.True {
			return 1
		}
	case QShort:
		got := normalizeShort(a.Text)
		if got == "" {
			return 0
		}
		for _, acc := range q.Accepted {
			if normalizeShort(acc) == got {
				return 1
			}
		}
	}
	return 0
}

func clamp01(x float64) float64 {
	// Weights like 33.333% add up to 99.999: count that as full marks.
	x = math.Round(x*1e4) / 1e4
	return max(0, min(1, x))
}

// validate checks a question and gives it ids where missing. prefix names
// the question in messages.
func (q *Question) validate(prefix string) fieldErrors {
	f := fieldErrors{}
	if prefix != "" {
		prefix += "."
	}
	q.Prompt = strings.TrimSpace(q.Prompt)
	if q.Prompt == "" || utf8.RuneCountInString(q.Prompt) > 10_000 {
		f[prefix+"prompt"] = msg("question.prompt", 10_000)
	}
	if !slices.Contains(questionTypes, q.Type) {
		f[prefix+"type"] = msg("question.type")
		return f
	}
	if q.Points == 0 {
		q.Points = 1
	}
	if q.Points < 0 || q.Points > 1000 || math.IsNaN(q.Points) {
		f[prefix+"points"] = msg("range", 0, 1000)
	}
	if q.ID == "" {
		q.ID = "q" + newID(6)
	}
	switch q.Type {
	case QSingle, QMultiple:
		if len(q.Options) < 2 || len(q.Options) > 26 {
			f[prefix+"options"] = msg("question.option_count", 2, 26)
			return f
		}
		assignOptionIDs(q.Options)
		seen := map[string]bool{}
		best, total := 0.0, 0.0
		for i := range q.Options {
			o := &q.Options[i]
			if seen[o.ID] || strings.TrimSpace(o.Text) == "" {
				f[prefix+"options"] = msg("question.option_text")
			}
			seen[o.ID] = true
			best = max(best, o.Weight)
			if o.Weight > 0 {
				total += o.Weight
			}
		}
		if q.Type == QSingle && best < 100 {
			f[prefix+"answer"] = msg("question.single_answer")
		}
		if q.Type == QMultiple && total < 99.9 {
			f[prefix+"answer"] = msg("question.multiple_weights")
		}
	case QShort:
		var acc []string
		for _, a := range q.Accepted {
			if a = strings.TrimSpace(a); a != "" {
				acc = append(acc, a)
			}
		}
		q.Accepted = acc
		if len(acc) == 0 {
			f[prefix+"answer"] = msg("question.short_answer")
		}
	}
	return f
}

// QuestionInput is a question as the API contract writes it: the answer
// key in one polymorphic "answer" field.
type QuestionInput struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Prompt      string          `json:"prompt"`
	Options     []Option        `json:"options"`
	Answer      json.RawMessage `json:"answer"`
	Points      float64         `json:"points"`
	Explanation string          `json:"explanation"`
}

// Question turns the contract's shape into a stored question: the answer
// becomes option weights, True or Accepted.
func (in QuestionInput) Question() (Question, error) {
	q := Question{ID: in.ID, Type: in.Type, Prompt: in.Prompt, Options: in.Options, Points: in.Points, Explanation: in.Explanation}
	bad := errMsg("question.answer_shape")
	switch in.Type {
	case QSingle:
		var id string
		if err := json.Unmarshal(in.Answer, &id); err != nil {
			return q, bad
		}
		for i := range q.Options {
			q.Options[i].Weight = 0
			if q.Options[i].ID == id {
				q.Options[i].Weight = 100
			}
		}
	case QMultiple:
		var ids []string
		if err := json.Unmarshal(in.Answer, &ids); err != nil || len(ids) == 0 {
			return q, bad
		}
		// Without GIFT weights: each right option earns an equal share and
		// each wrong one takes the same share away, so ticking everything
		// earns nothing.
		share := 100 / float64(len(ids))
		for i := range q.Options {
			if slices.Contains(ids, q.Options[i].ID) {
				q.Options[i].Weight = share
			} else {
				q.Options[i].Weight = -share
			}
		}
	case QTrueFalse:
		if err := json.Unmarshal(in.Answer, &q.True); err != nil {
			return q, bad
		}
	case QShort:
		if err := json.Unmarshal(in.Answer, &q.Accepted); err != nil {
			var one string
			if json.Unmarshal(in.Answer, &one) != nil {
				return q, bad
			}
			q.Accepted = []string{one}
		}
	}
	return q, nil
}

// Quiz is an assessment of a course. A quiz lesson points at it.
type Quiz struct {
	ID     string `bson:"id" json:"id"`
	Course string `bson:"course" json:"course_id"`
	Title  string `bson:"title" json:"title"`
	// PassMark is the percentage needed to pass.
	PassMark float64 `bson:"pass_mark" json:"pass_mark"`
	// MaxAttempts 0 means unlimited; TimeLimit 0 means no limit (seconds).
	MaxAttempts int `bson:"max_attempts" json:"max_attempts"`
	TimeLimit   int `bson:"time_limit" json:"time_limit_seconds"`
	// Draw N of the questions per attempt; 0 means all.
	Draw             int        `bson:"draw" json:"draw"`
	ShuffleQuestions bool       `bson:"shuffle_questions" json:"shuffle_questions"`
	ShuffleOptions   bool       `bson:"shuffle_options" json:"shuffle_options"`
	OnePerPage       bool       `bson:"one_per_page" json:"one_per_page"`
	ShowCorrectness  bool       `bson:"show_correctness" json:"show_correctness"`
	ShowExplanations bool       `bson:"show_explanations" json:"show_explanations"`
	Questions        []Question `bson:"questions" json:"questions"`
	Created          time.Time  `bson:"created" json:"created_at"`
	Updated          time.Time  `bson:"updated" json:"updated_at"`
}

// QuizInput creates or changes a quiz.
type QuizInput struct {
	CourseID         string          `json:"course_id"`
	Title            *string         `json:"title"`
	PassMark         *float64        `json:"pass_mark"`
	MaxAttempts      *int            `json:"max_attempts"`
	TimeLimit        *int            `json:"time_limit_seconds"`
	Draw             *int            `json:"draw"`
	ShuffleQuestions *bool           `json:"shuffle_questions"`
	ShuffleOptions   *bool           `json:"shuffle_options"`
	OnePerPage       *bool           `json:"one_per_page"`
	ShowCorrectness  *bool           `json:"show_correctness"`
	ShowExplanations *bool           `json:"show_explanations"`
	Questions        []QuestionInput `json:"questions"`
	// ModuleID, when set on creation, adds a quiz lesson to that module.
	ModuleID string `json:"module_id"`
}

func (in QuizInput) apply(q *Quiz, creating bool) error {
	f := fieldErrors{}
	if in.Title != nil {
		q.Title = strings.TrimSpace(*in.Title)
	}
	if n := utf8.RuneCountInString(q.Title); n < 1 || n > 200 {
		f["title"] = msg("title_length", 1, 200)
	}
	if in.PassMark != nil {
		q.PassMark = *in.PassMark
	} else if creating {
		q.PassMark = 70
	}
	if q.PassMark < 0 || q.PassMark > 100 || math.IsNaN(q.PassMark) {
		f["pass_mark"] = msg("quiz.pass_mark", 0, 100)
	}
	setInt := func(dst *int, src *int, name string, maxV int) {
		if src != nil {
			*dst = *src
		}
		if *dst < 0 || *dst > maxV {
			f[name] = msg("range", 0, maxV)
		}
	}
	setInt(&q.MaxAttempts, in.MaxAttempts, "max_attempts", 100)
	setInt(&q.TimeLimit, in.TimeLimit, "time_limit_seconds", 24*3600)
	setInt(&q.Draw, in.Draw, "draw", 500)
	for _, b := range []struct {
		dst *bool
		src *bool
	}{{&q.ShuffleQuestions, in.ShuffleQuestions}, {&q.ShuffleOptions, in.ShuffleOptions}, {&q.OnePerPage, in.OnePerPage},
		{&q.ShowCorrectness, in.ShowCorrectness}, {&q.ShowExplanations, in.ShowExplanations}} {
		if b.src != nil {
			*b.dst = *b.src
		}
	}
	if creating && in.ShowCorrectness == nil {
		q.ShowCorrectness, q.ShowExplanations = true, true
	}
	if in.Questions != nil {
		q.Questions = nil
		for i, qi := range in.Questions {
			qq, err := qi.Question()
			name := fmt.Sprintf("questions[%d]", i)
			if err != nil {
				m, _ := messageOf(err)
				f[name+".answer"] = m
				continue
			}
			for k, v := range qq.validate(name) {
				f[k] = v
			}
			q.Questions = append(q.Questions, qq)
		}
	}
	if len(q.Questions) > MaxQuestions {
		f["questions"] = tooManyQuestions()
	}
	if err := checkUniqueIDs(q.Questions); err != nil {
		m, _ := messageOf(err)
		f["questions"] = m
	}
	return f.err()
}

func checkUniqueIDs(qs []Question) error {
	seen := map[string]bool{}
	for _, q := range qs {
		if seen[q.ID] {
			return errMsg("question.duplicate_id", q.ID)
		}
		seen[q.ID] = true
	}
	return nil
}

// CreateQuiz makes a quiz for a course the user owns, and with ModuleID a
// quiz lesson pointing at it.
func (s *Service) CreateQuiz(ctx context.Context, u User, in QuizInput) (Quiz, error) {
	c, err := s.ViewCourse(ctx, u, in.CourseID)
	if errors.Is(err, ErrNotFound) {
		return Quiz{}, invalid("course_id", msg("course.not_found"))
	}
	if err != nil {
		return Quiz{}, err
	}
	if !c.OwnedBy(u) {
		return Quiz{}, ErrForbidden
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	q := Quiz{ID: "k" + newID(9), Course: c.ID, Created: now, Updated: now, Questions: []Question{}}
	if err := in.apply(&q, true); err != nil {
		return Quiz{}, err
	}
	if in.ModuleID != "" && c.moduleIndex(in.ModuleID) < 0 {
		return Quiz{}, invalid("module_id", msg("module.not_found"))
	}
	if err := s.docs.C(collQuizzes).Insert(ctx, q.ID, &q); err != nil {
		return Quiz{}, mapErr(err, "quiz")
	}
	if in.ModuleID != "" {
		kind, title := KindQuiz, q.Title
		if _, err := s.AddLesson(ctx, u, c.ID, in.ModuleID, LessonInput{Title: &title, Kind: &kind, QuizID: &q.ID}); err != nil {
			return Quiz{}, err
		}
	}
	return q, nil
}

// Quiz loads a quiz with its answer keys: for owners and grading only.
func (s *Service) Quiz(ctx context.Context, id string) (Quiz, error) {
	var q Quiz
	_, err := s.docs.C(collQuizzes).Get(ctx, id, &q)
	return q, mapErr(err, "quiz "+id)
}

// OwnedQuiz loads a quiz the user may edit.
func (s *Service) OwnedQuiz(ctx context.Context, u User, id string) (Quiz, Course, error) {
	q, err := s.Quiz(ctx, id)
	if err != nil {
		return Quiz{}, Course{}, err
	}
	c, err := s.Course(ctx, q.Course)
	if err != nil {
		return Quiz{}, Course{}, err
	}
	if !c.OwnedBy(u) {
		return Quiz{}, Course{}, fmt.Errorf("quiz %s: %w", id, ErrNotFound)
	}
	return q, c, nil
}

// UpdateQuiz changes a quiz's settings or replaces its questions.
func (s *Service) UpdateQuiz(ctx context.Context, u User, id string, in QuizInput) (Quiz, error) {
	if _, _, err := s.OwnedQuiz(ctx, u, id); err != nil {
		return Quiz{}, err
	}
	q, err := docs.Update(ctx, s.docs.C(collQuizzes), id, func(q *Quiz) error {
		if err := in.apply(q, false); err != nil {
			return err
		}
		q.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	s.quizzes.forget()
	return q, mapErr(err, "quiz "+id)
}

// ValidateQuestion checks one question (imports use it per question).
func ValidateQuestion(q *Question) error {
	return (q.validate("question")).err()
}
