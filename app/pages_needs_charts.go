package app

import (
	"html/template"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/numfmt"
	"github.com/kotalama/kompeten/internal/svgchart"
)

// jpUnitChart draws the JP report's roll-up as bars: each unit's JP per
// member against the yearly target, with the same numbers (and the
// totals behind them) as a table beside it.
func (a *App) jpUnitChart(lang string, totals []content.UnitJPTotal, year int) (template.HTML, template.HTML) {
	if len(totals) < 2 {
		return "", ""
	}
	units := totals[:len(totals)-1] // the last line is the whole
	ch := svgchart.Chart{ID: "jp-chart", Title: a.cat.T(lang, "jp.chart", year), Kind: svgchart.Bars,
		Format: func(f float64) string { return numfmt.Float(lang, f, 1) },
		Marks:  []svgchart.Mark{{Value: content.JPTarget, Label: a.cat.T(lang, "jp.chart_target", content.JPTarget)}}}
	per := svgchart.Series{Name: a.cat.T(lang, "jp.chart_per")}
	total := svgchart.Series{Name: a.cat.T(lang, "jp.total")}
	members := svgchart.Series{Name: a.cat.T(lang, "jp.members")}
	for _, t := range units[:min(len(units), 30)] {
		ch.Labels = append(ch.Labels, t.Unit)
		v := 0.0
		if t.Members > 0 {
			v = float64(t.JP) / float64(t.Members)
		}
		per.Values = append(per.Values, v)
		total.Values = append(total.Values, float64(t.JP))
		members.Values = append(members.Values, float64(t.Members))
	}
	ch.Series = []svgchart.Series{per}
	svg := ch.SVG()
	// The table gives the totals behind each bar too.
	tab := ch
	tab.Series = []svgchart.Series{per, total, members}
	return template.HTML(svg), template.HTML(tab.Table(a.cat.T(lang, "jp.chart_table", year)))
}
