package app

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// An attempt's result page.

type resultRow struct {
	N           int
	Prompt      string
	Answer      string
	Graded      bool // the quiz shows correctness
	Right       bool
	Score       float64
	Points      float64
	Explanation string
}

type resultPageView struct {
	ID          string
	Title       string
	N           int
	Result      resultView
	Rows        []resultRow
	ShowRight   bool
	LessonID    string
	CourseSlug  string
	CourseTitle string
	Completed   bool
	CertCode    string
	CertShown   string
	CanRetry    bool
}

// answerText writes a saved answer for the result page.
func answerText(q content.Question, ans any, lang string, cat catalog) string {
	switch x := ans.(type) {
	case string:
		if q.Type == content.QShort {
			return x
		}
		for _, o := range q.Options {
			if o.ID == x {
				return o.Text
			}
		}
	case []string:
		var parts []string
		for _, id := range x {
			for _, o := range q.Options {
				if o.ID == id {
					parts = append(parts, o.Text)
				}
			}
		}
		return strings.Join(parts, "; ")
	case *bool:
		if x != nil {
			if *x {
				return cat.T(lang, "quiz.true")
			}
			return cat.T(lang, "quiz.false")
		}
	}
	return ""
}

// resultPage: GET /quiz/attempts/:id/result.
func (a *App) resultPage(c *fiber.Ctx) error {
	u := *currentUser(c)
	at, q, err := a.svc.GetAttempt(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	if at.Open {
		return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID), fiber.StatusSeeOther)
	}
	av := toAttemptView(at, q)
	v := resultPageView{ID: at.ID, Title: q.Title, N: at.N, Result: *av.Result, ShowRight: q.ShowCorrectness}
	lang := langOf(c)
	for i, rq := range av.Result.Questions {
		qq := questionByID(q, rq.ID)
		row := resultRow{N: i + 1, Prompt: qq.Prompt, Points: qq.Points, Explanation: rq.Explanation,
			Answer: answerText(qq, av.Answers[rq.ID], lang, a.cat)}
		if rq.Correct != nil && rq.Score != nil {
			row.Graded, row.Right, row.Score = true, *rq.Correct, *rq.Score
		}
		v.Rows = append(v.Rows, row)
	}
	if course, err := a.svc.Course(c.UserContext(), at.Course); err == nil {
		v.LessonID, v.CourseSlug, v.CourseTitle = quizLessonOf(course, q.ID), course.Slug, course.Title
		if e, err := a.svc.Enrollment(c.UserContext(), u.NIP, course.ID); err == nil {
			v.Completed = !e.Completed.IsZero()
			if e.Certificate != "" {
				v.CertCode, v.CertShown = e.Certificate, content.FormatCode(e.Certificate)
			}
		}
	}
	if !at.Passed {
		as, err := a.svc.MyAttempts(c.UserContext(), u, q.ID)
		if err == nil {
			v.CanRetry = q.MaxAttempts == 0 || len(as) < q.MaxAttempts
		}
	}
	return a.page(c, "quiz_result", v)
}
