package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
)

// TestUserImportCLI: a dry run writes nothing; the import writes the new
// accounts' activation links to a private file; the same file again
// changes nothing; a bad file names its lines and exits non-zero.
func TestUserImportCLI(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"KOMPETEN_DATA": dir})
	cfg, err := app.ParseConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := app.OpenDocs(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	admin := content.User{NIP: "cli", Roles: []string{content.RoleAdmin}}
	if _, err := svc.PutUnit(ctx, admin, "BKPSDM", content.UnitInput{Name: "BKPSDM"}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	file := filepath.Join(dir, "pegawai.csv")
	src := "\ufeffnip;nama;unit;supervisor_nip\r\n198705052010011005;Rina;BKPSDM;\r\n199112122015032006;Dodi;BKPSDM;198705052010011005\r\n"
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	imp := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"user", "import"}, args...), nil, &out, &errb, env)
		return code, out.String(), errb.String()
	}
	code, out, errs := imp(file, "--dry-run")
	if code != 0 || !strings.Contains(out, "2 created, 0 updated, 0 unchanged, 0 errors") || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	links := filepath.Join(dir, "links.csv")
	code, out, errs = imp("--links", links, file)
	if code != 0 || !strings.Contains(out, "2 created") || !strings.Contains(out, "2 activation links written") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	st, err := os.Stat(links)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("links file: %v %v", st, err)
	}
	b, _ := os.ReadFile(links)
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][2] != "activation_url" || recs[1][0] != "198705052010011005" ||
		!strings.HasPrefix(recs[1][2], strings.TrimRight(cfg.BaseURL, "/")+"/activate/") {
		t.Fatalf("links %q %v", recs, err)
	}
	// Again: nothing changes, no links; links to stdout would be empty.
	code, out, errs = imp(file, "--links", "-")
	if code != 0 || !strings.Contains(errs, "0 created, 0 updated, 2 unchanged") || out != "" {
		t.Fatalf("re-import: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	// Bad lines: listed with line and column, exit 1, nothing written.
	if err := os.WriteFile(file, []byte("nip,name,unit\n199001012015031001,A,NOPE\n123,B,BKPSDM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = imp(file)
	if code != 1 || !strings.Contains(out, "pegawai.csv:2: unit: ") || !strings.Contains(out, "pegawai.csv:3: nip: ") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("bad file: exit %d\n%s%s", code, out, errs)
	}
	// A binary file is refused whole.
	if err := os.WriteFile(file, []byte("\x89PNG\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs = imp(file); code != 2 || !strings.Contains(errs, "UTF-8") {
		t.Fatalf("binary: exit %d %s", code, errs)
	}
	if code, _, _ = imp(); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
}
