package app

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kotalama/kompeten/content"
)

// renderSKMPoster draws the A4 portrait poster for a service counter: the
// invitation, the service's name, a large QR code to its public page and
// the address written out for those who type it. The address is also a
// link, so the PDF names it in plain text.
func renderSKMPoster(ps content.PublicService, publicURL string, now time.Time) ([]byte, error) {
	png, err := qrcode.Encode(publicURL, qrcode.Medium, 768)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Survei Kepuasan Masyarakat: "+ps.Name, true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	w, h := pdf.GetPageSize()
	pdf.SetDrawColor(11, 95, 107)
	pdf.SetLineWidth(2)
	pdf.Rect(10, 10, w-20, h-20, "D")
	pdf.SetFillColor(11, 95, 107)
	pdf.Rect(10, 10, w-20, 40, "F")

	center := func(y, size float64, style, text string) {
		pdf.SetFont("Helvetica", style, size)
		for size > 10 && pdf.GetStringWidth(tr(text)) > w-40 {
			size -= 0.5
			pdf.SetFont("Helvetica", style, size)
		}
		pdf.SetXY(20, y)
		pdf.CellFormat(w-40, size*0.5, tr(text), "", 0, "C", false, 0, "")
	}
	pdf.SetTextColor(255, 255, 255)
	center(20, 26, "B", "Bagaimana pelayanan kami?")
	center(34, 14, "", "Survei Kepuasan Masyarakat (SKM)")
	pdf.SetTextColor(20, 20, 20)
	center(62, 22, "B", ps.Name)
	center(76, 13, "", "Pindai kode QR ini dengan kamera ponsel Anda")
	center(84, 11, "I", "Scan this QR code with your phone's camera")

	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	side := 120.0
	pdf.ImageOptions("qr", (w-side)/2, 96, side, side, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, publicURL)

	center(222, 12, "", "atau buka alamat ini / or open:")
	pdf.SetFont("Courier", "B", 14)
	uw := pdf.GetStringWidth(publicURL)
	pdf.SetXY((w-uw)/2, 230)
	pdf.SetTextColor(11, 95, 107)
	pdf.CellFormat(uw, 8, publicURL, "", 0, "C", false, 0, publicURL)
	pdf.SetTextColor(20, 20, 20)
	center(248, 12, "", "Tanpa login, 2 menit, tanpa nama. Jawaban Anda membantu kami melayani lebih baik.")
	center(256, 11, "I", "No login, 2 minutes, anonymous. Your answers help us serve you better.")
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetXY(20, h-22)
	pdf.CellFormat(w-40, 4, tr("PermenPAN-RB No. 14 Tahun 2017 · dicetak "+now.In(wib).Format("02-01-2006")), "", 0, "C", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("poster: %w", err)
	}
	return buf.Bytes(), nil
}
