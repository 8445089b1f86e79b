package app

import (
	"fmt"
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
		return &apiError{Status: 415, Code: "unsupported_media_type", Message: "kirim soal sebagai text/plain (GIFT atau Aiken)"}
	}
	if len(c.Body()) > content.MaxImportBytes {
		return errField(413, "body", fmt.Sprintf("berkas soal paling besar %d MiB", content.MaxImportBytes>>20))
	}
	format := strings.ToLower(c.Query("format"))
	if format != "" && format != "gift" && format != "aiken" {
		return errField(422, "format", "format harus gift atau aiken")
	}
	res, err := a.svc.ImportQuestions(c.UserContext(), *currentUser(c), param(c, "id"), format, string(c.Body()))
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
