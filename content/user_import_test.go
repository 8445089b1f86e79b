package content

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// testNIP is a valid NIP, different for each i below 50,000.
func testNIP(i int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%10000)
	return birth.Format("20060102") + "201503" + "1" + fmt.Sprintf("%03d", i/10000)
}

func countDocs(t *testing.T, s *Service, coll string) int64 {
	t.Helper()
	n, err := s.docs.C(coll).Count(context.Background(), docs.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func readRows(t *testing.T, src string) *UserRows {
	t.Helper()
	rows, err := ReadUserCSV(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func importSetup(t *testing.T) (*Service, User) {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	admin := User{NIP: "198001012005011001", Name: "Admin", Roles: []string{RoleAdmin}}
	for _, code := range []string{"BKPSDM", "DISDIK", "DISKOMINFO"} {
		if _, err := s.PutUnit(ctx, admin, code, UnitInput{Name: "Unit " + code}); err != nil {
			t.Fatal(err)
		}
	}
	return s, admin
}

// TestImportUsersDryRunThenReal: a dry run reports and writes nothing; the
// real run creates and updates, gives new accounts activation codes and no
// password, notifies those with email, audits once; the same file again
// changes nothing.
func TestImportUsersDryRunThenReal(t *testing.T) {
	s, admin := importSetup(t)
	ctx := context.Background()
	boss, err := s.CreateUser(ctx, NewUser{NIP: testNIP(1), Name: "Kepala", Unit: "BKPSDM", Position: "Kepala Badan", Password: "kata-sandi-rahasia-1"})
	if err != nil {
		t.Fatal(err)
	}
	// Semicolons, a BOM, Indonesian headers in another order; the first
	// new user names a supervisor further down the file.
	src := "\ufeffNama;NIP;unit;jabatan;supervisor_nip;email;roles\r\n" +
		"Budi;" + testNIP(2) + ";DISDIK;Guru;" + testNIP(3) + ";budi@kotalama.go.id;\r\n" +
		"Sari;" + testNIP(3) + ";DISDIK;Kepala Sekolah;" + testNIP(1) + ";;pengajar\r\n" +
		"Kepala;" + testNIP(1) + ";BKPSDM;Kepala Badan BKPSDM;;;\r\n"
	users0, audit0 := countDocs(t, s, collUsers), countDocs(t, s, collAudit)

	var calls, last int
	rep, err := s.ImportUsers(ctx, admin, readRows(t, src), true, func(done, total int) { calls++; last = done })
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 || rep.Created != 2 || rep.Updated != 1 || rep.Unchanged != 0 || rep.Rows != 3 {
		t.Fatalf("dry run: %+v", rep)
	}
	if calls != 3 || last != 3 {
		t.Errorf("progress: %d calls, last %d", calls, last)
	}
	if len(rep.Changes) != 3 || rep.Changes[2].Action != "update" || strings.Join(rep.Changes[2].Fields, ",") != "position" {
		t.Errorf("changes: %+v", rep.Changes)
	}
	if countDocs(t, s, collUsers) != users0 || countDocs(t, s, collActivations) != 0 || countDocs(t, s, collAudit) != audit0 || len(rep.Activations) != 0 {
		t.Fatal("the dry run wrote")
	}

	rep, err = s.ImportUsers(ctx, admin, readRows(t, src), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 || rep.Created != 2 || rep.Updated != 1 || len(rep.Activations) != 2 {
		t.Fatalf("real run: %+v", rep)
	}
	budi, err := s.User(ctx, testNIP(2))
	if err != nil || budi.Name != "Budi" || budi.Unit != "DISDIK" || budi.SupervisorNIP != testNIP(3) ||
		budi.Email != "budi@kotalama.go.id" || budi.PasswordHash != "" || strings.Join(budi.Roles, ",") != RoleLearner {
		t.Fatalf("budi = %+v, %v", budi, err)
	}
	if sari, _ := s.User(ctx, testNIP(3)); strings.Join(sari.Roles, ",") != RoleTrainer {
		t.Errorf("sari's roles %v", sari.Roles)
	}
	if b, _ := s.User(ctx, boss.NIP); b.Position != "Kepala Badan BKPSDM" || b.PasswordHash != boss.PasswordHash {
		t.Errorf("boss = %+v", b)
	}
	// No password: no sign-in, not even with the dummy hash's password.
	for _, pw := range []string{"", "kompeten-dummy-password"} {
		if _, err := s.Authenticate(ctx, budi.NIP, pw, "10.0.0.1"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("sign-in without a password: %v", err)
		}
	}
	// Only Budi has an email: one notification, with the activation link.
	if n := countDocs(t, s, collNotifications); n != 1 {
		t.Fatalf("%d notifications", n)
	}
	var code string
	for _, a := range rep.Activations {
		if a.NIP == budi.NIP {
			code = a.Code
		}
	}
	if _, err := s.Activate(ctx, code, "kata-sandi-baru-budi"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, budi.NIP, "kata-sandi-baru-budi", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	log, _, _ := s.AuditLog(ctx, admin, "", 1)
	if countDocs(t, s, collAudit) != audit0+1 || log[0].Action != "user.import" || !strings.Contains(log[0].After, `"created":2`) {
		t.Fatalf("audit: %+v", log)
	}

	acts := countDocs(t, s, collActivations)
	rep, err = s.ImportUsers(ctx, admin, readRows(t, src), false, nil)
	if err != nil || rep.Created+rep.Updated != 0 || rep.Unchanged != 3 || len(rep.Activations) != 0 || countDocs(t, s, collActivations) != acts {
		t.Fatalf("re-import: %+v, %v", rep, err)
	}
	if b, _ := s.User(ctx, budi.NIP); b.PasswordHash == "" {
		t.Fatal("re-import lost the password set by activation")
	}

	if _, err := s.ImportUsers(ctx, budi, readRows(t, src), true, nil); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner imported: %v", err)
	}
}

// TestImportUsersErrors: every kind of bad line is reported with its line
// and column, and a file with any error writes nothing, good lines
// included.
func TestImportUsersErrors(t *testing.T) {
	s, admin := importSetup(t)
	ctx := context.Background()
	src := "nip,name,email,phone,unit,position,supervisor_nip,roles\n" +
		testNIP(10) + ",Baik,,,DISDIK,,,\n" + // 2: good
		"12345,Pendek,,,,,,\n" + // 3: nip
		testNIP(11) + ",,,,,,,\n" + // 4: name
		testNIP(12) + ",Surat,bukan email,,,,,\n" + // 5: email
		testNIP(13) + ",Unit,,,DINAS-ANTAH,,,\n" + // 6: unit
		testNIP(14) + ",Atasan,,,,," + testNIP(99) + ",\n" + // 7: supervisor unknown
		testNIP(15) + ",Diri,,,,," + testNIP(15) + ",\n" + // 8: supervisor self
		testNIP(10) + ",Ganda,,,,,,\n" + // 9: duplicate of line 2
		testNIP(16) + ",Peran,,,,,,superuser\n" + // 10: role
		testNIP(17) + ",Telepon,,abc,,,,\n" + // 11: phone
		testNIP(18) + ",Kurang\n" + // 12: fields
		testNIP(19) + ",\"Ku\"tip\",,,,,,\n" // 13: quote
	rep, err := s.ImportUsers(ctx, admin, readRows(t, src), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line  int
		field string
		code  string
	}{
		{3, "nip", "nip.length"}, {4, "name", "required"}, {5, "email", "user.email"}, {6, "unit", "unit.unknown"},
		{7, "supervisor_nip", "import.supervisor_unknown"}, {8, "supervisor_nip", "import.supervisor_self"},
		{9, "nip", "import.duplicate"}, {10, "roles", "user.role"}, {11, "phone", "user.phone"},
		{12, "", "usercsv.fields"}, {13, "", "usercsv.quote"},
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors: %+v", rep.Errors)
	}
	for i, w := range want {
		if e := rep.Errors[i]; e.Line != w.line || e.Field != w.field || e.Code != w.code {
			t.Errorf("error %d = %+v, want line %d %s %s", i, e, w.line, w.field, w.code)
		}
	}
	if rep.Errors[6].Args[0] != 2 {
		t.Errorf("duplicate names line %v", rep.Errors[6].Args)
	}
	if countDocs(t, s, collUsers) != 0 || countDocs(t, s, collActivations) != 0 || len(rep.Activations) != 0 {
		t.Fatal("a file with errors wrote")
	}
}

// TestImportUsers10000BadLines: 10,000 bad lines give 10,000 errors, each
// with its line, and write nothing.
func TestImportUsers10000BadLines(t *testing.T) {
	s, admin := importSetup(t)
	var b strings.Builder
	b.WriteString("nip,name,unit\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "%s,Pegawai %d,BELUM-ADA\n", testNIP(i), i)
	}
	rep, err := s.ImportUsers(context.Background(), admin, readRows(t, b.String()), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 10000 {
		t.Fatalf("%d errors", len(rep.Errors))
	}
	for i, e := range rep.Errors {
		if e.Line != i+2 || e.Field != "unit" {
			t.Fatalf("error %d: %+v", i, e)
		}
	}
	if countDocs(t, s, collUsers) != 0 {
		t.Fatal("wrote users")
	}
}

// TestImportKeepsWhatTheFileLacks: a column the file does not have is
// left alone, and an empty roles cell keeps the roles (a file without
// roles must not demote an admin).
func TestImportKeepsWhatTheFileLacks(t *testing.T) {
	s, admin := importSetup(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, NewUser{NIP: testNIP(5), Name: "Lama", Email: "lama@kotalama.go.id", Unit: "BKPSDM",
		Roles: []string{RoleAdmin}, Password: "kata-sandi-rahasia-5"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportUsers(ctx, admin, readRows(t, "nip,name,roles\n"+u.NIP+",Baru,\n"), false, nil)
	if err != nil || rep.Updated != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	got, _ := s.User(ctx, u.NIP)
	if got.Name != "Baru" || got.Email != u.Email || got.Unit != u.Unit || !got.IsAdmin || strings.Join(got.Roles, ",") != RoleAdmin {
		t.Fatalf("got %+v", got)
	}
}

func TestReadUserCSVRefusals(t *testing.T) {
	for src, reason := range map[string]string{
		"nip,name\n1,\x00":                          "binary",
		"nip,name,kantor\n":                         "header_unknown",
		"nip,name\n1," + strings.Repeat("x", 1<<20): "cell_too_large",
	} {
		_, err := ReadUserCSV(strings.NewReader(src))
		var r *ImportRefused
		if !errors.As(err, &r) || r.Reason != reason || r.Message().Code != "usercsv."+reason {
			t.Errorf("%.20q: %v, want %s", src, err, reason)
		}
	}
}

// TestImportJobProgress: progress reaches the store for any instance to
// read, only for the admin who started the job.
func TestImportJobProgress(t *testing.T) {
	s, admin := importSetup(t)
	ctx := context.Background()
	j, err := s.StartImportJob(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	progress, finish := s.ImportProgress(ctx, admin, j.ID)
	progress(1, 10)
	got, err := s.ImportJob(ctx, admin, j.ID)
	if err != nil || got.Done != 1 || got.Total != 10 || got.Finished {
		t.Fatalf("%+v %v", got, err)
	}
	progress(5, 10)
	finish()
	if got, _ = s.ImportJob(ctx, admin, j.ID); got.Done != 10 || !got.Finished {
		t.Fatalf("finished: %+v", got)
	}
	other := User{NIP: testNIP(7), Roles: []string{RoleAdmin}}
	if _, err := s.ImportJob(ctx, other, j.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another admin read the job: %v", err)
	}
	if _, err := s.StartImportJob(ctx, User{NIP: testNIP(8)}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a learner started a job: %v", err)
	}
}
