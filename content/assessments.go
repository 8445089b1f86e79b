package content

import "time"

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
