package content

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kotalama/kompeten/storage/docs"
)

// Email delivery of notifications is at most once. A worker claims an
// email (pending -> sending, a version-guarded write naming this
// instance) BEFORE it opens the SMTP connection, and records the outcome
// after. Two workers cannot both claim one email: the second write finds
// the version moved. If the worker dies between its claim and its record,
// the email stays "sending" until the claim lapses and is then marked
// unknown, never sent again: a reminder that arrives twice teaches people
// to ignore reminders, while one that is lost is still in the app, under
// the bell. (A Message-ID as idempotency key would not help: SMTP servers
// do not deduplicate on it.) A failure that the sender knows sent nothing
// (no connection, a refusal before or at the end of the message) goes
// back to pending, with a growing wait.

// MailOutcome is what became of one attempt to send a notification's email.
type MailOutcome int

const (
	// MailDelivered: the server accepted it.
	MailDelivered MailOutcome = iota
	// MailRetry: nothing was sent; try again later.
	MailRetry
	// MailGiveUp: refused for good (a bad address).
	MailGiveUp
	// MailMaybe: the connection broke as the server answered; it may
	// have been delivered, so it is not tried again.
	MailMaybe
)

const (
	// MailClaimTTL is how long a claim stands before a worker that has not
	// reported is taken for dead (well above one SMTP session's time out).
	MailClaimTTL = 10 * time.Minute
	// MailMaxAttempts: after this many failed attempts an email is given up.
	MailMaxAttempts = 10
	// MailMaxAge: an email not sent by then is given up; a reminder that
	// arrives days late misleads more than it helps.
	MailMaxAge     = 3 * 24 * time.Hour
	mailBackoff    = time.Minute
	mailBackoffMax = time.Hour
)

// ClaimMail claims up to n emails that are due and returns them, each now
// this instance's to send. Emails too old to send are given up on the way.
func (s *Service) ClaimMail(ctx context.Context, n int) ([]Notification, error) {
	c := s.docs.C(collNotifications)
	now := s.now().UTC().Truncate(time.Millisecond)
	page, err := c.Find(ctx, docs.Query{Where: []docs.Eq{{Field: "mail", Value: MailPending}},
		Range: &docs.Range{Field: "mail_next", Lte: now}, Sort: "mail_next", Limit: n})
	if err != nil {
		return nil, mapErr(err, "mail queue")
	}
	var out []Notification
	for _, d := range page.Docs {
		var nt Notification
		if err := bson.Unmarshal(d.BSON, &nt); err != nil {
			return out, err
		}
		nt.MailAttempts++
		nt.MailOwner, nt.MailErr = s.instance, ""
		nt.Mail, nt.MailNext = MailSending, now.Add(MailClaimTTL)
		if now.Sub(nt.Created) > MailMaxAge {
			nt.Mail, nt.MailNext, nt.MailErr = MailFailed, time.Time{}, "too old to send"
		}
		_, err := c.Replace(ctx, d.ID, d.Version, &nt)
		if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
			continue // another worker got there first
		}
		if err != nil {
			return out, mapErr(err, "mail claim")
		}
		if nt.Mail == MailSending {
			out = append(out, nt)
		}
	}
	return out, nil
}

// MailResult records what became of a claimed email. A claim that is no
// longer this attempt's (it lapsed and was written off) is left alone.
func (s *Service) MailResult(ctx context.Context, claimed Notification, out MailOutcome, errText string) error {
	if len(errText) > 500 {
		errText = errText[:500]
	}
	_, err := docs.Update(ctx, s.docs.C(collNotifications), claimed.ID, func(n *Notification) error {
		if n.Mail != MailSending || n.MailOwner != claimed.MailOwner || n.MailAttempts != claimed.MailAttempts {
			return errNoChange
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		n.MailErr, n.MailNext = errText, time.Time{}
		switch {
		case out == MailDelivered:
			n.Mail, n.MailSent = MailSent, now
		case out == MailMaybe:
			n.Mail = MailUnknown
		case out == MailGiveUp || n.MailAttempts >= MailMaxAttempts:
			n.Mail = MailFailed
		default:
			n.Mail, n.MailNext = MailPending, now.Add(min(mailBackoff<<min(n.MailAttempts-1, 10), mailBackoffMax))
		}
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	return mapErr(err, "mail result "+claimed.ID)
}

// ExpireMailClaims writes off claims whose worker never reported (see
// the top of this file): they become unknown, never sent again. It
// returns how many.
func (s *Service) ExpireMailClaims(ctx context.Context) (int, error) {
	c := s.docs.C(collNotifications)
	now := s.now().UTC()
	page, err := c.Find(ctx, docs.Query{Where: []docs.Eq{{Field: "mail", Value: MailSending}},
		Range: &docs.Range{Field: "mail_next", Lte: now}, Sort: "mail_next", Limit: 100})
	if err != nil {
		return 0, mapErr(err, "mail claims")
	}
	n := 0
	for _, d := range page.Docs {
		var nt Notification
		if err := bson.Unmarshal(d.BSON, &nt); err != nil {
			return n, err
		}
		nt.Mail, nt.MailNext, nt.MailErr = MailUnknown, time.Time{}, "the sending worker stopped without reporting; not retried"
		_, err := c.Replace(ctx, d.ID, d.Version, &nt)
		if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, mapErr(err, "mail claims")
		}
		n++
	}
	return n, nil
}

// Notification returns one notification by id (tests and tools look at
// its mail state).
func (s *Service) Notification(ctx context.Context, id string) (Notification, error) {
	var n Notification
	_, err := s.docs.C(collNotifications).Get(ctx, id, &n)
	return n, mapErr(err, "notification "+id)
}

// NotificationID is the id a notification with this key is stored under.
func NotificationID(key string) string { return notificationID(key) }
