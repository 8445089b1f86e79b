package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

type notificationJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

type notificationsResponse struct {
	Items  []notificationJSON `json:"items"`
	Unread int64              `json:"unread"`
	// Next is the cursor of the following (older) page, empty on the last.
	Next string `json:"next,omitempty"`
}

// maxCursor bounds a page cursor a client sends back.
const maxCursor = 512

// notificationsPage reads ?limit= and ?after= and lists the caller's
// notifications with their text in lang.
func (a *App) notificationsPage(c *fiber.Ctx, lang string, defLimit int) (notificationsResponse, error) {
	limit := defLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > content.MaxNotificationPage {
			return notificationsResponse{}, errField(400, "limit", emsg("notify.limit", content.MaxNotificationPage))
		}
		limit = n
	}
	after := c.Query("after")
	if len(after) > maxCursor {
		return notificationsResponse{}, errField(400, "after", content.ErrBadCursor.Message())
	}
	p, err := a.svc.Notifications(c.UserContext(), currentUser(c).NIP, limit, after)
	if err != nil {
		return notificationsResponse{}, err
	}
	out := notificationsResponse{Items: make([]notificationJSON, 0, len(p.Items)), Unread: p.Unread, Next: p.Next}
	for _, n := range p.Items {
		out.Items = append(out.Items, notificationJSON{ID: n.ID, Kind: n.Kind, Text: a.notifText(lang, n.Text), URL: n.URL,
			CreatedAt: n.Created, Read: n.Read})
	}
	return out, nil
}

// listNotifications: GET /api/v1/notifications ?limit=&after= -> {items, unread, next}.
func (a *App) listNotifications(c *fiber.Ctx) error {
	out, err := a.notificationsPage(c, langOf(c), 20)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type markReadRequest struct {
	IDs []string `json:"ids"`
	All bool     `json:"all"`
}

// markNotificationsRead: POST /api/v1/notifications/read {ids} or {all:true}
// -> {marked, unread}. Ids that are not the caller's are passed over.
func (a *App) markNotificationsRead(c *fiber.Ctx) error {
	var in markReadRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !in.All && len(in.IDs) == 0 {
		return errField(422, "ids", emsg("notify.ids_required"))
	}
	n, err := a.markRead(c, in.IDs, in.All)
	if err != nil {
		return err
	}
	unread, err := a.svc.UnreadCount(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n, "unread": unread})
}

func (a *App) markRead(c *fiber.Ctx, ids []string, all bool) (int, error) {
	nip := currentUser(c).NIP
	if all {
		return a.svc.MarkAllRead(c.UserContext(), nip)
	}
	return a.svc.MarkRead(c.UserContext(), nip, ids)
}

type notificationSettings struct {
	EmailReminders bool `json:"email_reminders"`
	// Email is the address reminders go to ("" when the account has none).
	Email string `json:"email"`
	// MailConfigured says whether this platform sends email at all.
	MailConfigured bool `json:"mail_configured"`
}

func (a *App) settingsOf(u content.User) notificationSettings {
	return notificationSettings{EmailReminders: !u.ReminderEmailOff, Email: u.Email, MailConfigured: a.mailer != nil}
}

// getNotificationSettings: GET /api/v1/me/notification-settings.
func (a *App) getNotificationSettings(c *fiber.Ctx) error {
	u, err := a.svc.User(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	return c.JSON(a.settingsOf(u))
}

type notificationSettingsRequest struct {
	EmailReminders *bool `json:"email_reminders"`
}

// putNotificationSettings: PUT /api/v1/me/notification-settings {email_reminders}.
func (a *App) putNotificationSettings(c *fiber.Ctx) error {
	var in notificationSettingsRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.EmailReminders == nil {
		return errField(422, "email_reminders", emsg("required"))
	}
	u, err := a.svc.SetReminderEmail(c.UserContext(), currentUser(c).NIP, *in.EmailReminders)
	if err != nil {
		return err
	}
	return c.JSON(a.settingsOf(u))
}
