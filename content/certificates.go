package content

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Issuer is who signs certificates.
const Issuer = "BKPSDM Kota Kotalama"

// Certificate is issued once per completed enrolment. Its document id is
// user/course, so two racing completions cannot issue two; its code is
// random (65 bits) and is what the public uses to verify it.
type Certificate struct {
	Code        string    `bson:"code" json:"code"`
	User        string    `bson:"user" json:"-"`
	Name        string    `bson:"name" json:"name"`
	NIP         string    `bson:"nip" json:"-"`
	Course      string    `bson:"course" json:"course_id"`
	CourseTitle string    `bson:"course_title" json:"course"`
	JP          int       `bson:"jp" json:"jp"`
	Issued      time.Time `bson:"issued" json:"issued_at"`
	Issuer      string    `bson:"issuer" json:"issuer"`
	// Copied from CertificateSettings at issue; empty on certificates
	// issued before an admin set them.
	Place       string `bson:"place,omitempty" json:"place,omitempty"`
	SignerName  string `bson:"signer_name,omitempty" json:"signer_name,omitempty"`
	SignerTitle string `bson:"signer_title,omitempty" json:"signer_title,omitempty"`
	SignerNIP   string `bson:"signer_nip,omitempty" json:"signer_nip,omitempty"`
	Logo        string `bson:"logo,omitempty" json:"logo,omitempty"`
	// Event is set on a certificate of attendance at an event (its id and
	// kind); CourseTitle then holds the event's title and Course is empty.
	Event     string `bson:"event,omitempty" json:"event_id,omitempty"`
	EventKind string `bson:"event_kind,omitempty" json:"event_kind,omitempty"`
}

// codeLen characters of 5 bits each: 65 random bits.
const codeLen = 13

// FormatCode shows a code in groups a person can read aloud and type:
// ABCD-EFGH-JKMNP.
func FormatCode(code string) string {
	c := strings.ToUpper(code)
	if len(c) != codeLen {
		return c
	}
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
}

// NormalizeCode undoes formatting and common misreadings (I and L read as
// 1, O as 0, U as V), so a typed code finds its certificate.
func NormalizeCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ':
			return -1
		case 'i', 'l':
			return '1'
		case 'o':
			return '0'
		case 'u':
			return 'v'
		}
		return r
	}, s)
}

func certificateID(nip, course string) string { return nip + "/" + course }

// ensureCertificate issues the certificate of a completed enrolment once,
// credits its JP to the ledger, and records the code in the enrolment.
func (s *Service) ensureCertificate(ctx context.Context, e Enrollment, c Course) error {
	if e.Completed.IsZero() {
		return nil
	}
	id := certificateID(e.User, c.ID)
	var cert Certificate
	var holder *User
	_, err := s.docs.C(collCertificates).Get(ctx, id, &cert)
	if errors.Is(err, docs.ErrNotFound) {
		u, err := s.User(ctx, e.User)
		if err != nil {
			return err
		}
		holder = &u
		set, err := s.CertificateSettings(ctx)
		if err != nil {
			return err
		}
		cert = Certificate{Code: newID(codeLen), User: u.NIP, Name: u.Name, NIP: u.NIP, Course: c.ID, CourseTitle: c.Title,
			JP: e.JP, Issued: e.Completed, Issuer: set.Issuer, Place: set.Place, SignerName: set.SignerName,
			SignerTitle: set.SignerTitle, SignerNIP: set.SignerNIP, Logo: set.Logo}
		err = s.docs.C(collCertificates).Insert(ctx, id, &cert)
		if errors.Is(err, docs.ErrDuplicate) {
			_, err = s.docs.C(collCertificates).Get(ctx, id, &cert)
		}
		if err != nil {
			return mapErr(err, "certificate")
		}
	} else if err != nil {
		return mapErr(err, "certificate")
	}
	if e.Certificate == cert.Code {
		return nil
	}
	// First time here for this completion: credit the JP and close the
	// assignments it satisfies before recording the code, so a failure is
	// retried (both are idempotent).
	if err := s.creditCourse(ctx, e, c, cert, holder); err != nil {
		return err
	}
	if err := s.courseCompleted(ctx, e.User, c.ID); err != nil {
		return err
	}
	_, err = docs.Update(ctx, s.docs.C(collEnrollments), enrollmentID(e.User, c.ID), func(e *Enrollment) error {
		e.Certificate = cert.Code
		return nil
	})
	return mapErr(err, "certificate")
}

// CertificateByCode finds a certificate for public verification.
func (s *Service) CertificateByCode(ctx context.Context, code string) (Certificate, error) {
	code = NormalizeCode(code)
	if len(code) != codeLen {
		return Certificate{}, fmt.Errorf("certificate: %w", ErrNotFound)
	}
	cs, _, err := docs.FindAll[Certificate](ctx, s.docs.C(collCertificates),
		docs.Query{Where: []docs.Eq{{Field: "code", Value: code}}, Limit: 1})
	if err != nil {
		return Certificate{}, mapErr(err, "certificate")
	}
	if len(cs) == 0 {
		return Certificate{}, fmt.Errorf("certificate: %w", ErrNotFound)
	}
	return cs[0], nil
}

// OwnCertificate returns a certificate its holder or an admin may download.
func (s *Service) OwnCertificate(ctx context.Context, u User, code string) (Certificate, error) {
	c, err := s.CertificateByCode(ctx, code)
	if err != nil {
		return Certificate{}, err
	}
	if c.User != u.NIP && !u.Has(RoleAdmin) {
		return Certificate{}, fmt.Errorf("certificate: %w", ErrNotFound)
	}
	return c, nil
}
