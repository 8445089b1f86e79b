package content

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Notification is one message to a user, shown in the app (the bell) and,
// where the user has an address and wants it, sent by email. Its text is a
// message code with args, so each reader sees it in their language.
type Notification struct {
	ID      string    `bson:"id" json:"id"`
	User    string    `bson:"user" json:"-"`
	Kind    string    `bson:"kind" json:"kind"`
	Text    Msg       `bson:"text" json:"-"`
	URL     string    `bson:"url,omitempty" json:"url,omitempty"`
	Created time.Time `bson:"created" json:"created_at"`
	Read    bool      `bson:"read" json:"read"`

	// The email copy lives in the same document, so deciding to send it
	// and storing the notification are one write: whoever stores the
	// notification queues its email, and nobody else can.
	Mail     string `bson:"mail,omitempty" json:"-"` // one of the Mail* states; "" is in-app only
	MailTo   string `bson:"mail_to,omitempty" json:"-"`
	MailName string `bson:"mail_name,omitempty" json:"-"`
	// MailNext is when a pending email is due, or when a claim lapses.
	MailNext     time.Time `bson:"mail_next,omitempty" json:"-"`
	MailAttempts int       `bson:"mail_attempts,omitempty" json:"-"`
	MailOwner    string    `bson:"mail_owner,omitempty" json:"-"`
	MailErr      string    `bson:"mail_err,omitempty" json:"-"`
	MailSent     time.Time `bson:"mail_sent,omitempty" json:"-"`
}

// Mail states of a notification's email.
const (
	MailPending = "pending"
	// MailSending is a worker's claim, written before it starts to send.
	MailSending = "sending"
	MailSent    = "sent"
	// MailFailed: refused for good, too many attempts, or too old.
	MailFailed = "failed"
	// MailUnknown: a send began and its worker never reported back (it
	// died or stalled). It may have gone out, so it is not tried again.
	MailUnknown = "unknown"
)

// Notification kinds. Reminders (the kinds starting "reminder") are the
// emails a user can turn off; other kinds are emailed whenever the user
// has an address.
const (
	KindDue7         = "reminder.due7"
	KindDue1         = "reminder.due1"
	KindOverdue      = "reminder.overdue"
	KindTeamOverdue  = "reminder.team_overdue"
	kindReminderRoot = "reminder"
)

// IsReminder reports whether kind is a reminder (email can be turned off).
func IsReminder(kind string) bool {
	return kind == kindReminderRoot || strings.HasPrefix(kind, kindReminderRoot+".")
}

// NewNotification is what a feature asks to tell a user. Key names the
// occasion ("assign/<id>/<nip>/due7"): a notification is stored under a
// hash of its key, so the same occasion never notifies twice, whichever
// instance asks and however often.
type NewNotification struct {
	Key  string
	User string
	Kind string
	Text Msg
	URL  string
	// NoEmail keeps it in the app, whatever the user's address.
	NoEmail bool
}

func notificationID(key string) string { return "n" + Hash(key)[:24] }

// Notify stores a notification unless its key was notified before, and
// reports whether it was new. Its email is queued in the same write when
// email is configured and the user has an active account with an address
// (and, for a reminder, has not turned reminder email off); otherwise it
// stays in the app, which is never an error.
func (s *Service) Notify(ctx context.Context, n NewNotification) (bool, error) {
	if n.Key == "" || n.User == "" {
		return false, errors.New("notify: key and user are required")
	}
	var u User
	if s.opts.Mail && !n.NoEmail {
		if _, err := s.docs.C(collUsers).Get(ctx, n.User, &u); err != nil && !errors.Is(err, docs.ErrNotFound) {
			return false, mapErr(err, "notify: user "+n.User)
		}
	}
	return s.notifyAs(ctx, n, u)
}

// notifyAs is Notify with the user already read (the reminder pass reads
// each person once for all their records); u is the zero User when no
// email is wanted.
func (s *Service) notifyAs(ctx context.Context, n NewNotification, u User) (bool, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	doc := Notification{ID: notificationID(n.Key), User: n.User, Kind: n.Kind, Text: n.Text, URL: n.URL, Created: now}
	if s.opts.Mail && !n.NoEmail && u.NIP == n.User && u.Email != "" && u.Active() && !(IsReminder(n.Kind) && u.ReminderEmailOff) {
		doc.Mail, doc.MailTo, doc.MailName, doc.MailNext = MailPending, u.Email, u.Name, now
	}
	err := s.docs.C(collNotifications).Insert(ctx, doc.ID, &doc)
	if errors.Is(err, docs.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "notify")
	}
	return true, nil
}

// notified reports whether the occasion under key was notified already: a
// read, cheaper than the refused insert that Notify would find out with.
func (s *Service) notified(ctx context.Context, key string) (bool, error) {
	var n Notification
	_, err := s.docs.C(collNotifications).Get(ctx, notificationID(key), &n)
	if errors.Is(err, docs.ErrNotFound) {
		return false, nil
	}
	return err == nil, mapErr(err, "notification")
}

// NotificationPage is one page of a user's notifications, newest first.
type NotificationPage struct {
	Items  []Notification
	Next   string
	Unread int64
}

// MaxNotificationPage bounds one page of notifications.
const MaxNotificationPage = 100

// Notifications lists the user's notifications, newest first, limit a
// page (after is the previous page's Next), with the unread count.
func (s *Service) Notifications(ctx context.Context, nip string, limit int, after string) (NotificationPage, error) {
	if limit <= 0 || limit > MaxNotificationPage {
		limit = 20
	}
	items, next, err := docs.FindAll[Notification](ctx, s.docs.C(collNotifications), docs.Query{
		Where: []docs.Eq{{Field: "user", Value: nip}}, Sort: "created", Desc: true, Limit: limit, After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return NotificationPage{}, invalid("after", ErrBadCursor.Message())
	}
	if err != nil {
		return NotificationPage{}, mapErr(err, "notifications")
	}
	unread, err := s.UnreadCount(ctx, nip)
	return NotificationPage{Items: items, Next: next, Unread: unread}, err
}

// UnreadCount is the number on the bell: an indexed count of the user's
// unread notifications, which stays small however many were read.
func (s *Service) UnreadCount(ctx context.Context, nip string) (int64, error) {
	n, err := s.docs.C(collNotifications).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}, {Field: "read", Value: false}}})
	return n, mapErr(err, "unread notifications")
}

// MaxMarkRead bounds the ids of one mark-read request.
const MaxMarkRead = 100

// MarkRead marks the user's notifications with these ids read; ids of
// others' notifications, or unknown ones, are passed over (saying which
// exist would tell one user about another's). It returns how many changed.
func (s *Service) MarkRead(ctx context.Context, nip string, ids []string) (int, error) {
	if len(ids) > MaxMarkRead {
		return 0, invalid("ids", msg("notify.too_many", MaxMarkRead))
	}
	changed := 0
	for _, id := range ids {
		if len(id) > 64 {
			continue
		}
		did := false
		_, err := docs.Update(ctx, s.docs.C(collNotifications), id, func(n *Notification) error {
			did = false
			if n.User != nip || n.Read {
				return errNoChange
			}
			n.Read, did = true, true
			return nil
		})
		if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, docs.ErrNotFound) {
			return changed, mapErr(err, "mark read")
		}
		if did && err == nil {
			changed++
		}
	}
	return changed, nil
}

// MarkAllRead marks every unread notification of the user read, page by
// page through the unread index.
func (s *Service) MarkAllRead(ctx context.Context, nip string) (int, error) {
	changed := 0
	for {
		items, _, err := docs.FindAll[Notification](ctx, s.docs.C(collNotifications), docs.Query{
			Where: []docs.Eq{{Field: "user", Value: nip}, {Field: "read", Value: false}}, Limit: MaxMarkRead})
		if err != nil {
			return changed, mapErr(err, "mark all read")
		}
		if len(items) == 0 {
			return changed, nil
		}
		ids := make([]string, len(items))
		for i, n := range items {
			ids[i] = n.ID
		}
		n, err := s.MarkRead(ctx, nip, ids)
		changed += n
		if err != nil || n == 0 {
			return changed, err
		}
	}
}

// SetReminderEmail turns the user's reminder emails on or off.
func (s *Service) SetReminderEmail(ctx context.Context, nip string, on bool) (User, error) {
	u, err := docs.Update(ctx, s.docs.C(collUsers), nip, func(u *User) error {
		u.ReminderEmailOff = !on
		return nil
	})
	return u, mapErr(err, "user "+nip)
}
