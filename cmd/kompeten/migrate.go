package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/docs"
)

const migrateUsage = `Usage: kompeten migrate [flags]

Moves a city from the embedded stores to the scale stores: every document
(SQLite -> MongoDB), every object (local disk -> S3/MinIO), then rebuilds
the search index from the new document store. Stop the server first: what
changes in the source after it was copied is not copied again.

The source is the embedded default under KOMPETEN_DATA unless --from-docs
and --from-blobs say otherwise. The target is --to-docs, --to-blobs and
--to-search, else KOMPETEN_DOCS, KOMPETEN_BLOBS and KOMPETEN_SEARCH (the
variables the server will run with afterwards), so:

  KOMPETEN_DOCS=mongodb://mongo:27017/kompeten \
  KOMPETEN_BLOBS='s3://KEY:SECRET@minio:9000/kompeten?secure=false' \
  KOMPETEN_SEARCH='meilisearch://meili:7700?key=KEY' kompeten migrate

Documents keep their ids and versions. An interrupted run resumes from the
checkpoint in --state; rerunning is always safe: what is already in the
target is compared, not written again, and a document that differs there
stops the run. At the end every collection is counted and every object is
read back from both sides and compared by SHA-256; the command exits 1 on
any difference. --verify runs only that check. Keep the checkpoint
until the check has passed: the counts it holds were taken before the
search rebuild added documents of its own. --docs, --blobs and
--search, like their variables, name the target too.

Flags:
`

// migrateOptions are what the command line decides.
type migrateOptions struct {
	fromDocs, fromBlobs       string
	toDocs, toBlobs, toSearch string
	state                     string
	verifyOnly                bool
	workers                   int
}

// migrate is the command. onCopied, when set (tests), is called after each
// document or object is copied with the running count of that kind.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	onCopied func(kind string, n int64)) error {
	fs := flag.NewFlagSet("kompeten migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o migrateOptions
	fs.StringVar(&o.fromDocs, "from-docs", "sqlite://$DATA/kompeten.db", "source document store")
	fs.StringVar(&o.fromBlobs, "from-blobs", "file://$DATA/objects", "source object store")
	fs.StringVar(&o.toDocs, "to-docs", "", "target document store, e.g. mongodb://HOST:27017/kompeten (default KOMPETEN_DOCS)")
	fs.StringVar(&o.toBlobs, "to-blobs", "", "target object store, e.g. s3://KEY:SECRET@HOST:9000/BUCKET (default KOMPETEN_BLOBS)")
	fs.StringVar(&o.toSearch, "to-search", "", "target search index, meilisearch://HOST:7700?key=KEY or bleve://PATH (default KOMPETEN_SEARCH)")
	fs.StringVar(&o.state, "state", "$DATA/migrate-state.json", "checkpoint file of an interrupted run")
	fs.BoolVar(&o.verifyOnly, "verify", false, "only compare counts and object checksums")
	fs.IntVar(&o.workers, "workers", 4, "documents or objects written at once")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateUsage)
		fs.PrintDefaults()
	}
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	data := func(s string) string { return strings.ReplaceAll(s, "$DATA", cfg.Data) }
	from, to := cfg, cfg
	from.Docs, from.Blobs = data(o.fromDocs), data(o.fromBlobs)
	for _, p := range []struct{ flag, dst *string }{{&o.toDocs, &to.Docs}, {&o.toBlobs, &to.Blobs}, {&o.toSearch, &to.Search}} {
		if *p.flag != "" {
			*p.dst = data(*p.flag)
		}
	}
	o.state = data(o.state)
	if err := from.Validate(); err != nil {
		return err
	}
	if err := to.Validate(); err != nil {
		return err
	}
	if o.workers < 1 || o.workers > 64 {
		return usageError{"--workers wants 1 to 64"}
	}
	if sameStore(from.Docs, to.Docs) {
		return usageError{"the target document store is the source (" + from.Docs + "): set --to-docs or KOMPETEN_DOCS, e.g. mongodb://HOST:27017/kompeten"}
	}
	if sameStore(from.Blobs, to.Blobs) {
		return usageError{"the target object store is the source (" + from.Blobs + "): set --to-blobs or KOMPETEN_BLOBS, e.g. s3://KEY:SECRET@HOST:9000/kompeten"}
	}

	m := &migration{opts: o, out: stdout, progress: newProgress(stderr), onCopied: onCopied,
		content: app.ContentOptions(to), fingerprint: fingerprint(to.Docs, to.Blobs)}
	if m.src.Docs, err = app.OpenDocs(ctx, from); err != nil {
		return fmt.Errorf("source document store: %w", err)
	}
	defer m.src.Docs.Close()
	if m.src.Blobs, err = app.OpenBlobs(ctx, from); err != nil {
		return fmt.Errorf("source %w", err)
	}
	defer m.src.Blobs.Close()
	if m.dst, err = app.OpenStores(ctx, to); err != nil {
		return fmt.Errorf("target %w", err)
	}
	defer m.dst.Close()
	fmt.Fprintf(stdout, "Dari / from: %s, %s\nKe / to:     %s, %s, %s\n",
		redact(from.Docs), redact(from.Blobs), redact(to.Docs), redact(to.Blobs), redact(to.Search))
	if !o.verifyOnly {
		if err := m.run(ctx); err != nil {
			return err
		}
	}
	return m.verify(ctx)
}

// runMigrate is the command as run from the command line, stopped cleanly
// by SIGINT or SIGTERM; the checkpoint lets the next run go on.
func runMigrate(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := migrate(ctx, args, stdout, stderr, getenv, nil)
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("interrupted: run the same command again to go on (%w)", err)
	}
	return err
}

func sameStore(a, b string) bool {
	return filepath.Clean(strings.TrimRight(a, "/")) == filepath.Clean(strings.TrimRight(b, "/"))
}

// fingerprint identifies a target without writing its secrets to disk, so a
// checkpoint is never applied to another target.
func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

// redact shows a store URL without credentials or query (Meilisearch's key).
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// migrateState is the checkpoint, rewritten atomically after each page of
// documents and each batch of objects.
type migrateState struct {
	Target string `json:"target"`
	// Docs holds, per collection, the Find cursor after the last page
	// copied; "*" marks a finished collection.
	Docs map[string]string `json:"docs"`
	// Objects is the last key of the last batch copied ("*": all).
	Objects string `json:"objects"`
	Search  bool   `json:"search"`
	// Counts are the target's collections counted when the last document
	// was copied. Verification compares them with the source: the search
	// rebuild then adds documents of its own (the index's records of
	// course versions, extracted PDF text) that the source may lack.
	Counts map[string]int64 `json:"counts,omitempty"`
}

const finished = "*"

type migration struct {
	opts        migrateOptions
	src         app.Stores
	dst         app.Stores
	content     content.Options
	out         io.Writer
	progress    *progress
	onCopied    func(kind string, n int64)
	fingerprint string
	state       migrateState
}

// loadState reads the checkpoint, and reports whether it is one of this
// target.
func (m *migration) loadState() (bool, error) {
	m.state = migrateState{Target: m.fingerprint, Docs: map[string]string{}}
	b, err := os.ReadFile(m.opts.state)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	var st migrateState
	if err := json.Unmarshal(b, &st); err != nil {
		return false, fmt.Errorf("checkpoint %s: %w (delete it to start over)", m.opts.state, err)
	}
	if st.Target != m.fingerprint {
		fmt.Fprintf(m.out, "Checkpoint %s belongs to another target; it is not used.\n", m.opts.state)
		return false, nil
	}
	if st.Docs == nil {
		st.Docs = map[string]string{}
	}
	m.state = st
	return true, nil
}

func (m *migration) saveState() error {
	b, err := json.MarshalIndent(m.state, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(m.opts.state), 0o750); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tmp := m.opts.state + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Rename(tmp, m.opts.state); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

func (m *migration) run(ctx context.Context) error {
	if found, err := m.loadState(); err != nil {
		return err
	} else if found {
		fmt.Fprintf(m.out, "Melanjutkan dari checkpoint / resuming from %s\n", m.opts.state)
	}
	if err := m.copyDocs(ctx); err != nil {
		return err
	}
	if err := m.copyObjects(ctx); err != nil {
		return err
	}
	if !m.state.Search {
		svc, err := content.New(m.dst.Docs, m.dst.Blobs, m.content)
		if err != nil {
			return err
		}
		m.progress.start("indeks", 0, 0)
		err = svc.Reindex(ctx, m.dst.Search, func(done, total int) { m.progress.set(int64(done), int64(total), 0) })
		m.progress.finish()
		if err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		m.state.Search = true
		if err := m.saveState(); err != nil {
			return err
		}
	}
	return nil
}

// docsPage is how many documents one Find reads: a page is also the unit
// of the checkpoint. A variable so the test can interrupt between pages.
var docsPage = 500

func (m *migration) copyDocs(ctx context.Context) error {
	schemas := content.Schemas()
	var total int64
	for _, sc := range schemas {
		n, err := m.src.Docs.C(sc.Name).Count(ctx, docs.Query{})
		if err != nil {
			return fmt.Errorf("count %s: %w", sc.Name, err)
		}
		total += n
	}
	m.progress.start("dokumen", total, 0)
	defer m.progress.finish()
	var copied int64
	for _, sc := range schemas {
		cursor := m.state.Docs[sc.Name]
		if cursor == finished {
			n, _ := m.src.Docs.C(sc.Name).Count(ctx, docs.Query{})
			m.progress.add(n, 0)
			continue
		}
		src, dst := m.src.Docs.C(sc.Name), m.dst.Docs.C(sc.Name)
		for {
			p, err := src.Find(ctx, docs.Query{Limit: docsPage, After: cursor})
			if err != nil {
				return fmt.Errorf("read %s: %w", sc.Name, err)
			}
			err = parallel(ctx, m.opts.workers, len(p.Docs), func(i int) error {
				if err := restore(ctx, sc.Name, dst, p.Docs[i]); err != nil {
					return err
				}
				m.progress.add(1, int64(len(p.Docs[i].BSON)))
				return nil
			})
			if err != nil {
				return err
			}
			copied += int64(len(p.Docs))
			if m.onCopied != nil {
				m.onCopied("docs", copied)
			}
			if p.Next == "" {
				m.state.Docs[sc.Name] = finished
			} else {
				m.state.Docs[sc.Name] = p.Next
			}
			if err := m.saveState(); err != nil {
				return err
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
	}
	if m.state.Counts == nil {
		m.state.Counts = map[string]int64{}
		for _, sc := range schemas {
			n, err := m.dst.Docs.C(sc.Name).Count(ctx, docs.Query{})
			if err != nil {
				return fmt.Errorf("count %s in the target: %w", sc.Name, err)
			}
			m.state.Counts[sc.Name] = n
		}
		return m.saveState()
	}
	return nil
}

// restore writes one document, or checks that the target already has it
// as it is: a rerun after an interruption meets the last page again.
func restore(ctx context.Context, coll string, dst docs.Collection, d docs.Doc) error {
	err := dst.Restore(ctx, d)
	if !errors.Is(err, docs.ErrDuplicate) {
		if err != nil {
			return fmt.Errorf("write %s/%s: %w", coll, d.ID, err)
		}
		return nil
	}
	var have bson.Raw
	v, gerr := dst.Get(ctx, d.ID, &have)
	if errors.Is(gerr, docs.ErrNotFound) {
		return fmt.Errorf("write %s/%s: a unique value is taken by another document in the target: %w", coll, d.ID, err)
	}
	if gerr != nil {
		return fmt.Errorf("compare %s/%s: %w", coll, d.ID, gerr)
	}
	if v != d.Version || string(have) != string(d.BSON) {
		return fmt.Errorf("%s/%s differs in the target (version %d there, %d here): the target must start empty, or hold only an earlier run of this migration", coll, d.ID, v, d.Version)
	}
	return nil
}

// objectBatch and objectBatchBytes bound one checkpointed batch of
// objects (variables so the test can interrupt between batches).
var (
	objectBatch            = 64
	objectBatchBytes int64 = 256 << 20
)

func (m *migration) copyObjects(ctx context.Context) error {
	var count, size int64
	if err := m.src.Blobs.List(ctx, "", func(i blobs.Info) error { count, size = count+1, size+i.Size; return nil }); err != nil {
		return fmt.Errorf("list objects: %w", err)
	}
	m.progress.start("objek", count, size)
	defer m.progress.finish()
	if m.state.Objects == finished {
		m.progress.add(count, size)
		return nil
	}
	// What the checkpoint says is done is counted as done.
	if after := m.state.Objects; after != "" {
		err := m.src.Blobs.List(ctx, "", func(i blobs.Info) error {
			if i.Key > after {
				return errStop
			}
			m.progress.add(1, i.Size)
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return fmt.Errorf("list objects: %w", err)
		}
	}
	var batch []blobs.Info
	var batchBytes, copied int64
	flush := func() error {
		err := parallel(ctx, m.opts.workers, len(batch), func(i int) error {
			return m.copyObject(ctx, batch[i])
		})
		if err != nil {
			return err
		}
		copied += int64(len(batch))
		if m.onCopied != nil {
			m.onCopied("objects", copied)
		}
		m.state.Objects = batch[len(batch)-1].Key
		batch, batchBytes = batch[:0], 0
		return m.saveState()
	}
	err := m.src.Blobs.List(ctx, m.state.Objects, func(i blobs.Info) error {
		batch = append(batch, i)
		batchBytes += i.Size
		if len(batch) >= objectBatch || batchBytes >= objectBatchBytes {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return err
	}
	m.state.Objects = finished
	return m.saveState()
}

var errStop = errors.New("stop")

// copyObject streams one object; one already in the target with the same
// size is left for the checksum pass to judge.
func (m *migration) copyObject(ctx context.Context, info blobs.Info) error {
	if have, err := m.dst.Blobs.Stat(ctx, info.Key); err == nil && have.Size == info.Size {
		m.progress.add(1, info.Size)
		return nil
	} else if err != nil && !errors.Is(err, blobs.ErrNotFound) {
		return fmt.Errorf("object %s: %w", info.Key, err)
	}
	if info.ContentType == "" {
		st, err := m.src.Blobs.Stat(ctx, info.Key)
		if err != nil {
			return fmt.Errorf("object %s: %w", info.Key, err)
		}
		info.ContentType = st.ContentType
	}
	r, err := m.src.Blobs.Get(ctx, info.Key, 0, -1)
	if err != nil {
		return fmt.Errorf("object %s: %w", info.Key, err)
	}
	defer r.Close()
	if _, err := m.dst.Blobs.Put(ctx, info.Key, &countingReader{r: r, p: m.progress}, info.Size, info.ContentType); err != nil {
		return fmt.Errorf("object %s: %w", info.Key, err)
	}
	m.progress.add(1, 0)
	return nil
}

// countingReader moves the byte count of the progress bar while an object
// streams, so a large one does not freeze the bar.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(0, int64(n))
	return n, err
}

// parallel runs fn(0..n-1) on up to workers goroutines and returns the
// first error.
func parallel(ctx context.Context, workers, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// verify compares the counts of every collection and the SHA-256 of every
// object, read back from both stores, and prints the table.
func (m *migration) verify(ctx context.Context) error {
	if m.state.Target == "" {
		// --verify alone: a checkpoint of this target has the counts
		// taken after the copy.
		if _, err := m.loadState(); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(m.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "koleksi / collection\tsumber / source\ttujuan / target\tsekarang / now\t\t")
	bad := 0
	for _, sc := range content.Schemas() {
		a, err := m.src.Docs.C(sc.Name).Count(ctx, docs.Query{})
		if err != nil {
			return fmt.Errorf("count %s: %w", sc.Name, err)
		}
		now, err := m.dst.Docs.C(sc.Name).Count(ctx, docs.Query{})
		if err != nil {
			return fmt.Errorf("count %s: %w", sc.Name, err)
		}
		b, ok := m.state.Counts[sc.Name]
		if !ok {
			b = now
		}
		// The search rebuild may add documents after the copy, never
		// remove them.
		good := a == b && now >= b
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t\n", sc.Name, a, b, now, okMark(good))
		if !good {
			bad++
		}
	}
	var count, size int64
	if err := m.src.Blobs.List(ctx, "", func(i blobs.Info) error { count, size = count+1, size+i.Size; return nil }); err != nil {
		return fmt.Errorf("list objects: %w", err)
	}
	m.progress.start("sha256", count, 2*size)
	var mu sync.Mutex
	var badKeys []string
	var batch []blobs.Info
	check := func() error {
		err := parallel(ctx, m.opts.workers, len(batch), func(i int) error {
			same, err := m.sameObject(ctx, batch[i])
			if err != nil {
				return err
			}
			if !same {
				mu.Lock()
				badKeys = append(badKeys, batch[i].Key)
				mu.Unlock()
			}
			m.progress.add(1, 0)
			return nil
		})
		batch = batch[:0]
		return err
	}
	err := m.src.Blobs.List(ctx, "", func(i blobs.Info) error {
		if batch = append(batch, i); len(batch) == objectBatch {
			return check()
		}
		return nil
	})
	if err == nil {
		err = check()
	}
	m.progress.finish()
	if err != nil {
		return err
	}
	var inTarget int64
	if err := m.dst.Blobs.List(ctx, "", func(blobs.Info) error { inTarget++; return nil }); err != nil {
		return fmt.Errorf("list target objects: %w", err)
	}
	fmt.Fprintf(tw, "objects (sha256, %s)\t%d\t%d\t%d\t%s\t\n", formatBytes(size), count, count-int64(len(badKeys)), inTarget,
		okMark(len(badKeys) == 0 && inTarget == count))
	tw.Flush()
	if len(badKeys) > 0 || inTarget != count {
		bad++
	}
	for i, k := range badKeys {
		if i == 20 {
			fmt.Fprintf(m.out, "… and %d more\n", len(badKeys)-20)
			break
		}
		fmt.Fprintf(m.out, "objek berbeda / object differs: %s\n", k)
	}
	if bad > 0 {
		return fmt.Errorf("verification failed: %d line(s) differ", bad)
	}
	fmt.Fprintln(m.out, "Terverifikasi / verified.")
	return nil
}

func okMark(ok bool) string {
	if ok {
		return "ok"
	}
	return "BEDA / DIFFERS"
}

// sameObject hashes both copies at once, each streamed.
func (m *migration) sameObject(ctx context.Context, info blobs.Info) (bool, error) {
	type sum struct {
		n   int64
		h   string
		err error
	}
	hash := func(s blobs.Store) sum {
		r, err := s.Get(ctx, info.Key, 0, -1)
		if errors.Is(err, blobs.ErrNotFound) {
			return sum{n: -1}
		}
		if err != nil {
			return sum{err: err}
		}
		defer r.Close()
		h := sha256.New()
		n, err := io.Copy(h, &countingReader{r: r, p: m.progress})
		return sum{n, hex.EncodeToString(h.Sum(nil)), err}
	}
	ch := make(chan sum, 1)
	go func() { ch <- hash(m.dst.Blobs) }()
	a := hash(m.src.Blobs)
	b := <-ch
	if a.err != nil {
		return false, fmt.Errorf("read %s: %w", info.Key, a.err)
	}
	if b.err != nil {
		return false, fmt.Errorf("read %s in the target: %w", info.Key, b.err)
	}
	return a.n == b.n && a.h == b.h, nil
}

// progress draws the bar of the current phase on a terminal, or a plain
// line every 10 s elsewhere (logs, CI).
type progress struct {
	w   io.Writer
	tty bool

	mu                sync.Mutex
	phase             string
	n, total          int64
	bytes, totalBytes int64
	began, last       time.Time
	stop              chan struct{}
	done              chan struct{}
}

func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty}
}

func (p *progress) start(phase string, total, totalBytes int64) {
	p.mu.Lock()
	p.phase, p.n, p.total, p.bytes, p.totalBytes = phase, 0, total, 0, totalBytes
	p.began, p.last = time.Now(), time.Now()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	p.mu.Unlock()
	every := 10 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
}

func (p *progress) add(n, bytes int64) {
	p.mu.Lock()
	p.n += n
	p.bytes += bytes
	p.mu.Unlock()
}

func (p *progress) set(n, total, bytes int64) {
	p.mu.Lock()
	p.n, p.total, p.bytes = n, total, bytes
	p.mu.Unlock()
}

func (p *progress) finish() {
	close(p.stop)
	<-p.done
	p.draw(true)
}

func (p *progress) draw(final bool) {
	p.mu.Lock()
	line := p.line(final)
	p.mu.Unlock()
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r%s\033[K\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r%s\033[K", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) line(final bool) string {
	el := time.Since(p.began)
	const width = 24
	frac := 1.0
	if p.totalBytes > 0 {
		frac = float64(p.bytes) / float64(p.totalBytes)
	} else if p.total > 0 {
		frac = float64(p.n) / float64(p.total)
	}
	frac = min(max(frac, 0), 1)
	filled := int(frac * width)
	s := fmt.Sprintf("%-8s [%s%s] %d/%d", p.phase, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.n, p.total)
	if p.totalBytes > 0 {
		s += fmt.Sprintf(" %s/%s", formatBytes(p.bytes), formatBytes(p.totalBytes))
	}
	if secs := el.Seconds(); secs > 0 {
		s += fmt.Sprintf(" %.0f/s", float64(p.n)/secs)
		if p.totalBytes > 0 {
			s += fmt.Sprintf(" %.1f MB/s", float64(p.bytes)/1e6/secs)
		}
	}
	if final {
		return s + fmt.Sprintf(" in %s", el.Round(100*time.Millisecond))
	}
	if frac > 0 && frac < 1 {
		eta := time.Duration(float64(el) * (1 - frac) / frac)
		s += " ETA " + eta.Round(time.Second).String()
	}
	return s
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
