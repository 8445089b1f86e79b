package content

import (
	"context"
	"errors"
	"slices"
	"sort"
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

// JPYear is a learner's JP in one calendar year with the courses behind it.
type JPYear struct {
	Year    int        `json:"year"`
	Total   int        `json:"total"`
	Target  int        `json:"target"`
	Credits []JPCredit `json:"courses"`
}

// Reached reports whether the year's target is met.
func (j JPYear) Reached() bool { return j.Total >= j.Target }

// CurrentYear is the calendar year in Kotalama (WIB).
func (s *Service) CurrentYear() int { return s.now().In(jakarta).Year() }

// JPFor lists the JP credited to a user in a year, with the courses.
func (s *Service) JPFor(ctx context.Context, nip string, year int) (JPYear, error) {
	return s.jpFor(ctx, nip, year, s.courseTitles())
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

func (s *Service) jpFor(ctx context.Context, nip string, year int, titleOf func(context.Context, string) (string, error)) (JPYear, error) {
	out := JPYear{Year: year, Target: JPTarget, Credits: []JPCredit{}}
	q := docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}, {Field: "jp_year", Value: year}}, Limit: 200}
	for {
		es, next, err := docs.FindAll[Enrollment](ctx, s.docs.C(collEnrollments), q)
		if err != nil {
			return out, mapErr(err, "jp")
		}
		for _, e := range es {
			title, err := titleOf(ctx, e.Course)
			if err != nil {
				return out, err
			}
			out.Total += e.JP
			out.Credits = append(out.Credits, JPCredit{CourseID: e.Course, Title: title, JP: e.JP, Completed: e.Completed})
		}
		if next == "" {
			break
		}
		q.After = next
	}
	sort.Slice(out.Credits, func(i, j int) bool { return out.Credits[i].Completed.Before(out.Credits[j].Completed) })
	return out, nil
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
	JP       int    `json:"jp"`
	Reached  bool   `json:"reached"`
}

// UnitJP reports, for one unit kerja, each member's JP in the year. Only
// admins may see it.
func (s *Service) UnitJP(ctx context.Context, u User, unit string, year int) ([]UnitJPRow, error) {
	if !slices.Contains(u.Roles, RoleAdmin) {
		return nil, ErrForbidden
	}
	var rows []UnitJPRow
	titleOf := s.courseTitles()
	q := docs.Query{Where: []docs.Eq{{Field: "unit", Value: unit}}, Sort: "name", Limit: 500}
	for {
		us, next, err := docs.FindAll[User](ctx, s.docs.C(collUsers), q)
		if err != nil {
			return nil, mapErr(err, "unit members")
		}
		for _, m := range us {
			jp, err := s.jpFor(ctx, m.NIP, year, titleOf)
			if err != nil {
				return nil, err
			}
			rows = append(rows, UnitJPRow{NIP: m.NIP, Name: m.Name, Position: m.Position, JP: jp.Total, Reached: jp.Reached()})
		}
		if next == "" {
			return rows, nil
		}
		q.After = next
	}
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
