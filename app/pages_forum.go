package app

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Forum warga pages. The public ones (/layanan/{id}/forum…) need no login
// and work without JavaScript on a cheap phone; the moderation pages
// (/forum/moderation…) are for a unit's staff and admins.

const isoTime = "2006-01-02T15:04:05Z07:00"

type replyRow struct {
	UnitName, Body, When, ISO string
}

type topicRow struct {
	ID, Title, Body, Name, When, ISO string
	Answered                         bool
	Replies                          []replyRow
	// URL is the public topic page; staff rows carry the moderation page.
	URL string
	// Staff-only: the service's name, the contact, the state.
	ServiceName, Contact, State, StateKey string
	CanReply                              bool
}

func (a *App) topicRowOf(c *fiber.Ctx, names *unitNames, t content.Topic) topicRow {
	lang := langOf(c)
	r := topicRow{ID: t.ID, Title: t.Title, Body: t.Body, Name: t.Name, When: formatWhen(lang, t.Created), ISO: t.Created.Format(isoTime),
		Answered: t.Answered(), URL: forumPath(t.Service) + "/" + t.ID, Contact: t.Contact, State: t.State, StateKey: "forum.state_" + t.State}
	for _, rp := range t.Replies {
		r.Replies = append(r.Replies, replyRow{UnitName: names.name(rp.Unit), Body: rp.Body, When: formatWhen(lang, rp.At), ISO: rp.At.Format(isoTime)})
	}
	return r
}

func forumPath(service string) string { return "/layanan/" + url.PathEscape(service) + "/forum" }

type forumListView struct {
	Service   content.PublicService
	UnitName  string
	Base      string
	Topics    []topicRow
	Total     int64
	After     string
	Next      string
	Sent      bool
	NoTopics  bool
	FirstPage bool
}

// forumListPage: GET /layanan/{id}/forum, public: approved topics with
// their answers, unanswered first, then newest, 20 a page.
func (a *App) forumListPage(c *fiber.Ctx) error {
	ps, err := a.svc.ForumService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	after := c.Query("after")
	if len(after) > maxCursor {
		return errField(400, "after", content.ErrBadCursor.Message())
	}
	p, err := a.svc.PublicTopics(c.UserContext(), ps.ID, 20, utils.CopyString(after))
	if err != nil {
		return err
	}
	names := a.unitNamer(c)
	v := forumListView{Service: ps, UnitName: names.name(ps.Unit), Base: forumPath(ps.ID), Total: p.Total, After: after, Next: p.Next,
		Sent: c.Query("sent") == "1", NoTopics: p.Total == 0, FirstPage: after == ""}
	for _, t := range p.Items {
		v.Topics = append(v.Topics, a.topicRowOf(c, names, t))
	}
	return a.page(c, "forum_list", v)
}

type forumTopicView struct {
	Service  content.PublicService
	UnitName string
	Base     string
	Topic    topicRow
}

// forumTopicPage: GET /layanan/{id}/forum/{tid}, public, approved only.
func (a *App) forumTopicPage(c *fiber.Ctx) error {
	ps, err := a.svc.ForumService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	t, err := a.svc.PublicTopic(c.UserContext(), ps.ID, param(c, "tid"))
	if err != nil {
		return err
	}
	names := a.unitNamer(c)
	return a.page(c, "forum_topic", forumTopicView{Service: ps, UnitName: names.name(ps.Unit), Base: forumPath(ps.ID),
		Topic: a.topicRowOf(c, names, t)})
}

type forumFormView struct {
	Service  content.PublicService
	UnitName string
	Base     string
	Token    string
	Title    string
	Body     string
	Name     string
	Contact  string
	Errors   map[string]string
	// Problem is a refusal of the whole form: a limit reached, or a form
	// that expired or was sent already.
	Problem  string
	MaxTitle int
	MaxBody  int
	MaxName  int
	MaxCont  int
}

func (a *App) forumForm(c *fiber.Ctx, ps content.PublicService, v forumFormView) error {
	tok, _, err := a.svc.TopicFormToken(c.UserContext(), ps.ID)
	if err != nil {
		return err
	}
	v.Service, v.UnitName, v.Base, v.Token = ps, a.unitNamer(c).name(ps.Unit), forumPath(ps.ID), tok
	v.MaxTitle, v.MaxBody, v.MaxName, v.MaxCont = content.MaxTopicTitle, content.MaxTopicBody, content.MaxTopicName, content.MaxTopicContact
	return a.page(c, "forum_new", v)
}

// forumNewPage: GET /layanan/{id}/forum/new, the form, with a fresh token.
func (a *App) forumNewPage(c *fiber.Ctx) error {
	ps, err := a.svc.ForumService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	return a.forumForm(c, ps, forumFormView{})
}

// forumNewSubmit: POST /layanan/{id}/forum/new. Held for moderation; the
// list then says so. A refused form comes back with what was typed, the
// problems named, and a fresh token.
func (a *App) forumNewSubmit(c *fiber.Ctx) error {
	if err := forumBodyTooLarge(c); err != nil {
		return err
	}
	ps, err := a.svc.ForumService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	in := content.TopicInput{Title: utils.CopyString(c.FormValue("title")), Body: utils.CopyString(c.FormValue("body")),
		Name: utils.CopyString(c.FormValue("name")), Contact: utils.CopyString(c.FormValue("contact")),
		Token: utils.CopyString(c.FormValue("token")), Website: utils.CopyString(c.FormValue("website"))}
	_, err = a.svc.SubmitTopic(c.UserContext(), ps.ID, in, clientIP(c))
	if err == nil {
		return c.Redirect(forumPath(ps.ID)+"?sent=1", fiber.StatusSeeOther)
	}
	v := forumFormView{Title: in.Title, Body: in.Body, Name: in.Name, Contact: in.Contact}
	var rl *content.RateLimitedError
	switch fe, ok := a.fieldErrs(c, err); {
	case errors.As(err, &rl):
		_ = forumErr(c, err) // sets Retry-After
		c.Status(fiber.StatusTooManyRequests)
		v.Problem = a.tr(langOf(c), rl.Message())
	case ok:
		c.Status(fiber.StatusUnprocessableEntity)
		if tokErr, has := fe["token"]; has {
			v.Problem = tokErr
			delete(fe, "token")
		}
		v.Errors = fe
	default:
		return err
	}
	return a.forumForm(c, ps, v)
}

// Moderation.

type queueTab struct {
	State, LabelKey, URL string
	Count                int64
	Current              bool
}

type queueUnitOpt struct {
	Code, Name string
	Waiting    int64
	Selected   bool
}

type moderationView struct {
	Admin  bool
	Unit   string
	State  string
	Units  []queueUnitOpt
	Tabs   []queueTab
	Items  []topicRow
	Total  int64
	After  string
	Next   string
	Flash  string
	Return string
}

// moderationPage: GET /forum/moderation ?unit=&state=&after=, the queue
// with the count of each state.
func (a *App) moderationPage(c *fiber.Ctx) error {
	u := currentUser(c)
	after := c.Query("after")
	if len(after) > maxCursor {
		return errField(400, "after", content.ErrBadCursor.Message())
	}
	q, err := a.svc.TopicQueueFor(c.UserContext(), *u, utils.CopyString(c.Query("unit")), utils.CopyString(c.Query("state")), 20, utils.CopyString(after))
	if err != nil {
		return err
	}
	v := moderationView{Admin: u.Has(content.RoleAdmin), Unit: q.Unit, State: q.State, Total: q.Page.Total, After: after, Next: q.Page.Next,
		Return: safeNext(c.OriginalURL())}
	if ok := c.Query("ok"); ok != "" {
		if m := a.cat.T(langOf(c), "forum.ok_"+ok); m != "forum.ok_"+ok {
			v.Flash = m
		}
	}
	for _, qu := range q.Units {
		v.Units = append(v.Units, queueUnitOpt{Code: qu.Code, Name: qu.Name, Waiting: qu.Waiting, Selected: qu.Code == q.Unit})
	}
	for _, st := range content.TopicStates {
		qs := url.Values{"state": {st}}
		if q.Unit != "" {
			qs.Set("unit", q.Unit)
		}
		v.Tabs = append(v.Tabs, queueTab{State: st, LabelKey: "forum.state_" + st, URL: "/forum/moderation?" + qs.Encode(),
			Count: q.Counts[st], Current: st == q.State})
	}
	names := a.unitNamer(c)
	services := map[string]string{}
	for _, t := range q.Page.Items {
		r := a.topicRowOf(c, names, t)
		r.URL = content.ModerationPath(t.ID)
		if _, ok := services[t.Service]; !ok {
			services[t.Service] = t.Service
			if ps, err := a.svc.ForumService(c.UserContext(), t.Service); err == nil {
				services[t.Service] = ps.Name
			}
		}
		r.ServiceName = services[t.Service]
		v.Items = append(v.Items, r)
	}
	return a.page(c, "forum_moderation", v)
}

type moderationTopicView struct {
	Topic     topicRow
	PublicURL string
	ReplyBody string
	Errors    map[string]string
	Flash     string
	MaxReply  int
	// Staff: the viewer answers for the topic's unit (an admin outside
	// it moderates but does not answer).
	Staff bool
}

func (a *App) moderationTopic(c *fiber.Ctx, v moderationTopicView) error {
	u := currentUser(c)
	t, err := a.svc.TopicFor(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	v.Topic = a.topicRowOf(c, a.unitNamer(c), t)
	v.Topic.URL = content.ModerationPath(t.ID)
	v.Topic.ServiceName = t.Service
	if ps, err := a.svc.ForumService(c.UserContext(), t.Service); err == nil {
		v.Topic.ServiceName = ps.Name
	}
	if v.Staff, err = a.svc.CanAnswerTopic(c.UserContext(), *u, t); err != nil {
		return err
	}
	if t.State == content.TopicApproved {
		v.PublicURL = forumPath(t.Service) + "/" + t.ID
		v.Topic.CanReply = v.Staff && len(t.Replies) < content.MaxTopicReplies
	}
	v.MaxReply = content.MaxReplyBody
	return a.page(c, "forum_moderation_topic", v)
}

// moderationTopicPage: GET /forum/moderation/{id}: the topic with its
// contact, the decision buttons and, for the unit's staff, the answer form.
func (a *App) moderationTopicPage(c *fiber.Ctx) error {
	v := moderationTopicView{}
	if ok := c.Query("ok"); ok != "" {
		if m := a.cat.T(langOf(c), "forum.ok_"+ok); m != "forum.ok_"+ok {
			v.Flash = m
		}
	}
	return a.moderationTopic(c, v)
}

// moderateSubmit: POST /forum/moderation/{id}/moderate action=approve|reject,
// back to the page it came from (next) or the topic's page.
func (a *App) moderateSubmit(c *fiber.Ctx) error {
	action := utils.CopyString(c.FormValue("action"))
	t, err := a.svc.ModerateTopic(c.UserContext(), *currentUser(c), param(c, "id"), action)
	if err != nil {
		return err
	}
	next := content.ModerationPath(t.ID)
	if n := c.FormValue("next"); n != "" {
		next = safeNext(n)
	}
	return c.Redirect(withQuery(next, "ok", t.State), fiber.StatusSeeOther)
}

// withQuery sets one query parameter of a local path.
func withQuery(path, k, v string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	q.Set(k, v)
	q.Del("after")
	u.RawQuery = q.Encode()
	return u.String()
}

// replySubmit: POST /forum/moderation/{id}/replies body=…, as the unit.
func (a *App) replySubmit(c *fiber.Ctx) error {
	body := utils.CopyString(c.FormValue("body"))
	_, err := a.svc.ReplyTopic(c.UserContext(), *currentUser(c), param(c, "id"), body)
	if err == nil {
		return c.Redirect(content.ModerationPath(param(c, "id"))+"?ok=replied", fiber.StatusSeeOther)
	}
	fe, ok := a.fieldErrs(c, err)
	if !ok {
		return err
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return a.moderationTopic(c, moderationTopicView{ReplyBody: body, Errors: fe})
}

// retryAfterSeconds is d in whole seconds, rounded up, for Retry-After.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
