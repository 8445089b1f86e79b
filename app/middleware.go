package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"github.com/kotalama/kompeten/content"
)

const (
	headerRequestID = "X-Request-ID"
	localRequestID  = "request_id"
	localLang       = "lang"
	localClientIP   = "client_ip"
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
		"ip", clientIP(c), "request_id", requestID(c))
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
// else Bahasa Indonesia. Pages do not follow Accept-Language: many phones
// in Kotalama run an English system language, and their users still expect
// the city's platform in Indonesian. The API does, for error messages: an
// integrator's client says what it wants.
func withLang(c *fiber.Ctx) error {
	c.Locals(localLang, pickLang(c))
	return c.Next()
}

func pickLang(c *fiber.Ctx) string {
	if lang := c.Cookies(cookieLang); slices.Contains(languages, lang) {
		return lang
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		if lang := firstLangTag(c.Get(fiber.HeaderAcceptLanguage)); slices.Contains(languages, lang) {
			return lang
		}
	}
	return languages[0]
}

// firstLangTag is the primary language of Accept-Language's first tag:
// "en" of "en-US,en;q=0.9,id;q=0.8". Weights are not weighed: clients put
// their preference first.
func firstLangTag(h string) string {
	tag, _, _ := strings.Cut(h, ",")
	tag, _, _ = strings.Cut(tag, ";")
	tag, _, _ = strings.Cut(strings.TrimSpace(tag), "-")
	return strings.ToLower(tag)
}

// langOf is the request's language; errors raised before withLang ran
// (refused encodings, body limits) work it out themselves.
func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return pickLang(c)
}

// safeNext keeps a post-login redirect on this site: a path, never a
// scheme or another host. Browsers drop tabs and newlines from a URL and
// read a backslash as a slash, so "/\t/evil.example" would lead to
// //evil.example: only a parsed path of this origin is let through.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	for _, r := range u.Path {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	return next
}

// refuseEncodedBodies answers 415 to a request body in any content coding
// but identity, before anything reads it. Fiber's c.Body() inflates gzip,
// deflate and brotli, stacked too, with no bound on the output, while
// limitBodies can only see the compressed size: a kilobyte became 2.4 GB
// of memory. None of our clients compress what they send, so refusing is
// simpler and safer than inflating through a bounded reader.
func refuseEncodedBodies(c *fiber.Ctx) error {
	var bad bool
	c.Request().Header.VisitAll(func(k, v []byte) {
		if !strings.EqualFold(string(k), fiber.HeaderContentEncoding) {
			return
		}
		for _, coding := range strings.Split(string(v), ",") {
			if coding = strings.TrimSpace(coding); coding != "" && !strings.EqualFold(coding, "identity") {
				bad = true
			}
		}
	})
	if !bad {
		return c.Next()
	}
	// RFC 7694: say which codings a request may use.
	c.Set(fiber.HeaderAcceptEncoding, "identity")
	return &apiError{Status: fiber.StatusUnsupportedMediaType, Code: "unsupported_encoding",
		msg: emsg("unsupported_encoding")}
}

// Read deadlines. A request's headers must arrive within headerTimeout, so
// a client trickling headers cannot hold a connection. Once they are in,
// a body gets bodyTimeout plus the time its declared length takes on a
// slow phone link (256 kbit/s), counting no more than its route accepts:
// about 2.5 minutes for an ordinary 4 MiB body, 9 for a 16 MiB upload part.
const (
	headerTimeout = 20 * time.Second
	bodyTimeout   = 30 * time.Second
	slowLinkRate  = 32 << 10 // bytes per second
)

// bodyDeadline is the fasthttp hook run when a request's headers are read.
func bodyDeadline(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	n := h.ContentLength()
	if n <= 0 {
		// No body, or a chunked one limitBodies refuses: the headers'
		// deadline covers the request.
		return fasthttp.RequestConfig{}
	}
	path := string(h.RequestURI())
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	n = min(n, bodyLimit(string(h.Method()), path))
	return fasthttp.RequestConfig{ReadTimeout: bodyTimeout + time.Duration(n)*time.Second/slowLinkRate}
}

// smallBodyLimit bounds every request body but upload parts.
const smallBodyLimit = 4 << 20

// bodyLimit is the largest body a route takes: upload parts stream up to
// content.MaxPartSize, everything else smallBodyLimit.
func bodyLimit(method, path string) int {
	if method == fiber.MethodPut && (strings.HasPrefix(path, "/api/v1/uploads/") || strings.HasPrefix(path, "/teach/uploads/")) &&
		strings.Contains(path, "/parts/") {
		return content.MaxPartSize
	}
	if isImportPath(method, path) {
		return importBodyLimit
	}
	return smallBodyLimit
}

// limitBodies refuses large or unsized bodies everywhere except the upload
// part route, which streams them. Fiber streams bodies above its limit
// rather than refusing them, so this is where the limit is enforced.
func limitBodies(c *fiber.Ctx) error {
	n := c.Request().Header.ContentLength()
	limit := bodyLimit(c.Method(), c.Path())
	switch {
	case n > limit && isImportPath(c.Method(), c.Path()):
		return &apiError{Status: 413, Code: "too_large", msg: emsg("usercsv.too_large", content.UserImportMaxBytes>>20)}
	case n > limit:
		return &apiError{Status: 413, Code: "too_large", msg: emsg("too_large_mib", limit>>20)}
	case n == -1: // chunked: no declared length to check
		return &apiError{Status: 411, Code: "length_required", msg: emsg("length_required")}
	}
	return c.Next()
}

// proxies is the set of trusted reverse proxies (KOMPETEN_TRUSTED_PROXIES).
type proxies []netip.Prefix

func parseProxies(list []string) (proxies, error) {
	var ps proxies
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		a = a.Unmap()
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	return ps, nil
}

func (ps proxies) trust(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address a request came from. Behind trusted proxies it
// is the right-most X-Forwarded-For entry that is not one of them: each
// proxy appends the address it was reached from, so entries to the right
// of the first untrusted one are facts and everything to its left is
// whatever the client chose to write. (Fiber takes the whole header, or
// its left-most entry: the client's own words, which dodged the throttle.)
func (ps proxies) clientAddr(h *fasthttp.RequestHeader, peer net.IP) string {
	addr, ok := netip.AddrFromSlice(peer)
	if !ok {
		return peer.String()
	}
	addr = addr.Unmap()
	if len(ps) == 0 || !ps.trust(addr) {
		return addr.String()
	}
	var hops []string
	h.VisitAll(func(k, v []byte) {
		if strings.EqualFold(string(k), fiber.HeaderXForwardedFor) {
			hops = append(hops, strings.Split(string(v), ",")...)
		}
	})
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A trusted proxy writes addresses; anything else came from
			// the client. The last proxy we could follow is the best
			// address we know.
			break
		}
		addr = hop.Unmap()
		if !ps.trust(addr) {
			break
		}
	}
	return addr.String()
}

// withClientIP works out the client's address once, for the throttle and
// the log (clientIP).
func (a *App) withClientIP(c *fiber.Ctx) error {
	c.Locals(localClientIP, a.proxies.clientAddr(&c.Request().Header, c.Context().RemoteIP()))
	return c.Next()
}

func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	return c.IP()
}
