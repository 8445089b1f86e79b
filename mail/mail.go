// Package mail sends email over SMTP. The domain decides what to send and
// records that it was sent; this package only delivers one message and
// says, when it fails, whether the server could have accepted it: the
// caller's at-most-once bookkeeping depends on that answer.
//
// It speaks SMTP with the standard library's net/smtp rather than a mail
// library because the outcome must be known per stage: a failure before
// the end of DATA (connect, TLS, AUTH, MAIL, RCPT, a body cut short) means
// nothing was delivered and a retry is safe; a refusal the server states
// after the final dot means the same; but a connection lost while waiting
// for that final reply leaves it unknown whether the server took the
// message. Only this package sees which stage failed.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Message is one email: plain text with an HTML alternative.
type Message struct {
	To, ToName string
	Subject    string
	Text, HTML string
	// MessageID, without angle brackets, e.g. "n1234@kompeten.example".
	// A caller that may retry passes the same id each time, so a mail
	// client that sees two copies can tell they are one message.
	MessageID string
}

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Config is a parsed KOMPETEN_SMTP with the sender address.
type Config struct {
	Host, Port string
	User, Pass string
	// Implicit is smtps://: TLS from the first byte. Otherwise STARTTLS
	// is used whenever the server offers it.
	Implicit bool
	From     string
	// TLS overrides the TLS settings (tests trust their own CA with it).
	TLS *tls.Config
	// Timeout bounds one delivery when the context has no deadline.
	Timeout time.Duration
}

// ParseURL reads smtp://[user:pass@]host[:port] or smtps://… (default
// ports 25 and 465).
func ParseURL(s string) (Config, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return Config{}, errors.New("want smtp://USER:PASS@HOST:PORT or smtps://USER:PASS@HOST:PORT")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return Config{}, errors.New("takes no path or query; want smtp://USER:PASS@HOST:PORT")
	}
	c := Config{Host: u.Hostname(), Port: u.Port(), Implicit: u.Scheme == "smtps"}
	if c.Port == "" {
		c.Port = "25"
		if c.Implicit {
			c.Port = "465"
		}
	}
	if p, err := strconv.Atoi(c.Port); err != nil || p < 1 || p > 65535 {
		return Config{}, fmt.Errorf("port %q is not a port number", c.Port)
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Pass, _ = u.User.Password()
	}
	return c, nil
}

// ParseFrom checks a sender address ("Kompeten <noreply@kota.go.id>").
func ParseFrom(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("must be one line")
	}
	return mail.ParseAddress(s)
}

// Error is a failed delivery.
type Error struct {
	// Stage is the SMTP step that failed: dial, tls, hello, starttls,
	// auth, mail, rcpt, data, body, end.
	Stage string
	// Unknown: the connection broke while the server was answering the
	// end of the message, so it may have accepted it.
	Unknown bool
	// Permanent: the server refused with a 5xx reply; trying again will
	// not help.
	Permanent bool
	Err       error
}

func (e *Error) Error() string { return "smtp " + e.Stage + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// MaybeSent reports whether err leaves open that the message was
// delivered (a caller that must not repeat a message does not retry it).
// Errors of other origins, such as a cancelled context before sending,
// say nothing was sent.
func MaybeSent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unknown
}

// Permanent reports whether the server refused the message for good.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// SMTP is the SMTP sender.
type SMTP struct {
	cfg  Config
	from *mail.Address
}

// NewSMTP checks cfg and returns its sender.
func NewSMTP(cfg Config) (*SMTP, error) {
	from, err := ParseFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	return &SMTP{cfg: cfg, from: from}, nil
}

func fail(stage string, err error) error {
	e := &Error{Stage: stage, Err: err}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		e.Permanent = tp.Code >= 500
	}
	return e
}

// Send delivers m in one SMTP session.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	body, err := Build(s.from, m, time.Now())
	if err != nil {
		return &Error{Stage: "build", Permanent: true, Err: err}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
	}
	addr := net.JoinHostPort(s.cfg.Host, s.cfg.Port)
	tlsCfg := s.cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsCfg = tlsCfg.Clone()
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = s.cfg.Host
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail("dial", err)
	}
	defer conn.Close()
	// net/smtp takes no context: the deadline goes on the connection, and
	// a cancellation closes it.
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if s.cfg.Implicit {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("tls", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fail("hello", err)
	}
	defer c.Close()
	if err := c.Hello(helloName(s.from.Address)); err != nil {
		return fail("hello", err)
	}
	if !s.cfg.Implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsCfg); err != nil {
				return fail("starttls", err)
			}
		}
	}
	if s.cfg.User != "" {
		// PlainAuth refuses to send the password over a connection that
		// is neither TLS nor to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Pass, s.cfg.Host)); err != nil {
			return fail("auth", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fail("mail", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fail("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(body); err != nil {
		// The final dot was never written: the server drops a message
		// cut short.
		return fail("body", err)
	}
	if err := w.Close(); err != nil {
		e := fail("end", err).(*Error)
		var tp *textproto.Error
		e.Unknown = !errors.As(err, &tp)
		return e
	}
	_ = c.Quit() // delivered; how the session ends no longer matters
	return nil
}

// helloName is the name given in EHLO: the sender's domain, a name the
// server can at least relate to the mail (net/smtp's default is
// "localhost", which some servers refuse).
func helloName(from string) string {
	if _, domain, ok := strings.Cut(from, "@"); ok && domain != "" && !strings.ContainsAny(domain, " \r\n") {
		return domain
	}
	return "localhost"
}

// Build writes m as an RFC 5322 message: UTF-8 text and HTML as
// multipart/alternative, quoted-printable, with headers encoded and no
// line breaks let in from any field.
func Build(from *mail.Address, m Message, now time.Time) ([]byte, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(m.To, "\r\n") {
		return nil, fmt.Errorf("recipient %q is not an address", m.To)
	}
	to.Name = oneLine(m.ToName)
	id := oneLine(m.MessageID)
	if id == "" || strings.ContainsAny(id, "<> ") {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b) + "@" + helloName(from.Address)
	}
	var buf bytes.Buffer
	h := func(k, v string) { buf.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+id+">")
	h("MIME-Version", "1.0")
	// RFC 3834: machine-sent; auto-responders should not answer it.
	h("Auto-Submitted", "auto-generated")
	mw := multipart.NewWriter(&buf)
	h("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	buf.WriteString("\r\n")
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if p.body == "" {
			continue
		}
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(crlf(p.body))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// crlf gives every line the CRLF ending SMTP wants.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
