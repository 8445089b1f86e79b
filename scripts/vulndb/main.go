// Command vulndb builds a Go vulnerability database that govulncheck can
// read with -db file:///dir, from the OSV reports the golang.org/x/vulndb
// module ships. It is for machines that reach the Go module proxy but not
// vuln.go.dev: the module proxy serves the same reports, pinned by version.
//
//	go run ./scripts/vulndb -version v0.0.0-20261105234957-e22db6528018 -out ~/.cache/kompeten/vulndb-…
//
// The layout is the v1 schema govulncheck reads: index/db.json,
// index/modules.json, index/vulns.json and ID/GO-YYYY-NNNN.json.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	version := flag.String("version", "", "golang.org/x/vulndb module version (a pseudo-version; required)")
	out := flag.String("out", "", "directory to write the database to (required)")
	flag.Parse()
	if *version == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

// module is what `go mod download -json` says of the vulndb module.
type module struct {
	Dir, Info, Error string
}

func run(version, out string) error {
	cmd := exec.Command("go", "mod", "download", "-json", "golang.org/x/vulndb@"+version)
	cmd.Stderr = os.Stderr
	// Outside any module, so the project's go.mod is neither read nor changed.
	cmd.Dir = os.TempDir()
	b, err := cmd.Output()
	var m module
	if jerr := json.Unmarshal(b, &m); jerr != nil || m.Error != "" || m.Dir == "" {
		return fmt.Errorf("download golang.org/x/vulndb@%s: %v %s", version, err, m.Error)
	}
	// Reports in the repository carry no modification time (the live
	// database stamps them when it publishes); the module's commit time is
	// the closest truth.
	var info struct{ Time time.Time }
	if ib, err := os.ReadFile(m.Info); err == nil {
		_ = json.Unmarshal(ib, &info)
	}
	return build(filepath.Join(m.Dir, "data", "osv"), out, info.Time.UTC())
}

// entry is the part of an OSV report the indexes need; the report itself
// is copied unchanged.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type modVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type modIndex struct {
	Path  string    `json:"path"`
	Vulns []modVuln `json:"vulns"`
}

type vulnIndex struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

func build(src, out string, stamp time.Time) error {
	files, err := filepath.Glob(filepath.Join(src, "GO-*.json"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no OSV reports in %s", src)
	}
	// Write beside the target and rename, so an interrupted run never
	// leaves a half database that later runs would trust.
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".vulndb-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "ID"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "index"), 0o755); err != nil {
		return err
	}
	mods := map[string]*modIndex{}
	var vulns []vulnIndex
	var newest time.Time
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if e.ID == "" || strings.ContainsAny(e.ID, `/\`) {
			return fmt.Errorf("%s: bad id %q", f, e.ID)
		}
		if e.Modified.Year() < 2000 {
			e.Modified = stamp
			// govulncheck prints the modification time; the zero time
			// reads as a database that was never updated.
			b = bytes.Replace(b, []byte(`"modified": "0001-01-01T00:00:00Z"`),
				[]byte(`"modified": "`+stamp.Format(time.RFC3339)+`"`), 1)
		}
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), b, 0o644); err != nil {
			return err
		}
		vulns = append(vulns, vulnIndex{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		seen := map[string]bool{}
		for _, a := range e.Affected {
			p := a.Package.Name
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			if mods[p] == nil {
				mods[p] = &modIndex{Path: p}
			}
			// No "fixed" hint: it is optional, and leaving it out only
			// makes govulncheck read the full report before deciding.
			mods[p].Vulns = append(mods[p].Vulns, modVuln{ID: e.ID, Modified: e.Modified})
		}
	}
	modList := make([]*modIndex, 0, len(mods))
	for _, m := range mods {
		modList = append(modList, m)
	}
	slices.SortFunc(modList, func(a, b *modIndex) int { return strings.Compare(a.Path, b.Path) })
	for name, v := range map[string]any{
		"db.json": struct {
			Modified time.Time `json:"modified"`
		}{newest},
		"modules.json": modList,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "vulndb: %d reports, %d modules -> %s\n", len(vulns), len(modList), out)
	return nil
}
