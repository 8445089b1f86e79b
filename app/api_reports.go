package app

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// reportYear reads ?year=, defaulting to the current one.
func (a *App) reportYear(c *fiber.Ctx) (int, error) {
	y := c.Query("year")
	if y == "" {
		return a.svc.CurrentYear(), nil
	}
	n, err := strconv.Atoi(y)
	if err != nil || n < 2000 || n > 2100 {
		return 0, errField(422, "year", emsg("report.year", 2000, 2100))
	}
	return n, nil
}

// jpReport: GET /api/v1/reports/jp?unit=&year= (admin).
func (a *App) jpReport(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	unit := utils.CopyString(c.Query("unit"))
	if unit == "" {
		units, err := a.svc.Units(c.UserContext())
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"year": year, "units": units})
	}
	rows, err := a.svc.UnitJP(c.UserContext(), *currentUser(c), unit, year)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"year": year, "unit": unit, "target": content.JPTarget, "items": rows})
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	if len(rows) == 0 {
		return sendCSVBytes(c, name, []byte("\ufeff"))
	}
	b, err := csvBytes(rows[0], func(put func([]string) error) error {
		for _, r := range rows[1:] {
			if err := put(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return sendCSVBytes(c, name, b)
}

// csvBytes writes a CSV a row at a time, as a report streams its records:
// a byte-order mark so spreadsheet programs read UTF-8, the header, then
// each row fill puts, every cell made safe from formula injection. put
// may change the row it is given.
func csvBytes(header []string, fill func(put func([]string) error) error) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	put := func(r []string) error {
		for i := range r {
			r[i] = csvSafe(r[i])
		}
		return w.Write(r)
	}
	if err := put(slices.Clone(header)); err != nil {
		return nil, err
	}
	if err := fill(put); err != nil {
		return nil, err
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// sendCSVBytes sends a CSV as a download named name.
func sendCSVBytes(c *fiber.Ctx, name string, b []byte) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Send(b)
}

// jpReportCSV: GET /api/v1/reports/jp.csv?unit=&year= (admin).
func (a *App) jpReportCSV(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	unit := utils.CopyString(c.Query("unit"))
	if unit == "" {
		return errField(422, "unit", emsg("report.unit"))
	}
	rows, err := a.svc.UnitJP(c.UserContext(), *currentUser(c), unit, year)
	if err != nil {
		return err
	}
	out := [][]string{{"NIP", "Nama", "Jabatan", "Unit kerja", "Tahun", "JP", "Target", "Tercapai"}}
	for _, r := range rows {
		reached := "tidak"
		if r.Reached {
			reached = "ya"
		}
		out = append(out, []string{r.NIP, r.Name, r.Position, r.Unit, strconv.Itoa(year), strconv.Itoa(r.JP), strconv.Itoa(content.JPTarget), reached})
	}
	return sendCSV(c, fmt.Sprintf("jp-%d-%s.csv", year, slugish(unit)), out)
}

func slugish(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s), "-")
}

type questionStatsView struct {
	ID             string  `json:"id"`
	Prompt         string  `json:"prompt"`
	Answered       int     `json:"answered"`
	Facility       float64 `json:"facility"`
	Discrimination float64 `json:"discrimination"`
}

// quizStats: GET /api/v1/quizzes/{id}/stats (owners).
func (a *App) quizStats(c *fiber.Ctx) error {
	st, err := a.svc.QuizStatistics(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	qs := make([]questionStatsView, 0, len(st.Questions))
	for _, q := range st.Questions {
		qs = append(qs, questionStatsView{q.ID, q.Prompt, q.Answered, round3(q.Facility), round3(q.Discrimination)})
	}
	return c.JSON(fiber.Map{"quiz_id": st.Quiz.ID, "attempts": st.Attempts, "learners": st.Learners, "mean_score": st.MeanScore,
		"pass_rate": round3(st.PassRate), "histogram": st.Histogram, "questions": qs, "submitted": st.Submitted})
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// quizResultsCSV: GET /api/v1/quizzes/{id}/results.csv (owners): every
// submitted attempt with its per-question scores.
func (a *App) quizResultsCSV(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	head := []string{"NIP", "Nama", "Percobaan", "Dikumpulkan", "Skor", "Skor maksimum", "Persen", "Lulus"}
	for _, q := range q.Questions {
		head = append(head, q.ID)
	}
	out := [][]string{head}
	names := map[string]string{}
	_, err = a.svc.QuizAttempts(c.UserContext(), u, q.ID, func(r content.Attempt) error {
		if _, ok := names[r.User]; !ok {
			if u, err := a.svc.User(c.UserContext(), r.User); err == nil {
				names[r.User] = u.Name
			}
		}
		passed := "tidak"
		if r.Passed {
			passed = "ya"
		}
		row := []string{r.User, names[r.User], strconv.Itoa(r.N), r.Submitted.Format("2006-01-02 15:04:05Z07:00"),
			fmtNum(r.Score), fmtNum(r.MaxScore), fmtNum(r.Percent), passed}
		for _, q := range q.Questions {
			cell := ""
			for _, res := range r.Results {
				if res.ID == q.ID {
					cell = fmtNum(res.Score)
				}
			}
			row = append(row, cell)
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		return err
	}
	return sendCSV(c, "hasil-"+q.ID+".csv", out)
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// histogramSVG draws the score histogram as an accessible inline SVG.
func histogramSVG(h [10]int) template.HTML {
	maxN := 1
	for _, n := range h {
		maxN = max(maxN, n)
	}
	var b strings.Builder
	const w, hgt, bar = 320, 160, 28
	fmt.Fprintf(&b, `<svg class="histogram" viewBox="0 0 %d %d" role="img" aria-labelledby="hist-title hist-desc" xmlns="http://www.w3.org/2000/svg">`, w, hgt+30)
	b.WriteString(`<title id="hist-title">Sebaran nilai</title><desc id="hist-desc">`)
	for i, n := range h {
		fmt.Fprintf(&b, "%d–%d: %d percobaan. ", i*10, i*10+10, n)
	}
	b.WriteString(`</desc>`)
	for i, n := range h {
		bh := n * hgt / maxN
		x := 8 + i*(bar+3)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#0b5f6b"></rect>`, x, hgt-bh, bar, bh)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle">%d</text>`, x+bar/2, hgt+12, i*10)
		if n > 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle">%d</text>`, x+bar/2, max(hgt-bh-2, 10), n)
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle">nilai (%%)</text></svg>`, w/2, hgt+26)
	return template.HTML(b.String()) // built only from numbers above
}
