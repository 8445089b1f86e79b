package docs

import (
	"encoding/binary"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Encode marshals v into the document both backends store: _id first (so a
// struct with an `bson:"_id"` field reads its id back in either backend),
// then v's own fields. A non-empty _id in v that differs from id, and the
// key _v that the mongo backend keeps its version in, are refused.
func Encode(id string, v any) (bson.Raw, error) {
	raw, err := bson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	elems, err := bson.Raw(raw).Elements()
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	idElem := bsonString("_id", id)
	size := 4 + len(idElem) + 1
	keep := elems[:0]
	for _, e := range elems {
		switch e.Key() {
		case "_id":
			if s, ok := e.Value().StringValueOK(); !ok || (s != "" && s != id) {
				return nil, fmt.Errorf("encode %s: document _id %s differs from its id", id, e.Value())
			}
			continue
		case "_v":
			return nil, fmt.Errorf("encode %s: _v is reserved for the version", id)
		}
		keep = append(keep, e)
		size += len(e)
	}
	out := make([]byte, 4, size)
	binary.LittleEndian.PutUint32(out, uint32(size))
	out = append(out, idElem...)
	for _, e := range keep {
		out = append(out, e...)
	}
	return append(out, 0), nil
}

func bsonString(key, s string) []byte {
	b := make([]byte, 0, 1+len(key)+1+4+len(s)+1)
	b = append(b, byte(bson.TypeString))
	b = append(b, key...)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)+1))
	b = append(b, s...)
	return append(b, 0)
}

// Extract returns the canonical value (see Plan) of an indexed field in a
// stored document, or nil when the document has no value there. A value of
// another type is an error, so a document can never sit in an index under
// a value no query of the declared kind could match. So is an array on the
// path: MongoDB would index each element, SQLite cannot, and the two
// backends would answer the same query differently.
func Extract(doc bson.Raw, f Field) (any, error) {
	path := splitPath(f.Name)
	cur := doc
	var val bson.RawValue
	for i, key := range path {
		v, err := cur.LookupErr(key)
		if err != nil {
			return nil, nil
		}
		if i == len(path)-1 {
			val = v
			break
		}
		switch v.Type {
		case bson.TypeNull, bson.TypeUndefined:
			return nil, nil
		case bson.TypeEmbeddedDocument:
			cur = v.Document()
		default:
			return nil, fmt.Errorf("field %q: %s is a BSON %s, not a document", f.Name, key, v.Type)
		}
	}
	switch val.Type {
	case bson.TypeNull, bson.TypeUndefined:
		return nil, nil
	}
	switch f.Kind {
	case String:
		if s, ok := val.StringValueOK(); ok {
			return s, nil
		}
	case Int:
		switch val.Type {
		case bson.TypeInt32:
			return int64(val.Int32()), nil
		case bson.TypeInt64:
			return val.Int64(), nil
		}
	case Bool:
		if b, ok := val.BooleanOK(); ok {
			return b, nil
		}
	case Time:
		if ms, ok := val.DateTimeOK(); ok {
			return time.UnixMilli(ms).UTC(), nil
		}
	}
	return nil, fmt.Errorf("field %q holds a BSON %s, not a %s", f.Name, val.Type, f.Kind)
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// EncodeRestored checks a document given to Restore and returns it in the
// stored form, with _id first and equal to d.ID.
func EncodeRestored(d Doc) (bson.Raw, error) {
	if d.Version < 1 {
		return nil, fmt.Errorf("restore %s: version %d, want 1 or more", d.ID, d.Version)
	}
	if err := bson.Raw(d.BSON).Validate(); err != nil {
		return nil, fmt.Errorf("restore %s: %w", d.ID, err)
	}
	return Encode(d.ID, bson.Raw(d.BSON))
}
