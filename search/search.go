// Package search is the course library index: courses and lessons, searched
// by words with filters, answered with highlighted snippets.
//
// Two backends implement it (bleve and meili) and both must pass the
// searchtest conformance suite.
package search

import (
	"context"
	"errors"
)

// ErrUnavailable wraps backend failures, so callers can degrade (the outbox
// keeps changes until the backend is back).
var ErrUnavailable = errors.New("search: backend unavailable")

// Entry types.
const (
	TypeCourse = "course"
	TypeLesson = "lesson"
	// TypeThread is a discussion thread of a course: Title is the
	// thread's title (not the course's), Body its opening post and
	// accepted answer, Status StatusThread, and the thread's id follows
	// the course id and "_" in the entry's id. A thread entry shows only
	// to a query that names its course in Courses, or to All.
	TypeThread = "thread"
)

// StatusThread is the status of every thread entry: never "published",
// so course visibility (published, or owned) never shows one.
const StatusThread = "thread"

// Field names of a Doc, as both backends index, store and filter them
// (the Doc's JSON names).
const (
	FieldID          = "id"
	FieldType        = "type"
	FieldCourseID    = "course_id"
	FieldLessonID    = "lesson_id"
	FieldTitle       = "title"
	FieldSummary     = "summary"
	FieldLessonTitle = "lesson_title"
	FieldBody        = "body"
	FieldCategory    = "category"
	FieldLevel       = "level"
	FieldOwners      = "owners"
	FieldStatus      = "status"
)

// Doc is one indexed entry: a course, or one lesson of a course.
type Doc struct {
	ID          string   `json:"id"`   // unique: course id, or course id + "_" + lesson id
	Type        string   `json:"type"` // TypeCourse or TypeLesson
	CourseID    string   `json:"course_id"`
	LessonID    string   `json:"lesson_id,omitempty"`
	Title       string   `json:"title"`   // course title
	Summary     string   `json:"summary"` // course summary
	LessonTitle string   `json:"lesson_title,omitempty"`
	Body        string   `json:"body"` // course description or lesson text, plain
	Category    string   `json:"category"`
	Level       string   `json:"level"`
	JP          int      `json:"jp"`
	Owners      []string `json:"owners"`
	Status      string   `json:"status"` // draft, published, archived
}

// Query is a search request.
type Query struct {
	Text     string
	Category string // empty: any
	Level    string // empty: any
	// Visibility: published entries always; drafts and archived too when
	// All is set (admins) or when Owner is one of their owners.
	All   bool
	Owner string
	// Courses are the courses whose discussion the searcher may read:
	// thread entries of other courses are left out (unless All).
	Courses []string
	Limit   int // default 20
	Offset  int
}

// Hit is one result. Snippet is HTML: matches wrapped in <mark>, everything
// else escaped.
type Hit struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	CourseID string `json:"course_id"`
	LessonID string `json:"lesson_id,omitempty"`
	Title    string `json:"title"` // course title, plain text
	// LessonTitle is set on lesson hits, plain text, so a result can name
	// the lesson as well as its course.
	LessonTitle string  `json:"lesson_title,omitempty"`
	Snippet     string  `json:"snippet"`
	Score       float64 `json:"score"`
}

// Result is a page of hits with the total and per-category counts.
type Result struct {
	Hits   []Hit
	Total  int
	Facets map[string]int // category -> hits
}

// Index is a search backend.
type Index interface {
	Upsert(ctx context.Context, docs ...Doc) error
	Delete(ctx context.Context, ids ...string) error
	Search(ctx context.Context, q Query) (Result, error)
	Ping(ctx context.Context) error
	Close() error
	// Fresh reports whether opening created the index empty (a first
	// start, a lost volume, a new index version), so the caller fills it
	// from the document store.
	Fresh() bool
}
