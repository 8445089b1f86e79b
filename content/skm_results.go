package content

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

// SKM results are read from the monthly aggregates only: a service's
// report reads one document per month of the period, a unit's one query
// per unit and year. Raw responses are read only for the comments and the
// CSV, a page at a time.

// SKMElement is one element's figures in a period.
type SKMElement struct {
	Code  string  `json:"code"`
	Mean  float64 `json:"mean"`
	Grade string  `json:"grade"`
	N     int     `json:"n"`
	// Dist counts the answers 1, 2, 3 and 4.
	Dist [4]int `json:"distribution"`
}

// SKMPeriod is a month ("2026-03") or a quarter ("2026-Q1") of a report.
type SKMPeriod struct {
	Key       string  `json:"period"`
	Responses int     `json:"responses"`
	IKM       float64 `json:"ikm"`
	Grade     string  `json:"grade"`
	Label     string  `json:"label"`
}

// SKMServiceRow is one service's line in a unit's report.
type SKMServiceRow struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Unit      string  `json:"unit"`
	Responses int     `json:"responses"`
	IKM       float64 `json:"ikm"`
	Grade     string  `json:"grade"`
}

// SKMReport is the results of a service or a unit over a period.
type SKMReport struct {
	From, To  string
	Responses int
	Elements  []SKMElement
	IKM       float64
	Grade     string
	Label     string
	// Weakest are the codes of the three lowest element means.
	Weakest  []string
	Months   []SKMPeriod
	Quarters []SKMPeriod
	Services []SKMServiceRow
	Sums     ikm.Sums
}

// SKMRange is a period of whole months, both ends included.
type SKMRange struct{ From, To string }

// ParseSKMRange reads from and to as months ("2026-03", or a date whose
// month is taken); missing ends make the twelve months up to now.
func (s *Service) ParseSKMRange(from, to string) (SKMRange, error) {
	f := fieldErrors{}
	month := func(field, v string) string {
		if len(v) >= 10 {
			v = v[:7]
		}
		t, err := time.Parse("2006-01", v)
		if err != nil {
			f[field] = msg("skm.month")
			return ""
		}
		return t.Format("2006-01")
	}
	r := SKMRange{}
	if to == "" {
		r.To = skmMonthOf(s.now())
	} else {
		r.To = month("to", to)
	}
	if from == "" && r.To != "" {
		t, _ := time.Parse("2006-01", r.To)
		r.From = t.AddDate(0, -11, 0).Format("2006-01")
	} else if from != "" {
		r.From = month("from", from)
	}
	if err := f.err(); err != nil {
		return r, err
	}
	if r.From > r.To {
		return r, invalid("from", msg("skm.range_order"))
	}
	ft, _ := time.Parse("2006-01", r.From)
	tt, _ := time.Parse("2006-01", r.To)
	if tt.Sub(ft) > 10*366*24*time.Hour {
		return r, invalid("from", msg("skm.range_long"))
	}
	return r, nil
}

func quarterOf(month string) string {
	m, _ := strconv.Atoi(month[5:7])
	return fmt.Sprintf("%s-Q%d", month[:4], (m-1)/3+1)
}

func periodOf(key string, sums ikm.Sums) SKMPeriod {
	p := SKMPeriod{Key: key, Responses: sums.Responses, IKM: sums.Index()}
	p.Grade, p.Label = ikm.Grade(p.IKM)
	return p
}

// buildSKMReport adds months' aggregates up into a report.
func buildSKMReport(r SKMRange, months []SKMMonth) SKMReport {
	rep := SKMReport{From: r.From, To: r.To}
	byMonth := map[string]*ikm.Sums{}
	byQuarter := map[string]*ikm.Sums{}
	var monthKeys, quarterKeys []string
	for _, m := range months {
		if m.Month < r.From || m.Month > r.To {
			continue
		}
		rep.Sums.Merge(m.Sums)
		if byMonth[m.Month] == nil {
			byMonth[m.Month] = &ikm.Sums{}
			monthKeys = append(monthKeys, m.Month)
		}
		byMonth[m.Month].Merge(m.Sums)
		q := quarterOf(m.Month)
		if byQuarter[q] == nil {
			byQuarter[q] = &ikm.Sums{}
			quarterKeys = append(quarterKeys, q)
		}
		byQuarter[q].Merge(m.Sums)
	}
	slices.Sort(monthKeys)
	slices.Sort(quarterKeys)
	for _, k := range monthKeys {
		rep.Months = append(rep.Months, periodOf(k, *byMonth[k]))
	}
	for _, k := range quarterKeys {
		rep.Quarters = append(rep.Quarters, periodOf(k, *byQuarter[k]))
	}
	rep.Responses = rep.Sums.Responses
	rep.IKM = rep.Sums.Index()
	rep.Grade, rep.Label = ikm.Grade(rep.IKM)
	means := rep.Sums.Means()
	for i, code := range ikm.Codes {
		e := SKMElement{Code: code, N: rep.Sums.N[i], Dist: rep.Sums.Dist(i)}
		if e.N > 0 {
			e.Mean = float64(int(means[i]*100+0.5)) / 100
			e.Grade = ikm.ElementGrade(means[i])
		}
		rep.Elements = append(rep.Elements, e)
	}
	for _, i := range rep.Sums.Weakest(3) {
		rep.Weakest = append(rep.Weakest, ikm.Codes[i])
	}
	return rep
}

// SKMServiceResults reports a service's feedback over a period, to admins
// and to the people of its unit (and of the units above it).
func (s *Service) SKMServiceResults(ctx context.Context, actor User, id string, r SKMRange) (PublicService, SKMReport, error) {
	ps, err := s.PublicService(ctx, id)
	if err != nil {
		return ps, SKMReport{}, err
	}
	if err := s.canSeeSKM(ctx, actor, ps.Unit); err != nil {
		return ps, SKMReport{}, err
	}
	ms, _, err := docs.FindAll[skmMonth](ctx, s.docs.C(collSKMMonths), docs.Query{
		Where: []docs.Eq{{Field: "service", Value: id}},
		Range: &docs.Range{Field: "month", Gte: r.From, Lte: r.To}, Sort: "month", Limit: 200})
	if err != nil {
		return ps, SKMReport{}, mapErr(err, "skm aggregates")
	}
	months := make([]SKMMonth, len(ms))
	for i, m := range ms {
		months[i] = SKMMonth{Service: m.Service, Unit: m.Unit, Month: m.Month, Sums: m.Sums}
	}
	return ps, buildSKMReport(r, months), nil
}

// SKMUnitResults reports a unit's feedback, its sub-units' services
// included, with a line per service.
func (s *Service) SKMUnitResults(ctx context.Context, actor User, unit string, r SKMRange) (Unit, SKMReport, error) {
	u, err := s.Unit(ctx, unit)
	if err != nil {
		return u, SKMReport{}, err
	}
	if err := s.canSeeSKM(ctx, actor, u.Code); err != nil {
		return u, SKMReport{}, err
	}
	units, err := s.UnitAndBelow(ctx, u.Code)
	if err != nil {
		return u, SKMReport{}, err
	}
	var months []SKMMonth
	y0, _ := strconv.Atoi(r.From[:4])
	y1, _ := strconv.Atoi(r.To[:4])
	for y := y0; y <= y1; y++ {
		ms, err := s.SKMMonthsOfUnits(ctx, units, y)
		if err != nil {
			return u, SKMReport{}, err
		}
		months = append(months, ms...)
	}
	rep := buildSKMReport(r, months)
	perService := map[string]*ikm.Sums{}
	var ids []string
	for _, m := range months {
		if m.Month < r.From || m.Month > r.To {
			continue
		}
		if perService[m.Service] == nil {
			perService[m.Service] = &ikm.Sums{}
			ids = append(ids, m.Service)
		}
		perService[m.Service].Merge(m.Sums)
	}
	for _, id := range ids {
		row := SKMServiceRow{ID: id, Name: id, Responses: perService[id].Responses, IKM: perService[id].Index()}
		row.Grade, _ = ikm.Grade(row.IKM)
		if ps, err := s.PublicService(ctx, id); err == nil {
			row.Name, row.Unit = ps.Name, ps.Unit
		}
		rep.Services = append(rep.Services, row)
	}
	slices.SortFunc(rep.Services, func(a, b SKMServiceRow) int {
		if a.IKM != b.IKM {
			if a.IKM < b.IKM {
				return -1
			}
			return 1
		}
		return 0
	})
	return u, rep, nil
}

// SKMComment is a citizen's comment as staff read it.
type SKMComment struct {
	At      time.Time `json:"at"`
	Comment string    `json:"comment"`
}

// SKMComments pages through a service's comments, newest first.
func (s *Service) SKMComments(ctx context.Context, actor User, id, after string, limit int) ([]SKMComment, string, error) {
	ps, err := s.PublicService(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if err := s.canSeeSKM(ctx, actor, ps.Unit); err != nil {
		return nil, "", err
	}
	limit = min(max(limit, 1), 100)
	rs, next, err := docs.FindAll[SKMResponse](ctx, s.docs.C(collSKMResponses), docs.Query{
		Where: []docs.Eq{{Field: "service", Value: id}, {Field: "commented", Value: true}},
		Sort:  "at", Desc: true, Limit: limit, After: after})
	if err != nil {
		if after != "" {
			return nil, "", ErrBadCursor
		}
		return nil, "", mapErr(err, "skm comments")
	}
	out := make([]SKMComment, len(rs))
	for i, r := range rs {
		out[i] = SKMComment{At: r.At, Comment: r.Comment}
	}
	return out, next, nil
}

// SKMResponses calls fn with each of a service's responses in the period,
// oldest first, a page at a time: the CSV export.
func (s *Service) SKMResponses(ctx context.Context, actor User, id string, r SKMRange, fn func(SKMResponse) error) (PublicService, error) {
	ps, err := s.PublicService(ctx, id)
	if err != nil {
		return ps, err
	}
	if err := s.canSeeSKM(ctx, actor, ps.Unit); err != nil {
		return ps, err
	}
	from, _ := time.ParseInLocation("2006-01", r.From, jakarta)
	to, _ := time.ParseInLocation("2006-01", r.To, jakarta)
	q := docs.Query{Where: []docs.Eq{{Field: "service", Value: id}},
		Range: &docs.Range{Field: "at", Gte: from.UTC(), Lt: to.AddDate(0, 1, 0).UTC()}, Sort: "at", Limit: 500}
	for {
		rs, next, err := docs.FindAll[SKMResponse](ctx, s.docs.C(collSKMResponses), q)
		if err != nil {
			return ps, mapErr(err, "skm responses")
		}
		for _, r := range rs {
			if err := fn(r); err != nil {
				return ps, err
			}
		}
		if next == "" {
			return ps, nil
		}
		q.After = next
	}
}
