package app

import (
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// The JP ledger over HTTP: a person's year, and the export of credits in
// the columns of a SIASN riwayat-kursus upload.

type jpEntryView struct {
	Source string    `json:"source"`
	Ref    string    `json:"ref"`
	Title  string    `json:"title"`
	JP     int       `json:"jp"`
	At     time.Time `json:"at"`
}

type myJPResponse struct {
	Year    int           `json:"year"`
	Total   int           `json:"total"`
	Target  int           `json:"target"`
	Entries []jpEntryView `json:"entries"`
}

// myJP: GET /api/v1/me/jp?year= -> the caller's credits in a year.
func (a *App) myJP(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	jp, err := a.svc.JPFor(c.UserContext(), currentUser(c).NIP, year)
	if err != nil {
		return err
	}
	out := myJPResponse{Year: jp.Year, Total: jp.Total, Target: jp.Target, Entries: make([]jpEntryView, 0, len(jp.Entries))}
	for _, e := range jp.Entries {
		out.Entries = append(out.Entries, jpEntryView{Source: e.Source, Ref: e.Ref, Title: e.Title, JP: e.JP, At: e.At})
	}
	return c.JSON(out)
}

// ledgerColumns are those of a SIASN riwayat-kursus upload, in its order.
var ledgerColumns = []string{"NIP", "Nama", "Nama Kursus", "Jenis Kursus", "Tanggal Mulai", "Tanggal Selesai",
	"Jumlah Jam", "Institusi Penyelenggara", "Nomor Sertifikat"}

// siasnDate is how SIASN writes a date: day-month-year, in WIB.
func siasnDate(t time.Time) string { return t.In(wib).Format("02-01-2006") }

// siasnKind is the "jenis kursus" of a credit: a course is e-learning,
// an event its own kind (workshop, seminar), mentoring its own.
func siasnKind(e content.JPEntry) string {
	switch {
	case e.Source == content.SourceCourse:
		return "Kursus (e-learning)"
	case e.Kind != "":
		r, n := utf8.DecodeRuneInString(e.Kind)
		return string(unicode.ToUpper(r)) + e.Kind[n:]
	case e.Source == content.SourceEvent:
		return "Workshop"
	case e.Source == content.SourceMentoring:
		return "Mentoring"
	}
	return e.Source
}

// jpLedgerCSV: GET /api/v1/reports/jp-ledger.csv?year=&unit= (admin): one
// row per credit, hours as whole numbers (a JP is one jam pelajaran).
func (a *App) jpLedgerCSV(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	unit := utils.CopyString(c.Query("unit"))
	if unit != "" {
		if m := content.ValidUnitCode(unit); m != nil {
			return errField(422, "unit", *m)
		}
		if _, err := a.svc.Unit(c.UserContext(), unit); err != nil {
			return errField(422, "unit", emsg("unit.unknown", unit))
		}
	}
	row := make([]string, len(ledgerColumns))
	b, err := csvBytes(ledgerColumns, func(put func([]string) error) error {
		return a.svc.EachLedgerEntry(c.UserContext(), *currentUser(c), unit, year, func(e content.JPEntry) error {
			start := e.Started
			if start.IsZero() {
				start = e.At
			}
			row[0], row[1], row[2], row[3] = e.User, e.Name, e.Title, siasnKind(e)
			row[4], row[5], row[6] = siasnDate(start), siasnDate(e.At), strconv.Itoa(e.JP)
			row[7], row[8] = e.Organiser, e.Certificate
			return put(row)
		})
	})
	if err != nil {
		return err
	}
	name := fmt.Sprintf("riwayat-kursus-%d.csv", year)
	if unit != "" {
		name = fmt.Sprintf("riwayat-kursus-%d-%s.csv", year, slugish(unit))
	}
	return sendCSVBytes(c, name, b)
}
