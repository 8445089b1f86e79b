package content

import (
	"bytes"
	"html"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Markdown renders trainers' Markdown to safe HTML: goldmark renders no raw
// HTML, and bluemonday sanitises what it produces anyway, so a script in a
// lesson never reaches a learner.
type Markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strict *bluemonday.Policy
	// rendered keeps recent renderings: a lesson is read far more often
	// than it changes, and rendering is a pure function of the text.
	mu       sync.Mutex
	rendered map[string]string
	size     int
}

// maxRendered bounds the rendering cache, in bytes of source and HTML;
// past it the cache starts over.
const maxRendered = 16 << 20

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

// HTML renders and sanitises.
func (m *Markdown) HTML(src string) string {
	m.mu.Lock()
	out, ok := m.rendered[src]
	m.mu.Unlock()
	if ok {
		return out
	}
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return html.EscapeString(src)
	}
	out = m.policy.Sanitize(buf.String())
	m.mu.Lock()
	if m.rendered == nil || m.size+len(src)+len(out) > maxRendered {
		m.rendered, m.size = map[string]string{}, 0
	}
	m.rendered[src] = out
	m.size += len(src) + len(out)
	m.mu.Unlock()
	return out
}

// Text is the plain text of the Markdown, for search and summaries.
func (m *Markdown) Text(src string) string {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return src
	}
	// Keep words apart where block elements ended.
	s := strings.NewReplacer("</p>", "</p> ", "</li>", "</li> ", "</h1>", "</h1> ", "</h2>", "</h2> ", "</h3>", "</h3> ",
		"<br>", " ", "</td>", "</td> ").Replace(buf.String())
	return strings.Join(strings.Fields(html.UnescapeString(m.strict.Sanitize(s))), " ")
}
