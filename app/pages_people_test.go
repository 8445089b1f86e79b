package app

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// seedPeople gives the people pages something to show: a unit tree, the
// learner in it with a supervisor and contact details (audited).
func seedPeople(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	svc := e.app.Service()
	admin, err := svc.User(ctx, adminNIP)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ code, name, parent string }{
		{"DINKES", "Dinas Kesehatan", ""}, {"DINKES-YAN", "Bidang Pelayanan Kesehatan", "DINKES"},
		{"DINKES-YAN-RJK", "Seksi Rujukan", "DINKES-YAN"}, {"DISDIK", "Dinas Pendidikan", ""},
	} {
		if _, err := svc.PutUnit(ctx, admin, u.code, content.UnitInput{Name: u.name, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	unit, sup, pos, email, phone := "DINKES-YAN", trainerNIP, "Perawat Ahli Muda", "siti@kotalama.go.id", "0812-3456-7890"
	if _, err := svc.UpdateUser(ctx, admin, learnerNIP, content.UserPatch{Unit: &unit, SupervisorNIP: &sup, Position: &pos, Email: &email, Phone: &phone}); err != nil {
		t.Fatal(err)
	}
}

// TestPeoplePages: the admin's units, users and audit pages, and
// everyone's profile, through forms with CSRF tokens.
func TestPeoplePages(t *testing.T) {
	e := peopleEnv(t)
	learner := e.browser()
	learner.login(learnerNIP)
	for _, p := range []string{"/admin/users", "/admin/users/" + learnerNIP, "/admin/units", "/admin/audit"} {
		if r := learner.get(p); r.StatusCode != 403 {
			t.Errorf("learner %s: %d, want 403", p, r.StatusCode)
		}
	}
	admin := e.browser()
	admin.login(adminNIP)

	// Units: the tree, then a new seksi under the bidang.
	r := admin.get("/admin/units")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), "Bidang Pelayanan") || !strings.Contains(string(r.body), `data-testid="unit-tree"`) {
		t.Fatalf("units page: %d", r.StatusCode)
	}
	tok := admin.csrf("/admin/units")
	r = admin.post("/admin/units", url.Values{"_csrf": {tok}, "code": {"DINKES-YAN-1"}, "name": {"Seksi Rujukan"}, "parent": {"DINKES-YAN"}})
	if r.StatusCode != 303 {
		t.Fatalf("add unit: %d %s", r.StatusCode, r.body)
	}
	r = admin.post("/admin/units", url.Values{"_csrf": {tok}, "code": {"DINKES"}, "name": {"Dinas Kesehatan"}, "parent": {"DINKES-YAN-1"}, "editing": {"1"}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "unit induk tidak boleh") {
		t.Fatalf("cycle: %d", r.StatusCode)
	}
	r = admin.get("/admin/units?edit=DINKES-YAN-1")
	body := string(r.body)
	// Nested: the seksi's list sits inside the bidang's item.
	if i, j := strings.Index(body, "Bidang Pelayanan"), strings.Index(body, "Seksi Rujukan"); i < 0 || j < i || !strings.Contains(body, `value="DINKES-YAN-1" maxlength="100" required readonly`) {
		t.Fatalf("edit form / tree order: %d", r.StatusCode)
	}

	// Users: search, filters, count.
	r = admin.get("/admin/users?q=siti")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), "Siti Rahmawati") || strings.Contains(string(r.body), "Budi Santoso") ||
		!strings.Contains(string(r.body), "1 pengguna ditemukan") {
		t.Fatalf("users search: %d", r.StatusCode)
	}
	r = admin.get("/admin/users?unit=DINKES-YAN")
	if !strings.Contains(string(r.body), "Budi Santoso") || strings.Contains(string(r.body), "Siti Rahmawati") {
		t.Fatal("unit filter")
	}
	if r := admin.get("/admin/users?role=raja"); r.StatusCode != 422 {
		t.Fatalf("bad role: %d", r.StatusCode)
	}

	// A user: edit with an error, then save; disable; reset.
	userPath := "/admin/users/" + learner2NIP
	tok = admin.csrf(userPath)
	form := url.Values{"_csrf": {tok}, "name": {"Budi Santoso"}, "email": {"budi@"}, "phone": {""}, "unit": {"DINKES-YAN"},
		"position": {"Guru"}, "supervisor_nip": {learnerNIP}, "active": {"1"}}
	r = admin.post(userPath, form)
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "alamat email tidak valid") || !strings.Contains(string(r.body), `value="budi@"`) {
		t.Fatalf("bad email: %d", r.StatusCode)
	}
	form.Set("email", "budi@kotalama.go.id")
	form.Set("role_trainer", "1")
	r = admin.post(userPath, form)
	if r.StatusCode != 303 {
		t.Fatalf("save: %d %s", r.StatusCode, r.body)
	}
	r = admin.get(userPath + "?saved=1")
	if !strings.Contains(string(r.body), "Perubahan tersimpan") || !strings.Contains(string(r.body), `name="role_trainer" value="1" checked`) ||
		!strings.Contains(string(r.body), "Siti Rahmawati") {
		t.Fatal("saved user page")
	}
	r = admin.post(userPath+"/reset", url.Values{"_csrf": {tok}})
	if r.StatusCode != 200 || !strings.Contains(string(r.body), "https://kompeten.kotalama.go.id/activate/") {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	budi := e.browser()
	budi.login(learner2NIP)
	form.Set("active", "0")
	if r := admin.post(userPath, form); r.StatusCode != 303 {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	if r := budi.get("/profile"); r.StatusCode == 200 {
		t.Fatal("a disabled user's session goes on")
	}
	if r := admin.get("/admin/users?active=0"); !strings.Contains(string(r.body), "Budi Santoso") || !strings.Contains(string(r.body), "Nonaktif") {
		t.Fatal("disabled filter")
	}

	// The audit log: newest first, before and after side by side.
	r = admin.get("/admin/audit")
	body = string(r.body)
	if r.StatusCode != 200 || !strings.Contains(body, "user.update") || !strings.Contains(body, "user.reset") || !strings.Contains(body, "unit.put") ||
		!strings.Contains(body, `<tr class="changed"><th scope="row">email`) || !strings.Contains(body, "budi@kotalama.go.id") {
		t.Fatalf("audit page: %d", r.StatusCode)
	}
	if strings.Index(body, "user.update") > strings.Index(body, "unit.put") {
		t.Fatal("audit log not newest first")
	}
	// The header's one admin link marks the section; the hub links every tool.
	if !strings.Contains(body, `href="/admin" aria-current="true"`) {
		t.Fatal("admin nav")
	}
	hub := string(admin.get("/admin").body)
	for _, href := range []string{"/admin/users", "/admin/users/import", "/admin/units", "/admin/assignments", "/paths",
		"/admin/jp", "/admin/jp-ledger.csv", "/admin/audit", "/admin/settings"} {
		if !strings.Contains(hub, `href="`+href+`"`) {
			t.Errorf("the admin hub has no link to %s", href)
		}
	}
	if !strings.Contains(hub, `href="/admin" aria-current="page"`) {
		t.Error("the hub's own link is not marked current")
	}
}

// TestProfilePage: own data read-only, contact editable, password change
// and "sign out elsewhere" keep this browser signed in.
func TestProfilePage(t *testing.T) {
	e := peopleEnv(t)
	other := e.token(learner2NIP)
	b := e.browser()
	b.login(learner2NIP)
	r := b.get("/profile")
	body := string(r.body)
	if r.StatusCode != 200 || !strings.Contains(body, "Bidang Pelayanan") || !strings.Contains(body, "Siti Rahmawati") ||
		!strings.Contains(body, "Keluar dari perangkat lain") || strings.Contains(body, `name="name"`) {
		t.Fatalf("profile: %d", r.StatusCode)
	}
	tok := b.csrf("/profile")
	if r := b.post("/profile", url.Values{"_csrf": {tok}, "email": {"nope"}, "phone": {""}}); r.StatusCode != 422 || !strings.Contains(string(r.body), "alamat email tidak valid") {
		t.Fatalf("bad email: %d", r.StatusCode)
	}
	if r := b.post("/profile", url.Values{"_csrf": {tok}, "email": {"budi@kotalama.go.id"}, "phone": {"0812-1111-2222"}}); r.StatusCode != 303 {
		t.Fatalf("contact: %d", r.StatusCode)
	}
	if r := b.get("/profile?saved=contact"); !strings.Contains(string(r.body), `value="0812-1111-2222"`) {
		t.Fatal("contact not saved")
	}
	if r := b.post("/profile/password", url.Values{"_csrf": {tok}, "current": {"salah-salah-salah"}, "new": {"kata-sandi-baru-sekali"}, "confirm": {"kata-sandi-baru-sekali"}}); r.StatusCode != 422 ||
		!strings.Contains(string(r.body), "kata sandi saat ini salah") {
		t.Fatalf("wrong current: %d", r.StatusCode)
	}
	if r := b.post("/profile/password", url.Values{"_csrf": {tok}, "current": {testPass}, "new": {"kata-sandi-baru-sekali"}, "confirm": {"kata-sandi-baru-sekali"}}); r.StatusCode != 303 {
		t.Fatalf("change: %d %s", r.StatusCode, r.body)
	}
	if r := b.get("/profile?saved=password"); r.StatusCode != 200 || !strings.Contains(string(r.body), "Kata sandi diganti") {
		t.Fatalf("this browser signed out by its own change: %d", r.StatusCode)
	}
	if e.api("GET", "/api/v1/me", other, nil).StatusCode != 401 {
		t.Fatal("other token survived the change")
	}
	// Sign out elsewhere.
	r2 := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learner2NIP, "password": "kata-sandi-baru-sekali"})
	tok2 := r2.json(t)["token"].(string)
	if r := b.post("/profile/sessions/end", url.Values{"_csrf": {tok}}); r.StatusCode != 303 {
		t.Fatalf("end others: %d", r.StatusCode)
	}
	if e.api("GET", "/api/v1/me", tok2, nil).StatusCode != 401 {
		t.Fatal("sign out elsewhere left a token")
	}
	if r := b.get("/profile?saved=sessions"); r.StatusCode != 200 || !strings.Contains(string(r.body), "Tidak ada perangkat lain") {
		t.Fatalf("after sign out elsewhere: %d", r.StatusCode)
	}
}
