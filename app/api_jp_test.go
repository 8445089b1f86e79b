package app

import (
	"context"
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// completeFixture completes the fixture's 4 JP course for the enrolled
// learner through the API.
func completeFixture(t *testing.T, e *testEnv, f *fixture) {
	t.Helper()
	tok := f.tokens["enrolled"]
	for _, l := range []string{f.text, f.video} {
		mustStatus(t, e.api("GET", "/api/v1/lessons/"+l, tok, nil), 200, "open lesson")
	}
	e.advance(2 * time.Minute)
	mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.text+"/progress", tok, map[string]any{"done": true}), 200, "text")
	mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.video+"/progress", tok, map[string]any{"watched": [][2]float64{{0, 95}}}), 200, "video")
}

// TestMyJP: /api/v1/me and /api/v1/me/jp read the ledger: a completed
// course and an event credit, each once; another year is empty; a bad
// year is a 422 naming the field; each learner sees only their own.
func TestMyJP(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	completeFixture(t, e, f)
	svc := e.app.Service()
	if _, err := svc.CreditJP(context.Background(), content.JPEntry{User: learnerNIP, Source: content.SourceEvent, Ref: "ev1",
		Title: "Seminar Pelayanan", JP: 3, Kind: "seminar"}); err != nil {
		t.Fatal(err)
	}
	tok := f.tokens["enrolled"]
	me := mustStatus(t, e.api("GET", "/api/v1/me", tok, nil), 200, "me")
	if me["jp_this_year"] != float64(7) || me["jp_target"] != float64(20) {
		t.Errorf("me %v", me)
	}
	jp := mustStatus(t, e.api("GET", "/api/v1/me/jp", tok, nil), 200, "me/jp")
	entries := jp["entries"].([]any)
	if jp["total"] != float64(7) || jp["target"] != float64(20) || len(entries) != 2 {
		t.Fatalf("me/jp %v", jp)
	}
	first := entries[0].(map[string]any)
	if first["source"] != "course" || first["ref"] != f.course || first["title"] != "Pelayanan Publik Prima" || first["jp"] != float64(4) || first["at"] == "" {
		t.Errorf("course entry %v", first)
	}
	if second := entries[1].(map[string]any); second["source"] != "event" || second["ref"] != "ev1" || second["jp"] != float64(3) {
		t.Errorf("event entry %v", second)
	}
	year := svc.CurrentYear()
	past := mustStatus(t, e.api("GET", "/api/v1/me/jp?year="+strconv.Itoa(year-1), tok, nil), 200, "last year")
	if past["total"] != float64(0) || len(past["entries"].([]any)) != 0 {
		t.Errorf("last year %v", past)
	}
	bad := mustStatus(t, e.api("GET", "/api/v1/me/jp?year=20x6", tok, nil), 422, "bad year")
	if fields, _ := bad["error"].(map[string]any)["fields"].(map[string]any); fields["year"] == nil {
		t.Errorf("bad year names no field: %v", bad)
	}
	other := mustStatus(t, e.api("GET", "/api/v1/me/jp", f.tokens["learner2"], nil), 200, "other learner")
	if other["total"] != float64(0) {
		t.Errorf("another learner sees %v", other)
	}
	mustStatus(t, e.api("GET", "/api/v1/me/jp", "", nil), 401, "anonymous")
	// Completing again (another report) credits nothing more.
	mustStatus(t, e.api("POST", "/api/v1/lessons/"+f.text+"/progress", tok, map[string]any{"done": true}), 200, "again")
	if again := mustStatus(t, e.api("GET", "/api/v1/me/jp", tok, nil), 200, "me/jp"); again["total"] != float64(7) {
		t.Errorf("after another report: %v", again["total"])
	}
	// The home page shows both credits.
	b := e.browser()
	b.login(learnerNIP)
	home := string(b.get("/").body)
	if !strings.Contains(home, "Seminar Pelayanan · 3 JP") || !strings.Contains(home, `href="/courses/`+f.course+`">Pelayanan Publik Prima</a> · 4 JP`) {
		t.Errorf("home credits missing:\n%s", home)
	}
}

// TestJPLedgerCSV: the SIASN export has the upload's columns, one row per
// credit, whole hours, dates day-month-year in WIB, the organiser and the
// certificate number; a unit takes its sub-units; formulas are defused;
// admins only; the report page links to it.
func TestJPLedgerCSV(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	completeFixture(t, e, f)
	ctx := context.Background()
	svc := e.app.Service()
	admin := mustUser(t, e, adminNIP)
	if _, err := svc.PutUnit(ctx, admin, "Puskesmas Kota", content.UnitInput{Name: "Puskesmas Kota", Parent: "Dinas Kesehatan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreditJP(ctx, content.JPEntry{User: learner2NIP, Unit: "Puskesmas Kota", Name: "Budi Santoso", Source: content.SourceEvent, Ref: "ev2",
		Title: "=HYPERLINK(\"http://x\")", JP: 2, Kind: "workshop", Organiser: "Dinas Kesehatan",
		At: time.Date(2023, 12, 31, 18, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreditJP(ctx, content.JPEntry{User: learner2NIP, Source: content.SourceMentoring, Ref: "s1", Title: "Bimbingan", JP: 1}); err != nil {
		t.Fatal(err)
	}
	tok := e.token(adminNIP)
	year := svc.CurrentYear()
	read := func(q string, want int) [][]string {
		t.Helper()
		r := e.api("GET", "/api/v1/reports/jp-ledger.csv?"+q, tok, nil)
		if r.StatusCode != 200 || !strings.HasPrefix(string(r.body), "\ufeff") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %q\n%s", q, r.StatusCode, r.Header.Get("Content-Type"), r.body)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.body), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], "|") != "NIP|Nama|Nama Kursus|Jenis Kursus|Tanggal Mulai|Tanggal Selesai|Jumlah Jam|Institusi Penyelenggara|Nomor Sertifikat" {
			t.Errorf("columns %v", rows[0])
		}
		if len(rows)-1 != want {
			t.Errorf("%s: %d rows, want %d:\n%s", q, len(rows)-1, want, r.body)
		}
		return rows[1:]
	}
	en, err := svc.Enrollment(ctx, learnerNIP, f.course)
	if err != nil {
		t.Fatal(err)
	}
	wibDate := func(t time.Time) string { return t.In(time.FixedZone("WIB", 7*3600)).Format("02-01-2006") }
	rows := read("unit=Dinas+Kesehatan&year="+strconv.Itoa(year), 1)
	course := []string{learnerNIP, "Siti Rahmawati", "Pelayanan Publik Prima", "Kursus (e-learning)", wibDate(en.Created), wibDate(en.Completed),
		"4", content.Issuer, en.Certificate}
	if len(rows) == 1 && strings.Join(rows[0], "|") != strings.Join(course, "|") {
		t.Errorf("course row\n got %v\nwant %v", rows[0], course)
	}
	// 31 December 2023 18:00 UTC is 1 January 2024 in WIB: the
	// sub-unit's event is in the unit's 2024, not 2023.
	read("unit=Dinas+Kesehatan&year=2023", 0)
	rows = read("unit=Dinas+Kesehatan&year=2024", 1)
	if len(rows) == 1 {
		want := []string{learner2NIP, "Budi Santoso", "'=HYPERLINK(\"http://x\")", "Workshop", "01-01-2024", "01-01-2024", "2", "Dinas Kesehatan", ""}
		if strings.Join(rows[0], "|") != strings.Join(want, "|") {
			t.Errorf("event row\n got %v\nwant %v", rows[0], want)
		}
	}
	all := read("year="+strconv.Itoa(year), 2)
	for _, r := range all {
		if r[6] != strings.TrimLeft(r[6], "-.,") || strings.ContainsAny(r[6], ".,") {
			t.Errorf("hours not whole: %v", r)
		}
	}
	read("unit=Dinas+Pendidikan&year="+strconv.Itoa(year), 1) // the mentoring credit
	mustStatus(t, e.api("GET", "/api/v1/reports/jp-ledger.csv", f.tokens["enrolled"], nil), 403, "learner")
	mustStatus(t, e.api("GET", "/api/v1/reports/jp-ledger.csv", f.tokens["owner"], nil), 403, "trainer")
	mustStatus(t, e.api("GET", "/api/v1/reports/jp-ledger.csv?unit=Tidak+Ada", tok, nil), 422, "unknown unit")
	mustStatus(t, e.api("GET", "/api/v1/reports/jp-ledger.csv?unit=a%2Fb", tok, nil), 422, "bad unit")
	mustStatus(t, e.api("GET", "/api/v1/reports/jp-ledger.csv?year=1", tok, nil), 422, "bad year")
	// The report page: the unit with its sub-unit, and the links.
	b := e.browser()
	b.login(adminNIP)
	page := b.get("/admin/jp?" + url.Values{"unit": {"Dinas Kesehatan"}, "year": {"2024"}}.Encode())
	body := string(page.body)
	if page.StatusCode != 200 || !strings.Contains(body, `data-testid="jp-ledger-csv"`) || !strings.Contains(body, "/admin/jp-ledger.csv?unit=Dinas&#43;Kesehatan&amp;year=2024") ||
		!strings.Contains(body, `data-nip="`+learner2NIP+`"`) || !strings.Contains(body, `data-testid="jp-rollup"`) {
		t.Errorf("report page %d:\n%s", page.StatusCode, body)
	}
	if r := b.get("/admin/jp-ledger.csv?year=2024"); r.StatusCode != 200 || !strings.Contains(string(r.body), "Budi Santoso") {
		t.Errorf("page CSV %d\n%s", r.StatusCode, r.body)
	}
	if r := b.get("/admin/jp"); !strings.Contains(string(r.body), `data-testid="jp-ledger-csv-all"`) {
		t.Errorf("no city-wide export link")
	}
}

// TestLedgerMigratedOnStart: completions written before the ledger
// existed are in it once the server has started, and the migration is
// recorded done so no instance runs it again.
func TestLedgerMigratedOnStart(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	ctx := context.Background()
	year := e.app.Service().CurrentYear()
	done := e.app.Service().Now().UTC().Truncate(time.Millisecond)
	// As an older release left it: completed, certificate code and all,
	// but no ledger entry.
	if _, err := docs.Update(ctx, e.stores.Docs.C("enrollments"), learnerNIP+"/"+f.course, func(en *content.Enrollment) error {
		en.Completed, en.JP, en.JPYear, en.Percent, en.Certificate = done, 4, year, 100, "abcdefghjkmnp"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if jp, _ := e.app.Service().JPFor(ctx, learnerNIP, year); jp.Total != 0 {
		t.Fatalf("ledger already holds %d", jp.Total)
	}
	e.serve(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := e.app.Service().OnceDone(ctx, content.JPLedgerMigration)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("migration not done after 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	jp, err := e.app.Service().JPFor(ctx, learnerNIP, year)
	if err != nil || jp.Total != 4 || len(jp.Entries) != 1 || jp.Entries[0].Certificate != "abcdefghjkmnp" {
		t.Fatalf("after start: %+v, %v", jp, err)
	}
	// Another start (the same store) finds it done and writes nothing.
	if err := e.app.migrateLedgerOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := e.stores.Docs.C("jp_ledger").Count(ctx, docs.Query{Where: []docs.Eq{{Field: "year", Value: year}}}); err != nil || n != 1 {
		t.Errorf("ledger entries %d, %v", n, err)
	}
}
