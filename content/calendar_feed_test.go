package content

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// TestCalendarToken: the token is stable (the page can show it again),
// 160 bits of the id alphabet, stored only as its hash; a reset makes the
// old one unknown; a malformed or disabled one is unknown too.
func TestCalendarToken(t *testing.T) {
	f := newEventFixture(t, 2)
	ctx := context.Background()
	a, b := f.people[0], f.people[1]
	tok, err := f.s.CalendarToken(ctx, a.NIP)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidFeedToken(tok) {
		t.Fatalf("token %q", tok)
	}
	again, err := f.s.CalendarToken(ctx, a.NIP)
	if err != nil || again != tok {
		t.Fatalf("second read %q %v, want %q", again, err, tok)
	}
	other, _ := f.s.CalendarToken(ctx, b.NIP)
	if other == tok {
		t.Fatal("two people share a token")
	}
	var rec calendarFeed
	if _, err := f.s.docs.C(collCalendarFeeds).Get(ctx, a.NIP, &rec); err != nil || rec.Hash != Hash(tok) || strings.Contains(rec.Nonce, tok) {
		t.Fatalf("record %+v %v", rec, err)
	}
	if u, err := f.s.CalendarFeedUser(ctx, tok); err != nil || u.NIP != a.NIP {
		t.Fatalf("lookup: %v %v", u.NIP, err)
	}
	for name, bad := range map[string]string{
		"short":      tok[:31],
		"long":       tok + "a",
		"alphabet":   strings.ToUpper(tok),
		"one off":    tok[:31] + string(idAlphabet[(strings.IndexByte(idAlphabet, tok[31])+1)%32]),
		"empty":      "",
		"path":       "../../../../etc/passwd/aaaaaaaaaa",
		"other case": "I" + tok[1:],
	} {
		if _, err := f.s.CalendarFeedUser(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	fresh, err := f.s.ResetCalendarToken(ctx, a.NIP)
	if err != nil || fresh == tok || !ValidFeedToken(fresh) {
		t.Fatalf("reset: %q %v", fresh, err)
	}
	if _, err := f.s.CalendarFeedUser(ctx, tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old token after a reset: %v", err)
	}
	if u, err := f.s.CalendarFeedUser(ctx, fresh); err != nil || u.NIP != a.NIP {
		t.Fatalf("the new token: %v %v", u.NIP, err)
	}
	if shown, _ := f.s.CalendarToken(ctx, a.NIP); shown != fresh {
		t.Fatalf("the page shows %q after the reset, want %q", shown, fresh)
	}
	if _, err := docs.Update(ctx, f.s.docs.C(collUsers), a.NIP, func(u *User) error { u.Disabled = f.now; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CalendarFeedUser(ctx, fresh); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a disabled account's feed: %v", err)
	}
}

// TestCalendarEntries: registered and waitlisted events, from three
// months back on, in time order; cancelled places and other people's
// events never.
func TestCalendarEntries(t *testing.T) {
	f := newEventFixture(t, 2)
	ctx := context.Background()
	me, other := f.people[0], f.people[1]
	later := f.event(t, f.now.Add(10*24*time.Hour), func(in *EventInput) { in.Title = "Later" })
	soon := f.event(t, f.now.Add(24*time.Hour), func(in *EventInput) { in.Title = "Soon" })
	cancelled := f.event(t, f.now.Add(48*time.Hour), func(in *EventInput) { in.Title = "Cancelled place" })
	theirs := f.event(t, f.now.Add(72*time.Hour), func(in *EventInput) { in.Title = "Theirs" })
	old := f.event(t, f.now.Add(-FeedLookback-24*time.Hour), func(in *EventInput) { in.Title = "Long ago" })
	recent := f.event(t, f.now.Add(-FeedLookback+24*time.Hour), func(in *EventInput) { in.Title = "Recent" })
	putRegistration(t, f.s, later, me.NIP, RegWaitlisted, 1)
	putRegistration(t, f.s, soon, me.NIP, RegRegistered, 1)
	putRegistration(t, f.s, cancelled, me.NIP, RegCancelled, 1)
	putRegistration(t, f.s, theirs, other.NIP, RegRegistered, 1)
	putRegistration(t, f.s, old, me.NIP, RegRegistered, 1)
	putRegistration(t, f.s, recent, me.NIP, RegRegistered, 1)
	es, err := f.s.CalendarEntries(ctx, me.NIP)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Event.Title+"/"+e.Status)
	}
	if strings.Join(got, ",") != "Recent/registered,Soon/registered,Later/waitlisted" {
		t.Fatalf("entries %v", got)
	}
}
