// Package numfmt writes numbers the way a language's readers expect:
// Indonesian groups thousands with "." and separates decimals with ","
// (1.234,5 and 62,5%), English the other way round (1,234.5 and 62.5%).
package numfmt

import (
	"math"
	"strconv"
	"strings"
)

// Separators of a language: group (thousands) and decimal.
func separators(lang string) (group, decimal string) {
	if lang == "en" {
		return ",", "."
	}
	return ".", ","
}

// Float writes f with at most digits decimals, trailing zeros dropped
// (62.50 → "62,5", 62.0 → "62"), thousands grouped.
func Float(lang string, f float64, digits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	s := strconv.FormatFloat(f, 'f', digits, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	group, decimal := separators(lang)
	var b strings.Builder
	if neg && (strings.Trim(whole, "0") != "" || frac != "") {
		b.WriteString("-")
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// Int writes n with thousands grouped.
func Int(lang string, n int64) string { return Float(lang, float64(n), 0) }

// Percent writes a percentage with at most one decimal: "62,5%".
// Indonesian and English both write the sign without a space.
func Percent(lang string, p float64) string { return Float(lang, p, 1) + "%" }
