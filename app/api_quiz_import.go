package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// importQuiz: POST /api/v1/quizzes/{id}/import, text/plain in Aiken or GIFT
// (?format=, else read from the text). Good questions are added; each bad
// one is reported with its line.
func (a *App) importQuiz(c *fiber.Ctx) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, "text/plain") {
		return &apiError{Status: 415, Code: "unsupported_media_type", msg: emsg("import.text_plain")}
	}
	if len(c.Body()) > content.MaxImportBytes {
		return errField(413, "body", emsg("import.too_big", content.MaxImportBytes>>20))
	}
	format := strings.ToLower(c.Query("format"))
	if format != "" && format != "gift" && format != "aiken" {
		return errField(422, "format", emsg("import.format"))
	}
	res, err := a.svc.ImportQuestions(c.UserContext(), *currentUser(c), param(c, "id"), format, string(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(a.importResult(langOf(c), res))
}

// importResultView is an import's result for a person: each skipped
// question with its line, code and message in the reader's language.
type importResultView struct {
	Added  int               `json:"added"`
	Format string            `json:"format"`
	Errors []importErrorView `json:"errors"`
}

type importErrorView struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (a *App) importResult(lang string, res content.ImportResult) importResultView {
	v := importResultView{Added: res.Added, Format: res.Format, Errors: make([]importErrorView, len(res.Errors))}
	for i, e := range res.Errors {
		v.Errors[i] = importErrorView{Line: e.Line, Code: e.Code, Message: a.tr(lang, e.Msg)}
	}
	return v
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
