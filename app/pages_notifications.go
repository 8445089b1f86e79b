package app

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

type notificationItem struct {
	notificationJSON
	When, ISO string
}

type notificationsView struct {
	Items  []notificationItem
	Unread int64
	// After is this page's cursor ("" on the first page); Next the
	// following page's.
	After, Next string
	Marked      bool
}

// notificationsPageView: GET /notifications, newest first, 20 a page.
func (a *App) notificationsPageView(c *fiber.Ctx) error {
	lang := langOf(c)
	p, err := a.notificationsPage(c, lang, 20)
	if err != nil {
		return err
	}
	v := notificationsView{Unread: p.Unread, After: c.Query("after"), Next: p.Next, Marked: c.Query("ok") == "read"}
	for _, n := range p.Items {
		v.Items = append(v.Items, notificationItem{notificationJSON: n, When: formatWhen(lang, n.CreatedAt), ISO: n.CreatedAt.Format("2006-01-02T15:04:05Z07:00")})
	}
	return a.page(c, "notifications", v)
}

// notificationsReadSubmit: POST /notifications/read with id=… (one) or
// all=1, then back to the page it came from.
func (a *App) notificationsReadSubmit(c *fiber.Ctx) error {
	id := utils.CopyString(c.FormValue("id"))
	all := c.FormValue("all") == "1"
	if !all && id == "" {
		return errField(422, "id", emsg("notify.ids_required"))
	}
	if _, err := a.markRead(c, []string{id}, all); err != nil {
		return err
	}
	next := "/notifications?ok=read"
	if after := c.FormValue("after"); after != "" && len(after) <= maxCursor {
		next += "&after=" + url.QueryEscape(after)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

type notificationSettingsView struct {
	notificationSettings
	Saved bool
}

// notificationSettingsPage: GET /notifications/settings.
func (a *App) notificationSettingsPage(c *fiber.Ctx) error {
	u, err := a.svc.User(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	return a.page(c, "notification_settings", notificationSettingsView{notificationSettings: a.settingsOf(u), Saved: c.Query("ok") == "saved"})
}

// notificationSettingsSubmit: POST /notifications/settings. An unticked
// box sends nothing, so absence means off.
func (a *App) notificationSettingsSubmit(c *fiber.Ctx) error {
	if _, err := a.svc.SetReminderEmail(c.UserContext(), currentUser(c).NIP, c.FormValue("email_reminders") == "1"); err != nil {
		return err
	}
	return c.Redirect("/notifications/settings?ok=saved", fiber.StatusSeeOther)
}
