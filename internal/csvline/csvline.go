// Package csvline holds what the CSV readers of people and assessments
// share: the separator a spreadsheet chose, and an error that names its
// line, so each reader reports problems the same way.
package csvline

import (
	"bytes"
	"fmt"
)

// Error is a problem with one line (Line ≥ 1) or with the whole file
// (Line 0). A Fatal one stops the read; the others are collected so every
// bad line is reported at once.
type Error struct {
	Code  string
	Line  int
	Args  []any
	Fatal bool
}

func (e *Error) Error() string {
	s := "csv: " + e.Code
	if e.Line > 0 {
		s = fmt.Sprintf("csv: line %d: %s", e.Line, e.Code)
	}
	if len(e.Args) > 0 {
		s += fmt.Sprint(" ", e.Args)
	}
	return s
}

// Fatal is an error that stops the read.
func Fatal(code string, line int, args ...any) *Error {
	return &Error{Code: code, Line: line, Args: args, Fatal: true}
}

// Sniff picks the separator of the header line (the text up to the first
// newline): whichever of ',' and ';' appears more often outside quotes,
// comma on a tie. A spreadsheet saved in an Indonesian locale writes ';'.
func Sniff(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	var commas, semis int
	quoted := false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}
