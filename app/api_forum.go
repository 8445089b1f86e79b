package app

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Forum warga over the API: the public routes need no login (a form token
// stands in for one), the moderation routes a unit's staff or an admin.

// forumBodyLimit bounds a public post's body, checked before it is read:
// the largest fields, percent-encoded, fit with room to spare.
const forumBodyLimit = 96 << 10

// forumBodyTooLarge refuses a public body above forumBodyLimit (or of no
// declared length) before anything reads it.
func forumBodyTooLarge(c *fiber.Ctx) error {
	if n := c.Request().Header.ContentLength(); n > forumBodyLimit {
		return &apiError{Status: 413, Code: "too_large", msg: emsg("forum.too_large", forumBodyLimit>>10)}
	}
	return nil
}

// forumErr turns a refused post over a limit into 429 with Retry-After.
func forumErr(c *fiber.Ctx, err error) error {
	var rl *content.RateLimitedError
	if errors.As(err, &rl) {
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(rl.RetryAfter))
		return &apiError{Status: 429, Code: "too_many_requests", msg: rl.Message()}
	}
	return err
}

// pageArgs reads ?limit= and ?after= of a topic list.
func pageArgs(c *fiber.Ctx) (int, string, error) {
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > content.MaxTopicPage {
			return 0, "", errField(400, "limit", emsg("forum.limit", content.MaxTopicPage))
		}
		limit = n
	}
	after := c.Query("after")
	if len(after) > maxCursor {
		return 0, "", errField(400, "after", content.ErrBadCursor.Message())
	}
	return limit, utils.CopyString(after), nil
}

type replyJSON struct {
	content.TopicReply
	UnitName string `json:"unit_name"`
}

type publicTopicJSON struct {
	content.PublicTopic
	Replies []replyJSON `json:"replies"`
}

// unitNames looks up unit names once per request.
type unitNames struct {
	a     *App
	c     *fiber.Ctx
	names map[string]string
}

func (a *App) unitNamer(c *fiber.Ctx) *unitNames {
	return &unitNames{a: a, c: c, names: map[string]string{}}
}

func (n *unitNames) name(code string) string {
	if v, ok := n.names[code]; ok {
		return v
	}
	v := code
	if u, err := n.a.svc.Unit(n.c.UserContext(), code); err == nil {
		v = u.Name
	}
	n.names[code] = v
	return v
}

func (n *unitNames) replies(rs []content.TopicReply) []replyJSON {
	out := make([]replyJSON, len(rs))
	for i, r := range rs {
		out[i] = replyJSON{TopicReply: r, UnitName: n.name(r.Unit)}
	}
	return out
}

func (n *unitNames) public(t content.Topic) publicTopicJSON {
	return publicTopicJSON{PublicTopic: t.Public(), Replies: n.replies(t.Replies)}
}

// publicTopicsAPI: GET /api/v1/public/services/{id}/topics ?limit=&after=
// -> {items, total, next}: approved topics, unanswered first, then newest.
func (a *App) publicTopicsAPI(c *fiber.Ctx) error {
	limit, after, err := pageArgs(c)
	if err != nil {
		return err
	}
	p, err := a.svc.PublicTopics(c.UserContext(), param(c, "id"), limit, after)
	if err != nil {
		return err
	}
	names := a.unitNamer(c)
	items := make([]publicTopicJSON, len(p.Items))
	for i, t := range p.Items {
		items[i] = names.public(t)
	}
	return c.JSON(fiber.Map{"items": items, "total": p.Total, "next": p.Next})
}

// publicTopicAPI: GET /api/v1/public/services/{id}/topics/{tid}.
func (a *App) publicTopicAPI(c *fiber.Ctx) error {
	t, err := a.svc.PublicTopic(c.UserContext(), param(c, "id"), param(c, "tid"))
	if err != nil {
		return err
	}
	return c.JSON(a.unitNamer(c).public(t))
}

// topicTokenAPI: GET /api/v1/public/services/{id}/topics/token -> {token,
// expires_at}: a one-time token the post must carry.
func (a *App) topicTokenAPI(c *fiber.Ctx) error {
	tok, exp, err := a.svc.TopicFormToken(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"token": tok, "expires_at": exp})
}

// submitTopicAPI: POST /api/v1/public/services/{id}/topics {title, body,
// name?, contact?, token, website} -> 202 {id, state}: held for
// moderation. website is the honeypot and must stay empty.
func (a *App) submitTopicAPI(c *fiber.Ctx) error {
	if err := forumBodyTooLarge(c); err != nil {
		return err
	}
	var in content.TopicInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := a.svc.SubmitTopic(c.UserContext(), param(c, "id"), in, clientIP(c))
	if err != nil {
		return forumErr(c, err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": t.ID, "state": t.State})
}

type topicJSON struct {
	content.Topic
	Replies []replyJSON `json:"replies"`
}

// topicQueueAPI: GET /api/v1/topics ?unit=&state=&limit=&after= (a unit's
// staff, admins) -> {unit, state, counts, units, items, total, next}.
func (a *App) topicQueueAPI(c *fiber.Ctx) error {
	limit, after, err := pageArgs(c)
	if err != nil {
		return err
	}
	q, err := a.svc.TopicQueueFor(c.UserContext(), *currentUser(c), utils.CopyString(c.Query("unit")), utils.CopyString(c.Query("state")), limit, after)
	if err != nil {
		return err
	}
	names := a.unitNamer(c)
	items := make([]topicJSON, len(q.Page.Items))
	for i, t := range q.Page.Items {
		items[i] = topicJSON{Topic: t, Replies: names.replies(t.Replies)}
	}
	units := q.Units
	if units == nil {
		units = []content.QueueUnit{}
	}
	return c.JSON(fiber.Map{"unit": q.Unit, "state": q.State, "counts": q.Counts, "units": units, "items": items,
		"total": q.Page.Total, "next": q.Page.Next})
}

// topicAPI: GET /api/v1/topics/{id} (a unit's staff, admins): the topic
// with its contact and state.
func (a *App) topicAPI(c *fiber.Ctx) error {
	t, err := a.svc.TopicFor(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(topicJSON{Topic: t, Replies: a.unitNamer(c).replies(t.Replies)})
}

type moderateRequest struct {
	Action string `json:"action"`
}

// moderateTopicAPI: POST /api/v1/topics/{id}/moderate {action: approve|reject}.
func (a *App) moderateTopicAPI(c *fiber.Ctx) error {
	var in moderateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := a.svc.ModerateTopic(c.UserContext(), *currentUser(c), param(c, "id"), in.Action)
	if err != nil {
		return err
	}
	return c.JSON(topicJSON{Topic: t, Replies: a.unitNamer(c).replies(t.Replies)})
}

type replyRequest struct {
	Body string `json:"body"`
}

// replyTopicAPI: POST /api/v1/topics/{id}/replies {body} (the unit's
// staff) -> 201 {id, body, unit, unit_name, created_at}.
func (a *App) replyTopicAPI(c *fiber.Ctx) error {
	var in replyRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.svc.ReplyTopic(c.UserContext(), *currentUser(c), param(c, "id"), in.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a.unitNamer(c).replies([]content.TopicReply{r})[0])
}
