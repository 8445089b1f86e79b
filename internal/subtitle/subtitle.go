// Package subtitle reads caption files, WebVTT and SubRip (SRT), and
// writes WebVTT, the only format browsers' <track> element plays. It is a
// byte-level parser for files learners' browsers and the search index
// read, so input is bounded and malformed input is an error, never a panic.
package subtitle

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxSize bounds a caption file. An hour of dense speech is about 100 KB;
// a file bigger than this is not a caption track.
const MaxSize = 2 << 20

// MaxCues bounds the cues of one track.
const MaxCues = 20_000

// Cue is one caption: text shown from Start to End.
type Cue struct {
	Start, End time.Duration
	Text       string // lines joined by "\n"
	Settings   string // WebVTT cue settings ("line:0 align:start"), kept as written
}

var (
	ErrTooBig   = errors.New("subtitle: file too big")
	ErrFormat   = errors.New("subtitle: neither WebVTT nor SRT")
	ErrEncoding = errors.New("subtitle: not UTF-8 text")
)

// IsVTT reports whether head starts like a WebVTT file: an optional BOM,
// "WEBVTT", then a space, tab or line end (the spec's signature).
func IsVTT(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\uFEFF"))
	if !bytes.HasPrefix(head, []byte("WEBVTT")) {
		return false
	}
	rest := head[len("WEBVTT"):]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

// IsSRT reports whether head starts like an SRT file: a cue number line,
// then a timing line with "-->".
func IsSRT(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\uFEFF"))
	s := strings.ReplaceAll(string(head), "\r\n", "\n")
	s = strings.TrimLeft(s, "\n")
	num, rest, ok := strings.Cut(s, "\n")
	if !ok || len(num) == 0 || len(num) > 9 {
		return false
	}
	if _, err := strconv.Atoi(strings.TrimSpace(num)); err != nil {
		return false
	}
	timing, _, _ := strings.Cut(rest, "\n")
	_, _, _, err := parseTiming(timing)
	return err == nil
}

// Parse reads a WebVTT or SRT file.
func Parse(b []byte) ([]Cue, error) {
	if len(b) > MaxSize {
		return nil, ErrTooBig
	}
	if !utf8.Valid(b) {
		return nil, ErrEncoding
	}
	switch {
	case IsVTT(b):
		return parse(b, true)
	case IsSRT(b):
		return parse(b, false)
	}
	return nil, ErrFormat
}

// blocks splits normalised text into blank-line separated blocks.
func blocks(b []byte) [][]string {
	s := strings.TrimPrefix(string(b), "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func parse(b []byte, vtt bool) ([]Cue, error) {
	bl := blocks(b)
	if vtt {
		bl = bl[1:] // the WEBVTT header block
	}
	var cues []Cue
	for n, block := range bl {
		if vtt {
			// NOTE, STYLE and REGION blocks carry no caption text.
			first := block[0]
			if first == "NOTE" || strings.HasPrefix(first, "NOTE ") || strings.HasPrefix(first, "NOTE\t") ||
				first == "STYLE" || first == "REGION" {
				continue
			}
		}
		i := 0
		if !strings.Contains(block[0], "-->") {
			i = 1 // a cue identifier (SRT's number)
		}
		if i >= len(block) {
			return nil, fmt.Errorf("subtitle: block %d has no timing line", n+1)
		}
		start, end, settings, err := parseTiming(block[i])
		if err != nil {
			return nil, fmt.Errorf("subtitle: block %d: %w", n+1, err)
		}
		if len(cues) >= MaxCues {
			return nil, fmt.Errorf("subtitle: more than %d cues", MaxCues)
		}
		cues = append(cues, Cue{Start: start, End: end, Settings: settings, Text: strings.Join(block[i+1:], "\n")})
	}
	return cues, nil
}

// parseTiming reads "00:01:02,500 --> 00:01:04,000 [settings]". SRT uses a
// comma before the milliseconds, WebVTT a dot; both are accepted, as
// files in the wild mix them.
func parseTiming(line string) (start, end time.Duration, settings string, err error) {
	a, b, ok := strings.Cut(line, "-->")
	if !ok {
		return 0, 0, "", errors.New("timing line lacks -->")
	}
	if start, err = parseStamp(strings.TrimSpace(a)); err != nil {
		return 0, 0, "", err
	}
	b = strings.TrimSpace(b)
	stamp, settings, _ := strings.Cut(b, " ")
	if end, err = parseStamp(stamp); err != nil {
		return 0, 0, "", err
	}
	if end < start {
		return 0, 0, "", fmt.Errorf("cue ends (%s) before it starts (%s)", stamp, strings.TrimSpace(a))
	}
	return start, end, strings.TrimSpace(settings), nil
}

// parseStamp reads [hh:]mm:ss[.,]mmm.
func parseStamp(s string) (time.Duration, error) {
	bad := fmt.Errorf("bad timestamp %q", truncate(s, 20))
	main, frac, ok := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if !ok || len(frac) != 3 {
		return 0, bad
	}
	parts := strings.Split(main, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	num := func(p string, max int) (int, bool) {
		if len(p) == 0 || len(p) > 4 {
			return 0, false
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return 0, false
			}
		}
		n, _ := strconv.Atoi(p)
		return n, max < 0 || n <= max
	}
	var h int
	if len(parts) == 3 {
		var ok bool
		if h, ok = num(parts[0], -1); !ok {
			return 0, bad
		}
		parts = parts[1:]
	}
	m, ok1 := num(parts[0], 59)
	sec, ok2 := num(parts[1], 59)
	ms, ok3 := num(frac, 999)
	if !ok1 || !ok2 || !ok3 {
		return 0, bad
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second +
		time.Duration(ms)*time.Millisecond, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// stamp writes a WebVTT timestamp, hh:mm:ss.mmm.
func stamp(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

// WriteVTT writes cues as a WebVTT file. Cue text never holds a blank line
// or "-->" (either would end or break the cue), so such text is folded.
func WriteVTT(cues []Cue) []byte {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	for _, c := range cues {
		b.WriteString("\n")
		b.WriteString(stamp(c.Start))
		b.WriteString(" --> ")
		b.WriteString(stamp(c.End))
		if c.Settings != "" {
			b.WriteString(" ")
			b.WriteString(c.Settings)
		}
		b.WriteString("\n")
		for _, line := range strings.Split(c.Text, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			b.WriteString(strings.ReplaceAll(line, "-->", "->"))
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

// ToVTT converts an SRT or WebVTT file to a clean WebVTT file.
func ToVTT(b []byte) ([]byte, error) {
	cues, err := Parse(b)
	if err != nil {
		return nil, err
	}
	return WriteVTT(cues), nil
}

// Text is the words of the captions, markup removed, one cue a line: what
// search indexes.
func Text(cues []Cue) string {
	var b strings.Builder
	for _, c := range cues {
		t := stripTags(c.Text)
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t)
	}
	return b.String()
}

// stripTags drops <b>, <i>, <v Speaker>, <c.class>, <00:01.000> and the
// like, and decodes the few entities WebVTT defines.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&nbsp;", " ", "&lrm;", "", "&rlm;", "").Replace(b.String())
}
