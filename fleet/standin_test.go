//go:build unix

package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SearchStandIn is NOT Meilisearch. No Meilisearch server can run here,
// so the fleet's search side is this stand-in: an HTTP server speaking the
// part of Meilisearch's API that search/meili uses (indexes, settings,
// documents, tasks, search), shared by every instance. It applies each
// write when it is enqueued, in arrival order, as Meilisearch's task queue
// would, and records the order of every write and which instance sent it
// (each instance has its own key). Its search is a plain substring match
// with the filter grammar meili.Filter writes: enough to find a course,
// nothing like Meilisearch's ranking. The live driver suite
// (KOMPETEN_TEST_MEILI_URL, search/meili) is where the real server is
// proven.
type SearchStandIn struct {
	URL string

	mu      sync.Mutex
	indexes map[string]*standInIndex
	tasks   map[int64]standInTask
	next    int64
	writes  []Write
	odd     []string                 // requests it did not understand
	slow    map[string]time.Duration // per key: delay before a document write is accepted
	held    int                      // document writes being held back by slow
}

type standInIndex struct {
	primaryKey string
	settings   map[string]any
	docs       map[string]map[string]any
}

type standInTask struct {
	uid                 int64
	index, typ, status  string
	errCode, errMessage string
	at                  time.Time
}

// Write is one document write as the stand-in applied it.
type Write struct {
	Seq   int
	Key   string // the writer's API key: which instance
	Op    string // "upsert" or "delete"
	ID    string // document id
	Title string // title of an upserted document
	At    time.Time
}

func startSearchStandIn(t *testing.T) *SearchStandIn {
	s := &SearchStandIn{indexes: map[string]*standInIndex{}, tasks: map[int64]standInTask{}, slow: map[string]time.Duration{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Slow makes document writes sent with key wait d before they are
// accepted: an instance whose index write was delayed between reading a
// course and writing it (a GC pause, a slow link). Zero clears it.
func (s *SearchStandIn) Slow(key string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow[key] = d
}

// Held is how many document writes Slow is holding back now.
func (s *SearchStandIn) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Writes returns every document write so far, in the order applied.
func (s *SearchStandIn) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

// Unexpected lists the requests the stand-in could not answer as
// Meilisearch would: a driver change it must learn.
func (s *SearchStandIn) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.odd)
}

// Doc returns the document id of the only index, nil when absent.
func (s *SearchStandIn) Doc(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ix := range s.indexes {
		if d, ok := ix.docs[id]; ok {
			return d
		}
	}
	return nil
}

// DocIDs lists the documents of every index.
func (s *SearchStandIn) DocIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, ix := range s.indexes {
		for id := range ix.docs {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (s *SearchStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " " + pattern(parts)
	if isDocWrite(route) {
		s.mu.Lock()
		d := s.slow[key]
		if d > 0 {
			s.held++
		}
		s.mu.Unlock()
		if d > 0 {
			time.Sleep(d)
			defer func() { s.mu.Lock(); s.held--; s.mu.Unlock() }()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	uid := ""
	if len(parts) > 1 && parts[0] == "indexes" {
		uid = parts[1]
	}
	ix := s.indexes[uid]
	needIndex := func() bool {
		if ix == nil {
			meiliError(w, 404, "index_not_found", fmt.Sprintf("Index `%s` not found.", uid))
			return false
		}
		return true
	}
	switch route {
	case "GET health":
		writeJSON(w, 200, map[string]any{"status": "available"})
	case "GET version":
		writeJSON(w, 200, map[string]any{"pkgVersion": "1.16.0", "commitSha": "stand-in", "commitDate": "2026-01-01T00:00:00Z"})
	case "POST indexes":
		var in struct {
			UID        string `json:"uid"`
			PrimaryKey string `json:"primaryKey"`
		}
		if json.Unmarshal(body, &in) != nil || in.UID == "" {
			s.unexpected(w, r, body)
			return
		}
		if s.indexes[in.UID] != nil {
			s.task(w, in.UID, "indexCreation", "index_already_exists", fmt.Sprintf("Index `%s` already exists.", in.UID))
			return
		}
		s.indexes[in.UID] = &standInIndex{primaryKey: in.PrimaryKey, settings: map[string]any{}, docs: map[string]map[string]any{}}
		s.task(w, in.UID, "indexCreation", "", "")
	case "GET indexes/*":
		if needIndex() {
			writeJSON(w, 200, map[string]any{"uid": uid, "primaryKey": ix.primaryKey,
				"createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"})
		}
	case "DELETE indexes/*":
		if needIndex() {
			delete(s.indexes, uid)
			s.task(w, uid, "indexDeletion", "", "")
		}
	case "PATCH indexes/*/settings":
		var in map[string]any
		if json.Unmarshal(body, &in) != nil {
			s.unexpected(w, r, body)
			return
		}
		if needIndex() {
			for k, v := range in {
				ix.settings[k] = v
			}
			s.task(w, uid, "settingsUpdate", "", "")
		}
	case "GET indexes/*/settings":
		if needIndex() {
			writeJSON(w, 200, ix.settings)
		}
	case "POST indexes/*/documents", "PUT indexes/*/documents":
		var docs []map[string]any
		if json.Unmarshal(body, &docs) != nil {
			s.unexpected(w, r, body)
			return
		}
		if ix == nil { // Meilisearch creates the index on a first write
			ix = &standInIndex{primaryKey: r.URL.Query().Get("primaryKey"), settings: map[string]any{}, docs: map[string]map[string]any{}}
			s.indexes[uid] = ix
		}
		if ix.primaryKey == "" {
			ix.primaryKey = r.URL.Query().Get("primaryKey")
		}
		for _, d := range docs {
			id := fmt.Sprint(d[ix.primaryKey])
			if cur, ok := ix.docs[id]; ok && r.Method == "PUT" {
				for k, v := range d {
					cur[k] = v
				}
				d = cur
			}
			ix.docs[id] = d
			title, _ := d["title"].(string)
			s.record(key, "upsert", id, title)
		}
		s.task(w, uid, "documentAdditionOrUpdate", "", "")
	case "POST indexes/*/documents/delete-batch":
		var ids []any
		if json.Unmarshal(body, &ids) != nil {
			s.unexpected(w, r, body)
			return
		}
		if needIndex() {
			for _, id := range ids {
				s.deleteDoc(ix, key, fmt.Sprint(id))
			}
			s.task(w, uid, "documentDeletion", "", "")
		}
	case "POST indexes/*/documents/delete":
		var in struct {
			Filter any `json:"filter"`
		}
		if json.Unmarshal(body, &in) != nil {
			s.unexpected(w, r, body)
			return
		}
		match, err := compileFilter(in.Filter)
		if err != nil {
			meiliError(w, 400, "invalid_document_filter", err.Error())
			return
		}
		if needIndex() {
			for id, d := range ix.docs {
				if match(d) {
					s.deleteDoc(ix, key, id)
				}
			}
			s.task(w, uid, "documentDeletion", "", "")
		}
	case "DELETE indexes/*/documents/*":
		if needIndex() {
			s.deleteDoc(ix, key, parts[3])
			s.task(w, uid, "documentDeletion", "", "")
		}
	case "DELETE indexes/*/documents":
		if needIndex() {
			for id := range ix.docs {
				s.deleteDoc(ix, key, id)
			}
			s.task(w, uid, "documentDeletion", "", "")
		}
	case "GET indexes/*/documents/*":
		if needIndex() {
			d, ok := ix.docs[parts[3]]
			if !ok {
				meiliError(w, 404, "document_not_found", fmt.Sprintf("Document `%s` not found.", parts[3]))
				return
			}
			writeJSON(w, 200, d)
		}
	case "POST indexes/*/search", "GET indexes/*/search":
		if needIndex() {
			s.search(w, r, ix, body)
		}
	case "GET tasks/*":
		n, _ := strconv.ParseInt(parts[1], 10, 64)
		t, ok := s.tasks[n]
		if !ok {
			meiliError(w, 404, "task_not_found", fmt.Sprintf("Task `%d` not found.", n))
			return
		}
		out := map[string]any{"uid": t.uid, "indexUid": t.index, "status": t.status, "type": t.typ,
			"enqueuedAt": t.at.Format(time.RFC3339Nano), "startedAt": t.at.Format(time.RFC3339Nano),
			"finishedAt": t.at.Format(time.RFC3339Nano), "duration": "PT0S"}
		if t.errCode != "" {
			out["error"] = map[string]any{"message": t.errMessage, "code": t.errCode, "type": "invalid_request",
				"link": "https://docs.meilisearch.com/errors#" + t.errCode}
		}
		writeJSON(w, 200, out)
	default:
		s.unexpected(w, r, body)
	}
}

// pattern turns a path into its route shape: "indexes/*/documents".
func pattern(parts []string) string {
	out := slices.Clone(parts)
	for i := range out {
		if i%2 == 1 {
			out[i] = "*"
		}
	}
	// Fixed words in odd places stay: documents/delete-batch, documents/delete.
	if len(parts) == 4 && parts[2] == "documents" && (parts[3] == "delete-batch" || parts[3] == "delete" || parts[3] == "fetch") {
		out[3] = parts[3]
	}
	return strings.Join(out, "/")
}

func isDocWrite(route string) bool {
	return strings.Contains(route, "/documents") && !strings.HasPrefix(route, "GET ")
}

func (s *SearchStandIn) record(key, op, id, title string) {
	s.writes = append(s.writes, Write{Seq: len(s.writes) + 1, Key: key, Op: op, ID: id, Title: title, At: time.Now()})
}

func (s *SearchStandIn) deleteDoc(ix *standInIndex, key, id string) {
	delete(ix.docs, id)
	s.record(key, "delete", id, "")
}

// task records a task already finished (failed when code is set) and
// answers 202 with its summary, as Meilisearch does for every write.
func (s *SearchStandIn) task(w http.ResponseWriter, index, typ, code, message string) {
	s.next++
	status := "succeeded"
	if code != "" {
		status = "failed"
	}
	t := standInTask{uid: s.next, index: index, typ: typ, status: status, errCode: code, errMessage: message, at: time.Now().UTC()}
	s.tasks[t.uid] = t
	writeJSON(w, 202, map[string]any{"taskUid": t.uid, "indexUid": index, "status": "enqueued", "type": typ,
		"enqueuedAt": t.at.Format(time.RFC3339Nano)})
}

func (s *SearchStandIn) unexpected(w http.ResponseWriter, r *http.Request, body []byte) {
	s.odd = append(s.odd, fmt.Sprintf("%s %s %.200s", r.Method, r.URL.RequestURI(), body))
	meiliError(w, 501, "not_implemented", "the fleet test's search stand-in does not know "+r.Method+" "+r.URL.Path)
}

func meiliError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"message": message, "code": code, "type": "invalid_request",
		"link": "https://docs.meilisearch.com/errors#" + code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// search matches documents holding any word of q in a text field, after
// the filter; hits are in id order with every field "highlighted" as is.
func (s *SearchStandIn) search(w http.ResponseWriter, r *http.Request, ix *standInIndex, body []byte) {
	var in struct {
		Q                    string   `json:"q"`
		Filter               any      `json:"filter"`
		Offset               int      `json:"offset"`
		Limit                *int     `json:"limit"`
		Facets               []string `json:"facets"`
		AttributesToRetrieve []string `json:"attributesToRetrieve"`
	}
	if r.Method == "GET" {
		in.Q = r.URL.Query().Get("q")
	} else if json.Unmarshal(body, &in) != nil {
		s.unexpected(w, r, body)
		return
	}
	limit := 20
	if in.Limit != nil {
		limit = *in.Limit
	}
	match, err := compileFilter(in.Filter)
	if err != nil {
		meiliError(w, 400, "invalid_search_filter", err.Error())
		return
	}
	words := strings.Fields(strings.ToLower(in.Q))
	var ids []string
	for id, d := range ix.docs {
		if !match(d) {
			continue
		}
		if len(words) > 0 {
			var text strings.Builder
			for _, v := range d {
				if s, ok := v.(string); ok {
					text.WriteString(strings.ToLower(s) + " ")
				}
			}
			found := false
			for _, word := range words {
				found = found || strings.Contains(text.String(), word)
			}
			if !found {
				continue
			}
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	facets := map[string]map[string]int{}
	for _, f := range in.Facets {
		facets[f] = map[string]int{}
		for _, id := range ids {
			if v, ok := ix.docs[id][f].(string); ok {
				facets[f][v]++
			}
		}
	}
	hits := []map[string]any{}
	for i, id := range ids {
		if i < in.Offset || len(hits) >= limit {
			continue
		}
		h := map[string]any{}
		formatted := map[string]any{}
		for k, v := range ix.docs[id] {
			if len(in.AttributesToRetrieve) == 0 || slices.Contains(in.AttributesToRetrieve, k) {
				h[k] = v
				formatted[k] = v
			}
		}
		h["_formatted"] = formatted
		h["_rankingScore"] = 1.0
		hits = append(hits, h)
	}
	writeJSON(w, 200, map[string]any{"hits": hits, "query": in.Q, "processingTimeMs": 0, "limit": limit, "offset": in.Offset,
		"estimatedTotalHits": len(ids), "facetDistribution": facets})
}

// compileFilter reads the filter grammar meili.Filter writes: conditions
// field = "value" and field IN ["a", "b"] joined by AND and OR, with
// parentheses. Anything else
// is refused, so a driver that starts writing more shows up here.
func compileFilter(f any) (func(map[string]any) bool, error) {
	switch f := f.(type) {
	case nil:
		return func(map[string]any) bool { return true }, nil
	case string:
		if strings.TrimSpace(f) == "" {
			return func(map[string]any) bool { return true }, nil
		}
		p := &filterParser{toks: tokenize(f)}
		m, err := p.or()
		if err == nil && p.i != len(p.toks) {
			err = fmt.Errorf("stand-in: unexpected %q in filter %q", p.toks[p.i], f)
		}
		return m, err
	}
	return nil, fmt.Errorf("stand-in: filter %v: only a string filter is understood", f)
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')' || c == '=' || c == '[' || c == ']' || c == ',':
			toks = append(toks, string(c))
			i++
		case c == '"':
			var b strings.Builder
			b.WriteByte('"')
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			toks = append(toks, b.String())
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" ()=\"[],", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

type filterParser struct {
	toks []string
	i    int
}

type matcher = func(map[string]any) bool

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) or() (matcher, error) {
	return p.chain("OR", p.and, func(a, b matcher) matcher { return func(d map[string]any) bool { return a(d) || b(d) } })
}

func (p *filterParser) and() (matcher, error) {
	return p.chain("AND", p.atom, func(a, b matcher) matcher { return func(d map[string]any) bool { return a(d) && b(d) } })
}

func (p *filterParser) chain(op string, next func() (matcher, error), join func(a, b matcher) matcher) (matcher, error) {
	m, err := next()
	for err == nil && p.peek() == op {
		p.i++
		var n matcher
		if n, err = next(); err == nil {
			m = join(m, n)
		}
	}
	return m, err
}

func (p *filterParser) atom() (matcher, error) {
	if p.peek() == "(" {
		p.i++
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("stand-in: filter: missing )")
		}
		p.i++
		return m, nil
	}
	if p.i+2 >= len(p.toks) {
		return nil, fmt.Errorf("stand-in: filter ends early")
	}
	field, op := p.toks[p.i], p.toks[p.i+1]
	var vals []string
	switch {
	case op == "=" && strings.HasPrefix(p.toks[p.i+2], `"`):
		vals = []string{p.toks[p.i+2][1:]}
		p.i += 3
	case op == "IN" && p.toks[p.i+2] == "[":
		p.i += 3
		for p.i < len(p.toks) && strings.HasPrefix(p.toks[p.i], `"`) {
			vals = append(vals, p.toks[p.i][1:])
			p.i++
			if p.peek() == "," {
				p.i++
			}
		}
		if p.peek() != "]" {
			return nil, fmt.Errorf("stand-in: filter: missing ] after %s IN", field)
		}
		p.i++
	default:
		return nil, fmt.Errorf("stand-in: filter: want field = \"value\" or field IN [\"a\", …] at %q", field)
	}
	return func(d map[string]any) bool {
		switch v := d[field].(type) {
		case string:
			return slices.Contains(vals, v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok && slices.Contains(vals, s) {
					return true
				}
			}
		}
		return false
	}, nil
}
