package content

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// The JP ledger holds every JP credit as one entry: a person, a year in
// WIB, where the credit came from and how many JP. An entry's id is
// derived from its source (ledgerID), and it is only ever inserted, so a
// credit reached twice (a retried request, two instances completing the
// same enrolment at once, the migration running again) is stored once.
// Totals are sums of entries: a person's year, a unit's year.

// Sources of JP.
const (
	SourceCourse    = "course"
	SourceEvent     = "event"
	SourceMentoring = "mentoring"
)

// maxEntryJP bounds one credit: a course's JP is at most a few dozen, and
// an entry that claims more is a mistake, not a credit.
const maxEntryJP = 1000

// JPEntry is one credit of the ledger.
type JPEntry struct {
	User string `bson:"user" json:"nip"`
	// Name is the person's name at the credit, for exports that would
	// otherwise read every user.
	Name   string `bson:"name" json:"name"`
	Year   int    `bson:"year" json:"year"`
	Source string `bson:"source" json:"source"`
	// Ref names the thing credited within its source: a course id, an
	// event id, a mentoring session id.
	Ref   string `bson:"ref" json:"ref"`
	Title string `bson:"title" json:"title"`
	JP    int    `bson:"jp" json:"jp"`
	// At is when the credit was earned (completion, attendance, the
	// confirmed session); Year is its year in WIB.
	At time.Time `bson:"at" json:"at"`
	// Unit is the person's unit when the credit was earned: a unit's
	// report counts what was learnt while in it.
	Unit string `bson:"unit" json:"unit"`
	// Kind is the kind of training for an export's "jenis" column (an
	// event's workshop or seminar); empty reads as the source's default.
	Kind string `bson:"kind,omitempty" json:"kind,omitempty"`
	// Started is when the training began (a course's enrolment); zero
	// means the same day as At.
	Started     time.Time `bson:"started,omitempty" json:"started_at,omitzero"`
	Organiser   string    `bson:"organiser,omitempty" json:"organiser,omitempty"`
	Certificate string    `bson:"certificate,omitempty" json:"certificate_code,omitempty"`
	Created     time.Time `bson:"created" json:"-"`
}

// ledgerID keys an entry by its source, so the same credit is one entry.
func ledgerID(source, ref, nip string) string { return source + "/" + ref + "/" + nip }

// jpYearOf is the calendar year of t in Kotalama.
func jpYearOf(t time.Time) int { return t.In(jakarta).Year() }

// CreditJP writes one credit to the ledger, once: a credit already there
// (same source, ref and person) is left as it is and created is false.
// Events and mentoring call it when attendance or a session is confirmed.
// Without a Name, the person's current name and unit are filled in; Year
// defaults to At's year in WIB, At to now.
func (s *Service) CreditJP(ctx context.Context, e JPEntry) (created bool, err error) {
	e.User, e.Source, e.Ref = strings.TrimSpace(e.User), strings.TrimSpace(e.Source), strings.TrimSpace(e.Ref)
	f := fieldErrors{}
	if e.User == "" {
		f["nip"] = msg("required")
	}
	if !slices.Contains([]string{SourceCourse, SourceEvent, SourceMentoring}, e.Source) {
		f["source"] = msg("jp.source")
	}
	switch {
	case e.Ref == "":
		f["ref"] = msg("required")
	case utf8.RuneCountInString(e.Ref) > 200:
		f["ref"] = msg("too_long", 200)
	}
	if e.JP < 1 || e.JP > maxEntryJP {
		f["jp"] = msg("course.jp", 1, maxEntryJP)
	}
	if err := f.err(); err != nil {
		return false, err
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	if e.Year == 0 {
		e.Year = jpYearOf(e.At)
	}
	if e.Name == "" {
		u, err := s.User(ctx, e.User)
		if err != nil {
			return false, err
		}
		e.Name, e.Unit = u.Name, cmp.Or(e.Unit, u.Unit)
	}
	e.Created = s.now().UTC().Truncate(time.Millisecond)
	err = s.docs.C(collJPLedger).Insert(ctx, ledgerID(e.Source, e.Ref, e.User), &e)
	if errors.Is(err, docs.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "jp ledger")
	}
	return true, nil
}

// creditCourse writes the ledger entry of a completed enrolment. It runs
// before the enrolment records its certificate code, so an enrolment that
// shows its certificate has its credit too, and a failure here is retried
// by the next report that finds the code missing.
func (s *Service) creditCourse(ctx context.Context, e Enrollment, c Course, cert Certificate, u *User) error {
	if e.Completed.IsZero() || e.JP <= 0 {
		return nil // nothing credited: a course without JP
	}
	entry := jpEntryOf(e, c.ID, c.Title, cert.Code, cert.Issuer)
	if u == nil {
		uu, err := s.User(ctx, e.User)
		if err != nil {
			return err
		}
		u = &uu
	}
	entry.Name, entry.Unit = cmp.Or(u.Name, u.NIP), u.Unit
	_, err := s.CreditJP(ctx, entry)
	return err
}

// jpEntryOf is the ledger entry of a completed enrolment, but for the
// person's name and unit.
func jpEntryOf(e Enrollment, courseID, title, certificate, organiser string) JPEntry {
	year := e.JPYear
	if year == 0 {
		year = jpYearOf(e.Completed)
	}
	return JPEntry{User: e.User, Year: year, Source: SourceCourse, Ref: courseID, Title: title, JP: e.JP,
		At: e.Completed, Started: e.Created, Organiser: organiser, Certificate: certificate}
}

// JPEntries lists a person's credits in a year, oldest first.
func (s *Service) JPEntries(ctx context.Context, nip string, year int) ([]JPEntry, error) {
	return s.ledger(ctx, docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}, {Field: "year", Value: year}}, Sort: "at"}, nil)
}

// ledger pages through the entries of q, appending them to out.
func (s *Service) ledger(ctx context.Context, q docs.Query, out []JPEntry) ([]JPEntry, error) {
	q.Limit = 1000
	for {
		es, next, err := docs.FindAll[JPEntry](ctx, s.docs.C(collJPLedger), q)
		if err != nil {
			return out, mapErr(err, "jp ledger")
		}
		out = append(out, es...)
		if next == "" {
			return out, nil
		}
		q.After = next
	}
}

// EachLedgerEntry calls fn with the credits of a year, for an export:
// every credit of the city in time order, or, for a unit, those earned in
// it and in each unit below it (unit by unit, each in time order). Only
// admins may. Entries are read a page at a time, never all at once.
func (s *Service) EachLedgerEntry(ctx context.Context, actor User, unit string, year int, fn func(JPEntry) error) error {
	if !actor.Has(RoleAdmin) {
		return ErrForbidden
	}
	queries := []docs.Query{{Where: []docs.Eq{{Field: "year", Value: year}}, Sort: "at"}}
	if unit != "" {
		codes, err := s.UnitAndBelow(ctx, unit)
		if err != nil {
			return err
		}
		queries = queries[:0]
		for _, code := range codes {
			queries = append(queries, unitYear(code, year))
		}
	}
	for _, q := range queries {
		q.Limit = 1000
		for {
			es, next, err := docs.FindAll[JPEntry](ctx, s.docs.C(collJPLedger), q)
			if err != nil {
				return mapErr(err, "jp ledger")
			}
			for _, e := range es {
				if err := fn(e); err != nil {
					return err
				}
			}
			if next == "" {
				break
			}
			q.After = next
		}
	}
	return nil
}

func unitYear(unit string, year int) docs.Query {
	return docs.Query{Where: []docs.Eq{{Field: "unit", Value: unit}, {Field: "year", Value: year}}, Sort: "at"}
}

// The migration: completions from before the ledger are written into it
// once, by one instance, resumably (see MigrateJPLedger).

// JPLedgerMigration is the once-only key of the migration.
const JPLedgerMigration = "jp-ledger-migration-v1"

// ledgerCheckpointKey holds how far the migration got, so a run that
// stopped (a restart, a lost lease) carries on where it was.
const ledgerCheckpointKey = "jp-ledger-migration"

type ledgerCheckpoint struct {
	After string `bson:"after"`
	// Seen counts the completions read up to After, for a person who
	// looks at how far it got.
	Seen int `bson:"seen"`
}

// migrateBatch is how many enrolments one step of the migration reads
// (tests make it small).
var migrateBatch = 500

// MigrateJPLedger writes the ledger entries of every completed enrolment,
// in pages, saving its place after each so a run that stopped resumes
// there. An entry already there is left alone, so running it again
// writes nothing new. l, when given, fences the
// checkpoint: a holder that lost its lease stops rather than move the
// place back. It returns how many entries it wrote.
func (s *Service) MigrateJPLedger(ctx context.Context, l *Lease) (int, error) {
	set, err := s.CertificateSettings(ctx)
	if err != nil {
		return 0, err
	}
	var cp ledgerCheckpoint
	if _, err := s.docs.C(collSettings).Get(ctx, ledgerCheckpointKey, &cp); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return 0, mapErr(err, "jp ledger migration")
	}
	titleOf := s.courseTitles()
	written := 0
	q := docs.Query{Range: &docs.Range{Field: "completed", Gt: time.Unix(1, 0)}, Sort: "completed", Limit: migrateBatch, After: cp.After}
	for {
		es, next, err := docs.FindAll[Enrollment](ctx, s.docs.C(collEnrollments), q)
		if err != nil {
			return written, mapErr(err, "jp ledger migration")
		}
		users := map[string]User{}
		for _, e := range es {
			if e.JP <= 0 {
				continue
			}
			title, err := titleOf(ctx, e.Course)
			if err != nil {
				return written, err
			}
			u, ok := users[e.User]
			if !ok {
				u, err = s.User(ctx, e.User)
				if errors.Is(err, ErrNotFound) {
					u = User{NIP: e.User, Name: e.User}
				} else if err != nil {
					return written, err
				}
				users[e.User] = u
			}
			entry := jpEntryOf(e, e.Course, title, e.Certificate, set.Issuer)
			entry.Name, entry.Unit = cmp.Or(u.Name, u.NIP), u.Unit
			created, err := s.CreditJP(ctx, entry)
			if err != nil {
				return written, err
			}
			if created {
				written++
			}
		}
		if next == "" {
			// Done: the place is forgotten, so a run forced again reads
			// everything (and, finding every entry there, writes nothing).
			err := s.docs.C(collSettings).Delete(ctx, ledgerCheckpointKey)
			if err != nil && !errors.Is(err, docs.ErrNotFound) {
				return written, mapErr(err, "jp ledger migration")
			}
			return written, nil
		}
		if l != nil {
			if err := l.Held(ctx); err != nil {
				return written, err
			}
		}
		cp.After, cp.Seen = next, cp.Seen+len(es)
		if _, err := upsert(ctx, s.docs.C(collSettings), ledgerCheckpointKey, func(d *ledgerCheckpoint) error {
			*d = cp
			return nil
		}); err != nil {
			return written, mapErr(err, "jp ledger migration")
		}
		q.After = next
	}
}

// jpYear reads a person's year from the ledger.
func (s *Service) jpYear(ctx context.Context, nip string, year int) (JPYear, error) {
	es, err := s.JPEntries(ctx, nip, year)
	if err != nil {
		return JPYear{}, err
	}
	out := JPYear{Year: year, Target: JPTarget, Credits: []JPCredit{}, Entries: es}
	if out.Entries == nil {
		out.Entries = []JPEntry{}
	}
	for _, e := range es {
		out.Total += e.JP
		if e.Source == SourceCourse {
			out.Credits = append(out.Credits, JPCredit{CourseID: e.Ref, Title: e.Title, JP: e.JP, Completed: e.At})
		}
	}
	return out, nil
}
