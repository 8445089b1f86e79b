package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"mime"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/mail"
	"github.com/kotalama/kompeten/mail/mailpit"
)

func TestParseURL(t *testing.T) {
	good := map[string]mail.Config{
		"smtp://u:p@mail.kota.go.id:587": {Host: "mail.kota.go.id", Port: "587", User: "u", Pass: "p"},
		"smtps://mail.kota.go.id":        {Host: "mail.kota.go.id", Port: "465", Implicit: true},
		"smtp://127.0.0.1":               {Host: "127.0.0.1", Port: "25"},
		"smtp://a%40b:p%3Aq@h:25":        {Host: "h", Port: "25", User: "a@b", Pass: "p:q"},
	}
	for in, want := range good {
		got, err := mail.ParseURL(in)
		if err != nil || got.Host != want.Host || got.Port != want.Port || got.User != want.User || got.Pass != want.Pass || got.Implicit != want.Implicit {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "mail.kota.go.id", "http://h:25", "smtp://", "smtp://h:99999", "smtp://h:x", "smtp://h:25/path", "smtp://h?x=1"} {
		if _, err := mail.ParseURL(in); err == nil {
			t.Errorf("ParseURL(%q) accepted", in)
		}
	}
}

// TestBuildKeepsHeadersOneLine: a subject or name with line breaks cannot
// add headers; non-ASCII subjects are encoded.
func TestBuildKeepsHeadersOneLine(t *testing.T) {
	from, _ := mail.ParseFrom("Kompeten <noreply@kota.go.id>")
	b, err := mail.Build(from, mail.Message{To: "siti@kota.go.id", ToName: "Siti\r\nBcc: x@evil", Subject: "Tenggat «Orientasi»\r\nBcc: y@evil",
		Text: "Halo\nbaris dua", HTML: "<p>Halo</p>", MessageID: "n1@kota.go.id"}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Bcc"); got != "" {
		t.Fatalf("injected Bcc: %q", got)
	}
	subj, err := new(mimeDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != "Tenggat «Orientasi» Bcc: y@evil" {
		t.Fatalf("subject %q (%v)", subj, err)
	}
	if msg.Header.Get("Message-Id") != "<n1@kota.go.id>" {
		t.Fatalf("message id %q", msg.Header.Get("Message-Id"))
	}
	if _, err := mail.Build(from, mail.Message{To: "not an address"}, time.Now()); err == nil {
		t.Fatal("bad recipient accepted")
	}
}

func TestSendToMailpit(t *testing.T) {
	mp := mailpit.Start(t)
	s := sender(t, "smtp://"+mp.SMTPAddr, nil)
	err := s.Send(context.Background(), mail.Message{To: "siti@kota.go.id", ToName: "Siti Rahmawati", Subject: "Pengingat: tenggat «Orientasi ASN»",
		Text: "Halo Siti,\nBuka https://kompeten.example/x", HTML: "<p>Halo Siti</p>", MessageID: "abc123@kota.go.id"})
	if err != nil {
		t.Fatal(err)
	}
	ms := mp.Wait(1, 5*time.Second)
	m := mp.Message(ms[0].ID)
	if m.Subject != "Pengingat: tenggat «Orientasi ASN»" || len(m.To) != 1 || m.To[0].Address != "siti@kota.go.id" ||
		m.From.Address != "noreply@kota.go.id" || m.MessageID != "abc123@kota.go.id" {
		t.Fatalf("arrived: %+v", m.Summary)
	}
	if !strings.Contains(m.Text, "https://kompeten.example/x") || !strings.Contains(m.HTML, "<p>Halo Siti</p>") {
		t.Fatalf("body: %q / %q", m.Text, m.HTML)
	}
}

// TestSendSTARTTLSAndAuth: with the server offering STARTTLS and asking
// for a password, the sender upgrades and authenticates; implicit TLS
// (smtps://) works too.
func TestSendSTARTTLSAndAuth(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	auth := filepath.Join(dir, "auth")
	if err := os.WriteFile(auth, []byte("kompeten:rahasia\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsFlags := []string{"--smtp-tls-cert", filepath.Join(dir, "cert.pem"), "--smtp-tls-key", filepath.Join(dir, "key.pem"), "--smtp-auth-file", auth}
	mp := mailpit.Start(t, append(tlsFlags, "--smtp-require-starttls")...)
	_, port, _ := net.SplitHostPort(mp.SMTPAddr)
	if err := sender(t, "smtp://kompeten:rahasia@localhost:"+port, pool).Send(context.Background(), mail.Message{To: "a@kota.go.id", Subject: "starttls", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	mp.Wait(1, 5*time.Second)
	err := sender(t, "smtp://kompeten:salah@localhost:"+port, pool).Send(context.Background(), mail.Message{To: "a@kota.go.id", Subject: "wrong", Text: "x"})
	if err == nil || mail.MaybeSent(err) {
		t.Fatalf("wrong password: %v (maybe sent: %v)", err, mail.MaybeSent(err))
	}

	mps := mailpit.Start(t, append(tlsFlags, "--smtp-require-tls")...)
	_, port, _ = net.SplitHostPort(mps.SMTPAddr)
	if err := sender(t, "smtps://kompeten:rahasia@localhost:"+port, pool).Send(context.Background(), mail.Message{To: "a@kota.go.id", Subject: "smtps", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if ms := mps.Wait(1, 5*time.Second); ms[0].Subject != "smtps" {
		t.Fatalf("got %+v", ms)
	}
}

// TestSendFailureIsNotSent: a server that is not there is a failure that
// certainly sent nothing, so a retry is safe.
func TestSendFailureIsNotSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	err = sender(t, "smtp://"+addr, nil).Send(context.Background(), mail.Message{To: "a@kota.go.id", Subject: "x", Text: "x"})
	if err == nil || mail.MaybeSent(err) || mail.Permanent(err) {
		t.Fatalf("closed port: %v", err)
	}
}

// TestSendLostAtEndIsUnknown: a server that takes the message and drops
// the connection before confirming it leaves the outcome unknown.
func TestSendLostAtEndIsUnknown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64<<10)
		say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
		say("220 fake")
		var got strings.Builder
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			got.Write(buf[:n])
			s := got.String()
			got.Reset()
			switch {
			case strings.HasPrefix(s, "EHLO"):
				say("250 fake")
			case strings.HasPrefix(s, "MAIL"), strings.HasPrefix(s, "RCPT"):
				say("250 ok")
			case strings.HasPrefix(s, "DATA"):
				say("354 go on")
			case strings.Contains(s, "\r\n.\r\n"):
				return // the message is in; the answer never comes
			default:
				got.WriteString(s)
			}
		}
	}()
	err = sender(t, "smtp://"+l.Addr().String(), nil).Send(context.Background(), mail.Message{To: "a@kota.go.id", Subject: "x", Text: "x"})
	if !mail.MaybeSent(err) {
		t.Fatalf("lost at the end: %v, want maybe sent", err)
	}
}

func sender(t *testing.T, url string, pool *x509.CertPool) *mail.SMTP {
	t.Helper()
	cfg, err := mail.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.From = "Kompeten <noreply@kota.go.id>"
	cfg.Timeout = 10 * time.Second
	if pool != nil {
		cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// selfSigned writes cert.pem and key.pem for localhost into dir and
// returns a pool trusting it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

type mimeDecoder = mime.WordDecoder
