// Package mdlimit bounds the Markdown shapes that make a CommonMark parser
// do work quadratic in the input, before the parser sees them: containers
// nested on one line ("> > > …", "- - - …", "1. 1. …"), link openers
// whose destinations never close ("[a]([a](…"), and table rows with
// thousands of cells (each row of the table then renders every column).
//
// Bound changes nothing in ordinary text: each rule starts only far beyond
// what a person writes.
package mdlimit

import "strings"

// Limits of Bound.
const (
	// Depth is the most block quotes and list items one line may open;
	// markers past it are dropped and their text joins the deepest one.
	Depth = 16
	// Links is the most "](" one block (text between blank lines) may
	// hold; later ones are escaped, so they stay text.
	Links = 256
	// Pipes is the most unescaped "|" one line may hold; later ones are
	// escaped, so a table has at most that many columns.
	Pipes = 128
)

// Bound returns src with the limits applied; src itself when none is
// reached. Bound is idempotent.
func Bound(src string) string {
	var out strings.Builder // used from the first change on
	changed := false
	links := 0
	for start := 0; start < len(src); {
		end := strings.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start + 1
		}
		line := src[start:end]
		if strings.TrimSpace(line) == "" {
			links = 0
		}
		fixed, ok := boundLine(line, &links)
		if ok && !changed {
			changed = true
			out.Grow(len(src) + len(src)/8)
			out.WriteString(src[:start])
		}
		if changed {
			out.WriteString(fixed)
		}
		start = end
	}
	if !changed {
		return src
	}
	return out.String()
}

// boundLine applies the limits to one line; ok reports a change.
func boundLine(line string, links *int) (string, bool) {
	changed := false
	if keep, rest, n := markers(line); n > Depth {
		line = line[:keep] + " " + line[rest:]
		changed = true
	}
	if !strings.Contains(line, "](") && strings.Count(line, "|") <= Pipes {
		return line, changed
	}
	var b strings.Builder
	pipes := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '(' && i > 0 && line[i-1] == ']':
			if *links++; *links > Links {
				b.WriteByte('\\')
				changed = true
			}
		case c == '|':
			if pipes++; pipes > Pipes && (i == 0 || line[i-1] != '\\') {
				b.WriteByte('\\')
				changed = true
			}
		}
		b.WriteByte(c)
	}
	return b.String(), changed
}

// markers counts the container markers that open line. keep is where the
// Depth-th marker ends, rest where the text after the last one starts.
// The scan is liberal (any run of spaces between markers), so it never
// counts fewer levels than the parser would open.
func markers(line string) (keep, rest, n int) {
	pos := 0
	for {
		p := pos
		for p < len(line) && (line[p] == ' ' || line[p] == '\t') {
			p++
		}
		q := markerEnd(line, p)
		if q < 0 {
			return keep, p, n
		}
		if n++; n == Depth {
			keep = q
		}
		pos = q
	}
}

// markerEnd is the end of a block quote or list marker at p, or -1.
func markerEnd(line string, p int) int {
	if p >= len(line) {
		return -1
	}
	spaceAt := func(i int) bool {
		return i >= len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r'
	}
	switch c := line[p]; {
	case c == '>':
		return p + 1
	case c == '-' || c == '+' || c == '*':
		if spaceAt(p + 1) {
			return p + 1
		}
	case c >= '0' && c <= '9':
		j := p
		for j < len(line) && j-p < 9 && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j < len(line) && (line[j] == '.' || line[j] == ')') && spaceAt(j+1) {
			return j + 1
		}
	}
	return -1
}
