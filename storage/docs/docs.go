// Package docs is the document store: versioned documents in named
// collections, queried only through indexes declared up front.
//
// Two backends implement it (sqlite and mongo) and both must pass the
// docstest conformance suite. The interface is small on purpose: every state
// change is one atomic single-document write guarded by the document's
// version, and every query is served by a declared index.
package docs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

var (
	// ErrNotFound means no document has that id.
	ErrNotFound = errors.New("docs: not found")
	// ErrDuplicate means the id or a unique index value is already taken.
	ErrDuplicate = errors.New("docs: duplicate")
	// ErrConflict means the stored version is no longer the one given.
	ErrConflict = errors.New("docs: version conflict")
	// ErrUndeclared means a query is not served by a declared index. It is a
	// programming error: the conformance suite makes sure both backends
	// refuse such queries, so nothing becomes a collection scan in production.
	ErrUndeclared = errors.New("docs: query not served by a declared index")
	// ErrUnknownCollection means the collection was not declared at open.
	ErrUnknownCollection = errors.New("docs: collection not declared")
)

// Kind is the type of an indexed field. SQLite keeps a typed column per
// indexed field; MongoDB stores the field natively.
type Kind int

const (
	String Kind = iota
	Int         // int, int32, int64
	Bool
	Time // time.Time, millisecond precision as in BSON
)

// Field is one indexed field, named by its BSON key (dotted for nested).
type Field struct {
	Name string
	Kind Kind
}

// Index is a declared index over one or more scalar fields.
type Index struct {
	Name   string
	Fields []Field
	Unique bool
}

// Schema declares a collection and its indexes.
type Schema struct {
	Name    string
	Indexes []Index
}

// Eq is an equality condition on one field.
type Eq struct {
	Field string
	Value any
}

// Range bounds one field. Nil bounds are open.
type Range struct {
	Field string
	Gt    any
	Gte   any
	Lt    any
	Lte   any
}

// Query selects documents of one collection.
//
// Its conditions must be served by one declared index: equality on a prefix
// of the index's fields (in any order), an optional range on the next field,
// and sort on the range field or the next field after the equalities. With
// no conditions and no sort, documents come in id order.
type Query struct {
	Where []Eq
	Range *Range
	Sort  string // a field name; empty means id order
	Desc  bool
	Limit int // 0 means no limit
	// After is the Next cursor of the previous page (keyset pagination).
	After string
}

// Doc is one stored document as raw BSON with its id and version.
type Doc struct {
	ID      string
	Version int64
	BSON    []byte
}

// Page is one page of a Find.
type Page struct {
	Docs []Doc
	// Next is the cursor for the following page, empty on the last one.
	Next string
}

// Insertion is one document for InsertMany.
type Insertion struct {
	ID string
	V  any
}

// Collection holds the documents of one declared collection.
type Collection interface {
	// Get decodes the document into v and returns its version.
	Get(ctx context.Context, id string, v any) (int64, error)
	// Insert stores a new document at version 1.
	Insert(ctx context.Context, id string, v any) error
	// InsertMany stores new documents at version 1, as Insert would each,
	// in one round trip (one transaction on SQLite), so that many small
	// documents written at once do not queue one by one for the store.
	// errs[i] is document i's own refusal (ErrDuplicate for a taken id or
	// unique value, or a bad document); the others are stored. err is a
	// failure of the whole (the store unreachable, the context ended),
	// after which any of them may or may not be stored.
	InsertMany(ctx context.Context, docs []Insertion) (errs []error, err error)
	// Replace stores v only if the stored version is still version, and
	// returns the new version.
	Replace(ctx context.Context, id string, version int64, v any) (int64, error)
	// Delete removes the document; deleting a missing one is ErrNotFound.
	Delete(ctx context.Context, id string) error
	Find(ctx context.Context, q Query) (Page, error)
	// Count counts the documents matching q's Where and Range. q is checked
	// like a Find, but its Sort, Limit and After do not change the count.
	Count(ctx context.Context, q Query) (int64, error)
	// Restore stores a document as another store's Find returned it: the
	// same id, version and bytes, so version-guarded writes and records of
	// versions (such as what the search index holds) stay valid after a
	// copy between stores (kompeten migrate). An id, or a unique index
	// value, already present is ErrDuplicate; a version below 1 is refused.
	// Reading a whole collection is a Find with no conditions, page by page.
	Restore(ctx context.Context, d Doc) error
}

// Store is an open document store.
type Store interface {
	// C returns a declared collection. It panics on an undeclared name:
	// collections are fixed at open, so that is a programming error.
	C(name string) Collection
	Ping(ctx context.Context) error
	Close() error
}

// MaxUpdateAttempts bounds the retries of Update under contention.
const MaxUpdateAttempts = 64

// maxBackoff caps the wait between two attempts of Update.
const maxBackoff = time.Second

// Update applies fn to the current document and replaces it, retrying
// get-modify-replace when another writer got there first. fn may be called
// several times and must only modify the value it is given. If fn returns an
// error, nothing is written and that error is returned.
func Update[T any](ctx context.Context, c Collection, id string, fn func(*T) error) (T, error) {
	var zero T
	for attempt := 0; attempt < MaxUpdateAttempts; attempt++ {
		start := time.Now()
		var v T
		version, err := c.Get(ctx, id, &v)
		if err != nil {
			return zero, err
		}
		if err := fn(&v); err != nil {
			return zero, err
		}
		_, err = c.Replace(ctx, id, version, &v)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrConflict) {
			return zero, err
		}
		if err := backoff(ctx, attempt, time.Since(start)); err != nil {
			return zero, err
		}
	}
	return zero, fmt.Errorf("docs: update %s: %d attempts: %w", id, MaxUpdateAttempts, ErrConflict)
}

// backoff waits after a conflict. A collision can happen while an attempt
// runs, so the wait is measured in attempts (took is how long the failed one
// took): doubling with each conflict, up to 64 attempts' time, and drawn at
// random below that so the losers of a race spread out instead of meeting
// again. A fixed wait only works for one server speed: against MongoDB a
// network away, or FerretDB, sixteen writers on one document would keep
// colliding until some ran out of attempts.
func backoff(ctx context.Context, attempt int, took time.Duration) error {
	unit := max(took, 100*time.Microsecond)
	d := min(unit<<min(attempt, 6), maxBackoff)
	d = rand.N(d) + 1
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
