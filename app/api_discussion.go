package app

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Discussion in courses over the API (content/discussion.go): the course's
// enrolled learners, its trainers and admins read and write; trainers and
// admins moderate.

// discussionAPI registers the API routes; app.go calls it before its
// catch-all.
func (a *App) discussionAPI(api fiber.Router) {
	api.Get("/courses/:id/threads", requireUser, a.listThreadsAPI)
	api.Post("/courses/:id/threads", requireUser, a.createThreadAPI)
	api.Get("/threads/:id", requireUser, a.threadAPI)
	api.Post("/threads/:id/posts", requireUser, a.replyAPI)
	api.Post("/threads/:id/follow", requireUser, a.followAPI(true))
	api.Post("/threads/:id/unfollow", requireUser, a.followAPI(false))
	api.Post("/threads/:id/lock", requireUser, a.threadFlagAPI(a.svc.SetThreadLocked, true))
	api.Post("/threads/:id/unlock", requireUser, a.threadFlagAPI(a.svc.SetThreadLocked, false))
	api.Post("/threads/:id/hide", requireUser, a.threadFlagAPI(a.svc.SetThreadHidden, true))
	api.Post("/threads/:id/unhide", requireUser, a.threadFlagAPI(a.svc.SetThreadHidden, false))
	api.Post("/posts/:id/accept", requireUser, a.acceptAPI)
	api.Post("/posts/:id/report", requireUser, a.reportAPI)
	api.Post("/posts/:id/hide", requireUser, a.postHiddenAPI(true))
	api.Post("/posts/:id/unhide", requireUser, a.postHiddenAPI(false))
	api.Post("/posts/:id/dismiss", requireUser, a.dismissAPI)
	api.Get("/discussion/inbox", requireRole(content.RoleTrainer), a.inboxAPI)
}

// threadJSON is a thread as its reader may see it: a hidden thread's
// title and text reach only moderators.
type threadJSON struct {
	content.Thread
	Mine bool `json:"mine"`
}

func threadOut(t content.Thread, u *content.User, moderate bool) threadJSON {
	if t.Hidden && !moderate {
		t.Title, t.Body, t.AuthorName, t.AcceptedText = "", "", "", ""
	}
	return threadJSON{Thread: t, Mine: t.Author == u.NIP}
}

type postJSON struct {
	content.Post
	Accepted bool `json:"accepted"`
	Mine     bool `json:"mine"`
	// Reported: the reader reported it; Reports (moderators only) is how
	// many did.
	Reported bool `json:"reported"`
	Reports  *int `json:"reports,omitempty"`
}

func postOut(p content.Post, u *content.User, moderate bool, accepted string) postJSON {
	out := postJSON{Post: p, Accepted: p.ID == accepted && accepted != "", Mine: p.Author == u.NIP}
	for _, n := range p.Reporters {
		if n == u.NIP {
			out.Reported = true
		}
	}
	if moderate {
		n := len(p.Reporters)
		out.Reports = &n
	} else if p.Hidden {
		out.Body, out.AuthorName = "", ""
	}
	return out
}

// listThreadsAPI: GET /api/v1/courses/{id}/threads ?lesson=&limit=&after=
// -> {items, total, next}, most recently active first.
func (a *App) listThreadsAPI(c *fiber.Ctx) error {
	limit, after, err := pageArgs(c)
	if err != nil {
		return err
	}
	lesson := c.Query("lesson")
	if len(lesson) > 100 {
		return errField(400, "lesson", emsg("discussion.no_lesson"))
	}
	u := currentUser(c)
	p, acc, err := a.svc.Threads(c.UserContext(), *u, param(c, "id"), utils.CopyString(lesson), limit, after)
	if err != nil {
		return err
	}
	items := make([]threadJSON, len(p.Items))
	for i, t := range p.Items {
		items[i] = threadOut(t, u, acc.Moderate)
	}
	return c.JSON(fiber.Map{"items": items, "total": p.Total, "next": p.Next})
}

// createThreadAPI: POST /api/v1/courses/{id}/threads {title, body,
// lesson_id} -> 201 thread.
func (a *App) createThreadAPI(c *fiber.Ctx) error {
	var in content.ThreadInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u := currentUser(c)
	t, err := a.svc.CreateThread(c.UserContext(), *u, param(c, "id"), in)
	if err != nil {
		return forumErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(threadOut(t, u, false))
}

// threadAPI: GET /api/v1/threads/{id} ?limit=&after= -> {thread, posts,
// next, following, can_moderate}: posts oldest first.
func (a *App) threadAPI(c *fiber.Ctx) error {
	limit, after, err := pageArgs(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	v, err := a.svc.ThreadFor(c.UserContext(), *u, param(c, "id"), limit, after)
	if err != nil {
		return err
	}
	mod := v.Access.Moderate
	posts := make([]postJSON, len(v.Posts))
	for i, p := range v.Posts {
		posts[i] = postOut(p, u, mod, v.Thread.Accepted)
	}
	return c.JSON(fiber.Map{"thread": threadOut(v.Thread, u, mod), "posts": posts, "next": v.Next,
		"following": v.Following, "can_moderate": mod})
}

type postRequest struct {
	Body string `json:"body"`
}

// replyAPI: POST /api/v1/threads/{id}/posts {body} -> 201 post; 422 on a
// locked thread, 429 over the posting limit.
func (a *App) replyAPI(c *fiber.Ctx) error {
	var in postRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u := currentUser(c)
	p, err := a.svc.Reply(c.UserContext(), *u, param(c, "id"), in.Body)
	if err != nil {
		return forumErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(postOut(p, u, false, ""))
}

// followAPI: POST /api/v1/threads/{id}/follow and /unfollow -> {following}.
func (a *App) followAPI(follow bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, err := a.svc.FollowThread(c.UserContext(), *currentUser(c), param(c, "id"), follow); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"following": follow})
	}
}

// threadFlagAPI: POST /api/v1/threads/{id}/lock|unlock|hide|unhide
// (trainers, admins) -> thread.
func (a *App) threadFlagAPI(set func(ctx context.Context, u content.User, id string, on bool) (content.Thread, error), on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		t, err := set(c.UserContext(), *u, param(c, "id"), on)
		if err != nil {
			return err
		}
		return c.JSON(threadOut(t, u, true))
	}
}

// acceptAPI: POST /api/v1/posts/{id}/accept (trainers, admins) -> thread.
func (a *App) acceptAPI(c *fiber.Ctx) error {
	u := currentUser(c)
	t, err := a.svc.AcceptPost(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(threadOut(t, u, true))
}

// reportAPI: POST /api/v1/posts/{id}/report (anyone who may read it) ->
// 201 {reported: true} the first time, 200 after.
func (a *App) reportAPI(c *fiber.Ctx) error {
	_, fresh, err := a.svc.ReportPost(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	if fresh {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(fiber.Map{"reported": true})
}

// postHiddenAPI: POST /api/v1/posts/{id}/hide|unhide (trainers, admins).
func (a *App) postHiddenAPI(hidden bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		p, err := a.svc.SetPostHidden(c.UserContext(), *u, param(c, "id"), hidden)
		if err != nil {
			return err
		}
		return c.JSON(postOut(p, u, true, ""))
	}
}

// dismissAPI: POST /api/v1/posts/{id}/dismiss (trainers, admins): keep a
// reported post and take it off the list.
func (a *App) dismissAPI(c *fiber.Ctx) error {
	u := currentUser(c)
	p, err := a.svc.DismissReports(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(postOut(p, u, true, ""))
}

// inboxAPI: GET /api/v1/discussion/inbox (trainers) -> {unanswered,
// reported} across the caller's courses.
func (a *App) inboxAPI(c *fiber.Ctx) error {
	u := currentUser(c)
	in, err := a.svc.DiscussionInboxFor(c.UserContext(), *u)
	if err != nil {
		return err
	}
	ts := make([]threadJSON, len(in.Unanswered))
	for i, t := range in.Unanswered {
		ts[i] = threadOut(t, u, true)
	}
	ps := make([]postJSON, len(in.Reported))
	for i, p := range in.Reported {
		ps[i] = postOut(p, u, true, "")
	}
	return c.JSON(fiber.Map{"unanswered": ts, "reported": ps, "courses": in.Courses})
}
