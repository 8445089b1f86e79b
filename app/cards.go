package app

import (
	"context"
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strings"
	"unicode"

	"github.com/kotalama/kompeten/content"
)

// cardView is a course as a card: its cover (the uploaded image, else one
// drawn from its title), trainer, length and, for the viewer's own
// courses, progress.
type cardView struct {
	content.CourseCard
	Lang      string // the page's, for the shared card template
	Trainer   string
	Generated template.HTML // the drawn cover, when none was uploaded
	Enrolled  bool
	Percent   int
	Completed bool
}

// courseCards dresses a list of courses for cards, with the progress of
// the viewer's enrolments in mine; one look-up per distinct trainer.
func (a *App) courseCards(ctx context.Context, lang string, list []content.CourseCard, mine []content.EnrolledCourse) ([]cardView, error) {
	owners := make([]string, 0, len(list))
	for _, c := range list {
		owners = append(owners, c.Owner)
	}
	names, err := a.svc.UserNames(ctx, owners)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]content.EnrolledCourse, len(mine))
	for _, ec := range mine {
		byID[ec.Course.ID] = ec
	}
	out := make([]cardView, 0, len(list))
	for _, c := range list {
		v := cardView{CourseCard: c, Lang: lang, Trainer: names[c.Owner]}
		if c.Cover == "" {
			v.Generated = coverSVG(c.ID, c.Title, c.Category)
		}
		if ec, ok := byID[c.ID]; ok {
			v.Enrolled, v.Percent, v.Completed = true, ec.Percent, !ec.Completed.IsZero()
			if v.Minutes == 0 {
				v.Minutes = ec.Course.TotalMinutes()
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Hues of the generated covers by category, so a category reads alike
// across the catalog; each course turns its hue a little by its id.
var categoryHue = map[string]float64{"Teknis": 195, "Manajerial": 255, "Sosial Kultural": 345}

// coverSVG draws a cover from a course's title: a two-tone gradient with a
// few soft circles and the title's initials, the same for the same course
// on every render. About 600 bytes inline: no request, nothing to cache,
// nothing to load on a slow link. White initials on colours of lightness
// at most 34% keep a contrast of at least 3:1, WCAG's bar for large text
// (the initials are 60 px bold), and 4.5:1 on most hues.
func coverSVG(id, title, category string) template.HTML {
	h := fnv.New64a()
	h.Write([]byte(id))
	sum := h.Sum64()
	bits := func(n uint) float64 { // the next 8 bits as 0..1
		v := float64(sum>>(n*8)&0xff) / 255
		return v
	}
	hue, ok := categoryHue[category]
	if !ok {
		hue = bits(0) * 360
	}
	hue = math.Mod(hue+(bits(1)-0.5)*40+360, 360)
	// Yellows and olives turn muddy this dark; those hues move on to green.
	if hue > 35 && hue < 110 {
		hue += 75
	}
	c1 := hsl(hue, 0.60, 0.28)
	c2 := hsl(math.Mod(hue+30, 360), 0.55, 0.34)
	gid := "cv-" + strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, id)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="cover-art" viewBox="0 0 320 180" preserveAspectRatio="xMidYMid slice" aria-hidden="true" focusable="false">`+
		`<defs><linearGradient id="%s" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/></linearGradient></defs>`+
		`<rect width="320" height="180" fill="url(#%s)"/>`, gid, c1, c2, gid)
	for i := uint(0); i < 3; i++ {
		fmt.Fprintf(&b, `<circle cx="%.0f" cy="%.0f" r="%.0f" fill="#fff" fill-opacity="%.2f"/>`,
			120+bits(2+i)*220, bits(3+i)*180, 40+bits(4+i)*70, 0.06+0.05*float64(i%2))
	}
	fmt.Fprintf(&b, `<text x="22" y="118" font-family="system-ui,-apple-system,'Segoe UI',Roboto,sans-serif" font-size="60" font-weight="700" fill="#fff" letter-spacing="2">%s</text></svg>`,
		template.HTMLEscapeString(initials(title)))
	return template.HTML(b.String()) // built from escaped text and numbers only
}

// initials are the first letters of the title's first two words that are
// not short function words: "Pelayanan Publik Prima" → "PP".
func initials(title string) string {
	skip := map[string]bool{"dan": true, "di": true, "ke": true, "dari": true, "untuk": true, "yang": true, "the": true, "of": true, "and": true, "dalam": true, "bagi": true}
	var out []rune
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if skip[strings.ToLower(w)] {
			continue
		}
		out = append(out, unicode.ToUpper([]rune(w)[0]))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "K"
	}
	return string(out)
}

// hsl writes an HSL colour as #rrggbb.
func hsl(h, s, l float64) string {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	to := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", to(r), to(g), to(b))
}
