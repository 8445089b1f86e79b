package content

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// The personal calendar feed: a secret URL (/calendar/<token>.ics) that
// Google Calendar, Outlook or Thunderbird fetch without signing in, listing
// the events a person registered or waits for.
//
// The token is derived, not drawn and forgotten: it is an HMAC, under a
// server secret, of the person's NIP and a random nonce kept on their feed
// record, so the "my calendar" page can show the same URL again (people
// subscribe on a phone today and a laptop next week; a URL shown once
// would have to be reset, breaking the first subscription). The record
// stores the token's SHA-256 for the lookup, never the token. Whoever can
// read the whole store can recompute tokens, but could read the events
// and registrations the feed shows directly anyway. Reset draws a new
// nonce, so the old URL stops working at once.

// FeedTokenLen is the length of a feed token: 32 characters of idAlphabet,
// 160 bits.
const FeedTokenLen = 32

// feedEncoding writes 20 bytes as 32 idAlphabet characters.
var feedEncoding = base32.NewEncoding(idAlphabet).WithPadding(base32.NoPadding)

// calendarFeed is a person's feed record, keyed by NIP.
type calendarFeed struct {
	ID    string `bson:"id"`
	Nonce string `bson:"nonce"`
	// Hash is Hash(token): a feed request is one indexed lookup by it.
	Hash    string    `bson:"hash"`
	Created time.Time `bson:"created"`
}

// feedToken derives nip's token from the nonce.
func (s *Service) feedToken(ctx context.Context, nip, nonce string) (string, error) {
	key, err := s.Secret(ctx, "calendar-feed")
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(nip + "\x00" + nonce))
	return feedEncoding.EncodeToString(m.Sum(nil)[:20]), nil
}

func newNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// CalendarToken returns nip's feed token, making one on first use.
func (s *Service) CalendarToken(ctx context.Context, nip string) (string, error) {
	var f calendarFeed
	_, err := s.docs.C(collCalendarFeeds).Get(ctx, nip, &f)
	if errors.Is(err, docs.ErrNotFound) {
		f = calendarFeed{ID: nip, Nonce: newNonce(), Created: s.now()}
		token, err := s.feedToken(ctx, nip, f.Nonce)
		if err != nil {
			return "", err
		}
		f.Hash = Hash(token)
		err = s.docs.C(collCalendarFeeds).Insert(ctx, nip, &f)
		if errors.Is(err, docs.ErrDuplicate) {
			return s.CalendarToken(ctx, nip) // made at the same moment elsewhere
		}
		return token, mapErr(err, "calendar feed")
	}
	if err != nil {
		return "", mapErr(err, "calendar feed")
	}
	return s.feedToken(ctx, nip, f.Nonce)
}

// ResetCalendarToken gives nip a new feed token; the old one stops working.
func (s *Service) ResetCalendarToken(ctx context.Context, nip string) (string, error) {
	var token string
	_, err := upsert(ctx, s.docs.C(collCalendarFeeds), nip, func(f *calendarFeed) error {
		f.ID, f.Nonce, f.Created = nip, newNonce(), s.now()
		var err error
		if token, err = s.feedToken(ctx, nip, f.Nonce); err != nil {
			return err
		}
		f.Hash = Hash(token)
		return nil
	})
	if err != nil {
		return "", mapErr(err, "calendar feed reset")
	}
	return token, nil
}

// ValidFeedToken reports whether token has a feed token's shape, so a
// request with anything else is refused before any lookup.
func ValidFeedToken(token string) bool {
	if len(token) != FeedTokenLen {
		return false
	}
	for i := 0; i < len(token); i++ {
		if strings.IndexByte(idAlphabet, token[i]) < 0 {
			return false
		}
	}
	return true
}

// CalendarFeedUser returns the active user whose feed token this is;
// ErrNotFound for a malformed, unknown or reset token, or a disabled
// account.
func (s *Service) CalendarFeedUser(ctx context.Context, token string) (User, error) {
	if !ValidFeedToken(token) {
		return User{}, ErrNotFound
	}
	h := Hash(token)
	fs, _, err := docs.FindAll[calendarFeed](ctx, s.docs.C(collCalendarFeeds),
		docs.Query{Where: []docs.Eq{{Field: "hash", Value: h}}, Limit: 1})
	if err != nil {
		return User{}, mapErr(err, "calendar feed")
	}
	if len(fs) == 0 {
		return User{}, ErrNotFound
	}
	// The hash found the record; the token must also be the one its
	// nonce derives now, compared in constant time, so a record caught
	// mid-reset never answers for a token it no longer holds.
	want, err := s.feedToken(ctx, fs[0].ID, fs[0].Nonce)
	if err != nil {
		return User{}, err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 {
		return User{}, ErrNotFound
	}
	u, err := s.User(ctx, fs[0].ID)
	if err != nil {
		return User{}, err
	}
	if !u.Active() {
		return User{}, ErrNotFound
	}
	return u, nil
}

// Bounds of the feed: events that started up to FeedLookback ago, and at
// most maxFeedEntries of them.
const (
	FeedLookback   = 92 * day
	maxFeedEntries = 300
)

// FeedEntry is one event of a person's feed with their place in it.
type FeedEntry struct {
	Event  Event
	Status string // RegRegistered or RegWaitlisted
}

// CalendarEntries lists the events nip is registered or waitlisted for,
// from FeedLookback ago on, in time order: one walk of the user_starts
// index and one read per event.
func (s *Service) CalendarEntries(ctx context.Context, nip string) ([]FeedEntry, error) {
	q := docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}},
		Range: &docs.Range{Field: "starts", Gte: s.now().Add(-FeedLookback)}, Sort: "starts", Limit: maxFeedEntries}
	regs, _, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), q)
	if err != nil {
		return nil, mapErr(err, "calendar entries")
	}
	out := make([]FeedEntry, 0, len(regs))
	for _, r := range regs {
		if r.Status != RegRegistered && r.Status != RegWaitlisted {
			continue
		}
		ev, err := s.Event(ctx, r.Event)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("calendar entries: %w", err)
		}
		out = append(out, FeedEntry{Event: ev, Status: r.Status})
	}
	// Registration.Starts is a copy; an event moved since sorts by its
	// real start.
	slices.SortStableFunc(out, func(a, b FeedEntry) int { return a.Event.Starts.Compare(b.Event.Starts) })
	return out, nil
}
