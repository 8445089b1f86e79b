package content

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// ActivationLifetime is how long an activation or reset link works.
const ActivationLifetime = 72 * time.Hour

// activation is a one-use code that lets a user set a password: for a new
// account from an import, or a reset by an admin. Only the code's hash is
// stored.
type activation struct {
	User    string    `bson:"user"`
	Created time.Time `bson:"created"`
	Expires time.Time `bson:"expires"`
	Used    time.Time `bson:"used,omitempty"`
}

// ErrActivationInvalid means an activation code is unknown, used or expired.
var ErrActivationInvalid = newError("activation_invalid", "activation code unknown, used or expired")

// IssueActivation creates a one-use code for nip to set a password with,
// valid for ActivationLifetime. The caller builds the link from the code.
func (s *Service) IssueActivation(ctx context.Context, nip string) (code string, expires time.Time, err error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	code = base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC().Truncate(time.Millisecond)
	a := activation{User: nip, Created: now, Expires: now.Add(ActivationLifetime)}
	if err := s.docs.C(collActivations).Insert(ctx, Hash(code), &a); err != nil {
		return "", time.Time{}, mapErr(err, "activation")
	}
	return code, a.Expires, nil
}

// Activate sets the password of the code's user, uses the code up, and
// ends the user's sessions and tokens. A code works once, even when two
// requests race: marking it used is a version-guarded write.
func (s *Service) Activate(ctx context.Context, code, password string) (User, error) {
	if n := len([]rune(password)); n < MinPasswordLen {
		return User{}, invalid("password", msg("user.password_short", MinPasswordLen))
	} else if n > 128 {
		return User{}, invalid("password", msg("too_long", 128))
	}
	if code == "" || len(code) > 100 {
		return User{}, ErrActivationInvalid
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var a activation
	c := s.docs.C(collActivations)
	v, err := c.Get(ctx, Hash(code), &a)
	if errors.Is(err, docs.ErrNotFound) {
		return User{}, ErrActivationInvalid
	}
	if err != nil {
		return User{}, mapErr(err, "activation")
	}
	if !a.Used.IsZero() || now.After(a.Expires) {
		return User{}, ErrActivationInvalid
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return User{}, err
	}
	a.Used = now
	if _, err := c.Replace(ctx, Hash(code), v, &a); errors.Is(err, docs.ErrConflict) {
		return User{}, ErrActivationInvalid
	} else if err != nil {
		return User{}, mapErr(err, "activation")
	}
	u, err := docs.Update(ctx, s.docs.C(collUsers), a.User, func(u *User) error {
		if !u.Active() {
			return ErrActivationInvalid
		}
		u.PasswordHash = hash
		return nil
	})
	if err != nil {
		return User{}, mapErr(err, "user "+a.User)
	}
	if _, err := s.EndUserSessions(ctx, u.NIP, ""); err != nil {
		return User{}, err
	}
	return u, nil
}
