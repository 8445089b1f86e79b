package docs

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ErrInvalidQuery means a query is malformed: a value of the wrong kind, a
// range without bounds, a cursor from another query. Like ErrUndeclared it
// is a programming error, not a condition to handle at run time.
var ErrInvalidQuery = errors.New("docs: invalid query")

// Cond is an equality condition whose value has the field's canonical type.
type Cond struct {
	Field Field
	Value any
}

// Bounds is a range whose bounds have the field's canonical type; nil bounds
// are open.
type Bounds struct {
	Field Field
	Gt    any
	Gte   any
	Lt    any
	Lte   any
}

// Cursor is a decoded After: the sort value (nil when the document had no
// value there, or when sorting by id) and the id of the last document seen.
type Cursor struct {
	Value any
	ID    string
}

// Plan is a query checked against the schema, with every value in its
// field's canonical type: string, int64, bool or time.Time (UTC, whole
// milliseconds). Both backends translate a Plan, never a raw Query, so they
// accept and refuse exactly the same queries.
type Plan struct {
	// Index serves the query; nil when it has no conditions and no sort, so
	// the primary key (id order) serves it.
	Index *Index
	Where []Cond
	Range *Bounds
	// Sort is nil for id order. Ties are always broken by id, in the same
	// direction, which is what makes keyset pagination exact.
	Sort  *Field
	Desc  bool
	Limit int
	After *Cursor
	// SortUnique is true when the equalities plus the sort field cover a
	// whole unique index, so no two documents tie on the sort value.
	SortUnique bool
}

// Fields returns every indexed field of the schema once, in declaration
// order.
func (s Schema) Fields() []Field {
	var out []Field
	seen := map[string]bool{}
	for _, ix := range s.Indexes {
		for _, f := range ix.Fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// Validate checks a schema once at open: names the backends can use
// verbatim, and one kind per field across indexes.
func (s Schema) Validate() error {
	if !validName(s.Name) {
		return fmt.Errorf("docs: collection name %q: use letters, digits and _", s.Name)
	}
	kinds := map[string]Kind{}
	names := map[string]bool{}
	for _, ix := range s.Indexes {
		if !validName(ix.Name) {
			return fmt.Errorf("docs: %s: index name %q: use letters, digits and _", s.Name, ix.Name)
		}
		if names[ix.Name] {
			return fmt.Errorf("docs: %s: index %q declared twice", s.Name, ix.Name)
		}
		names[ix.Name] = true
		if len(ix.Fields) == 0 {
			return fmt.Errorf("docs: %s: index %q has no fields", s.Name, ix.Name)
		}
		inIndex := map[string]bool{}
		for _, f := range ix.Fields {
			if !validField(f.Name) {
				return fmt.Errorf("docs: %s: index %q: bad field name %q", s.Name, ix.Name, f.Name)
			}
			if f.Kind < String || f.Kind > Time {
				return fmt.Errorf("docs: %s: field %q: unknown kind %d", s.Name, f.Name, f.Kind)
			}
			if k, ok := kinds[f.Name]; ok && k != f.Kind {
				return fmt.Errorf("docs: %s: field %q declared with two kinds", s.Name, f.Name)
			}
			if inIndex[f.Name] {
				return fmt.Errorf("docs: %s: index %q repeats field %q", s.Name, ix.Name, f.Name)
			}
			inIndex[f.Name] = true
			kinds[f.Name] = f.Kind
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// validField allows dotted paths of plain names; the reserved keys _id and
// _v are not indexable fields (id order is the primary key already).
func validField(s string) bool {
	if s == "" || s == "_id" || s == "_v" {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if !validName(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	return true
}

func (s Schema) field(name string) (Field, bool) {
	for _, ix := range s.Indexes {
		for _, f := range ix.Fields {
			if f.Name == name {
				return f, true
			}
		}
	}
	return Field{}, false
}

// Plan checks that one declared index serves q and converts its values.
func (s Schema) Plan(q Query) (Plan, error) {
	p := Plan{Desc: q.Desc, Limit: q.Limit}
	if q.Limit < 0 {
		return p, fmt.Errorf("%w: %s: negative limit", ErrInvalidQuery, s.Name)
	}
	eq := map[string]bool{}
	for _, w := range q.Where {
		f, ok := s.field(w.Field)
		if !ok {
			return p, fmt.Errorf("%w: %s: field %q", ErrUndeclared, s.Name, w.Field)
		}
		if eq[f.Name] {
			return p, fmt.Errorf("%w: %s: two conditions on %q", ErrInvalidQuery, s.Name, f.Name)
		}
		eq[f.Name] = true
		v, err := canonical(f, w.Value)
		if err != nil {
			return p, fmt.Errorf("%w: %s: %v", ErrInvalidQuery, s.Name, err)
		}
		p.Where = append(p.Where, Cond{Field: f, Value: v})
	}
	if r := q.Range; r != nil {
		f, ok := s.field(r.Field)
		if !ok {
			return p, fmt.Errorf("%w: %s: field %q", ErrUndeclared, s.Name, r.Field)
		}
		if eq[f.Name] {
			return p, fmt.Errorf("%w: %s: range and equality on %q", ErrInvalidQuery, s.Name, f.Name)
		}
		b := &Bounds{Field: f}
		if (r.Gt != nil && r.Gte != nil) || (r.Lt != nil && r.Lte != nil) {
			return p, fmt.Errorf("%w: %s: range on %q has two bounds on one side", ErrInvalidQuery, s.Name, f.Name)
		}
		if r.Gt == nil && r.Gte == nil && r.Lt == nil && r.Lte == nil {
			return p, fmt.Errorf("%w: %s: range on %q has no bounds", ErrInvalidQuery, s.Name, f.Name)
		}
		for _, bv := range []struct {
			in  any
			out *any
		}{{r.Gt, &b.Gt}, {r.Gte, &b.Gte}, {r.Lt, &b.Lt}, {r.Lte, &b.Lte}} {
			if bv.in == nil {
				continue
			}
			v, err := canonical(f, bv.in)
			if err != nil {
				return p, fmt.Errorf("%w: %s: %v", ErrInvalidQuery, s.Name, err)
			}
			*bv.out = v
		}
		p.Range = b
	}
	if q.Sort != "" {
		f, ok := s.field(q.Sort)
		if !ok {
			return p, fmt.Errorf("%w: %s: sort on %q", ErrUndeclared, s.Name, q.Sort)
		}
		p.Sort = &f
	}
	if len(q.Where) > 0 || q.Range != nil || q.Sort != "" {
		ix, ok := s.serving(eq, q.Range, q.Sort)
		if !ok {
			return p, fmt.Errorf("%w: %s: no declared index has %s", ErrUndeclared, s.Name, describe(q))
		}
		p.Index = ix
		if p.Sort != nil && ix.Unique && len(ix.Fields) == len(q.Where)+1 && ix.Fields[len(q.Where)].Name == q.Sort {
			p.SortUnique = true
		}
	}
	if q.After != "" {
		c, err := decodeCursor(q.After, q.Sort, q.Desc)
		if err != nil {
			return p, fmt.Errorf("%w: %s: %v", ErrInvalidQuery, s.Name, err)
		}
		if p.Sort != nil && c.Value != nil {
			if c.Value, err = canonical(*p.Sort, c.Value); err != nil {
				return p, fmt.Errorf("%w: %s: cursor: %v", ErrInvalidQuery, s.Name, err)
			}
		}
		p.After = c
	}
	return p, nil
}

// serving finds the first index whose leading fields are exactly the
// equality fields, with the range (if any) on the next field and the sort on
// the range field, the next field or an equality field.
func (s Schema) serving(eq map[string]bool, r *Range, sort string) (*Index, bool) {
	for i := range s.Indexes {
		ix := &s.Indexes[i]
		k := len(eq)
		if k > len(ix.Fields) {
			continue
		}
		ok := true
		for _, f := range ix.Fields[:k] {
			if !eq[f.Name] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		next := ""
		if k < len(ix.Fields) {
			next = ix.Fields[k].Name
		}
		if r != nil && r.Field != next {
			continue
		}
		if sort != "" && sort != next && !eq[sort] {
			continue
		}
		return ix, true
	}
	return nil, false
}

func describe(q Query) string {
	s := "equality on ["
	for i, w := range q.Where {
		if i > 0 {
			s += " "
		}
		s += w.Field
	}
	s += "]"
	if q.Range != nil {
		s += ", range on " + q.Range.Field
	}
	if q.Sort != "" {
		s += ", sort on " + q.Sort
	}
	return s
}

// canonical converts v to the canonical Go type of f's kind, refusing any
// other type: a query for the string "42" on an Int field is a bug.
func canonical(f Field, v any) (any, error) {
	switch f.Kind {
	case String:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Time:
		switch t := v.(type) {
		case time.Time:
			return t.Truncate(time.Millisecond).UTC(), nil
		case bson.DateTime:
			return t.Time().UTC(), nil
		}
	case Int:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int8:
			return int64(n), nil
		case int16:
			return int64(n), nil
		case int32:
			return int64(n), nil
		case int64:
			return n, nil
		case uint8:
			return int64(n), nil
		case uint16:
			return int64(n), nil
		case uint32:
			return int64(n), nil
		case uint:
			if uint64(n) <= math.MaxInt64 {
				return int64(n), nil
			}
		case uint64:
			if n <= math.MaxInt64 {
				return int64(n), nil
			}
		}
	}
	return nil, fmt.Errorf("field %q: %T is not a %s", f.Name, v, f.Kind)
}

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int"
	case Bool:
		return "bool"
	case Time:
		return "time"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// The cursor carries the sort it was made for, so reusing it with another
// sort is refused instead of silently skipping or repeating documents.
type cursorDoc struct {
	Sort string `bson:"s,omitempty"`
	Desc bool   `bson:"d,omitempty"`
	Val  any    `bson:"v"`
	ID   string `bson:"i"`
}

// EncodeCursor makes the opaque After/Next string for a page that ended at
// (value, id) under the plan's sort.
func (p Plan) EncodeCursor(value any, id string) string {
	c := cursorDoc{Desc: p.Desc, ID: id}
	if p.Sort != nil {
		c.Sort = p.Sort.Name
		c.Val = value
	}
	b, err := bson.Marshal(c)
	if err != nil {
		// Only canonical values reach here, and they always encode.
		panic(fmt.Sprintf("docs: encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string, desc bool) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad cursor: %v", err)
	}
	var c cursorDoc
	if err := bson.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("bad cursor: %v", err)
	}
	if c.Sort != sort || c.Desc != desc {
		return nil, fmt.Errorf("cursor made for another sort")
	}
	return &Cursor{Value: c.Val, ID: c.ID}, nil
}
