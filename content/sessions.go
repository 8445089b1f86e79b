package content

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Lifetimes. A browser session ends after a working day without use; an
// API token lasts 30 days.
const (
	SessionIdle     = 8 * time.Hour
	SessionLifetime = 7 * 24 * time.Hour
	TokenLifetime   = 30 * 24 * time.Hour
	// touchEvery limits LastSeen writes to one per few minutes per session.
	touchEvery = 5 * time.Minute
)

// Credential kinds: a cookie session or an API bearer token.
const (
	KindSession = "session"
	KindToken   = "token"
)

// Session is a signed-in browser or API client. It is stored under the
// SHA-256 of its secret: the secret itself is never stored.
type Session struct {
	User     string    `bson:"user"`
	Created  time.Time `bson:"created"`
	Expires  time.Time `bson:"expires"`
	LastSeen time.Time `bson:"last_seen"`
	// Device is the client's User-Agent at sign-in, for the sessions list.
	Device string `bson:"device,omitempty"`
}

// Hash is the stored id of a secret.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func collFor(kind string) string {
	if kind == KindToken {
		return collTokens
	}
	return collSessions
}

// NewSession creates a session or token for the user and returns the secret
// to hand to the client. Every login gets a fresh secret, so an id planted
// by someone else is never reused.
func (s *Service) NewSession(ctx context.Context, kind, nip string) (string, Session, error) {
	return s.NewSessionOn(ctx, kind, nip, "")
}

// NewSessionOn is NewSession noting the device (its User-Agent) the
// session was made on, so its owner can tell their sessions apart.
func (s *Service) NewSessionOn(ctx context.Context, kind, nip, device string) (string, Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC().Truncate(time.Millisecond)
	life := SessionLifetime
	if kind == KindToken {
		life = TokenLifetime
	}
	sess := Session{User: nip, Created: now, Expires: now.Add(life), LastSeen: now, Device: clip(device, maxDevice)}
	if err := s.docs.C(collFor(kind)).Insert(ctx, Hash(secret), &sess); err != nil {
		return "", Session{}, mapErr(err, kind)
	}
	return secret, sess, nil
}

// Resolve returns the user behind a secret, refreshing its idle timer now
// and then. Unknown, expired, idle or disabled credentials are
// ErrSessionExpired.
func (s *Service) Resolve(ctx context.Context, kind, secret string) (User, Session, error) {
	if secret == "" {
		return User{}, Session{}, ErrSessionExpired
	}
	c := s.docs.C(collFor(kind))
	id := Hash(secret)
	var sess Session
	version, err := c.Get(ctx, id, &sess)
	if errors.Is(err, docs.ErrNotFound) {
		return User{}, Session{}, ErrSessionExpired
	}
	if err != nil {
		return User{}, Session{}, mapErr(err, kind)
	}
	now := s.now().UTC()
	if now.After(sess.Expires) || (kind == KindSession && now.Sub(sess.LastSeen) > SessionIdle) {
		return User{}, Session{}, ErrSessionExpired
	}
	u, err := s.User(ctx, sess.User)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active()) {
		return User{}, Session{}, ErrSessionExpired
	}
	if err != nil {
		return User{}, Session{}, err
	}
	if now.Sub(sess.LastSeen) > touchEvery {
		sess.LastSeen = now.Truncate(time.Millisecond)
		// A conflict means another request just touched it: good enough.
		if _, err := c.Replace(ctx, id, version, &sess); err != nil && !errors.Is(err, docs.ErrConflict) {
			return User{}, Session{}, mapErr(err, kind)
		}
	}
	return u, sess, nil
}

// EndSession revokes a session or token. Ending one that is gone is fine.
func (s *Service) EndSession(ctx context.Context, kind, secret string) error {
	err := s.docs.C(collFor(kind)).Delete(ctx, Hash(secret))
	if errors.Is(err, docs.ErrNotFound) {
		return nil
	}
	return mapErr(err, kind)
}

// Sweep deletes expired sessions, tokens and uploads and stale
// login-failure records, a page at a time, and returns how many it removed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	removed := 0
	if s.blobs != nil {
		n, err := s.sweepUploads(ctx)
		if removed += n; err != nil {
			return removed, err
		}
	}
	n, err := s.closeExpiredAttempts(ctx)
	if removed += n; err != nil {
		return removed, err
	}
	if _, err := s.ResumeAssignments(ctx); err != nil {
		return removed, err
	}
	now := s.now().UTC()
	for _, sw := range []struct {
		coll, field string
		before      time.Time
	}{
		{collSessions, "expires", now},
		{collTokens, "expires", now},
		{collThrottle, "updated", now.Add(-throttleWindow)},
	} {
		coll := sw.coll
		c := s.docs.C(coll)
		for {
			p, err := c.Find(ctx, docs.Query{Range: &docs.Range{Field: sw.field, Lt: sw.before}, Sort: sw.field, Limit: 500})
			if err != nil {
				return removed, mapErr(err, "sweep "+coll)
			}
			for _, d := range p.Docs {
				if err := c.Delete(ctx, d.ID); err != nil && !errors.Is(err, docs.ErrNotFound) {
					return removed, mapErr(err, "sweep "+coll)
				}
				removed++
			}
			if len(p.Docs) < 500 {
				break
			}
		}
	}
	return removed, nil
}

// EndUserSessions ends every session and token of a user but the one whose
// secret is keep (empty keeps none): after a password change, a reset or a
// "sign out elsewhere".
func (s *Service) EndUserSessions(ctx context.Context, nip, keep string) (int, error) {
	keepID := ""
	if keep != "" {
		keepID = Hash(keep)
	}
	ended := 0
	for _, coll := range []string{collSessions, collTokens} {
		c := s.docs.C(coll)
		q := docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}}, Sort: "created", Limit: 500}
		for {
			p, err := c.Find(ctx, q)
			if err != nil {
				return ended, mapErr(err, "end sessions")
			}
			for _, d := range p.Docs {
				if d.ID == keepID {
					continue
				}
				if err := c.Delete(ctx, d.ID); err != nil && !errors.Is(err, docs.ErrNotFound) {
					return ended, mapErr(err, "end sessions")
				}
				ended++
			}
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
	}
	return ended, nil
}
