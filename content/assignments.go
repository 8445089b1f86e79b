package content

import "time"

// Assignment (penugasan) makes a course or a learning path mandatory for
// people chosen by NIP, by unit (with its sub-units) and by position, with
// a due date and a reason. Each person it reaches gets an Assignee record,
// so "what must I do", "who is overdue" and the reminder pass are indexed
// queries, never a scan of people × assignments.
type Assignment struct {
	ID        string    `bson:"id" json:"id"`
	Course    string    `bson:"course,omitempty" json:"course_id,omitempty"`
	Path      string    `bson:"path,omitempty" json:"path_id,omitempty"`
	Title     string    `bson:"title" json:"title"`
	NIPs      []string  `bson:"nips,omitempty" json:"nips,omitempty"`
	Units     []string  `bson:"units,omitempty" json:"units,omitempty"`
	Positions []string  `bson:"positions,omitempty" json:"positions,omitempty"`
	Due       time.Time `bson:"due" json:"due"`
	Reason    string    `bson:"reason,omitempty" json:"reason,omitempty"`
	By        string    `bson:"by" json:"by"`
	Created   time.Time `bson:"created" json:"created_at"`
	// Active is false once the assignment is withdrawn.
	Active bool `bson:"active" json:"active"`
}

// Assignee is one person's share of an assignment, stored under
// assigneeID(assignment, nip) so assigning twice never duplicates it.
type Assignee struct {
	Assignment string    `bson:"assignment" json:"assignment_id"`
	User       string    `bson:"user" json:"nip"`
	Unit       string    `bson:"unit" json:"unit"`
	Course     string    `bson:"course,omitempty" json:"course_id,omitempty"`
	Path       string    `bson:"path,omitempty" json:"path_id,omitempty"`
	Title      string    `bson:"title" json:"title"`
	Due        time.Time `bson:"due" json:"due"`
	Assigned   time.Time `bson:"assigned" json:"assigned_at"`
	// Done is when the course or every course of the path was completed;
	// zero while pending. Open mirrors Done.IsZero() so the reminder pass
	// queries pending records by due date through one index.
	Done time.Time `bson:"done,omitempty" json:"done_at,omitzero"`
	Open bool      `bson:"open" json:"-"`
}

func assigneeID(assignment, nip string) string { return assignment + "~" + nip }
