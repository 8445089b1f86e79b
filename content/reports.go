package content

import (
	"context"
	"errors"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// JPCredit is one completed course that counts toward a year's JP.
type JPCredit struct {
	CourseID  string    `json:"course_id"`
	Title     string    `json:"title"`
	JP        int       `json:"jp"`
	Completed time.Time `json:"completed_at"`
}

// JPYear is a learner's JP in one calendar year with the credits behind
// it: every ledger entry, and the courses among them.
type JPYear struct {
	Year    int        `json:"year"`
	Total   int        `json:"total"`
	Target  int        `json:"target"`
	Credits []JPCredit `json:"courses"`
	Entries []JPEntry  `json:"entries"`
}

// Reached reports whether the year's target is met.
func (j JPYear) Reached() bool { return j.Total >= j.Target }

// CurrentYear is the calendar year in Kotalama (WIB).
func (s *Service) CurrentYear() int { return s.now().In(jakarta).Year() }

// JPFor sums a user's JP in a year from the ledger.
func (s *Service) JPFor(ctx context.Context, nip string, year int) (JPYear, error) {
	return s.jpYear(ctx, nip, year)
}

// courseTitles looks up course titles, each course once per call of the
// returned function's owner (a report reads a course once, however many
// enrolments name it), through the course cache. A deleted course is
// titled by its id.
func (s *Service) courseTitles() func(context.Context, string) (string, error) {
	memo := map[string]string{}
	return func(ctx context.Context, id string) (string, error) {
		if t, ok := memo[id]; ok {
			return t, nil
		}
		t := id
		c, err := s.loadCourse(ctx, id, courseTTL)
		switch {
		case err == nil:
			t = c.Title
		case !errors.Is(err, ErrNotFound):
			return "", err
		}
		memo[id] = t
		return t, nil
	}
}

// noteUnit makes sure a unit named on an account exists, so units can be
// listed; an admin names it and places it in the tree later.
func (s *Service) noteUnit(ctx context.Context, code string) error {
	if code == "" {
		return nil
	}
	_, err := upsert(ctx, s.docs.C(collUnits), code, func(u *Unit) error {
		if u.Code == "" {
			u.Code, u.Name = code, code
		}
		return nil
	})
	return mapErr(err, "unit")
}

// Units lists the codes of every unit.
func (s *Service) Units(ctx context.Context) ([]string, error) {
	us, err := s.AllUnits(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Code
	}
	return out, nil
}

// UnitJPRow is one ASN in the yearly JP report.
type UnitJPRow struct {
	NIP      string `json:"nip"`
	Name     string `json:"name"`
	Position string `json:"position"`
	// Unit is the member's unit; for someone who has left the units of
	// the report, the unit where they earned the credits shown.
	Unit    string `json:"unit"`
	JP      int    `json:"jp"`
	Reached bool   `json:"reached"`
	// Member is false for someone who earned JP in these units in the
	// year and has moved elsewhere since.
	Member bool `json:"member"`
}

// UnitJP reports, for a unit kerja and every unit below it, each member's
// JP in the year, from the ledger read by unit and year: a credit counts
// for the unit the person was in when they earned it. People who earned
// JP here and have moved on are listed too, so the units' totals add up.
// Only admins may see it.
func (s *Service) UnitJP(ctx context.Context, u User, unit string, year int) ([]UnitJPRow, error) {
	if !u.Has(RoleAdmin) {
		return nil, ErrForbidden
	}
	codes, err := s.UnitAndBelow(ctx, unit)
	if err != nil {
		return nil, err
	}
	var rows []UnitJPRow
	at := map[string]int{} // NIP -> index in rows
	for _, code := range codes {
		q := docs.Query{Where: []docs.Eq{{Field: "unit", Value: code}}, Sort: "name", Limit: 500}
		for {
			us, next, err := docs.FindAll[User](ctx, s.docs.C(collUsers), q)
			if err != nil {
				return nil, mapErr(err, "unit members")
			}
			for _, m := range us {
				at[m.NIP] = len(rows)
				rows = append(rows, UnitJPRow{NIP: m.NIP, Name: m.Name, Position: m.Position, Unit: m.Unit, Member: true})
			}
			if next == "" {
				break
			}
			q.After = next
		}
	}
	for _, code := range codes {
		es, err := s.ledger(ctx, unitYear(code, year), nil)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			i, ok := at[e.User]
			if !ok {
				i = len(rows)
				at[e.User] = i
				rows = append(rows, UnitJPRow{NIP: e.User, Name: e.Name, Unit: e.Unit})
			}
			rows[i].JP += e.JP
		}
	}
	for i := range rows {
		rows[i].Reached = rows[i].JP >= JPTarget
	}
	return rows, nil
}

// UnitJPTotal is one unit's line in the roll-up of a JP report.
type UnitJPTotal struct {
	Unit    string `json:"unit"`
	Members int    `json:"members"`
	Reached int    `json:"reached"`
	JP      int    `json:"jp"`
}

// RollUp totals report rows per unit, in the order the units first
// appear, with the whole as the last line (Unit empty).
func RollUp(rows []UnitJPRow) []UnitJPTotal {
	var out []UnitJPTotal
	at := map[string]int{}
	var all UnitJPTotal
	for _, r := range rows {
		i, ok := at[r.Unit]
		if !ok {
			i = len(out)
			at[r.Unit] = i
			out = append(out, UnitJPTotal{Unit: r.Unit})
		}
		t := &out[i]
		t.JP += r.JP
		all.JP += r.JP
		if r.Member {
			t.Members++
			all.Members++
			if r.Reached {
				t.Reached++
				all.Reached++
			}
		}
	}
	return append(out, all)
}

// QuizStats summarises the submitted attempts of a quiz.
type QuizStats struct {
	Quiz      Quiz
	Attempts  int
	Learners  int
	MeanScore float64 // mean percent
	PassRate  float64 // share of attempts passed, 0..1
	// Histogram counts attempts by percent in tenths: [0,10), …, [90,100].
	Histogram [10]int
	Questions []QuestionStats
	// Submitted counts the quiz's submitted attempts; Attempts, those the
	// statistics include so far (the rest wait for the background job).
	Submitted int
}

// QuestionStats are the item statistics of one question.
type QuestionStats struct {
	ID     string
	Prompt string
	// Answered is how many attempts were served it.
	Answered int
	// Facility is the mean share of its points earned (0..1).
	Facility float64
	// Discrimination is the facility of the upper 27% of attempts (by total
	// score) minus that of the lower 27%: near 0 or below means the
	// question does not tell stronger from weaker learners.
	Discrimination float64
}

// CourseQuizzes lists a course's quizzes for its owners.
func (s *Service) CourseQuizzes(ctx context.Context, u User, courseID string) ([]Quiz, error) {
	c, err := s.ViewCourse(ctx, u, courseID)
	if err != nil {
		return nil, err
	}
	if !c.OwnedBy(u) {
		return nil, ErrForbidden
	}
	qs, _, err := docs.FindAll[Quiz](ctx, s.docs.C(collQuizzes),
		docs.Query{Where: []docs.Eq{{Field: "course", Value: c.ID}}, Sort: "created", Limit: 200})
	return qs, mapErr(err, "quizzes")
}
