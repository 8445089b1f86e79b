package content

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: one of OWASP's equivalent recommended settings
// (7 MiB, t=5, p=1). Of those, the one with the least memory: every login
// holds this much for its hash, and a class logging in at once multiplies
// it. Hashes keep their parameters, so changing these later is safe.
const (
	argonMemory  = 7 * 1024
	argonTime    = 5
	argonThreads = 1
	argonKeyLen  = 32
)

var errBadHash = errors.New("content: malformed password hash")

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("content: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC-encoded hash. It
// reads the parameters from the hash, so raising them later keeps old
// hashes valid.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || p == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// hashWait is how long a login waits for a hashing slot before it is
// turned away with ErrBusy. A class signing in together queues for less
// than this; a flood of logins is refused instead of holding memory.
const hashWait = 3 * time.Second

// hashConcurrency is the number of password hashes computed at once. A
// hash runs on one thread, so more than one per CPU only adds memory
// (argonMemory each) and latency, never throughput.
func hashConcurrency() int { return max(2, runtime.GOMAXPROCS(0)) }

// SetHashing changes the hashing bound; tests use it to fill the slots.
func (s *Service) SetHashing(slots int, wait time.Duration) {
	s.hashSlots, s.hashWait = make(chan struct{}, slots), wait
}

// withHashSlot runs fn while holding one of the hashing slots, or returns
// ErrBusy when none frees up within hashWait.
func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	select {
	case s.hashSlots <- struct{}{}:
	default:
		t := time.NewTimer(s.hashWait)
		defer t.Stop()
		select {
		case s.hashSlots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			return ErrBusy
		}
	}
	defer func() { <-s.hashSlots }()
	fn()
	return nil
}

func (s *Service) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if serr := s.withHashSlot(ctx, func() { hash, err = HashPassword(password) }); serr != nil {
		return "", serr
	}
	return hash, err
}

func (s *Service) checkPassword(ctx context.Context, hash, password string) (ok bool, err error) {
	if serr := s.withHashSlot(ctx, func() { ok, err = CheckPassword(hash, password) }); serr != nil {
		return false, serr
	}
	return ok, err
}
