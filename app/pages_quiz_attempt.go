package app

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// The learner's side of a quiz: the quiz lesson's summary, starting an
// attempt and the attempt page. Every page works as plain forms; quiz.js
// adds autosave, an offline queue, the timer and one question per screen on
// top.

// ---- The quiz lesson -------------------------------------------------------

type attemptRow struct {
	ID        string
	N         int
	Open      bool
	Percent   float64
	Passed    bool
	Submitted string
}

// quizLessonView is what the player shows of a quiz lesson: its rules and
// the learner's attempts, never its questions.
type quizLessonView struct {
	ID          string
	Title       string
	Questions   int
	PassMark    float64
	MaxAttempts int
	Used        int
	Minutes     string
	Attempts    []attemptRow
	OpenID      string
	CanStart    bool
	Passed      bool
	Missing     bool
}

func (a *App) quizLesson(c *fiber.Ctx, u content.User, quizID string) (*quizLessonView, error) {
	if quizID == "" {
		return &quizLessonView{Missing: true}, nil
	}
	q, err := a.svc.Quiz(c.UserContext(), quizID)
	if errors.Is(err, content.ErrNotFound) {
		return &quizLessonView{Missing: true}, nil
	}
	if err != nil {
		return nil, err
	}
	v := &quizLessonView{ID: q.ID, Title: q.Title, Questions: len(q.Questions), PassMark: q.PassMark, MaxAttempts: q.MaxAttempts}
	if q.Draw > 0 && q.Draw < v.Questions {
		v.Questions = q.Draw
	}
	if q.TimeLimit > 0 {
		v.Minutes = fmtNum(float64(q.TimeLimit) / 60)
	}
	as, err := a.svc.MyAttempts(c.UserContext(), u, q.ID)
	if err != nil {
		return nil, err
	}
	now := a.svc.Now()
	for _, at := range as {
		open := at.Running(now)
		row := attemptRow{ID: at.ID, N: at.N, Open: open, Percent: at.Percent, Passed: at.Passed}
		if !at.Submitted.IsZero() {
			row.Submitted = formatDateID(at.Submitted)
		}
		if open {
			v.OpenID = at.ID
		}
		if at.Passed {
			v.Passed = true
		}
		v.Attempts = append(v.Attempts, row)
	}
	v.Used = len(as)
	v.CanStart = v.Questions > 0 && (v.OpenID != "" || q.MaxAttempts == 0 || len(as) < q.MaxAttempts)
	return v, nil
}

// startQuizSubmit: POST /learn/:id/quiz starts (or resumes) the attempt of
// the lesson's quiz and opens it.
func (a *App) startQuizSubmit(c *fiber.Ctx) error {
	u := currentUser(c)
	lv, err := a.svc.ViewLesson(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	if lv.Lesson.Kind != content.KindQuiz || lv.Lesson.QuizID == "" {
		return fiber.ErrNotFound
	}
	at, _, err := a.svc.StartAttempt(c.UserContext(), *u, lv.Lesson.QuizID)
	if errors.Is(err, content.ErrAttemptsUsed) {
		return &apiError{Status: 409, Code: "attempts_used", msg: content.ErrAttemptsUsed.Message()}
	}
	if err != nil {
		return err
	}
	return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID), fiber.StatusSeeOther)
}

// ---- The attempt -----------------------------------------------------------

type attemptOption struct {
	ID      string
	Text    string
	Checked bool
}

// attemptQuestion is one served question as the page shows it: built only
// from the learner view (toAttemptView), so no key can reach the HTML.
type attemptQuestion struct {
	N        int
	ID       string
	Type     string
	Prompt   string
	Points   float64
	Options  []attemptOption
	Text     string
	True     bool
	False    bool
	Answered bool
}

type attemptPageView struct {
	ID          string
	Title       string
	N           int
	MaxAttempts int
	OnePerPage  bool
	DeadlineMS  int64
	NowMS       int64
	Deadline    string
	Questions   []attemptQuestion
	Answered    int
	LessonID    string
	CourseSlug  string
	CourseTitle string
	Saved       bool
}

func learnerAttemptQuestions(v attemptView) ([]attemptQuestion, int) {
	var out []attemptQuestion
	answered := 0
	for i, lq := range v.Questions {
		aq := attemptQuestion{N: i + 1, ID: lq.ID, Type: lq.Type, Prompt: lq.Prompt, Points: lq.Points}
		ans, has := v.Answers[lq.ID]
		var chosen []string
		switch x := ans.(type) {
		case string:
			if lq.Type == content.QShort {
				aq.Text = x
				aq.Answered = strings.TrimSpace(x) != ""
			} else if x != "" {
				chosen = []string{x}
			}
		case []string:
			chosen = x
		case *bool:
			if x != nil {
				aq.True, aq.False, aq.Answered = *x, !*x, true
			}
		}
		for _, o := range lq.Options {
			aq.Options = append(aq.Options, attemptOption{ID: o.ID, Text: o.Text, Checked: slices.Contains(chosen, o.ID)})
		}
		if len(chosen) > 0 {
			aq.Answered = true
		}
		_ = has
		if aq.Answered {
			answered++
		}
		out = append(out, aq)
	}
	return out, answered
}

// quizLessonOf finds the lesson that points at a quiz, for links back.
func quizLessonOf(course content.Course, quizID string) string {
	for _, l := range course.Lessons() {
		if l.Kind == content.KindQuiz && l.QuizID == quizID {
			return l.ID
		}
	}
	return ""
}

// attemptPage: GET /quiz/attempts/:id, the learner's own attempt only.
func (a *App) attemptPage(c *fiber.Ctx) error {
	u := currentUser(c)
	at, q, err := a.svc.GetAttempt(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	if !at.Open {
		return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID)+"/result", fiber.StatusSeeOther)
	}
	av := toAttemptView(at, q)
	v := attemptPageView{ID: at.ID, Title: q.Title, N: at.N, MaxAttempts: q.MaxAttempts, OnePerPage: q.OnePerPage,
		NowMS: a.svc.Now().UnixMilli(), Saved: c.Query("saved") == "1"}
	v.Questions, v.Answered = learnerAttemptQuestions(av)
	if av.Deadline != nil {
		v.DeadlineMS = av.Deadline.UnixMilli()
		v.Deadline = av.Deadline.In(wib).Format("15:04") + " WIB"
	}
	if course, err := a.svc.Course(c.UserContext(), at.Course); err == nil {
		v.LessonID, v.CourseSlug, v.CourseTitle = quizLessonOf(course, q.ID), course.Slug, course.Title
	}
	return a.page(c, "quiz_attempt", v)
}

// formAnswers reads the attempt form: a.<question> holds the chosen
// option(s), true/false or the text; m.<question> marks a multiple choice
// question whose boxes were all left empty.
func formAnswers(c *fiber.Ctx, at content.Attempt, q content.Quiz) map[string]json.RawMessage {
	args := c.Request().PostArgs()
	out := map[string]json.RawMessage{}
	for _, sq := range at.Served {
		name := "a." + sq.ID
		qq := questionByID(q, sq.ID)
		var v any
		switch qq.Type {
		case content.QMultiple:
			if !args.Has(name) && !args.Has("m."+sq.ID) {
				continue
			}
			ids := []string{}
			for _, b := range args.PeekMulti(name) {
				ids = append(ids, string(b))
			}
			v = ids
		case content.QTrueFalse:
			switch string(args.Peek(name)) {
			case "true":
				v = true
			case "false":
				v = false
			default:
				continue
			}
		default:
			if !args.Has(name) {
				continue
			}
			v = string(args.Peek(name))
		}
		b, _ := json.Marshal(v)
		out[sq.ID] = b
	}
	return out
}

type confirmView struct {
	ID       string
	Title    string
	Answered int
	Total    int
}

// attemptSubmit: POST /quiz/attempts/:id/submit, the plain form: it saves
// every answer on the page, then goes back (do=save), asks to confirm, or
// with confirm=1 grades the attempt and shows the result.
func (a *App) attemptSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	at, q, err := a.svc.GetAttempt(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	result := "/quiz/attempts/" + url.PathEscape(at.ID) + "/result"
	if !at.Open {
		return c.Redirect(result, fiber.StatusSeeOther)
	}
	if answers := formAnswers(c, at, q); len(answers) > 0 {
		saved, err := a.svc.SaveAnswers(c.UserContext(), u, at.ID, answers)
		switch {
		case errors.Is(err, content.ErrDeadlinePassed), errors.Is(err, content.ErrSubmitted):
			// Graded on what was saved in time.
		case err != nil:
			return err
		default:
			at = saved
		}
	}
	if c.FormValue("do") == "save" {
		return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID)+"?saved=1", fiber.StatusSeeOther)
	}
	if c.FormValue("confirm") != "1" {
		_, answered := learnerAttemptQuestions(toAttemptView(at, q))
		return a.page(c, "quiz_confirm", confirmView{ID: at.ID, Title: q.Title, Answered: answered, Total: len(at.Served)})
	}
	if _, _, err := a.svc.SubmitAttempt(c.UserContext(), u, at.ID); err != nil {
		return err
	}
	return c.Redirect(result, fiber.StatusSeeOther)
}
