package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs/fs"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
	"github.com/kotalama/kompeten/storage/docs"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// BenchmarkMigrate runs `kompeten migrate` as a subprocess over an embedded
// city of KOMPETEN_BENCH_MIGRATE_USERS users (10,000), _COURSES courses
// (1,000, each with five text lessons) and _MIB MiB of objects (2,048: one
// 1 MiB handout per course, the rest as 64 MiB videos), to an in-process
// FerretDB, MinIO and a new Bleve index. It reports the wall time of each
// phase, documents/s, object MB/s and the peak RSS of the migrate process.
func BenchmarkMigrate(b *testing.B) {
	users, courses, mib := envInt("KOMPETEN_BENCH_MIGRATE_USERS", 10000), envInt("KOMPETEN_BENCH_MIGRATE_COURSES", 1000),
		envInt("KOMPETEN_BENCH_MIGRATE_MIB", 2048)
	s3cfg := s3test.Start(b)
	bin := binary(b)
	dir, err := os.MkdirTemp(work(b), "migrate-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	t0 := time.Now()
	nDocs := seedCity(b, ctx, dir, users, courses, mib)
	b.Logf("seeded %d documents and %d MiB of objects in %s", nDocs, mib, time.Since(t0).Round(time.Second))

	fdir, err := os.MkdirTemp(work(b), "ferretdb-")
	if err != nil {
		b.Fatal(err)
	}
	f, err := ferretdb.New(&ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}, Handler: "sqlite",
		SQLiteURL: "file:" + fdir + "/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	fctx, stopFerret := context.WithCancel(ctx)
	defer stopFerret()
	go f.Run(fctx)
	toDocs := strings.TrimSuffix(f.MongoDBURI(), "/") + "/kompeten"
	if u, err := url.Parse(f.MongoDBURI()); err == nil {
		u.Path = "/kompeten"
		toDocs = u.String()
	}
	toBlobs := (&url.URL{Scheme: "s3", User: url.UserPassword(s3cfg.AccessKey, s3cfg.SecretKey), Host: s3cfg.Endpoint,
		Path: "/" + s3cfg.Bucket, RawQuery: "secure=false"}).String()

	b.ResetTimer()
	cmd := exec.Command(bin, "migrate", "--to-docs", toDocs, "--to-blobs", toBlobs, "--to-search", "bleve://"+filepath.Join(dir, "search-new"))
	cmd.Env = append(os.Environ(), "KOMPETEN_DATA="+dir)
	stderr, _ := cmd.StderrPipe()
	var out strings.Builder
	cmd.Stdout = &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	rss := watchRSS(cmd.Process.Pid)
	var lines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	wall := time.Since(start)
	peak, _, _ := rss.Stop()
	b.StopTimer()
	if err != nil {
		b.Fatalf("migrate: %v\n%s\n%s", err, out.String(), strings.Join(lines, "\n"))
	}
	b.Logf("migrate output:\n%s", out.String())
	phases := map[string]float64{}
	re := regexp.MustCompile(`^(\S+)\s+\[=+\].* in (\S+)$`)
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			d, _ := time.ParseDuration(m[2])
			phases[m[1]] = d.Seconds()
			b.Log(l)
		}
	}
	b.ReportMetric(wall.Seconds(), "total_s")
	b.ReportMetric(phases["dokumen"], "docs_s")
	b.ReportMetric(phases["objek"], "objects_s")
	b.ReportMetric(phases["indeks"], "reindex_s")
	b.ReportMetric(phases["sha256"], "verify_s")
	if s := phases["dokumen"]; s > 0 {
		b.ReportMetric(float64(nDocs)/s, "docs/s")
	}
	if s := phases["objek"]; s > 0 {
		b.ReportMetric(float64(mib)*(1<<20)/1e6/s, "objects_MBps")
	}
	b.ReportMetric(peak, "peak_RSS_MB")
}

// seedCity writes the embedded stores under dir: one user and one course
// made through the domain service, cloned as documents (hashing 10,000
// passwords would take longer than the migration), and the objects written
// straight to the disk store. It returns the number of documents.
func seedCity(b *testing.B, ctx context.Context, dir string, users, courses, mib int) int64 {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		b.Fatal(err)
	}
	trainer, err := svc.CreateUser(ctx, content.NewUser{NIP: trainerNIP, Name: "Pelatih Bench", Unit: "BKPSDM",
		Roles: []string{content.RoleTrainer}, Password: password})
	if err != nil {
		b.Fatal(err)
	}
	learner, err := svc.CreateUser(ctx, content.NewUser{NIP: learnerNIP, Name: "Peserta Bench", Unit: "Dinas Uji",
		Roles: []string{content.RoleLearner}, Password: password})
	if err != nil {
		b.Fatal(err)
	}
	str := func(s string) *string { return &s }
	jp := 2
	c, err := svc.CreateCourse(ctx, trainer, content.CourseInput{Title: str("Kursus Bench"), Category: str("Teknis"), JP: &jp})
	if err != nil {
		b.Fatal(err)
	}
	m, err := svc.AddModule(ctx, trainer, c.ID, content.ModuleInput{Title: "Modul 1"})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("pelayanan publik aparatur kompetensi anggaran daerah kebijakan evaluasi kinerja etika integritas " +
		"digital data warga pengaduan perencanaan pengawasan koordinasi")
	for i := range 5 {
		var body strings.Builder
		for range 300 {
			body.WriteString(words[rng.IntN(len(words))] + " ")
		}
		if _, err := svc.AddLesson(ctx, trainer, c.ID, m.ID, content.LessonInput{Title: str(fmt.Sprintf("Materi %d", i+1)),
			Kind: str(content.KindText), Body: str(body.String())}); err != nil {
			b.Fatal(err)
		}
	}
	clone(b, ctx, store.C("users"), learner.NIP, users-2, func(i int) string { return fmt.Sprintf("19900101201601%d%03d", 1+i%2, i) })
	clone(b, ctx, store.C("courses"), c.ID, courses-1, func(i int) string { return fmt.Sprintf("%s%05d", c.ID[:len(c.ID)-5], i) })
	var n int64
	for _, sc := range content.Schemas() {
		k, err := store.C(sc.Name).Count(ctx, docs.Query{})
		if err != nil {
			b.Fatal(err)
		}
		n += k
	}

	objects, err := fs.Open(filepath.Join(dir, "objects"))
	if err != nil {
		b.Fatal(err)
	}
	defer objects.Close()
	buf := make([]byte, 64<<20)
	chacha := rand.NewChaCha8([32]byte{'m', 'i', 'g', 'r', 'a', 't', 'e'})
	chacha.Read(buf)
	left := int64(mib) << 20
	for i := 0; left > 0; i++ {
		size, key := int64(1<<20), fmt.Sprintf("courses/c%05d/handout.pdf", i)
		if i >= courses {
			size, key = 64<<20, fmt.Sprintf("courses/c%05d/video-%d.mp4", i%courses, i)
		}
		size = min(size, left)
		buf[0], buf[1] = byte(i), byte(i>>8) // every object differs
		if _, err := objects.Put(ctx, key, bytes.NewReader(buf[:size]), size, "application/octet-stream"); err != nil {
			b.Fatal(err)
		}
		left -= size
	}
	return n
}

// clone inserts n copies of one document, every string equal to or
// starting with the original id rewritten to the copy's id (so lesson ids,
// which start with their course's, stay unique).
func clone(b *testing.B, ctx context.Context, c docs.Collection, id string, n int, newID func(i int) string) {
	var d bson.D
	if _, err := c.Get(ctx, id, &d); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		nid := newID(i)
		cp := rewrite(d, id, nid).(bson.D)
		if err := c.Insert(ctx, nid, cp); err != nil {
			b.Fatalf("clone %s as %s: %v", id, nid, err)
		}
	}
}

func rewrite(v any, from, to string) any {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, from) {
			return to + v[len(from):]
		}
		if strings.HasPrefix(v, "kursus-bench") {
			return "kursus-bench-" + to // the unique slug
		}
		return v
	case bson.D:
		out := make(bson.D, len(v))
		for i, e := range v {
			out[i] = bson.E{Key: e.Key, Value: rewrite(e.Value, from, to)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(v))
		for i, e := range v {
			out[i] = rewrite(e, from, to)
		}
		return out
	}
	return v
}
