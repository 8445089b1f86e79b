package content

import (
	"context"
	"errors"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/assesscsv"
	"github.com/kotalama/kompeten/storage/docs"
)

// Competency assessment: an atasan (or an admin, or a CSV) records, for a
// team member and a period, a level 1–5 per competency tag against the
// level the member's position requires. Courses carry competency tags
// (Course.Competencies), so a gap points at the courses that close it.

// Assessment is one periodic assessment of one person.
type Assessment struct {
	ID       string          `bson:"id" json:"id"`
	User     string          `bson:"user" json:"nip"`
	Unit     string          `bson:"unit" json:"unit"`
	Position string          `bson:"position,omitempty" json:"position,omitempty"`
	Period   string          `bson:"period" json:"period"` // e.g. "2026" or "2026-S1"
	Year     int             `bson:"year" json:"year"`
	Levels   []CompetencyGap `bson:"levels" json:"competencies"`
	Note     string          `bson:"note,omitempty" json:"note,omitempty"`
	By       string          `bson:"by" json:"by"`
	At       time.Time       `bson:"at" json:"at"`
}

// CompetencyGap is one competency's assessed level beside the level the
// position requires (0 when the position sets none).
type CompetencyGap struct {
	Tag      string `bson:"tag" json:"tag"`
	Level    int    `bson:"level" json:"level"`
	Required int    `bson:"required" json:"required"`
}

// Gap is how far below the requirement the level is (0 when it meets it).
func (g CompetencyGap) Gap() int { return max(g.Required-g.Level, 0) }

// assessmentID keeps one assessment per person and period: recording it
// again replaces it.
func assessmentID(nip, period string) string { return nip + "~" + period }

// AssessmentInput is one assessment as recorded through the API or a page.
type AssessmentInput struct {
	NIP          string         `json:"nip"`
	Period       string         `json:"period"`
	Competencies map[string]int `json:"competencies"`
	Note         string         `json:"note"`
}

// MaxAssessmentNote bounds a note, in characters.
const MaxAssessmentNote = 2000

var periodRE = regexp.MustCompile(`^(\d{4})(-(S[12]|Q[1-4]))?$`)

// ParsePeriod checks a period ("2026", "2026-S1", "2026-Q3") and returns
// it in canonical form with its year.
func ParsePeriod(p string) (string, int, bool) {
	p = strings.ToUpper(strings.TrimSpace(p))
	m := periodRE.FindStringSubmatch(p)
	if m == nil {
		return "", 0, false
	}
	y, _ := strconv.Atoi(m[1])
	if y < 2000 || y > 2100 {
		return "", 0, false
	}
	return p, y, true
}

// assessmentOf validates in against target and builds the record.
func (s *Service) assessmentOf(ctx context.Context, actor User, target User, in AssessmentInput) (Assessment, error) {
	f := fieldErrors{}
	period, year, ok := ParsePeriod(in.Period)
	if !ok {
		f["period"] = msg("assessment.period")
	}
	var levels []TagLevel
	if len(in.Competencies) == 0 {
		f["competencies"] = msg("assessment.competencies_required")
	} else if ls, verr := validLevels("competencies", in.Competencies, MaxAssessedTags); verr != nil {
		maps.Copy(f, verr.Fields)
	} else {
		levels = ls
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > MaxAssessmentNote || !utf8.ValidString(note) {
		f["note"] = msg("too_long", MaxAssessmentNote)
	}
	if err := f.err(); err != nil {
		return Assessment{}, err
	}
	req, err := s.RequiredLevels(ctx, target.Position)
	if err != nil {
		return Assessment{}, err
	}
	a := Assessment{ID: assessmentID(target.NIP, period), User: target.NIP, Unit: target.Unit, Position: target.Position,
		Period: period, Year: year, Note: note, By: actor.NIP, At: s.now().UTC().Truncate(time.Millisecond)}
	for _, l := range levels {
		a.Levels = append(a.Levels, CompetencyGap{Tag: l.Tag, Level: l.Level, Required: req[l.Tag]})
	}
	return a, nil
}

// mayAssess: admins assess anyone, an atasan their own team.
func mayAssess(actor, target User) bool {
	return actor.Has(RoleAdmin) || (target.SupervisorNIP != "" && target.SupervisorNIP == actor.NIP)
}

// RecordAssessment records (or, for the same person and period, replaces)
// an assessment. An atasan assesses their team; admins anyone.
func (s *Service) RecordAssessment(ctx context.Context, actor User, in AssessmentInput) (Assessment, error) {
	nip := strings.TrimSpace(in.NIP)
	target, err := s.User(ctx, nip)
	if errors.Is(err, ErrNotFound) {
		if !actor.Has(RoleAdmin) {
			return Assessment{}, ErrForbidden
		}
		return Assessment{}, invalid("nip", msg("assessment.nip_unknown"))
	}
	if err != nil {
		return Assessment{}, err
	}
	if !mayAssess(actor, target) {
		return Assessment{}, ErrForbidden
	}
	a, err := s.assessmentOf(ctx, actor, target, in)
	if err != nil {
		return Assessment{}, err
	}
	before, err := s.writeAssessment(ctx, a)
	if err != nil {
		return Assessment{}, err
	}
	s.Audit(ctx, actor, "assessment.record", a.ID, before, a)
	return a, nil
}

// writeAssessment stores a, replacing the same person's assessment of the
// same period, and returns what it replaced (nil for none).
func (s *Service) writeAssessment(ctx context.Context, a Assessment) (*Assessment, error) {
	var before *Assessment
	_, err := upsert(ctx, s.docs.C(collAssessments), a.ID, func(x *Assessment) error {
		if x.ID != "" {
			old := *x
			before = &old
		}
		*x = a
		return nil
	})
	return before, mapErr(err, "assessment")
}

// AssessmentsOf lists a person's assessments, newest first: for admins,
// their atasan and themselves.
func (s *Service) AssessmentsOf(ctx context.Context, actor User, nip string) ([]Assessment, error) {
	target, err := s.User(ctx, nip)
	if errors.Is(err, ErrNotFound) && !actor.Has(RoleAdmin) {
		return nil, ErrForbidden
	}
	if err != nil {
		return nil, err
	}
	if actor.NIP != target.NIP && !mayAssess(actor, target) {
		return nil, ErrForbidden
	}
	as, _, err := docs.FindAll[Assessment](ctx, s.docs.C(collAssessments),
		docs.Query{Where: []docs.Eq{{Field: "user", Value: target.NIP}}, Sort: "at", Desc: true, Limit: 50})
	if as == nil {
		as = []Assessment{}
	}
	return as, mapErr(err, "assessments")
}

// LatestAssessments lists the most recently recorded assessments (admins),
// a page at a time.
func (s *Service) LatestAssessments(ctx context.Context, actor User, after string, limit int) ([]Assessment, string, error) {
	if !actor.Has(RoleAdmin) {
		return nil, "", ErrForbidden
	}
	as, next, err := docs.FindAll[Assessment](ctx, s.docs.C(collAssessments),
		docs.Query{Sort: "at", Desc: true, Limit: min(max(limit, 1), 200), After: after})
	if errors.Is(err, docs.ErrInvalidQuery) && after != "" {
		return nil, "", ErrBadCursor
	}
	if as == nil {
		as = []Assessment{}
	}
	return as, next, mapErr(err, "assessments")
}

// AssessmentsOfUnitYear lists a unit's assessments of a year, newest
// first, through the unit_year index (the needs dashboard reads these).
func (s *Service) AssessmentsOfUnitYear(ctx context.Context, unit string, year int, after string, limit int) ([]Assessment, string, error) {
	as, next, err := docs.FindAll[Assessment](ctx, s.docs.C(collAssessments), docs.Query{
		Where: []docs.Eq{{Field: "unit", Value: unit}, {Field: "year", Value: year}}, Sort: "at", Desc: true,
		Limit: min(max(limit, 1), 1000), After: after})
	return as, next, mapErr(err, "assessments")
}

// AssessmentImportReport says what a CSV of assessments did, or would do.
type AssessmentImportReport struct {
	DryRun  bool              `json:"dry_run"`
	Lines   int               `json:"lines"`
	Written int               `json:"written"`
	Errors  []ImportLineError `json:"errors"`
}

// ImportLineError is one bad line of a CSV.
type ImportLineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message Msg    `json:"-"`
}

// AssessmentCSVError is a file refused whole; Msg says why.
type AssessmentCSVError struct{ M Msg }

func (e *AssessmentCSVError) Error() string { return e.M.String() }

// Message is the refusal for a person.
func (e *AssessmentCSVError) Message() Msg { return e.M }

// ImportAssessments reads a CSV of assessments (admins) and records every
// line, or none: any bad line is reported with its number and nothing is
// written. A dry run checks and writes nothing either way.
func (s *Service) ImportAssessments(ctx context.Context, actor User, r io.Reader, dryRun bool) (AssessmentImportReport, error) {
	if !actor.Has(RoleAdmin) {
		return AssessmentImportReport{}, ErrForbidden
	}
	f, err := assesscsv.Read(r)
	var ce *assesscsv.Error
	if errors.As(err, &ce) {
		return AssessmentImportReport{}, &AssessmentCSVError{M: csvMsg(ce)}
	}
	if err != nil {
		return AssessmentImportReport{}, err
	}
	rep := AssessmentImportReport{DryRun: dryRun, Lines: len(f.Records) + len(f.Errors), Errors: []ImportLineError{}}
	for _, e := range f.Errors {
		rep.Errors = append(rep.Errors, ImportLineError{Line: e.Line, Message: csvMsg(e)})
	}
	seen := map[string]int{}
	var out []Assessment
	users := map[string]*User{}
	for _, rec := range f.Records {
		bad := func(field string, m Msg) {
			rep.Errors = append(rep.Errors, ImportLineError{Line: rec.Line, Field: field, Message: m})
		}
		u, err := s.userOnce(ctx, rec.NIP, users)
		if err != nil {
			return AssessmentImportReport{}, err
		}
		if u == nil {
			bad("nip", msg("assessment.nip_unknown"))
			continue
		}
		in := AssessmentInput{NIP: rec.NIP, Period: rec.Period, Note: rec.Note, Competencies: map[string]int{}}
		ok := true
		for i, cell := range rec.Levels {
			if cell == "" {
				continue
			}
			lv, err := strconv.Atoi(cell)
			if err != nil || lv < 1 || lv > 5 {
				bad(f.Tags[i], msg("competency.level", 1, 5))
				ok = false
				continue
			}
			in.Competencies[f.Tags[i]] = lv
		}
		if !ok {
			continue
		}
		a, err := s.assessmentOf(ctx, actor, *u, in)
		var ve *ValidationError
		if errors.As(err, &ve) {
			keys := slices.Sorted(maps.Keys(ve.Fields))
			for _, k := range keys {
				bad(k, ve.Fields[k])
			}
			continue
		}
		if err != nil {
			return AssessmentImportReport{}, err
		}
		if first, dup := seen[a.ID]; dup {
			bad("period", msg("assessment.repeated", first))
			continue
		}
		seen[a.ID] = rec.Line
		out = append(out, a)
	}
	slices.SortStableFunc(rep.Errors, func(a, b ImportLineError) int { return a.Line - b.Line })
	if len(rep.Errors) > 0 || dryRun {
		return rep, nil
	}
	for _, a := range out {
		if _, err := s.writeAssessment(ctx, a); err != nil {
			return rep, err
		}
		rep.Written++
	}
	s.Audit(ctx, actor, "assessment.import", "assessments", nil, map[string]int{"written": rep.Written})
	return rep, nil
}

// csvMsg is the message of a refusal of assesscsv, for a person.
func csvMsg(e *assesscsv.Error) Msg {
	switch e.Code {
	case assesscsv.CodeTooLarge:
		return msg("assesscsv.too_large", e.Args...)
	case assesscsv.CodeBinary:
		return msg("assesscsv.binary")
	case assesscsv.CodeTooManyLines:
		return msg("assesscsv.too_many_lines", e.Args...)
	case assesscsv.CodeTooManyTags:
		return msg("assesscsv.too_many_tags", e.Args...)
	case assesscsv.CodeCellTooLarge:
		return msg("assesscsv.cell_too_large", e.Args...)
	case assesscsv.CodeEmpty:
		return msg("assesscsv.empty")
	case assesscsv.CodeMissing:
		return msg("assesscsv.header_missing", e.Args...)
	case assesscsv.CodeDuplicate:
		return msg("assesscsv.header_duplicate", e.Args...)
	case assesscsv.CodeFields:
		return msg("assesscsv.fields", e.Args...)
	default:
		return msg("assesscsv.quote")
	}
}
