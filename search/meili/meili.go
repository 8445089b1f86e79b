// Package meili is the search backend at scale: a Meilisearch server
// shared by every web instance.
package meili

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/indonesian"
	"github.com/kotalama/kompeten/search/internal/snippet"
)

const (
	// version is appended to the index uid. Bump it whenever settings
	// change in a way existing documents must be reindexed for: the new
	// index starts empty and Fresh tells the caller to reindex.
	// v2: stemmed copies of the text fields, Indonesian stop words, typo
	// tolerance and ranking rules set explicitly.
	version = 2

	// DefaultIndex is the base index name when Config.Index is empty.
	DefaultIndex = "kompeten_courses"

	primaryKey = "id"

	// cropWords is how many words of a long field a snippet shows.
	cropWords = 30

	// batchSize bounds one documents request, far under Meilisearch's
	// 100 MB payload limit even for long lessons.
	batchSize = 500

	// A task is polled first at once, then after pollInterval, the wait
	// doubling up to maxPollInterval.
	pollInterval    = 50 * time.Millisecond
	maxPollInterval = time.Second

	// DefaultTaskTimeout bounds the wait for one task when
	// Config.TaskTimeout is zero. A server that accepts tasks but never
	// finishes them must not hold a worker forever; the change stays
	// pending and is tried again.
	DefaultTaskTimeout = 2 * time.Minute

	// maxPolls bounds the polls of one task whatever the deadline.
	maxPolls = 300

	// window is how deep results can be paged: the index's maxTotalHits,
	// set explicitly (it is also Meilisearch's default) and equal to
	// search.MaxLimit. Meilisearch returns no hit past it, so the driver
	// never asks past it and the API refuses offset+limit beyond it.
	window = search.MaxLimit
)

// MinVersion is the oldest Meilisearch the driver works with: the client
// library always sends typoTolerance.disableOnNumbers with the settings,
// a field Meilisearch added in v1.15 and older servers refuse as unknown.
// Open checks the server's version (GET /version) before anything else.
var MinVersion = [3]int{1, 15, 0}

// Stemmed copies of the text fields: the words of each, folded, stop
// words dropped, stemmed (indonesian.Analyze). Searchable, never
// displayed. The other field names are search.Field*.
const (
	fTitleStem       = "title_stem"
	fSummaryStem     = "summary_stem"
	fLessonTitleStem = "lesson_title_stem"
	fBodyStem        = "body_stem"
)

// textFields in order of weight: Meilisearch ranks by this order of
// searchableAttributes, and ties in snippet choice go to the earlier one,
// as in the Bleve backend.
var textFields = []string{search.FieldTitle, search.FieldSummary, search.FieldLessonTitle, search.FieldBody}

// searchable is the order Meilisearch's attribute rule ranks by: the text
// as written first, then its stems, so a word matched as written in the
// body still outranks a stem-only match in the title.
var searchable = []string{search.FieldTitle, search.FieldSummary, search.FieldLessonTitle, search.FieldBody,
	fTitleStem, fSummaryStem, fLessonTitleStem, fBodyStem}

// rankingRules are Meilisearch's defaults, written out so the index does
// not change meaning when a server upgrade changes them.
var rankingRules = []string{"words", "typo", "proximity", "attribute", "sort", "exactness"}

// croppedFields are long enough to need cropping in a snippet.
var croppedFields = []string{search.FieldSummary, search.FieldBody}

// displayed are the fields a search may return (the displayedAttributes
// setting): the stems and the filter-only fields stay inside.
var displayed = []string{search.FieldID, search.FieldType, search.FieldCourseID, search.FieldLessonID, search.FieldTitle, search.FieldSummary, search.FieldLessonTitle, search.FieldBody}

// retrieved are the fields a hit carries as stored. The text fields come
// only in _formatted, highlighted, the long ones cropped: Meilisearch puts
// in _formatted every attribute it is asked to highlight or crop, whether
// or not it is retrieved, so asking for summary and body here would ship
// every matching lesson's whole text for nothing.
var retrieved = []string{search.FieldID, search.FieldType, search.FieldCourseID, search.FieldLessonID, search.FieldTitle, search.FieldLessonTitle}

// Config says where the server is. Key (the master key or an admin key)
// must be allowed to manage the index and its documents; SearchKey, when
// set, is the only key searches use, so a search-only key is what sits on
// the hot path and the admin key never travels with a search.
type Config struct {
	URL       string
	Key       string
	SearchKey string
	Index     string // base name, default DefaultIndex; the version is appended
	// TaskTimeout bounds the wait for each task; zero means
	// DefaultTaskTimeout.
	TaskTimeout time.Duration
}

// Index is a Meilisearch-backed search.Index.
type Index struct {
	admin    meilisearch.ServiceManager
	searcher meilisearch.ServiceManager
	uid      string
	fresh    bool
	closed   atomic.Bool
	// taskTimeout and maxPolls bound every task wait.
	taskTimeout time.Duration
	maxPolls    int
	// pre and post are random placeholder tags asked of Meilisearch for
	// highlighting; document text cannot forge them, so only they become
	// <mark> once everything else is escaped.
	pre, post string
}

var _ search.Index = (*Index)(nil)

// UID returns the versioned index uid for a base name.
func UID(base string) string {
	if base == "" {
		base = DefaultIndex
	}
	return fmt.Sprintf("%s_v%d", base, version)
}

// Open connects, creates the index when absent and applies its settings,
// waiting until the server has done both.
func Open(ctx context.Context, cfg Config) (*Index, error) {
	if cfg.URL == "" {
		return nil, errors.New("meili: open: no URL configured")
	}
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("meili: open: placeholder tags: %w", err)
	}
	tag := hex.EncodeToString(nonce[:])
	i := &Index{
		admin: meilisearch.New(cfg.URL, meilisearch.WithAPIKey(cfg.Key)),
		uid:   UID(cfg.Index),
		pre:   "\uE000hl" + tag + "\uE001",
		post:  "\uE000/hl" + tag + "\uE001",

		taskTimeout: cfg.TaskTimeout,
		maxPolls:    maxPolls,
	}
	if i.taskTimeout <= 0 {
		i.taskTimeout = DefaultTaskTimeout
	}
	i.searcher = i.admin
	if cfg.SearchKey != "" {
		i.searcher = meilisearch.New(cfg.URL, meilisearch.WithAPIKey(cfg.SearchKey))
	}
	if err := i.ensure(ctx); err != nil {
		i.admin.Close()
		if i.searcher != i.admin {
			i.searcher.Close()
		}
		return nil, err
	}
	return i, nil
}

// Fresh reports whether Open created the index, so the caller knows to
// reindex every course.
func (i *Index) Fresh() bool { return i.fresh }

func (i *Index) ensure(ctx context.Context) error {
	if err := i.checkVersion(ctx); err != nil {
		return err
	}
	_, err := i.admin.GetIndex(ctx, i.uid)
	var merr *meilisearch.Error
	switch {
	case err == nil:
	case errors.As(err, &merr) && merr.HasCode(meilisearch.APIErrCodeIndexNotFound):
		info, err := i.admin.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: i.uid, PrimaryKey: primaryKey})
		if err != nil {
			return fmt.Errorf("meili: create index %s: %w", i.uid, convert(err))
		}
		// Another instance starting at the same moment may win the race;
		// its index is as good as ours.
		if err := i.wait(ctx, info, "create index "+i.uid); err != nil &&
			!errors.Is(err, errIndexExists) {
			return err
		}
		i.fresh = true
	default:
		return fmt.Errorf("meili: get index %s: %w", i.uid, convert(err))
	}
	info, err := i.admin.Index(i.uid).UpdateSettings(ctx, settings())
	if err != nil {
		return fmt.Errorf("meili: update settings of %s: %w", i.uid, convert(err))
	}
	return i.wait(ctx, info, "update settings of "+i.uid)
}

// checkVersion refuses a server older than MinVersion, naming both
// versions, before the settings request it would refuse less clearly.
func (i *Index) checkVersion(ctx context.Context) error {
	v, err := i.admin.Version(ctx)
	if err != nil {
		var merr *meilisearch.Error
		if errors.As(err, &merr) && (merr.StatusCode == 401 || merr.StatusCode == 403) {
			return fmt.Errorf("meili: version: the key may not read the server version (give it the %q action): %w", "version", err)
		}
		return fmt.Errorf("meili: version: %w", convert(err))
	}
	got, ok := parseVersion(v.PkgVersion)
	if !ok {
		return fmt.Errorf("meili: the server reports version %q, which is not a version number; Kompeten needs Meilisearch %s or later", v.PkgVersion, versionString(MinVersion))
	}
	if compareVersions(got, MinVersion) < 0 {
		return fmt.Errorf("meili: the server runs Meilisearch %s; Kompeten needs %s or later (its settings include typoTolerance.disableOnNumbers, which older servers refuse): upgrade the server",
			v.PkgVersion, versionString(MinVersion))
	}
	return nil
}

// parseVersion reads "1.15.2" or "1.16.0-rc.1" (the pre-release counts as
// its release).
func parseVersion(s string) ([3]int, bool) {
	var out [3]int
	core, _, _ := strings.Cut(strings.TrimPrefix(s, "v"), "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return out, false
	}
	for n, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return out, false
		}
		out[n] = v
	}
	return out, true
}

func compareVersions(a, b [3]int) int {
	for n := range a {
		if a[n] != b[n] {
			if a[n] < b[n] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func versionString(v [3]int) string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// settings is the whole index configuration in one place.
func settings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: searchable,
		FilterableAttributes: []string{search.FieldType, search.FieldCategory, search.FieldLevel, search.FieldStatus, search.FieldOwners, search.FieldCourseID},
		DisplayedAttributes:  displayed,
		Pagination:           &meilisearch.Pagination{MaxTotalHits: window},
		RankingRules:         rankingRules,
		StopWords:            indonesian.StopWords(),
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled: true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{
				OneTypo:  search.OneTypoMinLen,
				TwoTypos: search.TwoTyposMinLen,
			},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
	}
}

var errIndexExists = errors.New("index already exists")

// wait blocks until the task is done, at most the task timeout and
// maxPolls polls, and turns a failed or canceled task into an error, which
// the driver's WaitForTask does not (it also polls for as long as ctx
// lasts, which for a background worker may be forever). A task still
// running at the bound is ErrUnavailable: the server is not keeping up,
// and the caller keeps the change to try again.
func (i *Index) wait(ctx context.Context, info *meilisearch.TaskInfo, what string) error {
	ctx, cancel := context.WithTimeout(ctx, i.taskTimeout)
	defer cancel()
	start := time.Now()
	interval := pollInterval
	var task *meilisearch.Task
	for n := 1; ; n++ {
		t, err := i.admin.GetTask(ctx, info.TaskUID)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("meili: %s: task %d unfinished after %s: %w: %w", what, info.TaskUID,
					time.Since(start).Round(time.Millisecond), search.ErrUnavailable, ctx.Err())
			}
			return fmt.Errorf("meili: %s: wait for task %d: %w", what, info.TaskUID, convert(err))
		}
		if t.Status != meilisearch.TaskStatusEnqueued && t.Status != meilisearch.TaskStatusProcessing {
			task = t
			break
		}
		if n >= i.maxPolls {
			return fmt.Errorf("meili: %s: task %d still %s after %d polls: %w", what, info.TaskUID, t.Status, n, search.ErrUnavailable)
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("meili: %s: task %d still %s after %s: %w: %w", what, info.TaskUID, t.Status,
				time.Since(start).Round(time.Millisecond), search.ErrUnavailable, ctx.Err())
		case <-timer.C:
		}
		interval = min(interval*2, maxPollInterval)
	}
	switch task.Status {
	case meilisearch.TaskStatusSucceeded:
		return nil
	case meilisearch.TaskStatusFailed:
		err := fmt.Errorf("meili: %s: task %d failed: %s (%s)", what, info.TaskUID, task.Error.Message, task.Error.Code)
		if task.Error.Code == meilisearch.APIErrCodeIndexAlreadyExists {
			return fmt.Errorf("%w: %w", errIndexExists, err)
		}
		return err
	default:
		return fmt.Errorf("meili: %s: task %d ended %s", what, info.TaskUID, task.Status)
	}
}

// Upsert replaces the given documents whole and waits until they are
// searchable, so a caller (and the outbox) knows the change landed.
func (i *Index) Upsert(ctx context.Context, docs ...search.Doc) error {
	for _, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("meili: upsert: document without id (course %q)", d.CourseID)
		}
	}
	pk := primaryKey
	for start := 0; start < len(docs); start += batchSize {
		batch := docs[start:min(start+batchSize, len(docs))]
		out := make([]document, len(batch))
		for n, d := range batch {
			out[n] = newDocument(d)
		}
		info, err := i.admin.Index(i.uid).AddDocuments(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return fmt.Errorf("meili: upsert %d docs: %w", len(out), convert(err))
		}
		if err := i.wait(ctx, info, fmt.Sprintf("upsert %d docs", len(out))); err != nil {
			return err
		}
	}
	return nil
}

// document is what Meilisearch stores: the entry and the stemmed copies
// of its text fields.
type document struct {
	search.Doc
	TitleStem       string `json:"title_stem"`
	SummaryStem     string `json:"summary_stem"`
	LessonTitleStem string `json:"lesson_title_stem,omitempty"`
	BodyStem        string `json:"body_stem"`
}

func newDocument(d search.Doc) document {
	if d.Owners == nil {
		d.Owners = []string{} // an array, so the owners filter sees a list
	}
	stem := func(s string) string { return strings.Join(indonesian.Analyze(s), " ") }
	return document{Doc: d,
		TitleStem: stem(d.Title), SummaryStem: stem(d.Summary),
		LessonTitleStem: stem(d.LessonTitle), BodyStem: stem(d.Body)}
}

// Delete removes documents by id and waits until they are gone.
func (i *Index) Delete(ctx context.Context, ids ...string) error {
	for start := 0; start < len(ids); start += batchSize {
		batch := ids[start:min(start+batchSize, len(ids))]
		info, err := i.admin.Index(i.uid).DeleteDocuments(ctx, batch, nil)
		if err != nil {
			return fmt.Errorf("meili: delete %d docs: %w", len(batch), convert(err))
		}
		if err := i.wait(ctx, info, fmt.Sprintf("delete %d docs", len(batch))); err != nil {
			return err
		}
	}
	return nil
}

// Quote returns v as a Meilisearch filter string literal: in double
// quotes, with backslashes and double quotes escaped, so no value can end
// the literal and add its own conditions.
func Quote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// Filter returns the Meilisearch filter expression for q's filters and
// visibility, or "" when there is none.
func Filter(q search.Query) string {
	var parts []string
	if q.Category != "" {
		parts = append(parts, search.FieldCategory+" = "+Quote(q.Category))
	}
	if q.Level != "" {
		parts = append(parts, search.FieldLevel+" = "+Quote(q.Level))
	}
	if !q.All {
		vis := search.FieldStatus + ` = "published"`
		if q.Owner != "" {
			vis += " OR " + search.FieldOwners + " = " + Quote(q.Owner)
		}
		if len(q.Courses) > 0 {
			// A thread is never published (search.StatusThread): it shows
			// only through the courses the searcher may read.
			ids := make([]string, len(q.Courses))
			for n, id := range q.Courses {
				ids[n] = Quote(id)
			}
			vis += " OR (" + search.FieldStatus + " = " + Quote(search.StatusThread) + " AND " + search.FieldCourseID + " IN [" + strings.Join(ids, ", ") + "])"
		}
		if vis != search.FieldStatus+` = "published"` {
			vis = "(" + vis + ")"
		}
		parts = append(parts, vis)
	}
	return strings.Join(parts, " AND ")
}

// Search answers q with the search key.
func (i *Index) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if i.closed.Load() {
		return search.Result{}, fmt.Errorf("meili: search: %w", search.ErrUnavailable)
	}
	limit, offset := q.Page()
	if offset >= window {
		// Meilisearch would answer no hits; the API refuses such a page
		// before it gets here.
		return search.Result{Facets: map[string]int{}, Hits: []search.Hit{}}, nil
	}
	limit = min(limit, window-offset)
	// The snippet rules are Meilisearch's documented ones: highlighting
	// wraps each matched word (for the last word, a prefix match, only
	// the matched start) in the tags, inserted verbatim; cropping keeps
	// cropLength words (not characters) around the best group of
	// matches, or the first cropLength words when the field has none, and
	// puts cropMarker only where text was cut. So a body matched only
	// through its stemmed copy is cropped from its start, and markStems
	// marks the forms that fall in that crop.
	req := &meilisearch.SearchRequest{
		Offset:                int64(offset),
		Limit:                 int64(limit),
		AttributesToRetrieve:  retrieved,
		AttributesToHighlight: textFields,
		HighlightPreTag:       i.pre,
		HighlightPostTag:      i.post,
		AttributesToCrop:      croppedFields,
		CropLength:            cropWords,
		CropMarker:            snippet.Ellipsis,
		Facets:                []string{search.FieldCategory},
		ShowRankingScore:      true,
	}
	if f := Filter(q); f != "" {
		req.Filter = f
	}
	text, stems := Terms(q.Text)
	req.Query = text
	res, err := i.searcher.Index(i.uid).Search(ctx, text, req)
	if err != nil {
		return search.Result{}, fmt.Errorf("meili: search %q: %w", q.Text, convert(err))
	}

	out := search.Result{Total: int(res.EstimatedTotalHits), Facets: map[string]int{}, Hits: make([]search.Hit, 0, len(res.Hits))}
	if len(res.FacetDistribution) > 0 {
		var dist map[string]map[string]int
		if err := json.Unmarshal(res.FacetDistribution, &dist); err != nil {
			return search.Result{}, fmt.Errorf("meili: search %q: decode facets: %w", q.Text, err)
		}
		for k, v := range dist[search.FieldCategory] {
			out.Facets[k] = v
		}
	}
	for _, raw := range res.Hits {
		var h hit
		if err := raw.DecodeInto(&h); err != nil {
			return search.Result{}, fmt.Errorf("meili: search %q: decode hit: %w", q.Text, err)
		}
		out.Hits = append(out.Hits, i.toHit(h, stems))
	}
	return out, nil
}

type hit struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	CourseID    string         `json:"course_id"`
	LessonID    string         `json:"lesson_id"`
	Title       string         `json:"title"`
	LessonTitle string         `json:"lesson_title"`
	Score       float64        `json:"_rankingScore"`
	Formatted   map[string]any `json:"_formatted"`
}

func (i *Index) toHit(h hit, stems map[string]bool) search.Hit {
	cands := make([]snippet.Field, len(textFields))
	for n, f := range textFields {
		s, _ := h.Formatted[f].(string)
		s = markStems(s, i.pre, i.post, stems)
		html, words := snippet.FromTagged(s, i.pre, i.post)
		cands[n] = snippet.Field{HTML: html, Terms: len(words)}
	}
	fallback := []int{1, 3} // summary, body
	if h.Type == search.TypeLesson {
		fallback = []int{3, 2, 1} // body, lesson title, course summary
	}
	return search.Hit{
		ID:          h.ID,
		Type:        h.Type,
		CourseID:    h.CourseID,
		LessonID:    h.LessonID,
		Title:       h.Title,
		LessonTitle: h.LessonTitle,
		Snippet:     snippet.Pick(cands, fallback...),
		Score:       h.Score,
	}
}

// Ping asks the server for its health.
func (i *Index) Ping(ctx context.Context) error {
	if i.closed.Load() {
		return fmt.Errorf("meili: ping: %w", search.ErrUnavailable)
	}
	h, err := i.admin.Health(ctx)
	if err != nil {
		return fmt.Errorf("meili: ping: %w", convert(err))
	}
	if h.Status != "available" {
		return fmt.Errorf("meili: ping: server status %q: %w", h.Status, search.ErrUnavailable)
	}
	return nil
}

// Close releases idle connections; the server keeps the index.
func (i *Index) Close() error {
	if i.closed.Swap(true) {
		return nil
	}
	i.admin.Close()
	if i.searcher != i.admin {
		i.searcher.Close()
	}
	return nil
}

// convert wraps failures that mean "the server is not there or not well"
// in search.ErrUnavailable, so callers test for one error and keep the
// change in the outbox. A rejected request (bad filter, bad key) is not
// wrapped: waiting will not fix it.
func convert(err error) error {
	var merr *meilisearch.Error
	if !errors.As(err, &merr) {
		return err
	}
	switch {
	case merr.ErrCode == meilisearch.CommunicationError,
		merr.ErrCode == meilisearch.MaxRetriesExceeded,
		merr.ErrCode == meilisearch.TimeoutError && errors.Is(err, context.DeadlineExceeded),
		merr.StatusCode >= 500:
		return fmt.Errorf("%w: %w", search.ErrUnavailable, err)
	}
	return err
}
