package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// decodeJSON reads a JSON body into a typed struct, refusing other content
// types, unknown fields and trailing data with a 4xx.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return &apiError{Status: 415, Code: "unsupported_media_type", msg: emsg("json_required")}
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadRequest(emsg("json_invalid", err.Error()))
	}
	if dec.More() {
		return errBadRequest(emsg("json_trailing"))
	}
	return nil
}

type tokenRequest struct {
	NIP      string `json:"nip"`
	Password string `json:"password"`
}

type tokenResponse struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      content.User `json:"user"`
}

// createToken: POST /api/v1/auth/token {nip, password}.
func (a *App) createToken(c *fiber.Ctx) error {
	var in tokenRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.NIP == "" {
		return errField(422, "nip", emsg("required"))
	}
	if in.Password == "" {
		return errField(422, "password", emsg("required"))
	}
	u, err := a.svc.Authenticate(c.UserContext(), in.NIP, in.Password, clientIP(c))
	return a.issueToken(c, u, err, "")
}

// issueToken answers a sign-in (err from checking the credentials) with
// a new API token for u, logging event when one is given.
func (a *App) issueToken(c *fiber.Ctx, u content.User, err error, event string) error {
	if errors.Is(err, content.ErrBusy) {
		return errBusy(c)
	}
	if err != nil {
		return err
	}
	secret, sess, err := a.svc.NewSessionOn(c.UserContext(), content.KindToken, u.NIP, device(c))
	if err != nil {
		return err
	}
	if event != "" {
		a.log.Info(event, "nip", u.NIP, "ip", clientIP(c))
	}
	return c.Status(fiber.StatusCreated).JSON(tokenResponse{Token: secret, ExpiresAt: sess.Expires, User: u})
}

// deleteToken: DELETE /api/v1/auth/token revokes the calling token.
func (a *App) deleteToken(c *fiber.Ctx) error {
	secret, _ := c.Locals(localSecret).(string)
	if err := a.svc.EndSession(c.UserContext(), content.KindToken, secret); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type meResponse struct {
	content.User
	JPThisYear int                `json:"jp_this_year"`
	JPTarget   int                `json:"jp_target"`
	JPCourses  []content.JPCredit `json:"jp_courses"`
}

// me: GET /api/v1/me, with this year's JP and the courses that gave it.
func (a *App) me(c *fiber.Ctx) error {
	u := currentUser(c)
	jp, err := a.svc.JPFor(c.UserContext(), u.NIP, a.svc.CurrentYear())
	if err != nil {
		return err
	}
	return c.JSON(meResponse{User: *u, JPThisYear: jp.Total, JPTarget: content.JPTarget, JPCourses: jp.Credits})
}

// createUser: POST /api/v1/users (admin).
func (a *App) createUser(c *fiber.Ctx) error {
	var in content.NewUser
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := a.svc.CreateUser(c.UserContext(), in)
	if err != nil {
		return err
	}
	a.log.Info("user created", "nip", u.NIP, "roles", u.Roles, "by", currentUser(c).NIP)
	return c.Status(fiber.StatusCreated).JSON(u)
}
