package content

import "time"

// Mentoring (pembimbingan): an admin or atasan pairs an experienced ASN
// holding the mentor role with a mentee, for a goal and a period, often
// because of a need the needs dashboard found. The mentor records sessions;
// the mentee confirms each, and a confirmed session credits JP once.

// RoleMentor is held by experienced ASN who guide mentees.
const RoleMentor = "mentor"

// Mentorship is one pairing.
type Mentorship struct {
	ID      string    `bson:"id" json:"id"`
	Mentor  string    `bson:"mentor" json:"mentor"`
	Mentee  string    `bson:"mentee" json:"mentee"`
	Unit    string    `bson:"unit" json:"unit"` // the mentee's, at pairing
	Goal    string    `bson:"goal" json:"goal"`
	Need    string    `bson:"need,omitempty" json:"need,omitempty"` // what prompted it
	Starts  time.Time `bson:"starts" json:"starts"`
	Ends    time.Time `bson:"ends" json:"ends"`
	By      string    `bson:"by" json:"by"`
	Created time.Time `bson:"created" json:"created_at"`
	// Rating is the mentee's 1–5 at the end (0 before).
	Rating int `bson:"rating,omitempty" json:"rating,omitempty"`
}
