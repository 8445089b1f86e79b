// Package content is the learning domain: users, sessions, courses,
// lessons, quizzes, enrollments, progress and certificates, with their rules.
// It knows nothing of HTTP; the app package translates its errors.
package content

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/docs"
)

// Errors the app maps to HTTP statuses.
var (
	ErrNotFound       = newError("not_found", "not found")
	ErrDuplicate      = newError("duplicate", "already exists")
	ErrUnauthorized   = newError("invalid_credentials", "wrong NIP or password")
	ErrForbidden      = newError("forbidden", "not allowed")
	ErrThrottled      = newError("throttled", "too many login attempts")
	ErrSessionExpired = newError("session_expired", "session ended")
	// ErrBadCursor: a page cursor that no listing of ours produced.
	ErrBadCursor = newError("bad_cursor", "invalid page cursor")
	// ErrBusy: every password-hashing slot stayed taken for the wait.
	ErrBusy = newError("busy", "server busy")
)

// Options are the domain's settings.
type Options struct {
	// UploadMax is the largest accepted upload in bytes.
	UploadMax int64
	// ReadingWPM is the fastest reading credited, in words per minute: a
	// text lesson is done no sooner than its words take at this speed.
	ReadingWPM int
	// PDFText extracts a PDF's text for search within its own limits on
	// time, memory and output; the app runs it in a child process. Errors
	// wrapping pdftext.ErrUnreadable are recorded against the file; others
	// are retried. Nil extracts in process.
	PDFText func(ctx context.Context, pdf io.Reader) (string, error)
	// IndexLease is the time to live of the search indexer's lease: how
	// long the queue waits when the instance working it dies. Zero is
	// 30 s.
	IndexLease time.Duration
	// Mail says email is configured: only then does Notify queue emails,
	// so none pile up to go out, long stale, when it is set up later.
	Mail bool
	// SKMLimits bound citizens' feedback per address and per service
	// (skm_responses.go); zero fields take the defaults.
	SKMLimits SKMLimits
	// MentoringMinutesPerJP is how many confirmed minutes of mentoring
	// make one JP; zero is DefaultMinutesPerJP.
	MentoringMinutesPerJP int
	// L3Weeks is how many weeks after a completion the learner's atasan
	// is asked to rate the training's effect (impact.go); 0 is 8.
	L3Weeks int
}

// Service holds the domain rules over the stores.
type Service struct {
	docs  docs.Store
	blobs blobs.Store // nil for the CLI, which touches only documents
	opts  Options
	md    *Markdown
	// clock is the time source (tests move it while the server runs, so
	// it is swapped atomically); nil is the real clock.
	clock atomic.Pointer[func() time.Time]
	// instance is this process's owner id for leases and once-only records.
	instance string
	// leaseSpan is the time to live of the search indexer's lease; tests
	// shorten it.
	leaseSpan time.Duration
	catalog   *ttlCache[CatalogQuery, CourseList]
	quizzes   *ttlCache[string, Quiz]
	// courses holds course metadata for the learner's paths (courseTTL).
	courses courseCache
	// indexing serialises index writes per course (outbox.go).
	indexing courseLocks
	// dummyHash is checked when an account does not exist, so a login for
	// an unknown NIP takes as long as one for a known NIP.
	dummyHash string
	// hashSlots bounds concurrent password hashing; see hashPassword.
	hashSlots chan struct{}
	hashWait  time.Duration
	// skmKey caches the key that signs SKM form tokens (skm_responses.go).
	skmKey atomic.Pointer[[]byte]
	// seatQueues batches this instance's registrations per event
	// (events_registration.go); transient, nothing another instance needs.
	seatQueues seatQueues
	// checkinSecret caches the key check-in codes derive from (attendance.go).
	checkinSecret atomic.Pointer[[]byte]
}

// New returns the domain service over open stores. b may be nil when only
// accounts are managed (the CLI).
func New(d docs.Store, b blobs.Store, opts Options) (*Service, error) {
	dummy, err := HashPassword("kompeten-dummy-password")
	if err != nil {
		return nil, err
	}
	if opts.UploadMax <= 0 {
		opts.UploadMax = 4 << 30
	}
	if opts.ReadingWPM <= 0 {
		opts.ReadingWPM = DefaultReadingWPM
	}
	if opts.IndexLease <= 0 {
		opts.IndexLease = indexLeaseTTL
	}
	opts.SKMLimits = opts.SKMLimits.withDefaults()
	return &Service{docs: d, blobs: b, opts: opts, md: NewMarkdown(), instance: newID(16), leaseSpan: opts.IndexLease,
		catalog: &ttlCache[CatalogQuery, CourseList]{ttl: catalogTTL}, quizzes: &ttlCache[string, Quiz]{ttl: quizTTL}, dummyHash: dummy,
		hashSlots: make(chan struct{}, hashConcurrency()), hashWait: hashWait}, nil
}

// Markdown is the service's Markdown renderer.
func (s *Service) Markdown() *Markdown { return s.md }

// SetClock replaces the clock; tests use it to move time.
func (s *Service) SetClock(now func() time.Time) { s.clock.Store(&now) }

// now is the service's time: the real clock unless a test set another.
func (s *Service) now() time.Time {
	if f := s.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// mapErr turns store errors into domain errors, keeping the store's text.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, docs.ErrNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, docs.ErrDuplicate):
		return fmt.Errorf("%s: %w", what, ErrDuplicate)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// upsert applies fn to the document at id, creating it from the zero value
// when missing. Racing creators fall back to updating.
func upsert[T any](ctx context.Context, c docs.Collection, id string, fn func(*T) error) (T, error) {
	v, err := docs.Update(ctx, c, id, fn)
	if !errors.Is(err, docs.ErrNotFound) {
		return v, err
	}
	var fresh T
	if err := fn(&fresh); err != nil {
		return fresh, err
	}
	err = c.Insert(ctx, id, &fresh)
	if errors.Is(err, docs.ErrDuplicate) {
		return docs.Update(ctx, c, id, fn)
	}
	return fresh, err
}

type secretDoc struct {
	Value []byte `bson:"value"`
}

// Secret returns a random server secret by name, created once and shared by
// every instance through the store (so CSRF tokens verify on any instance).
func (s *Service) Secret(ctx context.Context, name string) ([]byte, error) {
	c := s.docs.C(collSettings)
	var d secretDoc
	_, err := c.Get(ctx, "secret:"+name, &d)
	if err == nil {
		return d.Value, nil
	}
	if !errors.Is(err, docs.ErrNotFound) {
		return nil, mapErr(err, "secret")
	}
	d.Value = make([]byte, 32)
	if _, err := rand.Read(d.Value); err != nil {
		return nil, err
	}
	err = c.Insert(ctx, "secret:"+name, &d)
	if errors.Is(err, docs.ErrDuplicate) {
		return s.Secret(ctx, name)
	}
	return d.Value, mapErr(err, "secret")
}
