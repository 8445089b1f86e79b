package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// peopleEnv is newEnv with a small unit tree (Dinas Kesehatan above its
// Bidang Pelayanan), the learner in the bidang and the second learner on
// the first learner's team (the learner is an atasan).
func peopleEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newEnv(t, map[string]string{"KOMPETEN_BASE_URL": "https://kompeten.kotalama.go.id"})
	ctx := context.Background()
	svc := e.app.Service()
	admin, err := svc.User(ctx, adminNIP)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ code, name, parent string }{
		{"DINKES", "Dinas Kesehatan", ""},
		{"DINKES-YAN", "Bidang Pelayanan", "DINKES"},
		{"DISDIK", "Dinas Pendidikan", ""},
	} {
		if _, err := svc.PutUnit(ctx, admin, u.code, content.UnitInput{Name: u.name, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	unit, sup := "DINKES-YAN", learnerNIP
	if _, err := svc.UpdateUser(ctx, admin, learner2NIP, content.UserPatch{Unit: &unit, SupervisorNIP: &sup}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAPIUnits(t *testing.T) {
	e := peopleEnv(t)
	e.run(t, []scenario{
		{name: "anonymous", method: "GET", path: "/api/v1/units", status: 401},
		{name: "learner lists", method: "GET", path: "/api/v1/units", as: learnerNIP, status: 200,
			contains: []string{`"code":"DINKES-YAN"`, `"parent":"DINKES"`, `"name":"Bidang Pelayanan"`}},
		{name: "learner cannot put", method: "PUT", path: "/api/v1/units/BARU", as: learnerNIP, body: map[string]string{"name": "Baru"}, status: 403},
		{name: "admin adds a seksi", method: "PUT", path: "/api/v1/units/DINKES-YAN-1", as: adminNIP,
			body: map[string]string{"name": "Seksi Rujukan", "parent": "DINKES-YAN"}, status: 200, contains: []string{`"code":"DINKES-YAN-1"`}},
		{name: "cycle", method: "PUT", path: "/api/v1/units/DINKES", as: adminNIP,
			body: map[string]string{"name": "Dinas Kesehatan", "parent": "DINKES-YAN-1"}, status: 422, contains: []string{`"parent"`}},
		{name: "unknown parent", method: "PUT", path: "/api/v1/units/X", as: adminNIP,
			body: map[string]string{"name": "X", "parent": "NOPE"}, status: 422, contains: []string{`"parent"`}},
		{name: "name required", method: "PUT", path: "/api/v1/units/X", as: adminNIP,
			body: map[string]string{"name": ""}, status: 422, contains: []string{`"name"`}},
		{name: "unknown field", method: "PUT", path: "/api/v1/units/X", as: adminNIP,
			body: map[string]string{"name": "X", "colour": "red"}, status: 400},
	})
}

// listNIPs calls the users list and returns the NIPs, the total and the
// next page.
func listNIPs(t *testing.T, e *testEnv, token, query string) ([]string, int, string) {
	t.Helper()
	r := e.api("GET", "/api/v1/users?"+query, token, nil)
	if r.StatusCode != 200 {
		t.Fatalf("list %s: %d %s", query, r.StatusCode, r.body)
	}
	var l struct {
		Items []struct {
			NIP    string `json:"nip"`
			Active bool   `json:"active"`
		} `json:"items"`
		Total int    `json:"total"`
		Next  string `json:"next"`
	}
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range l.Items {
		out = append(out, it.NIP)
	}
	return out, l.Total, l.Next
}

func TestAPIUsersList(t *testing.T) {
	e := peopleEnv(t)
	admin := e.token(adminNIP)
	check := func(query string, want ...string) {
		t.Helper()
		got, total, _ := listNIPs(t, e, admin, query)
		if strings.Join(got, ",") != strings.Join(want, ",") || total != len(want) {
			t.Errorf("%q: got %v (total %d), want %v", query, got, total, want)
		}
	}
	// By name: Admin BKPSDM, Budi Santoso, Pengajar Lain, Siti Rahmawati, Widya Pengajar.
	check("", adminNIP, learner2NIP, trainer2NIP, learnerNIP, trainerNIP)
	check("q=SITI", learnerNIP)
	check("q=%20budi%20%20s", learner2NIP)
	check("q=pengajar", trainer2NIP)
	check("q=1987", trainerNIP)
	check("q=19920315", learnerNIP)
	check("unit=DINKES-YAN", learner2NIP)
	check("unit=DINKES-YAN&q=bu", learner2NIP)
	check("unit=DINKES-YAN&q=si")
	check("role=trainer", trainer2NIP, trainerNIP)
	check("role=admin&active=1", adminNIP)
	check("role=learner&q=1994", learner2NIP)

	// Disabled users are found by status, in every role.
	if r := e.api("PATCH", "/api/v1/users/"+trainer2NIP, admin, map[string]any{"active": false}); r.StatusCode != 200 {
		t.Fatalf("disable: %d %s", r.StatusCode, r.body)
	}
	check("active=0", trainer2NIP)
	check("active=1", adminNIP, learner2NIP, learnerNIP, trainerNIP)
	check("active=1&role=trainer", trainerNIP)
	check("active=false&unit=DINKES-YAN")

	// Pages of two: every user once, in order, the total on each page.
	var all []string
	page := ""
	for i := 0; ; i++ {
		got, total, next := listNIPs(t, e, admin, "limit=2&page="+url.QueryEscape(page))
		if total != 5 {
			t.Fatalf("page %d: total %d", i, total)
		}
		all = append(all, got...)
		if next == "" {
			break
		}
		if i > 5 {
			t.Fatal("paging does not end")
		}
		page = next
	}
	if strings.Join(all, ",") != strings.Join([]string{adminNIP, learner2NIP, trainer2NIP, learnerNIP, trainerNIP}, ",") {
		t.Fatalf("pages: %v", all)
	}
	// Merged facets page too: active users of any role, two at a time.
	got, total, next := listNIPs(t, e, admin, "active=1&limit=2")
	got2, _, _ := listNIPs(t, e, admin, "active=1&limit=2&page="+url.QueryEscape(next))
	if total != 4 || strings.Join(append(got, got2...), ",") != strings.Join([]string{adminNIP, learner2NIP, learnerNIP, trainerNIP}, ",") {
		t.Fatalf("merged pages: %v %v (total %d)", got, got2, total)
	}

	e.run(t, []scenario{
		{name: "anonymous", method: "GET", path: "/api/v1/users", status: 401},
		{name: "bad role", method: "GET", path: "/api/v1/users?role=raja", as: adminNIP, status: 422, contains: []string{`"role"`}},
		{name: "bad active", method: "GET", path: "/api/v1/users?active=maybe", as: adminNIP, status: 422, contains: []string{`"active"`}},
		{name: "long q", method: "GET", path: "/api/v1/users?q=" + strings.Repeat("a", 101), as: adminNIP, status: 422, contains: []string{`"q"`}},
		{name: "bad page", method: "GET", path: "/api/v1/users?page=%25%25", as: adminNIP, status: 400, contains: []string{`"page"`}},
		// The learner is the second learner's atasan: the team only.
		{name: "atasan sees the team", method: "GET", path: "/api/v1/users", as: learnerNIP, status: 200,
			contains: []string{learner2NIP, `"total":1`}, absent: []string{adminNIP, trainerNIP}},
		{name: "atasan searches the team", method: "GET", path: "/api/v1/users?q=siti", as: learnerNIP, status: 200,
			contains: []string{`"total":0`}},
		{name: "atasan reads a member", method: "GET", path: "/api/v1/users/" + learner2NIP, as: learnerNIP, status: 200,
			contains: []string{`"supervisor_nip":"` + learnerNIP}},
		{name: "atasan cannot read outside the team", method: "GET", path: "/api/v1/users/" + trainerNIP, as: learnerNIP, status: 403},
		{name: "atasan cannot patch", method: "PATCH", path: "/api/v1/users/" + learner2NIP, as: learnerNIP,
			body: map[string]any{"position": "Kepala"}, status: 403},
		{name: "no team, no list", method: "GET", path: "/api/v1/users", as: learner2NIP, status: 403},
		{name: "trainer has no team", method: "GET", path: "/api/v1/users", as: trainerNIP, status: 403},
	})
}

func TestAPIUserPatch(t *testing.T) {
	e := peopleEnv(t)
	path := "/api/v1/users/" + learnerNIP
	e.run(t, []scenario{
		{name: "learner cannot", method: "PATCH", path: path, as: learnerNIP, body: map[string]any{"name": "X"}, status: 403},
		{name: "anonymous", method: "PATCH", path: path, body: map[string]any{"name": "X"}, status: 401},
		{name: "unknown user", method: "PATCH", path: "/api/v1/users/199001012020011999", as: adminNIP, body: map[string]any{"name": "X"}, status: 404},
		{name: "unknown field", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"nama": "X"}, status: 400},
		{name: "empty name", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"name": " "}, status: 422, contains: []string{`"name"`}},
		{name: "bad email", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"email": "siti@"}, status: 422, contains: []string{`"email"`}},
		{name: "named email", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"email": "Siti <siti@kotalama.go.id>"}, status: 422, contains: []string{`"email"`}},
		{name: "bad phone", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"phone": "call me"}, status: 422, contains: []string{`"phone"`}},
		{name: "unknown unit", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"unit": "NOPE"}, status: 422, contains: []string{`"unit"`}},
		{name: "self supervisor", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"supervisor_nip": learnerNIP}, status: 422, contains: []string{`"supervisor_nip"`}},
		{name: "unknown supervisor", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"supervisor_nip": "199001012020011999"}, status: 422, contains: []string{`"supervisor_nip"`, "199001012020011999"}},
		{name: "bad role", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"roles": []string{"raja"}}, status: 422, contains: []string{`"roles"`}},
		{name: "several at once", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"email": "x", "unit": "NOPE", "phone": "?"}, status: 422,
			contains: []string{`"email"`, `"unit"`, `"phone"`}},
		{name: "admin cannot disable self", method: "PATCH", path: "/api/v1/users/" + adminNIP, as: adminNIP, body: map[string]any{"active": false}, status: 422, contains: []string{`"active"`}},
		{name: "admin cannot drop own admin", method: "PATCH", path: "/api/v1/users/" + adminNIP, as: adminNIP, body: map[string]any{"roles": []string{"learner"}}, status: 422, contains: []string{`"roles"`}},
		{name: "saved", method: "PATCH", path: path, as: adminNIP, body: map[string]any{"name": "Siti Rahmawati, S.Kep", "email": "siti@kotalama.go.id",
			"phone": "+62 812-3456-7890", "unit": "DINKES", "position": "Perawat Ahli", "supervisor_nip": trainerNIP, "roles": []string{"trainer"}}, status: 200,
			contains: []string{`"email":"siti@kotalama.go.id"`, `"unit":"DINKES"`, `"supervisor_nip":"` + trainerNIP, `"trainer"`, `"active":true`}},
		{name: "me carries it", method: "GET", path: "/api/v1/me", as: learnerNIP, status: 200,
			contains: []string{`"unit":"DINKES"`, `"position":"Perawat Ahli"`, `"email":"siti@kotalama.go.id"`, `"phone":"+62 812-3456-7890"`, `"supervisor_nip":"` + trainerNIP}},
		{name: "search finds the new name", method: "GET", path: "/api/v1/users?q=siti%20rahmawati,", as: adminNIP, status: 200, contains: []string{`"total":1`}},
		{name: "and the new role", method: "GET", path: "/api/v1/users?role=trainer&unit=DINKES", as: adminNIP, status: 200, contains: []string{learnerNIP}},
	})
	// The audit log holds the change with the record before and after.
	admin, _ := e.app.Service().User(context.Background(), adminNIP)
	es, _, err := e.app.Service().AuditLog(context.Background(), admin, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, en := range es {
		if en.Action == "user.update" && en.Target == learnerNIP && strings.Contains(en.After, "Perawat Ahli") {
			found = true
			if en.Actor != adminNIP || !strings.Contains(en.Before, `"name":"Siti Rahmawati"`) || strings.Contains(en.Before, "Perawat Ahli") ||
				strings.Contains(en.After+en.Before, "argon2") {
				t.Errorf("audit entry: %+v", en)
			}
		}
	}
	if !found {
		t.Fatalf("no audit entry for the change: %+v", es)
	}
}

// TestAPIUserDisable: disabling an account ends its sessions and tokens at
// once, and enabling it again does not bring them back.
func TestAPIUserDisable(t *testing.T) {
	e := peopleEnv(t)
	admin, learner := e.token(adminNIP), e.token(learnerNIP)
	b := e.browser()
	b.login(learnerNIP)
	if r := b.get("/profile"); r.StatusCode != 200 {
		t.Fatalf("profile before: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/me", learner, nil); r.StatusCode != 200 {
		t.Fatalf("me before: %d", r.StatusCode)
	}
	r := e.api("PATCH", "/api/v1/users/"+learnerNIP, admin, map[string]any{"active": false})
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"active":false`) {
		t.Fatalf("disable: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("GET", "/api/v1/me", learner, nil); r.StatusCode != 401 {
		t.Fatalf("token after disable: %d", r.StatusCode)
	}
	if r := b.get("/profile"); r.StatusCode != 302 && r.StatusCode != 303 {
		t.Fatalf("page session after disable: %d", r.StatusCode)
	}
	if r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learnerNIP, "password": testPass}); r.StatusCode != 401 {
		t.Fatalf("login while disabled: %d", r.StatusCode)
	}
	if r := e.api("PATCH", "/api/v1/users/"+learnerNIP, admin, map[string]any{"active": true}); r.StatusCode != 200 {
		t.Fatalf("enable: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/me", learner, nil); r.StatusCode != 401 {
		t.Fatalf("old token after enabling again: %d", r.StatusCode)
	}
	e.token(learnerNIP)
}

func TestAPIUserReset(t *testing.T) {
	e := peopleEnv(t)
	admin := e.token(adminNIP)
	old := e.token(learnerNIP)
	reset := func() (string, string) {
		t.Helper()
		r := e.api("POST", "/api/v1/users/"+learnerNIP+"/reset", admin, nil)
		if r.StatusCode != 200 {
			t.Fatalf("reset: %d %s", r.StatusCode, r.body)
		}
		m := r.json(t)
		link := m["activation_url"].(string)
		code, ok := strings.CutPrefix(link, "https://kompeten.kotalama.go.id/activate/")
		if !ok || len(code) < 20 {
			t.Fatalf("activation_url %q", link)
		}
		return code, m["expires_at"].(string)
	}
	code, exp := reset()
	if at, _ := time.Parse(time.RFC3339, exp); at.Sub(e.app.Service().Now()) < 71*time.Hour || at.Sub(e.app.Service().Now()) > 73*time.Hour {
		t.Fatalf("expires_at %s", exp)
	}
	e.run(t, []scenario{
		{name: "learner cannot reset", method: "POST", path: "/api/v1/users/" + learner2NIP + "/reset", as: learnerNIP, status: 403},
		{name: "unknown user", method: "POST", path: "/api/v1/users/199001012020011999/reset", as: adminNIP, status: 404},
		{name: "short password", method: "POST", path: "/api/v1/auth/activate", body: map[string]string{"code": code, "password": "pendek"}, status: 422, contains: []string{`"password"`}},
		{name: "wrong code", method: "POST", path: "/api/v1/auth/activate", body: map[string]string{"code": "salah", "password": "kata-sandi-baru-sekali"}, status: 422, contains: []string{`"code"`}},
		{name: "activated", method: "POST", path: "/api/v1/auth/activate", body: map[string]string{"code": code, "password": "kata-sandi-baru-sekali"}, status: 201,
			contains: []string{`"token":"`, `"nip":"` + learnerNIP}},
		{name: "only once", method: "POST", path: "/api/v1/auth/activate", body: map[string]string{"code": code, "password": "kata-sandi-lain-lagi"}, status: 422, contains: []string{`"code"`}},
		{name: "old token ended", method: "GET", path: "/api/v1/me", token: old, status: 401},
		{name: "old password gone", method: "POST", path: "/api/v1/auth/token", body: map[string]string{"nip": learnerNIP, "password": testPass}, status: 401},
		{name: "new password works", method: "POST", path: "/api/v1/auth/token", body: map[string]string{"nip": learnerNIP, "password": "kata-sandi-baru-sekali"}, status: 201},
	})
	// A link not used within 72 hours no longer works.
	code, _ = reset()
	e.advance(content.ActivationLifetime + time.Minute)
	e.run(t, []scenario{
		{name: "expired", method: "POST", path: "/api/v1/auth/activate", body: map[string]string{"code": code, "password": "kata-sandi-ketiga-ini"}, status: 422, contains: []string{`"code"`}},
	})
	// The reset is in the audit log, without the code.
	es, _, _ := e.app.Service().AuditLog(context.Background(), content.User{NIP: adminNIP, Roles: []string{content.RoleAdmin}}, "", 20)
	n := 0
	for _, en := range es {
		if en.Action == "user.reset" && en.Target == learnerNIP {
			n++
			if strings.Contains(en.After, code) {
				t.Fatal("the audit log holds the code")
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d reset entries, want 2", n)
	}
}

// TestActivatePage: the link an admin hands over opens a page where the
// user sets a password and is then signed in; it works once.
func TestActivatePage(t *testing.T) {
	e := peopleEnv(t)
	admin, _ := e.app.Service().User(context.Background(), adminNIP)
	code, _, err := e.app.Service().ResetPassword(context.Background(), admin, learnerNIP)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	tok := b.csrf("/activate/" + code)
	r := b.post("/activate/"+code, url.Values{"_csrf": {tok}, "password": {"kata-sandi-baru-sekali"}, "confirm": {"kata-sandi-lain"}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "konfirmasi tidak sama") {
		t.Fatalf("mismatch: %d", r.StatusCode)
	}
	r = b.post("/activate/"+code, url.Values{"_csrf": {tok}, "password": {"kata-sandi-baru-sekali"}, "confirm": {"kata-sandi-baru-sekali"}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/?msg=activated" {
		t.Fatalf("activate: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := b.get("/profile"); r.StatusCode != 200 || !strings.Contains(string(r.body), "Siti Rahmawati") {
		t.Fatalf("not signed in after activating: %d", r.StatusCode)
	}
	b2 := e.browser()
	tok = b2.csrf("/activate/" + code)
	r = b2.post("/activate/"+code, url.Values{"_csrf": {tok}, "password": {"kata-sandi-ketiga-ini"}, "confirm": {"kata-sandi-ketiga-ini"}})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "sudah dipakai") {
		t.Fatalf("second use: %d", r.StatusCode)
	}
}

// TestAPIChangePassword: the calling token stays, the user's other
// tokens and browser sessions end.
func TestAPIChangePassword(t *testing.T) {
	e := peopleEnv(t)
	mine, other := e.token(learnerNIP), e.token(learnerNIP)
	b := e.browser()
	b.login(learnerNIP)
	e.run(t, []scenario{
		{name: "wrong current", method: "PUT", path: "/api/v1/me/password", token: mine, body: map[string]string{"current": "bukan-ini-sandinya", "new": "kata-sandi-baru-sekali"},
			status: 422, contains: []string{`"current"`}},
		{name: "no current", method: "PUT", path: "/api/v1/me/password", token: mine, body: map[string]string{"new": "kata-sandi-baru-sekali"}, status: 422, contains: []string{`"current"`}},
		{name: "short new", method: "PUT", path: "/api/v1/me/password", token: mine, body: map[string]string{"current": testPass, "new": "pendek"}, status: 422, contains: []string{`"new"`}},
		{name: "same", method: "PUT", path: "/api/v1/me/password", token: mine, body: map[string]string{"current": testPass, "new": testPass}, status: 422, contains: []string{`"new"`}},
		{name: "anonymous", method: "PUT", path: "/api/v1/me/password", body: map[string]string{"current": testPass, "new": "kata-sandi-baru-sekali"}, status: 401},
		{name: "other still works before", method: "GET", path: "/api/v1/me", token: other, status: 200},
		{name: "changed", method: "PUT", path: "/api/v1/me/password", token: mine, body: map[string]string{"current": testPass, "new": "kata-sandi-baru-sekali"}, status: 204},
		{name: "this token stays", method: "GET", path: "/api/v1/me", token: mine, status: 200},
		{name: "other token ended", method: "GET", path: "/api/v1/me", token: other, status: 401},
		{name: "new password works", method: "POST", path: "/api/v1/auth/token", body: map[string]string{"nip": learnerNIP, "password": "kata-sandi-baru-sekali"}, status: 201},
	})
	if r := b.get("/profile"); r.StatusCode == 200 {
		t.Fatal("the browser session survived the password change")
	}
}

func TestAPIMySessions(t *testing.T) {
	e := peopleEnv(t)
	a, b := e.token(learnerNIP), e.token(learnerNIP)
	// A browser session with its User-Agent.
	br := e.browser()
	br.header.Set("User-Agent", "Mozilla/5.0 (Android 14; Mobile) Firefox/130.0")
	br.login(learnerNIP)
	r := e.api("GET", "/api/v1/me/sessions", a, nil)
	if r.StatusCode != 200 || strings.Count(string(r.body), `"kind":`) != 3 || strings.Count(string(r.body), `"current":true`) != 1 ||
		!strings.Contains(string(r.body), "Android 14") {
		t.Fatalf("sessions: %d %s", r.StatusCode, r.body)
	}
	if strings.Contains(string(r.body), a) {
		t.Fatal("the list shows a secret")
	}
	r = e.api("DELETE", "/api/v1/me/sessions", a, nil)
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"ended":2`) {
		t.Fatalf("end others: %d %s", r.StatusCode, r.body)
	}
	if e.api("GET", "/api/v1/me", a, nil).StatusCode != 200 || e.api("GET", "/api/v1/me", b, nil).StatusCode != 401 {
		t.Fatal("sign out elsewhere: wrong tokens ended")
	}
	if br.get("/profile").StatusCode == 200 {
		t.Fatal("browser session survived")
	}
	// Own contact details, checked like an admin's edit.
	e.run(t, []scenario{
		{name: "bad email", method: "PATCH", path: "/api/v1/me", token: a, body: map[string]string{"email": "nope"}, status: 422, contains: []string{`"email"`}},
		{name: "no name change", method: "PATCH", path: "/api/v1/me", token: a, body: map[string]string{"name": "Raja"}, status: 400},
		{name: "contact saved", method: "PATCH", path: "/api/v1/me", token: a, body: map[string]string{"email": "siti@kotalama.go.id", "phone": "0812 3456 789"}, status: 200,
			contains: []string{`"email":"siti@kotalama.go.id"`, `"phone":"0812 3456 789"`}},
	})
}

// TestRekeyUsers: accounts stored before the list's fields existed are
// found by the list once they are rekeyed.
func TestRekeyUsers(t *testing.T) {
	e := peopleEnv(t)
	ctx := context.Background()
	// An old account: no list fields.
	type oldUser struct {
		NIP   string   `bson:"nip"`
		Name  string   `bson:"name"`
		Unit  string   `bson:"unit"`
		Roles []string `bson:"roles"`
	}
	nip := "197001012000011001"
	if err := e.stores.Docs.C("users").Insert(ctx, nip, &oldUser{NIP: nip, Name: "Lama Sekali", Unit: "DINKES", Roles: []string{"learner"}}); err != nil {
		t.Fatal(err)
	}
	admin := e.token(adminNIP)
	if _, total, _ := listNIPs(t, e, admin, "q=lama"); total != 0 {
		t.Fatalf("found before rekeying: %d", total)
	}
	n, err := e.app.Service().RekeyUsers(ctx)
	if err != nil || n != 1 {
		t.Fatalf("rekey: %d %v", n, err)
	}
	got, _, _ := listNIPs(t, e, admin, "q=lama&unit=DINKES&active=1")
	if fmt.Sprint(got) != "["+nip+"]" {
		t.Fatalf("after rekeying: %v", got)
	}
	if n, _ := e.app.Service().RekeyUsers(ctx); n != 0 {
		t.Fatalf("second rekey rewrote %d", n)
	}
}
