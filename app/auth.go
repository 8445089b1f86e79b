package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

const (
	cookieSession = "kompeten_session"
	// cookiePre binds the CSRF token of a visitor who is not signed in yet,
	// so the login form itself is protected against login CSRF.
	cookiePre    = "kompeten_pre"
	localUser    = "user"
	localSecret  = "secret"
	formCSRF     = "_csrf"
	headerCSRF   = "X-CSRF-Token"
	headerBearer = "Bearer "
)

// currentUser is the signed-in user of a request, or nil.
func currentUser(c *fiber.Ctx) *content.User {
	u, _ := c.Locals(localUser).(*content.User)
	return u
}

// withSession resolves the session cookie of page requests. An unknown or
// expired cookie is dropped; the request goes on anonymous.
func (a *App) withSession(c *fiber.Ctx) error {
	secret := c.Cookies(cookieSession)
	if secret == "" {
		return c.Next()
	}
	u, _, err := a.svc.Resolve(c.UserContext(), content.KindSession, secret)
	switch {
	case err == nil:
		c.Locals(localUser, &u)
		c.Locals(localSecret, utils.CopyString(secret))
	case errors.Is(err, content.ErrSessionExpired):
		a.clearCookie(c, cookieSession)
		c.Locals(localExpired, true)
	default:
		return err
	}
	return c.Next()
}

// localExpired marks a request that came with a session cookie the server
// no longer honours, so the login page can say why it is shown.
const localExpired = "session_expired"

func sessionExpired(c *fiber.Ctx) bool {
	expired, _ := c.Locals(localExpired).(bool)
	return expired
}

// withBearer resolves the API token. The API never reads the session
// cookie, so it needs no CSRF token.
func (a *App) withBearer(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if !strings.HasPrefix(h, headerBearer) {
		return c.Next()
	}
	secret := strings.TrimSpace(h[len(headerBearer):])
	u, _, err := a.svc.Resolve(c.UserContext(), content.KindToken, secret)
	if err != nil {
		return err
	}
	c.Locals(localUser, &u)
	c.Locals(localSecret, utils.CopyString(secret))
	return c.Next()
}

// requireUser refuses anonymous requests (401; pages redirect to /login).
func requireUser(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		return errUnauthenticated()
	}
	return c.Next()
}

// requireRole refuses users without the role.
func requireRole(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			return errUnauthenticated()
		}
		if !u.Has(role) {
			return errForbidden()
		}
		return c.Next()
	}
}

// csrfToken is an HMAC of what identifies the browser: the session secret
// when signed in, the pre-login cookie otherwise. The key lives in the
// document store, so every instance computes the same token.
func (a *App) csrfToken(c *fiber.Ctx) string {
	var binding string
	if s, ok := c.Locals(localSecret).(string); ok && currentUser(c) != nil {
		binding = "s:" + s
	} else {
		pre := c.Cookies(cookiePre)
		if len(pre) < 20 {
			b := make([]byte, 18)
			_, _ = rand.Read(b)
			pre = base64.RawURLEncoding.EncodeToString(b)
			a.setCookie(c, cookiePre, pre, 0)
			// Later reads in this request see the new value.
			c.Request().Header.SetCookie(cookiePre, pre)
		}
		binding = "p:" + pre
	}
	m := hmac.New(sha256.New, a.csrfKey)
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF guards every state-changing page request.
func (a *App) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	// Authenticate first: signing in is the only change an anonymous
	// visitor may make (and logging out, which then ends nothing, and
	// setting a password from an activation link).
	// Anything else is refused here, before its body is read: the upload
	// part route takes 16 MiB.
	if currentUser(c) == nil && c.Path() != "/login" && c.Path() != "/logout" && !strings.HasPrefix(c.Path(), "/activate/") {
		return errUnauthenticated()
	}
	// The header first: scripts send it, and a form field means parsing
	// the body, which only small form bodies are worth.
	got := c.Get(headerCSRF)
	if got == "" && isSmallForm(c) {
		got = c.FormValue(formCSRF)
	}
	if got == "" || !hmac.Equal([]byte(got), []byte(a.csrfToken(c))) {
		return &apiError{Status: 403, Code: "csrf", msg: emsg("csrf")}
	}
	return c.Next()
}

func (a *App) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{
		Name: name, Value: value, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: a.cfg.Secure(),
	}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	c.Cookie(ck)
}

func (a *App) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: a.cfg.Secure(), Expires: time.Unix(1, 0), MaxAge: -1})
}

// isSmallForm reports whether the body is an HTML form of a size every
// route accepts.
func isSmallForm(c *fiber.Ctx) bool {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	n := c.Request().Header.ContentLength()
	return n >= 0 && n <= smallBodyLimit &&
		(strings.HasPrefix(ct, fiber.MIMEApplicationForm) || strings.HasPrefix(ct, fiber.MIMEMultipartForm))
}

// errBusy is the answer when every password-hashing slot stayed taken.
func errBusy(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "5")
	return &apiError{Status: fiber.StatusServiceUnavailable, Code: "busy", msg: content.ErrBusy.Message()}
}
