package app

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// People: units, the users list, editing and resetting accounts (admins),
// activation links, and a user's own password, contact and sessions.

// device is the client's User-Agent, noted on a new session.
func device(c *fiber.Ctx) string { return utils.CopyString(c.Get(fiber.HeaderUserAgent)) }

// listUnits: GET /api/v1/units (anyone signed in).
func (a *App) listUnits(c *fiber.Ctx) error {
	us, err := a.svc.AllUnits(c.UserContext())
	if err != nil {
		return err
	}
	if us == nil {
		us = []content.Unit{}
	}
	return c.JSON(fiber.Map{"items": us})
}

// putUnit: PUT /api/v1/units/{code} {name, parent} (admins).
func (a *App) putUnit(c *fiber.Ctx) error {
	var in content.UnitInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := a.svc.PutUnit(c.UserContext(), *currentUser(c), param(c, "code"), in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func userQuery(c *fiber.Ctx) content.UserQuery {
	q := content.UserQuery{Q: utils.CopyString(c.Query("q")), Unit: utils.CopyString(c.Query("unit")),
		Role: utils.CopyString(c.Query("role")), Active: utils.CopyString(c.Query("active")),
		After: utils.CopyString(c.Query("page"))}
	q.Limit, _ = strconv.Atoi(c.Query("limit"))
	return q
}

// listUsers: GET /api/v1/users ?q=&unit=&role=&active=&page= (admins:
// everyone; an atasan: their team).
func (a *App) listUsers(c *fiber.Ctx) error {
	l, err := a.svc.ListUsers(c.UserContext(), *currentUser(c), userQuery(c))
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// getUser: GET /api/v1/users/{nip} (admins, the user's atasan, the user).
func (a *App) getUser(c *fiber.Ctx) error {
	u, err := a.svc.UserFor(c.UserContext(), *currentUser(c), param(c, "nip"))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// patchUser: PATCH /api/v1/users/{nip} (admins).
func (a *App) patchUser(c *fiber.Ctx) error {
	var in content.UserPatch
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := a.svc.UpdateUser(c.UserContext(), *currentUser(c), param(c, "nip"), in)
	if err != nil {
		return err
	}
	a.log.Info("user updated", "nip", u.NIP, "by", currentUser(c).NIP, "active", u.Active)
	return c.JSON(u)
}

type resetResponse struct {
	ActivationURL string    `json:"activation_url"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// resetUser: POST /api/v1/users/{nip}/reset (admins) -> a one-use link.
func (a *App) resetUser(c *fiber.Ctx) error {
	code, exp, err := a.svc.ResetPassword(c.UserContext(), *currentUser(c), param(c, "nip"))
	if err != nil {
		return err
	}
	return c.JSON(resetResponse{ActivationURL: a.activationURL(code), ExpiresAt: exp})
}

type activateRequest struct {
	Code     string `json:"code"`
	Password string `json:"password"`
}

// activate: POST /api/v1/auth/activate {code, password}: sets the
// password and signs in, like POST /auth/token.
func (a *App) activate(c *fiber.Ctx) error {
	var in activateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Code == "" {
		return errField(422, "code", emsg("required"))
	}
	u, err := a.svc.Activate(c.UserContext(), in.Code, in.Password)
	if errors.Is(err, content.ErrActivationInvalid) {
		return errField(422, "code", content.ErrActivationInvalid.Message())
	}
	return a.issueToken(c, u, err, "account activated")
}

type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// changePassword: PUT /api/v1/me/password {current, new} -> 204; the
// user's other sessions and tokens end, the calling token stays.
func (a *App) changePassword(c *fiber.Ctx) error {
	var in passwordRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	secret, _ := c.Locals(localSecret).(string)
	err := a.svc.ChangePassword(c.UserContext(), *currentUser(c), in.Current, in.New, clientIP(c), secret)
	if errors.Is(err, content.ErrBusy) {
		return errBusy(c)
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// patchMe: PATCH /api/v1/me {email, phone}: what a user may change about
// themselves.
func (a *App) patchMe(c *fiber.Ctx) error {
	var in content.ContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := a.svc.UpdateContact(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// mySessions: GET /api/v1/me/sessions.
func (a *App) mySessions(c *fiber.Ctx) error {
	secret, _ := c.Locals(localSecret).(string)
	ss, err := a.svc.UserSessions(c.UserContext(), currentUser(c).NIP, secret)
	if err != nil {
		return err
	}
	if ss == nil {
		ss = []content.SessionInfo{}
	}
	return c.JSON(fiber.Map{"items": ss})
}

// endOtherSessions: DELETE /api/v1/me/sessions ends every session and
// token of the user but the calling one.
func (a *App) endOtherSessions(c *fiber.Ctx) error {
	secret, _ := c.Locals(localSecret).(string)
	n, err := a.svc.EndUserSessions(c.UserContext(), currentUser(c).NIP, secret)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ended": n})
}
