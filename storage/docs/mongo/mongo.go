// Package mongo is the document store at scale: MongoDB, with each document
// stored as its _id, a version field _v and its own fields, so the declared
// indexes are native MongoDB indexes.
package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/kotalama/kompeten/storage/docs"
)

// DefaultDatabase is used when the URI names no database.
const DefaultDatabase = "kompeten"

// versionKey holds the document version beside its fields; docs.Encode
// refuses documents that use it themselves.
const versionKey = "_v"

// Store is a document store in one MongoDB database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	colls  map[string]*Collection
}

var _ docs.Store = (*Store)(nil)

// Open connects to uri, whose path names the database, and creates the
// declared indexes.
func Open(ctx context.Context, uri string, schemas []docs.Schema) (*Store, error) {
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return nil, fmt.Errorf("mongo: open: %w", err)
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongo: open: %w", err)
	}
	if err := client.Ping(ctx, nil); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("mongo: open: ping: %w", err)
	}
	s := &Store{client: client, db: client.Database(dbName), colls: map[string]*Collection{}}
	ferret, err := isFerretDB(ctx, s.db)
	if err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("mongo: open: %w", err)
	}
	for _, sc := range schemas {
		if err := sc.Validate(); err != nil {
			s.Close()
			return nil, fmt.Errorf("mongo: %w", err)
		}
		if _, dup := s.colls[sc.Name]; dup {
			s.Close()
			return nil, fmt.Errorf("mongo: collection %s declared twice", sc.Name)
		}
		c := &Collection{schema: sc, fields: sc.Fields(), coll: s.db.Collection(sc.Name), ferret: ferret}
		if err := c.ensureIndexes(ctx); err != nil {
			s.Close()
			return nil, err
		}
		s.colls[sc.Name] = c
	}
	return s, nil
}

// C returns a declared collection and panics on an undeclared name.
func (s *Store) C(name string) docs.Collection {
	c, ok := s.colls[name]
	if !ok {
		panic(fmt.Sprintf("mongo: %v: %s", docs.ErrUnknownCollection, name))
	}
	return c
}

func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("mongo: ping: %w", err)
	}
	return nil
}

func (s *Store) Close() error {
	return s.client.Disconnect(context.Background())
}

// Collection is one MongoDB collection.
type Collection struct {
	schema docs.Schema
	fields []docs.Field
	coll   *mongo.Collection

	// FerretDB 1.24 runs an update as find, filter in Go, then write by
	// _id, with nothing in between held: two replaces guarded by the same
	// _v both succeed and one is lost. Against FerretDB (tests, and a
	// single process) writes are therefore serialized here; MongoDB's
	// ReplaceOne is atomic and needs no lock.
	ferret bool
	writes sync.Mutex
}

// isFerretDB tells FerretDB from MongoDB by the field its buildInfo adds.
func isFerretDB(ctx context.Context, db *mongo.Database) (bool, error) {
	var info bson.Raw
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("buildInfo: %w", err)
	}
	_, err := info.LookupErr("ferretdbVersion")
	return err == nil, nil
}

// lock serializes writes against FerretDB; see Collection.ferret.
func (c *Collection) lock() func() {
	if !c.ferret {
		return func() {}
	}
	c.writes.Lock()
	return c.writes.Unlock
}

// ensureIndexes creates the declared indexes without ever leaving one
// unenforced, since every instance of a rolling deploy runs it at start.
// Non-unique indexes end with _id, so sorts and keyset pages (which break
// ties by _id) are served by the index without an in-memory sort; unique
// ones cannot, or _id would make every key unique.
//
// An index is named after its declaration and a hash of its definition
// (indexName), so a changed definition is a new index beside the old one:
// it is built first, and only then is the old one dropped. Until then both
// hold, so a unique constraint is enforced throughout; if the new index
// cannot be built (existing duplicates), the old one stays and Open fails.
// An existing index with the same definition is used whatever its name
// (indexes made before names carried the hash keep theirs). Instances
// starting together build the same name: one builds, the others find it
// built or wait for it, and a drop already done by another is no error.
func (c *Collection) ensureIndexes(ctx context.Context) error {
	existing, err := c.listIndexes(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{"_id_": true}
	for _, ix := range c.schema.Indexes {
		keys := indexKeys(ix)
		if name, ok := matching(existing, keys, ix.Unique); ok {
			keep[name] = true
			continue
		}
		name := indexName(ix.Name, keys, ix.Unique)
		model := mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
		if ix.Unique {
			model.Options.SetUnique(true)
		}
		if _, err := c.coll.Indexes().CreateOne(ctx, model); err != nil {
			if name, err = c.awaitIndex(ctx, keys, ix.Unique, err); err != nil {
				return fmt.Errorf("mongo: index %s/%s: %w", c.schema.Name, ix.Name, c.mapErr(err))
			}
		}
		keep[name] = true
	}
	if testHookBeforeDrop != nil {
		testHookBeforeDrop(c.schema.Name)
	}
	// Listed again: another instance may have built or dropped indexes
	// meanwhile.
	if existing, err = c.listIndexes(ctx); err != nil {
		return err
	}
	for _, e := range existing {
		if keep[e.Name] || !c.replaced(e.Name) {
			continue
		}
		if err := c.coll.Indexes().DropOne(ctx, e.Name); err != nil && !indexNotFound(err) {
			return fmt.Errorf("mongo: index %s/%s: drop replaced index: %w", c.schema.Name, e.Name, err)
		}
	}
	return nil
}

// testHookBeforeDrop, when set (by tests), runs after the declared indexes
// of a collection exist and before replaced ones are dropped.
var testHookBeforeDrop func(collection string)

// indexSpec is an index as the server lists it.
type indexSpec struct {
	Name   string `bson:"name"`
	Key    bson.D `bson:"key"`
	Unique bool   `bson:"unique"`
}

func (c *Collection) listIndexes(ctx context.Context) ([]indexSpec, error) {
	cur, err := c.coll.Indexes().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("mongo: list indexes of %s: %w", c.schema.Name, err)
	}
	var specs []indexSpec
	if err := cur.All(ctx, &specs); err != nil {
		return nil, fmt.Errorf("mongo: list indexes of %s: %w", c.schema.Name, err)
	}
	return specs, nil
}

func indexKeys(ix docs.Index) bson.D {
	keys := bson.D{}
	for _, f := range ix.Fields {
		keys = append(keys, bson.E{Key: f.Name, Value: 1})
	}
	if !ix.Unique {
		keys = append(keys, bson.E{Key: "_id", Value: 1})
	}
	return keys
}

// indexName is the declared name, "_" and 8 hex digits of a hash of the
// definition: the same declaration always gets the same name, a changed
// one another.
func indexName(declared string, keys bson.D, unique bool) string {
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s:%v,", k.Key, k.Value)
	}
	fmt.Fprintf(h, "unique=%v", unique)
	return declared + "_" + hex.EncodeToString(h.Sum(nil)[:4])
}

// matching returns the name of an index with this definition.
func matching(specs []indexSpec, keys bson.D, unique bool) (string, bool) {
	for _, s := range specs {
		if s.Unique == unique && sameKeys(s.Key, keys) {
			return s.Name, true
		}
	}
	return "", false
}

func sameKeys(got, want bson.D) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Key != want[i].Key {
			return false
		}
		// The server may list 1 as an int32, int64 or double.
		switch v := got[i].Value.(type) {
		case int32:
			if v != 1 {
				return false
			}
		case int64:
			if v != 1 {
				return false
			}
		case float64:
			if v != 1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// replaced reports whether an index name is one this collection's
// declarations give (the bare declared name, or it with a definition hash),
// so an index of that name not kept is an older definition. Indexes of
// other names, made by hand or by a declaration since removed, are left.
func (c *Collection) replaced(name string) bool {
	for _, ix := range c.schema.Indexes {
		if name == ix.Name {
			return true
		}
		if rest, ok := strings.CutPrefix(name, ix.Name+"_"); ok && len(rest) == 8 {
			if _, err := hex.DecodeString(rest); err == nil {
				return true
			}
		}
	}
	return false
}

// awaitIndex handles a failed create: when another instance is building
// the same index, or an index of this definition exists under another
// name, the index appears in the list; it is waited for, bounded by ctx
// and maxIndexWait. Any other failure (a duplicate key in the data among
// them) is returned as it is.
func (c *Collection) awaitIndex(ctx context.Context, keys bson.D, unique bool, cause error) (string, error) {
	if !indexRace(cause) {
		return "", cause
	}
	deadline := time.Now().Add(maxIndexWait)
	wait := 50 * time.Millisecond
	for {
		specs, err := c.listIndexes(ctx)
		if err != nil {
			return "", err
		}
		if name, ok := matching(specs, keys, unique); ok {
			return name, nil
		}
		if time.Now().After(deadline) {
			return "", cause
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w (waiting for the index: %w)", cause, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

// maxIndexWait bounds how long a start waits for an index another
// instance is building.
const maxIndexWait = 5 * time.Minute

// indexRace reports the errors a concurrent start can cause:
// IndexAlreadyExists (68), IndexOptionsConflict (85, the definition exists
// under another name), IndexKeySpecsConflict (86), IndexBuildAborted (276),
// and a build of the same index in progress, known by its message.
func indexRace(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	return se.HasErrorCode(68) || se.HasErrorCode(85) || se.HasErrorCode(86) || se.HasErrorCode(276) ||
		se.HasErrorMessage("already in progress") || se.HasErrorMessage("already exists")
}

// indexNotFound: another instance dropped it first (IndexNotFound, 27).
func indexNotFound(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && (se.HasErrorCode(27) || se.HasErrorMessage("index not found"))
}

func (c *Collection) mapErr(err error) error {
	// FerretDB 1.24 reports a unique index violated by an update as an
	// InternalError carrying SQLite's message, not as E11000.
	if mongo.IsDuplicateKeyError(err) || (c.ferret && strings.Contains(err.Error(), "UNIQUE constraint failed")) {
		return fmt.Errorf("%w: %v", docs.ErrDuplicate, err)
	}
	return err
}

// encode builds the stored document: docs.Encode's _id and fields with the
// version after _id. The indexed fields are checked the same way the sqlite
// backend checks them, so both refuse the same documents.
func (c *Collection) encode(id string, version int64, v any) (bson.Raw, error) {
	raw, err := docs.Encode(id, v)
	if err != nil {
		return nil, err
	}
	for _, f := range c.fields {
		if _, err := docs.Extract(raw, f); err != nil {
			return nil, err
		}
	}
	elems, err := raw.Elements()
	if err != nil {
		return nil, err
	}
	ver := make([]byte, 0, 1+len(versionKey)+1+8)
	ver = append(ver, byte(bson.TypeInt64))
	ver = append(ver, versionKey...)
	ver = append(ver, 0)
	ver = binary.LittleEndian.AppendUint64(ver, uint64(version))
	out := make([]byte, 4, len(raw)+len(ver))
	binary.LittleEndian.PutUint32(out, uint32(len(raw)+len(ver)))
	out = append(out, elems[0]...) // _id, which docs.Encode puts first
	out = append(out, ver...)
	for _, e := range elems[1:] {
		out = append(out, e...)
	}
	return append(out, 0), nil
}

// split returns the version and the document without _v, so callers see
// the same bytes from both backends.
func split(raw bson.Raw) (int64, bson.Raw, error) {
	elems, err := raw.Elements()
	if err != nil {
		return 0, nil, err
	}
	var version int64
	found := false
	out := make([]byte, 4, len(raw))
	for _, e := range elems {
		if e.Key() == versionKey {
			switch val := e.Value(); val.Type {
			case bson.TypeInt64:
				version = val.Int64()
			case bson.TypeInt32:
				version = int64(val.Int32())
			default:
				return 0, nil, fmt.Errorf("version field is a BSON %s", val.Type)
			}
			found = true
			continue
		}
		out = append(out, e...)
	}
	if !found {
		return 0, nil, errors.New("document has no version field")
	}
	out = append(out, 0)
	binary.LittleEndian.PutUint32(out, uint32(len(out)))
	return version, out, nil
}

func (c *Collection) Get(ctx context.Context, id string, v any) (int64, error) {
	raw, err := c.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("mongo: get %s/%s: %w", c.schema.Name, id, docs.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("mongo: get %s/%s: %w", c.schema.Name, id, err)
	}
	version, doc, err := split(raw)
	if err != nil {
		return 0, fmt.Errorf("mongo: get %s/%s: %w", c.schema.Name, id, err)
	}
	if err := bson.Unmarshal(doc, v); err != nil {
		return 0, fmt.Errorf("mongo: get %s/%s: decode: %w", c.schema.Name, id, err)
	}
	return version, nil
}

func (c *Collection) Insert(ctx context.Context, id string, v any) error {
	doc, err := c.encode(id, 1, v)
	if err != nil {
		return fmt.Errorf("mongo: insert %s/%s: %w", c.schema.Name, id, err)
	}
	defer c.lock()()
	if _, err := c.coll.InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("mongo: insert %s/%s: %w", c.schema.Name, id, c.mapErr(err))
	}
	return nil
}

func (c *Collection) InsertMany(ctx context.Context, ins []docs.Insertion) ([]error, error) {
	errs := make([]error, len(ins))
	var batch []any
	var at []int // batch index -> ins index
	for i, in := range ins {
		doc, err := c.encode(in.ID, 1, in.V)
		if err != nil {
			errs[i] = fmt.Errorf("mongo: insert %s/%s: %w", c.schema.Name, in.ID, err)
			continue
		}
		batch, at = append(batch, doc), append(at, i)
	}
	if len(batch) == 0 {
		return errs, nil
	}
	defer c.lock()()
	// Unordered: a refused document does not stop the ones after it.
	_, err := c.coll.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if err == nil || !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		if err != nil {
			return nil, fmt.Errorf("mongo: insert many %s: %w", c.schema.Name, err)
		}
		return errs, nil
	}
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(at) {
			return nil, fmt.Errorf("mongo: insert many %s: write error at %d of %d: %w", c.schema.Name, we.Index, len(at), we)
		}
		i := at[we.Index]
		if we.HasErrorCode(11000) || (c.ferret && strings.Contains(we.Message, "UNIQUE constraint failed")) {
			errs[i] = fmt.Errorf("mongo: insert %s/%s: %w: %v", c.schema.Name, ins[i].ID, docs.ErrDuplicate, we)
		} else {
			errs[i] = fmt.Errorf("mongo: insert %s/%s: %w", c.schema.Name, ins[i].ID, we)
		}
	}
	return errs, nil
}

func (c *Collection) Restore(ctx context.Context, d docs.Doc) error {
	raw, err := docs.EncodeRestored(d)
	if err != nil {
		return fmt.Errorf("mongo: %s: %w", c.schema.Name, err)
	}
	doc, err := c.encode(d.ID, d.Version, raw)
	if err != nil {
		return fmt.Errorf("mongo: restore %s/%s: %w", c.schema.Name, d.ID, err)
	}
	defer c.lock()()
	if _, err := c.coll.InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("mongo: restore %s/%s: %w", c.schema.Name, d.ID, c.mapErr(err))
	}
	return nil
}

func (c *Collection) Replace(ctx context.Context, id string, version int64, v any) (int64, error) {
	doc, err := c.encode(id, version+1, v)
	if err != nil {
		return 0, fmt.Errorf("mongo: replace %s/%s: %w", c.schema.Name, id, err)
	}
	defer c.lock()()
	res, err := c.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: versionKey, Value: version}}, doc)
	if err != nil {
		return 0, fmt.Errorf("mongo: replace %s/%s: %w", c.schema.Name, id, c.mapErr(err))
	}
	if res.MatchedCount == 1 {
		return version + 1, nil
	}
	n, err := c.coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}}, options.Count().SetLimit(1))
	if err != nil {
		return 0, fmt.Errorf("mongo: replace %s/%s: %w", c.schema.Name, id, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("mongo: replace %s/%s: %w", c.schema.Name, id, docs.ErrNotFound)
	}
	return 0, fmt.Errorf("mongo: replace %s/%s at version %d: %w", c.schema.Name, id, version, docs.ErrConflict)
}

func (c *Collection) Delete(ctx context.Context, id string) error {
	defer c.lock()()
	res, err := c.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("mongo: delete %s/%s: %w", c.schema.Name, id, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("mongo: delete %s/%s: %w", c.schema.Name, id, docs.ErrNotFound)
	}
	return nil
}

// filter renders a plan's conditions, and its cursor when withCursor.
func filter(p docs.Plan, withCursor bool) bson.D {
	f := bson.D{}
	for _, w := range p.Where {
		f = append(f, bson.E{Key: w.Field.Name, Value: w.Value})
	}
	if r := p.Range; r != nil {
		b := bson.D{}
		for _, x := range []struct {
			op string
			v  any
		}{{"$gt", r.Gt}, {"$gte", r.Gte}, {"$lt", r.Lt}, {"$lte", r.Lte}} {
			if x.v != nil {
				b = append(b, bson.E{Key: x.op, Value: x.v})
			}
		}
		f = append(f, bson.E{Key: r.Field.Name, Value: b})
	}
	a := p.After
	if !withCursor || a == nil {
		return f
	}
	cmp := "$gt"
	if p.Desc {
		cmp = "$lt"
	}
	idAfter := bson.D{{Key: "_id", Value: bson.D{{Key: cmp, Value: a.ID}}}}
	if p.Sort == nil {
		return append(f, idAfter[0])
	}
	name := p.Sort.Name
	var or bson.A
	switch {
	case a.Value == nil && p.Desc:
		// Null (or missing) sorts before every value, so descending
		// nothing but other nulls with a smaller _id follow it.
		or = bson.A{bson.D{{Key: name, Value: nil}, idAfter[0]}}
	case a.Value == nil:
		or = bson.A{
			bson.D{{Key: name, Value: nil}, idAfter[0]},
			bson.D{{Key: name, Value: bson.D{{Key: "$ne", Value: nil}}}},
		}
	default:
		or = bson.A{bson.D{{Key: name, Value: bson.D{{Key: cmp, Value: a.Value}}}}}
		if !p.SortUnique {
			or = append(or, bson.D{{Key: name, Value: a.Value}, idAfter[0]})
		}
		if p.Desc {
			// Comparisons never match another BSON type, so nulls,
			// which come last descending, must be asked for.
			or = append(or, bson.D{{Key: name, Value: nil}})
		}
	}
	return append(f, bson.E{Key: "$or", Value: or})
}

func (c *Collection) Find(ctx context.Context, q docs.Query) (docs.Page, error) {
	p, err := c.schema.Plan(q)
	if err != nil {
		return docs.Page{}, fmt.Errorf("mongo: find %s: %w", c.schema.Name, err)
	}
	dir := 1
	if p.Desc {
		dir = -1
	}
	sort := bson.D{}
	if p.Sort != nil {
		sort = append(sort, bson.E{Key: p.Sort.Name, Value: dir})
	}
	if p.Sort == nil || !p.SortUnique {
		sort = append(sort, bson.E{Key: "_id", Value: dir})
	}
	opts := options.Find().SetSort(sort)
	if p.Limit > 0 {
		// One more than asked tells whether there is a next page.
		opts.SetLimit(int64(p.Limit) + 1)
	}
	cur, err := c.coll.Find(ctx, filter(p, true), opts)
	if err != nil {
		return docs.Page{}, fmt.Errorf("mongo: find %s: %w", c.schema.Name, err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var page docs.Page
	var lastRaw bson.Raw
	for cur.Next(ctx) {
		if p.Limit > 0 && len(page.Docs) == p.Limit {
			var sv any
			if p.Sort != nil {
				if sv, err = docs.Extract(lastRaw, *p.Sort); err != nil {
					return docs.Page{}, fmt.Errorf("mongo: find %s: %w", c.schema.Name, err)
				}
			}
			page.Next = p.EncodeCursor(sv, page.Docs[len(page.Docs)-1].ID)
			break
		}
		version, doc, err := split(cur.Current)
		if err != nil {
			return docs.Page{}, fmt.Errorf("mongo: find %s: %w", c.schema.Name, err)
		}
		id, ok := doc.Lookup("_id").StringValueOK()
		if !ok {
			return docs.Page{}, fmt.Errorf("mongo: find %s: document with a non-string _id", c.schema.Name)
		}
		page.Docs = append(page.Docs, docs.Doc{ID: id, Version: version, BSON: doc})
		lastRaw = doc
	}
	if err := cur.Err(); err != nil {
		return docs.Page{}, fmt.Errorf("mongo: find %s: %w", c.schema.Name, err)
	}
	return page, nil
}

// Count counts the documents matching the query's conditions; its sort,
// limit and cursor are checked but do not change the count.
func (c *Collection) Count(ctx context.Context, q docs.Query) (int64, error) {
	p, err := c.schema.Plan(q)
	if err != nil {
		return 0, fmt.Errorf("mongo: count %s: %w", c.schema.Name, err)
	}
	n, err := c.coll.CountDocuments(ctx, filter(p, false))
	if err != nil {
		return 0, fmt.Errorf("mongo: count %s: %w", c.schema.Name, err)
	}
	return n, nil
}
