package content

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Kirkpatrick level 3: some weeks after a learner completes a course
// (Options.L3Weeks, 8 by default), their atasan is asked once to rate the
// training's effect on the work, 1–5 with a note. The results stand beside
// the learners' own level-1 evaluations of the course.
//
// The asking pass reads the enrolments completed in a window through the
// enrollments "completed" index, as the reminder pass reads assignments
// (reminders.go): the window runs from where the last pass got to (an hour
// of overlap) to now minus the delay, so each pass reads only completions
// that came due since. Each ask is a document with the enrolment's natural
// id, and its notification is keyed by it, so a re-run, an overlap or a
// second instance asks nobody twice.

// DefaultL3Weeks is the default delay of the level-3 ask.
const DefaultL3Weeks = 8

// KindImpactAsk is the notification asking an atasan for a level-3 rating.
const KindImpactAsk = "evaluation.impact"

// ErrImpactRated means the atasan already rated this training.
var ErrImpactRated = newError("impact.rated", "impact already rated")

// MaxImpactNote bounds an atasan's note, in characters.
const MaxImpactNote = 2000

// ImpactReview is one level-3 ask and, once given, its answer.
type ImpactReview struct {
	ID        string    `bson:"id" json:"id"`
	User      string    `bson:"user" json:"nip"`
	Name      string    `bson:"name" json:"name"`
	Course    string    `bson:"course" json:"course_id"`
	Title     string    `bson:"title" json:"title"`
	Completed time.Time `bson:"completed" json:"completed_at"`
	// Atasan is who was asked: the learner's atasan at the time.
	Atasan string    `bson:"atasan" json:"-"`
	Asked  time.Time `bson:"asked" json:"asked_at"`
	Open   bool      `bson:"open" json:"open"`
	Rating int       `bson:"rating,omitempty" json:"rating,omitempty"`
	Note   string    `bson:"note,omitempty" json:"note,omitempty"`
	Rated  time.Time `bson:"rated,omitempty" json:"rated_at,omitzero"`
	// Pending until counted in the course's aggregate (evaluations.go).
	Pending bool `bson:"pending" json:"-"`
}

// impactID is the enrolment's id in a form fit for a URL path.
func impactID(nip, courseID string) string { return nip + "~" + courseID }

func (s *Service) l3Delay() time.Duration {
	w := s.opts.L3Weeks
	if w <= 0 {
		w = DefaultL3Weeks
	}
	return time.Duration(w) * 7 * day
}

const impactMark = "impact/asks"

// ImpactStats says what one asking pass did.
type ImpactStats struct {
	Checked int // completions read
	Asked   int // notifications stored
}

// AskImpact runs the level-3 asking pass once (see the top of this file).
// Run it under a lease or ClaimPeriod; a second run at once asks nobody
// twice either way.
func (s *Service) AskImpact(ctx context.Context) (ImpactStats, error) {
	var st ImpactStats
	now := s.now().UTC().Truncate(time.Millisecond)
	mark, err := s.Counter(ctx, impactMark)
	if err != nil {
		return st, err
	}
	from := now.Add(-reminderLookback)
	if m := time.UnixMilli(mark).UTC().Add(-reminderOverlap); mark > 0 && m.After(from) {
		from = m
	}
	delay := s.l3Delay()
	q := docs.Query{Range: &docs.Range{Field: "completed", Gt: from.Add(-delay), Lte: now.Add(-delay)}, Sort: "completed", Limit: reminderPage}
	users := map[string]*User{}
	for {
		es, next, err := docs.FindAll[Enrollment](ctx, s.docs.C(collEnrollments), q)
		if err != nil {
			return st, mapErr(err, "impact asks")
		}
		for _, e := range es {
			st.Checked++
			asked, err := s.askImpact(ctx, e, now, users)
			if err != nil {
				return st, err
			}
			if asked {
				st.Asked++
			}
		}
		if next == "" || ctx.Err() != nil {
			break
		}
		q.After = next
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	_, err = upsert(ctx, s.docs.C(collCounters), impactMark, func(d *counterDoc) error {
		d.N = max(d.N, now.UnixMilli())
		return nil
	})
	return st, mapErr(err, "impact mark")
}

func (s *Service) askImpact(ctx context.Context, e Enrollment, now time.Time, users map[string]*User) (bool, error) {
	if e.Completed.IsZero() {
		return false, nil
	}
	id := impactID(e.User, e.Course)
	coll := s.docs.C(collImpact)
	var r ImpactReview
	_, err := coll.Get(ctx, id, &r)
	switch {
	case errors.Is(err, docs.ErrNotFound):
		u, err := s.userOnce(ctx, e.User, users)
		if err != nil || u == nil || u.SupervisorNIP == "" || !u.Active() {
			return false, err // nobody to ask
		}
		c, err := s.Course(ctx, e.Course)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		r = ImpactReview{ID: id, User: u.NIP, Name: u.Name, Course: c.ID, Title: c.Title, Completed: e.Completed,
			Atasan: u.SupervisorNIP, Asked: now, Open: true}
		if err := coll.Insert(ctx, id, &r); errors.Is(err, docs.ErrDuplicate) {
			if _, err := coll.Get(ctx, id, &r); err != nil {
				return false, mapErr(err, "impact ask")
			}
		} else if err != nil {
			return false, mapErr(err, "impact ask")
		}
	case err != nil:
		return false, mapErr(err, "impact ask")
	}
	// Notified whether the ask was stored now or by a run that stopped
	// before telling anyone; the key keeps it to once.
	return s.Notify(ctx, NewNotification{Key: "impact/" + id, User: r.Atasan, Kind: KindImpactAsk,
		Text: msg("notify.impact_ask", r.Name, r.Title), URL: "/team/impact"})
}

// ImpactAsks lists the asks made of an atasan: open ones first (oldest
// first), then up to 50 answered ones (newest first).
func (s *Service) ImpactAsks(ctx context.Context, atasan User) (open, done []ImpactReview, err error) {
	coll := s.docs.C(collImpact)
	open, _, err = docs.FindAll[ImpactReview](ctx, coll, docs.Query{
		Where: []docs.Eq{{Field: "atasan", Value: atasan.NIP}, {Field: "open", Value: true}}, Sort: "asked", Limit: 200})
	if err != nil {
		return nil, nil, mapErr(err, "impact asks")
	}
	done, _, err = docs.FindAll[ImpactReview](ctx, coll, docs.Query{
		Where: []docs.Eq{{Field: "atasan", Value: atasan.NIP}, {Field: "open", Value: false}}, Sort: "asked", Desc: true, Limit: 50})
	return open, done, mapErr(err, "impact asks")
}

// ImpactInput is an atasan's level-3 rating.
type ImpactInput struct {
	Rating int    `json:"rating"`
	Note   string `json:"note"`
}

// RateImpact records the atasan's rating of an ask made of them, once.
func (s *Service) RateImpact(ctx context.Context, atasan User, id string, in ImpactInput) (ImpactReview, error) {
	coll := s.docs.C(collImpact)
	var r ImpactReview
	if _, err := coll.Get(ctx, id, &r); err != nil {
		return ImpactReview{}, mapErr(err, "impact ask")
	}
	if r.Atasan != atasan.NIP {
		return ImpactReview{}, ErrForbidden
	}
	f := fieldErrors{}
	if !validRating(in.Rating) {
		f["rating"] = msg("evaluation.rating", 1, 5)
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > MaxImpactNote || !utf8.ValidString(in.Note) {
		f["note"] = msg("too_long", MaxImpactNote)
	}
	if err := f.err(); err != nil {
		return ImpactReview{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	out, err := docs.Update(ctx, coll, id, func(x *ImpactReview) error {
		if !x.Open {
			return ErrImpactRated
		}
		x.Open, x.Rating, x.Note, x.Rated, x.Pending = false, in.Rating, in.Note, now, true
		return nil
	})
	if errors.Is(err, ErrImpactRated) {
		return ImpactReview{}, err
	}
	if err != nil {
		return ImpactReview{}, mapErr(err, "impact ask")
	}
	if err := s.foldImpact(ctx, out); err != nil {
		return out, nil // stored; the pending pass counts it
	}
	out.Pending = false
	return out, nil
}

func (s *Service) foldImpact(ctx context.Context, r ImpactReview) error {
	mark := "i:" + r.ID
	if err := s.countOnce(ctx, r.Course, mark, func(g *evalAgg) {
		g.ImpactCount++
		g.Impact.add(r.Rating)
	}); err != nil {
		return err
	}
	if _, err := docs.Update(ctx, s.docs.C(collImpact), r.ID, func(x *ImpactReview) error {
		x.Pending = false
		return nil
	}); err != nil {
		return mapErr(err, "impact ask")
	}
	return s.settleCount(ctx, r.Course, mark)
}
