package app

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// ownerQuestion is a question in the contract's shape, with its key: only
// for the quiz's owners.
type ownerQuestion struct {
	ID          string           `json:"id"`
	Type        string           `json:"type"`
	Prompt      string           `json:"prompt"`
	Options     []content.Option `json:"options,omitempty"`
	Answer      any              `json:"answer"`
	Points      float64          `json:"points"`
	Explanation string           `json:"explanation,omitempty"`
}

type ownerQuiz struct {
	content.Quiz
	Questions []ownerQuestion `json:"questions"`
}

func toOwnerQuiz(q content.Quiz) ownerQuiz {
	out := ownerQuiz{Quiz: q, Questions: []ownerQuestion{}}
	for _, x := range q.Questions {
		out.Questions = append(out.Questions, ownerQuestion{ID: x.ID, Type: x.Type, Prompt: x.Prompt, Options: x.Options,
			Answer: x.AnswerKey(), Points: x.Points, Explanation: x.Explanation})
	}
	return out
}

func (a *App) createQuiz(c *fiber.Ctx) error {
	var in content.QuizInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	q, err := a.svc.CreateQuiz(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toOwnerQuiz(q))
}

func (a *App) getQuiz(c *fiber.Ctx) error {
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(toOwnerQuiz(q))
}

func (a *App) patchQuiz(c *fiber.Ctx) error {
	var in content.QuizInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	q, err := a.svc.UpdateQuiz(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(toOwnerQuiz(q))
}

// learnerOption and learnerQuestion are all a learner sees of a question
// before submitting: no weights, no accepted answers, no feedback, no
// explanation.
type learnerOption struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type learnerQuestion struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Prompt  string          `json:"prompt"`
	Points  float64         `json:"points"`
	Options []learnerOption `json:"options,omitempty"`
}

type attemptView struct {
	ID          string            `json:"id"`
	QuizID      string            `json:"quiz_id"`
	Title       string            `json:"title"`
	N           int               `json:"n"`
	MaxAttempts int               `json:"max_attempts"`
	StartedAt   time.Time         `json:"started_at"`
	Deadline    *time.Time        `json:"deadline"`
	OnePerPage  bool              `json:"one_per_page"`
	Open        bool              `json:"open"`
	Questions   []learnerQuestion `json:"questions"`
	Answers     map[string]any    `json:"answers"`
	Result      *resultView       `json:"result,omitempty"`
}

// answerJSON is a saved answer in the shape the learner sent it.
func answerJSON(q content.Question, a content.Answer) any {
	switch q.Type {
	case content.QSingle:
		return a.Option
	case content.QMultiple:
		if a.Options == nil {
			return []string{}
		}
		return a.Options
	case content.QTrueFalse:
		return a.Bool
	default:
		return a.Text
	}
}

func questionByID(q content.Quiz, id string) content.Question {
	for _, x := range q.Questions {
		if x.ID == id {
			return x
		}
	}
	return content.Question{ID: id}
}

// toAttemptView shows the attempt in the served order; the result only
// once it is submitted.
func toAttemptView(at content.Attempt, q content.Quiz) attemptView {
	v := attemptView{ID: at.ID, QuizID: q.ID, Title: q.Title, N: at.N, MaxAttempts: q.MaxAttempts, StartedAt: at.Started,
		OnePerPage: q.OnePerPage, Open: at.Open, Answers: map[string]any{}}
	if !at.Deadline.IsZero() {
		d := at.Deadline
		v.Deadline = &d
	}
	for _, sq := range at.Served {
		qq := questionByID(q, sq.ID)
		lq := learnerQuestion{ID: qq.ID, Type: qq.Type, Prompt: qq.Prompt, Points: qq.Points}
		for _, oid := range sq.Options {
			for _, o := range qq.Options {
				if o.ID == oid {
					lq.Options = append(lq.Options, learnerOption{ID: o.ID, Text: o.Text})
				}
			}
		}
		v.Questions = append(v.Questions, lq)
		if ans, ok := at.Answers[sq.ID]; ok {
			v.Answers[sq.ID] = answerJSON(qq, ans)
		}
	}
	if !at.Open {
		r := toResult(at, q)
		v.Result = &r
	}
	return v
}

type resultQuestion struct {
	ID          string   `json:"id"`
	Correct     *bool    `json:"correct,omitempty"`
	Score       *float64 `json:"score,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
}

type resultView struct {
	Score       float64          `json:"score"`
	MaxScore    float64          `json:"max_score"`
	Percent     float64          `json:"percent"`
	PassMark    float64          `json:"pass_mark"`
	Passed      bool             `json:"passed"`
	SubmittedAt time.Time        `json:"submitted_at"`
	Questions   []resultQuestion `json:"questions"`
}

// toResult shows the grading as far as the quiz allows.
func toResult(at content.Attempt, q content.Quiz) resultView {
	r := resultView{Score: at.Score, MaxScore: at.MaxScore, Percent: at.Percent, PassMark: q.PassMark, Passed: at.Passed,
		SubmittedAt: at.Submitted, Questions: []resultQuestion{}}
	for _, res := range at.Results {
		rq := resultQuestion{ID: res.ID}
		if q.ShowCorrectness {
			correct, score := res.Correct, res.Score
			rq.Correct, rq.Score = &correct, &score
		}
		if q.ShowExplanations {
			rq.Explanation = res.Explanation
		}
		r.Questions = append(r.Questions, rq)
	}
	return r
}

func (a *App) startAttempt(c *fiber.Ctx) error {
	at, q, err := a.svc.StartAttempt(c.UserContext(), *currentUser(c), param(c, "id"))
	if errors.Is(err, content.ErrAttemptsUsed) {
		return &apiError{Status: 409, Code: "attempts_used", msg: content.ErrAttemptsUsed.Message()}
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toAttemptView(at, q))
}

func (a *App) getAttempt(c *fiber.Ctx) error {
	at, q, err := a.svc.GetAttempt(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(toAttemptView(at, q))
}

type answersInput struct {
	Answers map[string]json.RawMessage `json:"answers"`
}

func (a *App) saveAnswers(c *fiber.Ctx) error {
	var in answersInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	at, err := a.svc.SaveAnswers(c.UserContext(), *currentUser(c), param(c, "id"), in.Answers)
	switch {
	case errors.Is(err, content.ErrDeadlinePassed):
		return &apiError{Status: 409, Code: "deadline_passed", msg: content.ErrDeadlinePassed.Message()}
	case errors.Is(err, content.ErrSubmitted):
		return &apiError{Status: 409, Code: "already_submitted", msg: content.ErrSubmitted.Message()}
	case err != nil:
		return err
	}
	return c.JSON(fiber.Map{"id": at.ID, "saved": len(in.Answers)})
}

func (a *App) submitAttempt(c *fiber.Ctx) error {
	at, q, err := a.svc.SubmitAttempt(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(toResult(at, q))
}
