package content

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

const (
	nLearner = "199203152015031003"
	nQuiet   = "199406302018011004"
	nNoMail  = "198811112013012003"
	nAtasan  = "198501012010011001"
)

// newMailServices opens one store and n services over it (n instances of
// a fleet), with email configured, and people: a learner with an address
// whose atasan has one too, a learner who turned reminder email off, and
// one without an address.
func newMailServices(t *testing.T, n int) []*Service {
	t.Helper()
	ctx := context.Background()
	d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), Schemas())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	var out []*Service
	for range n {
		s, err := New(d, nil, Options{Mail: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	for _, u := range []User{
		{NIP: nAtasan, Name: "Kepala Seksi", Email: "kasi@kota.go.id", Unit: "dinkes"},
		{NIP: nLearner, Name: "Siti Rahmawati", Email: "siti@kota.go.id", Unit: "dinkes", SupervisorNIP: nAtasan},
		{NIP: nQuiet, Name: "Budi Santoso", Email: "budi@kota.go.id", Unit: "dinkes", SupervisorNIP: nAtasan, ReminderEmailOff: true},
		{NIP: nNoMail, Name: "Tanpa Surel", Unit: "dinkes", SupervisorNIP: nAtasan},
	} {
		u.Roles = []string{RoleLearner}
		if err := d.C(collUsers).Insert(ctx, u.NIP, &u); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func putAssignee(t *testing.T, s *Service, a Assignee) {
	t.Helper()
	a.Open = a.Done.IsZero()
	if a.Title == "" {
		a.Title = "Orientasi ASN"
	}
	if a.Course == "" && a.Path == "" {
		a.Course = "orientasi-asn"
	}
	if err := s.docs.C(collAssignees).Insert(context.Background(), assigneeID(a.Assignment, a.User), &a); err != nil {
		t.Fatal(err)
	}
}

func clockAt(s *Service, t time.Time) *time.Time {
	now := t
	s.SetClock(func() time.Time { return now })
	return &now
}

func kindsOf(t *testing.T, s *Service, nip string) map[string]Notification {
	t.Helper()
	p, err := s.Notifications(context.Background(), nip, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Notification{}
	for _, n := range p.Items {
		if _, dup := out[n.Kind]; dup {
			t.Fatalf("%s got %s twice", nip, n.Kind)
		}
		out[n.Kind] = n
	}
	return out
}

// TestNotifyQueuesMail: a notification for someone with an address is
// queued for email in the same document; without an address, for a
// reminder the user turned off, or with email not configured, it stays in
// the app, with no error.
func TestNotifyQueuesMail(t *testing.T) {
	s := newMailServices(t, 1)[0]
	ctx := context.Background()
	cases := []struct {
		user, kind, mail string
	}{
		{nLearner, KindDue7, MailPending},
		{nLearner, "assignment", MailPending},
		{nQuiet, KindDue1, ""},               // reminders off
		{nQuiet, "assignment", MailPending},  // not a reminder
		{nNoMail, KindDue7, ""},              // no address
		{"199001012020011009", KindDue7, ""}, // no such account
	}
	for i, c := range cases {
		key := "test/" + string(rune('a'+i))
		ok, err := s.Notify(ctx, NewNotification{Key: key, User: c.user, Kind: c.kind, Text: msg("notify.due7", "X", "2026-01-01")})
		if err != nil || !ok {
			t.Fatalf("%d: %v %v", i, ok, err)
		}
		n, err := s.Notification(ctx, NotificationID(key))
		if err != nil {
			t.Fatal(err)
		}
		if n.Mail != c.mail {
			t.Errorf("%s %s: mail %q, want %q", c.user, c.kind, n.Mail, c.mail)
		}
		if again, err := s.Notify(ctx, NewNotification{Key: key, User: c.user, Kind: c.kind}); again || err != nil {
			t.Errorf("second notify: %v %v", again, err)
		}
	}
	s.opts.Mail = false
	if _, err := s.Notify(ctx, NewNotification{Key: "off", User: nLearner, Kind: KindDue7}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Notification(ctx, NotificationID("off")); n.Mail != "" {
		t.Fatalf("without SMTP: mail %q", n.Mail)
	}
}

// TestReminderOccasions: each occasion is notified once, when its time
// comes, to the right person; nothing for done records or for an
// occasion that had passed when the person was assigned.
func TestReminderOccasions(t *testing.T) {
	s := newMailServices(t, 1)[0]
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	now := clockAt(s, start)
	due := start.Add(10 * day)
	putAssignee(t, s, Assignee{Assignment: "a1", User: nLearner, Due: due, Assigned: start.Add(-day)})
	putAssignee(t, s, Assignee{Assignment: "a1", User: nNoMail, Due: due, Assigned: start.Add(-day)})
	// Assigned 5 days before due: no "7 days left".
	putAssignee(t, s, Assignee{Assignment: "a2", User: nLearner, Due: due, Assigned: due.Add(-5 * day)})
	putAssignee(t, s, Assignee{Assignment: "a3", User: nLearner, Due: due, Assigned: start.Add(-day), Done: start})

	run := func(at time.Time) ReminderStats {
		t.Helper()
		*now = at
		st, err := s.RemindAssignees(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := run(start); st.Created != 0 {
		t.Fatalf("nothing due yet, created %d", st.Created)
	}
	if st := run(due.Add(-7*day + time.Minute)); st.Created != 2 {
		t.Fatalf("7 days before: created %d, want 2 (a1 for two people)", st.Created)
	}
	if st := run(due.Add(-7*day + 2*time.Minute)); st.Created != 0 {
		t.Fatalf("again: created %d", st.Created)
	}
	if st := run(due.Add(-day + time.Minute)); st.Created != 3 {
		t.Fatalf("1 day before: created %d, want 3 (a1 ×2, a2)", st.Created)
	}
	if st := run(due.Add(time.Minute)); st.Created != 3 {
		t.Fatalf("overdue: created %d, want 3", st.Created)
	}
	if st := run(due.Add(7*day + time.Minute)); st.Created != 3 {
		t.Fatalf("overdue 7 days: created %d, want 3 atasan notices", st.Created)
	}
	if st := run(due.Add(8 * day)); st.Created != 0 {
		t.Fatalf("later: created %d", st.Created)
	}
	got := kindsOf(t, s, nNoMail)
	for _, k := range []string{KindDue7, KindDue1, KindOverdue} {
		if _, ok := got[k]; !ok {
			t.Errorf("no-address learner lacks %s (in-app): %v", k, got)
		}
		if got[k].Mail != "" {
			t.Errorf("no-address learner %s: mail %q", k, got[k].Mail)
		}
	}
	p, err := s.Notifications(ctx, nAtasan, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 3 || p.Unread != 3 {
		t.Fatalf("atasan: %d notices, %d unread", len(p.Items), p.Unread)
	}
	for _, n := range p.Items {
		if n.Kind != KindTeamOverdue || n.Mail != MailPending || n.MailTo != "kasi@kota.go.id" {
			t.Errorf("atasan notice %+v", n)
		}
	}
	l, err := s.Notifications(ctx, nLearner, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 5 { // a1: due7, due1, overdue; a2: due1, overdue
		t.Fatalf("learner: %d notices", len(l.Items))
	}
	if l.Items[0].Text.Code != "notify.overdue" || l.Items[0].URL != "/courses/orientasi-asn" || l.Items[0].Text.Args[1] != "2026-03-12" {
		t.Fatalf("newest: %+v", l.Items[0])
	}
}

// TestReminderPassTwoInstances: two services on one store, passes at the
// same time and again: every occasion once.
func TestReminderPassTwoInstances(t *testing.T) {
	ss := newMailServices(t, 2)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	for i := range 300 {
		putAssignee(t, ss[0], Assignee{Assignment: "b" + itoa(i), User: nLearner, Due: start.Add(-time.Duration(i) * time.Hour), Assigned: start.Add(-30 * day)})
	}
	for _, s := range ss {
		clockAt(s, start)
	}
	var wg sync.WaitGroup
	stats := make([]ReminderStats, 2)
	for i, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := s.RemindAssignees(ctx)
			if err != nil {
				t.Error(err)
			}
			stats[i] = st
		}()
	}
	wg.Wait()
	// due in the last 300 h: overdue for all 300; atasan for those due
	// 7 days (168 h) ago or more.
	want := 300 + (300 - 168)
	if got := stats[0].Created + stats[1].Created; got != want {
		t.Fatalf("created %d+%d, want %d", stats[0].Created, stats[1].Created, want)
	}
	for _, s := range ss {
		st, err := s.RemindAssignees(ctx)
		if err != nil || st.Created != 0 {
			t.Fatalf("again: %+v %v", st, err)
		}
	}
}

func itoa(i int) string {
	return string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

// TestMailClaimsAtMostOnce: a claimed email is nobody else's; a failure
// that sent nothing is retried after a wait; one that may have been sent,
// or whose worker vanished, is never retried.
func TestMailClaimsAtMostOnce(t *testing.T) {
	ss := newMailServices(t, 2)
	a, b := ss[0], ss[1]
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	na, nb := clockAt(a, start), clockAt(b, start)
	at := func(d time.Duration) { *na, *nb = start.Add(d), start.Add(d) }
	for _, k := range []string{"m1", "m2", "m3"} {
		if _, err := a.Notify(ctx, NewNotification{Key: k, User: nLearner, Kind: "assignment"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.ClaimMail(ctx, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim: %d %v", len(got), err)
	}
	if again, _ := b.ClaimMail(ctx, 10); len(again) != 0 {
		t.Fatalf("second instance claimed %d", len(again))
	}
	byID := map[string]Notification{}
	for _, n := range got {
		byID[n.ID] = n
	}
	m1, m2, m3 := byID[NotificationID("m1")], byID[NotificationID("m2")], byID[NotificationID("m3")]
	if err := a.MailResult(ctx, m1, MailDelivered, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.MailResult(ctx, m2, MailRetry, "connection refused"); err != nil {
		t.Fatal(err)
	}
	// m3's worker dies: nothing recorded.
	if again, _ := b.ClaimMail(ctx, 10); len(again) != 0 {
		t.Fatalf("retry before its wait: %d", len(again))
	}
	at(2 * time.Minute)
	retry, err := b.ClaimMail(ctx, 10)
	if err != nil || len(retry) != 1 || retry[0].ID != m2.ID || retry[0].MailAttempts != 2 {
		t.Fatalf("retry: %+v %v", retry, err)
	}
	if err := b.MailResult(ctx, retry[0], MailDelivered, ""); err != nil {
		t.Fatal(err)
	}
	at(MailClaimTTL + time.Minute)
	if n, err := b.ExpireMailClaims(ctx); err != nil || n != 1 {
		t.Fatalf("expired claims: %d %v", n, err)
	}
	// The dead worker comes back and reports: too late, left alone.
	if err := a.MailResult(ctx, m3, MailDelivered, ""); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{m1.ID: MailSent, m2.ID: MailSent, m3.ID: MailUnknown} {
		n, _ := a.Notification(ctx, id)
		if n.Mail != want {
			t.Errorf("%s: %s, want %s", id, n.Mail, want)
		}
	}
	if more, _ := a.ClaimMail(ctx, 10); len(more) != 0 {
		t.Fatalf("claimed again: %d", len(more))
	}
}

// TestMarkRead: only one's own notifications change; the count follows.
func TestMarkRead(t *testing.T) {
	s := newMailServices(t, 1)[0]
	ctx := context.Background()
	for i := range 130 {
		if _, err := s.Notify(ctx, NewNotification{Key: "r" + itoa(i), User: nLearner, Kind: "assignment"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Notify(ctx, NewNotification{Key: "other", User: nQuiet, Kind: "assignment"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.MarkRead(ctx, nLearner, []string{NotificationID("r000"), NotificationID("other"), "nope"}); err != nil || n != 1 {
		t.Fatalf("mark: %d %v", n, err)
	}
	if c, _ := s.UnreadCount(ctx, nLearner); c != 129 {
		t.Fatalf("unread %d", c)
	}
	if c, _ := s.UnreadCount(ctx, nQuiet); c != 1 {
		t.Fatalf("other's unread %d", c)
	}
	if n, err := s.MarkAllRead(ctx, nLearner); err != nil || n != 129 {
		t.Fatalf("all: %d %v", n, err)
	}
	if c, _ := s.UnreadCount(ctx, nLearner); c != 0 {
		t.Fatalf("unread after all %d", c)
	}
	if _, err := s.MarkRead(ctx, nLearner, make([]string, MaxMarkRead+1)); err == nil {
		t.Fatal("too many ids accepted")
	}
	p1, err := s.Notifications(ctx, nLearner, 100, "")
	if err != nil || len(p1.Items) != 100 || p1.Next == "" {
		t.Fatalf("page 1: %d %q %v", len(p1.Items), p1.Next, err)
	}
	p2, err := s.Notifications(ctx, nLearner, 100, p1.Next)
	if err != nil || len(p2.Items) != 30 || p2.Next != "" {
		t.Fatalf("page 2: %d %q %v", len(p2.Items), p2.Next, err)
	}
	if _, err := s.Notifications(ctx, nLearner, 10, "garbage"); err == nil {
		t.Fatal("bad cursor accepted")
	}
}
