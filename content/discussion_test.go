package content

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type discussFixture struct {
	s                         *Service
	ctx                       context.Context
	trainer, ani, budi, other User
	admin                     User
	course                    Course
	lesson                    string
}

// newDiscussFixture: a published course of trainer with one lesson, ani
// and budi enrolled, other (a learner) not.
func newDiscussFixture(t *testing.T) *discussFixture {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	mk := func(nip, name string, roles ...string) User {
		u, err := s.CreateUser(ctx, NewUser{NIP: nip, Name: name, Roles: roles, Password: "kata-sandi-rahasia-1"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := &discussFixture{s: s, ctx: ctx,
		trainer: mk("198703212012032002", "Pengajar", RoleTrainer),
		ani:     mk("199001012015011001", "Ani", RoleLearner),
		budi:    mk("199002022015011002", "Budi", RoleLearner),
		other:   mk("199003032015011003", "Lain", RoleLearner),
		admin:   mk("198001012005011001", "Admin", RoleAdmin),
	}
	title, cat, jp := "Kursus diskusi", "Teknis", 2
	c, err := s.CreateCourse(ctx, f.trainer, CourseInput{Title: &title, Category: &cat, JP: &jp})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.AddModule(ctx, f.trainer, c.ID, ModuleInput{Title: "Bab 1"})
	if err != nil {
		t.Fatal(err)
	}
	lt, kind, body := "Pelajaran 1", KindText, "Isi pelajaran yang cukup panjang."
	l, err := s.AddLesson(ctx, f.trainer, c.ID, m.ID, LessonInput{Title: &lt, Kind: &kind, Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	if f.course, err = s.SetStatus(ctx, f.trainer, c.ID, StatusPublished); err != nil {
		t.Fatal(err)
	}
	f.lesson = l.ID
	for _, u := range []User{f.ani, f.budi} {
		if _, _, err := s.Enroll(ctx, u, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *discussFixture) unread(t *testing.T, u User) []Notification {
	t.Helper()
	p, err := f.s.Notifications(f.ctx, u.NIP, 50, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func fieldOf(t *testing.T, err error, field string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error on %s", err, field)
	}
	if _, ok := ve.Fields[field]; !ok {
		t.Fatalf("err = %v, want field %s", err, field)
	}
}

// TestDiscussionPermissions: enrolled learners, the trainer and admins
// read and write; a learner not enrolled is refused; only the trainer and
// admins moderate.
func TestDiscussionPermissions(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Tanya", Body: "Bagaimana?", LessonID: f.lesson})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateThread(f.ctx, f.other, f.course.ID, ThreadInput{Title: "x", Body: "y"}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("not enrolled: create = %v, want forbidden", err)
	}
	if _, err := f.s.ThreadFor(f.ctx, f.other, th.ID, 20, ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("not enrolled: read = %v, want forbidden", err)
	}
	if _, err := f.s.Reply(f.ctx, f.other, th.ID, "saya juga"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("not enrolled: reply = %v, want forbidden", err)
	}
	for _, u := range []User{f.budi, f.trainer, f.admin} {
		if _, err := f.s.ThreadFor(f.ctx, u, th.ID, 20, ""); err != nil {
			t.Fatalf("%s: read = %v", u.Name, err)
		}
	}
	p, err := f.s.Reply(f.ctx, f.budi, th.ID, "Begini caranya.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetPostHidden(f.ctx, f.budi, p.ID, true); !errors.Is(err, ErrForbidden) {
		t.Fatalf("learner hides = %v, want forbidden", err)
	}
	if _, err := f.s.SetThreadLocked(f.ctx, f.ani, th.ID, true); !errors.Is(err, ErrForbidden) {
		t.Fatalf("author locks = %v, want forbidden", err)
	}
	if _, err := f.s.SetThreadLocked(f.ctx, f.admin, th.ID, true); err != nil {
		t.Fatalf("admin locks = %v", err)
	}
	// A lesson filter names a lesson of the course.
	pg, _, err := f.s.Threads(f.ctx, f.ani, f.course.ID, f.lesson, 10, "")
	if err != nil || len(pg.Items) != 1 || pg.Total != 1 {
		t.Fatalf("lesson threads = %+v, %v", pg, err)
	}
	if _, _, err := f.s.Threads(f.ctx, f.ani, f.course.ID, "nope", 10, ""); err == nil {
		t.Fatal("unknown lesson accepted")
	}
	if _, _, err := f.s.Threads(f.ctx, f.other, f.course.ID, "", 10, ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("not enrolled: list = %v", err)
	}
}

// TestDiscussionBadInput: every bound refuses with the field named and
// writes nothing.
func TestDiscussionBadInput(t *testing.T) {
	f := newDiscussFixture(t)
	for _, tc := range []struct {
		in    ThreadInput
		field string
	}{
		{ThreadInput{Title: "", Body: "isi"}, "title"},
		{ThreadInput{Title: "   ", Body: "isi"}, "title"},
		{ThreadInput{Title: strings.Repeat("a", MaxThreadTitle+1), Body: "isi"}, "title"},
		{ThreadInput{Title: "judul", Body: ""}, "body"},
		{ThreadInput{Title: "judul", Body: strings.Repeat("b", MaxThreadBody+1)}, "body"},
		{ThreadInput{Title: "judul", Body: "isi", LessonID: "lain"}, "lesson_id"},
		{ThreadInput{Title: "judul", Body: "\xff\xfe"}, "body"},
	} {
		_, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, tc.in)
		fieldOf(t, err, tc.field)
	}
	pg, _, err := f.s.Threads(f.ctx, f.trainer, f.course.ID, "", 10, "")
	if err != nil || pg.Total != 0 {
		t.Fatalf("threads after refusals = %d, %v", pg.Total, err)
	}
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: strings.Repeat("a", MaxThreadTitle), Body: "isi"})
	if err != nil {
		t.Fatalf("title at the bound: %v", err)
	}
	for _, body := range []string{"", " \n ", strings.Repeat("c", MaxPostBody+1)} {
		_, err := f.s.Reply(f.ctx, f.budi, th.ID, body)
		fieldOf(t, err, "body")
	}
	v, err := f.s.ThreadFor(f.ctx, f.ani, th.ID, 20, "")
	if err != nil || len(v.Posts) != 0 || v.Thread.Replies != 0 {
		t.Fatalf("posts after refusals = %d/%d, %v", len(v.Posts), v.Thread.Replies, err)
	}
}

// TestDiscussionAcceptByOwnerOnly: only the trainer (or an admin) accepts
// an answer; the thread is then no longer unanswered; hiding the accepted
// post withdraws it.
func TestDiscussionAcceptByOwnerOnly(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Tanya", Body: "Bagaimana?"})
	if err != nil {
		t.Fatal(err)
	}
	self, err := f.s.Reply(f.ctx, f.ani, th.ID, "Menambahkan detail.")
	if err != nil {
		t.Fatal(err)
	}
	in, err := f.s.DiscussionInboxFor(f.ctx, f.trainer)
	if err != nil || len(in.Unanswered) != 1 {
		t.Fatalf("author's own reply answers: inbox %+v, %v", in.Unanswered, err)
	}
	p, err := f.s.Reply(f.ctx, f.budi, th.ID, "Jawaban Budi.")
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := f.s.DiscussionInboxFor(f.ctx, f.trainer); len(in.Unanswered) != 0 {
		t.Fatalf("answered thread still listed: %+v", in.Unanswered)
	}
	for _, u := range []User{f.ani, f.budi, f.other} {
		if _, err := f.s.AcceptPost(f.ctx, u, p.ID); !errors.Is(err, ErrForbidden) {
			t.Fatalf("%s accepts = %v, want forbidden", u.Name, err)
		}
	}
	got, err := f.s.AcceptPost(f.ctx, f.trainer, p.ID)
	if err != nil || got.Accepted != p.ID || got.AcceptedText != "Jawaban Budi." {
		t.Fatalf("accept = %+v, %v", got, err)
	}
	if got, err = f.s.AcceptPost(f.ctx, f.admin, self.ID); err != nil || got.Accepted != self.ID {
		t.Fatalf("admin accepts another = %+v, %v", got, err)
	}
	if _, err := f.s.SetPostHidden(f.ctx, f.trainer, self.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.thread(f.ctx, th.ID); got.Accepted != "" {
		t.Fatalf("hidden post still accepted: %+v", got)
	}
	_, err = f.s.AcceptPost(f.ctx, f.trainer, self.ID)
	fieldOf(t, err, "post")
}

// TestDiscussionLockRefusesReplies: a locked thread takes no reply, and
// takes them again when unlocked; a hidden post stays in the thread,
// marked.
func TestDiscussionLockRefusesReplies(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Tanya", Body: "Bagaimana?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetThreadLocked(f.ctx, f.trainer, th.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Reply(f.ctx, f.budi, th.ID, "terlambat")
	fieldOf(t, err, "thread")
	if in, _ := f.s.DiscussionInboxFor(f.ctx, f.trainer); len(in.Unanswered) != 0 {
		t.Fatalf("locked thread listed as unanswered")
	}
	if _, err := f.s.SetThreadLocked(f.ctx, f.trainer, th.ID, false); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Reply(f.ctx, f.budi, th.ID, "sekarang bisa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetPostHidden(f.ctx, f.trainer, p.ID, true); err != nil {
		t.Fatal(err)
	}
	v, err := f.s.ThreadFor(f.ctx, f.ani, th.ID, 20, "")
	if err != nil || len(v.Posts) != 1 || !v.Posts[0].Hidden {
		t.Fatalf("hidden post = %+v, %v", v.Posts, err)
	}
}

// TestDiscussionFollowNotifiesOncePerReply: followers hear of each reply
// once, however often it is told; the replier never hears of their own;
// unfollowing stops it.
func TestDiscussionFollowNotifiesOncePerReply(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Tanya", Body: "Bagaimana?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.FollowThread(f.ctx, f.budi, th.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.FollowThread(f.ctx, f.budi, th.ID, true); err != nil { // again: no change
		t.Fatal(err)
	}
	if _, err := f.s.FollowThread(f.ctx, f.other, th.ID, true); !errors.Is(err, ErrForbidden) {
		t.Fatalf("not enrolled follows = %v", err)
	}
	if _, err := f.s.Reply(f.ctx, f.budi, th.ID, "Jawaban pertama."); err != nil {
		t.Fatal(err)
	}
	if n := f.unread(t, f.budi); len(n) != 0 {
		t.Fatalf("replier told of their own reply: %+v", n)
	}
	got := f.unread(t, f.ani)
	if len(got) != 1 || got[0].Kind != KindThreadReply || !strings.HasPrefix(got[0].URL, ThreadPath(th.ID)) {
		t.Fatalf("author's notifications = %+v", got)
	}
	if _, err := f.s.Reply(f.ctx, f.ani, th.ID, "Terima kasih."); err != nil {
		t.Fatal(err)
	}
	if n := f.unread(t, f.ani); len(n) != 1 {
		t.Fatalf("author told of own reply: %d", len(n))
	}
	if n := f.unread(t, f.budi); len(n) != 1 {
		t.Fatalf("follower budi: %d notifications, want 1", len(n))
	}
	if _, err := f.s.FollowThread(f.ctx, f.budi, th.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Reply(f.ctx, f.trainer, th.ID, "Dari pengajar."); err != nil {
		t.Fatal(err)
	}
	if n := f.unread(t, f.budi); len(n) != 1 {
		t.Fatalf("unfollowed budi: %d notifications, want 1", len(n))
	}
	if n := f.unread(t, f.ani); len(n) != 2 {
		t.Fatalf("author: %d notifications, want 2", len(n))
	}
}

// TestDiscussionReportOnce: a report counts once per person and tells the
// trainer once per post; the trainer sees it until hidden or dismissed.
func TestDiscussionReportOnce(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Tanya", Body: "Bagaimana?"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Reply(f.ctx, f.budi, th.ID, "Jawaban kasar.")
	if err != nil {
		t.Fatal(err)
	}
	if _, fresh, err := f.s.ReportPost(f.ctx, f.ani, p.ID); err != nil || !fresh {
		t.Fatalf("report = %v, %v", fresh, err)
	}
	if _, fresh, err := f.s.ReportPost(f.ctx, f.ani, p.ID); err != nil || fresh {
		t.Fatalf("second report by the same person = %v, %v", fresh, err)
	}
	if _, _, err := f.s.ReportPost(f.ctx, f.other, p.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("not enrolled reports = %v", err)
	}
	if _, fresh, err := f.s.ReportPost(f.ctx, f.trainer, p.ID); err != nil || !fresh {
		t.Fatalf("report by another = %v, %v", fresh, err)
	}
	got, _ := f.s.post(f.ctx, p.ID)
	if len(got.Reporters) != 2 || !got.Review {
		t.Fatalf("post = %+v", got)
	}
	n := 0
	for _, x := range f.unread(t, f.trainer) {
		if x.Kind == KindPostReport {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("trainer told %d times, want once", n)
	}
	in, err := f.s.DiscussionInboxFor(f.ctx, f.trainer)
	if err != nil || len(in.Reported) != 1 || in.Reported[0].ID != p.ID {
		t.Fatalf("reported = %+v, %v", in.Reported, err)
	}
	if _, err := f.s.DismissReports(f.ctx, f.budi, p.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("learner dismisses = %v", err)
	}
	if _, err := f.s.SetPostHidden(f.ctx, f.trainer, p.ID, true); err != nil {
		t.Fatal(err)
	}
	if in, _ := f.s.DiscussionInboxFor(f.ctx, f.trainer); len(in.Reported) != 0 {
		t.Fatalf("hidden post still listed")
	}
}

// TestDiscussionRateLimit: posting beyond the limit is refused.
func TestDiscussionRateLimit(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Tanya", Body: "Bagaimana?"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < PostsPerWindow; i++ {
		if _, err := f.s.Reply(f.ctx, f.ani, th.ID, "lagi"); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	var rl *RateLimitedError
	if _, err := f.s.Reply(f.ctx, f.ani, th.ID, "satu lagi"); !errors.As(err, &rl) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := f.s.Reply(f.ctx, f.budi, th.ID, "orang lain"); err != nil {
		t.Fatalf("another person: %v", err)
	}
}

// TestDiscussionSearchEntries: a course's entries carry its visible
// threads with the accepted answer; a hidden thread has none.
func TestDiscussionSearchEntries(t *testing.T) {
	f := newDiscussFixture(t)
	th, err := f.s.CreateThread(f.ctx, f.ani, f.course.ID, ThreadInput{Title: "Cuti tahunan", Body: "Berapa **hari**?"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Reply(f.ctx, f.budi, th.ID, "Dua belas hari kerja.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AcceptPost(f.ctx, f.trainer, p.ID); err != nil {
		t.Fatal(err)
	}
	c, err := f.s.Course(f.ctx, f.course.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IndexDue.Before(indexIdle) {
		t.Fatal("course not queued for search after a thread")
	}
	ds, err := f.s.SearchDocs(f.ctx, &c)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, d := range ds {
		if d.Type == "thread" {
			found = true
			if d.Title != "Cuti tahunan" || !strings.Contains(d.Body, "Berapa hari?") || !strings.Contains(d.Body, "Dua belas") || d.Status != "thread" {
				t.Fatalf("thread entry = %+v", d)
			}
		}
	}
	if !found {
		t.Fatal("no thread entry")
	}
	if _, err := f.s.SetThreadHidden(f.ctx, f.trainer, th.ID, true); err != nil {
		t.Fatal(err)
	}
	ds, _ = f.s.SearchDocs(f.ctx, &c)
	for _, d := range ds {
		if d.Type == "thread" {
			t.Fatalf("hidden thread indexed: %+v", d)
		}
	}
}
