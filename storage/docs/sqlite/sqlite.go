// Package sqlite is the embedded document store: one SQLite file in WAL
// mode, one table per collection, a typed column and a real SQL index per
// declared index, so every query the docs package accepts is an index scan.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kotalama/kompeten/storage/docs"
)

// busyTimeout is how long a write waits for another process (the CLI beside
// a running server) to release the database before failing.
const busyTimeout = 10 * time.Second

// Store is a document store in one SQLite file.
type Store struct {
	// writer has exactly one connection: SQLite allows one writer at a time,
	// and queueing writers in Go is cheaper than having them spin on
	// SQLITE_BUSY.
	writer *sql.DB
	reader *sql.DB
	colls  map[string]*Collection
}

var _ docs.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and brings its
// tables, columns and indexes in line with schemas.
func Open(ctx context.Context, path string, schemas []docs.Schema) (*Store, error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		// A memory database is private to one connection, so the reader
		// pool would not see the writer's data.
		return nil, fmt.Errorf("sqlite: open %q: need a file path", path)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	// NORMAL is durable in WAL mode except for the last transactions
	// before a power loss; the database itself is never corrupted.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	writer, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	rq := url.Values{}
	rq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	rq.Add("_pragma", "query_only(1)")
	reader, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)

	s := &Store{writer: writer, reader: reader, colls: map[string]*Collection{}}
	for _, sc := range schemas {
		if err := sc.Validate(); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		if _, dup := s.colls[sc.Name]; dup {
			s.Close()
			return nil, fmt.Errorf("sqlite: collection %s declared twice", sc.Name)
		}
		c := newCollection(s, sc)
		if err := c.migrate(ctx); err != nil {
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
		panic(fmt.Sprintf("sqlite: %v: %s", docs.ErrUnknownCollection, name))
	}
	return c
}

func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// Collection is one table.
type Collection struct {
	s      *Store
	schema docs.Schema
	fields []docs.Field
	table  string // quoted
	cols   string // ", col1, col2" for INSERT
	marks  string // ", ?, ?" for INSERT
	sets   string // ", col1 = ?, col2 = ?" for UPDATE

	// The statements of the hot paths, prepared once: SQLite compiles a
	// statement on every call otherwise.
	// prepared is set once the statements below are; prepMu guards
	// preparing them, which a failure (a cancelled context, say) lets the
	// next caller try again.
	prepared atomic.Bool
	prepMu   sync.Mutex
	getStmt  *sql.Stmt
	insStmt  *sql.Stmt
	replStmt *sql.Stmt
}

func (c *Collection) prepare(ctx context.Context) error {
	if c.prepared.Load() {
		return nil
	}
	c.prepMu.Lock()
	defer c.prepMu.Unlock()
	if c.prepared.Load() {
		return nil
	}
	get, err := c.s.reader.PrepareContext(ctx, `SELECT version, doc FROM `+c.table+` WHERE id = ?`)
	if err != nil {
		return err
	}
	ins, err := c.s.writer.PrepareContext(ctx, `INSERT INTO `+c.table+` (id, version, doc`+c.cols+`) VALUES (?, 1, ?`+c.marks+`)`)
	if err != nil {
		get.Close()
		return err
	}
	repl, err := c.s.writer.PrepareContext(ctx, `UPDATE `+c.table+` SET version = ?, doc = ?`+c.sets+` WHERE id = ? AND version = ?`)
	if err != nil {
		get.Close()
		ins.Close()
		return err
	}
	c.getStmt, c.insStmt, c.replStmt = get, ins, repl
	c.prepared.Store(true)
	return nil
}

func newCollection(s *Store, sc docs.Schema) *Collection {
	c := &Collection{s: s, schema: sc, fields: sc.Fields(), table: quote(sc.Name)}
	for _, f := range c.fields {
		c.cols += ", " + column(f.Name)
		c.marks += ", ?"
		c.sets += ", " + column(f.Name) + " = ?"
	}
	return c
}

func quote(name string) string { return `"` + name + `"` }

// column names the typed column of a field. The prefix keeps field names
// from colliding with id, version and doc; docs.Schema.Validate has already
// restricted names to letters, digits, _ and dots.
func column(field string) string { return `"f_` + field + `"` }

func sqlType(k docs.Kind) string {
	if k == docs.String {
		return "TEXT"
	}
	return "INTEGER"
}

// migrate creates the table, adds columns for fields declared since it was
// created (filling them from the stored documents), and creates, or
// recreates when changed, the declared indexes. It runs in one IMMEDIATE
// transaction so two processes opening at once do not race.
func (c *Collection) migrate(ctx context.Context) (err error) {
	name := c.schema.Name
	tx, err := c.s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+c.table+
		` (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc BLOB NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	have := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, name)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	for rows.Next() {
		var col string
		if err = rows.Scan(&col); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: migrate %s: %w", name, err)
		}
		have[col] = true
	}
	if err = rows.Err(); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	var added []docs.Field
	for _, f := range c.fields {
		if have["f_"+f.Name] {
			continue
		}
		if _, err = tx.ExecContext(ctx, `ALTER TABLE `+c.table+` ADD COLUMN `+column(f.Name)+` `+sqlType(f.Kind)); err != nil {
			return fmt.Errorf("sqlite: migrate %s: add %s: %w", name, f.Name, err)
		}
		added = append(added, f)
	}
	if len(added) > 0 {
		if err = backfill(ctx, tx, c.table, name, added); err != nil {
			return err
		}
	}

	// Indexes are named after the collection and the declared name; one
	// whose definition changed is dropped and built again.
	existing := map[string]string{}
	rows, err = tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, name)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	for rows.Next() {
		var n, def string
		if err = rows.Scan(&n, &def); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: migrate %s: %w", name, err)
		}
		existing[n] = def
	}
	if err = rows.Err(); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	want := map[string]string{}
	var order []string
	for _, ix := range c.schema.Indexes {
		ixName := name + "__" + ix.Name
		want[ixName] = indexSQL(c.table, ixName, ix)
		order = append(order, ixName)
		if ix.Unique {
			// A unique index cannot end with id, and without id SQLite
			// sorts every page by (field, id) in a temporary B-tree. A
			// second, plain index serves the order.
			plain := ix
			plain.Unique = false
			ixName += "__order"
			want[ixName] = indexSQL(c.table, ixName, plain)
			order = append(order, ixName)
		}
	}
	// Indexes no longer declared only slow writes down.
	for ixName := range existing {
		if _, ok := want[ixName]; !ok && strings.HasPrefix(ixName, name+"__") {
			if _, err = tx.ExecContext(ctx, `DROP INDEX `+quote(ixName)); err != nil {
				return fmt.Errorf("sqlite: migrate %s: drop index %s: %w", name, ixName, err)
			}
		}
	}
	for _, ixName := range order {
		def := want[ixName]
		if old, ok := existing[ixName]; ok {
			if old == def {
				continue
			}
			if _, err = tx.ExecContext(ctx, `DROP INDEX `+quote(ixName)); err != nil {
				return fmt.Errorf("sqlite: migrate %s: drop index %s: %w", name, ixName, err)
			}
		}
		if _, err = tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("sqlite: migrate %s: index %s: %w", name, ixName, mapErr(err))
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	return nil
}

// indexSQL builds the CREATE INDEX statement, exactly as SQLite stores it
// in sqlite_master so a changed declaration can be detected. Non-unique
// indexes end with id: sorts and keyset pages break ties by id, and with id
// in the index they need no sort step.
func indexSQL(table, ixName string, ix docs.Index) string {
	var cols []string
	for _, f := range ix.Fields {
		cols = append(cols, column(f.Name))
	}
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	} else {
		cols = append(cols, "id")
	}
	return "CREATE " + unique + "INDEX " + quote(ixName) + " ON " + table + " (" + strings.Join(cols, ", ") + ")"
}

// backfill fills newly added columns from the stored documents.
func backfill(ctx context.Context, tx *sql.Tx, table, name string, fields []docs.Field) error {
	type row struct {
		id   string
		vals []any
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, doc FROM `+table)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	var todo []row
	for rows.Next() {
		var r row
		var doc []byte
		if err := rows.Scan(&r.id, &doc); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: migrate %s: %w", name, err)
		}
		if r.vals, err = values(doc, fields); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: migrate %s/%s: %w", name, r.id, err)
		}
		todo = append(todo, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	var sets []string
	for _, f := range fields {
		sets = append(sets, column(f.Name)+" = ?")
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE `+table+` SET `+strings.Join(sets, ", ")+` WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", name, err)
	}
	defer stmt.Close()
	for _, r := range todo {
		if _, err := stmt.ExecContext(ctx, append(r.vals, r.id)...); err != nil {
			return fmt.Errorf("sqlite: migrate %s/%s: %w", name, r.id, err)
		}
	}
	return nil
}

// values extracts the indexed fields of an encoded document as SQL values.
func values(doc bson.Raw, fields []docs.Field) ([]any, error) {
	out := make([]any, len(fields))
	for i, f := range fields {
		v, err := docs.Extract(doc, f)
		if err != nil {
			return nil, err
		}
		out[i] = sqlValue(v)
	}
	return out, nil
}

// sqlValue maps a canonical value to its column representation: times as
// unix milliseconds (the BSON precision), bools as 0/1.
func sqlValue(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UnixMilli()
	case bool:
		if v {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// fromSQL turns a column value back into the canonical value for cursors.
func fromSQL(k docs.Kind, v any) any {
	if v == nil {
		return nil
	}
	switch k {
	case docs.Time:
		if n, ok := v.(int64); ok {
			return time.UnixMilli(n).UTC()
		}
	case docs.Bool:
		if n, ok := v.(int64); ok {
			return n != 0
		}
	case docs.String:
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	return v
}

// mapErr turns constraint violations into docs.ErrDuplicate.
func mapErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", docs.ErrDuplicate, err)
		}
	}
	return err
}

func (c *Collection) Get(ctx context.Context, id string, v any) (int64, error) {
	var version int64
	var doc []byte
	if err := c.prepare(ctx); err != nil {
		return 0, fmt.Errorf("sqlite: get %s/%s: %w", c.schema.Name, id, err)
	}
	err := c.getStmt.QueryRowContext(ctx, id).Scan(&version, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: get %s/%s: %w", c.schema.Name, id, docs.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: get %s/%s: %w", c.schema.Name, id, err)
	}
	if err := bson.Unmarshal(doc, v); err != nil {
		return 0, fmt.Errorf("sqlite: get %s/%s: decode: %w", c.schema.Name, id, err)
	}
	return version, nil
}

func (c *Collection) encode(id string, v any) (bson.Raw, []any, error) {
	doc, err := docs.Encode(id, v)
	if err != nil {
		return nil, nil, err
	}
	vals, err := values(doc, c.fields)
	if err != nil {
		return nil, nil, err
	}
	return doc, vals, nil
}

func (c *Collection) Insert(ctx context.Context, id string, v any) error {
	doc, vals, err := c.encode(id, v)
	if err != nil {
		return fmt.Errorf("sqlite: insert %s/%s: %w", c.schema.Name, id, err)
	}
	args := append([]any{id, []byte(doc)}, vals...)
	if err := c.prepare(ctx); err != nil {
		return fmt.Errorf("sqlite: insert %s/%s: %w", c.schema.Name, id, err)
	}
	_, err = c.insStmt.ExecContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("sqlite: insert %s/%s: %w", c.schema.Name, id, mapErr(err))
	}
	return nil
}

func (c *Collection) InsertMany(ctx context.Context, ins []docs.Insertion) ([]error, error) {
	errs := make([]error, len(ins))
	args := make([][]any, len(ins))
	for i, in := range ins {
		doc, vals, err := c.encode(in.ID, in.V)
		if err != nil {
			errs[i] = fmt.Errorf("sqlite: insert %s/%s: %w", c.schema.Name, in.ID, err)
			continue
		}
		args[i] = append([]any{in.ID, []byte(doc)}, vals...)
	}
	if err := c.prepare(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: insert many %s: %w", c.schema.Name, err)
	}
	tx, err := c.s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: insert many %s: %w", c.schema.Name, err)
	}
	defer tx.Rollback()
	st := tx.StmtContext(ctx, c.insStmt)
	for i, a := range args {
		if a == nil {
			continue
		}
		// A constraint failure undoes its own statement only (SQLite's
		// ABORT); the transaction and the documents before it stand.
		if _, err := st.ExecContext(ctx, a...); err != nil {
			err = mapErr(err)
			if !errors.Is(err, docs.ErrDuplicate) {
				return nil, fmt.Errorf("sqlite: insert many %s/%s: %w", c.schema.Name, ins[i].ID, err)
			}
			errs[i] = fmt.Errorf("sqlite: insert %s/%s: %w", c.schema.Name, ins[i].ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: insert many %s: %w", c.schema.Name, err)
	}
	return errs, nil
}

func (c *Collection) Restore(ctx context.Context, d docs.Doc) error {
	doc, err := docs.EncodeRestored(d)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", c.schema.Name, err)
	}
	vals, err := values(doc, c.fields)
	if err != nil {
		return fmt.Errorf("sqlite: restore %s/%s: %w", c.schema.Name, d.ID, err)
	}
	args := append([]any{d.ID, d.Version, []byte(doc)}, vals...)
	_, err = c.s.writer.ExecContext(ctx, `INSERT INTO `+c.table+` (id, version, doc`+c.cols+`) VALUES (?, ?, ?`+c.marks+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: restore %s/%s: %w", c.schema.Name, d.ID, mapErr(err))
	}
	return nil
}

func (c *Collection) Replace(ctx context.Context, id string, version int64, v any) (int64, error) {
	doc, vals, err := c.encode(id, v)
	if err != nil {
		return 0, fmt.Errorf("sqlite: replace %s/%s: %w", c.schema.Name, id, err)
	}
	args := append([]any{version + 1, []byte(doc)}, vals...)
	args = append(args, id, version)
	if err := c.prepare(ctx); err != nil {
		return 0, fmt.Errorf("sqlite: replace %s/%s: %w", c.schema.Name, id, err)
	}
	res, err := c.replStmt.ExecContext(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: replace %s/%s: %w", c.schema.Name, id, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: replace %s/%s: %w", c.schema.Name, id, err)
	}
	if n == 1 {
		return version + 1, nil
	}
	// Asked on the writer so the answer is not older than the update.
	var one int
	err = c.s.writer.QueryRowContext(ctx, `SELECT 1 FROM `+c.table+` WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: replace %s/%s: %w", c.schema.Name, id, docs.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: replace %s/%s: %w", c.schema.Name, id, err)
	}
	return 0, fmt.Errorf("sqlite: replace %s/%s at version %d: %w", c.schema.Name, id, version, docs.ErrConflict)
}

func (c *Collection) Delete(ctx context.Context, id string) error {
	res, err := c.s.writer.ExecContext(ctx, `DELETE FROM `+c.table+` WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete %s/%s: %w", c.schema.Name, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete %s/%s: %w", c.schema.Name, id, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete %s/%s: %w", c.schema.Name, id, docs.ErrNotFound)
	}
	return nil
}

// where renders a plan's conditions (without the cursor) as SQL.
func where(p docs.Plan) ([]string, []any) {
	var conds []string
	var args []any
	for _, w := range p.Where {
		conds = append(conds, column(w.Field.Name)+" = ?")
		args = append(args, sqlValue(w.Value))
	}
	if r := p.Range; r != nil {
		col := column(r.Field.Name)
		for _, b := range []struct {
			op string
			v  any
		}{{">", r.Gt}, {">=", r.Gte}, {"<", r.Lt}, {"<=", r.Lte}} {
			if b.v != nil {
				conds = append(conds, col+" "+b.op+" ?")
				args = append(args, sqlValue(b.v))
			}
		}
	}
	return conds, args
}

// selectSQL renders a plan as a SELECT of id, version, doc and the sort
// value, ordered by the sort field then id, with the cursor as a keyset
// condition.
func (c *Collection) selectSQL(p docs.Plan) (string, []any) {
	conds, args := where(p)
	dir, cmp := "ASC", ">"
	if p.Desc {
		dir, cmp = "DESC", "<"
	}
	sortCol := "NULL"
	order := "id " + dir
	if p.Sort != nil {
		sortCol = column(p.Sort.Name)
		order = sortCol + " " + dir + ", " + order
	}
	if a := p.After; a != nil {
		switch {
		case p.Sort == nil:
			conds = append(conds, "id "+cmp+" ?")
			args = append(args, a.ID)
		case a.Value == nil:
			// NULL sorts first ascending and last descending, as in MongoDB.
			if p.Desc {
				conds = append(conds, "("+sortCol+" IS NULL AND id < ?)")
			} else {
				conds = append(conds, "(("+sortCol+" IS NULL AND id > ?) OR "+sortCol+" IS NOT NULL)")
			}
			args = append(args, a.ID)
		default:
			v := sqlValue(a.Value)
			nulls := ""
			if p.Desc {
				nulls = " OR " + sortCol + " IS NULL"
			}
			conds = append(conds, "("+sortCol+" "+cmp+" ? OR ("+sortCol+" = ? AND id "+cmp+" ?)"+nulls+")")
			args = append(args, v, v, a.ID)
		}
	}
	query := `SELECT id, version, doc, ` + sortCol + ` FROM ` + c.table
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY " + order
	if p.Limit > 0 {
		// One more than asked tells whether there is a next page.
		query += " LIMIT ?"
		args = append(args, p.Limit+1)
	}
	return query, args
}

func (c *Collection) Find(ctx context.Context, q docs.Query) (docs.Page, error) {
	p, err := c.schema.Plan(q)
	if err != nil {
		return docs.Page{}, fmt.Errorf("sqlite: find %s: %w", c.schema.Name, err)
	}
	query, args := c.selectSQL(p)
	rows, err := c.s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return docs.Page{}, fmt.Errorf("sqlite: find %s: %w", c.schema.Name, err)
	}
	defer rows.Close()
	var page docs.Page
	var last any
	for rows.Next() {
		if p.Limit > 0 && len(page.Docs) == p.Limit {
			d := page.Docs[len(page.Docs)-1]
			var sv any
			if p.Sort != nil {
				sv = fromSQL(p.Sort.Kind, last)
			}
			page.Next = p.EncodeCursor(sv, d.ID)
			break
		}
		var d docs.Doc
		if err := rows.Scan(&d.ID, &d.Version, &d.BSON, &last); err != nil {
			return docs.Page{}, fmt.Errorf("sqlite: find %s: %w", c.schema.Name, err)
		}
		page.Docs = append(page.Docs, d)
	}
	if err := rows.Err(); err != nil {
		return docs.Page{}, fmt.Errorf("sqlite: find %s: %w", c.schema.Name, err)
	}
	return page, nil
}

// Count counts the documents matching the query's conditions; its sort,
// limit and cursor are checked but do not change the count.
func (c *Collection) Count(ctx context.Context, q docs.Query) (int64, error) {
	p, err := c.schema.Plan(q)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", c.schema.Name, err)
	}
	conds, args := where(p)
	query := `SELECT count(*) FROM ` + c.table
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	var n int64
	if err := c.s.reader.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", c.schema.Name, err)
	}
	return n, nil
}
