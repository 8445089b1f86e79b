// Package pdftext reads the plain text of a PDF for the search index, with
// hard bounds: the PDF library it wraps (github.com/ledongthuc/pdf) has no
// limits of its own and loops forever on a page tree that contains itself.
//
// Extract bounds what it can in process: output, pages, page-tree depth and
// cycles, decoded stream sizes and content operators. What the library may
// still do inside one call (a giant token, an object stream that extends
// itself) is bounded by Runner, which runs Extract in a child process of the
// same binary with limits on time, memory and output.
package pdftext

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// ErrUnreadable marks a PDF whose text cannot be (fully) read: damaged,
// hostile or over a limit. Retrying gives the same answer, so callers
// record it rather than try again.
var ErrUnreadable = errors.New("pdf tidak dapat dibaca")

// Limits bound one extraction; zero fields take the defaults.
type Limits struct {
	// Text is the most bytes of text returned; longer text is cut there.
	Text int
	// Pages is the most pages read.
	Pages int
	// Depth is the deepest page tree walked (real files have a few levels).
	Depth int
	// Stream is the most decoded bytes of one page's content or one font's
	// character map; a page over it is skipped unread.
	Stream int64
	// Ops is the most content operators interpreted over the whole file.
	Ops int
}

// Defaults for Limits.
const (
	DefaultText   = 200_000
	DefaultPages  = 2_000
	DefaultDepth  = 64
	DefaultStream = 16 << 20
	DefaultOps    = 10_000_000
)

func (l Limits) withDefaults() Limits {
	if l.Text <= 0 {
		l.Text = DefaultText
	}
	if l.Pages <= 0 {
		l.Pages = DefaultPages
	}
	if l.Depth <= 0 {
		l.Depth = DefaultDepth
	}
	if l.Stream <= 0 {
		l.Stream = DefaultStream
	}
	if l.Ops <= 0 {
		l.Ops = DefaultOps
	}
	return l
}

// Extract returns the text of every page, words separated by single
// spaces, cut at lim.Text bytes (on a character boundary). A file it cannot
// read whole gives the text read so far and an error wrapping
// ErrUnreadable; reaching lim.Text is not an error.
func Extract(b []byte, lim Limits) (string, error) {
	x := &extractor{lim: lim.withDefaults(), seen: map[uint64]bool{}}
	x.out.Grow(min(x.lim.Text, 64<<10))
	err := x.run(b)
	return x.out.String(), err
}

type extractor struct {
	lim   Limits
	out   strings.Builder
	space bool // a space is owed before the next word
	full  bool // out reached lim.Text
	pages int
	ops   int
	seen  map[uint64]bool // page-tree nodes already entered
	first error           // the first problem met; reading goes on past it
}

// errStop unwinds out of the library's interpreter once a limit is reached.
type errStop struct{ err error }

func (x *extractor) run(b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = unreadable("rusak: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return unreadable("%v", err)
	}
	root := r.Trailer().Key("Root").Key("Pages")
	if root.IsNull() {
		return unreadable("tidak ada daftar halaman")
	}
	x.walk(root, pdf.Value{}, 0)
	return x.first
}

func unreadable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreadable, fmt.Sprintf(format, args...))
}

func (x *extractor) note(err error) {
	if x.first == nil {
		x.first = err
	}
}

// walk reads the page tree itself instead of the library's Reader.Page,
// which follows /Kids without remembering where it has been. Resources
// are inherited down the walk, so the library never follows /Parent.
func (x *extractor) walk(node, res pdf.Value, depth int) {
	if x.full || x.pages >= x.lim.Pages {
		return
	}
	if depth > x.lim.Depth {
		x.note(unreadable("pohon halaman lebih dari %d tingkat", x.lim.Depth))
		return
	}
	if id, ok := objectID(node); ok {
		if x.seen[id] {
			x.note(unreadable("pohon halaman memuat dirinya sendiri (objek %d)", id>>16))
			return
		}
		x.seen[id] = true
	}
	if r := node.Key("Resources"); !r.IsNull() {
		res = r
	}
	kids := node.Key("Kids")
	if node.Key("Type").Name() == "Pages" || kids.Kind() == pdf.Array {
		for i := 0; i < kids.Len() && !x.full && x.pages < x.lim.Pages; i++ {
			x.walk(kids.Index(i), res, depth+1)
		}
		return
	}
	x.pages++
	x.page(node, res)
}

// objectID names the indirect object v was read from. The library keeps
// it in an unexported field, and nothing else tells a node from a copy of
// it: every lookup parses the object afresh. /Kids must hold indirect
// references, so within a page tree the id is the node's identity. When the
// field is missing (a newer library), the depth limit still ends a cycle.
func objectID(v pdf.Value) (uint64, bool) {
	f := reflect.ValueOf(v).FieldByName("ptr")
	if !f.IsValid() || f.Kind() != reflect.Struct || f.NumField() != 2 {
		return 0, false
	}
	id, gen := f.Field(0), f.Field(1)
	if !isUint(id.Kind()) || !isUint(gen.Kind()) {
		return 0, false
	}
	return id.Uint()<<16 | gen.Uint()&0xffff, true
}

func isUint(k reflect.Kind) bool {
	return k >= reflect.Uint && k <= reflect.Uint64
}

// page appends one page's text. A damaged page is skipped and noted; the
// other pages are still read.
func (x *extractor) page(p, res pdf.Value) {
	contents := p.Key("Contents")
	if contents.IsNull() {
		return
	}
	if n := x.decodedSize(contents); n > x.lim.Stream {
		x.note(unreadable("isi halaman %d lebih dari %d bait", x.pages, x.lim.Stream))
		return
	}
	fonts := x.fonts(res)
	defer func() {
		r := recover()
		if s, ok := r.(errStop); ok {
			if s.err != nil {
				x.note(s.err)
			}
			return
		}
		if r != nil {
			x.note(unreadable("halaman %d rusak: %v", x.pages, r))
		}
	}()
	var enc pdf.TextEncoding
	text := func(s string) {
		if enc != nil {
			s = enc.Decode(s)
		}
		x.write(s)
		if x.full {
			panic(errStop{})
		}
	}
	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		x.ops++
		if x.ops > x.lim.Ops {
			panic(errStop{unreadable("lebih dari %d operator isi", x.lim.Ops)})
		}
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "BT", "T*":
			x.space = true
		case "Tf":
			enc = nil
			if len(args) == 2 {
				if f, ok := fonts[args[0].Name()]; ok {
					enc = f.Encoder()
				}
			}
		case "Tj", "'", "\"":
			if len(args) > 0 {
				x.space = x.space || op != "Tj"
				text(args[len(args)-1].RawString())
			}
		case "TJ":
			if len(args) == 1 {
				for i := 0; i < args[0].Len(); i++ {
					if s := args[0].Index(i); s.Kind() == pdf.String {
						text(s.RawString())
					}
				}
			}
		}
	})
}

// fonts are the page's fonts whose character maps are small enough to
// read; the others are left out, so their text passes through undecoded.
func (x *extractor) fonts(res pdf.Value) map[string]*pdf.Font {
	fd := res.Key("Font")
	out := map[string]*pdf.Font{}
	for _, name := range fd.Keys() {
		v := fd.Key(name)
		if cm := v.Key("ToUnicode"); cm.Kind() == pdf.Stream && x.decodedSize(cm) > x.lim.Stream {
			x.note(unreadable("peta karakter fon %s lebih dari %d bait", name, x.lim.Stream))
			continue
		}
		out[name] = &pdf.Font{V: v}
	}
	return out
}

// decodedSize measures a stream (or an array of streams) after its
// filters, reading at most one byte past the limit, so an inflation bomb
// costs lim.Stream bytes of decompression and no memory.
func (x *extractor) decodedSize(v pdf.Value) (n int64) {
	defer func() {
		if recover() != nil {
			n = 0 // unreadable streams read as empty in the interpreter too
		}
	}()
	parts := []pdf.Value{v}
	if v.Kind() == pdf.Array {
		parts = parts[:0]
		for i := 0; i < v.Len() && i < 1024; i++ {
			parts = append(parts, v.Index(i))
		}
	}
	for _, p := range parts {
		if p.Kind() != pdf.Stream {
			continue
		}
		rc := p.Reader()
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, x.lim.Stream+1-n))
		rc.Close()
		if n += m; n > x.lim.Stream {
			return n
		}
	}
	return n
}

// write appends text with runs of space (and control characters) made
// one space, and stops exactly at lim.Text bytes.
func (x *extractor) write(s string) {
	for len(s) > 0 && !x.full {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			x.space = true
			continue
		}
		need := utf8.RuneLen(r)
		if x.space && x.out.Len() > 0 {
			need++
		}
		if x.out.Len()+need > x.lim.Text {
			x.full = true
			return
		}
		if x.space && x.out.Len() > 0 {
			x.out.WriteByte(' ')
		}
		x.space = false
		x.out.WriteRune(r)
	}
}
