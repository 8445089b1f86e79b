// Package assesscsv reads a CSV file of competency assessments, as a
// personnel office keeps them in a spreadsheet: a header line naming the
// columns, then one assessment a line. The columns nip and period (or
// periode) are required, note (or catatan) is optional, and every other
// named column is a competency tag whose cells hold levels.
//
// It is a byte-level leaf in the manner of internal/usercsv: it knows
// nothing of people or tags beyond the header, accepts a UTF-8 BOM and
// either comma or semicolon (whichever the header uses more), and bounds
// the file before working on it. A file over MaxBytes, with NUL bytes or
// bytes that are not UTF-8, or with a bad header is refused whole (an
// *Error with Fatal); a bad line is an *Error for that line, and reading
// goes on, so a caller lists every bad line at once.
package assesscsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/csvline"
)

// Bounds. One line per person and period: a city's 20,000 ASN with ten
// tags are about 1.5 MB.
const (
	MaxBytes     = 3 << 20
	MaxLines     = 25_000
	MaxTags      = 30
	MaxCellBytes = 4 << 10
)

// Error codes; a caller translates them, Args hold the details.
const (
	CodeTooLarge     = "too_large"      // Args: MaxBytes in MiB
	CodeBinary       = "binary"         // not UTF-8 text
	CodeTooManyLines = "too_many_lines" // Args: MaxLines
	CodeTooManyTags  = "too_many_tags"  // Args: MaxTags
	CodeCellTooLarge = "cell_too_large" // Args: MaxCellBytes in KiB
	CodeEmpty        = "empty"          // no header line
	CodeMissing      = "header_missing" // Args: the missing names
	CodeDuplicate    = "header_duplicate"
	CodeFields       = "fields" // Args: fields wanted, fields found
	CodeQuote        = "quote"
)

// Error is a problem with a line or the whole file (csvline.Error).
type Error = csvline.Error

func fatal(code string, line int, args ...any) *Error { return csvline.Fatal(code, line, args...) }

// Record is one assessment line, its cells trimmed.
type Record struct {
	Line   int
	NIP    string
	Period string
	Note   string
	// Levels are the cells of the tag columns, in File.Tags order ("" for
	// a tag not assessed on this line).
	Levels []string
}

// File is a read file: its tag columns as the header wrote them, its
// records, and its bad lines.
type File struct {
	Tags    []string
	Records []Record
	Errors  []*Error
}

var roles = map[string]string{"nip": "nip", "period": "period", "periode": "period", "note": "note", "catatan": "note"}

// Read reads and checks a whole file. The error is a fatal *Error, or
// the reader's own.
func Read(r io.Reader) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBytes {
		return nil, fatal(CodeTooLarge, 0, MaxBytes>>20)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, fatal(CodeBinary, bytes.Count(b[:i], []byte("\n"))+1)
	}
	if !utf8.Valid(b) {
		return nil, fatal(CodeBinary, 0)
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = csvline.Sniff(b)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fatal(CodeEmpty, 0)
	}
	if err != nil {
		return nil, fatal(CodeQuote, 1)
	}
	f := &File{}
	col := map[string]int{}
	var tagCols []int
	var dup []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if len(name) > MaxCellBytes {
			return nil, fatal(CodeCellTooLarge, 1, MaxCellBytes>>10)
		}
		if name == "" {
			continue
		}
		if role, ok := roles[name]; ok {
			if _, seen := col[role]; seen {
				dup = append(dup, role)
			}
			col[role] = i
			continue
		}
		tagCols = append(tagCols, i)
		f.Tags = append(f.Tags, strings.TrimSpace(h))
	}
	if len(dup) > 0 {
		return nil, fatal(CodeDuplicate, 1, strings.Join(dup, ", "))
	}
	var missing []string
	for _, need := range []string{"nip", "period"} {
		if _, ok := col[need]; !ok {
			missing = append(missing, need)
		}
	}
	if len(tagCols) == 0 {
		missing = append(missing, "<tag>")
	}
	if len(missing) > 0 {
		return nil, fatal(CodeMissing, 1, strings.Join(missing, ", "))
	}
	if len(tagCols) > MaxTags {
		return nil, fatal(CodeTooManyTags, 1, MaxTags)
	}
	cell := func(fields []string, i int) string {
		if i < len(fields) {
			return strings.TrimSpace(fields[i])
		}
		return ""
	}
	lines := 0
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				f.Errors = append(f.Errors, &Error{Code: CodeQuote, Line: pe.StartLine})
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for _, c := range fields {
			if len(c) > MaxCellBytes {
				return nil, fatal(CodeCellTooLarge, line, MaxCellBytes>>10)
			}
			if strings.TrimSpace(c) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		if lines++; lines > MaxLines {
			return nil, fatal(CodeTooManyLines, 0, MaxLines)
		}
		if len(fields) != len(header) {
			f.Errors = append(f.Errors, &Error{Code: CodeFields, Line: line, Args: []any{len(header), len(fields)}})
			continue
		}
		rec := Record{Line: line, NIP: cell(fields, col["nip"]), Period: cell(fields, col["period"])}
		if i, ok := col["note"]; ok {
			rec.Note = cell(fields, i)
		}
		for _, i := range tagCols {
			rec.Levels = append(rec.Levels, cell(fields, i))
		}
		f.Records = append(f.Records, rec)
	}
}
