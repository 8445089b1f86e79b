package content

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

func forumTestTopic(t *testing.T, s *Service, service string) Topic {
	t.Helper()
	ctx := context.Background()
	tok, _, err := s.TopicFormToken(ctx, service)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := s.SubmitTopic(ctx, service, TopicInput{Title: "Antrean", Body: "Antrean terlalu panjang pagi ini.", Token: tok}, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func forumNotified(t *testing.T, s *Service, nip string) int {
	t.Helper()
	p, err := s.Notifications(context.Background(), nip, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range p.Items {
		if it.Kind == KindForumWaiting {
			n++
		}
	}
	return n
}

// TestForumNotificationOncePerTopic: however often the notice is asked
// for (a retry, a second instance), each chosen person has it once; with
// no atasan in the unit the first TopicNotifyMax members by name hear it.
func TestForumNotificationOncePerTopic(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	var nips []string
	for i := 0; i < TopicNotifyMax+3; i++ {
		nip := fmt.Sprintf("1990010120150310%02d", i+10)
		if _, err := s.CreateUser(ctx, NewUser{NIP: nip, Name: fmt.Sprintf("Staf %02d", i), Unit: "dukcapil", Password: "kata-sandi-rahasia-1"}); err != nil {
			t.Fatal(err)
		}
		nips = append(nips, nip)
	}
	ps, err := s.AddForumService(ctx, PublicService{ID: "ktp", Unit: "dukcapil", Name: "KTP-el", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	tp := forumTestTopic(t, s, ps.ID)
	for i := 0; i < 3; i++ {
		if err := s.notifyTopicWaiting(ctx, tp, ps); err != nil {
			t.Fatal(err)
		}
	}
	for i, nip := range nips {
		want := 0
		if i < TopicNotifyMax {
			want = 1
		}
		if got := forumNotified(t, s, nip); got != want {
			t.Errorf("%s (Staf %02d): %d notifications, want %d", nip, i, got, want)
		}
	}
	// With an atasan in the unit, only the atasan hears it.
	if _, err := docs.Update(ctx, s.docs.C(collUsers), nips[6], func(u *User) error { u.SupervisorNIP = nips[7]; return nil }); err != nil {
		t.Fatal(err)
	}
	tp2 := forumTestTopic(t, s, ps.ID)
	_ = tp2
	if got := forumNotified(t, s, nips[7]); got != 1 {
		t.Errorf("the atasan: %d notifications, want 1 (the second topic)", got)
	}
	if got := forumNotified(t, s, nips[0]); got != 1 {
		t.Errorf("a member after an atasan exists: %d, want 1 (the first topic only)", got)
	}
}

// TestForumRankOrdersUnansweredFirst: the rank sorts descending as the
// public list wants, whatever the arrival times.
func TestForumRankOrdersUnansweredFirst(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	old := Topic{Created: at}
	newer := Topic{Created: at.Add(time.Hour)}
	answeredNew := Topic{Created: at.Add(2 * time.Hour), Replies: []TopicReply{{ID: "r"}}}
	ranks := []string{topicRank(newer), topicRank(old), topicRank(answeredNew)}
	for i := 1; i < len(ranks); i++ {
		if strings.Compare(ranks[i-1], ranks[i]) <= 0 {
			t.Fatalf("ranks not descending: %v", ranks)
		}
	}
}
