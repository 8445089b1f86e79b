package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
)

// Forum warga fixtures: "Dinas Kesehatan" (the learner's unit) with a
// seksi below it, a service of the dinas, and people around it.
const (
	subStaffNIP = "199105052016021006" // in the seksi below the dinas
	headNIP     = "198002022005011007" // the dinas's atasan
	noUnitNIP   = "199307072019031008" // a learner with no unit
)

type forumFix struct {
	e       *testEnv
	service string
	other   string // a service of another unit
}

func newForumEnv(t *testing.T) forumFix {
	t.Helper()
	// Requests of app.Test come from 0.0.0.0: trusted, so each test can
	// speak for a client address in X-Forwarded-For.
	e := newEnv(t, map[string]string{"KOMPETEN_TRUSTED_PROXIES": "0.0.0.0"})
	ctx := context.Background()
	svc := e.app.Service()
	admin := mustUser(t, e, adminNIP)
	for _, u := range []struct{ code, name, parent string }{
		{"Dinas Kesehatan", "Dinas Kesehatan", ""},
		{"dinkes-yankes", "Seksi Pelayanan Kesehatan", "Dinas Kesehatan"},
		{"Dinas Pendidikan", "Dinas Pendidikan", ""},
	} {
		if _, err := svc.PutUnit(ctx, admin, u.code, content.UnitInput{Name: u.name, Parent: u.parent}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []content.NewUser{
		{NIP: subStaffNIP, Name: "Rina Seksi", Unit: "dinkes-yankes", Password: testPass},
		{NIP: headNIP, Name: "Kepala Dinas", Unit: "Dinas Kesehatan", Password: testPass},
		{NIP: noUnitNIP, Name: "Tanpa Unit", Password: testPass},
	} {
		if _, err := svc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	e.setSupervisor(t, learnerNIP, headNIP)
	ps, err := svc.AddForumService(ctx, content.PublicService{ID: "ktp-dinkes", Unit: "Dinas Kesehatan", Name: "Surat Keterangan Sehat", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.AddForumService(ctx, content.PublicService{ID: "ppdb", Unit: "Dinas Pendidikan", Name: "PPDB", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return forumFix{e: e, service: ps.ID, other: other.ID}
}

func (f forumFix) token(t *testing.T, service string) string {
	t.Helper()
	r := f.e.api("GET", "/api/v1/public/services/"+service+"/topics/token", "", nil)
	if r.StatusCode != 200 {
		t.Fatalf("token: %d %s", r.StatusCode, r.body)
	}
	return r.json(t)["token"].(string)
}

// post sends a topic from client address addr; body fields not given are
// filled with a valid topic and a fresh token.
func (f forumFix) post(t *testing.T, service, addr string, body map[string]any) resp {
	t.Helper()
	full := map[string]any{"title": "Antrean terlalu lama", "body": "Saya menunggu tiga jam untuk surat keterangan."}
	if _, ok := body["token"]; !ok {
		full["token"] = f.token(t, service)
	}
	for k, v := range body {
		if v == nil {
			delete(full, k)
		} else {
			full[k] = v
		}
	}
	req := jsonReq(t, "POST", "/api/v1/public/services/"+service+"/topics", full)
	req.Header.Set("X-Forwarded-For", addr)
	return f.e.do(req)
}

func jsonReq(t *testing.T, method, path string, body any) *http.Request {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// submit posts a valid topic and returns its id.
func (f forumFix) submit(t *testing.T, title string) string {
	t.Helper()
	r := f.post(t, f.service, "10.9.0.1", map[string]any{"title": title})
	if r.StatusCode != 202 {
		t.Fatalf("post %q: %d %s", title, r.StatusCode, r.body)
	}
	m := r.json(t)
	if m["state"] != "waiting" {
		t.Fatalf("state %v, want waiting", m["state"])
	}
	return m["id"].(string)
}

func (f forumFix) moderate(t *testing.T, token, id, action string) resp {
	t.Helper()
	return f.e.api("POST", "/api/v1/topics/"+id+"/moderate", token, map[string]string{"action": action})
}

func (f forumFix) publicList(t *testing.T, query string) map[string]any {
	t.Helper()
	r := f.e.api("GET", "/api/v1/public/services/"+f.service+"/topics"+query, "", nil)
	if r.StatusCode != 200 {
		t.Fatalf("public list: %d %s", r.StatusCode, r.body)
	}
	return r.json(t)
}

func titles(m map[string]any) []string {
	var out []string
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any)["title"].(string))
	}
	return out
}

// TestForumHeldForModeration: a post is accepted with 202 and shown
// nowhere public until the unit approves it; a rejected one never shows.
func TestForumHeldForModeration(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	id := f.submit(t, "Antrean loket panjang")
	rejected := f.submit(t, "Iklan pinjaman")

	if l := f.publicList(t, ""); l["total"].(float64) != 0 || len(l["items"].([]any)) != 0 {
		t.Fatalf("waiting topics are public: %v", l)
	}
	if r := e.api("GET", "/api/v1/public/services/"+f.service+"/topics/"+id, "", nil); r.StatusCode != 404 {
		t.Fatalf("waiting topic's public API: %d, want 404", r.StatusCode)
	}
	pub := e.browser()
	if r := pub.get("/layanan/" + f.service + "/forum"); r.StatusCode != 200 || strings.Contains(string(r.body), "Antrean loket panjang") {
		t.Fatalf("public page before approval: %d, shows the waiting topic: %v", r.StatusCode, strings.Contains(string(r.body), "Antrean loket panjang"))
	}
	if r := pub.get("/layanan/" + f.service + "/forum/" + id); r.StatusCode != 404 {
		t.Fatalf("waiting topic's page: %d, want 404", r.StatusCode)
	}

	staff := e.token(learnerNIP)
	q := mustStatus(t, e.api("GET", "/api/v1/topics", staff, nil), 200, "queue")
	if c := q["counts"].(map[string]any); c["waiting"].(float64) != 2 || c["approved"].(float64) != 0 || c["rejected"].(float64) != 0 {
		t.Fatalf("counts %v, want 2 waiting", c)
	}
	// Oldest first in the waiting queue, contact visible to staff.
	if got := titles(q); strings.Join(got, "|") != "Antrean loket panjang|Iklan pinjaman" {
		t.Fatalf("queue %v", got)
	}
	mustStatus(t, f.moderate(t, staff, id, "approve"), 200, "approve")
	mustStatus(t, f.moderate(t, staff, rejected, "reject"), 200, "reject")

	l := f.publicList(t, "")
	if got := titles(l); len(got) != 1 || got[0] != "Antrean loket panjang" || l["total"].(float64) != 1 {
		t.Fatalf("public list after moderation: %v", l)
	}
	if it := l["items"].([]any)[0].(map[string]any); it["contact"] != nil || it["state"] != nil {
		t.Fatalf("public item carries staff fields: %v", it)
	}
	if r := e.api("GET", "/api/v1/public/services/"+f.service+"/topics/"+rejected, "", nil); r.StatusCode != 404 {
		t.Fatalf("rejected topic: %d, want 404", r.StatusCode)
	}
	if r := pub.get("/layanan/" + f.service + "/forum/" + id); r.StatusCode != 200 || !strings.Contains(string(r.body), "Antrean loket panjang") {
		t.Fatalf("approved topic's page: %d", r.StatusCode)
	}
	q = mustStatus(t, e.api("GET", "/api/v1/topics?state=approved", staff, nil), 200, "queue")
	if c := q["counts"].(map[string]any); c["waiting"].(float64) != 0 || c["approved"].(float64) != 1 || c["rejected"].(float64) != 1 {
		t.Fatalf("counts after moderation %v", c)
	}
	// The service of another unit has its own, empty, list.
	if r := e.api("GET", "/api/v1/public/services/"+f.other+"/topics", "", nil); r.StatusCode != 200 || r.json(t)["total"].(float64) != 0 {
		t.Fatalf("other service's list: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("GET", "/api/v1/public/services/nope/topics", "", nil); r.StatusCode != 404 {
		t.Fatalf("unknown service: %d", r.StatusCode)
	}
}

// TestForumModerationPermissions: the unit's staff (its own members and a
// unit below it) and admins decide; staff of another unit, a learner with
// no unit and visitors are refused, and nothing changes.
func TestForumModerationPermissions(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	id := f.submit(t, "Loket tutup lebih awal")
	for _, c := range []struct {
		who    string
		nip    string
		status int
	}{
		{"staff of another unit", learner2NIP, 403},
		{"learner without a unit", noUnitNIP, 403},
		{"trainer without a unit", trainerNIP, 403},
	} {
		tok := e.token(c.nip)
		if r := f.moderate(t, tok, id, "approve"); r.StatusCode != c.status {
			t.Errorf("%s moderates: %d, want %d", c.who, r.StatusCode, c.status)
		}
		if r := e.api("GET", "/api/v1/topics/"+id, tok, nil); r.StatusCode != 403 {
			t.Errorf("%s reads the topic: %d, want 403", c.who, r.StatusCode)
		}
		if r := e.api("GET", "/api/v1/topics?unit=Dinas+Kesehatan", tok, nil); r.StatusCode != 403 {
			t.Errorf("%s reads the unit's queue: %d, want 403", c.who, r.StatusCode)
		}
	}
	if r := f.moderate(t, "", id, "approve"); r.StatusCode != 401 {
		t.Errorf("visitor moderates: %d, want 401", r.StatusCode)
	}
	if l := f.publicList(t, ""); l["total"].(float64) != 0 {
		t.Fatalf("a refused moderation approved the topic")
	}
	// Another unit's staff see their own (empty) queue, not this one.
	q := mustStatus(t, e.api("GET", "/api/v1/topics", e.token(learner2NIP), nil), 200, "other queue")
	if q["unit"] != "Dinas Pendidikan" || len(q["items"].([]any)) != 0 {
		t.Fatalf("other unit's queue: %v", q)
	}

	admin := e.token(adminNIP)
	if r := f.moderate(t, admin, id, "publish"); r.StatusCode != 422 {
		t.Errorf("unknown action: %d, want 422", r.StatusCode)
	}
	if r := f.moderate(t, admin, "no-such-topic", "approve"); r.StatusCode != 404 {
		t.Errorf("unknown topic: %d, want 404", r.StatusCode)
	}
	mustStatus(t, f.moderate(t, admin, id, "approve"), 200, "admin approves")
	// Staff of the seksi below the dinas are the dinas's staff too.
	sub := e.token(subStaffNIP)
	got := mustStatus(t, f.moderate(t, sub, id, "reject"), 200, "sub-unit staff rejects")
	if got["state"] != "rejected" {
		t.Fatalf("state %v", got["state"])
	}
	q = mustStatus(t, e.api("GET", "/api/v1/topics?state=rejected&unit=Dinas+Kesehatan", sub, nil), 200, "sub-unit queue")
	if len(q["items"].([]any)) != 1 {
		t.Fatalf("sub-unit staff's queue of the dinas: %v", q)
	}
	// The moderation page: the same rule.
	b := e.browser()
	b.login(learner2NIP)
	if r := b.get("/forum/moderation/" + id); r.StatusCode != 403 {
		t.Errorf("other unit's staff open the topic page: %d", r.StatusCode)
	}
}

// TestForumRepliesByUnitOnly: only the unit's staff answer, only approved
// topics, and the answer shows the unit's name; the person is in the
// audit log.
func TestForumRepliesByUnitOnly(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	id := f.submit(t, "Formulir sulit dipahami")
	staff := e.token(learnerNIP)
	reply := func(tok, body string) resp {
		return e.api("POST", "/api/v1/topics/"+id+"/replies", tok, map[string]string{"body": body})
	}
	if r := reply(staff, "Terima kasih, kami perbaiki."); r.StatusCode != 422 {
		t.Fatalf("answer to a waiting topic: %d, want 422 %s", r.StatusCode, r.body)
	}
	mustStatus(t, f.moderate(t, staff, id, "approve"), 200, "approve")
	for _, c := range []struct {
		who string
		tok string
	}{{"admin outside the unit", e.token(adminNIP)}, {"staff of another unit", e.token(learner2NIP)}, {"learner without a unit", e.token(noUnitNIP)}} {
		if r := reply(c.tok, "Jawaban"); r.StatusCode != 403 {
			t.Errorf("%s answers: %d, want 403", c.who, r.StatusCode)
		}
	}
	if r := reply("", "Jawaban"); r.StatusCode != 401 {
		t.Errorf("visitor answers: %d", r.StatusCode)
	}
	if r := reply(staff, "   "); r.StatusCode != 422 {
		t.Errorf("empty answer: %d", r.StatusCode)
	}
	if r := reply(staff, strings.Repeat("a", content.MaxReplyBody+1)); r.StatusCode != 422 {
		t.Errorf("oversized answer: %d", r.StatusCode)
	}
	got := mustStatus(t, reply(staff, "Terima kasih, formulir kami sederhanakan bulan ini."), 201, "answer")
	if got["unit_name"] != "Dinas Kesehatan" || got["unit"] != "Dinas Kesehatan" {
		t.Fatalf("answer %v, want the unit's name", got)
	}
	mustStatus(t, e.api("POST", "/api/v1/topics/"+id+"/replies", e.token(subStaffNIP), map[string]string{"body": "Dari seksi."}), 201, "sub-unit answers")

	l := f.publicList(t, "")
	it := l["items"].([]any)[0].(map[string]any)
	rs := it["replies"].([]any)
	if len(rs) != 2 || it["answered"] != true || rs[0].(map[string]any)["unit_name"] != "Dinas Kesehatan" {
		t.Fatalf("public topic %v", it)
	}
	page := string(e.browser().get("/layanan/" + f.service + "/forum/" + id).body)
	if !strings.Contains(page, "Jawaban Dinas Kesehatan") || strings.Contains(page, "Siti Rahmawati") {
		t.Fatalf("public page should name the unit, not the person")
	}
	entries, _, err := e.app.Service().AuditLog(context.Background(), mustUser(t, e, adminNIP), "", 50)
	if err != nil {
		t.Fatal(err)
	}
	who := map[string]bool{}
	for _, en := range entries {
		if en.Action == "forum.reply" && en.Target == id {
			who[en.Actor] = true
		}
	}
	if !who[learnerNIP] || !who[subStaffNIP] {
		t.Fatalf("audit log of answers: %v", who)
	}
}

// TestForumPublicOrder: approved topics come unanswered first, then
// newest, page by page; answering a topic moves it down.
func TestForumPublicOrder(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	staff := e.token(learnerNIP)
	var ids []string
	for i := 1; i <= 5; i++ {
		ids = append(ids, f.submit(t, fmt.Sprintf("Topik %d", i)))
		e.advance(time.Minute)
	}
	for _, id := range ids {
		mustStatus(t, f.moderate(t, staff, id, "approve"), 200, "approve")
	}
	for _, i := range []int{1, 3} { // answer topics 2 and 4
		mustStatus(t, e.api("POST", "/api/v1/topics/"+ids[i]+"/replies", staff, map[string]string{"body": "Dijawab."}), 201, "answer")
	}
	want := []string{"Topik 5", "Topik 3", "Topik 1", "Topik 4", "Topik 2"}
	var got []string
	after := ""
	for pages := 0; pages < 5; pages++ {
		q := "?limit=2"
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		l := f.publicList(t, q)
		got = append(got, titles(l)...)
		if l["total"].(float64) != 5 {
			t.Fatalf("total %v", l["total"])
		}
		after, _ = l["next"].(string)
		if after == "" {
			break
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("order %v, want %v", got, want)
	}
	// The page shows the same order.
	body := string(e.browser().get("/layanan/" + f.service + "/forum").body)
	last := -1
	for _, w := range want {
		i := strings.Index(body, ">"+w+"<")
		if i < 0 || i < last {
			t.Fatalf("page order: %q at %d before %d", w, i, last)
		}
		last = i
	}
	if r := e.api("GET", "/api/v1/public/services/"+f.service+"/topics?after=garbage", "", nil); r.StatusCode != 400 {
		t.Fatalf("bad cursor: %d", r.StatusCode)
	}
	if r := e.api("GET", "/api/v1/public/services/"+f.service+"/topics?limit=500", "", nil); r.StatusCode != 400 {
		t.Fatalf("limit 500: %d", r.StatusCode)
	}
}

// waitingCount is how many topics wait, as an admin's queue counts them.
func (f forumFix) waitingCount(t *testing.T) float64 {
	t.Helper()
	q := mustStatus(t, f.e.api("GET", "/api/v1/topics", f.e.token(adminNIP), nil), 200, "queue")
	return q["counts"].(map[string]any)["waiting"].(float64)
}

// TestForumBadInput: every malformed post is a 4xx naming the field,
// and writes nothing.
func TestForumBadInput(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	forged := f.token(t, f.service)
	forged = forged[:len(forged)-2] + "AA"
	otherService := f.token(t, f.other)
	expired := f.token(t, f.service)
	e.advance(content.TopicTokenLife + time.Minute)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		field  string
		code   string
	}{
		{"missing title", map[string]any{"title": nil}, 422, "title", "required"},
		{"blank title", map[string]any{"title": "   "}, 422, "title", "required"},
		{"missing body", map[string]any{"body": nil}, 422, "body", "required"},
		{"short body", map[string]any{"body": "tes"}, 422, "body", "forum.too_short"},
		{"oversized title", map[string]any{"title": strings.Repeat("a", content.MaxTopicTitle+1)}, 422, "title", "too_long"},
		{"oversized body", map[string]any{"body": strings.Repeat("b", content.MaxTopicBody+1)}, 422, "body", "too_long"},
		{"oversized name", map[string]any{"name": strings.Repeat("n", content.MaxTopicName+1)}, 422, "name", "too_long"},
		{"oversized contact", map[string]any{"contact": strings.Repeat("0", content.MaxTopicContact+1)}, 422, "contact", "too_long"},
		{"a megabyte", map[string]any{"body": strings.Repeat("x", 1<<20)}, 413, "", ""},
		{"honeypot filled", map[string]any{"website": "http://spam.example"}, 422, "website", "forum.honeypot"},
		{"no token", map[string]any{"token": ""}, 422, "token", "forum.token_missing"},
		{"forged token", map[string]any{"token": forged}, 422, "token", "forum.token_invalid"},
		{"garbage token", map[string]any{"token": "abc.def"}, 422, "token", "forum.token_invalid"},
		{"huge token", map[string]any{"token": strings.Repeat("a", 5000)}, 422, "token", "forum.token_invalid"},
		{"another service's token", map[string]any{"token": otherService}, 422, "token", "forum.token_invalid"},
		{"expired token", map[string]any{"token": expired}, 422, "token", "forum.token_expired"},
		{"unknown field", map[string]any{"admin": true}, 400, "", ""},
	}
	for _, c := range cases {
		r := f.post(t, f.service, "10.8.0.1", c.body)
		if r.StatusCode != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, r.StatusCode, c.status, r.body)
			continue
		}
		if c.field != "" {
			codes, _ := r.json(t)["error"].(map[string]any)["field_codes"].(map[string]any)
			if codes[c.field] != c.code {
				t.Errorf("%s: field codes %v, want %s: %s", c.name, codes, c.field+"="+c.code, r.body)
			}
		}
	}
	req := httptest.NewRequest("POST", "/api/v1/public/services/"+f.service+"/topics", strings.NewReader("title=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := e.do(req); r.StatusCode != 415 {
		t.Errorf("form body to the API: %d, want 415", r.StatusCode)
	}
	if n := f.waitingCount(t); n != 0 {
		t.Fatalf("%v topics written by bad posts", n)
	}

	// A token works once: the replay is refused and writes nothing.
	tok := f.token(t, f.service)
	if r := f.post(t, f.service, "10.8.0.2", map[string]any{"token": tok}); r.StatusCode != 202 {
		t.Fatalf("first use: %d %s", r.StatusCode, r.body)
	}
	r := f.post(t, f.service, "10.8.0.3", map[string]any{"token": tok, "title": "Kirim ulang"})
	if r.StatusCode != 422 || !strings.Contains(string(r.body), "forum.token_used") {
		t.Fatalf("replay: %d %s", r.StatusCode, r.body)
	}
	if n := f.waitingCount(t); n != 1 {
		t.Fatalf("%v topics after a replay, want 1", n)
	}

	// Script in a post is text on every page that shows it.
	script := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r = f.post(t, f.service, "10.8.0.4", map[string]any{"title": "Judul " + script, "body": "Isi " + script, "name": "<b>Nama</b>"})
	if r.StatusCode != 202 {
		t.Fatalf("post with markup: %d %s", r.StatusCode, r.body)
	}
	id := r.json(t)["id"].(string)
	staff := e.browser()
	staff.login(learnerNIP)
	mod := string(staff.get("/forum/moderation").body)
	mustStatus(t, f.moderate(t, e.token(learnerNIP), id, "approve"), 200, "approve")
	pages := map[string]string{
		"queue":      mod,
		"staff page": string(staff.get("/forum/moderation/" + id).body),
		"list":       string(e.browser().get("/layanan/" + f.service + "/forum").body),
		"topic":      string(e.browser().get("/layanan/" + f.service + "/forum/" + id).body),
	}
	for name, body := range pages {
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b>Nama</b>") {
			t.Errorf("%s renders the post's markup", name)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the script as text", name)
		}
	}
}

// TestForumRateLimits: a client address may send TopicsPerAddress posts
// a window, a service takes TopicsPerService from everyone; past either,
// 429 with Retry-After, and the window frees up.
func TestForumRateLimits(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	for i := 0; i < content.TopicsPerAddress; i++ {
		if r := f.post(t, f.service, "10.1.0.1", nil); r.StatusCode != 202 {
			t.Fatalf("post %d: %d %s", i+1, r.StatusCode, r.body)
		}
	}
	r := f.post(t, f.service, "10.1.0.1", nil)
	if r.StatusCode != 429 {
		t.Fatalf("post over the address limit: %d", r.StatusCode)
	}
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 15*60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// The form page says so too.
	b := e.browser()
	b.header.Set("X-Forwarded-For", "10.1.0.1")
	form := b.get("/layanan/" + f.service + "/forum/new")
	tok := tokenInput.FindSubmatch(form.body)
	if tok == nil {
		t.Fatal("no token on the form")
	}
	pr := b.post("/layanan/"+f.service+"/forum/new", url.Values{"token": {string(tok[1])}, "title": {"Judul"}, "body": {"Isi yang cukup panjang."}})
	if pr.StatusCode != 429 || pr.Header.Get("Retry-After") == "" || !strings.Contains(string(pr.body), "Judul") {
		t.Fatalf("form over the limit: %d, Retry-After %q", pr.StatusCode, pr.Header.Get("Retry-After"))
	}
	// Another address is not held up.
	if r := f.post(t, f.service, "10.1.0.2", nil); r.StatusCode != 202 {
		t.Fatalf("another address: %d", r.StatusCode)
	}
	// The service's limit: many addresses, one post each.
	for i := content.TopicsPerAddress + 1; i < content.TopicsPerService; i++ {
		if r := f.post(t, f.service, fmt.Sprintf("10.2.%d.%d", i/200, i%200+1), nil); r.StatusCode != 202 {
			t.Fatalf("service post %d: %d %s", i+1, r.StatusCode, r.body)
		}
	}
	r = f.post(t, f.service, "10.3.0.1", nil)
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("post over the service limit: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// Another service is not held up.
	if r := f.post(t, f.other, "10.3.0.1", nil); r.StatusCode != 202 {
		t.Fatalf("another service: %d %s", r.StatusCode, r.body)
	}
	if n := f.waitingCount(t); n != float64(content.TopicsPerService+1) {
		t.Fatalf("%v topics, want %d", n, content.TopicsPerService+1)
	}
	e.advance(16 * time.Minute)
	if r := f.post(t, f.service, "10.1.0.1", nil); r.StatusCode != 202 {
		t.Fatalf("after the window: %d %s", r.StatusCode, r.body)
	}
}

// TestForumNotifiesUnitOnce: a waiting topic notifies the unit's atasan
// once; moderation and answers notify no one again; a second topic is a
// second notification.
func TestForumNotifiesUnitOnce(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	count := func(nip string) int {
		p, err := e.app.Service().Notifications(context.Background(), nip, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range p.Items {
			if it.Kind == content.KindForumWaiting {
				n++
			}
		}
		return n
	}
	id := f.submit(t, "Ruang tunggu panas")
	if count(headNIP) != 1 {
		t.Fatalf("the atasan has %d notifications, want 1", count(headNIP))
	}
	if count(learnerNIP) != 0 || count(subStaffNIP) != 0 || count(learner2NIP) != 0 {
		t.Fatalf("others notified: staff %d, seksi %d, other unit %d", count(learnerNIP), count(subStaffNIP), count(learner2NIP))
	}
	staff := e.token(learnerNIP)
	mustStatus(t, f.moderate(t, staff, id, "approve"), 200, "approve")
	mustStatus(t, e.api("POST", "/api/v1/topics/"+id+"/replies", staff, map[string]string{"body": "Kipas angin sudah dipasang."}), 201, "answer")
	if count(headNIP) != 1 {
		t.Fatalf("after moderation: %d, want 1", count(headNIP))
	}
	// The notification leads to the topic, which the atasan may open.
	b := e.browser()
	b.login(headNIP)
	if r := b.get(content.ModerationPath(id)); r.StatusCode != 200 {
		t.Fatalf("the atasan opens the notified topic: %d", r.StatusCode)
	}
	f.submit(t, "Parkir penuh")
	if count(headNIP) != 2 {
		t.Fatalf("second topic: %d, want 2", count(headNIP))
	}
}

// TestForumAcrossInstances: a second App over the same stores (another
// instance: its own memory, its own instance id) honours the first's
// form tokens once, and the limits count posts on both.
func TestForumAcrossInstances(t *testing.T) {
	f := newForumEnv(t)
	e := f.e
	a2, err := New(context.Background(), e.cfg, e.stores, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e2 := &testEnv{t: t, app: a2, cfg: e.cfg, dir: e.dir, stores: e.stores}
	f2 := forumFix{e: e2, service: f.service, other: f.other}
	tok := f.token(t, f.service)
	if r := f2.post(t, f.service, "10.5.0.1", map[string]any{"token": tok}); r.StatusCode != 202 {
		t.Fatalf("token of instance 1 on instance 2: %d %s", r.StatusCode, r.body)
	}
	if r := f.post(t, f.service, "10.5.0.2", map[string]any{"token": tok}); r.StatusCode != 422 {
		t.Fatalf("replay on instance 1: %d, want 422", r.StatusCode)
	}
	for i := 1; i < content.TopicsPerAddress; i++ {
		on := f
		if i%2 == 1 {
			on = f2
		}
		if r := on.post(t, f.service, "10.5.0.1", nil); r.StatusCode != 202 {
			t.Fatalf("post %d: %d %s", i+1, r.StatusCode, r.body)
		}
	}
	for _, on := range []forumFix{f, f2} {
		if r := on.post(t, f.service, "10.5.0.1", nil); r.StatusCode != 429 {
			t.Fatalf("over the limit counted on both: %d, want 429", r.StatusCode)
		}
	}
}
