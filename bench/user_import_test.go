package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

const (
	importUsers = 10_000
	importUnits = 50
)

// importNIP is a valid NIP, different for each i below 50,000.
func importNIP(i int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%10000)
	return birth.Format("20060102") + "201503" + "1" + fmt.Sprintf("%03d", i/10000)
}

// importFile is a city's personnel list: 10,000 people in 50 units (10
// dinas with 4 bidang each), the first person of each unit its head and
// the supervisor of the rest, half of them with an email address.
func importFile() []byte {
	var b bytes.Buffer
	b.WriteString("nip;name;email;phone;unit;position;supervisor_nip;roles\r\n")
	for i := range importUsers {
		unit := i % importUnits
		head := importNIP(unit)
		sup, pos := head, "Staf Pelaksana"
		if i < importUnits {
			sup, pos = "", "Kepala"
		}
		email := ""
		if i%2 == 0 {
			email = fmt.Sprintf("pegawai%d@kotalama.go.id", i)
		}
		fmt.Fprintf(&b, "%s;Pegawai Nomor %d;%s;0812%07d;%s;%s;%s;learner\r\n", importNIP(i), i, email, i, unitCode(unit), pos, sup)
	}
	return b.Bytes()
}

func unitCode(i int) string {
	if i < 10 {
		return fmt.Sprintf("DINAS%02d", i)
	}
	return fmt.Sprintf("DINAS%02d.BIDANG%02d", i%10, i)
}

// BenchmarkUserImport: 10,000 users with 50 units and supervisors, posted
// as CSV to a running `kompeten serve` (embedded defaults): the dry run,
// the real run, then the same file again (all unchanged). Each reports its
// seconds and the server's peak RSS. Goals: each run <= 30 s, RSS <= 150 MB.
func BenchmarkUserImport(b *testing.B) {
	srv := startServer(b, "user-import")
	cmd := exec.Command(binary(b), "user", "add", "--nip", adminNIP, "--name", "Bench Admin", "--role", "admin", "--password-stdin")
	cmd.Env = srv.env
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("user add admin: %v\n%s", err, out)
	}
	// Units through the domain beside the server, as an admin would make them.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(srv.Data, "kompeten.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		b.Fatal(err)
	}
	admin := content.User{NIP: adminNIP, Roles: []string{content.RoleAdmin}}
	for i := range importUnits {
		parent := ""
		if i >= 10 {
			parent = unitCode(i % 10)
		}
		if _, err := svc.PutUnit(ctx, admin, unitCode(i), content.UnitInput{Name: "Unit " + unitCode(i), Parent: parent}); err != nil {
			b.Fatal(err)
		}
	}
	store.Close()

	hc := newClient(2)
	tok := token(b, hc, srv.Base, adminNIP)
	file := importFile()
	run := func(name, query string) map[string]any {
		b.Helper()
		w := watchRSS(srv.Pid())
		start := time.Now()
		req, _ := http.NewRequest("POST", srv.Base+"/api/v1/users/import"+query, bytes.NewReader(file))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		peak, hwm, _ := w.Stop()
		if res.StatusCode != 200 {
			b.Fatalf("%s: %d %.2000s", name, res.StatusCode, body)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			b.Fatal(err)
		}
		if errs, _ := m["errors"].([]any); len(errs) > 0 {
			b.Fatalf("%s: %d errors, first %v", name, len(errs), errs[0])
		}
		b.ReportMetric(took.Seconds(), name+"_s")
		b.ReportMetric(max(peak, hwm), name+"_peak_RSS_MB")
		b.Logf("%s: %.1f s, peak RSS %.0f MiB, %v created, %v updated, %v unchanged", name, took.Seconds(), max(peak, hwm),
			m["created"], m["updated"], m["unchanged"])
		return m
	}
	b.ResetTimer()
	if m := run("dry", "?dry_run=1"); m["created"] != float64(importUsers) {
		b.Fatalf("dry run: %v created", m["created"])
	}
	m := run("real", "")
	if acts, _ := m["activations"].([]any); m["created"] != float64(importUsers) || len(acts) != importUsers {
		b.Fatalf("real run: %v created, %d links", m["created"], len(acts))
	}
	if m := run("again", ""); m["unchanged"] != float64(importUsers) {
		b.Fatalf("re-import: %v unchanged", m["unchanged"])
	}
	b.StopTimer()
	srv.stop()
}
