package app

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

var aikenAnswer = regexp.MustCompile(`(?m)^\s*ANSWER\s*:\s*[A-Za-z]\s*$`)

// quizFormat picks the format from ?format=, else from the text: Aiken
// marks every question with an ANSWER: line and has no GIFT braces.
func quizFormat(c *fiber.Ctx, src string) (string, error) {
	switch f := strings.ToLower(c.Query("format")); f {
	case "gift", "aiken":
		return f, nil
	case "":
		if aikenAnswer.MatchString(src) && !strings.Contains(src, "{") {
			return "aiken", nil
		}
		return "gift", nil
	default:
		return "", errField(422, "format", "format harus gift atau aiken")
	}
}

type importResult struct {
	Added  int                   `json:"added"`
	Format string                `json:"format"`
	Errors []content.ImportError `json:"errors"`
}

// importQuestions parses a question bank and appends the good questions.
func (a *App) importQuestions(c *fiber.Ctx, quizID, src, format string) (importResult, error) {
	parse := content.ParseGIFT
	if format == "aiken" {
		parse = content.ParseAiken
	}
	qs, errs := parse(src)
	res := importResult{Format: format, Errors: errs}
	if res.Errors == nil {
		res.Errors = []content.ImportError{}
	}
	if len(qs) > 0 {
		if _, err := a.svc.AddQuestions(c.UserContext(), *currentUser(c), quizID, qs); err != nil {
			return res, err
		}
	} else if _, _, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), quizID); err != nil {
		return res, err
	}
	res.Added = len(qs)
	return res, nil
}

// importQuiz: POST /api/v1/quizzes/{id}/import, text/plain in Aiken or GIFT.
// Good questions are added; each bad one is reported with its line.
func (a *App) importQuiz(c *fiber.Ctx) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, "text/plain") {
		return &apiError{Status: 415, Code: "unsupported_media_type", Message: "kirim soal sebagai text/plain (GIFT atau Aiken)"}
	}
	src := string(c.Body())
	format, err := quizFormat(c, src)
	if err != nil {
		return err
	}
	res, err := a.importQuestions(c, param(c, "id"), src, format)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// exportQuiz: GET /api/v1/quizzes/{id}/export.gift, the quiz's questions
// in GIFT, for Moodle or another Kompeten.
func (a *App) exportQuiz(c *fiber.Ctx) error {
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="kuis-`+utils.CopyString(q.ID)+`.gift.txt"`)
	return c.SendString(content.ExportGIFT(q.Questions))
}
