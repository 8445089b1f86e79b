package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/blobs"
	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
	"github.com/kotalama/kompeten/storage/docs"
)

// ferretURI starts one in-process FerretDB (SQLite handler) for the test
// binary, as the mongo backend's suite does.
var ferretURI = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kompeten-ferretdb-")
	if err != nil {
		return "", err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return "", err
	}
	go f.Run(context.Background())
	return f.MongoDBURI(), nil
})

// TestMigrate moves a seeded embedded city (the demo course with its video,
// PDF and captions, more users and courses) to FerretDB + MinIO + a new
// Bleve index, interrupted twice and resumed, then rerun from scratch over
// the copy, and checks the verification table, that a damaged object is
// caught, and that the app on the new stores serves the course, its media
// and search.
func TestMigrate(t *testing.T) {
	s3cfg := s3test.Start(t)
	furi, err := ferretURI()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(furi)
	u.Path = fmt.Sprintf("/migrate_%d", time.Now().UnixNano()%1e9)
	toDocs := u.String()
	toBlobs := (&url.URL{Scheme: "s3", User: url.UserPassword(s3cfg.AccessKey, s3cfg.SecretKey), Host: s3cfg.Endpoint,
		Path: "/" + s3cfg.Bucket, RawQuery: "secure=false"}).String()
	dir := t.TempDir()
	toSearch := "bleve://" + filepath.Join(dir, "search-new")

	// The source city: the demo, then more users and draft courses.
	env := envOf(map[string]string{"KOMPETEN_DATA": dir})
	password := runDemo(t, env)
	ctx := context.Background()
	seed(t, ctx, env)

	// Small pages and batches, so the interruptions fall between them.
	defer func(p, b int) { docsPage, objectBatch = p, b }(docsPage, objectBatch)
	docsPage, objectBatch = 7, 1
	args := []string{"migrate", "--to-docs", toDocs, "--to-blobs", toBlobs, "--to-search", toSearch}
	interrupted := func(kind string, after int64) string {
		t.Helper()
		ictx, cancel := context.WithCancel(ctx)
		defer cancel()
		var out, errb bytes.Buffer
		err := migrate(ictx, args[1:], &out, &errb, env, func(k string, n int64) {
			if k == kind && n >= after {
				cancel()
			}
		})
		if err == nil {
			t.Fatalf("migrate interrupted at %s %d succeeded:\n%s", kind, after, out.String())
		}
		return errb.String()
	}
	interrupted("docs", 20)
	state := readState(t, filepath.Join(dir, "migrate-state.json"))
	if len(state.Docs) == 0 || state.Objects != "" {
		t.Fatalf("checkpoint after a first interruption in the documents: %+v", state)
	}
	interrupted("objects", 2)
	state = readState(t, filepath.Join(dir, "migrate-state.json"))
	if state.Objects == "" || state.Objects == finished || state.Search {
		t.Fatalf("checkpoint after an interruption in the objects: %+v", state)
	}

	code, stdout, stderr := runCmd(env, args...)
	if code != 0 {
		t.Fatalf("resumed migrate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "resuming") || !strings.Contains(stdout, "verified") || strings.Contains(stdout, "DIFFERS") {
		t.Fatalf("resumed migrate printed:\n%s", stdout)
	}
	for _, coll := range []string{"users", "courses", "assets"} {
		if !regexp.MustCompile(`(?m)^\s*` + coll + `(\s+\d+){3}\s+ok`).MatchString(stdout) {
			t.Errorf("no ok line for %s in:\n%s", coll, stdout)
		}
	}
	if !regexp.MustCompile(`objects \(sha256, [^)]+\)(\s+[1-9]\d*){3}\s+ok`).MatchString(stdout) {
		t.Errorf("no ok line for the objects in:\n%s", stdout)
	}
	if !strings.Contains(stderr, "objek") {
		t.Errorf("no progress lines on stderr:\n%s", stderr)
	}

	// A crash after writing but before the checkpoint: the documents and
	// objects already in the target are met again, compared, not written.
	state = readState(t, filepath.Join(dir, "migrate-state.json"))
	state.Docs, state.Objects = nil, ""
	b, _ := json.Marshal(state)
	if err := os.WriteFile(filepath.Join(dir, "migrate-state.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCmd(env, args...); code != 0 {
		t.Fatalf("migrate over a finished copy: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// The app on the new stores serves the course, its video and search.
	tcfg, err := app.ParseConfig(flag.NewFlagSet("t", flag.ContinueOnError),
		[]string{"--docs", toDocs, "--blobs", toBlobs, "--search", toSearch}, env)
	if err != nil {
		t.Fatal(err)
	}
	checkTargetApp(t, ctx, tcfg, password, dir)

	// A damaged object in the target is caught.
	tb, err := app.OpenBlobs(ctx, tcfg)
	if err != nil {
		t.Fatal(err)
	}
	var victim string
	var size int64
	src, err := app.OpenBlobs(ctx, mustConfig(t, env))
	if err != nil {
		t.Fatal(err)
	}
	src.List(ctx, "", func(i blobs.Info) error { victim, size = i.Key, i.Size; return errStop })
	if _, err := tb.Put(ctx, victim, bytes.NewReader(bytes.Repeat([]byte{'x'}, int(size))), size, ""); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runCmd(env, append(args, "--verify")...)
	if code != 1 || !strings.Contains(stdout, "DIFFERS") || !strings.Contains(stdout, victim) {
		t.Errorf("verify over a damaged object: exit %d\n%s", code, stdout)
	}
}

func runCmd(env func(string) string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, nil, &out, &errb, env)
	return code, out.String(), errb.String()
}

func readState(t *testing.T, path string) migrateState {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st migrateState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func mustConfig(t *testing.T, env func(string) string, args ...string) app.Config {
	t.Helper()
	cfg, err := app.ParseConfig(flag.NewFlagSet("t", flag.ContinueOnError), args, env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// seed adds learners and draft courses beside the demo.
func seed(t *testing.T, ctx context.Context, env func(string) string) {
	t.Helper()
	cfg := mustConfig(t, env)
	store, err := app.OpenDocs(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	trainer, err := svc.User(ctx, demoTrainerNIP)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 24 {
		_, err := svc.CreateUser(ctx, content.NewUser{NIP: fmt.Sprintf("19900101201501%d%03d", 1+i%2, i+1), Name: fmt.Sprintf("Peserta %d", i),
			Unit: "Dinas Uji", Roles: []string{content.RoleLearner}, Password: "kata-sandi-uji-12345"})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 15 {
		title, cat, jp := fmt.Sprintf("Kursus Uji %d", i), "Teknis", 1+i%4
		if _, err := svc.CreateCourse(ctx, trainer, content.CourseInput{Title: &title, Category: &cat, JP: &jp}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := store.C("users").Count(ctx, docs.Query{})
	if err != nil || n < 26 {
		t.Fatalf("seeded users: %d, %v", n, err)
	}
}

func checkTargetApp(t *testing.T, ctx context.Context, cfg app.Config, password, dir string) {
	t.Helper()
	a, closeApp := openApp(t, ctx, cfg)
	defer closeApp()
	call := func(method, path, tok string, body any) (int, []byte) {
		t.Helper()
		code, _, raw := apiCall(t, a, method, path, tok, body)
		return code, raw
	}
	_, raw := call("POST", "/api/v1/auth/token", "", map[string]string{"nip": demoLearnerNIP, "password": password})
	var tk struct{ Token string }
	if json.Unmarshal(raw, &tk); tk.Token == "" {
		t.Fatalf("login on the target: %s", raw)
	}
	code, raw := call("GET", "/api/v1/courses/"+demoSlug, tk.Token, nil)
	if code != 200 {
		t.Fatalf("course on the target: %d %s", code, raw)
	}
	var c content.Course
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	video, err := demoFiles.ReadFile("demo/kotalama-demo.mp4")
	if err != nil {
		t.Fatal(err)
	}
	served := false
	for _, l := range c.Lessons() {
		if l.Kind != content.KindVideo {
			continue
		}
		code, body := call("GET", "/media/"+l.AssetID, tk.Token, nil)
		if code != 200 || !bytes.Equal(body, video) {
			t.Fatalf("video on the target: %d, %d bytes, want the %d bytes uploaded", code, len(body), len(video))
		}
		served = true
	}
	if !served {
		t.Fatal("the demo course has no video lesson")
	}
	code, raw = call("GET", "/api/v1/search?q=kompetensi", tk.Token, nil)
	if code != 200 || !strings.Contains(string(raw), c.ID) {
		t.Fatalf("search on the target: %d %s", code, raw)
	}
}
