package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs"
)

// byteRange is a resolved single range [start, start+length).
type byteRange struct{ start, length int64 }

var errUnsatisfiable = errors.New("range not satisfiable")

// parseRange resolves a Range header against size. It returns nil (serve
// the whole object) for no header, other units and multiple ranges, which
// HTTP allows a server to ignore; errUnsatisfiable for ranges that start
// past the end or are malformed.
func parseRange(h string, size int64) (*byteRange, error) {
	if h == "" {
		return nil, nil
	}
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return nil, nil
	}
	if strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, errUnsatisfiable
	}
	if first == "" { // suffix: the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return nil, errUnsatisfiable
		}
		n = min(n, size)
		return &byteRange{size - n, n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return nil, errUnsatisfiable
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return nil, errUnsatisfiable
		}
		end = min(e, size-1)
	}
	return &byteRange{start, end - start + 1}, nil
}

// withAnyAuth takes a bearer token or, failing that, the session cookie:
// media is read by pages (cookie) and API clients (bearer) alike.
func (a *App) withAnyAuth(c *fiber.Ctx) error {
	if hasBearer(c) {
		return a.withBearer(c)
	}
	return a.withSession(c)
}

func hasBearer(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Get(fiber.HeaderAuthorization), headerBearer)
}

const (
	mediaCacheControl = "private, max-age=86400"
	// presignTTL is how long a presigned media URL works. A media player
	// may send all later ranges to the URL it was redirected to, so the
	// URL must outlast a long lecture watched with pauses.
	presignTTL = 4 * time.Hour
	// redirectCacheControl keeps a redirect to a presigned URL for an
	// hour: a URL taken from the cache still has three to run.
	redirectCacheControl = "private, max-age=3600"
)

// contentDisposition is inline for what browsers show safely, attachment
// for everything else, with the original name encoded per RFC 6266/5987.
func contentDisposition(a content.Asset) string {
	kind := "attachment"
	if content.Inline(a.ContentType) {
		kind = "inline"
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, a.Name)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, url.PathEscape(a.Name))
}

// media serves an asset's bytes with single-range support, streaming from
// the object store's ranged read; the object is never held in memory.
func (a *App) media(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil {
		return errUnauthenticated()
	}
	asset, err := a.svc.MediaAccess(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	if content.IsCaption(asset.ContentType) {
		return a.captionMedia(c, asset)
	}
	etag := `"` + asset.SHA256[:min(32, len(asset.SHA256))] + `"`
	modified := asset.Created.UTC().Truncate(time.Second)
	h := &c.Response().Header
	h.Set(fiber.HeaderAcceptRanges, "bytes")
	h.Set(fiber.HeaderETag, etag)
	h.Set(fiber.HeaderLastModified, modified.Format(http.TimeFormat))
	h.Set(fiber.HeaderContentType, asset.ContentType)
	h.Set(fiber.HeaderContentDisposition, contentDisposition(asset))
	h.Set(fiber.HeaderCacheControl, mediaCacheControl)

	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		if etagMatch(inm, etag) {
			return c.SendStatus(fiber.StatusNotModified)
		}
	} else if ims, err := http.ParseTime(c.Get(fiber.HeaderIfModifiedSince)); err == nil && !modified.After(ims) {
		return c.SendStatus(fiber.StatusNotModified)
	}

	rangeHeader := c.Get(fiber.HeaderRange)
	if ir := c.Get(fiber.HeaderIfRange); ir != "" && rangeHeader != "" {
		// A range applies only to the representation the client has.
		if strings.HasPrefix(ir, `"`) || strings.HasPrefix(ir, "W/") {
			if ir != etag {
				rangeHeader = ""
			}
		} else if t, err := http.ParseTime(ir); err != nil || !t.Equal(modified) {
			rangeHeader = ""
		}
	}
	rg, err := parseRange(rangeHeader, asset.Size)
	if err != nil {
		h.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", asset.Size))
		return c.SendStatus(fiber.StatusRequestedRangeNotSatisfiable)
	}

	// With presigning on, a browser reads from the object store itself,
	// ranges included: its media player sends them on to the URL it is
	// sent to. A HEAD is answered here, as the URL is signed for GET. API
	// clients are answered here too: their bearer token must never travel
	// on to the object store, and it refuses a request that carries two
	// kinds of authentication.
	if a.cfg.MediaPresign && c.Method() == fiber.MethodGet && !hasBearer(c) {
		as := blobs.ServeAs{ContentType: asset.ContentType, Disposition: contentDisposition(asset), CacheControl: mediaCacheControl}
		u, err := a.svc.PresignAsset(c.UserContext(), asset, presignTTL, as)
		if err == nil {
			// Each redirect names a new URL, so the browser can reuse
			// what it fetched (a cover image, say) only if it reuses the
			// redirect, and only while the URL has hours left to run.
			h.Set(fiber.HeaderCacheControl, redirectCacheControl)
			return c.Redirect(u, fiber.StatusFound)
		}
		if !errors.Is(err, blobs.ErrNotSupported) {
			return err
		}
	}

	start, length := int64(0), asset.Size
	status := fiber.StatusOK
	if rg != nil {
		start, length, status = rg.start, rg.length, fiber.StatusPartialContent
		h.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", rg.start, rg.start+rg.length-1, asset.Size))
	}
	c.Status(status)
	if c.Method() == fiber.MethodHead || length == 0 {
		h.SetContentLength(int(length))
		c.Response().SkipBody = c.Method() == fiber.MethodHead
		return nil
	}
	// The stream outlives this handler (Fiber sends it afterwards), so it
	// must not use the request's context, which ends when we return.
	rc, err := a.svc.OpenAsset(context.Background(), asset, start, length)
	if err != nil {
		return err
	}
	c.Context().SetBodyStream(&bigCopy{ReadCloser: rc, n: length, bufs: &a.copyBufs}, int(length))
	return nil
}

// Media is copied in chunks: a read from the object store, then a write
// to the client. Fasthttp would copy a body stream through its 4 KiB write
// buffer, a syscall per 4 KiB; io.Copy uses WriteTo when the source has
// it, so the stream moves in chunks of our choosing. Larger chunks cost
// less CPU per byte (1 MiB against 256 KiB: about a tenth less for the
// whole pipeline in the media benchmark), but a stream holds its buffer
// until it ends, and a phone on a slow link holds it for minutes. So only
// largeCopyMax streams at a time get a large buffer; the rest, and ranges
// no bigger than a small buffer, get a small one.
const (
	smallCopyBuf = 256 << 10
	largeCopyBuf = 1 << 20
	largeCopyMax = 32
)

// copyBuffers hands out media copy buffers, at most largeCopyMax large
// ones at a time.
type copyBuffers struct {
	small, large sync.Pool
	largeOut     atomic.Int32
}

// get returns a buffer for copying n bytes and the function that gives
// it back.
func (p *copyBuffers) get(n int64) ([]byte, func()) {
	if n > smallCopyBuf {
		if p.largeOut.Add(1) <= largeCopyMax {
			bp := poolBuf(&p.large, largeCopyBuf)
			return *bp, func() { p.large.Put(bp); p.largeOut.Add(-1) }
		}
		p.largeOut.Add(-1)
	}
	bp := poolBuf(&p.small, smallCopyBuf)
	return *bp, func() { p.small.Put(bp) }
}

func poolBuf(pool *sync.Pool, size int) *[]byte {
	if bp, ok := pool.Get().(*[]byte); ok {
		return bp
	}
	buf := make([]byte, size)
	return &buf
}

type bigCopy struct {
	io.ReadCloser
	n    int64
	bufs *copyBuffers
}

func (b *bigCopy) WriteTo(w io.Writer) (int64, error) {
	buf, put := b.bufs.get(b.n)
	defer put()
	// Both sides hidden behind plain interfaces, or io.CopyBuffer would
	// hand the copy to the bufio.Writer's ReadFrom and its small buffer.
	return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{b.ReadCloser}, buf)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// captionMedia serves a caption track as WebVTT, SRT converted. It is
// always answered here, never by a presigned redirect: a <track> from
// another origin would need CORS, and the file is small.
func (a *App) captionMedia(c *fiber.Ctx, asset content.Asset) error {
	etag := `"vtt-` + asset.SHA256[:min(32, len(asset.SHA256))] + `"`
	h := &c.Response().Header
	h.Set(fiber.HeaderETag, etag)
	h.Set(fiber.HeaderCacheControl, mediaCacheControl)
	h.Set(fiber.HeaderContentType, "text/vtt; charset=utf-8")
	if etagMatch(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	b, err := a.svc.CaptionVTT(c.UserContext(), asset)
	if err != nil {
		return err
	}
	return c.Send(b)
}
