// Package svgchart draws small charts as inline SVG, rendered on the
// server: readable without JavaScript, printable, and accessible (the SVG
// carries a title and a description, and Table gives the same numbers as
// an HTML table for screen readers and print).
package svgchart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Kind is how a chart draws its series.
type Kind int

const (
	Bars Kind = iota // one bar per label (per series, side by side)
	Line             // one line per series across the labels
)

// Series is one named row of values, one per label; NaN is a gap.
type Series struct {
	Name   string
	Values []float64
}

// Chart is what to draw.
type Chart struct {
	ID     string // unique in the page, for aria references
	Title  string
	Kind   Kind
	Labels []string
	Series []Series
	// Max is the top of the value axis; 0 takes the largest value.
	Max float64
	// Format writes a value (axis, description, table); nil is %.2f
	// without trailing zeros.
	Format func(float64) string
	// Marks are horizontal reference lines, e.g. a target or a grade
	// boundary.
	Marks []Mark
}

// Mark is a horizontal line at Value with a label.
type Mark struct {
	Value float64
	Label string
}

// colours are distinguishable for common colour blindness (Okabe–Ito).
var colours = []string{"#0b5f6b", "#d55e00", "#0072b2", "#cc79a7", "#009e73", "#e69f00"}

const (
	width, height        = 640, 260
	left, right, top, by = 48, 12, 16, 56
)

func (c Chart) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}

func (c Chart) top() float64 {
	m := c.Max
	if m <= 0 {
		for _, s := range c.Series {
			for _, v := range s.Values {
				if !math.IsNaN(v) {
					m = math.Max(m, v)
				}
			}
		}
		for _, mk := range c.Marks {
			m = math.Max(m, mk.Value)
		}
	}
	if m <= 0 {
		m = 1
	}
	return m
}

// SVG is the chart as an <svg> element, escaped and safe to inline.
func (c Chart) SVG() string {
	var b strings.Builder
	e := html.EscapeString
	id := e(c.ID)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, e(c.Title), id, e(c.describe()))
	plotW, plotH := float64(width-left-right), float64(height-top-by)
	max := c.top()
	y := func(v float64) float64 { return float64(top) + plotH - v/max*plotH }
	// Axis: four gridlines with values.
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#d8dde1"/>`, left, width-right, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#55606a">%s</text>`, left-6, y(v)+4, e(c.format(v)))
	}
	n := max1(len(c.Labels))
	slot := plotW / float64(n)
	for i, l := range c.Labels {
		x := float64(left) + slot*(float64(i)+.5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#1d2327">%s</text>`, x, height-by+16, e(shorten(l, slot)))
	}
	switch c.Kind {
	case Bars:
		k := max1(len(c.Series))
		bw := slot * .7 / float64(k)
		for si, s := range c.Series {
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					continue
				}
				x := float64(left) + slot*float64(i) + slot*.15 + bw*float64(si)
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y(v), bw, y(0)-y(v), colours[si%len(colours)])
			}
		}
	case Line:
		for si, s := range c.Series {
			col := colours[si%len(colours)]
			var pts []string
			flush := func() {
				if len(pts) > 1 {
					fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5" points="%s"/>`, col, strings.Join(pts, " "))
				}
				pts = pts[:0]
			}
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					flush()
					continue
				}
				x := float64(left) + slot*(float64(i)+.5)
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(v)))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, x, y(v), col)
			}
			flush()
		}
	}
	for _, mk := range c.Marks {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#8a5300" stroke-dasharray="5 4"/>`, left, width-right, y(mk.Value), y(mk.Value))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#8a5300">%s</text>`, width-right, y(mk.Value)-4, e(mk.Label))
	}
	// A legend when there is more than one series.
	if len(c.Series) > 1 {
		x := left
		for si, s := range c.Series {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11" fill="#1d2327">%s</text>`,
				x, height-18, colours[si%len(colours)], x+14, height-9, e(s.Name))
			x += 24 + 7*len([]rune(s.Name))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// describe says every value in words, for the SVG's description.
func (c Chart) describe() string {
	var parts []string
	for _, s := range c.Series {
		var vs []string
		for i, v := range s.Values {
			if i < len(c.Labels) && !math.IsNaN(v) {
				vs = append(vs, c.Labels[i]+": "+c.format(v))
			}
		}
		p := strings.Join(vs, ", ")
		if s.Name != "" {
			p = s.Name + ": " + p
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ". ")
}

// Table is the chart's numbers as an HTML table, with a caption.
func (c Chart) Table(caption string) string {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<table class="data chart-table"><caption>%s</caption><thead><tr><th scope="col"></th>`, e(caption))
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th scope="col">%s</th>`, e(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, l := range c.Labels {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, e(l))
		for _, s := range c.Series {
			v := "–"
			if i < len(s.Values) && !math.IsNaN(s.Values[i]) {
				v = c.format(s.Values[i])
			}
			fmt.Fprintf(&b, `<td>%s</td>`, e(v))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return b.String()
}

func max1(n int) int { return max(n, 1) }

// shorten cuts a label to what fits its slot (about 6.5 px a character).
func shorten(s string, slot float64) string {
	r := []rune(s)
	fit := max(int(slot/6.5), 3)
	if len(r) <= fit {
		return s
	}
	return string(r[:fit-1]) + "…"
}
