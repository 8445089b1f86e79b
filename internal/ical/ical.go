// Package ical writes iCalendar (RFC 5545) files: one event to download,
// or a feed of several that a calendar program subscribes to. It writes
// only what Kompeten needs (VEVENTs in UTC, published, never requests), and
// writes it strictly: CRLF line ends, lines folded at 75 octets without
// splitting a UTF-8 sequence, and TEXT values escaped, because Outlook and
// some phone calendars reject or garble a file that is merely close.
package ical

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLine is the longest line, in octets without the CRLF, that RFC 5545
// §3.1 allows; longer content is folded onto continuation lines that start
// with a space (which counts towards their 75).
const maxLine = 75

// MaxText bounds one TEXT value (before escaping): a description longer
// than this is cut, at a character boundary, with an ellipsis. Calendar
// programs show a few paragraphs at most; the event page has the rest.
const MaxText = 4000

// Event is one VEVENT. Times are written in UTC (the "Z" form), so no
// VTIMEZONE is needed and every program shows them in its own zone.
type Event struct {
	// UID is stable for the life of the event (an id and the host), so a
	// second download or the next feed refresh updates the same entry.
	UID string
	// Sequence grows with each change the attendee should notice; a
	// program keeps the highest revision it has seen.
	Sequence int
	// Stamp is DTSTAMP: when this copy of the event was made (the last
	// change, so the file is the same each time nothing changed).
	Stamp       time.Time
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	// Cancelled writes STATUS:CANCELLED, which programs show struck
	// through (or drop); otherwise STATUS:CONFIRMED.
	Cancelled bool
}

// Calendar is a VCALENDAR of events.
type Calendar struct {
	// ProdID names the program that made the file ("-//Kompeten//ID").
	ProdID string
	// Name is X-WR-CALNAME, the name a subscribed feed is shown under;
	// empty omits it.
	Name string
	// Refresh, when set, asks subscribers to refresh that often
	// (REFRESH-INTERVAL of RFC 7986 and the older X-PUBLISHED-TTL).
	Refresh time.Duration
	Events  []Event
}

// Bytes is the calendar as a file.
func (c Calendar) Bytes() []byte {
	var b bytes.Buffer
	_, _ = c.WriteTo(&b)
	return b.Bytes()
}

// WriteTo writes the calendar to w.
func (c Calendar) WriteTo(w io.Writer) (int64, error) {
	lw := &lineWriter{w: w}
	lw.line("BEGIN:VCALENDAR")
	lw.line("VERSION:2.0")
	lw.line("PRODID:" + Escape(c.ProdID))
	lw.line("CALSCALE:GREGORIAN")
	lw.line("METHOD:PUBLISH")
	if c.Name != "" {
		lw.line("X-WR-CALNAME:" + Escape(c.Name))
	}
	if c.Refresh > 0 {
		d := duration(c.Refresh)
		lw.line("REFRESH-INTERVAL;VALUE=DURATION:" + d)
		lw.line("X-PUBLISHED-TTL:" + d)
	}
	for _, e := range c.Events {
		lw.line("BEGIN:VEVENT")
		lw.line("UID:" + Escape(e.UID))
		lw.line("DTSTAMP:" + utc(e.Stamp))
		lw.line("DTSTART:" + utc(e.Start))
		lw.line("DTEND:" + utc(e.End))
		lw.line("SEQUENCE:" + strconv.Itoa(max(e.Sequence, 0)))
		lw.line("SUMMARY:" + Escape(e.Summary))
		if e.Location != "" {
			lw.line("LOCATION:" + Escape(e.Location))
		}
		if e.Description != "" {
			lw.line("DESCRIPTION:" + Escape(e.Description))
		}
		if e.URL != "" {
			// URL is a URI value, not TEXT: no escaping, but no line
			// breaks or controls either.
			lw.line("URL:" + clean(e.URL))
		}
		if e.Cancelled {
			lw.line("STATUS:CANCELLED")
		} else {
			lw.line("STATUS:CONFIRMED")
		}
		lw.line("END:VEVENT")
	}
	lw.line("END:VCALENDAR")
	return lw.n, lw.err
}

// utc is a DATE-TIME in the UTC form, 19970714T173000Z.
func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// duration is a positive whole-second DURATION (PT1H30M, P1D).
func duration(d time.Duration) string {
	secs := int64(d.Round(time.Second) / time.Second)
	if secs <= 0 {
		secs = 1
	}
	days, secs := secs/86400, secs%86400
	var b strings.Builder
	b.WriteByte('P')
	if days > 0 {
		b.WriteString(strconv.FormatInt(days, 10) + "D")
	}
	if secs > 0 {
		b.WriteByte('T')
		for _, u := range []struct {
			n    int64
			unit string
		}{{3600, "H"}, {60, "M"}, {1, "S"}} {
			if secs >= u.n {
				b.WriteString(strconv.FormatInt(secs/u.n, 10) + u.unit)
				secs %= u.n
			}
		}
	}
	return b.String()
}

// Escape writes s as a TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon and comma escaped, each line break (CRLF, CR or LF) written
// as \n, other control characters (which TEXT may not hold) dropped,
// invalid UTF-8 replaced, and the whole cut to MaxText characters.
func Escape(s string) string {
	s = Bound(s, MaxText)
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteByte('\t')
		case r < 0x20 || r == 0x7f:
			// CONTROL characters are not TEXT.
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i-size : i])
		}
	}
	return b.String()
}

// Unescape reads a TEXT value back: the inverse of Escape on what Escape
// keeps (line breaks come back as \n). An unknown escape keeps its
// character, as RFC 5545 readers do.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Bound cuts s to at most n characters, ending in "…" when it cut.
func Bound(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return strings.TrimRight(s[:i], " \t\r\n") + "…"
}

// clean drops control characters (line breaks included) from a value
// that is not TEXT, so it cannot end its line early.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Fold splits one content line into physical lines of at most 75 octets,
// each after the first starting with a space, joined by CRLF (no CRLF at
// the end). It never splits a UTF-8 sequence: a multi-byte character that
// would straddle the limit moves whole to the next line.
func Fold(line string) string {
	if len(line) <= maxLine {
		return line
	}
	var b strings.Builder
	b.Grow(len(line) + 3*(len(line)/(maxLine-1)+1))
	limit := maxLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1 // the leading space takes one octet
	}
	b.WriteString(line)
	return b.String()
}

// Unfold joins folded lines back (RFC 5545 §3.1): a CRLF followed by a
// space or a tab is removed.
func Unfold(s string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(s)
}

// lineWriter writes folded content lines, keeping the first error.
type lineWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (lw *lineWriter) line(s string) {
	if lw.err != nil {
		return
	}
	n, err := io.WriteString(lw.w, Fold(s)+"\r\n")
	lw.n += int64(n)
	lw.err = err
}
