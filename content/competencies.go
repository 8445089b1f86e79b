package content

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Competency tags name what a course develops and what an assessment
// measures ("pelayanan-publik", "pengelolaan-keuangan"), so a gap points
// at the courses that close it. A tag is slug-like: lower case letters,
// digits and single dashes. The known tags are an admin-edited catalogue,
// each with a readable name; pages offer them, and the needs dashboard maps
// SKM elements to them. Courses and assessments may use a tag before it is
// in the catalogue (a trainer need not wait for an admin), so the catalogue
// is a vocabulary, not a gate.
//
// Each position (jabatan, as users carry it) may require a level 1–5 per
// tag; an assessment records the requirement beside each assessed level.

// Bounds of tags.
const (
	MaxTagLen          = 40
	MaxCourseTags      = 10
	MaxAssessedTags    = 30
	maxCatalogTags     = 200
	maxTagNameLen      = 80
	maxPositionLen     = 200
	maxPositionListing = 1000
)

// NormalizeTag makes a tag slug-like ("Pelayanan Publik" ->
// "pelayanan-publik"), or says what is wrong with it.
func NormalizeTag(raw string) (string, *Msg) {
	raw = strings.TrimSpace(raw)
	if utf8.RuneCountInString(raw) > MaxTagLen {
		m := msg("competency.tag_length", 2, MaxTagLen)
		return "", &m
	}
	t := slugify(raw)
	if n := len(t); n < 2 || n > MaxTagLen {
		m := msg("competency.tag_length", 2, MaxTagLen)
		return "", &m
	}
	return t, nil
}

// NormalizeTags normalises a list, dropping repeats, or says what is wrong.
func NormalizeTags(raw []string, limit int) ([]string, *Msg) {
	out := []string{}
	for _, r := range raw {
		if strings.TrimSpace(r) == "" {
			continue
		}
		t, m := NormalizeTag(r)
		if m != nil {
			return nil, m
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > limit {
		m := msg("competency.too_many", limit)
		return nil, &m
	}
	return out, nil
}

// SplitTags splits a form field of tags separated by commas or new lines.
func SplitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' })
}

// CompetencyTag is a catalogue entry.
type CompetencyTag struct {
	Tag  string `bson:"tag" json:"tag"`
	Name string `bson:"name" json:"name"`
}

type competencyCatalog struct {
	Tags    []CompetencyTag `bson:"tags"`
	Updated time.Time       `bson:"updated"`
}

const settingsCompetencies = "competencies"

// CompetencyCatalog lists the known tags, by tag.
func (s *Service) CompetencyCatalog(ctx context.Context) ([]CompetencyTag, error) {
	var c competencyCatalog
	_, err := s.docs.C(collSettings).Get(ctx, settingsCompetencies, &c)
	if errors.Is(err, docs.ErrNotFound) {
		return []CompetencyTag{}, nil
	}
	if c.Tags == nil {
		c.Tags = []CompetencyTag{}
	}
	return c.Tags, mapErr(err, "competency catalogue")
}

// SetCompetencyCatalog replaces the catalogue (admins). A name defaults
// to the tag.
func (s *Service) SetCompetencyCatalog(ctx context.Context, actor User, tags []CompetencyTag) ([]CompetencyTag, error) {
	if !actor.Has(RoleAdmin) {
		return nil, ErrForbidden
	}
	if len(tags) > maxCatalogTags {
		return nil, invalid("items", msg("competency.too_many", maxCatalogTags))
	}
	out := []CompetencyTag{}
	for _, t := range tags {
		tag, m := NormalizeTag(t.Tag)
		if m != nil {
			return nil, invalid("items", msg("competency.item", t.Tag, *m))
		}
		name := strings.TrimSpace(t.Name)
		if name == "" {
			name = tag
		}
		if utf8.RuneCountInString(name) > maxTagNameLen || strings.ContainsAny(name, "\r\n\t") {
			return nil, invalid("items", msg("competency.item", tag, msg("one_line", 1, maxTagNameLen)))
		}
		if i := slices.IndexFunc(out, func(x CompetencyTag) bool { return x.Tag == tag }); i >= 0 {
			out[i].Name = name
			continue
		}
		out = append(out, CompetencyTag{Tag: tag, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	before, err := s.CompetencyCatalog(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if _, err := upsert(ctx, s.docs.C(collSettings), settingsCompetencies, func(c *competencyCatalog) error {
		c.Tags, c.Updated = out, now
		return nil
	}); err != nil {
		return nil, mapErr(err, "competency catalogue")
	}
	s.Audit(ctx, actor, "competency.catalog", settingsCompetencies, before, out)
	return out, nil
}

// Position requirements.

// TagLevel is a level (1–5) for a tag.
type TagLevel struct {
	Tag   string `bson:"tag" json:"tag"`
	Level int    `bson:"level" json:"level"`
}

// PositionRequirement is the level a position requires per tag.
type PositionRequirement struct {
	Key      string     `bson:"key" json:"-"`
	Position string     `bson:"position" json:"position"`
	Levels   []TagLevel `bson:"levels" json:"levels"`
	Updated  time.Time  `bson:"updated" json:"updated_at"`
	By       string     `bson:"by" json:"-"`
}

// Map is the requirement as tag -> level.
func (p PositionRequirement) Map() map[string]int {
	out := make(map[string]int, len(p.Levels))
	for _, l := range p.Levels {
		out[l.Tag] = l.Level
	}
	return out
}

// positionKey is how positions match: users' positions are free text, so
// case and spacing do not count.
func positionKey(p string) string { return foldName(p) }

func positionDocID(key string) string { return "p" + Hash(key)[:24] }

// validLevels normalises a tag -> level map, naming problems by field.
func validLevels(field string, in map[string]int, limit int) ([]TagLevel, *ValidationError) {
	f := fieldErrors{}
	var out []TagLevel
	for raw, lv := range in {
		tag, m := NormalizeTag(raw)
		if m != nil {
			f[field+"."+clip(raw, MaxTagLen)] = *m
			continue
		}
		if lv < 1 || lv > 5 {
			f[field+"."+tag] = msg("competency.level", 1, 5)
			continue
		}
		if i := slices.IndexFunc(out, func(x TagLevel) bool { return x.Tag == tag }); i >= 0 {
			f[field+"."+tag] = msg("competency.repeated")
			continue
		}
		out = append(out, TagLevel{Tag: tag, Level: lv})
	}
	if len(in) > limit {
		f[field] = msg("competency.too_many", limit)
	}
	if len(f) > 0 {
		return nil, &ValidationError{Fields: f}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out, nil
}

// SetPositionRequirement sets the levels a position requires (admins); no
// levels removes the requirement.
func (s *Service) SetPositionRequirement(ctx context.Context, actor User, position string, levels map[string]int) (PositionRequirement, error) {
	if !actor.Has(RoleAdmin) {
		return PositionRequirement{}, ErrForbidden
	}
	position = strings.Join(strings.Fields(position), " ")
	if n := utf8.RuneCountInString(position); n < 1 || n > maxPositionLen {
		return PositionRequirement{}, invalid("position", msg("one_line", 1, maxPositionLen))
	}
	ls, verr := validLevels("competencies", levels, MaxAssessedTags)
	if verr != nil {
		return PositionRequirement{}, verr
	}
	key := positionKey(position)
	id := positionDocID(key)
	coll := s.docs.C(collPositionReqs)
	var before PositionRequirement
	if _, err := coll.Get(ctx, id, &before); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return PositionRequirement{}, mapErr(err, "position requirement")
	}
	if len(ls) == 0 {
		if err := coll.Delete(ctx, id); err != nil && !errors.Is(err, docs.ErrNotFound) {
			return PositionRequirement{}, mapErr(err, "position requirement")
		}
		s.Audit(ctx, actor, "competency.position", position, before, nil)
		return PositionRequirement{Position: position, Levels: []TagLevel{}}, nil
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	out, err := upsert(ctx, coll, id, func(p *PositionRequirement) error {
		*p = PositionRequirement{Key: key, Position: position, Levels: ls, Updated: now, By: actor.NIP}
		return nil
	})
	if err != nil {
		return PositionRequirement{}, mapErr(err, "position requirement")
	}
	s.Audit(ctx, actor, "competency.position", position, before, out)
	return out, nil
}

// PositionRequirements lists every position's requirements, by position.
func (s *Service) PositionRequirements(ctx context.Context) ([]PositionRequirement, error) {
	ps, _, err := docs.FindAll[PositionRequirement](ctx, s.docs.C(collPositionReqs),
		docs.Query{Sort: "key", Limit: maxPositionListing})
	if ps == nil {
		ps = []PositionRequirement{}
	}
	return ps, mapErr(err, "position requirements")
}

// RequiredLevels is what a position requires, tag -> level (empty when
// it sets nothing).
func (s *Service) RequiredLevels(ctx context.Context, position string) (map[string]int, error) {
	if strings.TrimSpace(position) == "" {
		return map[string]int{}, nil
	}
	var p PositionRequirement
	_, err := s.docs.C(collPositionReqs).Get(ctx, positionDocID(positionKey(position)), &p)
	if errors.Is(err, docs.ErrNotFound) {
		return map[string]int{}, nil
	}
	if err != nil {
		return nil, mapErr(err, "position requirement")
	}
	return p.Map(), nil
}

// SetCourseCompetencies sets a course's tags (its owners).
func (s *Service) SetCourseCompetencies(ctx context.Context, u User, courseID string, tags []string) (Course, error) {
	return s.UpdateCourse(ctx, u, courseID, CourseInput{Competencies: &tags})
}
