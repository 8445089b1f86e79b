package content

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

// Training needs (analisis kebutuhan): per unit and year, where service
// falls short (the unit's IKM and its weakest SKM elements), where people
// fall short (competency gaps from assessments, people below the JP
// target, overdue assignments), and which published courses answer each,
// with the reason. Every figure comes from aggregates and indexed reads
// per unit (SKM month aggregates, the JP ledger by unit, assessments by
// unit), never from raw responses, and each unit's data is read once: a
// unit's figures roll up those of every unit below it in memory.

// NeedsRule maps one SKM element to the competency tags of the courses
// that train it, and the element grade that triggers a recommendation:
// "C" means C or worse.
type NeedsRule struct {
	Element string   `bson:"element" json:"element"`
	Tags    []string `bson:"tags" json:"tags"`
	Trigger string   `bson:"trigger" json:"trigger"`
}

// NeedsRules are the admin's rules, one per element, in element order.
type NeedsRules struct {
	Elements []NeedsRule `bson:"elements" json:"elements"`
	Updated  time.Time   `bson:"updated,omitempty" json:"updated_at,omitzero"`
	By       string      `bson:"by,omitempty" json:"by,omitempty"`
}

const needsRulesKey = "needs-rules"

// Bounds of the rules an admin may write.
const (
	maxRuleTags   = 10
	maxTagLen     = 60
	maxRulesInput = 2 * ikm.Elements
)

// Grades from best to worst; a rule's trigger is one of them.
var Grades = []string{"A", "B", "C", "D"}

func gradeRank(g string) int { return slices.Index(Grades, g) }

// DefaultNeedsRules are the rules before an admin edits them: each element
// points at the competency its weakness most plainly asks for, and fires
// at C (Kurang Baik) or worse.
func DefaultNeedsRules() NeedsRules {
	tags := map[string][]string{
		"u1": {"standar-pelayanan"},
		"u2": {"prosedur-pelayanan"},
		"u3": {"manajemen-waktu"},
		"u4": {"transparansi-biaya"},
		"u5": {"kualitas-produk-layanan"},
		"u6": {"kompetensi-teknis"},
		"u7": {"etika-pelayanan"},
		"u8": {"pengelolaan-pengaduan"},
		"u9": {"sarana-prasarana"},
	}
	r := NeedsRules{}
	for _, code := range ikm.Codes {
		r.Elements = append(r.Elements, NeedsRule{Element: code, Tags: tags[code], Trigger: "C"})
	}
	return r
}

// NeedsRules returns the stored rules, or the defaults. Every element has
// exactly one rule, in element order.
func (s *Service) NeedsRules(ctx context.Context) (NeedsRules, error) {
	var r NeedsRules
	_, err := s.docs.C(collSettings).Get(ctx, needsRulesKey, &r)
	if errors.Is(err, docs.ErrNotFound) {
		return DefaultNeedsRules(), nil
	}
	if err != nil {
		return NeedsRules{}, mapErr(err, "needs rules")
	}
	return completeRules(r), nil
}

// completeRules puts the rules in element order with one per element; an
// element the stored rules lack has no tags (it recommends nothing).
func completeRules(r NeedsRules) NeedsRules {
	by := map[string]NeedsRule{}
	for _, e := range r.Elements {
		by[e.Element] = e
	}
	out := NeedsRules{Updated: r.Updated, By: r.By}
	for _, code := range ikm.Codes {
		e, ok := by[code]
		if !ok {
			e = NeedsRule{Element: code, Trigger: "C"}
		}
		if e.Tags == nil {
			e.Tags = []string{}
		}
		out.Elements = append(out.Elements, e)
	}
	return out
}

// foldTag folds a competency tag the way courses store them (a slug, see
// NormalizeTag), so rules, gaps and course tags compare alike.
func foldTag(t string) string {
	if n, m := NormalizeTag(t); m == nil {
		return n
	}
	return strings.ToLower(strings.TrimSpace(t))
}

// SetNeedsRules replaces the rules (admins only). Elements not named keep
// no tags. A bad element code, an unknown grade or a bad tag is refused
// naming the field, e.g. "elements[2].trigger", and nothing is written.
func (s *Service) SetNeedsRules(ctx context.Context, actor User, in []NeedsRule) (NeedsRules, error) {
	if !actor.Has(RoleAdmin) {
		return NeedsRules{}, ErrForbidden
	}
	if len(in) > maxRulesInput {
		return NeedsRules{}, invalid("elements", msg("needs.too_many_rules", ikm.Elements))
	}
	f := fieldErrors{}
	seen := map[string]bool{}
	var rules []NeedsRule
	for i, e := range in {
		name := "elements[" + strconv.Itoa(i) + "]"
		e.Element = strings.ToLower(strings.TrimSpace(e.Element))
		e.Trigger = strings.ToUpper(strings.TrimSpace(e.Trigger))
		switch {
		case !slices.Contains(ikm.Codes[:], e.Element):
			f[name+".element"] = msg("needs.element", e.Element)
		case seen[e.Element]:
			f[name+".element"] = msg("needs.element_twice", e.Element)
		}
		seen[e.Element] = true
		if gradeRank(e.Trigger) < 0 {
			f[name+".trigger"] = msg("needs.grade", e.Trigger)
		}
		if len(e.Tags) > maxRuleTags {
			f[name+".tags"] = msg("needs.too_many_tags", maxRuleTags)
		} else {
			tags, m := cleanTags(e.Tags)
			if m != nil {
				f[name+".tags"] = *m
			}
			e.Tags = tags
		}
		rules = append(rules, e)
	}
	if err := f.err(); err != nil {
		return NeedsRules{}, err
	}
	before, err := s.NeedsRules(ctx)
	if err != nil {
		return NeedsRules{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r, err := upsert(ctx, s.docs.C(collSettings), needsRulesKey, func(r *NeedsRules) error {
		*r = NeedsRules{Elements: rules, Updated: now, By: actor.NIP}
		return nil
	})
	if err != nil {
		return NeedsRules{}, mapErr(err, "needs rules")
	}
	s.forgetNeeds()
	s.Audit(ctx, actor, "needs.rules", needsRulesKey, before, r)
	return completeRules(r), nil
}

// cleanTags folds and de-duplicates tags, refusing one that is too long or
// holds a control character or a comma (tags are typed as a list).
func cleanTags(in []string) ([]string, *Msg) {
	out := []string{}
	for _, t := range in {
		t = foldTag(t)
		switch {
		case t == "":
			continue
		case utf8.RuneCountInString(t) > maxTagLen:
			m := msg("needs.tag_long", maxTagLen)
			return nil, &m
		case strings.ContainsFunc(t, func(r rune) bool { return unicode.IsControl(r) || r == ',' || r == ';' }):
			m := msg("needs.tag_chars")
			return nil, &m
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// What the dashboard shows.

// ElementScore is one SKM element's mean and grade.
type ElementScore struct {
	Element string  `json:"element"`
	Mean    float64 `json:"mean"`
	Grade   string  `json:"grade"`
}

// TagGap is how many assessed people are below the level their position
// requires in a competency, and how far below on average (over them).
type TagGap struct {
	Tag      string  `json:"tag"`
	People   int     `json:"people"`
	Assessed int     `json:"assessed"`
	MeanGap  float64 `json:"mean_gap"`
	// NIPs are the people below, for the action that assigns to them.
	NIPs []string `json:"-"`
}

// MonthIKM is a month's responses and IKM (0 without responses).
type MonthIKM struct {
	Month     string  `json:"month"`
	Responses int     `json:"responses"`
	IKM       float64 `json:"ikm"`
}

// NeedReason says why a course is recommended: a weak SKM element
// (Kind "skm": Element, Grade, Mean) or a competency gap (Kind "gap":
// Tag, People, MeanGap). The app words it in the reader's language.
type NeedReason struct {
	Kind    string   `json:"kind"`
	Element string   `json:"element,omitempty"`
	Grade   string   `json:"grade,omitempty"`
	Mean    float64  `json:"mean,omitempty"`
	Tag     string   `json:"tag,omitempty"`
	Tags    []string `json:"tags,omitempty"`
	People  int      `json:"people,omitempty"`
	MeanGap float64  `json:"mean_gap,omitempty"`
}

// Key names the reason in the assign action: "skm:u6" or "gap:<tag>".
func (r NeedReason) Key() string {
	if r.Kind == "skm" {
		return "skm:" + r.Element
	}
	return "gap:" + r.Tag
}

// Recommendation is a reason with the published courses that answer it
// (none when no course carries its tags yet: the page says so).
type Recommendation struct {
	Reason  NeedReason   `json:"reason"`
	Courses []CourseCard `json:"courses"`
}

// UnitNeeds is one unit's needs for a year, rolled up over the units below
// it (or, for an atasan, their team's).
type UnitNeeds struct {
	Code      string         `json:"code"`
	Name      string         `json:"name"`
	Parent    string         `json:"parent,omitempty"`
	Responses int            `json:"responses"`
	IKM       float64        `json:"ikm"`
	Grade     string         `json:"grade"`
	Label     string         `json:"label"`
	Elements  []ElementScore `json:"elements"`
	Weakest   []ElementScore `json:"weakest"`
	Months    []MonthIKM     `json:"months"`
	Gaps      []TagGap       `json:"gaps"`
	Assessed  int            `json:"assessed"`
	Members   int            `json:"members"`
	BelowJP   int            `json:"below_jp"`
	Overdue   int            `json:"overdue"`
	// BelowJPPeople lists who is below the target, on a unit's own view.
	BelowJPPeople []string         `json:"-"`
	Recommended   []Recommendation `json:"recommendations"`
}

// Needs is the dashboard of a year: the whole city (Units is every unit,
// each rolled up, with City their sum), one unit (Units is it and the
// units directly below it), or an atasan's team.
type Needs struct {
	Year       int         `json:"year"`
	City       *UnitNeeds  `json:"city,omitempty"`
	Unit       *UnitNeeds  `json:"unit,omitempty"`
	Units      []UnitNeeds `json:"units"`
	Team       *UnitNeeds  `json:"team,omitempty"`
	ComputedAt time.Time   `json:"computed_at"`
	// Rules are the rules the recommendations followed.
	Rules NeedsRules `json:"-"`
}

// NeedsMaxAge is how long a computed dashboard is served as it is.
// Computing the city's reads every unit's aggregates; admins reload it.
// After NeedsMaxAge the next request still gets the kept result at once
// while one recomputation runs behind it, so a figure is at most
// NeedsMaxAge plus one computation old, and the page shows when it was
// computed. Past needsMaxStale (nobody looked for a while) a request waits
// for a fresh one. Each instance keeps its own results; no other needs
// them.
const (
	NeedsMaxAge   = 30 * time.Second
	needsMaxStale = 10 * time.Minute
)

type needsKey struct {
	Year int
	Unit string
}

// needsCaches holds each Service's computed dashboards (keyed by the
// Service, so the shared struct needs no field of this feature's).
var needsCaches sync.Map // *Service -> *needsCache

type needsCache struct {
	mu      sync.Mutex
	results map[needsKey]Needs
	busy    map[needsKey]*needsCall
}

type needsCall struct {
	done chan struct{}
	v    Needs
	err  error
}

func (s *Service) needsCache() *needsCache {
	c, _ := needsCaches.LoadOrStore(s, &needsCache{results: map[needsKey]Needs{}, busy: map[needsKey]*needsCall{}})
	return c.(*needsCache)
}

// forgetNeeds drops this instance's computed dashboards after a change
// made here (rules, an assignment from the dashboard).
func (s *Service) forgetNeeds() {
	c := s.needsCache()
	c.mu.Lock()
	c.results = map[needsKey]Needs{}
	c.mu.Unlock()
}

// NeedsOf returns the dashboard of a year for the whole city (unit "") or
// for one unit and the units below it. Only admins may. Requests for the
// same view at once share one computation (see NeedsMaxAge).
func (s *Service) NeedsOf(ctx context.Context, actor User, unit string, year int) (Needs, error) {
	if !actor.Has(RoleAdmin) {
		return Needs{}, ErrForbidden
	}
	if unit != "" {
		if m := ValidUnitCode(unit); m != nil {
			return Needs{}, invalid("unit", *m)
		}
	}
	if year < 2000 || year > 2100 {
		return Needs{}, invalid("year", msg("report.year", 2000, 2100))
	}
	k := needsKey{Year: year, Unit: unit}
	c := s.needsCache()
	now := s.now()
	c.mu.Lock()
	kept, ok := c.results[k]
	age := now.Sub(kept.ComputedAt)
	if ok && age >= 0 && age < NeedsMaxAge {
		c.mu.Unlock()
		return kept, nil
	}
	call, running := c.busy[k]
	if !running {
		call = &needsCall{done: make(chan struct{})}
		c.busy[k] = call
		// The computation outlives a caller who leaves: others wait on it.
		go func() {
			work, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			call.v, call.err = s.computeNeeds(work, unit, year)
			c.mu.Lock()
			if call.err == nil {
				c.results[k] = call.v
			}
			delete(c.busy, k)
			c.mu.Unlock()
			close(call.done)
		}()
	}
	c.mu.Unlock()
	if ok && age >= 0 && age < needsMaxStale {
		return kept, nil // recent enough; the fresh one is on its way
	}
	select {
	case <-call.done:
		return call.v, call.err
	case <-ctx.Done():
		return Needs{}, ctx.Err()
	}
}

// ComputeNeeds computes a dashboard without the cache (benchmarks and
// tests measure the real work with it).
func (s *Service) ComputeNeeds(ctx context.Context, actor User, unit string, year int) (Needs, error) {
	if !actor.Has(RoleAdmin) {
		return Needs{}, ErrForbidden
	}
	return s.computeNeeds(ctx, unit, year)
}

// unitRaw is what one unit holds by itself (not below it) in a year.
type unitRaw struct {
	months  map[string]ikm.Sums
	latest  map[string]slimAssessment // nip -> latest assessment
	jp      map[string]int            // nip -> JP earned here
	members []string                  // active members
	overdue int
}

type slimAssessment struct {
	User   string          `bson:"user"`
	Year   int             `bson:"year"`
	At     time.Time       `bson:"at"`
	Levels []CompetencyGap `bson:"levels"`
}

// slimMonth is skmMonth without the distributions.
type slimMonth struct {
	Month string `bson:"month"`
	Sums  struct {
		Responses int               `bson:"responses"`
		Sum       [ikm.Elements]int `bson:"sum"`
		N         [ikm.Elements]int `bson:"n"`
	} `bson:"sums"`
}

type slimEntry struct {
	User string `bson:"user"`
	JP   int    `bson:"jp"`
}

type slimMember struct {
	NIP      string    `bson:"nip"`
	Disabled time.Time `bson:"disabled,omitempty"`
}

func (s *Service) computeNeeds(ctx context.Context, unit string, year int) (Needs, error) {
	now := s.now()
	all, err := s.AllUnits(ctx)
	if err != nil {
		return Needs{}, err
	}
	byCode := map[string]Unit{}
	for _, u := range all {
		byCode[u.Code] = u
	}
	codes := make([]string, 0, len(all))
	if unit != "" {
		if _, ok := byCode[unit]; !ok {
			return Needs{}, ErrNotFound
		}
		codes = Below(all, unit)
	} else {
		for _, u := range all {
			codes = append(codes, u.Code)
		}
	}
	raws, err := s.readUnits(ctx, codes, year, now)
	if err != nil {
		return Needs{}, err
	}
	rules, err := s.NeedsRules(ctx)
	if err != nil {
		return Needs{}, err
	}
	byTag, err := s.coursesByTag(ctx)
	if err != nil {
		return Needs{}, err
	}
	n := Needs{Year: year, ComputedAt: now.UTC(), Rules: rules, Units: []UnitNeeds{}}
	roll := func(code string, below []string) UnitNeeds {
		var parts []*unitRaw
		for _, c := range below {
			if r, ok := raws[c]; ok {
				parts = append(parts, r)
			}
		}
		u := byCode[code]
		un := summarize(mergeRaw(parts), year, rules, byTag)
		un.Code, un.Name, un.Parent = u.Code, u.Name, u.Parent
		return un
	}
	if unit != "" {
		one := roll(unit, codes)
		one.BelowJPPeople = belowJP(mergeRaw(pick(raws, codes)))
		n.Unit = &one
		for _, u := range all {
			if u.Parent == unit && u.Code != unit {
				n.Units = append(n.Units, roll(u.Code, Below(all, u.Code)))
			}
		}
		return n, nil
	}
	for _, u := range all {
		n.Units = append(n.Units, roll(u.Code, Below(all, u.Code)))
	}
	city := summarize(mergeRaw(pick(raws, codes)), year, rules, byTag)
	n.City = &city
	return n, nil
}

func pick(raws map[string]*unitRaw, codes []string) []*unitRaw {
	var out []*unitRaw
	for _, c := range codes {
		if r, ok := raws[c]; ok {
			out = append(out, r)
		}
	}
	return out
}

// needsWorkers is how many units are read at once: the stores serve
// concurrent reads, and a city has tens of units.
const needsWorkers = 4

// readUnits reads each unit's own figures for the year, a few units at a
// time: its SKM aggregates, assessments, ledger entries, members and
// overdue count, each one indexed query (paged).
func (s *Service) readUnits(ctx context.Context, codes []string, year int, now time.Time) (map[string]*unitRaw, error) {
	out := make(map[string]*unitRaw, len(codes))
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	slots := make(chan struct{}, needsWorkers)
	for _, code := range codes {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			r, err := s.readUnit(ctx, code, year, now)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			out[code] = r
		}()
	}
	wg.Wait()
	return out, first
}

func (s *Service) readUnit(ctx context.Context, code string, year int, now time.Time) (*unitRaw, error) {
	r := &unitRaw{months: map[string]ikm.Sums{}, latest: map[string]slimAssessment{}, jp: map[string]int{}}
	// The aggregates as SKMMonthsOfUnits reads them, less the score
	// distributions the dashboard does not show: decoding those was a
	// third of the city's computation.
	if err := eachPage(ctx, s.docs.C(collSKMMonths), docs.Query{Where: []docs.Eq{{Field: "unit", Value: code}, {Field: "year", Value: year}}, Sort: "month"},
		func(m slimMonth) {
			sum := r.months[m.Month]
			sum.Merge(ikm.Sums{Responses: m.Sums.Responses, Sum: m.Sums.Sum, N: m.Sums.N})
			r.months[m.Month] = sum
		}); err != nil {
		return nil, mapErr(err, "skm aggregates")
	}
	if err := eachPage(ctx, s.docs.C(collAssessments), docs.Query{Where: []docs.Eq{{Field: "unit", Value: code}, {Field: "year", Value: year}}, Sort: "at"},
		func(a slimAssessment) {
			if old, ok := r.latest[a.User]; !ok || !a.At.Before(old.At) {
				r.latest[a.User] = a
			}
		}); err != nil {
		return nil, mapErr(err, "assessments")
	}
	if err := eachPage(ctx, s.docs.C(collJPLedger), unitYear(code, year), func(e slimEntry) { r.jp[e.User] += e.JP }); err != nil {
		return nil, mapErr(err, "jp ledger")
	}
	if err := eachPage(ctx, s.docs.C(collUsers), docs.Query{Where: []docs.Eq{{Field: "unit", Value: code}}}, func(m slimMember) {
		if m.Disabled.IsZero() {
			r.members = append(r.members, m.NIP)
		}
	}); err != nil {
		return nil, mapErr(err, "unit members")
	}
	n, err := s.docs.C(collAssignees).Count(ctx, docs.Query{
		Where: []docs.Eq{{Field: "unit", Value: code}, {Field: "open", Value: true}},
		Range: &docs.Range{Field: "due", Lt: now.UTC()}})
	if err != nil {
		return nil, mapErr(err, "overdue")
	}
	r.overdue = int(n)
	return r, nil
}

// eachPage calls fn with every document of q, a thousand at a time.
func eachPage[T any](ctx context.Context, c docs.Collection, q docs.Query, fn func(T)) error {
	q.Limit = 1000
	for {
		vs, next, err := docs.FindAll[T](ctx, c, q)
		if err != nil {
			return err
		}
		for _, v := range vs {
			fn(v)
		}
		if next == "" {
			return nil
		}
		q.After = next
	}
}

// mergeRaw adds units' figures: sums add, a person's latest assessment is
// the latest of any unit's, their JP the sum of what they earned in each.
func mergeRaw(parts []*unitRaw) *unitRaw {
	out := &unitRaw{months: map[string]ikm.Sums{}, latest: map[string]slimAssessment{}, jp: map[string]int{}}
	for _, p := range parts {
		for m, sum := range p.months {
			o := out.months[m]
			o.Merge(sum)
			out.months[m] = o
		}
		for nip, a := range p.latest {
			if old, ok := out.latest[nip]; !ok || a.At.After(old.At) {
				out.latest[nip] = a
			}
		}
		for nip, jp := range p.jp {
			out.jp[nip] += jp
		}
		out.members = append(out.members, p.members...)
		out.overdue += p.overdue
	}
	return out
}

// belowJP lists the members below the JP target, by NIP.
func belowJP(r *unitRaw) []string {
	var out []string
	for _, nip := range r.members {
		if r.jp[nip] < JPTarget {
			out = append(out, nip)
		}
	}
	sort.Strings(out)
	return out
}

// summarize turns merged figures into the dashboard's numbers and
// recommendations.
func summarize(r *unitRaw, year int, rules NeedsRules, byTag map[string][]CourseCard) UnitNeeds {
	var year12 ikm.Sums
	un := UnitNeeds{Elements: []ElementScore{}, Weakest: []ElementScore{}, Gaps: []TagGap{}, Recommended: []Recommendation{}}
	for m := 1; m <= 12; m++ {
		key := strconv.Itoa(year) + "-" + twoDigits(m)
		sum := r.months[key]
		year12.Merge(sum)
		un.Months = append(un.Months, MonthIKM{Month: key, Responses: sum.Responses, IKM: sum.Index()})
	}
	un.Responses = year12.Responses
	un.IKM = year12.Index()
	un.Grade, un.Label = ikm.Grade(un.IKM)
	means := year12.Means()
	for i, code := range ikm.Codes {
		if year12.N[i] > 0 {
			un.Elements = append(un.Elements, ElementScore{Element: code, Mean: round2(means[i]), Grade: ikm.ElementGrade(means[i])})
		}
	}
	for _, i := range year12.Weakest(3) {
		un.Weakest = append(un.Weakest, ElementScore{Element: ikm.Codes[i], Mean: round2(means[i]), Grade: ikm.ElementGrade(means[i])})
	}
	un.Gaps, un.Assessed = gapsOf(r.latest)
	un.Members = len(r.members)
	un.BelowJP = len(belowJP(r))
	un.Overdue = r.overdue
	un.Recommended = recommend(year12, un.Gaps, rules, byTag)
	return un
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// gapsOf counts, per competency, the people whose latest assessment puts
// them below the required level, most people first.
func gapsOf(latest map[string]slimAssessment) ([]TagGap, int) {
	by := map[string]*TagGap{}
	sums := map[string]int{}
	for nip, a := range latest {
		for _, l := range a.Levels {
			tag := foldTag(l.Tag)
			if tag == "" {
				continue
			}
			g, ok := by[tag]
			if !ok {
				g = &TagGap{Tag: tag}
				by[tag] = g
			}
			g.Assessed++
			if d := l.Gap(); d > 0 {
				g.People++
				g.NIPs = append(g.NIPs, nip)
				sums[tag] += d
			}
		}
	}
	out := []TagGap{}
	for tag, g := range by {
		if g.People > 0 {
			g.MeanGap = round2(float64(sums[tag]) / float64(g.People))
			sort.Strings(g.NIPs)
			out = append(out, *g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].People != out[j].People {
			return out[i].People > out[j].People
		}
		return out[i].Tag < out[j].Tag
	})
	return out, len(latest)
}

// maxCoursesPerReason keeps a recommendation readable.
const maxCoursesPerReason = 3

// recommend lists, weakest element first, each element graded at or below
// its rule's trigger with the courses tagged for it, then each competency
// gap with the courses tagged with that competency.
func recommend(year ikm.Sums, gaps []TagGap, rules NeedsRules, byTag map[string][]CourseCard) []Recommendation {
	out := []Recommendation{}
	means := year.Means()
	ruleOf := map[string]NeedsRule{}
	for _, r := range rules.Elements {
		ruleOf[r.Element] = r
	}
	for _, i := range year.Weakest(ikm.Elements) {
		code := ikm.Codes[i]
		rule := ruleOf[code]
		g := ikm.ElementGrade(means[i])
		if len(rule.Tags) == 0 || gradeRank(g) < gradeRank(rule.Trigger) || gradeRank(rule.Trigger) < 0 {
			continue
		}
		out = append(out, Recommendation{
			Reason:  NeedReason{Kind: "skm", Element: code, Grade: g, Mean: round2(means[i]), Tags: rule.Tags},
			Courses: coursesFor(rule.Tags, byTag)})
	}
	for _, g := range gaps {
		out = append(out, Recommendation{
			Reason:  NeedReason{Kind: "gap", Tag: g.Tag, People: g.People, MeanGap: g.MeanGap},
			Courses: coursesFor([]string{g.Tag}, byTag)})
	}
	return out
}

func coursesFor(tags []string, byTag map[string][]CourseCard) []CourseCard {
	out := []CourseCard{}
	for _, t := range tags {
		for _, c := range byTag[t] {
			if len(out) >= maxCoursesPerReason {
				return out
			}
			if !slices.ContainsFunc(out, func(x CourseCard) bool { return x.ID == c.ID }) {
				out = append(out, c)
			}
		}
	}
	return out
}

// coursesByTag reads the published catalogue once (cards only, by title)
// and indexes it by competency tag.
func (s *Service) coursesByTag(ctx context.Context) (map[string][]CourseCard, error) {
	out := map[string][]CourseCard{}
	err := eachPage(ctx, s.docs.C(collCourses), docs.Query{Where: []docs.Eq{{Field: "status", Value: StatusPublished}}, Sort: "title"},
		func(c CourseCard) {
			for _, t := range c.Competencies {
				t = foldTag(t)
				out[t] = append(out[t], c)
			}
		})
	return out, mapErr(err, "courses")
}

// TeamNeeds is an atasan's view of their own team for a year: the SKM of
// the units their members work in, and the members' gaps, JP and overdue
// assignments. Someone with no team gets ErrForbidden.
func (s *Service) TeamNeeds(ctx context.Context, actor User, year int) (Needs, error) {
	if year < 2000 || year > 2100 {
		return Needs{}, invalid("year", msg("report.year", 2000, 2100))
	}
	members, err := s.teamMembers(ctx, actor)
	if err != nil {
		return Needs{}, err
	}
	now := s.now()
	raw, units, err := s.readTeam(ctx, members, year, now)
	if err != nil {
		return Needs{}, err
	}
	rules, err := s.NeedsRules(ctx)
	if err != nil {
		return Needs{}, err
	}
	byTag, err := s.coursesByTag(ctx)
	if err != nil {
		return Needs{}, err
	}
	t := summarize(raw, year, rules, byTag)
	t.Code, t.Name = "team", strings.Join(units, ", ")
	t.BelowJPPeople = belowJP(raw)
	return Needs{Year: year, Team: &t, Units: []UnitNeeds{}, ComputedAt: now.UTC(), Rules: rules}, nil
}

// teamMembers are the active people naming actor as their atasan.
func (s *Service) teamMembers(ctx context.Context, actor User) ([]User, error) {
	us, _, err := docs.FindAll[User](ctx, s.docs.C(collUsers),
		docs.Query{Where: []docs.Eq{{Field: "supervisor_nip", Value: actor.NIP}}, Sort: "name", Limit: maxTeamPage})
	if err != nil {
		return nil, mapErr(err, "team")
	}
	if len(us) == 0 || actor.NIP == "" {
		return nil, ErrForbidden
	}
	return slices.DeleteFunc(us, func(u User) bool { return !u.Active() }), nil
}

// readTeam reads each member's year (ledger, assessments, overdue
// records), a few members at a time, and the SKM of the units they are in.
func (s *Service) readTeam(ctx context.Context, members []User, year int, now time.Time) (*unitRaw, []string, error) {
	r := &unitRaw{months: map[string]ikm.Sums{}, latest: map[string]slimAssessment{}, jp: map[string]int{}}
	var units []string
	for _, m := range members {
		r.members = append(r.members, m.NIP)
		if m.Unit != "" && !slices.Contains(units, m.Unit) {
			units = append(units, m.Unit)
		}
	}
	sort.Strings(units)
	from := time.Date(year, 1, 1, 0, 0, 0, 0, jakarta).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, jakarta).UTC()
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	slots := make(chan struct{}, needsWorkers)
	for _, m := range members {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			jp, latest, overdue, err := s.readMember(ctx, m.NIP, year, from, to, now)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			r.jp[m.NIP] = jp
			if latest != nil {
				r.latest[m.NIP] = *latest
			}
			r.overdue += overdue
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, nil, first
	}
	ms, err := s.SKMMonthsOfUnits(ctx, units, year)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		sum := r.months[m.Month]
		sum.Merge(m.Sums)
		r.months[m.Month] = sum
	}
	return r, units, nil
}

func (s *Service) readMember(ctx context.Context, nip string, year int, from, to, now time.Time) (int, *slimAssessment, int, error) {
	jp := 0
	if err := eachPage(ctx, s.docs.C(collJPLedger), docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}, {Field: "year", Value: year}}, Sort: "at"},
		func(e slimEntry) { jp += e.JP }); err != nil {
		return 0, nil, 0, mapErr(err, "jp ledger")
	}
	var latest *slimAssessment
	if err := eachPage(ctx, s.docs.C(collAssessments), docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}},
		Range: &docs.Range{Field: "at", Gte: from.Add(-366 * 24 * time.Hour), Lt: to.Add(366 * 24 * time.Hour)}, Sort: "at"},
		func(a slimAssessment) {
			if a.Year == year && (latest == nil || !a.At.Before(latest.At)) {
				latest = &a
			}
		}); err != nil {
		return 0, nil, 0, mapErr(err, "assessments")
	}
	overdue := 0
	if err := eachPage(ctx, s.docs.C(collAssignees), docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}},
		Range: &docs.Range{Field: "due", Lt: now.UTC()}, Sort: "due"},
		func(a Assignee) {
			if a.Open {
				overdue++
			}
		}); err != nil {
		return 0, nil, 0, mapErr(err, "overdue")
	}
	return jp, latest, overdue, nil
}
