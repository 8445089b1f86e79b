package app

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// apiError is the one error shape of the JSON API:
// {"error": {"code": "…", "message": "…", "fields": {"nip": "…"}}}.
type apiError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// Constructors for errors the handlers raise themselves.
func errBadRequest(msg string) error {
	return &apiError{Status: 400, Code: "bad_request", Message: msg}
}
func errField(status int, field, msg string) error {
	return &apiError{Status: status, Code: "validation_failed", Message: msg, Fields: map[string]string{field: msg}}
}
func errUnauthenticated() error {
	return &apiError{Status: 401, Code: "unauthenticated", Message: "perlu masuk terlebih dahulu"}
}
func errForbidden() error {
	return &apiError{Status: 403, Code: "forbidden", Message: "tidak diizinkan"}
}

// classify turns any error into the status, code and safe message a client
// may see. Raw errors of the stores stay in the log.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *content.ValidationError
	if errors.As(err, &ve) {
		return &apiError{Status: 422, Code: "validation_failed", Message: ve.Error(), Fields: ve.Fields}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := strings.ReplaceAll(strings.ToLower(fe.Message), " ", "_")
		msg := fe.Message
		switch fe.Code {
		case fiber.StatusNotFound:
			code, msg = "not_found", "tidak ditemukan"
		case fiber.StatusRequestEntityTooLarge:
			code, msg = "too_large", "isi permintaan terlalu besar"
		case fiber.StatusMethodNotAllowed:
			code, msg = "method_not_allowed", "metode tidak diizinkan"
		}
		if fe.Code >= 500 {
			code, msg = "internal", "kesalahan server"
		}
		return &apiError{Status: fe.Code, Code: code, Message: msg}
	}
	switch {
	case errors.Is(err, content.ErrNotFound):
		return &apiError{Status: 404, Code: "not_found", Message: "tidak ditemukan"}
	case errors.Is(err, content.ErrDuplicate):
		return &apiError{Status: 409, Code: "conflict", Message: "data sudah ada"}
	case errors.Is(err, content.ErrUnauthorized):
		return &apiError{Status: 401, Code: "invalid_credentials", Message: content.ErrUnauthorized.Error()}
	case errors.Is(err, content.ErrSessionExpired):
		return &apiError{Status: 401, Code: "unauthenticated", Message: content.ErrSessionExpired.Error()}
	case errors.Is(err, content.ErrForbidden):
		return &apiError{Status: 403, Code: "forbidden", Message: "tidak diizinkan"}
	case errors.Is(err, content.ErrThrottled):
		return &apiError{Status: 429, Code: "too_many_requests", Message: content.ErrThrottled.Error()}
	case errors.Is(err, content.ErrQuestionChanged):
		return &apiError{Status: 409, Code: "stale", Message: content.ErrQuestionChanged.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		// The request's deadline passed, most often waiting its turn
		// (searches run one per CPU): the server is busy, not broken.
		return &apiError{Status: 503, Code: "busy", Message: "server sedang sibuk; coba lagi sebentar"}
	}
	return &apiError{Status: 500, Code: "internal", Message: "kesalahan server; coba lagi nanti"}
}

// errorHandler answers every error: JSON under /api, an HTML page elsewhere.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	e := classify(err)
	if e.Status >= 500 {
		a.log.Error("request failed", "err", err, "path", c.Path(), "request_id", requestID(c))
	} else {
		a.log.Debug("request refused", "err", err, "path", c.Path(), "status", e.Status)
	}
	if c.Request().Header.ContentLength() > 8<<10 {
		// Fasthttp reads the first 8 KiB of a body and streams the rest;
		// a refused upload part may be unread, so the connection cannot
		// carry another request after it.
		c.Context().SetConnectionClose()
	}
	if e.Status == 429 {
		c.Set(fiber.HeaderRetryAfter, "900")
	}
	if isAPI(c) {
		return c.Status(e.Status).JSON(fiber.Map{"error": e})
	}
	lang := langOf(c)
	if (e.Code == "csrf" && sessionExpired(c)) || (e.Status == 401 && c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead) {
		// A form sent without a live session (its token failed because
		// the session ended, or the login check refused it first): logging
		// in again is the way on, back to the form's page, since the
		// form's own address may take no GET.
		next := "/"
		if v := a.errorView(c, e, ""); v.Back != "" {
			next = v.Back
		}
		to := "/login?next=" + url.QueryEscape(next)
		if sessionExpired(c) {
			to += "&msg=expired"
		}
		return c.Redirect(to, fiber.StatusSeeOther)
	}
	msg := a.cat.T(lang, "error.internal")
	switch e.Status {
	case 404:
		msg = a.cat.T(lang, "error.not_found")
	case 403:
		msg = a.cat.T(lang, "error.forbidden")
		if e.Code == "csrf" {
			msg = a.cat.T(lang, "error.csrf")
		}
	case 401:
		to := "/login?next=" + url.QueryEscape(safeNext(c.OriginalURL()))
		if sessionExpired(c) {
			to += "&msg=expired"
		}
		return c.Redirect(to)
	default:
		if e.Status < 500 {
			msg = e.Message
		}
	}
	c.Status(e.Status)
	if rerr := a.page(c, "error", a.errorView(c, e, msg)); rerr != nil {
		a.log.Error("render error page", "err", rerr)
		return c.Status(e.Status).SendString(msg)
	}
	return nil
}

// errorPageView says what happened and offers the next step: a 404 the
// catalog, an expired form the page it came from, a refusal the way home.
type errorPageView struct {
	Kind    string // not_found, forbidden, csrf, busy, bad_request, internal
	Status  int
	Message string
	// Back is the same-site page the request came from, if any.
	Back string
}

func (a *App) errorView(c *fiber.Ctx, e *apiError, msg string) errorPageView {
	v := errorPageView{Status: e.Status, Message: msg, Kind: "bad_request"}
	switch {
	case e.Status == 404:
		v.Kind = "not_found"
	case e.Code == "csrf":
		v.Kind = "csrf"
	case e.Status == 403:
		v.Kind = "forbidden"
	case e.Status == 429 || e.Status == 503:
		v.Kind = "busy"
	case e.Status >= 500:
		v.Kind = "internal"
	}
	if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Host == c.Hostname() && ref.Path != "" {
		back := ref.Path
		if ref.RawQuery != "" {
			back += "?" + ref.RawQuery
		}
		if back = safeNext(back); back != "/" && back != c.OriginalURL() {
			v.Back = back
		}
	}
	return v
}

// isAPI tells requests answered in JSON (the API, and media, which a
// video element cannot follow to a login page) from pages.
func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/media/") ||
		// Page routes that scripts call: uploads, Markdown preview, progress reports.
		strings.HasPrefix(p, "/teach/uploads") || p == "/teach/preview" ||
		(strings.HasPrefix(p, "/learn/") && strings.HasSuffix(p, "/progress")) ||
		// The quiz page's autosave of answers.
		(strings.HasPrefix(p, "/quiz/attempts/") && strings.HasSuffix(p, "/answers")) ||
		// The header search box's suggestions.
		p == "/search/suggest"
}

// logPanic is the recover hook: the stack goes to the log, never the client.
func logPanic(log *slog.Logger) func(c *fiber.Ctx, e any) {
	return func(c *fiber.Ctx, e any) {
		log.Error("panic", "value", e, "path", c.Path(), "request_id", requestID(c))
	}
}
