package meili

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/internal/snippet"
	"github.com/kotalama/kompeten/search/searchtest"
)

var snippetFromTagged = snippet.FromTagged

// TestConformanceLive runs the shared suite against a real server, only
// when one is configured. Nothing else in this file talks to Meilisearch
// (but TestLiveSnippetsAndWindow, under the same variables): the tests
// below check what the driver sends to a recording fake. An operator
// proves the driver against a real server with one command:
//
//	KOMPETEN_TEST_MEILI_URL=http://localhost:7700 KOMPETEN_TEST_MEILI_KEY=MASTER_KEY \
//	  go test -count=1 -run Live ./search/meili/
func TestConformanceLive(t *testing.T) {
	liveURL(t)
	searchtest.Run(t, func(t *testing.T) search.Index { return openLive(t) })
}

func liveURL(t *testing.T) string {
	url := os.Getenv("KOMPETEN_TEST_MEILI_URL")
	if url == "" {
		t.Skip("KOMPETEN_TEST_MEILI_URL not set: no live Meilisearch to test against")
	}
	return url
}

// openLive opens a fresh index on the live server (the version check
// included) and deletes it when the test ends.
func openLive(t *testing.T) *Index {
	url := liveURL(t)
	key := os.Getenv("KOMPETEN_TEST_MEILI_KEY")
	var b [4]byte
	_, _ = rand.Read(b[:])
	base := "kompeten_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	idx, err := Open(ctx, Config{URL: url, Key: key, Index: base})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if info, err := idx.admin.DeleteIndex(ctx, idx.uid); err == nil {
			_, _ = idx.admin.WaitForTask(ctx, info.TaskUID, pollInterval)
		}
		_ = idx.Close()
	})
	return idx
}

// TestLiveSnippetsAndWindow checks on a real server what the fake can only
// assume: a long body is cropped to about cropWords words around the
// match with the marker where it was cut, the match is marked, and paging
// up to the window's edge works.
func TestLiveSnippetsAndWindow(t *testing.T) {
	idx := openLive(t)
	ctx := context.Background()
	words := make([]string, 300)
	for n := range words {
		words[n] = "kata" + strconv.Itoa(n)
	}
	words[200] = "zebrasilang"
	doc := search.Doc{ID: "c-long", Type: search.TypeCourse, CourseID: "c-long", Title: "Kursus Panjang",
		Summary: "Ringkasan", Body: strings.Join(words, " "), Category: "Teknis", Level: "dasar", Status: "published"}
	if err := idx.Upsert(ctx, doc); err != nil {
		t.Fatal(err)
	}
	res, err := idx.Search(ctx, search.Query{Text: "zebrasilang"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("%d hits, want 1", len(res.Hits))
	}
	sn := res.Hits[0].Snippet
	if !strings.Contains(sn, "<mark>zebrasilang</mark>") || !strings.HasPrefix(sn, snippet.Ellipsis) || !strings.HasSuffix(sn, snippet.Ellipsis) {
		t.Errorf("snippet %q: want the match marked, cut at both ends", sn)
	}
	if n := len(strings.Fields(sn)); n > cropWords+2 || n < cropWords/2 {
		t.Errorf("snippet has %d words, want about %d: %q", n, cropWords, sn)
	}
	for _, q := range []search.Query{{Text: "zebrasilang", Offset: window - 1, Limit: 1}, {Text: "zebrasilang", Offset: 990, Limit: 50}} {
		if _, err := idx.Search(ctx, q); err != nil {
			t.Errorf("offset %d limit %d: %v", q.Offset, q.Limit, err)
		}
	}
}

// fake answers like Meilisearch would and records every request.
type fake struct {
	t           *testing.T
	uid         string
	mu          sync.Mutex
	reqs        []recorded
	indexExists bool
	nextTask    int64
	tasks       map[int64]string // task uid -> status
	failDocs    string           // when set, document tasks fail with this message
	searchCode  int              // when set, searches answer this status
	hits        []map[string]any // search hits, _formatted filled from the request's tags
	version     string           // pkgVersion GET /version answers; "" is a current one
	versionCode int              // when set, GET /version answers this status
}

type recorded struct {
	Method, Path, Query, Auth string
	Body                      []byte
}

func newFake(t *testing.T) (*fake, *httptest.Server) {
	f := &fake{t: t, uid: UID(""), tasks: map[int64]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// last returns the last request with this method whose path matches.
func (f *fake) last(method, pathPattern string) recorded {
	f.t.Helper()
	re := regexp.MustCompile("^" + pathPattern + "$")
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && re.MatchString(reqs[i].Path) {
			return reqs[i]
		}
	}
	f.t.Fatalf("no %s %s among %v", method, pathPattern, summary(reqs))
	return recorded{}
}

func summary(reqs []recorded) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Method + " " + r.Path
	}
	return out
}

func (f *fake) task(w http.ResponseWriter, typ, status string) {
	f.nextTask++
	f.tasks[f.nextTask] = status
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"taskUid": f.nextTask, "indexUid": f.uid, "status": "enqueued", "type": typ,
		"enqueuedAt": "2026-01-01T00:00:00Z",
	})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), body})
	w.Header().Set("Content-Type", "application/json")
	uid := f.uid
	switch p := r.URL.Path; {
	case r.Method == "GET" && p == "/health":
		_, _ = io.WriteString(w, `{"status":"available"}`)
	case r.Method == "GET" && p == "/version":
		if f.versionCode != 0 {
			w.WriteHeader(f.versionCode)
			_, _ = io.WriteString(w, `{"message":"The provided API key is invalid.","code":"invalid_api_key","type":"auth","link":""}`)
			return
		}
		v := f.version
		if v == "" {
			v = "1.16.0"
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"commitSha": "x", "commitDate": "2025-08-01T00:00:00Z", "pkgVersion": v})
	case r.Method == "GET" && p == "/indexes/"+uid:
		if !f.indexExists {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Index `+"`"+uid+"`"+` not found.","code":"index_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#index_not_found"}`)
			return
		}
		_, _ = io.WriteString(w, `{"uid":"`+uid+`","primaryKey":"id","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}`)
	case r.Method == "POST" && p == "/indexes":
		f.indexExists = true
		f.task(w, "indexCreation", "succeeded")
	case r.Method == "PATCH" && p == "/indexes/"+uid+"/settings":
		f.task(w, "settingsUpdate", "succeeded")
	case r.Method == "POST" && (p == "/indexes/"+uid+"/documents" || p == "/indexes/"+uid+"/documents/delete-batch"):
		if f.failDocs != "" {
			f.task(w, "documentAdditionOrUpdate", "failed")
			return
		}
		f.task(w, "documentAdditionOrUpdate", "succeeded")
	case r.Method == "GET" && strings.HasPrefix(p, "/tasks/"):
		n, _ := strconv.ParseInt(strings.TrimPrefix(p, "/tasks/"), 10, 64)
		status, ok := f.tasks[n]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Task not found.","code":"task_not_found","type":"invalid_request","link":""}`)
			return
		}
		task := map[string]any{"uid": n, "indexUid": uid, "status": status, "type": "documentAdditionOrUpdate",
			"enqueuedAt": "2026-01-01T00:00:00Z"}
		if status == "failed" {
			task["error"] = map[string]any{"message": f.failDocs, "code": "invalid_document_id", "type": "invalid_request", "link": ""}
		}
		_ = json.NewEncoder(w).Encode(task)
	case r.Method == "POST" && p == "/indexes/"+uid+"/search":
		if f.searchCode != 0 {
			w.WriteHeader(f.searchCode)
			_, _ = io.WriteString(w, `{"message":"boom","code":"invalid_search_filter","type":"invalid_request","link":""}`)
			return
		}
		var req struct {
			Pre  string `json:"highlightPreTag"`
			Post string `json:"highlightPostTag"`
		}
		_ = json.Unmarshal(body, &req)
		hits := make([]map[string]any, len(f.hits))
		for i, h := range f.hits {
			hits[i] = map[string]any{}
			for k, v := range h {
				if k != "_formatted" {
					hits[i][k] = v
				}
			}
			// Meilisearch inserts the requested tags verbatim and escapes nothing.
			if fm, ok := h["_formatted"].(map[string]string); ok {
				out := map[string]string{}
				for k, v := range fm {
					out[k] = strings.NewReplacer("{{", req.Pre, "}}", req.Post).Replace(v)
				}
				hits[i]["_formatted"] = out
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"hits": hits, "query": "", "processingTimeMs": 1, "limit": 20, "offset": 0,
			"estimatedTotalHits": 42,
			"facetDistribution":  map[string]map[string]int{"category": {"Teknis": 40, "Manajerial": 2}},
		})
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"unexpected","code":"not_found","type":"invalid_request","link":""}`)
	}
}

func openFake(t *testing.T, f *fake, srv *httptest.Server, cfg Config) *Index {
	t.Helper()
	cfg.URL = srv.URL
	idx, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestOpenCreatesIndexAndAppliesSettings(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{Key: "admin-key"})
	if !idx.Fresh() {
		t.Error("index created by Open is not Fresh")
	}
	got := summary(f.requests())
	want := []string{"GET /version", "GET /indexes/kompeten_courses_v2", "POST /indexes", "GET /tasks/1",
		"PATCH /indexes/kompeten_courses_v2/settings", "GET /tasks/2"}
	if !slices.Equal(got, want) {
		t.Fatalf("requests = %v, want %v", got, want)
	}
	for _, r := range f.requests() {
		if r.Auth != "Bearer admin-key" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Auth)
		}
	}
	create := decode[map[string]string](t, f.last("POST", "/indexes").Body)
	if create["uid"] != "kompeten_courses_v2" || create["primaryKey"] != "id" {
		t.Errorf("create index body = %v", create)
	}
	s := decode[map[string]any](t, f.last("PATCH", "/indexes/.*/settings").Body)
	strs := func(k string) []string {
		var out []string
		for _, v := range s[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	if got, want := strs("searchableAttributes"), []string{"title", "summary", "lesson_title", "body",
		"title_stem", "summary_stem", "lesson_title_stem", "body_stem"}; !slices.Equal(got, want) {
		t.Errorf("searchableAttributes = %v, want %v (order is ranking)", got, want)
	}
	if got, want := strs("filterableAttributes"), []string{"type", "category", "level", "status", "owners", "course_id"}; !slices.Equal(got, want) {
		t.Errorf("filterableAttributes = %v, want %v", got, want)
	}
	if got := s["pagination"]; !reflect.DeepEqual(got, map[string]any{"maxTotalHits": float64(1000)}) {
		t.Errorf("pagination = %v, want maxTotalHits 1000 set explicitly", got)
	}
	if got := strs("displayedAttributes"); !slices.Contains(got, "id") || !slices.Contains(got, "body") || !slices.Contains(got, "summary") ||
		slices.Contains(got, "owners") || slices.Contains(got, "body_stem") {
		t.Errorf("displayedAttributes = %v", got)
	}
	if got, want := strs("rankingRules"), []string{"words", "typo", "proximity", "attribute", "sort", "exactness"}; !slices.Equal(got, want) {
		t.Errorf("rankingRules = %v, want %v", got, want)
	}
	if got := strs("stopWords"); !slices.Contains(got, "yang") || !slices.Contains(got, "dan") || slices.Contains(got, "pelayanan") {
		t.Errorf("stopWords = %v", got)
	}
	typo, _ := json.Marshal(s["typoTolerance"])
	if want := `{"disableOnAttributes":[],"disableOnNumbers":false,"disableOnWords":[],"enabled":true,"minWordSizeForTypos":{"oneTypo":5,"twoTypos":9}}`; string(typo) != want {
		t.Errorf("typoTolerance = %s, want %s", typo, want)
	}

	// A second start finds the index and only reapplies settings.
	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
	again := openFake(t, f, srv, Config{Key: "admin-key"})
	if again.Fresh() {
		t.Error("existing index reported Fresh")
	}
	if got := summary(f.requests()); slices.Contains(got, "POST /indexes") {
		t.Errorf("existing index created again: %v", got)
	}
}

func TestIndexNameIsVersioned(t *testing.T) {
	f, srv := newFake(t)
	f.uid = "kota_v2"
	idx := openFake(t, f, srv, Config{Index: "kota"})
	if err := idx.Delete(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.requests() {
		if strings.HasPrefix(r.Path, "/indexes/") && !strings.HasPrefix(r.Path, "/indexes/kota_v2") {
			t.Errorf("request to %s, want index kota_v2", r.Path)
		}
	}
	if got := decode[map[string]string](t, f.last("POST", "/indexes").Body)["uid"]; got != "kota_v2" {
		t.Errorf("created %q, want kota_v2", got)
	}
}

func TestUpsertSendsDocumentsAndWaits(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{Key: "admin-key", SearchKey: "search-key"})
	docs := searchtest.Fixture()[:2]
	docs[0].Owners = nil
	if err := idx.Upsert(context.Background(), docs...); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	r := f.last("POST", "/indexes/kompeten_courses_v2/documents")
	if r.Query != "primaryKey=id" || r.Auth != "Bearer admin-key" {
		t.Errorf("documents request query %q auth %q", r.Query, r.Auth)
	}
	sent := decode[[]map[string]any](t, r.Body)
	if len(sent) != 2 {
		t.Fatalf("sent %d documents, want 2", len(sent))
	}
	if sent[0]["id"] != "c-pelayanan" || sent[0]["title"] != "Pelayanan Publik Prima" || sent[0]["status"] != "published" ||
		sent[0]["category"] != "Teknis" || sent[1]["lesson_title"] != "Survei Kepuasan Masyarakat" || sent[1]["lesson_id"] != "l-survei" {
		t.Errorf("documents = %v", sent)
	}
	// The stemmed copies: folded, stop words out, stems (Tala's, flaws
	// included: "materi" and "survei" lose their -i, on both sides).
	for k, want := range map[string]string{
		"title_stem":   "layan publik prima",
		"summary_stem": "standar layan asn loket layan",
		"body_stem":    "mater standar layan minimal surve puas masyarakat",
	} {
		if sent[0][k] != want {
			t.Errorf("%s = %q, want %q", k, sent[0][k], want)
		}
	}
	if _, ok := sent[0]["lesson_title_stem"]; ok {
		t.Errorf("course sent a lesson_title_stem: %v", sent[0])
	}
	if got, want := sent[1]["lesson_title_stem"], "surve puas masyarakat"; got != want {
		t.Errorf("lesson_title_stem = %q, want %q", got, want)
	}
	if o, ok := sent[0]["owners"].([]any); !ok || len(o) != 0 {
		t.Errorf("nil owners sent as %#v, want []", sent[0]["owners"])
	}
	reqs := summary(f.requests())
	if reqs[len(reqs)-1] != "GET /tasks/3" {
		t.Errorf("Upsert returned before waiting for its task: %v", reqs)
	}
}

func TestUpsertFailedTaskIsError(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	f.mu.Lock()
	f.failDocs = "Document identifier `bad id` is invalid."
	f.mu.Unlock()
	err := idx.Upsert(context.Background(), searchtest.Fixture()[0])
	if err == nil {
		t.Fatal("Upsert succeeded though its task failed")
	}
	if !strings.Contains(err.Error(), "Document identifier `bad id` is invalid.") || !strings.Contains(err.Error(), "invalid_document_id") {
		t.Errorf("error lacks the task's message: %v", err)
	}
	if errors.Is(err, search.ErrUnavailable) {
		t.Errorf("a rejected document is not an unavailable backend: %v", err)
	}
	if err := idx.Delete(context.Background(), "x"); err == nil {
		t.Error("Delete succeeded though its task failed")
	}
}

func TestUpsertRejectsEmptyIDBeforeSending(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	n := len(f.requests())
	if err := idx.Upsert(context.Background(), search.Doc{Title: "x"}); err == nil {
		t.Fatal("Upsert without id succeeded")
	}
	if len(f.requests()) != n {
		t.Errorf("a request was sent for an invalid document")
	}
}

func TestDeleteSendsIDs(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{Key: "admin-key"})
	if err := idx.Delete(context.Background(), "c-arsip", "c-arsip_l-retensi"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	r := f.last("POST", "/indexes/kompeten_courses_v2/documents/delete-batch")
	if got := decode[[]string](t, r.Body); !slices.Equal(got, []string{"c-arsip", "c-arsip_l-retensi"}) {
		t.Errorf("delete body = %v", got)
	}
	if reqs := summary(f.requests()); reqs[len(reqs)-1] != "GET /tasks/3" {
		t.Errorf("Delete returned before waiting for its task: %v", reqs)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"Teknis":                `"Teknis"`,
		`a"b`:                   `"a\"b"`,
		`a\b`:                   `"a\\b"`,
		`\"`:                    `"\\\""`,
		`x" OR status = "draft`: `"x\" OR status = \"draft"`,
		"":                      `""`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		q    search.Query
		want string
	}{
		{search.Query{}, `status = "published"`},
		{search.Query{All: true}, ``},
		{search.Query{All: true, Owner: "u"}, ``},
		{search.Query{Owner: "198501012010011001"}, `(status = "published" OR owners = "198501012010011001")`},
		{search.Query{Category: "Sosial Kultural", Level: "dasar"}, `category = "Sosial Kultural" AND level = "dasar" AND status = "published"`},
		{search.Query{Category: "Teknis", All: true}, `category = "Teknis"`},
		{search.Query{Owner: `x" OR status = "draft`}, `(status = "published" OR owners = "x\" OR status = \"draft")`},
		{search.Query{Category: `a\"b`, Owner: `c\`}, `category = "a\\\"b" AND (status = "published" OR owners = "c\\")`},
		{search.Query{Courses: []string{"c1", `c"2`}}, `(status = "published" OR (status = "thread" AND course_id IN ["c1", "c\"2"]))`},
		{search.Query{Owner: "u", Courses: []string{"c1"}}, `(status = "published" OR owners = "u" OR (status = "thread" AND course_id IN ["c1"]))`},
	}
	for _, tt := range tests {
		if got := Filter(tt.q); got != tt.want {
			t.Errorf("Filter(%+v) =\n  %s\nwant\n  %s", tt.q, got, tt.want)
		}
	}
}

func TestSearchSendsWithSearchKey(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{Key: "admin-key", SearchKey: "search-key"})
	q := search.Query{Text: "  arsip  ", Category: "Teknis", Owner: `o"r\g`, Limit: 5, Offset: 10}
	if _, err := idx.Search(context.Background(), q); err != nil {
		t.Fatalf("Search: %v", err)
	}
	r := f.last("POST", "/indexes/kompeten_courses_v2/search")
	if r.Auth != "Bearer search-key" {
		t.Errorf("search Authorization = %q, want the search key", r.Auth)
	}
	body := decode[map[string]any](t, r.Body)
	if got, want := body["filter"], `category = "Teknis" AND (status = "published" OR owners = "o\"r\\g")`; got != want {
		t.Errorf("filter = %v, want %s", got, want)
	}
	if body["q"] != "arsip" || body["limit"] != float64(5) || body["offset"] != float64(10) {
		t.Errorf("q/limit/offset = %v/%v/%v", body["q"], body["limit"], body["offset"])
	}
	pre, post := body["highlightPreTag"].(string), body["highlightPostTag"].(string)
	if pre == "" || post == "" || pre == post || strings.ContainsAny(pre+post, "<>&\"") {
		t.Errorf("placeholder tags %q %q must be distinct and free of HTML", pre, post)
	}
	if pre != idx.pre || post != idx.post {
		t.Errorf("sent tags %q %q, index expects %q %q", pre, post, idx.pre, idx.post)
	}
	if got := body["facets"]; !equalJSON(got, []string{"category"}) {
		t.Errorf("facets = %v", got)
	}
	if got := body["attributesToHighlight"]; !equalJSON(got, []string{"title", "summary", "lesson_title", "body"}) {
		t.Errorf("attributesToHighlight = %v", got)
	}
	if got := body["attributesToCrop"]; !equalJSON(got, []string{"summary", "body"}) || body["cropLength"] != float64(cropWords) {
		t.Errorf("crop = %v, %v", got, body["cropLength"])
	}
	if body["cropMarker"] != "…" {
		t.Errorf("cropMarker = %q", body["cropMarker"])
	}
	// Summary and body come highlighted and cropped in _formatted, never
	// whole: Meilisearch formats them whether or not they are retrieved.
	if got := body["attributesToRetrieve"]; !equalJSON(got, []string{"id", "type", "course_id", "lesson_id", "title", "lesson_title"}) {
		t.Errorf("attributesToRetrieve = %v", got)
	}
	if body["showRankingScore"] != true {
		t.Errorf("showRankingScore not asked")
	}
	for _, x := range f.requests() {
		if x.Auth == "Bearer search-key" && x.Path != "/indexes/kompeten_courses_v2/search" {
			t.Errorf("search key used for %s %s", x.Method, x.Path)
		}
	}

	// Without a filter, none is sent; without a separate key, the key is used.
	f2, srv2 := newFake(t)
	idx2 := openFake(t, f2, srv2, Config{Key: "only-key"})
	if _, err := idx2.Search(context.Background(), search.Query{All: true}); err != nil {
		t.Fatal(err)
	}
	r = f2.last("POST", "/indexes/kompeten_courses_v2/search")
	if _, ok := decode[map[string]any](t, r.Body)["filter"]; ok {
		t.Errorf("empty filter sent: %s", r.Body)
	}
	if r.Auth != "Bearer only-key" {
		t.Errorf("Authorization = %q", r.Auth)
	}
	if body := decode[map[string]any](t, r.Body); body["limit"] != float64(search.DefaultLimit) {
		t.Errorf("default limit = %v", body["limit"])
	}
}

func equalJSON(got any, want []string) bool {
	list, ok := got.([]any)
	if !ok || len(list) != len(want) {
		return false
	}
	for i := range list {
		if list[i] != want[i] {
			return false
		}
	}
	return true
}

func TestSearchMapsResponseAndEscapesSnippets(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	f.mu.Lock()
	// {{ and }} stand for whatever tags the request asked for.
	f.hits = []map[string]any{
		{"id": "c-xss", "type": "course", "course_id": "c-xss", "title": "<script>alert(1)</script> Pelayanan",
			"_rankingScore": 0.9,
			"_formatted": map[string]string{"title": "<script>alert(1)</script> {{Pelayanan}}",
				"summary": "<mark>palsu</mark> & tanpa kecocokan", "body": "x"}},
		{"id": "c-a_l-r", "type": "lesson", "course_id": "c-a", "lesson_id": "l-r", "title": "Manajemen Arsip Digital",
			"lesson_title": "Retensi Arsip", "_rankingScore": 0.5,
			"_formatted": map[string]string{"title": "Manajemen {{Arsip}} Digital", "lesson_title": "Retensi {{Arsip}}",
				"body": "…jadwal {{retensi}} {{arsip}} menentukan <i>kapan</i>…"}},
		{"id": "c-b", "type": "course", "course_id": "c-b", "title": "Tanpa",
			"_formatted": map[string]string{"title": "Tanpa", "summary": "Ringkasan <b>saja</b>", "body": "Isi"}},
	}
	f.mu.Unlock()
	res, err := idx.Search(context.Background(), search.Query{Text: "pelayanan"})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if res.Total != 42 {
		t.Errorf("Total = %d, want estimatedTotalHits 42", res.Total)
	}
	if res.Facets["Teknis"] != 40 || res.Facets["Manajerial"] != 2 || len(res.Facets) != 2 {
		t.Errorf("Facets = %v", res.Facets)
	}
	if len(res.Hits) != 3 {
		t.Fatalf("%d hits", len(res.Hits))
	}
	x := res.Hits[0]
	if x.Snippet != "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Pelayanan</mark>" {
		t.Errorf("xss snippet = %q", x.Snippet)
	}
	if x.Title != "<script>alert(1)</script> Pelayanan" || x.Score != 0.9 || x.Type != "course" {
		t.Errorf("xss hit = %+v", x)
	}
	l := res.Hits[1]
	// The body matched two distinct words, more than any title.
	if want := "…jadwal <mark>retensi</mark> <mark>arsip</mark> menentukan &lt;i&gt;kapan&lt;/i&gt;…"; l.Snippet != want {
		t.Errorf("lesson snippet = %q, want %q", l.Snippet, want)
	}
	if l.LessonID != "l-r" || l.LessonTitle != "Retensi Arsip" || l.CourseID != "c-a" || l.Type != "lesson" {
		t.Errorf("lesson hit = %+v", l)
	}
	// No match anywhere: the summary, escaped, and a literal <mark> in
	// document text is text, not markup.
	if want := "Ringkasan &lt;b&gt;saja&lt;/b&gt;"; res.Hits[2].Snippet != want {
		t.Errorf("no-match snippet = %q, want %q", res.Hits[2].Snippet, want)
	}
	for _, h := range res.Hits {
		if strings.Contains(h.Snippet, "\uE000") || strings.Contains(h.Snippet, "<script") {
			t.Errorf("%s: placeholder or raw HTML left in %q", h.ID, h.Snippet)
		}
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := Open(context.Background(), Config{URL: url})
	if !errors.Is(err, search.ErrUnavailable) {
		t.Fatalf("Open on a closed port = %v, want ErrUnavailable", err)
	}
}

func TestServerErrorsMapping(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	f.mu.Lock()
	f.searchCode = http.StatusInternalServerError
	f.mu.Unlock()
	if _, err := idx.Search(context.Background(), search.Query{Text: "a"}); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("500 = %v, want ErrUnavailable", err)
	}
	f.mu.Lock()
	f.searchCode = http.StatusBadRequest
	f.mu.Unlock()
	_, err := idx.Search(context.Background(), search.Query{Text: "a"})
	if err == nil || errors.Is(err, search.ErrUnavailable) {
		t.Errorf("400 = %v, want a plain error", err)
	}

	if err := idx.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	srv.Close()
	if err := idx.Ping(context.Background()); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("Ping of a stopped server = %v, want ErrUnavailable", err)
	}
	_ = idx.Close()
	if err := idx.Ping(context.Background()); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
	}
}

func TestTerms(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"  arsip  ", "arsip"},
		{"layanan", "layan layanan"},
		{"Pelayanan", "layan pelayanan"},
		{"etika pelayanan", "etika layan pelayanan"},
		{"etika pel", "etika pel"},
		{"layanan pelay", "layan layanan pelay"},
		{"pelayanan yang prima di loket", "layan prima pelayanan loket"},
		{"mengarsipkan arsip", "mengarsipkan arsip"}, // the last word stays last
		{"arsip arsip", "arsip"},
		{"di", "di"},
		{"", ""},
		{"<b>Pélayanan</b>", "layan pelayanan b"},
	} {
		if got, _ := Terms(tt.in); got != tt.want {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchSendsStemmedQuery(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	f.mu.Lock()
	// Meilisearch matched "pelayanan" through title_stem only, so it
	// marked nothing in the title as written; "loket" it marked itself.
	f.hits = []map[string]any{
		{"id": "c", "type": "course", "course_id": "c", "title": "Pelayanan Publik",
			"_formatted": map[string]string{"title": "Pelayanan Publik", "summary": "{{Loket}} layanan & pelayanannya", "body": "x"}},
	}
	f.mu.Unlock()
	res, err := idx.Search(context.Background(), search.Query{Text: "Layanan di loket"})
	if err != nil {
		t.Fatal(err)
	}
	body := decode[map[string]any](t, f.last("POST", "/indexes/kompeten_courses_v2/search").Body)
	if body["q"] != "layan layanan loket" {
		t.Errorf("q = %q, want the stems, then the words, the last word last", body["q"])
	}
	if got, want := res.Hits[0].Snippet, "<mark>Loket</mark> <mark>layanan</mark> &amp; <mark>pelayanannya</mark>"; got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
}

func TestMarkStemsKeepsTags(t *testing.T) {
	pre, post := "\uE000hl1\uE001", "\uE000/hl1\uE001"
	stems := map[string]bool{"layan": true}
	in := "pelayanan " + pre + "layanan" + post + " yang melayani" + pre + "x"
	got := markStems(in, pre, post, stems)
	want := pre + "pelayanan" + post + " " + pre + "layanan" + post + " yang " + pre + "melayani" + post + pre + "x"
	if got != want {
		t.Errorf("markStems = %q, want %q", got, want)
	}
	if html, _ := snippetFromTagged(got, pre, post); strings.Count(html, "<mark>") != strings.Count(html, "</mark>") {
		t.Errorf("unbalanced marks in %q", html)
	}
}

// TestClosedIsUnavailable: after Close, a search fails as unavailable
// without a request, as the shared suite asks of every backend.
func TestClosedIsUnavailable(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	_ = idx.Close()
	n := len(f.requests())
	if _, err := idx.Search(context.Background(), search.Query{Text: "pelayanan"}); !errors.Is(err, search.ErrUnavailable) {
		t.Fatalf("Search after Close = %v, want ErrUnavailable", err)
	}
	if len(f.requests()) != n {
		t.Error("a request was sent after Close")
	}
}

// TestOpenRefusesOldServer: a server older than MinVersion would refuse
// the settings (typoTolerance.disableOnNumbers); Open says so, naming the
// version found and the one needed, before touching the index.
func TestOpenRefusesOldServer(t *testing.T) {
	for _, v := range []string{"1.12.3", "1.14.0", "0.30.5", "nightly"} {
		f, srv := newFake(t)
		f.version = v
		_, err := Open(context.Background(), Config{URL: srv.URL})
		if err == nil {
			t.Errorf("%s: Open succeeded", v)
			continue
		}
		if !strings.Contains(err.Error(), v) || !strings.Contains(err.Error(), "1.15.0") {
			t.Errorf("%s: error %q does not name both versions", v, err)
		}
		if errors.Is(err, search.ErrUnavailable) {
			t.Errorf("%s: an old server is not a passing outage: %v", v, err)
		}
		if got := summary(f.requests()); !slices.Equal(got, []string{"GET /version"}) {
			t.Errorf("%s: requests %v, want only the version check", v, got)
		}
	}
	for _, v := range []string{"1.15.0", "1.15.2", "1.16.0", "1.16.0-rc.1", "2.0.0", "v1.20.1"} {
		f, srv := newFake(t)
		f.version = v
		if _, err := Open(context.Background(), Config{URL: srv.URL}); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	f, srv := newFake(t)
	f.versionCode = http.StatusForbidden
	_, err := Open(context.Background(), Config{URL: srv.URL, Key: "no-version-right"})
	if err == nil || !strings.Contains(err.Error(), `"version" action`) {
		t.Errorf("a key without the version action: %v", err)
	}
}

// TestSearchStaysInWindow: Meilisearch returns nothing past maxTotalHits,
// so a page reaching past it is cut at it, and one starting past it is
// not asked for.
func TestSearchStaysInWindow(t *testing.T) {
	f, srv := newFake(t)
	idx := openFake(t, f, srv, Config{})
	if _, err := idx.Search(context.Background(), search.Query{Text: "a", Limit: 50, Offset: 980}); err != nil {
		t.Fatal(err)
	}
	body := decode[map[string]any](t, f.last("POST", "/indexes/kompeten_courses_v2/search").Body)
	if body["offset"] != float64(980) || body["limit"] != float64(20) {
		t.Errorf("offset/limit = %v/%v, want 980/20", body["offset"], body["limit"])
	}
	n := len(f.requests())
	res, err := idx.Search(context.Background(), search.Query{Text: "a", Offset: 1000})
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("past the window: %v, %d hits", err, len(res.Hits))
	}
	if len(f.requests()) != n {
		t.Error("a search past the window was sent")
	}
}
