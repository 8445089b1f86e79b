package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/mail"
)

// newMailer is the configured email sender, or nil for in-app only.
func newMailer(cfg Config) (mail.Sender, error) {
	if cfg.SMTP == "" {
		return nil, nil
	}
	mc, err := mail.ParseURL(cfg.SMTP)
	if err != nil {
		return nil, &ConfigError{"KOMPETEN_SMTP", err.Error()}
	}
	mc.From = cfg.MailFrom
	return mail.NewSMTP(mc)
}

// unread is the bell's number; a failure to count shows no number rather
// than failing the page.
func (a *App) unread(c *fiber.Ctx, nip string) int64 {
	n, err := a.svc.UnreadCount(c.UserContext(), nip)
	if err != nil {
		a.log.Warn("unread count", "err", err)
		return 0
	}
	return n
}

// notifText is a notification's text in lang. Dates travel as
// YYYY-MM-DD strings and are written the language's way here.
func (a *App) notifText(lang string, m content.Msg) string {
	args := make([]any, len(m.Args))
	for i, v := range m.Args {
		if s, ok := v.(string); ok && len(s) == len(time.DateOnly) {
			if d, err := time.Parse(time.DateOnly, s); err == nil {
				v = formatDay(lang, d)
			}
		}
		args[i] = v
	}
	return a.tr(lang, content.Msg{Code: m.Code, Args: args})
}

// formatDay writes a calendar date: "12 Maret 2026", "12 March 2026".
func formatDay(lang string, d time.Time) string {
	if lang == "id" {
		return fmt.Sprintf("%d %s %d", d.Day(), monthsID[d.Month()-1], d.Year())
	}
	return d.Format("2 January 2006")
}

// formatWhen writes a moment in WIB: "12 Maret 2026, 08.15 WIB".
func formatWhen(lang string, t time.Time) string {
	t = t.In(wib)
	clock := t.Format("15:04")
	if lang == "id" {
		clock = t.Format("15.04")
	}
	return formatDay(lang, t) + ", " + clock + " WIB"
}

// absURL makes a notification's link absolute for an email: a path of
// ours under the public base URL; anything else leads home.
func (a *App) absURL(path string) string {
	base := strings.TrimRight(a.cfg.BaseURL, "/")
	if path == "" || safeNext(path) != path {
		return base + "/"
	}
	return base + path
}

// mailMessage is a notification as an email, in Bahasa Indonesia: the
// city's staff read the platform in it, and the mail goes out before
// anyone has chosen a language.
func (a *App) mailMessage(n content.Notification) (mail.Message, error) {
	const lang = "id"
	text := a.notifText(lang, n.Text)
	link := a.absURL(n.URL)
	settings := ""
	if content.IsReminder(n.Kind) {
		settings = a.absURL("/notifications/settings")
	}
	name := n.MailName
	if name == "" {
		name = n.MailTo
	}
	host := "kompeten"
	if u, err := url.Parse(a.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	v := mailView{Greeting: a.cat.T(lang, "mail.greeting", name), Text: text, Link: link,
		Open: a.cat.T(lang, "mail.open_button"), Footer: a.cat.T(lang, "mail.footer"), App: a.cat.T(lang, "app.name")}
	if settings != "" {
		v.Off, v.OffLink = a.cat.T(lang, "mail.reminder_off"), settings
	}
	var plain strings.Builder
	fmt.Fprintf(&plain, "%s\n\n%s\n\n%s: %s\n\n-- \n%s\n%s\n", v.Greeting, text, v.Open, link, v.App, v.Footer)
	if settings != "" {
		fmt.Fprintf(&plain, "%s %s\n", v.Off, settings)
	}
	var html bytes.Buffer
	if err := mailHTML.Execute(&html, v); err != nil {
		return mail.Message{}, err
	}
	subject := text
	if r := []rune(subject); len(r) > 150 {
		subject = string(r[:149]) + "…"
	}
	return mail.Message{To: n.MailTo, ToName: n.MailName, Subject: subject, Text: plain.String(), HTML: html.String(),
		MessageID: n.ID + "@" + host}, nil
}

type mailView struct {
	Greeting, Text, Link, Open, Footer, App, Off, OffLink string
}

// mailHTML is the HTML part: plain markup with inline styles, which mail
// clients keep.
var mailHTML = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="id"><body style="margin:0;padding:16px;background:#f6f7f8;font-family:Arial,sans-serif;color:#1d2327">
<div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #d8dde1;border-radius:8px;padding:20px">
<p style="margin:0 0 12px;font-weight:bold;color:#0b5f6b">{{.App}}</p>
<p>{{.Greeting}}</p>
<p style="font-size:16px">{{.Text}}</p>
<p><a href="{{.Link}}" style="display:inline-block;background:#0b5f6b;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:bold">{{.Open}}</a></p>
<p style="font-size:13px;color:#55606a">{{.Link}}</p>
<hr style="border:0;border-top:1px solid #d8dde1">
<p style="font-size:13px;color:#55606a">{{.Footer}}{{if .OffLink}}<br>{{.Off}} <a href="{{.OffLink}}">{{.OffLink}}</a>{{end}}</p>
</div></body></html>
`))

// mailBatch is how many emails one worker round claims.
const mailBatch = 20

// mailLease names the lease under which one instance at a time sends
// email. Each email is also claimed on its own before it is sent, so even
// two senders would not send one twice; the lease keeps the fleet from
// opening more connections to the mail server than one instance would.
const mailLease = "mail"

// sendMail sends the email that is due, until none is or ctx ends.
func (a *App) sendMail(ctx context.Context) {
	if a.mailer == nil {
		return
	}
	err := a.svc.WithLease(ctx, mailLease, time.Minute, func(ctx context.Context, _ *content.Lease) error {
		if n, err := a.svc.ExpireMailClaims(ctx); err != nil {
			return err
		} else if n > 0 {
			a.log.Warn("mail: sends that never reported back; not retried", "count", n)
		}
		for ctx.Err() == nil {
			batch, err := a.svc.ClaimMail(ctx, mailBatch)
			if err != nil {
				return err
			}
			for _, n := range batch {
				a.sendOne(ctx, n)
			}
			if len(batch) < mailBatch {
				return nil
			}
		}
		return ctx.Err()
	})
	if err != nil && !errors.Is(err, content.ErrLeaseHeld) && ctx.Err() == nil {
		a.log.Warn("mail", "err", err)
	}
}

func (a *App) sendOne(ctx context.Context, n content.Notification) {
	m, err := a.mailMessage(n)
	out := content.MailDelivered
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err = a.mailer.Send(sctx, m)
		cancel()
	}
	switch {
	case err == nil:
	case mail.MaybeSent(err):
		out = content.MailMaybe
	case mail.Permanent(err):
		out = content.MailGiveUp
	default:
		out = content.MailRetry
	}
	if err != nil {
		a.log.Warn("mail not sent", "notification", n.ID, "attempt", n.MailAttempts, "err", err)
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	// Recorded even if ctx ended meanwhile: the outcome is known now.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if rerr := a.svc.MailResult(rctx, n, out, errText); rerr != nil {
		a.log.Warn("mail result", "notification", n.ID, "err", rerr)
	}
}

// reminderLease makes the reminder pass run once per period across the
// fleet; reminderRunLease keeps a pass that outlasts its period from
// running beside the next one.
const (
	reminderLease    = "reminders"
	reminderRunLease = "reminders-run"
)

func (a *App) remind(ctx context.Context) {
	mine, err := a.svc.ClaimPeriod(ctx, reminderLease, a.jobs.remindEvery*9/10)
	if err != nil || !mine {
		if err != nil && ctx.Err() == nil {
			a.log.Warn("reminders", "err", err)
		}
		return
	}
	err = a.svc.WithLease(ctx, reminderRunLease, time.Minute, func(ctx context.Context, _ *content.Lease) error {
		start := time.Now()
		st, err := a.svc.RemindAssignees(ctx)
		if st.Created > 0 || err != nil {
			a.log.Info("reminders", "checked", st.Checked, "notified", st.Created, "took", time.Since(start).Round(time.Millisecond))
		}
		return err
	})
	if err != nil && !errors.Is(err, content.ErrLeaseHeld) && ctx.Err() == nil {
		a.log.Warn("reminders", "err", err)
	}
}
