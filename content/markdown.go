package content

import (
	"bytes"
	"crypto/sha256"
	"html"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/kotalama/kompeten/internal/mdlimit"
)

// MaxMarkdown is the most bytes of Markdown rendered: lesson bodies are
// held to it when written, previews when asked for.
const MaxMarkdown = 200_000

// Markdown renders trainers' Markdown to safe HTML: goldmark renders no raw
// HTML, and bluemonday sanitises what it produces anyway, so a script in a
// lesson never reaches a learner.
type Markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strict *bluemonday.Policy
	// rendered keeps recent renderings and texts keeps the plain text the
	// search index is given: a lesson is read and reindexed far more often
	// than it changes, and both are pure functions of the source.
	rendered sizedCache[string]
	texts    sizedCache[[32]byte]
}

// maxRendered bounds each cache, in bytes of source and output; past it
// the cache starts over.
const maxRendered = 16 << 20

// sizedCache maps keys to strings up to maxRendered bytes, then starts
// over: simpler than eviction, and a rendering is cheap to redo.
type sizedCache[K comparable] struct {
	mu   sync.Mutex
	m    map[K]string
	size int
}

func (c *sizedCache[K]) get(k K) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// put keeps v under k; cost is the bytes it counts against the bound.
func (c *sizedCache[K]) put(k K, v string, cost int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.size+cost > maxRendered {
		c.m, c.size = map[K]string{}, 0
	}
	c.m[k] = v
	c.size += cost
}

// NewMarkdown builds the renderer once; it is safe for concurrent use.
func NewMarkdown() *Markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Markdown{
		md:     goldmark.New(goldmark.WithExtensions(extension.GFM)),
		policy: p,
		strict: bluemonday.StrictPolicy(),
	}
}

// Preview renders Markdown typed in an editor, refusing more than a lesson
// may hold.
func (m *Markdown) Preview(src string) (string, error) {
	if len(src) > MaxMarkdown {
		return "", invalid("markdown", msg("too_long", MaxMarkdown))
	}
	return m.HTML(src), nil
}

// convert runs goldmark on src bounded first: goldmark's work grows with
// the square of some shapes (deep nesting on one line, unclosed links),
// and src over MaxMarkdown (written before the limit, or by a tool) is
// cut rather than rendered whole.
func (m *Markdown) convert(src string) (string, error) {
	if len(src) > MaxMarkdown {
		src = truncate(src, MaxMarkdown)
	}
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(mdlimit.Bound(src)), &buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// HTML renders and sanitises.
func (m *Markdown) HTML(src string) string {
	if out, ok := m.rendered.get(src); ok {
		return out
	}
	raw, err := m.convert(src)
	if err != nil {
		return html.EscapeString(src)
	}
	out := m.policy.Sanitize(raw)
	m.rendered.put(src, out, len(src)+len(out))
	return out
}

// Text is the plain text of the Markdown, for search and summaries.
func (m *Markdown) Text(src string) string {
	key := sha256.Sum256([]byte(src))
	if out, ok := m.texts.get(key); ok {
		return out
	}
	raw, err := m.convert(src)
	if err != nil {
		return src
	}
	// Keep words apart where block elements ended.
	s := strings.NewReplacer("</p>", "</p> ", "</li>", "</li> ", "</h1>", "</h1> ", "</h2>", "</h2> ", "</h3>", "</h3> ",
		"<br>", " ", "</td>", "</td> ").Replace(raw)
	out := strings.Join(strings.Fields(html.UnescapeString(m.strict.Sanitize(s))), " ")
	m.texts.put(key, out, len(out)+len(key))
	return out
}
