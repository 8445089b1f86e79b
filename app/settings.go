package app

import (
	"io"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// Admin settings: who issues and signs certificates, and the logo they
// carry. A page for people, an API for scripts, one set of rules in content.

// getCertificateSettings: GET /api/v1/settings/certificate (admins).
func (a *App) getCertificateSettings(c *fiber.Ctx) error {
	cs, err := a.svc.CertificateSettings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(cs)
}

// patchCertificateSettings: PATCH /api/v1/settings/certificate (admins).
func (a *App) patchCertificateSettings(c *fiber.Ctx) error {
	var in content.CertificateSettingsInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cs, err := a.svc.UpdateCertificateSettings(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.JSON(cs)
}

// putCertificateLogo: PUT /api/v1/settings/certificate/logo, the image as
// the body (admins).
func (a *App) putCertificateLogo(c *fiber.Ctx) error {
	if len(c.Body()) > content.LogoMaxBytes {
		return errField(413, "logo", emsg("logo.too_big", content.LogoMaxBytes>>10))
	}
	cs, err := a.svc.SetCertificateLogo(c.UserContext(), *currentUser(c), append([]byte(nil), c.Body()...))
	if err != nil {
		return err
	}
	return c.JSON(cs)
}

// logoImage: GET /brand/logo/{sha256}, public (verification pages show
// it). The URL names the content, so it is cached for good.
func (a *App) logoImage(c *fiber.Ctx) error {
	b, err := a.svc.Logo(c.UserContext(), param(c, "sum"))
	if err != nil {
		return err
	}
	ct := content.Sniff(b[:min(len(b), 512)], "")
	if ct != "image/png" && ct != "image/jpeg" {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(b)
}

type settingsView struct {
	content.CertificateSettings
	Errors map[string]string
	Saved  bool
	MaxKiB int
}

// settingsPage: GET /admin/settings.
func (a *App) settingsPage(c *fiber.Ctx) error {
	cs, err := a.svc.CertificateSettings(c.UserContext())
	if err != nil {
		return err
	}
	return a.page(c, "admin_settings", settingsView{CertificateSettings: cs, Saved: c.Query("saved") == "1", MaxKiB: content.LogoMaxBytes >> 10})
}

// settingsSubmit: POST /admin/settings.
func (a *App) settingsSubmit(c *fiber.Ctx) error {
	if c.FormValue("remove_logo") == "1" {
		if _, err := a.svc.UpdateCertificateSettings(c.UserContext(), *currentUser(c), content.CertificateSettingsInput{RemoveLogo: true}); err != nil {
			return err
		}
		return c.Redirect("/admin/settings?saved=1", fiber.StatusSeeOther)
	}
	in := content.CertificateSettingsInput{Issuer: formStr(c, "issuer"), Place: formStr(c, "place"),
		SignerName: formStr(c, "signer_name"), SignerTitle: formStr(c, "signer_title"), SignerNIP: formStr(c, "signer_nip"),
		RemoveLogo: c.FormValue("remove_logo") == "1"}
	_, err := a.svc.UpdateCertificateSettings(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		cs, _ := a.svc.CertificateSettings(c.UserContext())
		for _, p := range []struct {
			in  *string
			out *string
		}{{in.Issuer, &cs.Issuer}, {in.Place, &cs.Place}, {in.SignerName, &cs.SignerName}, {in.SignerTitle, &cs.SignerTitle}, {in.SignerNIP, &cs.SignerNIP}} {
			*p.out = *p.in
		}
		c.Status(422)
		return a.page(c, "admin_settings", settingsView{CertificateSettings: cs, Errors: fields, MaxKiB: content.LogoMaxBytes >> 10})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/settings?saved=1", fiber.StatusSeeOther)
}

// logoSubmit: POST /admin/settings/logo, a multipart form with the file.
func (a *App) logoSubmit(c *fiber.Ctx) error {
	var data []byte
	fh, err := c.FormFile("logo")
	if err == nil {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, content.LogoMaxBytes+1)); err != nil {
			return err
		}
	}
	_, err = a.svc.SetCertificateLogo(c.UserContext(), *currentUser(c), data)
	if fields, ok := a.fieldErrs(c, err); ok {
		cs, _ := a.svc.CertificateSettings(c.UserContext())
		c.Status(422)
		return a.page(c, "admin_settings", settingsView{CertificateSettings: cs, Errors: fields, MaxKiB: content.LogoMaxBytes >> 10})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/settings?saved=1", fiber.StatusSeeOther)
}

// verifyForm: GET /verify, a box to type a code; ?code= goes to its page.
func (a *App) verifyForm(c *fiber.Ctx) error {
	if code := strings.TrimSpace(c.Query("code")); code != "" {
		n := content.NormalizeCode(code)
		if len(n) > 40 || strings.Trim(n, "0123456789abcdefghjkmnpqrstvwxyz") != "" {
			c.Status(400)
			return a.page(c, "verify", verifyView{Form: true, Code: code, BadCode: true})
		}
		return c.Redirect("/verify/"+url.PathEscape(content.FormatCode(n)), fiber.StatusSeeOther)
	}
	return a.page(c, "verify", verifyView{Form: true})
}
