package app

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/search"
)

type searchHit struct {
	Type        string `json:"type"`
	CourseID    string `json:"course_id"`
	LessonID    string `json:"lesson_id,omitempty"`
	Title       string `json:"title"`
	LessonTitle string `json:"lesson_title,omitempty"`
	Snippet     string `json:"snippet"`
	// ThreadID is set on a discussion thread's hit (type "thread"), whose
	// title is the thread's.
	ThreadID string `json:"thread_id,omitempty"`
}

type searchResponse struct {
	Hits   []searchHit    `json:"hits"`
	Total  int            `json:"total"`
	Facets map[string]int `json:"facets"`
	TookMS float64        `json:"took_ms"`
}

// searchQuery reads and checks the query parameters for the user.
func searchQuery(c *fiber.Ctx, u *content.User) (search.Query, error) {
	q := search.Query{Text: strings.TrimSpace(utils.CopyString(c.Query("q"))), Category: utils.CopyString(c.Query("category")),
		Level: utils.CopyString(c.Query("level")), Owner: u.NIP, All: u.Has(content.RoleAdmin), Limit: 20}
	if utf8.RuneCountInString(q.Text) > 200 {
		return q, errField(422, "q", emsg("too_long", 200))
	}
	if q.Category != "" && !slices.Contains(content.Categories, q.Category) {
		return q, errField(422, "category", emsg("one_of", strings.Join(content.Categories, ", ")))
	}
	if q.Level != "" && !slices.Contains(content.Levels, q.Level) {
		return q, errField(422, "level", emsg("one_of", strings.Join(content.Levels, ", ")))
	}
	for name, dst := range map[string]*int{"limit": &q.Limit, "offset": &q.Offset} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n < 1 || n > 50)) || n > 1000 {
				return q, errField(422, name, emsg("search.paging"))
			}
			*dst = n
		}
	}
	// Meilisearch returns nothing past its result window (search.MaxLimit
	// results), so no page may reach past it, whichever backend runs.
	if q.Offset+q.Limit > search.MaxLimit {
		return q, errField(422, "offset", emsg("search.paging"))
	}
	return q, nil
}

// runSearch asks the index; a backend that is down is a 503 naming it.
func (a *App) runSearch(c *fiber.Ctx, q search.Query) (searchResponse, error) {
	start := time.Now()
	if !q.All && q.Courses == nil {
		// Threads only of the courses whose discussion the viewer reads.
		courses, err := a.svc.DiscussionCourses(c.UserContext(), *currentUser(c))
		if err != nil {
			return searchResponse{}, err
		}
		q.Courses = courses
	}
	res, err := a.stores.Search.Search(c.UserContext(), q)
	if err != nil {
		if errors.Is(err, search.ErrUnavailable) {
			a.log.Warn("search unavailable", "err", err)
			return searchResponse{}, &apiError{Status: 503, Code: "search_unavailable", msg: emsg("search_unavailable")}
		}
		return searchResponse{}, err
	}
	out := searchResponse{Hits: make([]searchHit, 0, len(res.Hits)), Total: res.Total, Facets: res.Facets}
	if out.Facets == nil {
		out.Facets = map[string]int{}
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, searchHit{Type: h.Type, CourseID: h.CourseID, LessonID: h.LessonID, Title: h.Title,
			LessonTitle: h.LessonTitle, Snippet: h.Snippet, ThreadID: content.ThreadOfSearchHit(h)})
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// searchAPI: GET /api/v1/search?q=&category=&level=&limit=&offset=.
func (a *App) searchAPI(c *fiber.Ctx) error {
	q, err := searchQuery(c, currentUser(c))
	if err != nil {
		return err
	}
	res, err := a.runSearch(c, q)
	if err != nil {
		return err
	}
	return c.JSON(res)
}
