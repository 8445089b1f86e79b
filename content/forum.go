package content

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Forum warga: citizens send an aspiration or a complaint about a public
// service without an account. Nothing they write is public until the
// unit's staff or an admin approves it; the unit then answers as the unit.
//
// The form is public, so it is guarded like the SKM form: a signed,
// expiring, single-use form token, a honeypot field, and limits per client
// address and per service counted in the store (so they hold whichever
// instance takes the request).

// Topic states.
const (
	TopicWaiting  = "waiting"
	TopicApproved = "approved"
	TopicRejected = "rejected"
)

// TopicStates lists the states in the order the moderation queue shows.
var TopicStates = []string{TopicWaiting, TopicApproved, TopicRejected}

// Bounds of what a citizen and a unit may write.
const (
	MaxTopicTitle   = 150
	MaxTopicBody    = 4000
	MaxTopicName    = 100
	MaxTopicContact = 200
	MaxReplyBody    = 4000
	// MaxTopicReplies bounds the answers embedded in one topic document.
	MaxTopicReplies = 20
	// MinTopicBody keeps out empty gestures ("tes").
	MinTopicBody = 10
)

// Limits of the public form, per window of throttleWindow (15 minutes).
// Mobile carriers put many phones behind one address, so the address
// limit allows a queue at a counter; the service limit stops one service
// being flooded from many addresses.
const (
	TopicsPerAddress = 10
	TopicsPerService = 60
	// TopicTokenLife is how long a form stays usable: long enough to type
	// a complaint on a phone.
	TopicTokenLife = 2 * time.Hour
	// maxTopicToken bounds a token before it is decoded.
	maxTopicToken = 512
	// TopicNotifyMax bounds who hears that a topic waits (see
	// forumRecipients).
	TopicNotifyMax = 5
	// forumStaffScan bounds the unit members read to choose them.
	forumStaffScan = 200
	// KindForumWaiting is the notification kind of a topic to moderate.
	KindForumWaiting = "forum.waiting"
)

// Topic is one citizen's post to a service, with the unit's answers.
type Topic struct {
	ID      string `bson:"id" json:"id"`
	Service string `bson:"service" json:"service"`
	// Unit is the service's unit when the topic arrived: whose staff
	// moderate and answer it.
	Unit    string `bson:"unit" json:"unit"`
	Title   string `bson:"title" json:"title"`
	Body    string `bson:"body" json:"body"`
	Name    string `bson:"name,omitempty" json:"name,omitempty"`
	Contact string `bson:"contact,omitempty" json:"contact,omitempty"`
	State   string `bson:"state" json:"state"`
	// Rank orders a service's list: "1" while unanswered, "0" after,
	// then the arrival time, so a descending walk of the index gives
	// unanswered first, then newest.
	Rank      string       `bson:"rank" json:"-"`
	Created   time.Time    `bson:"created" json:"created_at"`
	Moderated time.Time    `bson:"moderated,omitempty" json:"moderated_at,omitzero"`
	Replies   []TopicReply `bson:"replies" json:"replies"`
}

// TopicReply is an answer, given as the unit. Who wrote it is in the
// audit log, not here: the public sees the unit.
type TopicReply struct {
	ID   string    `bson:"id" json:"id"`
	Body string    `bson:"body" json:"body"`
	Unit string    `bson:"unit" json:"unit"`
	At   time.Time `bson:"at" json:"created_at"`
}

// Answered reports whether the unit has answered.
func (t Topic) Answered() bool { return len(t.Replies) > 0 }

// Public is the topic as anyone may see it: no contact, no moderation.
func (t Topic) Public() PublicTopic {
	p := PublicTopic{ID: t.ID, Service: t.Service, Title: t.Title, Body: t.Body, Name: t.Name, Created: t.Created,
		Answered: t.Answered(), Replies: t.Replies}
	if p.Replies == nil {
		p.Replies = []TopicReply{}
	}
	return p
}

// PublicTopic is the public shape of an approved topic.
type PublicTopic struct {
	ID       string       `json:"id"`
	Service  string       `json:"service"`
	Title    string       `json:"title"`
	Body     string       `json:"body"`
	Name     string       `json:"name,omitempty"`
	Created  time.Time    `json:"created_at"`
	Answered bool         `json:"answered"`
	Replies  []TopicReply `json:"replies"`
}

func topicRank(t Topic) string {
	flag := "1"
	if t.Answered() {
		flag = "0"
	}
	return flag + t.Created.UTC().Format("20060102T150405.000")
}

// TopicInput is what the public form sends. Website is the honeypot: a
// field people never see, which only a form-filling robot fills.
type TopicInput struct {
	Title   string `json:"title"`
	Body    string `json:"body"`
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Token   string `json:"token"`
	Website string `json:"website"`
}

// RateLimitedError refuses a submission over a limit; RetryAfter says
// when the window has room again.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many submissions; retry after %s", e.RetryAfter)
}

// Message says when to try again, in whole minutes.
func (e *RateLimitedError) Message() Msg {
	return msg("forum.too_many", int((e.RetryAfter+time.Minute-1)/time.Minute))
}

// Is makes a RateLimitedError an ErrThrottled for errors.Is.
func (e *RateLimitedError) Is(target error) bool { return target == ErrThrottled }

// ForumService returns an active public service, for the forum pages.
func (s *Service) ForumService(ctx context.Context, id string) (PublicService, error) {
	if id == "" || len(id) > 100 {
		return PublicService{}, ErrNotFound
	}
	var ps PublicService
	if _, err := s.docs.C(collServices).Get(ctx, id, &ps); err != nil {
		return PublicService{}, mapErr(err, "service "+id)
	}
	if !ps.Active {
		return PublicService{}, fmt.Errorf("service %s inactive: %w", id, ErrNotFound)
	}
	if ps.ID == "" {
		ps.ID = id
	}
	return ps, nil
}

// cleanText trims a citizen's or a unit's text and checks its length;
// line breaks are kept only where multiline. Control characters go: they
// have no place in a message and some break a terminal reading the log.
func cleanText(s string, max int, multiline bool) (string, *Msg) {
	// Bytes first, so a megabyte is refused before it is walked.
	if len(s) > 4*max+64 {
		m := msg("too_long", max)
		return "", &m
	}
	if !utf8.ValidString(s) {
		m := msg("forum.bad_text")
		return "", &m
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && multiline:
			return r
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		m := msg("too_long", max)
		return "", &m
	}
	return s, nil
}

// validate checks and cleans the citizen's fields (not the token).
func (in *TopicInput) validate() error {
	f := fieldErrors{}
	var m *Msg
	if in.Title, m = cleanText(in.Title, MaxTopicTitle, false); m != nil {
		f["title"] = *m
	} else if in.Title == "" {
		f["title"] = msg("required")
	}
	if in.Body, m = cleanText(in.Body, MaxTopicBody, true); m != nil {
		f["body"] = *m
	} else if in.Body == "" {
		f["body"] = msg("required")
	} else if utf8.RuneCountInString(in.Body) < MinTopicBody {
		f["body"] = msg("forum.too_short", MinTopicBody)
	}
	if in.Name, m = cleanText(in.Name, MaxTopicName, false); m != nil {
		f["name"] = *m
	}
	if in.Contact, m = cleanText(in.Contact, MaxTopicContact, false); m != nil {
		f["contact"] = *m
	}
	if in.Website != "" {
		f["website"] = msg("forum.honeypot")
	}
	return f.err()
}

// Form tokens. A token is the service, its issue time and a nonce, signed
// with a server secret kept in the store (every instance verifies it); its
// single use is recorded under the nonce when a topic is accepted.

func (s *Service) forumKey(ctx context.Context) ([]byte, error) { return s.Secret(ctx, "forum-form") }

func signToken(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:20])
}

// TopicFormToken issues a form token for a service's topic form.
func (s *Service) TopicFormToken(ctx context.Context, service string) (string, time.Time, error) {
	if _, err := s.ForumService(ctx, service); err != nil {
		return "", time.Time{}, err
	}
	key, err := s.forumKey(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	payload := "f1|" + strconv.FormatInt(now.UnixMilli(), 36) + "|" + newID(20) + "|" + service
	return signToken(key, payload), now.Add(TopicTokenLife), nil
}

// checkForumToken verifies a token for service and returns its nonce and
// expiry. It does not use it up: that happens with the topic's write.
func (s *Service) checkForumToken(ctx context.Context, service, token string) (nonce string, expires time.Time, err error) {
	bad := func(code string) (string, time.Time, error) { return "", time.Time{}, invalid("token", msg(code)) }
	if token == "" {
		return bad("forum.token_missing")
	}
	if len(token) > maxTopicToken {
		return bad("forum.token_invalid")
	}
	enc, sig, ok := strings.Cut(token, ".")
	if !ok {
		return bad("forum.token_invalid")
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(enc)
	if err1 != nil {
		return bad("forum.token_invalid")
	}
	key, err := s.forumKey(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	if want := signToken(key, string(raw)); !hmac.Equal([]byte(want), []byte(enc+"."+sig)) {
		return bad("forum.token_invalid")
	}
	parts := strings.SplitN(string(raw), "|", 4)
	if len(parts) != 4 || parts[0] != "f1" || parts[3] != service {
		return bad("forum.token_invalid")
	}
	ms, perr := strconv.ParseInt(parts[1], 36, 64)
	if perr != nil {
		return bad("forum.token_invalid")
	}
	expires = time.UnixMilli(ms).UTC().Add(TopicTokenLife)
	if !s.now().Before(expires) {
		return bad("forum.token_expired")
	}
	return parts[2], expires, nil
}

// useToken records a token's nonce as used, or refuses a replay. The
// record lives in the throttle collection, whose sweep removes records a
// window after their "updated" time: dated at the token's expiry, it
// stays as long as the token could be replayed.
func (s *Service) useToken(ctx context.Context, nonce string, expires time.Time) error {
	d := throttleDoc{Updated: expires.Truncate(time.Millisecond)}
	err := s.docs.C(collThrottle).Insert(ctx, "forumtok:"+nonce, &d)
	if errors.Is(err, docs.ErrDuplicate) {
		return invalid("token", msg("forum.token_used"))
	}
	return mapErr(err, "form token")
}

// reserveSlot counts a submission against key, or refuses it with the
// time until the oldest counted one leaves the window. Check and count
// are one versioned write, as for the login throttle.
func (s *Service) reserveSlot(ctx context.Context, key string, limit int, at time.Time) error {
	var wait time.Duration
	_, err := upsert(ctx, s.docs.C(collThrottle), key, func(t *throttleDoc) error {
		t.Failures = t.recent(at)
		if len(t.Failures) >= limit {
			wait = t.Failures[0].Add(throttleWindow).Sub(at)
			return ErrThrottled
		}
		t.Failures = append(t.Failures, at)
		t.Updated = at
		return nil
	})
	if errors.Is(err, ErrThrottled) {
		return &RateLimitedError{RetryAfter: max(wait, time.Second)}
	}
	return mapErr(err, "throttle")
}

// SubmitTopic takes a citizen's post to a service, held for moderation.
// client is the sender's address, for the limit per address. Checks that
// cost nothing come first; a refused post writes nothing but its count
// against the limits.
func (s *Service) SubmitTopic(ctx context.Context, service string, in TopicInput, client string) (Topic, error) {
	ps, err := s.ForumService(ctx, service)
	if err != nil {
		return Topic{}, err
	}
	if err := in.validate(); err != nil {
		return Topic{}, err
	}
	nonce, expires, err := s.checkForumToken(ctx, service, in.Token)
	if err != nil {
		return Topic{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.reserveSlot(ctx, "forum:addr:"+client, TopicsPerAddress, now); err != nil {
		return Topic{}, err
	}
	if err := s.reserveSlot(ctx, "forum:svc:"+service, TopicsPerService, now); err != nil {
		return Topic{}, err
	}
	if err := s.useToken(ctx, nonce, expires); err != nil {
		return Topic{}, err
	}
	t := Topic{ID: newID(16), Service: ps.ID, Unit: ps.Unit, Title: in.Title, Body: in.Body, Name: in.Name,
		Contact: in.Contact, State: TopicWaiting, Created: now, Replies: []TopicReply{}}
	t.Rank = topicRank(t)
	if err := s.docs.C(collTopics).Insert(ctx, t.ID, &t); err != nil {
		return Topic{}, mapErr(err, "topic")
	}
	// The post is accepted; a notification that fails is logged, and the
	// queue shows the topic all the same.
	if err := s.notifyTopicWaiting(ctx, t, ps); err != nil {
		slog.Error("forum: notify", "topic", t.ID, "err", err)
	}
	return t, nil
}

// forumRecipients chooses who hears that a topic waits: the unit's atasan
// (members of the unit whom another member names as supervisor), else
// its first members by name, at most TopicNotifyMax, active accounts
// only. A unit of hundreds is not paged for every citizen's post; admins
// see every unit's queue on their hub instead.
func (s *Service) forumRecipients(ctx context.Context, unit string) ([]string, error) {
	if unit == "" {
		return nil, nil
	}
	us, _, err := docs.FindAll[User](ctx, s.docs.C(collUsers), docs.Query{
		Where: []docs.Eq{{Field: "unit", Value: unit}}, Sort: "name", Limit: forumStaffScan})
	if err != nil {
		return nil, mapErr(err, "unit staff")
	}
	bosses := map[string]bool{}
	for _, u := range us {
		if u.SupervisorNIP != "" {
			bosses[u.SupervisorNIP] = true
		}
	}
	var heads, others []string
	for _, u := range us {
		if !u.Active() {
			continue
		}
		if bosses[u.NIP] {
			heads = append(heads, u.NIP)
		} else {
			others = append(others, u.NIP)
		}
	}
	out := heads
	if len(out) == 0 {
		out = others
	}
	return out[:min(len(out), TopicNotifyMax)], nil
}

// notifyTopicWaiting tells the unit's chosen staff that a topic waits,
// once per topic and person whoever calls it and however often.
func (s *Service) notifyTopicWaiting(ctx context.Context, t Topic, ps PublicService) error {
	to, err := s.forumRecipients(ctx, t.Unit)
	if err != nil {
		return err
	}
	var errs []error
	for _, nip := range to {
		_, err := s.Notify(ctx, NewNotification{Key: "forum/" + t.ID + "/" + nip, User: nip, Kind: KindForumWaiting,
			Text: msg("notify.forum_waiting", ps.Name, clip(t.Title, 80)), URL: ModerationPath(t.ID)})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ModerationPath is the staff page of a topic.
func ModerationPath(id string) string { return "/forum/moderation/" + id }

// moderatedUnits is the units whose topics actor handles: their own unit
// and every unit above it (staff of a bidang are staff of its dinas).
func (s *Service) moderatedUnits(ctx context.Context, actor User) ([]string, error) {
	var out []string
	at := actor.Unit
	for depth := 0; at != "" && depth <= maxUnitDepth && !slices.Contains(out, at); depth++ {
		out = append(out, at)
		u, err := s.Unit(ctx, at)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		at = u.Parent
	}
	return out, nil
}

// isUnitStaff reports whether actor belongs to unit or a unit below it.
func (s *Service) isUnitStaff(ctx context.Context, actor User, unit string) (bool, error) {
	units, err := s.moderatedUnits(ctx, actor)
	return slices.Contains(units, unit), err
}

func (s *Service) topic(ctx context.Context, id string) (Topic, error) {
	var t Topic
	if id == "" || len(id) > 64 {
		return t, ErrNotFound
	}
	_, err := s.docs.C(collTopics).Get(ctx, id, &t)
	return t, mapErr(err, "topic "+id)
}

// TopicFor returns a topic with its contact for its unit's staff and
// admins.
func (s *Service) TopicFor(ctx context.Context, actor User, id string) (Topic, error) {
	t, err := s.topic(ctx, id)
	if err != nil {
		return Topic{}, err
	}
	if !actor.Has(RoleAdmin) {
		ok, err := s.isUnitStaff(ctx, actor, t.Unit)
		if err != nil {
			return Topic{}, err
		}
		if !ok {
			return Topic{}, ErrForbidden
		}
	}
	return t, nil
}

// ModerateTopic approves or rejects a topic (action "approve" or
// "reject"); a decision may be changed later, e.g. to take a topic down.
// The unit's staff and admins may.
func (s *Service) ModerateTopic(ctx context.Context, actor User, id, action string) (Topic, error) {
	var state string
	switch action {
	case "approve":
		state = TopicApproved
	case "reject":
		state = TopicRejected
	default:
		return Topic{}, invalid("action", msg("forum.action"))
	}
	t, err := s.TopicFor(ctx, actor, id)
	if err != nil {
		return Topic{}, err
	}
	if t.State == state {
		return t, nil
	}
	before := t.State
	t, err = docs.Update(ctx, s.docs.C(collTopics), id, func(t *Topic) error {
		t.State, t.Moderated = state, s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	if err != nil {
		return Topic{}, mapErr(err, "topic "+id)
	}
	s.Audit(ctx, actor, "forum.moderate", id, map[string]string{"state": before}, map[string]string{"state": state})
	return t, nil
}

// ReplyTopic answers an approved topic as its unit. Only the unit's staff
// may: an answer speaks for the unit. Who wrote it goes to the audit log.
func (s *Service) ReplyTopic(ctx context.Context, actor User, id, body string) (TopicReply, error) {
	t, err := s.topic(ctx, id)
	if err != nil {
		return TopicReply{}, err
	}
	ok, err := s.isUnitStaff(ctx, actor, t.Unit)
	if err != nil {
		return TopicReply{}, err
	}
	if !ok {
		return TopicReply{}, ErrForbidden
	}
	body, m := cleanText(body, MaxReplyBody, true)
	if m != nil {
		return TopicReply{}, invalid("body", *m)
	}
	if body == "" {
		return TopicReply{}, invalid("body", msg("required"))
	}
	r := TopicReply{ID: newID(12), Body: body, Unit: t.Unit, At: s.now().UTC().Truncate(time.Millisecond)}
	_, err = docs.Update(ctx, s.docs.C(collTopics), id, func(t *Topic) error {
		switch {
		case t.State != TopicApproved:
			return invalid("topic", msg("forum.not_approved"))
		case len(t.Replies) >= MaxTopicReplies:
			return invalid("body", msg("forum.too_many_replies", MaxTopicReplies))
		}
		t.Replies = append(t.Replies, r)
		t.Rank = topicRank(*t)
		return nil
	})
	var ve *ValidationError
	if errors.As(err, &ve) {
		return TopicReply{}, err
	}
	if err != nil {
		return TopicReply{}, mapErr(err, "topic "+id)
	}
	s.Audit(ctx, actor, "forum.reply", id, nil, map[string]string{"reply": r.ID, "unit": r.Unit})
	return r, nil
}

// MaxTopicPage bounds a page of topics.
const MaxTopicPage = 50

// TopicPage is one page of topics and how many there are in all.
type TopicPage struct {
	Items []Topic
	Total int64
	Next  string
}

func (s *Service) topicPage(ctx context.Context, where []docs.Eq, desc bool, limit int, after string) (TopicPage, error) {
	if limit <= 0 || limit > MaxTopicPage {
		limit = 20
	}
	c := s.docs.C(collTopics)
	items, next, err := docs.FindAll[Topic](ctx, c, docs.Query{Where: where, Sort: "rank", Desc: desc, Limit: limit, After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return TopicPage{}, ErrBadCursor
	}
	if err != nil {
		return TopicPage{}, mapErr(err, "topics")
	}
	n, err := c.Count(ctx, docs.Query{Where: where})
	if err != nil {
		return TopicPage{}, mapErr(err, "topics")
	}
	return TopicPage{Items: items, Total: n, Next: next}, nil
}

// PublicTopics lists a service's approved topics, unanswered first, then
// newest: one walk of the service_state_rank index.
func (s *Service) PublicTopics(ctx context.Context, service string, limit int, after string) (TopicPage, error) {
	if _, err := s.ForumService(ctx, service); err != nil {
		return TopicPage{}, err
	}
	return s.topicPage(ctx, []docs.Eq{{Field: "service", Value: service}, {Field: "state", Value: TopicApproved}}, true, limit, after)
}

// PublicTopic returns an approved topic of a service; anything else is
// not found, so a waiting or rejected topic's existence does not show.
func (s *Service) PublicTopic(ctx context.Context, service, id string) (Topic, error) {
	t, err := s.topic(ctx, id)
	if err != nil {
		return Topic{}, err
	}
	if t.Service != service || t.State != TopicApproved {
		return Topic{}, fmt.Errorf("topic %s: %w", id, ErrNotFound)
	}
	return t, nil
}

// TopicQueue is the moderation queue of one unit (or, for an admin, of
// every unit): a page of topics in one state and the count of each state.
type TopicQueue struct {
	// Unit is the unit shown; "" is every unit (admins only).
	Unit   string
	State  string
	Counts map[string]int64
	Page   TopicPage
	// Units are the units the viewer may choose, with waiting counts.
	Units []QueueUnit
}

// QueueUnit is a unit the viewer moderates, with its waiting count (-1
// when not counted: an admin's list of every unit).
type QueueUnit struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Waiting int64  `json:"waiting"`
}

// TopicQueueFor returns the queue the actor may see: a unit's staff see
// their unit and the units above it, one at a time (the first with
// something waiting unless unit says which); an admin sees every unit
// unless unit narrows it. Waiting topics come oldest first, the others
// unanswered first, then newest.
func (s *Service) TopicQueueFor(ctx context.Context, actor User, unit, state string, limit int, after string) (TopicQueue, error) {
	if state == "" {
		state = TopicWaiting
	}
	if !slices.Contains(TopicStates, state) {
		return TopicQueue{}, invalid("state", msg("forum.state"))
	}
	admin := actor.Has(RoleAdmin)
	mine, err := s.moderatedUnits(ctx, actor)
	if err != nil {
		return TopicQueue{}, err
	}
	if !admin && len(mine) == 0 {
		return TopicQueue{}, ErrForbidden
	}
	c := s.docs.C(collTopics)
	q := TopicQueue{State: state, Counts: map[string]int64{}}
	if admin {
		// Every unit to choose from, named but not counted: a city has
		// hundreds, and one count each would make the page a scan.
		all, err := s.AllUnits(ctx)
		if err != nil {
			return TopicQueue{}, err
		}
		for _, u := range all {
			q.Units = append(q.Units, QueueUnit{Code: u.Code, Name: u.Name, Waiting: -1})
		}
		mine = nil
	}
	for _, code := range mine {
		n, err := c.Count(ctx, docs.Query{Where: []docs.Eq{{Field: "unit", Value: code}, {Field: "state", Value: TopicWaiting}}})
		if err != nil {
			return TopicQueue{}, mapErr(err, "topics")
		}
		name := code
		if u, err := s.Unit(ctx, code); err == nil {
			name = u.Name
		}
		q.Units = append(q.Units, QueueUnit{Code: code, Name: name, Waiting: n})
	}
	switch {
	case unit != "":
		if !admin && !slices.Contains(mine, unit) {
			return TopicQueue{}, ErrForbidden
		}
	case !admin:
		unit = mine[0]
		for _, u := range q.Units {
			if u.Waiting > 0 {
				unit = u.Code
				break
			}
		}
	}
	q.Unit = unit
	where := func(st string) []docs.Eq {
		if unit == "" {
			return []docs.Eq{{Field: "state", Value: st}}
		}
		return []docs.Eq{{Field: "unit", Value: unit}, {Field: "state", Value: st}}
	}
	for _, st := range TopicStates {
		if st == state {
			continue
		}
		n, err := c.Count(ctx, docs.Query{Where: where(st)})
		if err != nil {
			return TopicQueue{}, mapErr(err, "topics")
		}
		q.Counts[st] = n
	}
	q.Page, err = s.topicPage(ctx, where(state), state != TopicWaiting, limit, after)
	if err != nil {
		return TopicQueue{}, err
	}
	q.Counts[state] = q.Page.Total
	return q, nil
}

// CanAnswerTopic reports whether actor may answer t as its unit.
func (s *Service) CanAnswerTopic(ctx context.Context, actor User, t Topic) (bool, error) {
	return s.isUnitStaff(ctx, actor, t.Unit)
}
