package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/numfmt"
)

// apiError is the one error shape of the JSON API:
// {"error": {"code": "…", "message": "…", "fields": {"nip": "…"},
// "field_codes": {"nip": "nip.length"}}}. Messages are in the request's
// language; field_codes name each field's problem for programs.
type apiError struct {
	Status     int               `json:"-"`
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	Fields     map[string]string `json:"fields,omitempty"`
	FieldCodes map[string]string `json:"field_codes,omitempty"`
	// msg and fieldMsgs are the message and field messages before
	// translation; localize writes Message and Fields from them.
	msg       content.Msg
	fieldMsgs map[string]content.Msg
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return e.Code + ": " + e.msg.String()
	}
	return e.Code + ": " + e.Message
}

// emsg is a message of the app's own, translated like the domain's:
// catalog key "err."+code.
func emsg(code string, args ...any) content.Msg { return content.Msg{Code: code, Args: args} }

// Constructors for errors the handlers raise themselves.
func errBadRequest(m content.Msg) error {
	return &apiError{Status: 400, Code: "bad_request", msg: m}
}
func errField(status int, field string, m content.Msg) error {
	return &apiError{Status: status, Code: "validation_failed", msg: m, fieldMsgs: map[string]content.Msg{field: m}}
}
func errUnauthenticated() error {
	return &apiError{Status: 401, Code: "unauthenticated", msg: emsg("unauthenticated")}
}
func errForbidden() error {
	return &apiError{Status: 403, Code: "forbidden", msg: emsg("forbidden")}
}

// classify turns any error into the status, code and safe message a client
// may see. Raw errors of the stores stay in the log. The message is still
// untranslated: localize puts it in the reader's language.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *content.ValidationError
	if errors.As(err, &ve) {
		return &apiError{Status: 422, Code: "validation_failed", msg: emsg("validation_failed"), fieldMsgs: ve.Fields}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := strings.ReplaceAll(strings.ToLower(fe.Message), " ", "_")
		m := emsg("bad_request")
		switch fe.Code {
		case fiber.StatusNotFound:
			code, m = "not_found", emsg("not_found")
		case fiber.StatusRequestEntityTooLarge:
			code, m = "too_large", emsg("too_large")
		case fiber.StatusMethodNotAllowed:
			code, m = "method_not_allowed", emsg("method_not_allowed")
		}
		if fe.Code >= 500 {
			code, m = "internal", emsg("internal")
		}
		return &apiError{Status: fe.Code, Code: code, msg: m}
	}
	sentinel := func(status int, code string, e *content.Error) *apiError {
		return &apiError{Status: status, Code: code, msg: e.Message()}
	}
	switch {
	case errors.Is(err, content.ErrNotFound):
		return sentinel(404, "not_found", content.ErrNotFound)
	case errors.Is(err, content.ErrDuplicate):
		return sentinel(409, "conflict", content.ErrDuplicate)
	case errors.Is(err, content.ErrUnauthorized):
		return sentinel(401, "invalid_credentials", content.ErrUnauthorized)
	case errors.Is(err, content.ErrSessionExpired):
		return sentinel(401, "unauthenticated", content.ErrSessionExpired)
	case errors.Is(err, content.ErrForbidden):
		return sentinel(403, "forbidden", content.ErrForbidden)
	case errors.Is(err, content.ErrThrottled):
		return sentinel(429, "too_many_requests", content.ErrThrottled)
	case errors.Is(err, content.ErrQuestionChanged):
		return sentinel(409, "stale", content.ErrQuestionChanged)
	case errors.Is(err, content.ErrBadCursor):
		return &apiError{Status: 400, Code: "validation_failed", msg: content.ErrBadCursor.Message(),
			fieldMsgs: map[string]content.Msg{"page": content.ErrBadCursor.Message()}}
	case errors.Is(err, content.ErrBusy):
		return sentinel(503, "busy", content.ErrBusy)
	case errors.Is(err, context.DeadlineExceeded):
		// The request's deadline passed, most often waiting its turn
		// (searches run one per CPU): the server is busy, not broken.
		return sentinel(503, "busy", content.ErrBusy)
	}
	return &apiError{Status: 500, Code: "internal", msg: emsg("internal")}
}

// tr translates a message into lang.
func (a *App) tr(lang string, m content.Msg) string { return a.cat.msg(lang, m) }

// msg translates a message into lang: catalog key "err."+Code, with
// nested messages translated and numbers in the language's notation.
func (c catalog) msg(lang string, m content.Msg) string {
	args := make([]any, len(m.Args))
	for i, v := range m.Args {
		switch x := v.(type) {
		case content.Msg:
			args[i] = c.msg(lang, x)
		case int:
			args[i] = numfmt.Int(lang, int64(x))
		case int64:
			args[i] = numfmt.Int(lang, x)
		case int32: // an int after a round trip through the store (BSON)
			args[i] = numfmt.Int(lang, int64(x))
		default:
			args[i] = v
		}
	}
	// Always formatted, args or not, so every err.* text writes % as %%.
	return fmt.Sprintf(c.T(lang, "err."+m.Code), args...)
}

// DescribeError is err's message for a person in lang ("id" or "en"), as
// the API words it; the command line prints it. Errors without a message
// of their own give their text.
func DescribeError(lang string, err error) string {
	cat, cerr := loadCatalog()
	if cerr != nil {
		return err.Error()
	}
	var ve *content.ValidationError
	if errors.As(err, &ve) {
		e := &apiError{msg: emsg("validation_failed"), fieldMsgs: ve.Fields}
		(&App{cat: cat}).localize(lang, e)
		return e.Message
	}
	var m content.Messager
	if errors.As(err, &m) {
		return cat.msg(lang, m.Message())
	}
	return err.Error()
}

// localize writes e's message and field messages in lang. A validation
// error's message lists its fields, so a client showing only the message
// still says what to fix.
func (a *App) localize(lang string, e *apiError) {
	if len(e.fieldMsgs) > 0 {
		e.Fields = make(map[string]string, len(e.fieldMsgs))
		e.FieldCodes = make(map[string]string, len(e.fieldMsgs))
		for k, m := range e.fieldMsgs {
			e.Fields[k] = a.tr(lang, m)
			e.FieldCodes[k] = m.Code
		}
	}
	if e.msg.Code == "" {
		return
	}
	e.Message = a.tr(lang, e.msg)
	if e.msg.Code == "validation_failed" {
		keys := slices.Sorted(maps.Keys(e.Fields))
		for i, k := range keys {
			keys[i] = k + ": " + e.Fields[k]
		}
		e.Message += ": " + strings.Join(keys, "; ")
	}
}

// fieldErrs returns the per-field messages of a validation error in the
// page's language.
func (a *App) fieldErrs(c *fiber.Ctx, err error) (map[string]string, bool) {
	var ve *content.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	lang := langOf(c)
	out := make(map[string]string, len(ve.Fields))
	for k, m := range ve.Fields {
		out[k] = a.tr(lang, m)
	}
	return out, true
}

// errorHandler answers every error: JSON under /api, an HTML page elsewhere.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	e := classify(err)
	a.localize(langOf(c), e)
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
	if e.Status == 429 && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
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
