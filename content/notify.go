package content

import (
	"context"
	"errors"
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
}

// Notify stores a notification unless its key was notified before, and
// reports whether it was new.
func (s *Service) Notify(ctx context.Context, n NewNotification) (bool, error) {
	if n.Key == "" || n.User == "" {
		return false, errors.New("notify: key and user are required")
	}
	doc := Notification{ID: "n" + Hash(n.Key)[:24], User: n.User, Kind: n.Kind, Text: n.Text, URL: n.URL,
		Created: s.now().UTC().Truncate(time.Millisecond)}
	err := s.docs.C(collNotifications).Insert(ctx, doc.ID, &doc)
	if errors.Is(err, docs.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "notify")
	}
	return true, nil
}
