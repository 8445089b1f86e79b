package app

import (
	"errors"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/search"
)

// Search pages: the results page (/search) and the suggestions the header
// box asks for as the user types (/search/suggest). Both reuse the API's
// searchQuery and runSearch, so visibility (drafts only for their owners
// and admins) is decided in one place.

const (
	searchPageSize    = 20
	searchSuggestSize = 8
	searchMaxOffset   = 1000 // searchQuery refuses a page reaching past it
)

// resultLesson is a matching lesson under its course on the results page.
type resultLesson struct {
	ID        string
	URL       string // the lesson, or its course page for those not enrolled
	Title     string
	TitleHTML template.HTML // the title highlighted, when the match is in it
	Snippet   template.HTML
}

// resultGroup is one course on the results page: the course itself if it
// matched, and its matching lessons.
type resultGroup struct {
	CourseID  string
	Title     string
	TitleHTML template.HTML // the title highlighted, when the match is in it
	Snippet   template.HTML // the course's own snippet, "" if none beyond the title
	Lessons   []resultLesson
	Locked    bool // the viewer must enrol to open the lessons
	// ThreadURL is set on a discussion thread's result: its own entry,
	// titled with the thread's title.
	ThreadURL string
}

// facetLink is one category of the filter, with its count for the query.
type facetLink struct {
	Name    string
	Count   int
	URL     string
	Current bool
}

// fewerWords is the query minus its last word, offered when nothing matched.
type fewerWords struct {
	Q   string
	URL string
}

type searchPageView struct {
	Q          string
	Category   string
	Categories []string // for the select and the catalog links
	Facets     []facetLink
	AllURL     string
	AllCount   int
	Groups     []resultGroup
	Total      int
	Took       string // milliseconds, formatted for the language
	From, To   int    // 1-based range of hits shown
	Prev, Next string // page URLs, "" when there is none
	// When nothing matched: what to try instead.
	WithoutCategory string
	Fewer           *fewerWords
	Unavailable     bool // the search backend is down
}

// searchURL is the results page for q in category at offset.
func searchURL(q, category string, offset int) string {
	p := url.Values{}
	if q != "" {
		p.Set("q", q)
	}
	if category != "" {
		p.Set("category", category)
	}
	if offset > 0 {
		p.Set("offset", strconv.Itoa(offset))
	}
	if len(p) == 0 {
		return "/search"
	}
	return "/search?" + p.Encode()
}

// safeSnippet marks a backend snippet as HTML. The backends escape
// everything but <mark> and </mark>; should one ever send anything else,
// the whole snippet is escaped instead of trusted.
func safeSnippet(s string) template.HTML {
	rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
	if strings.ContainsAny(rest, "<>") {
		return template.HTML(html.EscapeString(s))
	}
	return template.HTML(s) // only <mark> tags, the rest escaped by the backend
}

// snippetText is the text a snippet shows, without its markup.
func snippetText(snippet string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(snippet))
}

// lessonOpener tells whether the viewer may open a course's lessons.
type lessonOpener func(courseID string) bool

// lessonOpener answers for u: admins open every lesson, others those of
// the courses they are enrolled in (one lookup per course, remembered for
// the request). A lesson of another course leads to its course page, where
// the learner can enrol, instead of a refusal.
func (a *App) lessonOpener(c *fiber.Ctx, u *content.User) lessonOpener {
	if u.Has(content.RoleAdmin) {
		return func(string) bool { return true }
	}
	seen := map[string]bool{}
	return func(courseID string) bool {
		ok, done := seen[courseID]
		if !done {
			_, err := a.svc.Enrollment(c.UserContext(), u.NIP, courseID)
			if err != nil && !errors.Is(err, content.ErrNotFound) {
				a.log.Warn("search: enrollment lookup", "err", err, "course", courseID)
			}
			ok = err == nil
			seen[courseID] = ok
		}
		return ok
	}
}

// hitURL is the page a hit opens.
func hitURL(h searchHit, open lessonOpener) string {
	if h.Type == search.TypeThread && h.ThreadID != "" {
		return content.ThreadPath(url.PathEscape(h.ThreadID))
	}
	if h.Type == search.TypeLesson && h.LessonID != "" && open(h.CourseID) {
		return "/learn/" + url.PathEscape(h.LessonID)
	}
	return "/courses/" + url.PathEscape(h.CourseID)
}

// groupHits groups hits by course, in the order their best hit ranks. A
// snippet that is just a title highlights that title instead of repeating
// it underneath.
func groupHits(hits []searchHit, open lessonOpener) []resultGroup {
	var out []resultGroup
	at := map[string]int{}
	for _, h := range hits {
		if h.Type == search.TypeThread {
			out = append(out, resultGroup{CourseID: h.CourseID, Title: h.Title, ThreadURL: hitURL(h, open), Snippet: safeSnippet(h.Snippet)})
			continue
		}
		i, ok := at[h.CourseID]
		if !ok {
			i = len(out)
			at[h.CourseID] = i
			out = append(out, resultGroup{CourseID: h.CourseID, Title: h.Title})
		}
		g := &out[i]
		if h.Type == search.TypeLesson && h.LessonID != "" && !open(h.CourseID) {
			g.Locked = true
		}
		text := snippetText(h.Snippet)
		switch {
		case text == h.Title:
			if g.TitleHTML == "" {
				g.TitleHTML = safeSnippet(h.Snippet)
			}
			if h.Type == search.TypeLesson && h.LessonID != "" {
				g.Lessons = append(g.Lessons, resultLesson{ID: h.LessonID, URL: hitURL(h, open), Title: h.LessonTitle})
			}
		case h.Type == search.TypeLesson && h.LessonID != "":
			l := resultLesson{ID: h.LessonID, URL: hitURL(h, open), Title: h.LessonTitle}
			if text == h.LessonTitle {
				l.TitleHTML = safeSnippet(h.Snippet)
			} else {
				l.Snippet = safeSnippet(h.Snippet)
			}
			g.Lessons = append(g.Lessons, l)
		default:
			g.Snippet = safeSnippet(h.Snippet)
		}
	}
	return out
}

// formatMS formats a duration in milliseconds with one decimal, with the
// decimal separator of the language.
func formatMS(lang string, ms float64) string {
	s := strconv.FormatFloat(ms, 'f', 1, 64)
	if lang == "id" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// searchPage: GET /search?q=&category=&offset=, the results grouped by
// course, 20 hits a page.
func (a *App) searchPage(c *fiber.Ctx) error {
	u := currentUser(c)
	q, err := searchQuery(c, u)
	if err != nil {
		return err
	}
	q.Limit = searchPageSize
	v := searchPageView{Q: q.Text, Category: q.Category, Categories: content.Categories}
	if q.Text == "" {
		if q.Category != "" {
			// A category without words is browsing: the catalog does that.
			return c.Redirect("/courses?category="+url.QueryEscape(q.Category), fiber.StatusSeeOther)
		}
		return a.page(c, "search", v)
	}
	res, err := a.runSearch(c, q)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == fiber.StatusServiceUnavailable {
			v.Unavailable = true
			c.Set(fiber.HeaderRetryAfter, "30")
			c.Status(fiber.StatusServiceUnavailable)
			return a.page(c, "search", v)
		}
		return err
	}
	if len(res.Hits) == 0 && res.Total > 0 && q.Offset > 0 {
		// Past the last page (an old link): back to the first.
		return c.Redirect(searchURL(q.Text, q.Category, 0), fiber.StatusSeeOther)
	}
	// The filter shows every category's count for the words, so with a
	// category chosen the counts come from the same query without it.
	facets, all := res.Facets, res.Total
	if q.Category != "" {
		uq := q
		uq.Category, uq.Limit, uq.Offset = "", 1, 0
		if ur, err := a.runSearch(c, uq); err == nil {
			facets, all = ur.Facets, ur.Total
		}
	}
	v.AllURL, v.AllCount = searchURL(q.Text, "", 0), all
	for _, name := range content.Categories {
		v.Facets = append(v.Facets, facetLink{Name: name, Count: facets[name], URL: searchURL(q.Text, name, 0), Current: name == q.Category})
	}
	v.Groups = groupHits(res.Hits, a.lessonOpener(c, u))
	v.Total, v.Took = res.Total, formatMS(langOf(c), res.TookMS)
	if len(res.Hits) > 0 {
		v.From, v.To = q.Offset+1, q.Offset+len(res.Hits)
	}
	if q.Offset > 0 {
		v.Prev = searchURL(q.Text, q.Category, max(0, q.Offset-searchPageSize))
	}
	if next := q.Offset + searchPageSize; next < res.Total && next+searchPageSize <= searchMaxOffset {
		v.Next = searchURL(q.Text, q.Category, next)
	}
	if res.Total == 0 {
		if q.Category != "" {
			v.WithoutCategory = searchURL(q.Text, "", 0)
		}
		if words := strings.Fields(q.Text); len(words) > 1 {
			fewer := strings.Join(words[:len(words)-1], " ")
			v.Fewer = &fewerWords{Q: fewer, URL: searchURL(fewer, q.Category, 0)}
		}
	}
	return a.page(c, "search", v)
}

// suggestion is a hit of the header box, with the page it opens.
type suggestion struct {
	searchHit
	URL string `json:"url"`
}

type suggestResponse struct {
	Hits   []suggestion `json:"hits"`
	Total  int          `json:"total"`
	More   string       `json:"more"` // the results page for the same words
	TookMS float64      `json:"took_ms"`
}

// searchSuggest: GET /search/suggest?q=, the first 8 hits as JSON for the
// header box. Errors are JSON too (isAPI).
func (a *App) searchSuggest(c *fiber.Ctx) error {
	u := currentUser(c)
	q, err := searchQuery(c, u)
	if err != nil {
		return err
	}
	q.Limit, q.Offset = searchSuggestSize, 0
	c.Set(fiber.HeaderCacheControl, "no-store")
	out := suggestResponse{Hits: []suggestion{}, More: searchURL(q.Text, q.Category, 0)}
	if q.Text == "" {
		return c.JSON(out)
	}
	res, err := a.runSearch(c, q)
	if err != nil {
		return err
	}
	out.Total, out.TookMS = res.Total, res.TookMS
	open := a.lessonOpener(c, u)
	for _, h := range res.Hits {
		h.Snippet = string(safeSnippet(h.Snippet))
		out.Hits = append(out.Hits, suggestion{searchHit: h, URL: hitURL(h, open)})
	}
	return c.JSON(out)
}
