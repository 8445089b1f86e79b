package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // logo sizes are read from PNG and JPEG headers
	_ "image/png"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/docs"
)

// CertificateSettings is who issues certificates and who signs them, set
// by an admin. A certificate copies them when it is issued: it is an
// official record, and a later change of signatory must not rewrite it.
type CertificateSettings struct {
	Issuer      string    `bson:"issuer" json:"issuer"`             // "BKPSDM Kota Kotalama"
	Place       string    `bson:"place" json:"place"`               // printed before the date
	SignerName  string    `bson:"signer_name" json:"signer_name"`   // "Dr. Siti Aminah, M.Si."
	SignerTitle string    `bson:"signer_title" json:"signer_title"` // jabatan: "Kepala BKPSDM"
	SignerNIP   string    `bson:"signer_nip" json:"signer_nip"`
	Logo        string    `bson:"logo,omitempty" json:"logo,omitempty"` // sha256 of the logo object
	LogoType    string    `bson:"logo_type,omitempty" json:"logo_type,omitempty"`
	Updated     time.Time `bson:"updated" json:"updated_at,omitzero"`
}

const settingsCertificate = "certificate"

// Logo limits: a logo is printed about 25 mm wide, so 1000 px is plenty;
// the byte limit keeps every certificate PDF small.
const (
	LogoMaxBytes = 512 << 10
	logoMaxSide  = 2000
	logoMinSide  = 32
)

func defaultCertificateSettings() CertificateSettings {
	return CertificateSettings{Issuer: Issuer, Place: "Kotalama"}
}

// CertificateSettings returns the current settings, defaults until an
// admin saves some.
func (s *Service) CertificateSettings(ctx context.Context) (CertificateSettings, error) {
	cs := defaultCertificateSettings()
	_, err := s.docs.C(collSettings).Get(ctx, settingsCertificate, &cs)
	if errors.Is(err, docs.ErrNotFound) {
		return defaultCertificateSettings(), nil
	}
	return cs, mapErr(err, "certificate settings")
}

// CertificateSettingsInput changes the given fields.
type CertificateSettingsInput struct {
	Issuer      *string `json:"issuer"`
	Place       *string `json:"place"`
	SignerName  *string `json:"signer_name"`
	SignerTitle *string `json:"signer_title"`
	SignerNIP   *string `json:"signer_nip"`
	// RemoveLogo drops the logo (it stays on certificates already issued).
	RemoveLogo bool `json:"remove_logo"`
}

// UpdateCertificateSettings saves settings; admins only.
func (s *Service) UpdateCertificateSettings(ctx context.Context, u User, in CertificateSettingsInput) (CertificateSettings, error) {
	if !u.Has(RoleAdmin) {
		return CertificateSettings{}, ErrForbidden
	}
	f := fieldErrors{}
	text := func(field string, p *string, min, max int) {
		if p == nil {
			return
		}
		*p = strings.TrimSpace(*p)
		if n := utf8.RuneCountInString(*p); n < min || n > max || strings.ContainsAny(*p, "\r\n\t") {
			f[field] = msg("one_line", min, max)
		}
	}
	text("issuer", in.Issuer, 3, 120)
	text("place", in.Place, 0, 60)
	text("signer_name", in.SignerName, 0, 120)
	text("signer_title", in.SignerTitle, 0, 120)
	text("signer_nip", in.SignerNIP, 0, 18)
	if in.SignerNIP != nil && *in.SignerNIP != "" && f["signer_nip"].Code == "" {
		if err := ValidateNIP(*in.SignerNIP, s.now()); err != nil {
			m, _ := messageOf(err)
			f["signer_nip"] = msg("settings.signer_nip", m)
		}
	}
	if err := f.err(); err != nil {
		return CertificateSettings{}, err
	}
	return s.saveCertificateSettings(ctx, func(cs *CertificateSettings) {
		for _, p := range []struct {
			in  *string
			out *string
		}{{in.Issuer, &cs.Issuer}, {in.Place, &cs.Place}, {in.SignerName, &cs.SignerName}, {in.SignerTitle, &cs.SignerTitle}, {in.SignerNIP, &cs.SignerNIP}} {
			if p.in != nil {
				*p.out = *p.in
			}
		}
		if in.RemoveLogo {
			cs.Logo, cs.LogoType = "", ""
		}
	})
}

func (s *Service) saveCertificateSettings(ctx context.Context, fn func(*CertificateSettings)) (CertificateSettings, error) {
	cs, err := upsert(ctx, s.docs.C(collSettings), settingsCertificate, func(cs *CertificateSettings) error {
		if cs.Issuer == "" {
			*cs = defaultCertificateSettings()
		}
		fn(cs)
		cs.Updated = s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	return cs, mapErr(err, "certificate settings")
}

func logoKey(sum string) string { return "settings/logo/" + sum }

// SetCertificateLogo stores a PNG or JPEG logo and makes it the current
// one; admins only. Logos are kept by content hash and never deleted, as
// certificates issued with an older logo still print it.
func (s *Service) SetCertificateLogo(ctx context.Context, u User, data []byte) (CertificateSettings, error) {
	if !u.Has(RoleAdmin) {
		return CertificateSettings{}, ErrForbidden
	}
	bad := func(m Msg) error { return invalid("logo", m) }
	if len(data) == 0 {
		return CertificateSettings{}, bad(msg("logo.missing"))
	}
	if len(data) > LogoMaxBytes {
		return CertificateSettings{}, bad(msg("logo.too_big", LogoMaxBytes>>10))
	}
	ct := Sniff(data[:min(len(data), sniffLen)], "")
	if ct != "image/png" && ct != "image/jpeg" {
		return CertificateSettings{}, bad(msg("logo.type"))
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return CertificateSettings{}, bad(msg("logo.unreadable"))
	}
	if cfg.Width > logoMaxSide || cfg.Height > logoMaxSide || cfg.Width < logoMinSide || cfg.Height < logoMinSide {
		return CertificateSettings{}, bad(msg("logo.size", logoMinSide, logoMaxSide, cfg.Width, cfg.Height))
	}
	// fpdf reads the whole image: decode it fully now, so a logo that
	// would break every certificate is refused here instead.
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return CertificateSettings{}, bad(msg("logo.broken"))
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	if _, err := s.blobs.Put(ctx, logoKey(sum), bytes.NewReader(data), int64(len(data)), ct); err != nil {
		return CertificateSettings{}, fmt.Errorf("logo: %w", err)
	}
	return s.saveCertificateSettings(ctx, func(cs *CertificateSettings) { cs.Logo, cs.LogoType = sum, ct })
}

// Logo reads a logo by its hash. Logos are public: verification pages
// show them to anyone.
func (s *Service) Logo(ctx context.Context, sum string) ([]byte, error) {
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("logo: %w", ErrNotFound)
	}
	rc, err := s.blobs.Get(ctx, logoKey(sum), 0, -1)
	if err != nil {
		if errors.Is(err, blobs.ErrNotFound) {
			return nil, fmt.Errorf("logo %s: %w", sum, ErrNotFound)
		}
		return nil, fmt.Errorf("logo %s: %w", sum, err)
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, LogoMaxBytes+1))
}
