package content

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/storage/docs"
)

// Discussion in a course: threads (a question or a topic, for the whole
// course or one lesson) and their replies (posts). The course's learners,
// its trainers (the course's owners) and admins read and write; the
// trainers and admins moderate: they accept an answer, hide a post or a
// thread, and lock a thread.
//
// A thread is "unanswered" until someone other than its author replies or
// an answer is accepted; a locked or hidden thread is not waiting for
// anyone, so it leaves the trainer's list too. The flag is kept in the
// thread document with every change, so the list is one index walk per
// course.
//
// Followers live in the thread document: following is one versioned write,
// and a reply reads who to tell with the thread it already reads.

// Bounds of what a person may write and read at once.
const (
	MaxThreadTitle = 200
	MaxThreadBody  = 10000
	MaxPostBody    = 10000
	// MaxThreadPage bounds a page of threads or posts.
	MaxThreadPage = 50
	// MaxThreadFollowers bounds a thread's followers (its document stays
	// small); the author always fits, being first.
	MaxThreadFollowers = 1000
	// PostsPerWindow bounds one person's threads and replies per
	// throttleWindow (15 minutes), counted in the store so it holds
	// whichever instance takes the request.
	PostsPerWindow = 30
	// searchThreadsMax bounds the threads of one course in the search
	// index: the most recently active ones.
	searchThreadsMax = 500
	// maxInboxCourses bounds the courses a trainer's lists walk.
	maxInboxCourses = 200
	// MaxInbox bounds each of the trainer's lists.
	MaxInbox = 100
	// acceptedExcerpt is how much of an accepted answer search indexes.
	acceptedExcerpt = 600
)

// Notification kinds of the discussion.
const (
	KindThreadReply = "discussion.reply"
	KindPostReport  = "discussion.report"
)

// Thread is a discussion thread of a course, optionally of one lesson.
type Thread struct {
	ID     string `bson:"id" json:"id"`
	Course string `bson:"course" json:"course_id"`
	// Lesson is "" for a thread about the whole course.
	Lesson     string    `bson:"lesson" json:"lesson_id"`
	Author     string    `bson:"author" json:"-"`
	AuthorName string    `bson:"author_name" json:"author_name"`
	Title      string    `bson:"title" json:"title"`
	Body       string    `bson:"body" json:"body"`
	Created    time.Time `bson:"created" json:"created_at"`
	LastAt     time.Time `bson:"last_at" json:"last_at"`
	Replies    int       `bson:"replies" json:"replies"`
	// Accepted is the accepted answer's post id; AcceptedText its plain
	// text, clipped, for search.
	Accepted     string `bson:"accepted,omitempty" json:"accepted_post_id,omitempty"`
	AcceptedText string `bson:"accepted_text,omitempty" json:"-"`
	Locked       bool   `bson:"locked" json:"locked"`
	Hidden       bool   `bson:"hidden" json:"hidden"`
	// Answered: someone other than the author replied.
	Answered bool `bson:"answered" json:"-"`
	// Unanswered is derived (settle) and indexed: the trainer's list.
	Unanswered bool     `bson:"unanswered" json:"unanswered"`
	Followers  []string `bson:"followers" json:"-"`
}

// settle derives the indexed flag from the others.
func (t *Thread) settle() {
	t.Unanswered = !t.Answered && t.Accepted == "" && !t.Locked && !t.Hidden
}

// Post is a reply in a thread.
type Post struct {
	ID         string    `bson:"id" json:"id"`
	Thread     string    `bson:"thread" json:"thread_id"`
	Course     string    `bson:"course" json:"course_id"`
	Author     string    `bson:"author" json:"-"`
	AuthorName string    `bson:"author_name" json:"author_name"`
	Body       string    `bson:"body" json:"body"`
	Created    time.Time `bson:"created" json:"created_at"`
	Hidden     bool      `bson:"hidden" json:"hidden"`
	// Reporters are who reported the post, once each.
	Reporters []string `bson:"reporters,omitempty" json:"-"`
	// Review: reported and not yet handled (hidden or dismissed); the
	// trainer's list of reported posts.
	Review bool `bson:"review" json:"-"`
}

// DiscussionAccess is what a person may do in a course's discussion.
type DiscussionAccess struct {
	Course Course
	// Moderate: the course's trainer (owner) or an admin.
	Moderate bool
}

// DiscussionAccessFor returns u's access to a course's discussion: its
// owners and admins moderate, its enrolled learners read and write;
// anyone else is refused (a draft's existence does not show).
func (s *Service) DiscussionAccessFor(ctx context.Context, u User, courseID string) (DiscussionAccess, error) {
	if courseID == "" || len(courseID) > 100 {
		return DiscussionAccess{}, ErrNotFound
	}
	c, err := s.Course(ctx, courseID)
	if err != nil {
		return DiscussionAccess{}, err
	}
	if c.OwnedBy(u) {
		return DiscussionAccess{Course: c, Moderate: true}, nil
	}
	if !c.CanView(u) {
		return DiscussionAccess{}, fmt.Errorf("course %s: %w", courseID, ErrNotFound)
	}
	if _, err := s.Enrollment(ctx, u.NIP, c.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return DiscussionAccess{}, ErrForbidden
		}
		return DiscussionAccess{}, err
	}
	return DiscussionAccess{Course: c}, nil
}

// ThreadInput is a new thread.
type ThreadInput struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	LessonID string `json:"lesson_id"`
}

func cleanPostBody(body string) (string, error) {
	body, m := cleanText(body, MaxPostBody, true)
	if m != nil {
		return "", invalid("body", *m)
	}
	if body == "" {
		return "", invalid("body", msg("required"))
	}
	return body, nil
}

// reservePost counts a thread or reply against the person's limit.
func (s *Service) reservePost(ctx context.Context, u User) error {
	return s.reserveSlot(ctx, "discuss:"+u.NIP, PostsPerWindow, s.now().UTC().Truncate(time.Millisecond))
}

// CreateThread starts a thread; its author follows it.
func (s *Service) CreateThread(ctx context.Context, u User, courseID string, in ThreadInput) (Thread, error) {
	acc, err := s.DiscussionAccessFor(ctx, u, courseID)
	if err != nil {
		return Thread{}, err
	}
	f := fieldErrors{}
	var m *Msg
	if in.Title, m = cleanText(in.Title, MaxThreadTitle, false); m != nil {
		f["title"] = *m
	} else if in.Title == "" {
		f["title"] = msg("required")
	}
	if in.Body, m = cleanText(in.Body, MaxThreadBody, true); m != nil {
		f["body"] = *m
	} else if in.Body == "" {
		f["body"] = msg("required")
	}
	if in.LessonID != "" {
		if _, _, ok := acc.Course.Lesson(in.LessonID); !ok {
			f["lesson_id"] = msg("discussion.no_lesson")
		}
	}
	if err := f.err(); err != nil {
		return Thread{}, err
	}
	if err := s.reservePost(ctx, u); err != nil {
		return Thread{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	t := Thread{ID: "t" + newID(13), Course: acc.Course.ID, Lesson: in.LessonID, Author: u.NIP, AuthorName: u.Name,
		Title: in.Title, Body: in.Body, Created: now, LastAt: now, Followers: []string{u.NIP}}
	t.settle()
	if err := s.docs.C(collThreads).Insert(ctx, t.ID, &t); err != nil {
		return Thread{}, mapErr(err, "thread")
	}
	s.threadIndexDue(ctx, t.Course)
	return t, nil
}

// threadIndexDue queues the course's search entries, which carry its
// threads. The thread is written either way; a failure here is logged and
// the next change or a reindex brings the entry.
func (s *Service) threadIndexDue(ctx context.Context, courseID string) {
	if err := s.ensureDue(ctx, courseID); err != nil {
		slog.Error("discussion: queue for search", "course", courseID, "err", err)
	}
}

func (s *Service) thread(ctx context.Context, id string) (Thread, error) {
	var t Thread
	if id == "" || len(id) > 64 {
		return t, ErrNotFound
	}
	_, err := s.docs.C(collThreads).Get(ctx, id, &t)
	return t, mapErr(err, "thread "+id)
}

func (s *Service) post(ctx context.Context, id string) (Post, error) {
	var p Post
	if id == "" || len(id) > 64 {
		return p, ErrNotFound
	}
	_, err := s.docs.C(collPosts).Get(ctx, id, &p)
	return p, mapErr(err, "post "+id)
}

// ThreadPage is a page of threads.
type ThreadPage struct {
	Items []Thread
	Total int64
	Next  string
}

func pageLimit(limit int) int {
	if limit <= 0 || limit > MaxThreadPage {
		return 20
	}
	return limit
}

// Threads lists a course's threads, most recently active first; lesson
// narrows to one lesson's. Hidden threads are listed (moderators see
// them; others see that something was hidden).
func (s *Service) Threads(ctx context.Context, u User, courseID, lesson string, limit int, after string) (ThreadPage, DiscussionAccess, error) {
	acc, err := s.DiscussionAccessFor(ctx, u, courseID)
	if err != nil {
		return ThreadPage{}, acc, err
	}
	where := []docs.Eq{{Field: "course", Value: acc.Course.ID}}
	if lesson != "" {
		if _, _, ok := acc.Course.Lesson(lesson); !ok {
			return ThreadPage{}, acc, invalid("lesson", msg("discussion.no_lesson"))
		}
		where = append(where, docs.Eq{Field: "lesson", Value: lesson})
	}
	c := s.docs.C(collThreads)
	items, next, err := docs.FindAll[Thread](ctx, c, docs.Query{Where: where, Sort: "last_at", Desc: true, Limit: pageLimit(limit), After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return ThreadPage{}, acc, ErrBadCursor
	}
	if err != nil {
		return ThreadPage{}, acc, mapErr(err, "threads")
	}
	n, err := c.Count(ctx, docs.Query{Where: where})
	if err != nil {
		return ThreadPage{}, acc, mapErr(err, "threads")
	}
	return ThreadPage{Items: items, Total: n, Next: next}, acc, nil
}

// ThreadView is a thread with a page of its posts, as one person may see
// it.
type ThreadView struct {
	Thread    Thread
	Posts     []Post
	Next      string
	Access    DiscussionAccess
	Following bool
	// Reported are the posts this person reported.
	Reported map[string]bool
}

// ThreadFor returns a thread and a page of its posts, oldest first.
func (s *Service) ThreadFor(ctx context.Context, u User, id string, limit int, after string) (ThreadView, error) {
	t, err := s.thread(ctx, id)
	if err != nil {
		return ThreadView{}, err
	}
	acc, err := s.DiscussionAccessFor(ctx, u, t.Course)
	if err != nil {
		return ThreadView{}, err
	}
	posts, next, err := docs.FindAll[Post](ctx, s.docs.C(collPosts), docs.Query{Where: []docs.Eq{{Field: "thread", Value: t.ID}},
		Sort: "created", Limit: pageLimit(limit), After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return ThreadView{}, ErrBadCursor
	}
	if err != nil {
		return ThreadView{}, mapErr(err, "posts")
	}
	v := ThreadView{Thread: t, Posts: posts, Next: next, Access: acc, Following: slices.Contains(t.Followers, u.NIP),
		Reported: map[string]bool{}}
	for _, p := range posts {
		if slices.Contains(p.Reporters, u.NIP) {
			v.Reported[p.ID] = true
		}
	}
	return v, nil
}

// Reply adds a post to a thread that is not locked, and tells the
// thread's followers (but not the replier), once per post and follower.
func (s *Service) Reply(ctx context.Context, u User, threadID, body string) (Post, error) {
	t, err := s.thread(ctx, threadID)
	if err != nil {
		return Post{}, err
	}
	if _, err := s.DiscussionAccessFor(ctx, u, t.Course); err != nil {
		return Post{}, err
	}
	if body, err = cleanPostBody(body); err != nil {
		return Post{}, err
	}
	if t.Locked {
		return Post{}, invalid("thread", msg("discussion.locked"))
	}
	if err := s.reservePost(ctx, u); err != nil {
		return Post{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p := Post{ID: "p" + newID(13), Thread: t.ID, Course: t.Course, Author: u.NIP, AuthorName: u.Name, Body: body, Created: now}
	// The thread first: a lock that landed since the read refuses the
	// reply before the post exists. A post whose insert then fails leaves
	// the count one high, which nothing depends on.
	t, err = docs.Update(ctx, s.docs.C(collThreads), t.ID, func(t *Thread) error {
		if t.Locked {
			return invalid("thread", msg("discussion.locked"))
		}
		t.Replies++
		t.LastAt = now
		if u.NIP != t.Author {
			t.Answered = true
		}
		t.settle()
		return nil
	})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return Post{}, err
		}
		return Post{}, mapErr(err, "thread "+threadID)
	}
	if err := s.docs.C(collPosts).Insert(ctx, p.ID, &p); err != nil {
		return Post{}, mapErr(err, "post")
	}
	var errs []error
	for _, nip := range t.Followers {
		if nip == u.NIP {
			continue
		}
		_, err := s.Notify(ctx, NewNotification{Key: "thread/" + p.ID + "/" + nip, User: nip, Kind: KindThreadReply,
			Text: msg("notify.thread_reply", clip(u.Name, 60), clip(t.Title, 80)), URL: ThreadPath(t.ID) + "#" + p.ID})
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		slog.Error("discussion: notify followers", "post", p.ID, "err", err)
	}
	return p, nil
}

// ThreadPath is a thread's page.
func ThreadPath(id string) string { return "/threads/" + id }

// moderatedPost loads a post and checks that u moderates its course.
func (s *Service) moderatedPost(ctx context.Context, u User, postID string) (Post, error) {
	p, err := s.post(ctx, postID)
	if err != nil {
		return Post{}, err
	}
	acc, err := s.DiscussionAccessFor(ctx, u, p.Course)
	if err != nil {
		return Post{}, err
	}
	if !acc.Moderate {
		return Post{}, ErrForbidden
	}
	return p, nil
}

// moderatedThread loads a thread and checks that u moderates its course.
func (s *Service) moderatedThread(ctx context.Context, u User, id string) (Thread, error) {
	t, err := s.thread(ctx, id)
	if err != nil {
		return Thread{}, err
	}
	acc, err := s.DiscussionAccessFor(ctx, u, t.Course)
	if err != nil {
		return Thread{}, err
	}
	if !acc.Moderate {
		return Thread{}, ErrForbidden
	}
	return t, nil
}

// AcceptPost marks a post as its thread's accepted answer (replacing any
// other); the course's trainers and admins may. A hidden post cannot be.
func (s *Service) AcceptPost(ctx context.Context, u User, postID string) (Thread, error) {
	p, err := s.moderatedPost(ctx, u, postID)
	if err != nil {
		return Thread{}, err
	}
	if p.Hidden {
		return Thread{}, invalid("post", msg("discussion.hidden_post"))
	}
	text := clip(s.md.Text(p.Body), acceptedExcerpt)
	t, err := docs.Update(ctx, s.docs.C(collThreads), p.Thread, func(t *Thread) error {
		if t.Accepted == p.ID {
			return errNoChange
		}
		t.Accepted, t.AcceptedText = p.ID, text
		t.settle()
		return nil
	})
	if errors.Is(err, errNoChange) {
		return s.thread(ctx, p.Thread)
	}
	if err != nil {
		return Thread{}, mapErr(err, "thread "+p.Thread)
	}
	s.Audit(ctx, u, "discussion.accept", t.ID, nil, map[string]string{"post": p.ID})
	s.threadIndexDue(ctx, t.Course)
	return t, nil
}

// ReportPost reports a post to the course's trainers, once per person; the
// trainers are told once per post. It reports whether this report was new.
func (s *Service) ReportPost(ctx context.Context, u User, postID string) (Post, bool, error) {
	p, err := s.post(ctx, postID)
	if err != nil {
		return Post{}, false, err
	}
	acc, err := s.DiscussionAccessFor(ctx, u, p.Course)
	if err != nil {
		return Post{}, false, err
	}
	p, err = docs.Update(ctx, s.docs.C(collPosts), p.ID, func(p *Post) error {
		if slices.Contains(p.Reporters, u.NIP) {
			return errNoChange
		}
		if len(p.Reporters) >= MaxThreadFollowers {
			return errNoChange // enough people said so
		}
		p.Reporters = append(p.Reporters, u.NIP)
		p.Review = !p.Hidden
		return nil
	})
	if errors.Is(err, errNoChange) {
		p, err = s.post(ctx, postID)
		return p, false, err
	}
	if err != nil {
		return Post{}, false, mapErr(err, "post "+postID)
	}
	var errs []error
	for _, nip := range acc.Course.Owners {
		_, err := s.Notify(ctx, NewNotification{Key: "report/" + p.ID + "/" + nip, User: nip, Kind: KindPostReport,
			Text: msg("notify.post_reported", clip(acc.Course.Title, 80)), URL: "/discussion/unanswered"})
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		slog.Error("discussion: notify report", "post", p.ID, "err", err)
	}
	return p, true, nil
}

// SetPostHidden hides or shows a post (trainers, admins). Hiding handles
// its reports and withdraws it as the accepted answer.
func (s *Service) SetPostHidden(ctx context.Context, u User, postID string, hidden bool) (Post, error) {
	p, err := s.moderatedPost(ctx, u, postID)
	if err != nil {
		return Post{}, err
	}
	p, err = docs.Update(ctx, s.docs.C(collPosts), p.ID, func(p *Post) error {
		p.Hidden = hidden
		if hidden {
			p.Review = false
		}
		return nil
	})
	if err != nil {
		return Post{}, mapErr(err, "post "+postID)
	}
	if hidden {
		_, err := docs.Update(ctx, s.docs.C(collThreads), p.Thread, func(t *Thread) error {
			if t.Accepted != p.ID {
				return errNoChange
			}
			t.Accepted, t.AcceptedText = "", ""
			t.settle()
			return nil
		})
		if err == nil {
			s.threadIndexDue(ctx, p.Course)
		} else if !errors.Is(err, errNoChange) {
			return Post{}, mapErr(err, "thread "+p.Thread)
		}
	}
	s.Audit(ctx, u, "discussion.hide_post", p.ID, nil, map[string]bool{"hidden": hidden})
	return p, nil
}

// DismissReports keeps a reported post as it is and takes it off the
// trainer's list (trainers, admins).
func (s *Service) DismissReports(ctx context.Context, u User, postID string) (Post, error) {
	p, err := s.moderatedPost(ctx, u, postID)
	if err != nil {
		return Post{}, err
	}
	p, err = docs.Update(ctx, s.docs.C(collPosts), p.ID, func(p *Post) error {
		p.Review = false
		return nil
	})
	return p, mapErr(err, "post "+postID)
}

// SetThreadLocked locks a thread (no more replies) or opens it again.
func (s *Service) SetThreadLocked(ctx context.Context, u User, id string, locked bool) (Thread, error) {
	return s.setThread(ctx, u, id, "discussion.lock", func(t *Thread) { t.Locked = locked })
}

// SetThreadHidden hides a thread (its title and opening post) from
// learners, and from search, or shows it again.
func (s *Service) SetThreadHidden(ctx context.Context, u User, id string, hidden bool) (Thread, error) {
	t, err := s.setThread(ctx, u, id, "discussion.hide_thread", func(t *Thread) { t.Hidden = hidden })
	if err == nil {
		s.threadIndexDue(ctx, t.Course)
	}
	return t, err
}

func (s *Service) setThread(ctx context.Context, u User, id, action string, fn func(*Thread)) (Thread, error) {
	if _, err := s.moderatedThread(ctx, u, id); err != nil {
		return Thread{}, err
	}
	t, err := docs.Update(ctx, s.docs.C(collThreads), id, func(t *Thread) error {
		fn(t)
		t.settle()
		return nil
	})
	if err != nil {
		return Thread{}, mapErr(err, "thread "+id)
	}
	s.Audit(ctx, u, action, id, nil, map[string]bool{"locked": t.Locked, "hidden": t.Hidden})
	return t, nil
}

// FollowThread starts or stops u following a thread they may read.
func (s *Service) FollowThread(ctx context.Context, u User, id string, follow bool) (Thread, error) {
	t, err := s.thread(ctx, id)
	if err != nil {
		return Thread{}, err
	}
	if _, err := s.DiscussionAccessFor(ctx, u, t.Course); err != nil {
		return Thread{}, err
	}
	t, err = docs.Update(ctx, s.docs.C(collThreads), id, func(t *Thread) error {
		has := slices.Contains(t.Followers, u.NIP)
		switch {
		case follow == has:
			return errNoChange
		case follow && len(t.Followers) >= MaxThreadFollowers:
			return invalid("thread", msg("discussion.followers_full", MaxThreadFollowers))
		case follow:
			t.Followers = append(t.Followers, u.NIP)
		default:
			t.Followers = slices.DeleteFunc(t.Followers, func(n string) bool { return n == u.NIP })
		}
		return nil
	})
	if errors.Is(err, errNoChange) {
		return s.thread(ctx, id)
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return Thread{}, err
	}
	return t, mapErr(err, "thread "+id)
}

// DiscussionInbox is a trainer's lists across the courses they own.
type DiscussionInbox struct {
	Unanswered []Thread
	Reported   []Post
	// Courses names the courses of the items, by id.
	Courses map[string]string
}

// DiscussionInboxFor lists the unanswered threads (oldest first) and the
// reported posts awaiting review of the courses u owns.
func (s *Service) DiscussionInboxFor(ctx context.Context, u User) (DiscussionInbox, error) {
	cs, err := s.OwnedCourses(ctx, u)
	if err != nil {
		return DiscussionInbox{}, err
	}
	in := DiscussionInbox{Courses: map[string]string{}}
	for _, c := range cs[:min(len(cs), maxInboxCourses)] {
		in.Courses[c.ID] = c.Title
		ts, _, err := docs.FindAll[Thread](ctx, s.docs.C(collThreads), docs.Query{
			Where: []docs.Eq{{Field: "course", Value: c.ID}, {Field: "unanswered", Value: true}}, Sort: "created", Limit: MaxInbox})
		if err != nil {
			return DiscussionInbox{}, mapErr(err, "threads")
		}
		in.Unanswered = append(in.Unanswered, ts...)
		ps, _, err := docs.FindAll[Post](ctx, s.docs.C(collPosts), docs.Query{
			Where: []docs.Eq{{Field: "course", Value: c.ID}, {Field: "review", Value: true}}, Sort: "created", Limit: MaxInbox})
		if err != nil {
			return DiscussionInbox{}, mapErr(err, "posts")
		}
		in.Reported = append(in.Reported, ps...)
	}
	slices.SortFunc(in.Unanswered, func(a, b Thread) int { return a.Created.Compare(b.Created) })
	slices.SortFunc(in.Reported, func(a, b Post) int { return a.Created.Compare(b.Created) })
	in.Unanswered = in.Unanswered[:min(len(in.Unanswered), MaxInbox)]
	in.Reported = in.Reported[:min(len(in.Reported), MaxInbox)]
	return in, nil
}

// threadSearchDocs are the search entries of a course's threads: title,
// opening post and accepted answer, the most recently active first.
// Hidden threads have none.
func (s *Service) threadSearchDocs(ctx context.Context, c *Course) ([]search.Doc, error) {
	ts, _, err := docs.FindAll[Thread](ctx, s.docs.C(collThreads), docs.Query{
		Where: []docs.Eq{{Field: "course", Value: c.ID}}, Sort: "last_at", Desc: true, Limit: searchThreadsMax})
	if err != nil {
		return nil, mapErr(err, "threads")
	}
	var out []search.Doc
	for _, t := range ts {
		if t.Hidden {
			continue
		}
		body := s.md.Text(t.Body)
		if t.AcceptedText != "" {
			body += "\n" + t.AcceptedText
		}
		out = append(out, search.Doc{ID: searchID(c.ID, t.ID), Type: search.TypeThread, CourseID: c.ID, Title: t.Title,
			Body: strings.TrimSpace(body), Category: c.Category, Level: c.Level, Owners: c.Owners, Status: search.StatusThread})
	}
	return out, nil
}

// ThreadOfSearchHit returns the thread id of a thread entry's id.
func ThreadOfSearchHit(h search.Hit) string {
	if h.Type != search.TypeThread {
		return ""
	}
	_, id, _ := strings.Cut(h.ID, "_")
	return id
}

// DiscussionCourses are the courses whose discussion u may read, for a
// search: those they are enrolled in and those they own (admins search
// with All instead). At most maxInboxCourses of each.
func (s *Service) DiscussionCourses(ctx context.Context, u User) ([]string, error) {
	es, _, err := docs.FindAll[Enrollment](ctx, s.docs.C(collEnrollments),
		docs.Query{Where: []docs.Eq{{Field: "user", Value: u.NIP}}, Sort: "last_at", Desc: true, Limit: maxInboxCourses})
	if err != nil {
		return nil, mapErr(err, "enrollments")
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Course)
	}
	if u.Has(RoleTrainer) {
		cs, err := s.OwnedCourses(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, c := range cs[:min(len(cs), maxInboxCourses)] {
			if !slices.Contains(out, c.ID) {
				out = append(out, c.ID)
			}
		}
	}
	return out, nil
}
