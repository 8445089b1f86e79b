package app

import (
	"errors"
	"html/template"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Discussion pages: the "Diskusi" section of the course and lesson pages,
// a course's (or lesson's) thread list, the thread page, and the trainer's
// "Pertanyaan belum terjawab". Every action is a form, so all of it works
// without JavaScript.

// discussionPages registers the page routes; app.go calls it before its
// catch-all.
func (a *App) discussionPages(pages fiber.Router) {
	pages.Get("/courses/:id/threads", requireUser, a.threadsPage)
	pages.Post("/courses/:id/threads", requireUser, a.newThreadSubmit)
	pages.Get("/threads/:id", requireUser, a.threadPage)
	pages.Post("/threads/:id/posts", requireUser, a.replyPostSubmit)
	pages.Post("/threads/:id/:action", requireUser, a.threadActionSubmit)
	pages.Post("/posts/:id/:action", requireUser, a.postActionSubmit)
	pages.Get("/discussion/unanswered", requireRole(content.RoleTrainer), a.inboxPage)
}

type threadRow struct {
	ID, Title, AuthorName, When, ISO, URL, CourseTitle string
	Replies                                            int
	Hidden, Locked, Accepted, Unanswered               bool
}

func (a *App) threadRowOf(c *fiber.Ctx, t content.Thread, moderate bool) threadRow {
	lang := langOf(c)
	r := threadRow{ID: t.ID, Title: t.Title, AuthorName: t.AuthorName, When: formatWhen(lang, t.LastAt), ISO: t.LastAt.Format(isoTime),
		URL: content.ThreadPath(t.ID), Replies: t.Replies, Hidden: t.Hidden, Locked: t.Locked, Accepted: t.Accepted != "",
		Unanswered: t.Unanswered}
	if t.Hidden && !moderate {
		r.Title, r.AuthorName = "", ""
	}
	return r
}

// discussBox is the "Diskusi" section: recent threads and the form to
// start one. Nil when the viewer may not take part.
type discussBox struct {
	CourseID, LessonID string
	Threads            []threadRow
	Total              int64
	AllURL             string
	Title, Body        string
	Errors             map[string]string
	Problem            string
	MaxTitle, MaxBody  int
}

// discussBoxFor is the section of a course's page (lesson "") or a
// lesson's page, with up to limit threads; nil when the viewer may not
// read the discussion (not enrolled), so the page shows nothing of it.
func (a *App) discussBoxFor(c *fiber.Ctx, courseID, lesson string, limit int) (*discussBox, error) {
	p, acc, err := a.svc.Threads(c.UserContext(), *currentUser(c), courseID, lesson, limit, "")
	if errors.Is(err, content.ErrForbidden) || errors.Is(err, content.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b := &discussBox{CourseID: acc.Course.ID, LessonID: lesson, Total: p.Total, MaxTitle: content.MaxThreadTitle, MaxBody: content.MaxThreadBody,
		AllURL: "/courses/" + url.PathEscape(acc.Course.ID) + "/threads"}
	if lesson != "" {
		b.AllURL += "?lesson=" + url.QueryEscape(lesson)
	}
	for _, t := range p.Items {
		b.Threads = append(b.Threads, a.threadRowOf(c, t, acc.Moderate))
	}
	return b, nil
}

type threadsView struct {
	Course      content.Course
	LessonID    string
	LessonTitle string
	Box         *discussBox
	After, Next string
	Base        string
}

func (a *App) threadsList(c *fiber.Ctx, box *discussBox) error {
	after := c.Query("after")
	if len(after) > maxCursor {
		return errField(400, "after", content.ErrBadCursor.Message())
	}
	lesson := utils.CopyString(c.Query("lesson"))
	if box != nil && box.LessonID != "" {
		lesson = box.LessonID
	}
	if len(lesson) > 100 {
		return errField(400, "lesson", emsg("discussion.no_lesson"))
	}
	u := currentUser(c)
	p, acc, err := a.svc.Threads(c.UserContext(), *u, param(c, "id"), lesson, 20, utils.CopyString(after))
	if err != nil {
		return err
	}
	v := threadsView{Course: acc.Course, LessonID: lesson, After: after, Next: p.Next,
		Base: "/courses/" + url.PathEscape(acc.Course.ID) + "/threads"}
	if lesson != "" {
		if l, _, ok := acc.Course.Lesson(lesson); ok {
			v.LessonTitle = l.Title
		}
		v.Base += "?lesson=" + url.QueryEscape(lesson) + "&"
	} else {
		v.Base += "?"
	}
	if box == nil {
		box = &discussBox{}
	}
	box.CourseID, box.LessonID, box.Total = acc.Course.ID, lesson, p.Total
	box.MaxTitle, box.MaxBody = content.MaxThreadTitle, content.MaxThreadBody
	box.Threads = nil
	for _, t := range p.Items {
		box.Threads = append(box.Threads, a.threadRowOf(c, t, acc.Moderate))
	}
	v.Box = box
	return a.page(c, "discussion_list", v)
}

// threadsPage: GET /courses/{id}/threads ?lesson=&after=: a course's (or
// one lesson's) threads, 20 a page, and the form to start one.
func (a *App) threadsPage(c *fiber.Ctx) error { return a.threadsList(c, nil) }

// newThreadSubmit: POST /courses/{id}/threads title, body, lesson_id ->
// the new thread's page; refused input comes back with what was typed.
func (a *App) newThreadSubmit(c *fiber.Ctx) error {
	in := content.ThreadInput{Title: utils.CopyString(c.FormValue("title")), Body: utils.CopyString(c.FormValue("body")),
		LessonID: utils.CopyString(c.FormValue("lesson_id"))}
	t, err := a.svc.CreateThread(c.UserContext(), *currentUser(c), param(c, "id"), in)
	if err == nil {
		return c.Redirect(content.ThreadPath(t.ID), fiber.StatusSeeOther)
	}
	box := &discussBox{Title: in.Title, Body: in.Body, LessonID: in.LessonID}
	if !a.formProblem(c, err, &box.Errors, &box.Problem) {
		return err
	}
	if _, bad := box.Errors["lesson_id"]; bad {
		box.LessonID = ""
	}
	return a.threadsList(c, box)
}

// formProblem puts a refused form's errors where the page shows them and
// sets the status; false when err is not the form's fault.
func (a *App) formProblem(c *fiber.Ctx, err error, fields *map[string]string, problem *string) bool {
	var rl *content.RateLimitedError
	if errors.As(err, &rl) {
		_ = forumErr(c, err) // sets Retry-After
		c.Status(fiber.StatusTooManyRequests)
		*problem = a.tr(langOf(c), rl.Message())
		return true
	}
	fe, ok := a.fieldErrs(c, err)
	if !ok {
		return false
	}
	c.Status(fiber.StatusUnprocessableEntity)
	*fields = fe
	return true
}

type postRow struct {
	ID, AuthorName, When, ISO        string
	Body                             template.HTML
	Hidden, Accepted, Mine, Reported bool
	Reports                          int
}

type threadView struct {
	Course      content.Course
	LessonID    string
	LessonTitle string
	Thread      threadRow
	Body        template.HTML
	Posts       []postRow
	Next, After string
	Moderate    bool
	Following   bool
	Reply       string
	Errors      map[string]string
	Problem     string
	Flash       string
	MaxBody     int
}

func (a *App) renderThread(c *fiber.Ctx, v threadView) error {
	after := c.Query("after")
	if len(after) > maxCursor {
		return errField(400, "after", content.ErrBadCursor.Message())
	}
	u := currentUser(c)
	tv, err := a.svc.ThreadFor(c.UserContext(), *u, param(c, "id"), content.MaxThreadPage, utils.CopyString(after))
	if err != nil {
		return err
	}
	mod := tv.Access.Moderate
	t := tv.Thread
	v.Course, v.LessonID, v.Moderate, v.Following = tv.Access.Course, t.Lesson, mod, tv.Following
	v.Thread = a.threadRowOf(c, t, mod)
	v.After, v.Next, v.MaxBody = after, tv.Next, content.MaxPostBody
	if l, _, ok := tv.Access.Course.Lesson(t.Lesson); ok && t.Lesson != "" {
		v.LessonTitle = l.Title
	}
	if !t.Hidden || mod {
		v.Body = template.HTML(a.svc.Markdown().HTML(t.Body)) // sanitised by bluemonday
	}
	lang := langOf(c)
	for _, p := range tv.Posts {
		r := postRow{ID: p.ID, AuthorName: p.AuthorName, When: formatWhen(lang, p.Created), ISO: p.Created.Format(isoTime),
			Hidden: p.Hidden, Accepted: p.ID == t.Accepted, Mine: p.Author == u.NIP, Reported: tv.Reported[p.ID], Reports: len(p.Reporters)}
		if !p.Hidden || mod {
			r.Body = template.HTML(a.svc.Markdown().HTML(p.Body)) // sanitised by bluemonday
		} else {
			r.AuthorName = ""
		}
		v.Posts = append(v.Posts, r)
	}
	if ok := c.Query("ok"); ok != "" && v.Flash == "" {
		if m := a.cat.T(lang, "discussion.ok_"+ok); m != "discussion.ok_"+ok {
			v.Flash = m
		}
	}
	return a.page(c, "discussion_thread", v)
}

// threadPage: GET /threads/{id} ?after=: the thread, its replies (50 a
// page) and the forms.
func (a *App) threadPage(c *fiber.Ctx) error { return a.renderThread(c, threadView{}) }

// replyPostSubmit: POST /threads/{id}/posts body -> back to the thread, at
// the new reply.
func (a *App) replyPostSubmit(c *fiber.Ctx) error {
	body := utils.CopyString(c.FormValue("body"))
	p, err := a.svc.Reply(c.UserContext(), *currentUser(c), param(c, "id"), body)
	if err == nil {
		return c.Redirect(content.ThreadPath(p.Thread)+"?ok=replied#"+p.ID, fiber.StatusSeeOther)
	}
	v := threadView{Reply: body}
	if !a.formProblem(c, err, &v.Errors, &v.Problem) {
		return err
	}
	return a.renderThread(c, v)
}

// threadActionSubmit: POST /threads/{id}/follow|unfollow|lock|unlock|hide|unhide.
func (a *App) threadActionSubmit(c *fiber.Ctx) error {
	u, ctx, id := *currentUser(c), c.UserContext(), param(c, "id")
	var err error
	action := c.Params("action")
	switch action {
	case "follow", "unfollow":
		_, err = a.svc.FollowThread(ctx, u, id, action == "follow")
	case "lock", "unlock":
		_, err = a.svc.SetThreadLocked(ctx, u, id, action == "lock")
	case "hide", "unhide":
		_, err = a.svc.SetThreadHidden(ctx, u, id, action == "hide")
	default:
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.Redirect(content.ThreadPath(id)+"?ok="+action, fiber.StatusSeeOther)
}

// postActionSubmit: POST /posts/{id}/accept|report|hide|unhide|dismiss,
// back to the thread (or to next, the trainer's list).
func (a *App) postActionSubmit(c *fiber.Ctx) error {
	u, ctx, id := *currentUser(c), c.UserContext(), param(c, "id")
	var thread string
	action := c.Params("action")
	switch action {
	case "accept":
		t, err := a.svc.AcceptPost(ctx, u, id)
		if err != nil {
			return err
		}
		thread = t.ID
	case "report":
		p, _, err := a.svc.ReportPost(ctx, u, id)
		if err != nil {
			return err
		}
		thread = p.Thread
	case "hide", "unhide":
		p, err := a.svc.SetPostHidden(ctx, u, id, action == "hide")
		if err != nil {
			return err
		}
		thread = p.Thread
	case "dismiss":
		p, err := a.svc.DismissReports(ctx, u, id)
		if err != nil {
			return err
		}
		thread = p.Thread
	default:
		return fiber.ErrNotFound
	}
	next := content.ThreadPath(thread) + "?ok=" + action + "#" + id
	if n := c.FormValue("next"); n != "" {
		next = safeNext(n)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

type reportedRow struct {
	ID, ThreadURL, CourseTitle, AuthorName, When, ISO string
	Body                                              template.HTML
	Reports                                           int
}

type inboxView struct {
	Unanswered []threadRow
	Reported   []reportedRow
}

// inboxPage: GET /discussion/unanswered (trainers): the unanswered
// threads and the reported posts of the courses they own.
func (a *App) inboxPage(c *fiber.Ctx) error {
	in, err := a.svc.DiscussionInboxFor(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	lang := langOf(c)
	var v inboxView
	for _, t := range in.Unanswered {
		r := a.threadRowOf(c, t, true)
		r.When, r.ISO = formatWhen(lang, t.Created), t.Created.Format(isoTime)
		r.CourseTitle = in.Courses[t.Course]
		v.Unanswered = append(v.Unanswered, r)
	}
	for _, p := range in.Reported {
		v.Reported = append(v.Reported, reportedRow{ID: p.ID, ThreadURL: content.ThreadPath(p.Thread) + "#" + p.ID,
			CourseTitle: in.Courses[p.Course], AuthorName: p.AuthorName, When: formatWhen(lang, p.Created), ISO: p.Created.Format(isoTime),
			Body: template.HTML(a.svc.Markdown().HTML(p.Body)), Reports: len(p.Reporters)}) // sanitised by bluemonday
	}
	return a.page(c, "discussion_inbox", v)
}
