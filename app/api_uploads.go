package app

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

type uploadResponse struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	PartSize int64  `json:"part_size"`
	Parts    int    `json:"parts"`
	Received []int  `json:"received"`
	CourseID string `json:"course_id"`
}

func toUploadResponse(up content.Upload) uploadResponse {
	return uploadResponse{ID: up.ID, Filename: up.Filename, Size: up.Size, PartSize: up.PartSize, Parts: up.Parts,
		Received: up.ReceivedNumbers(), CourseID: up.Course}
}

func (a *App) createUpload(c *fiber.Ctx) error {
	var in content.NewUpload
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up, err := a.svc.CreateUpload(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toUploadResponse(up))
}

func (a *App) getUpload(c *fiber.Ctx) error {
	up, err := a.svc.GetUpload(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(toUploadResponse(up))
}

// putPart streams one part's body straight into the object store. It is
// the only route that takes a large body (see limitBodies).
func (a *App) putPart(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return errField(400, "n", emsg("upload.part_int"))
	}
	length := int64(c.Request().Header.ContentLength())
	if length < 0 {
		return &apiError{Status: 411, Code: "length_required", msg: emsg("upload.length_required")}
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	p, err := a.svc.PutPart(c.UserContext(), *currentUser(c), param(c, "id"), n, length, body)
	if errors.Is(err, content.ErrUnsupportedType) {
		return &apiError{Status: 415, Code: "unsupported_media_type", msg: emsg("upload.type")}
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"n": p.N, "size": p.Size, "etag": p.ETag})
}

func (a *App) completeUpload(c *fiber.Ctx) error {
	asset, err := a.svc.CompleteUpload(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(asset)
}

func (a *App) abortUpload(c *fiber.Ctx) error {
	if err := a.svc.AbortUpload(c.UserContext(), *currentUser(c), param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
