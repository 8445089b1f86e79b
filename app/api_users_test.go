package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
	"time"
)

// scenario is one API request and what must and must not come back.
type scenario struct {
	name     string
	method   string
	path     string
	as       string // NIP whose token to send; "" anonymous
	token    string // a raw token instead
	body     any
	rawBody  string // sent with rawType instead of body
	rawType  string
	status   int
	contains []string
	absent   []string
}

func (e *testEnv) run(t *testing.T, scs []scenario) {
	t.Helper()
	tokens := map[string]string{}
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			tok := sc.token
			if sc.as != "" {
				if tokens[sc.as] == "" {
					tokens[sc.as] = e.token(sc.as)
				}
				tok = tokens[sc.as]
			}
			var r resp
			if sc.rawType != "" {
				req := httptest.NewRequest(sc.method, sc.path, strings.NewReader(sc.rawBody))
				req.Header.Set("Content-Type", sc.rawType)
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				r = e.do(req)
			} else {
				r = e.api(sc.method, sc.path, tok, sc.body)
			}
			if r.StatusCode != sc.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", sc.method, sc.path, r.StatusCode, sc.status, r.body)
			}
			for _, s := range sc.contains {
				if !strings.Contains(string(r.body), s) {
					t.Errorf("response lacks %q:\n%s", s, r.body)
				}
			}
			for _, s := range sc.absent {
				if strings.Contains(string(r.body), s) {
					t.Errorf("response has forbidden %q:\n%s", s, r.body)
				}
			}
			if r.StatusCode >= 400 && !strings.Contains(string(r.body), `"error":{"code":`) {
				t.Errorf("error response is not the JSON error shape:\n%s", r.body)
			}
		})
	}
}

func newUserBody(nip string) map[string]any {
	return map[string]any{"nip": nip, "name": "Pegawai Baru", "unit": "Dinas Kominfo", "position": "Pranata Komputer",
		"roles": []string{"learner"}, "password": "kata-sandi-yang-panjang"}
}

func TestAPIUsersAndTokens(t *testing.T) {
	e := newEnv(t, nil)
	e.run(t, []scenario{
		{name: "token created", method: "POST", path: "/api/v1/auth/token",
			body:   map[string]string{"nip": learnerNIP, "password": testPass},
			status: 201, contains: []string{`"token":"`, `"expires_at":"`, `"nip":"` + learnerNIP, `"name":"Siti Rahmawati"`},
			absent: []string{"password", "argon2"}},
		{name: "wrong password", method: "POST", path: "/api/v1/auth/token",
			body: map[string]string{"nip": learnerNIP, "password": "salah-salah-salah"}, status: 401, contains: []string{"invalid_credentials"}},
		{name: "unknown nip looks the same", method: "POST", path: "/api/v1/auth/token",
			body: map[string]string{"nip": "199001012015011009", "password": testPass}, status: 401, contains: []string{"invalid_credentials"}},
		{name: "missing nip names the field", method: "POST", path: "/api/v1/auth/token",
			body: map[string]string{"password": testPass}, status: 422, contains: []string{`"fields":{"nip":`}},
		{name: "not json", method: "POST", path: "/api/v1/auth/token", rawType: "text/plain", rawBody: "nip=1", status: 415},
		{name: "broken json", method: "POST", path: "/api/v1/auth/token", rawType: "application/json", rawBody: `{"nip":`, status: 400},
		{name: "unknown field", method: "POST", path: "/api/v1/auth/token", rawType: "application/json",
			rawBody: `{"nip":"1","password":"x","admin":true}`, status: 400},
		{name: "me anonymous", method: "GET", path: "/api/v1/me", status: 401, contains: []string{"unauthenticated"}},
		{name: "me with a made-up token", method: "GET", path: "/api/v1/me", token: "bukan-token", status: 401},
		{name: "me", method: "GET", path: "/api/v1/me", as: learnerNIP, status: 200,
			contains: []string{`"nip":"` + learnerNIP, `"jp_this_year":0`, `"jp_target":20`, `"roles":["learner"]`, `"unit":"Dinas Kesehatan"`},
			absent:   []string{"password", "is_admin"}},
		{name: "create user as admin", method: "POST", path: "/api/v1/users", as: adminNIP,
			body: newUserBody("199512122020121001"), status: 201,
			contains: []string{`"nip":"199512122020121001"`, `"position":"Pranata Komputer"`}, absent: []string{"password", "argon2"}},
		{name: "duplicate nip", method: "POST", path: "/api/v1/users", as: adminNIP,
			body: newUserBody("199512122020121001"), status: 409, contains: []string{"conflict"}},
		{name: "invalid nip names the field", method: "POST", path: "/api/v1/users", as: adminNIP,
			body: newUserBody("199502302020121001"), status: 422, contains: []string{`"fields":{"nip":"`, "tanggal lahir"}},
		{name: "several bad fields", method: "POST", path: "/api/v1/users", as: adminNIP,
			body:   map[string]any{"nip": "123", "name": "", "roles": []string{"raja"}, "password": "pendek"},
			status: 422, contains: []string{`"nip":`, `"name":`, `"roles":`, `"password":`}},
		{name: "create user as learner", method: "POST", path: "/api/v1/users", as: learnerNIP,
			body: newUserBody("199601012020121001"), status: 403},
		{name: "create user as trainer", method: "POST", path: "/api/v1/users", as: trainerNIP,
			body: newUserBody("199601012020121001"), status: 403},
		{name: "create user anonymous", method: "POST", path: "/api/v1/users",
			body: newUserBody("199601012020121001"), status: 401},
		{name: "unknown api route", method: "GET", path: "/api/v1/nope", as: learnerNIP, status: 404, contains: []string{"not_found"}},
	})
	// The refused creations left nothing behind.
	for _, nip := range []string{"199601012020121001", "199502302020121001"} {
		if _, err := e.app.Service().User(context.Background(), nip); err == nil {
			t.Errorf("user %s exists after a refused create", nip)
		}
	}
}

func TestTokenRevokeAndRestart(t *testing.T) {
	e := newEnv(t, nil)
	keep, drop := e.token(learnerNIP), e.token(learnerNIP)
	if r := e.api("DELETE", "/api/v1/auth/token", drop, nil); r.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("GET", "/api/v1/me", drop, nil); r.StatusCode != 401 {
		t.Fatalf("revoked token still works: %d", r.StatusCode)
	}
	// Tokens live in the document store as hashes: a restart keeps them,
	// and the stored id is not the token.
	if err := e.stores.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := openEnv(t, e.dir, nil)
	if r := e2.api("GET", "/api/v1/me", keep, nil); r.StatusCode != 200 {
		t.Fatalf("token lost in restart: %d %s", r.StatusCode, r.body)
	}
	var v struct{}
	if _, err := e2.stores.Docs.C("tokens").Get(context.Background(), keep, &v); err == nil {
		t.Error("the token itself is a stored id: tokens must be stored only as hashes")
	}
}

func TestLoginThrottlePerAccount(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 10; i++ {
		r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learnerNIP, "password": fmt.Sprint("salah-", i)})
		if r.StatusCode != 401 {
			t.Fatalf("failure %d: status %d", i+1, r.StatusCode)
		}
	}
	// Now even the right password is refused until the window passes.
	r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learnerNIP, "password": testPass})
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt: status %d (Retry-After %q), want 429", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// Another account from the same address is not locked by it.
	if r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learner2NIP, "password": testPass}); r.StatusCode != 201 {
		t.Fatalf("other account: %d", r.StatusCode)
	}
	// Fifteen minutes later the account may try again.
	later := e.app.Service().Now().Add(16 * 60e9)
	e.app.Service().SetClock(func() time.Time { return later })
	if r := e.api("POST", "/api/v1/auth/token", "", map[string]string{"nip": learnerNIP, "password": testPass}); r.StatusCode != 201 {
		t.Fatalf("after the window: %d %s", r.StatusCode, r.body)
	}
}

// failFrom sends n failed logins for distinct unknown accounts, each with a
// different X-Forwarded-For, and returns the statuses.
func failFrom(e *testEnv, n int) []int {
	var out []int
	for i := 0; i < n; i++ {
		req := httptest.NewRequest("POST", "/api/v1/auth/token",
			strings.NewReader(fmt.Sprintf(`{"nip":"1990010120150110%02d","password":"salah"}`, i%100)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))
		out = append(out, e.do(req).StatusCode)
	}
	return out
}

func TestLoginThrottlePerAddress(t *testing.T) {
	t.Run("forwarding headers ignored without a trusted proxy", func(t *testing.T) {
		e := newEnv(t, nil)
		st := failFrom(e, content.MaxAddressFailures+1)
		if last := st[len(st)-1]; last != 429 {
			t.Fatalf("after %d failures from one address the next got %d, want 429", content.MaxAddressFailures, last)
		}
	})
	t.Run("trusted proxy's forwarding header believed", func(t *testing.T) {
		// app.Test connects from 0.0.0.0.
		e := newEnv(t, map[string]string{"KOMPETEN_TRUSTED_PROXIES": "0.0.0.0"})
		st := failFrom(e, content.MaxAddressFailures+1)
		if last := st[len(st)-1]; last != 401 {
			t.Fatalf("distinct forwarded clients were throttled together: %d", last)
		}
	})
}
