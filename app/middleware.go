package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

const (
	headerRequestID = "X-Request-ID"
	localRequestID  = "request_id"
	localLang       = "lang"
	cookieLang      = "lang"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID gives each request an id, taking a well-formed one from the
// client or proxy so a request can be followed across instances.
func withRequestID(c *fiber.Ctx) error {
	id := c.Get(headerRequestID)
	if !validRequestID.MatchString(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	} else {
		id = utils.CopyString(id)
	}
	c.Locals(localRequestID, id)
	c.Set(headerRequestID, id)
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// withDeadline gives every request a context with a deadline, so a stuck
// store call cannot hold a request forever. Routes that stream long bodies
// replace it with withLongDeadline.
func withDeadline(d time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// partDeadline lets an upload part arrive over a slow phone link: 16 MiB
// at 256 kbit/s takes about 9 minutes.
const partDeadline = 15 * time.Minute

// withLongDeadline gives upload parts the time a slow link needs.
func withLongDeadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), partDeadline)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// accessLog writes one structured line per request.
func (a *App) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response now, so the status we
		// log is the one the client gets.
		if herr := a.errorHandler(c, err); herr != nil {
			a.log.Error("error handler", "err", herr)
		}
	}
	// Never c.Response().Body() here: on a streamed response (media) it
	// reads the whole stream into memory.
	a.log.Info("request",
		"method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(),
		"ms", time.Since(start).Milliseconds(), "bytes", c.Response().Header.ContentLength(),
		"ip", c.IP(), "request_id", requestID(c))
	return nil
}

// contentSecurityPolicy allows only our own scripts, styles and media: no
// inline script, no framing by other sites. Images, media and framed PDFs
// may also come from mediaOrigin, where /media sends browsers when
// presigning is on: a policy applies to where a redirect leads.
func contentSecurityPolicy(mediaOrigin string) string {
	media := ""
	if mediaOrigin != "" {
		media = " " + mediaOrigin
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" + media + "; " +
		"media-src 'self' blob:" + media + "; font-src 'self'; connect-src 'self'; object-src 'none'; " +
		"frame-src 'self'" + media + "; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
}

func securityHeaders(secure bool, mediaOrigin string) fiber.Handler {
	csp := contentSecurityPolicy(mediaOrigin)
	return func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", csp)
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("X-Frame-Options", "SAMEORIGIN")
		c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if secure {
			c.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return c.Next()
	}
}

// withLang picks the UI language: the one chosen with the language switch,
// else Bahasa Indonesia. Accept-Language is not followed: many phones in
// Kotalama run an English system language, and their users still expect
// the city's platform in Indonesian.
func withLang(c *fiber.Ctx) error {
	lang := c.Cookies(cookieLang)
	if !slices.Contains(languages, lang) {
		lang = languages[0]
	}
	c.Locals(localLang, lang)
	return c.Next()
}

func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return languages[0]
}

// safeNext keeps a post-login redirect on this site: a path, never a
// scheme or another host.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// smallBodyLimit bounds every request body but upload parts.
const smallBodyLimit = 4 << 20

// limitBodies refuses large or unsized bodies everywhere except the upload
// part route, which streams them. Fiber streams bodies above its limit
// rather than refusing them, so this is where the limit is enforced.
func limitBodies(c *fiber.Ctx) error {
	n := c.Request().Header.ContentLength()
	limit := smallBodyLimit
	if c.Method() == fiber.MethodPut && (strings.HasPrefix(c.Path(), "/api/v1/uploads/") || strings.HasPrefix(c.Path(), "/teach/uploads/")) &&
		strings.Contains(c.Path(), "/parts/") {
		limit = content.MaxPartSize
	}
	switch {
	case n > limit:
		return &apiError{Status: 413, Code: "too_large", Message: fmt.Sprintf("isi permintaan paling besar %d MiB", limit>>20)}
	case n == -1: // chunked: no declared length to check
		return &apiError{Status: 411, Code: "length_required", Message: "kirim Content-Length"}
	}
	return c.Next()
}
