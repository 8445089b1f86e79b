package app

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kotalama/kompeten/content"
)

type certificateCheck struct {
	Valid     bool      `json:"valid"`
	Code      string    `json:"code"`
	Name      string    `json:"name,omitempty"`
	NIPMasked string    `json:"nip_masked,omitempty"`
	Course    string    `json:"course,omitempty"`
	JP        int       `json:"jp,omitempty"`
	IssuedAt  time.Time `json:"issued_at,omitzero"`
	Issuer    string    `json:"issuer,omitempty"`
}

func toCheck(c content.Certificate) certificateCheck {
	return certificateCheck{Valid: true, Code: content.FormatCode(c.Code), Name: c.Name, NIPMasked: content.MaskNIP(c.NIP),
		Course: c.CourseTitle, JP: c.JP, IssuedAt: c.Issued, Issuer: c.Issuer}
}

// verifyCertificateAPI: GET /api/v1/certificates/{code}, public. An unknown
// code is a 404 with valid:false.
func (a *App) verifyCertificateAPI(c *fiber.Ctx) error {
	cert, err := a.svc.CertificateByCode(c.UserContext(), param(c, "code"))
	if err != nil {
		if classify(err).Status == 404 {
			return c.Status(404).JSON(fiber.Map{"valid": false, "error": &apiError{Code: "not_found", Message: "sertifikat tidak ditemukan"}})
		}
		return err
	}
	return c.JSON(toCheck(cert))
}

// verifyPage: GET /verify/{code}, public.
func (a *App) verifyPage(c *fiber.Ctx) error {
	cert, err := a.svc.CertificateByCode(c.UserContext(), param(c, "code"))
	v := struct {
		Found bool
		Code  string
		certificateCheck
		Issued string
	}{Code: param(c, "code")}
	if err == nil {
		v.Found, v.certificateCheck = true, toCheck(cert)
		v.Issued = formatDateID(cert.Issued)
	} else if classify(err).Status != 404 {
		return err
	} else {
		c.Status(404)
	}
	return a.page(c, "verify", v)
}

var monthsID = []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

// formatDateID writes a date the Indonesian way, in Western Indonesia Time.
func formatDateID(t time.Time) string {
	t = t.In(time.FixedZone("WIB", 7*3600))
	return fmt.Sprintf("%d %s %d", t.Day(), monthsID[t.Month()-1], t.Year())
}

// certificatePDF: GET /certificates/{code}.pdf, for the holder and admins.
func (a *App) certificatePDF(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil {
		return errUnauthenticated()
	}
	cert, err := a.svc.OwnCertificate(c.UserContext(), *u, param(c, "code"))
	if err != nil {
		return err
	}
	b, err := renderCertificate(cert, a.cfg.BaseURL+"/verify/"+content.FormatCode(cert.Code))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="sertifikat-%s.pdf"`, content.FormatCode(cert.Code)))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(b)
}

// renderCertificate draws an A4 landscape certificate with a QR code that
// links to the public verification page.
func renderCertificate(cert content.Certificate, verifyURL string) ([]byte, error) {
	png, err := qrcode.Encode(verifyURL, qrcode.Medium, 512)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetTitle("Sertifikat "+cert.CourseTitle, true)
	pdf.SetAuthor(cert.Issuer, true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	w, h := pdf.GetPageSize()
	// Border.
	pdf.SetDrawColor(11, 95, 107)
	pdf.SetLineWidth(2)
	pdf.Rect(10, 10, w-20, h-20, "D")
	pdf.SetLineWidth(0.5)
	pdf.Rect(14, 14, w-28, h-28, "D")

	center := func(y float64, size float64, style, text string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.SetXY(20, y)
		pdf.CellFormat(w-40, size*0.5, tr(text), "", 0, "C", false, 0, "")
	}
	pdf.SetTextColor(11, 95, 107)
	center(30, 30, "B", "SERTIFIKAT")
	pdf.SetTextColor(40, 40, 40)
	center(46, 13, "", "Pengembangan Kompetensi Aparatur Sipil Negara")
	center(62, 12, "", "diberikan kepada")
	center(74, 24, "B", cert.Name)
	center(90, 12, "", "NIP "+cert.NIP)
	center(104, 12, "", "yang telah menyelesaikan pelatihan")
	center(116, 18, "B", cert.CourseTitle)
	center(132, 12, "", fmt.Sprintf("dengan bobot %d Jam Pelajaran (JP)", cert.JP))

	pdf.SetFont("Helvetica", "", 11)
	pdf.SetXY(w-120, 150)
	pdf.CellFormat(95, 6, tr("Kotalama, "+formatDateID(cert.Issued)), "", 2, "C", false, 0, "")
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(95, 6, tr(cert.Issuer), "", 2, "C", false, 0, "")

	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", 26, 146, 38, 38, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetXY(66, 158)
	pdf.MultiCell(110, 5, tr("Kode sertifikat: "+content.FormatCode(cert.Code)+"\nPeriksa keaslian di:\n"+verifyURL), "", "L", false)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("certificate pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificate pdf: %w", err)
	}
	return buf.Bytes(), nil
}
