package app

import (
	"bytes"
	"fmt"
	"strings"
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
	Signer    string    `json:"signer_name,omitempty"`
	SignerJob string    `json:"signer_title,omitempty"`
	// Subject is "course" or "event" (a certificate of attendance), with
	// the event's kind.
	Subject   string `json:"subject"`
	EventKind string `json:"event_kind,omitempty"`
}

func toCheck(c content.Certificate) certificateCheck {
	return certificateCheck{Valid: true, Code: content.FormatCode(c.Code), Name: c.Name, NIPMasked: content.MaskNIP(c.NIP),
		Course: c.CourseTitle, JP: c.JP, IssuedAt: c.Issued, Issuer: c.Issuer, Signer: c.SignerName, SignerJob: c.SignerTitle,
		Subject: certSubject(c), EventKind: c.EventKind}
}

func certSubject(c content.Certificate) string {
	if c.Event != "" {
		return "event"
	}
	return "course"
}

// verifyCertificateAPI: GET /api/v1/certificates/{code}, public. An unknown
// code is a 404 with valid:false.
func (a *App) verifyCertificateAPI(c *fiber.Ctx) error {
	cert, err := a.svc.CertificateByCode(c.UserContext(), param(c, "code"))
	if err != nil {
		if classify(err).Status == 404 {
			e := &apiError{Code: "not_found", msg: emsg("certificate.not_found")}
			a.localize(langOf(c), e)
			return c.Status(404).JSON(fiber.Map{"valid": false, "error": e})
		}
		return err
	}
	return c.JSON(toCheck(cert))
}

type verifyView struct {
	Form    bool // the page without a code: only the box
	BadCode bool
	Found   bool
	Code    string
	certificateCheck
	Issued      string
	Logo        string // URL of the issuer's logo
	SignerName  string
	SignerTitle string
	SignerNIP   string
}

// verifyPage: GET /verify/{code}, public.
func (a *App) verifyPage(c *fiber.Ctx) error {
	cert, err := a.svc.CertificateByCode(c.UserContext(), param(c, "code"))
	v := verifyView{Code: param(c, "code")}
	if err == nil {
		v.Found, v.certificateCheck = true, toCheck(cert)
		v.Issued = formatDateID(cert.Issued)
		v.SignerName, v.SignerTitle, v.SignerNIP = cert.SignerName, cert.SignerTitle, cert.SignerNIP
		if cert.Logo != "" {
			v.Logo = "/brand/logo/" + cert.Logo
		}
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
	t = t.In(wib)
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
	var logo []byte
	if cert.Logo != "" {
		// A logo that cannot be read leaves the certificate without one
		// rather than without a PDF.
		if logo, err = a.svc.Logo(c.UserContext(), cert.Logo); err != nil {
			a.log.Warn("certificate logo", "logo", cert.Logo, "err", err)
			logo = nil
		}
	}
	b, err := renderCertificate(cert, a.cfg.BaseURL+"/verify/"+content.FormatCode(cert.Code), logo)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="sertifikat-%s.pdf"`, content.FormatCode(cert.Code)))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(b)
}

// renderCertificate draws an A4 landscape certificate: the issuer's logo
// and name, the holder, the course, the signatory's block, and a QR code
// that links to the public verification page.
func renderCertificate(cert content.Certificate, verifyURL string, logo []byte) ([]byte, error) {
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
	// Border: a thick brand frame, a thin inner line, a light band on top.
	pdf.SetFillColor(234, 244, 245)
	pdf.Rect(14, 14, w-28, 34, "F")
	pdf.SetDrawColor(11, 95, 107)
	pdf.SetLineWidth(2)
	pdf.Rect(10, 10, w-20, h-20, "D")
	pdf.SetLineWidth(0.5)
	pdf.Rect(14, 14, w-28, h-28, "D")

	center := func(y float64, size float64, style, text string) {
		// A long name or title shrinks to fit one line rather than run
		// past the border.
		pdf.SetFont("Helvetica", style, size)
		for size > 9 && pdf.GetStringWidth(tr(text)) > w-48 {
			size -= 0.5
			pdf.SetFont("Helvetica", style, size)
		}
		pdf.SetXY(20, y)
		pdf.CellFormat(w-40, size*0.5, tr(text), "", 0, "C", false, 0, "")
	}
	// The issuer's line, with its logo on the left when there is one.
	top := 20.0
	if len(logo) > 0 {
		typ := "PNG"
		if len(logo) > 2 && logo[0] == 0xFF && logo[1] == 0xD8 {
			typ = "JPG"
		}
		opt := fpdf.ImageOptions{ImageType: typ}
		info := pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(logo))
		if pdf.Error() == nil && info != nil && info.Height() > 0 {
			lh := 24.0
			lw := min(lh*info.Width()/info.Height(), 60)
			lh = lw * info.Height() / info.Width()
			pdf.ImageOptions("logo", 22, top+(24-lh)/2, lw, lh, false, opt, 0, "")
		}
	}
	pdf.SetTextColor(11, 95, 107)
	center(top+6, 14, "B", strings.ToUpper(cert.Issuer))
	pdf.SetTextColor(40, 40, 40)
	center(top+14, 11, "", "Pengembangan Kompetensi Aparatur Sipil Negara")

	pdf.SetTextColor(11, 95, 107)
	center(56, 30, "B", "SERTIFIKAT")
	pdf.SetTextColor(40, 40, 40)
	center(74, 12, "", "diberikan kepada")
	center(84, 24, "B", cert.Name)
	center(98, 12, "", "NIP "+cert.NIP)
	done := "yang telah menyelesaikan pelatihan"
	if cert.Event != "" {
		done = "yang telah mengikuti " + map[string]string{content.EventWorkshop: "workshop", content.EventSeminar: "seminar",
			content.EventClassroom: "pelatihan kelas"}[cert.EventKind]
	}
	center(110, 12, "", done)
	center(120, 18, "B", cert.CourseTitle)
	center(134, 12, "", fmt.Sprintf("dengan bobot %d Jam Pelajaran (JP)", cert.JP))

	// The signatory's block, on the right: place and date, jabatan, room
	// for a wet signature or stamp, name, NIP.
	place := cert.Place
	if place == "" {
		place = "Kotalama"
	}
	bx, bw := w-120, 95.0
	line := func(y float64, style string, size float64, text string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.SetXY(bx, y)
		pdf.CellFormat(bw, 5, tr(text), "", 0, "C", false, 0, "")
	}
	line(146, "", 11, place+", "+formatDateID(cert.Issued))
	title := cert.SignerTitle
	if title == "" {
		title = cert.Issuer
	}
	line(152, "", 11, title)
	if cert.SignerName != "" {
		line(174, "BU", 11, cert.SignerName)
		if cert.SignerNIP != "" {
			line(180, "", 10, "NIP "+cert.SignerNIP)
		}
	} else {
		line(174, "B", 11, cert.Issuer)
	}

	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", 24, 146, 36, 36, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetXY(62, 156)
	pdf.MultiCell(95, 4.5, tr("Kode sertifikat: "+content.FormatCode(cert.Code)+"\nPeriksa keaslian di:\n"+verifyURL), "", "L", false)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("certificate pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificate pdf: %w", err)
	}
	return buf.Bytes(), nil
}
