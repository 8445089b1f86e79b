package app

import (
	"fmt"
	"html/template"

	"github.com/kotalama/kompeten/internal/numfmt"
)

// The icon set: simple 24×24 line drawings, drawn for Kompeten (no third-
// party artwork, so they carry the project's own licence). Each is inlined
// where used, with aria-hidden: the text beside an icon names it, and
// inline SVG costs no request on a slow link and needs no emoji font.
var iconPaths = map[string]string{
	"text":         `<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4M9 12h6M9 16h6"/>`,
	"video":        `<circle cx="12" cy="12" r="9"/><path d="M10 8.5v7l6-3.5z"/>`,
	"file":         `<path d="M19.5 11.5l-7.8 7.8a5 5 0 0 1-7-7l8.3-8.3a3.3 3.3 0 0 1 4.7 4.7l-8.2 8.2a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4"/>`,
	"download":     `<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>`,
	"upload":       `<path d="M12 20V9M7 14l5-5 5 5M5 4h14"/>`,
	"quiz":         `<circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5V14M12 17.5v.01"/>`,
	"check":        `<path d="M5 12.5l4.5 4.5L19 7"/>`,
	"check-circle": `<circle cx="12" cy="12" r="9"/><path d="M8 12.5l3 3 5-6"/>`,
	"x-circle":     `<circle cx="12" cy="12" r="9"/><path d="M9 9l6 6M15 9l-6 6"/>`,
	"alert":        `<path d="M12 3.5l9 16.5H3z"/><path d="M12 10v4M12 17v.01"/>`,
	"clock":        `<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>`,
	"user":         `<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 3.6-7 8-7s8 3 8 7"/>`,
	"book":         `<path d="M3 5h6a3 3 0 0 1 3 3v12a2 2 0 0 0-2-2H3zM21 5h-6a3 3 0 0 0-3 3v12a2 2 0 0 1 2-2h7z"/>`,
	"layers":       `<path d="M12 3l9 5-9 5-9-5z"/><path d="M3 13l9 5 9-5"/>`,
	"search":       `<circle cx="11" cy="11" r="6.5"/><path d="M16 16l4.5 4.5"/>`,
	"award":        `<circle cx="12" cy="9" r="5.5"/><path d="M8.5 13.5L7 21l5-2.5 5 2.5-1.5-7.5"/>`,
	"shield":       `<path d="M12 3l8 3v6c0 4.5-3.4 8-8 9-4.6-1-8-4.5-8-9V6z"/><path d="M8.5 12l2.5 2.5 4.5-5"/>`,
	"arrow-left":   `<path d="M19 12H5M11 6l-6 6 6 6"/>`,
	"arrow-right":  `<path d="M5 12h14M13 6l6 6-6 6"/>`,
	"arrow-up":     `<path d="M12 19V5M6 11l6-6 6 6"/>`,
	"arrow-down":   `<path d="M12 5v14M6 13l6 6 6-6"/>`,
	"play":         `<path d="M8 5v14l11-7z"/>`,
	"captions":     `<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M10.5 10a2 2 0 1 0 0 4M16.5 10a2 2 0 1 0 0 4"/>`,
	"settings":     `<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>`,
	"chart":        `<path d="M4 20h16M7 16v-5M12 16V7M17 16v-8"/>`,
	"lock":         `<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>`,
	"bell":         `<path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z"/><path d="M10 20.5a2.2 2.2 0 0 0 4 0"/>`,
}

// icon is the template function {{icon "name"}}. An unknown name is an
// error, so a typo fails the page's render test instead of showing nothing.
func icon(name string) (template.HTML, error) {
	p, ok := iconPaths[name]
	if !ok {
		return "", fmt.Errorf("no icon %q", name)
	}
	return template.HTML(`<svg class="i i-` + name + `" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">` + p + `</svg>`), nil // constant markup
}

// formatNumber is the template function {{num .Lang x}}: ints and floats
// in the page language's notation (1.234,5 in Indonesian).
func formatNumber(lang string, v any) (string, error) {
	switch x := v.(type) {
	case int:
		return numfmt.Int(lang, int64(x)), nil
	case int64:
		return numfmt.Int(lang, x), nil
	case float64:
		return numfmt.Float(lang, x, 1), nil
	}
	return "", fmt.Errorf("num: cannot format %T", v)
}

// formatPercent is {{pct .Lang x}}: "62,5%" in Indonesian, "62.5%" in English.
func formatPercent(lang string, v any) (string, error) {
	switch x := v.(type) {
	case int:
		return numfmt.Percent(lang, float64(x)), nil
	case int64:
		return numfmt.Percent(lang, float64(x)), nil
	case float64:
		return numfmt.Percent(lang, x), nil
	}
	return "", fmt.Errorf("pct: cannot format %T", v)
}

// formatMinutes is {{duration .Lang n}}: a length in minutes as people
// say it, "1 jam 20 menit" or "1 h 20 min".
func formatMinutes(lang string, n int) string {
	h, m := n/60, n%60
	hu, mu := " jam", " menit"
	if lang == "en" {
		hu, mu = " h", " min"
	}
	switch {
	case h == 0:
		return numfmt.Int(lang, int64(m)) + mu
	case m == 0:
		return numfmt.Int(lang, int64(h)) + hu
	}
	return numfmt.Int(lang, int64(h)) + hu + " " + numfmt.Int(lang, int64(m)) + mu
}
