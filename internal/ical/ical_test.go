package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

var (
	t0 = time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
	t1 = t0.Add(3 * time.Hour)
)

// parse reads out with a real iCalendar parser after checking what the
// parser tolerates but RFC 5545 does not: bare LF, lines over 75 octets,
// and folds that split a UTF-8 sequence.
func parse(t *testing.T, out []byte) *ics.Calendar {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Fatalf("file does not end in CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d is not valid UTF-8 on its own (a fold split a character): %q", i+1, l)
		}
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	return cal
}

func prop(t *testing.T, e *ics.VEvent, p ics.ComponentProperty) string {
	t.Helper()
	v := e.GetProperty(p)
	if v == nil {
		t.Fatalf("event %s has no %s", e.Id(), p)
	}
	return v.Value
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

func TestEventParses(t *testing.T) {
	wib := time.FixedZone("WIB", 7*3600)
	cal := Calendar{ProdID: "-//Kompeten//ID", Events: []Event{{
		UID: "ev123@kompeten.example", Sequence: 3, Stamp: t0.Add(-time.Hour),
		Start: t0.In(wib), End: t1.In(wib), Summary: "Lokakarya SPBE",
		Description: "Bawa laptop.", Location: "Aula Balai Kota", URL: "https://kompeten.example/events/ev123",
	}}}
	out := cal.Bytes()
	c := parse(t, out)
	if got := calProp(c, ics.PropertyMethod); got != "PUBLISH" {
		t.Errorf("METHOD %q", got)
	}
	if got := calProp(c, ics.PropertyVersion); got != "2.0" {
		t.Errorf("VERSION %q", got)
	}
	evs := c.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0]
	if e.Id() != "ev123@kompeten.example" {
		t.Errorf("UID %q", e.Id())
	}
	if s, err := e.GetStartAt(); err != nil || !s.Equal(t0) {
		t.Errorf("start %v %v, want %v", s, err, t0)
	}
	if s, err := e.GetEndAt(); err != nil || !s.Equal(t1) {
		t.Errorf("end %v %v, want %v", s, err, t1)
	}
	// Written in UTC whatever the zone given, so no VTIMEZONE is needed.
	if got := prop(t, e, ics.ComponentPropertyDtStart); got != "20260309T020000Z" {
		t.Errorf("DTSTART %q", got)
	}
	for p, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertySummary:     "Lokakarya SPBE",
		ics.ComponentPropertyDescription: "Bawa laptop.",
		ics.ComponentPropertyLocation:    "Aula Balai Kota",
		ics.ComponentPropertyUrl:         "https://kompeten.example/events/ev123",
		ics.ComponentPropertySequence:    "3",
		ics.ComponentPropertyStatus:      "CONFIRMED",
		ics.ComponentPropertyDtstamp:     "20260309T010000Z",
	} {
		if got := prop(t, e, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if bytes.Contains(out, []byte("X-WR-CALNAME")) || bytes.Contains(out, []byte("REFRESH-INTERVAL")) {
		t.Errorf("a single event carries feed properties:\n%s", out)
	}
}

func TestCancelledEvent(t *testing.T) {
	cal := Calendar{ProdID: "-//Kompeten//ID", Events: []Event{{UID: "x@h", Sequence: 5, Stamp: t0, Start: t0, End: t1, Summary: "Batal", Cancelled: true}}}
	e := parse(t, cal.Bytes()).Events()[0]
	if got := prop(t, e, ics.ComponentPropertyStatus); got != "CANCELLED" {
		t.Fatalf("STATUS %q", got)
	}
	if e.GetProperty(ics.ComponentPropertyLocation) != nil || e.GetProperty(ics.ComponentPropertyDescription) != nil {
		t.Fatalf("empty location or description written")
	}
}

func TestFeedOfSeveral(t *testing.T) {
	cal := Calendar{ProdID: "-//Kompeten//ID", Name: "Kompeten: Budi, kegiatan; saya", Refresh: time.Hour}
	for i, s := range []string{"Satu", "Dua", "Tiga", "Empat"} {
		cal.Events = append(cal.Events, Event{UID: s + "@h", Stamp: t0, Start: t0.Add(time.Duration(i) * 24 * time.Hour),
			End: t1.Add(time.Duration(i) * 24 * time.Hour), Summary: s, Cancelled: i == 2})
	}
	c := parse(t, cal.Bytes())
	if got := calProp(c, ics.PropertyXWRCalName); got != "Kompeten: Budi, kegiatan; saya" {
		t.Errorf("X-WR-CALNAME %q", got)
	}
	if got := calProp(c, "REFRESH-INTERVAL"); got != "PT1H" {
		t.Errorf("REFRESH-INTERVAL %q", got)
	}
	if got := calProp(c, "X-PUBLISHED-TTL"); got != "PT1H" {
		t.Errorf("X-PUBLISHED-TTL %q", got)
	}
	evs := c.Events()
	if len(evs) != 4 {
		t.Fatalf("%d events", len(evs))
	}
	for i, e := range evs {
		if got := prop(t, e, ics.ComponentPropertySummary); got != cal.Events[i].Summary {
			t.Errorf("event %d: %q", i, got)
		}
		want := "CONFIRMED"
		if i == 2 {
			want = "CANCELLED"
		}
		if got := prop(t, e, ics.ComponentPropertyStatus); got != want {
			t.Errorf("event %d status %q", i, got)
		}
	}
}

// TestNastyText: what people type into titles, places and descriptions
// comes back from a real parser exactly, line breaks as \n.
func TestNastyText(t *testing.T) {
	long := strings.Repeat("Sosialisasi, ", 16)[:200]
	emoji := strings.Repeat("🎉é", 40) // 4- and 2-octet characters across every fold
	cases := map[string]struct{ in, want string }{
		"punctuation": {`a,b;c\d:e"f`, `a,b;c\d:e"f`},
		"newlines":    {"baris 1\nbaris 2\r\nbaris 3\rbaris 4", "baris 1\nbaris 2\nbaris 3\nbaris 4"},
		"escapes":     {`\n is not a newline, \\; neither`, `\n is not a newline, \\; neither`},
		"emoji":       {emoji, emoji},
		"long":        {long, long},
		"controls":    {"a\x00b\x07c\td\x7f", "abc\td"},
		"invalid":     {"a\xffb", "a\uFFFDb"},
		"html":        {`<script>alert(1)</script>`, `<script>alert(1)</script>`},
	}
	for name, c := range cases {
		cal := Calendar{ProdID: "-//K//ID", Events: []Event{{UID: "n@h", Stamp: t0, Start: t0, End: t1,
			Summary: c.in, Location: c.in, Description: c.in + "\n" + long + emoji}}}
		e := parse(t, cal.Bytes()).Events()[0]
		if got := prop(t, e, ics.ComponentPropertySummary); got != c.want {
			t.Errorf("%s: summary %q, want %q", name, got, c.want)
		}
		if got := prop(t, e, ics.ComponentPropertyLocation); got != c.want {
			t.Errorf("%s: location %q, want %q", name, got, c.want)
		}
		if got, want := prop(t, e, ics.ComponentPropertyDescription), c.want+"\n"+long+emoji; got != want {
			t.Errorf("%s: description %q, want %q", name, got, want)
		}
	}
}

func TestDescriptionBounded(t *testing.T) {
	in := strings.Repeat("é", MaxText+500)
	cal := Calendar{ProdID: "-//K//ID", Events: []Event{{UID: "b@h", Stamp: t0, Start: t0, End: t1, Summary: "s", Description: in}}}
	got := prop(t, parse(t, cal.Bytes()).Events()[0], ics.ComponentPropertyDescription)
	if n := utf8.RuneCountInString(got); n != MaxText || !strings.HasSuffix(got, "…") {
		t.Fatalf("%d characters, ends %q", n, got[len(got)-8:])
	}
}

func TestURLCannotBreakItsLine(t *testing.T) {
	cal := Calendar{ProdID: "-//K//ID", Events: []Event{{UID: "u@h", Stamp: t0, Start: t0, End: t1, Summary: "s",
		URL: "https://h/x\r\nATTENDEE:mailto:evil@example.com"}}}
	out := cal.Bytes()
	e := parse(t, out).Events()[0]
	if e.GetProperty(ics.ComponentPropertyAttendee) != nil {
		t.Fatalf("a line break in the URL made a property:\n%s", out)
	}
}

func TestFold(t *testing.T) {
	for _, line := range []string{
		"", "short", strings.Repeat("x", 75), strings.Repeat("x", 76), strings.Repeat("x", 300),
		strings.Repeat("é", 100), "SUMMARY:" + strings.Repeat("🎉", 60), strings.Repeat("ab€", 77),
	} {
		f := Fold(line)
		if Unfold(f) != line {
			t.Errorf("fold of %q does not unfold to itself: %q", line, f)
		}
		for i, l := range strings.Split(f, "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) || (i > 0 && !strings.HasPrefix(l, " ")) {
				t.Errorf("physical line %d of %q: %q", i, line, l)
			}
			// A line is filled up to the last whole character.
			if i > 0 && len(l) < 72 && i < strings.Count(f, "\r\n") {
				t.Errorf("line %d folded early: %d octets", i, len(l))
			}
		}
	}
	if got := Fold(strings.Repeat("x", 76)); got != strings.Repeat("x", 75)+"\r\n x" {
		t.Errorf("76 octets: %q", got)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:       `a\\b`,
		"a;b,c":     `a\;b\,c`,
		"a\r\nb":    `a\nb`,
		"a\n\nb":    `a\n\nb`,
		"a\rb":      `a\nb`,
		"tab\there": "tab\there",
		":\"":       ":\"",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "PT1H", 90 * time.Minute: "PT1H30M", 24 * time.Hour: "P1D",
		25*time.Hour + time.Second: "P1DT1H1S", time.Millisecond: "PT1S",
	} {
		if got := duration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// normalise is what Escape keeps of s: line breaks as \n, no other
// control but tab, invalid UTF-8 replaced, bounded.
func normalise(s string) string {
	s = Bound(s, MaxText)
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	// strings.Map reads each invalid byte as one U+FFFD, as Escape does.
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// FuzzEscape: whatever the text, the file stays well formed (every line
// within 75 octets, valid UTF-8, no stray line break) and the value reads
// back, through our Unescape and through a real parser, as what Escape
// promises to keep.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a,b;c", `\`, `\n`, "x\r\ny", "\r", "🎉" + strings.Repeat("é", 80), "a\xffb\xc3", "\\\\;,\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		esc := Escape(s)
		want := normalise(s)
		if got := Unescape(esc); got != want {
			t.Fatalf("Unescape(Escape(%q)) = %q, want %q", s, got, want)
		}
		if strings.ContainsAny(esc, "\r\n") {
			t.Fatalf("escaped value holds a line break: %q", esc)
		}
		cal := Calendar{ProdID: "-//K//ID", Events: []Event{{UID: "f@h", Stamp: t0, Start: t0, End: t1, Summary: s}}}
		out := cal.Bytes()
		e := parse(t, out).Events()
		if len(e) != 1 {
			t.Fatalf("%d events from %q", len(e), out)
		}
		// The parser trims nothing, so the summary is exact.
		if got := prop(t, e[0], ics.ComponentPropertySummary); got != want {
			t.Fatalf("parsed summary %q, want %q", got, want)
		}
	})
}
