package app

import (
	"html/template"
	"math"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/numfmt"
)

// Report pages: a quiz's statistics for its owners, and the yearly JP
// report per unit kerja for admins.

type questionStatRow struct {
	N              int
	ID             string
	Prompt         string
	Answered       int
	Facility       string
	Discrimination string
	Hard           bool
	Easy           bool
	Weak           bool
}

type quizStatsView struct {
	Quiz      content.Quiz
	Course    content.Course
	Attempts  int
	Learners  int
	MeanScore float64
	PassRate  int
	Histogram template.HTML
	Questions []questionStatRow
	// Submitted is above Attempts while the background job catches up.
	Submitted int
}

// quizStatsPage: GET /teach/quizzes/:id/stats (owners and admins).
func (a *App) quizStatsPage(c *fiber.Ctx) error {
	u := *currentUser(c)
	st, err := a.svc.QuizStatistics(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	course, err := a.svc.Course(c.UserContext(), st.Quiz.Course)
	if err != nil {
		return err
	}
	v := quizStatsView{Quiz: st.Quiz, Course: course, Attempts: st.Attempts, Learners: st.Learners, MeanScore: st.MeanScore,
		PassRate: int(math.Round(st.PassRate * 100)), Histogram: histogramSVG(st.Histogram), Submitted: st.Submitted}
	lang := langOf(c)
	for i, q := range st.Questions {
		row := questionStatRow{N: i + 1, ID: q.ID, Prompt: q.Prompt, Answered: q.Answered,
			Facility: numfmt.Float(lang, round3(q.Facility), 2), Discrimination: numfmt.Float(lang, round3(q.Discrimination), 2)}
		if q.Answered > 0 {
			row.Hard = q.Facility < 0.3
			row.Easy = q.Facility > 0.9
			row.Weak = st.Attempts >= 4 && q.Discrimination < 0.2
		}
		v.Questions = append(v.Questions, row)
	}
	return a.page(c, "quiz_stats", v)
}

type jpReportView struct {
	Year       int
	Years      []int
	Units      []string
	Unit       string
	Rows       []content.UnitJPRow
	Reached    int
	NotReached int
	Target     int
	CSV        string
	// Totals roll the rows up per unit (the last line is the whole);
	// LedgerCSV is the SIASN export of the unit's credits, LedgerAllCSV
	// of every unit's.
	Totals       []content.UnitJPTotal
	LedgerCSV    string
	LedgerAllCSV string
	// JPChart draws JP per ASN by unit (pages_needs_charts.go), JPTable
	// its numbers.
	JPChart, JPTable template.HTML
}

// jpReportPage: GET /admin/jp?year=&unit= (admins).
func (a *App) jpReportPage(c *fiber.Ctx) error {
	year, err := a.reportYear(c)
	if err != nil {
		return err
	}
	units, err := a.svc.Units(c.UserContext())
	if err != nil {
		return err
	}
	cur := a.svc.CurrentYear()
	v := jpReportView{Year: year, Units: units, Unit: utils.CopyString(c.Query("unit")), Target: content.JPTarget}
	for y := cur; y >= cur-5; y-- {
		v.Years = append(v.Years, y)
	}
	if year < cur-5 || year > cur {
		v.Years = append(v.Years, year)
	}
	if v.Unit != "" {
		rows, err := a.svc.UnitJP(c.UserContext(), *currentUser(c), v.Unit, year)
		if err != nil {
			return err
		}
		v.Rows = rows
		for _, r := range rows {
			if r.Reached {
				v.Reached++
			} else {
				v.NotReached++
			}
		}
		v.CSV = "/admin/jp.csv?" + url.Values{"unit": {v.Unit}, "year": {strconv.Itoa(year)}}.Encode()
		v.LedgerCSV = "/admin/jp-ledger.csv?" + url.Values{"unit": {v.Unit}, "year": {strconv.Itoa(year)}}.Encode()
		v.JPChart, v.JPTable = a.jpUnitChart(langOf(c), content.RollUp(rows), year)
		if v.Totals = content.RollUp(rows); len(v.Totals) <= 2 {
			v.Totals = nil // one unit: its line says what the counts above say
		}
	}
	v.LedgerAllCSV = "/admin/jp-ledger.csv?" + url.Values{"year": {strconv.Itoa(year)}}.Encode()
	return a.page(c, "admin_jp", v)
}
