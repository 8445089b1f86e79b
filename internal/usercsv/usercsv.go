// Package usercsv reads a CSV file of user accounts, as a personnel office
// keeps them in a spreadsheet: one header line naming the columns, in any
// order, then one user a line.
//
// It is a byte-level leaf: it knows nothing of users beyond the column
// names, and bounds the file before doing any work with it. The size, the
// number of lines and the size of a cell are capped; a file with NUL bytes
// or bytes that are not UTF-8 is refused as binary. A refusal stops the
// read (an *Error with Fatal set). A bad line (a wrong number of fields, a
// stray quote) is an *Error for that line only, and the read goes on, so
// a caller can list every bad line of a file at once.
//
// Records stream: the file is read once, a buffer at a time, and never
// held whole.
package usercsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/csvline"
)

// Bounds. A city's personnel list is 10,000 to 20,000 ASN, about 130
// bytes a line: 2 to 3 MB. MaxBytes leaves room for a province-sized list
// of MaxLines with long names and addresses (400 bytes a line), while
// refusing a wrong file (a database dump, a video) before reading it all.
const (
	MaxBytes = 20 << 20
	MaxLines = 50_000
	// MaxCellBytes is far above any real name, email or position (the
	// domain caps those at 200 characters and reports them per line) and
	// far below anything that would make a line expensive to hold.
	MaxCellBytes = 4 << 10
	// maxLineBytes bounds one physical line before the CSV parser buffers
	// it, so a megabyte "cell" is refused after 64 KiB, not after reading it.
	maxLineBytes = 64 << 10
)

// Column is one known column.
type Column int

// The columns a file may have. NIP and Name are required.
const (
	NIP Column = iota
	Name
	Email
	Phone
	Unit
	Position
	SupervisorNIP
	Roles
	NumColumns
)

// Names are the canonical header names, by Column.
var Names = [NumColumns]string{"nip", "name", "email", "phone", "unit", "position", "supervisor_nip", "roles"}

// aliases are the Indonesian headers a spreadsheet from a BKPSDM is likely
// to carry, so it need not be renamed first.
var aliases = map[string]Column{
	"nama": Name, "surel": Email, "telepon": Phone, "hp": Phone, "no_hp": Phone,
	"unit_kerja": Unit, "opd": Unit, "jabatan": Position, "atasan": SupervisorNIP,
	"nip_atasan": SupervisorNIP, "peran": Roles,
}

// Error codes. A caller translates them; Args hold the details.
const (
	CodeTooLarge     = "too_large"      // Args: MaxBytes in MiB
	CodeBinary       = "binary"         // the file is not UTF-8 text
	CodeTooManyLines = "too_many_lines" // Args: MaxLines
	CodeCellTooLarge = "cell_too_large" // Args: MaxCellBytes in KiB
	CodeEmpty        = "empty"          // no header line
	CodeUnknown      = "header_unknown" // Args: the unknown names, comma-separated
	CodeMissing      = "header_missing" // Args: the missing names
	CodeDuplicate    = "header_duplicate"
	CodeFields       = "fields" // Args: fields wanted, fields found
	CodeQuote        = "quote"  // a quote out of place, or never closed
)

// Error is a problem with a line or the whole file (csvline.Error).
type Error = csvline.Error

func fatal(code string, line int, args ...any) *Error { return csvline.Fatal(code, line, args...) }

// Record is one user line: its line number and its trimmed cells by
// Column ("" for a column the file does not have).
type Record struct {
	Line   int
	Values [NumColumns]string
}

// Get is the cell of column c.
func (r Record) Get(c Column) string { return r.Values[c] }

// Reader reads records from a CSV file.
type Reader struct {
	g     *guard
	csv   *csv.Reader
	cols  []Column // by field position; -1 for an ignored (unnamed) column
	has   [NumColumns]bool
	comma rune
	lines int
}

// NewReader reads and checks the header line. The separator is sniffed
// from it: a spreadsheet in an Indonesian locale, where the comma is the
// decimal mark, writes semicolons.
func NewReader(r io.Reader) (*Reader, error) {
	g := &guard{r: r, line: 1}
	br := bufio.NewReaderSize(g, maxLineBytes)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(maxLineBytes)
	if g.err != nil {
		return nil, g.err
	}
	rd := &Reader{g: g, comma: csvline.Sniff(head)}
	rd.csv = csv.NewReader(br)
	rd.csv.Comma = rd.comma
	rd.csv.FieldsPerRecord = -1
	rd.csv.ReuseRecord = true
	header, err := rd.csv.Read()
	if g.err != nil {
		return nil, g.err
	}
	if errors.Is(err, io.EOF) {
		return nil, fatal(CodeEmpty, 0)
	}
	if err != nil {
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, fatal(CodeQuote, line)
	}
	if err := rd.header(header); err != nil {
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) header(fields []string) error {
	var unknown, dup []string
	for _, f := range fields {
		name := strings.ToLower(strings.TrimSpace(f))
		if len(name) > MaxCellBytes {
			return fatal(CodeCellTooLarge, 1, MaxCellBytes>>10)
		}
		if name == "" {
			// Spreadsheets add empty columns at the end of a header.
			rd.cols = append(rd.cols, -1)
			continue
		}
		c, ok := lookup(name)
		if !ok {
			unknown = append(unknown, name)
			rd.cols = append(rd.cols, -1)
			continue
		}
		if rd.has[c] {
			dup = append(dup, Names[c])
		}
		rd.has[c] = true
		rd.cols = append(rd.cols, c)
	}
	switch {
	case len(unknown) > 0:
		return fatal(CodeUnknown, 1, strings.Join(unknown, ", "))
	case len(dup) > 0:
		return fatal(CodeDuplicate, 1, strings.Join(dup, ", "))
	}
	var missing []string
	for _, c := range []Column{NIP, Name} {
		if !rd.has[c] {
			missing = append(missing, Names[c])
		}
	}
	if len(missing) > 0 {
		return fatal(CodeMissing, 1, strings.Join(missing, ", "))
	}
	return nil
}

func lookup(name string) (Column, bool) {
	name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
	for c, n := range Names {
		if n == name {
			return Column(c), true
		}
	}
	c, ok := aliases[name]
	return c, ok
}

// Has reports whether the file has column c. A caller leaves a field
// alone when its column is absent, and sets it (even to empty) when present.
func (rd *Reader) Has(c Column) bool { return rd.has[c] }

// Comma is the separator the header used.
func (rd *Reader) Comma() rune { return rd.comma }

// Next returns the next record. A bad line is an *Error without Fatal:
// call Next again for the line after it. A refused file is an *Error with
// Fatal; the end is io.EOF. Lines whose cells are all empty are skipped.
func (rd *Reader) Next() (Record, error) {
	for {
		fields, err := rd.csv.Read()
		if rd.g.err != nil {
			return Record{}, rd.g.err
		}
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		rd.lines++
		if rd.lines > MaxLines {
			return Record{}, fatal(CodeTooManyLines, 0, MaxLines)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Record{Line: pe.StartLine}, &Error{Code: CodeQuote, Line: pe.StartLine}
			}
			return Record{}, err
		}
		line, _ := rd.csv.FieldPos(0)
		blank := true
		for _, f := range fields {
			if len(f) > MaxCellBytes {
				return Record{}, fatal(CodeCellTooLarge, line, MaxCellBytes>>10)
			}
			if strings.TrimSpace(f) != "" {
				blank = false
			}
		}
		if blank {
			rd.lines--
			continue
		}
		rec := Record{Line: line}
		if len(fields) != len(rd.cols) {
			return rec, &Error{Code: CodeFields, Line: line, Args: []any{len(rd.cols), len(fields)}}
		}
		for i, f := range fields {
			if c := rd.cols[i]; c >= 0 {
				rec.Values[c] = strings.TrimSpace(f)
			}
		}
		return rec, nil
	}
}

// guard is the reader under the CSV parser: it refuses a file over
// MaxBytes, one with a NUL byte or invalid UTF-8, and a physical line over
// maxLineBytes, as the bytes arrive. Its error is sticky, and the Reader
// checks it after every parse, whatever the parser made of it.
type guard struct {
	r       io.Reader
	n       int64
	line    int // current line, 1-based
	lineLen int
	carry   []byte // the start of a rune split across two reads
	err     *Error
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > MaxBytes {
		g.err = fatal(CodeTooLarge, 0, MaxBytes>>20)
		return 0, g.err
	}
	if e := g.check(p[:n], errors.Is(err, io.EOF)); e != nil {
		g.err = e
		return 0, e
	}
	return n, err
}

func (g *guard) check(b []byte, eof bool) *Error {
	// Validate UTF-8 first, keeping an incomplete rune at the end for the
	// next read; then walk the bytes for lines, up to the first bad one,
	// so the refusal names the line it is on.
	buf := b
	carried := len(g.carry)
	if carried > 0 {
		buf = append(g.carry, b...)
		g.carry = nil
	}
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	bad := -1
	if !utf8.Valid(buf[:cut]) {
		for i := 0; i < cut; {
			r, n := utf8.DecodeRune(buf[i:cut])
			if r == utf8.RuneError && n <= 1 {
				bad = max(i-carried, 0)
				break
			}
			i += n
		}
	} else if cut < len(buf) && eof {
		bad = len(b)
	}
	for i, c := range b {
		if i == bad {
			break
		}
		switch c {
		case 0:
			return fatal(CodeBinary, g.line)
		case '\n':
			g.line++
			g.lineLen = 0
		default:
			g.lineLen++
			if g.lineLen > maxLineBytes {
				return fatal(CodeCellTooLarge, g.line, MaxCellBytes>>10)
			}
		}
	}
	if bad >= 0 {
		return fatal(CodeBinary, g.line)
	}
	if cut < len(buf) {
		g.carry = append([]byte(nil), buf[cut:]...)
	}
	return nil
}
