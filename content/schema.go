package content

import "github.com/kotalama/kompeten/storage/docs"

// Collection names.
const (
	collUsers         = "users"
	collSessions      = "sessions"
	collTokens        = "tokens"
	collThrottle      = "throttle"
	collSettings      = "settings"
	collCourses       = "courses"
	collAssets        = "assets"
	collUploads       = "uploads"
	collEnrollments   = "enrollments"
	collOutbox        = "search_outbox"
	collQuizzes       = "quizzes"
	collAttempts      = "attempts"
	collCertificates  = "certificates"
	collUnits         = "units"
	collAssetText     = "asset_text"
	collLessonBodies  = "lesson_bodies"
	collLeases        = "leases"
	collOnce          = "once"
	collCounters      = "counters"
	collAudit         = "audit"
	collActivations   = "activations"
	collNotifications = "notifications"
	collAssignments   = "assignments"
	collAssignees     = "assignees"
	collQuizStats     = "quiz_stats"
	collPaths         = "paths"
	collAssignTargets = "assign_targets"
	collJPLedger      = "jp_ledger"
	collImportJobs    = "import_jobs"
	collServices      = "services"
	collSKMResponses  = "skm_responses"
	collSKMMonths     = "skm_months"
	collAssessments   = "assessments"
	collMentorships   = "mentorships"
	collSKMLimits     = "skm_limits"
	collMentorActions = "mentor_actions"
	collPlans         = "plans"
	collTopics        = "topics"
	collEvaluations   = "evaluations"
	collEvalStats     = "evaluation_stats"
	collEvalPrompts   = "evaluation_prompts"
	collImpact        = "impact_reviews"
	collPositionReqs  = "position_requirements"
	collEvents        = "events"
	collRegistrations = "registrations"
	collEventSeats    = "event_seats"
	collCalendarFeeds = "calendar_feeds"
	collThreads       = "threads"
	collPosts         = "posts"
)

func idx(name string, unique bool, fields ...docs.Field) docs.Index {
	return docs.Index{Name: name, Fields: fields, Unique: unique}
}

func str(name string) docs.Field { return docs.Field{Name: name, Kind: docs.String} }
func tm(name string) docs.Field  { return docs.Field{Name: name, Kind: docs.Time} }
func num(name string) docs.Field { return docs.Field{Name: name, Kind: docs.Int} }

// Schemas declares every collection the domain uses and the indexes its
// queries need. The document store refuses any query these do not serve.
func Schemas() []docs.Schema {
	return []docs.Schema{
		{Name: collUsers, Indexes: []docs.Index{
			idx("unit_name", false, str("unit"), str("name")),
			idx("is_admin", false, docs.Field{Name: "is_admin", Kind: docs.Bool}),
			idx("supervisor_name", false, str("supervisor_nip"), str("name")),
			idx("position_name", false, str("position"), str("name")),
			idx("name", false, str("name")),
			// The users list (people.go): by folded name or NIP, alone,
			// within a unit, a facet (main role and status) or both, and
			// an atasan's team.
			idx("name_key", false, str("name_key")),
			idx("nip", false, str("nip")),
			idx("unit_key", false, str("unit"), str("name_key")),
			idx("unit_nip", false, str("unit"), str("nip")),
			idx("facet_key", false, str("facet"), str("name_key")),
			idx("facet_nip", false, str("facet"), str("nip")),
			idx("unit_facet_key", false, str("unit"), str("facet"), str("name_key")),
			idx("unit_facet_nip", false, str("unit"), str("facet"), str("nip")),
			idx("supervisor_key", false, str("supervisor_nip"), str("name_key")),
			// The pairing form's list of mentors (mentoring.go).
			idx("is_mentor_key", false, docs.Field{Name: "is_mentor", Kind: docs.Bool}, str("name_key")),
		}},
		{Name: collSessions, Indexes: []docs.Index{
			idx("expires", false, tm("expires")),
			idx("user", false, str("user"), tm("created")),
		}},
		{Name: collTokens, Indexes: []docs.Index{
			idx("user", false, str("user"), tm("created")),
			idx("expires", false, tm("expires")),
		}},
		{Name: collThrottle, Indexes: []docs.Index{idx("updated", false, tm("updated"))}},
		{Name: collSettings},
		{Name: collUnits},
		{Name: collAudit, Indexes: []docs.Index{idx("at", false, tm("at"))}},
		{Name: collActivations, Indexes: []docs.Index{idx("expires", false, tm("expires"))}},
		{Name: collAssignments, Indexes: []docs.Index{
			idx("created", false, tm("created")),
			idx("pending_created", false, docs.Field{Name: "pending", Kind: docs.Bool}, tm("created")),
		}},
		{Name: collAssignees, Indexes: []docs.Index{
			idx("user_due", false, str("user"), tm("due")),
			idx("assignment_user", false, str("assignment"), str("user")),
			idx("open_due", false, docs.Field{Name: "open", Kind: docs.Bool}, tm("due")),
			idx("unit_due", false, str("unit"), tm("due")),
			idx("assignment_open", false, str("assignment"), docs.Field{Name: "open", Kind: docs.Bool}),
			idx("assignment_unit_open", false, str("assignment"), str("unit"), docs.Field{Name: "open", Kind: docs.Bool}),
			// The needs dashboard counts a unit's overdue records (needs.go).
			idx("unit_open_due", false, str("unit"), docs.Field{Name: "open", Kind: docs.Bool}, tm("due")),
		}},
		{Name: collServices, Indexes: []docs.Index{idx("unit_name", false, str("unit"), str("name"))}},
		{Name: collSKMResponses, Indexes: []docs.Index{idx("service_at", false, str("service"), tm("at")),
			idx("fold", false, num("fold")),
			idx("service_commented_at", false, str("service"), docs.Field{Name: "commented", Kind: docs.Bool}, tm("at"))}},
		{Name: collSKMMonths, Indexes: []docs.Index{
			idx("unit_year_month", false, str("unit"), num("year"), str("month")),
			idx("service_month", false, str("service"), str("month")),
		}},
		{Name: collAssessments, Indexes: []docs.Index{
			idx("unit_year", false, str("unit"), num("year"), tm("at")),
			idx("user_at", false, str("user"), tm("at")),
			idx("at", false, tm("at")),
		}},
		{Name: collMentorships, Indexes: []docs.Index{
			idx("mentor_created", false, str("mentor"), tm("created")),
			idx("mentee_created", false, str("mentee"), tm("created")),
		}},
		{Name: collEvaluations, Indexes: []docs.Index{
			idx("course_comment_at", false, str("course"), docs.Field{Name: "has_comment", Kind: docs.Bool}, tm("at")),
			idx("pending_at", false, docs.Field{Name: "pending", Kind: docs.Bool}, tm("at")),
			// An event's comments (event_evaluations.go).
			idx("event_comment_at", false, str("event"), docs.Field{Name: "has_comment", Kind: docs.Bool}, tm("at")),
		}},
		{Name: collEvalStats},
		{Name: collEvalPrompts},
		{Name: collImpact, Indexes: []docs.Index{
			idx("atasan_open_asked", false, str("atasan"), docs.Field{Name: "open", Kind: docs.Bool}, tm("asked")),
			idx("course_rated", false, str("course"), tm("rated")),
			idx("pending_rated", false, docs.Field{Name: "pending", Kind: docs.Bool}, tm("rated")),
		}},
		{Name: collPositionReqs, Indexes: []docs.Index{idx("position_key", false, str("key"))}},
		// Events (events.go): the calendar by start, optionally by kind.
		{Name: collEvents, Indexes: []docs.Index{
			idx("starts", false, tm("starts")),
			idx("kind_starts", false, str("kind"), tm("starts")),
			// Event reminders (event_reminders.go): open events starting soon.
			idx("status_starts", false, str("status"), tm("starts")),
		}},
		// Registrations: an event's seats and waitlist in order of
		// arrival, and a person's events in time order.
		{Name: collRegistrations, Indexes: []docs.Index{
			idx("event_status_seq", false, str("event"), str("status"), num("seq")),
			idx("user_starts", false, str("user"), tm("starts")),
		}},
		// Seats: one document per event, the source of truth for who
		// holds a seat and the waitlist's order (events_registration.go).
		{Name: collEventSeats},
		{Name: collNotifications, Indexes: []docs.Index{idx("user_created", false, str("user"), tm("created")),
			idx("user_read", false, str("user"), docs.Field{Name: "read", Kind: docs.Bool}),
			idx("mail_next", false, str("mail"), tm("mail_next"))}},
		{Name: collAssetText},
		{Name: collCourses, Indexes: []docs.Index{
			idx("slug", true, str("slug")),
			idx("status_title", false, str("status"), str("title")),
			idx("status_category_title", false, str("status"), str("category"), str("title")),
			idx("owner_updated", false, str("owner"), tm("updated")),
			idx("index_due", false, tm("index_due")),
		}},
		{Name: collAssets, Indexes: []docs.Index{idx("course_created", false, str("course"), tm("created"))}},
		{Name: collUploads, Indexes: []docs.Index{idx("expires", false, tm("expires"))}},
		{Name: collEnrollments, Indexes: []docs.Index{
			idx("user_year", false, str("user"), num("jp_year")),
			idx("user_last", false, str("user"), tm("last_at")),
			idx("course_created", false, str("course"), tm("created")),
			idx("completed", false, tm("completed")),
		}},
		{Name: collOutbox, Indexes: []docs.Index{idx("queued", false, tm("queued"))}},
		{Name: collQuizzes, Indexes: []docs.Index{idx("course", false, str("course"), tm("created"))}},
		{Name: collAttempts, Indexes: []docs.Index{
			idx("quiz_user_n", true, str("quiz"), str("user"), num("n")),
			idx("quiz_submitted", false, str("quiz"), tm("submitted")),
			idx("open_deadline", false, docs.Field{Name: "open", Kind: docs.Bool}, tm("deadline")),
			idx("fold_quiz", false, num("fold"), str("quiz")),
		}},
		{Name: collQuizStats, Indexes: []docs.Index{idx("scan", false, docs.Field{Name: "scan", Kind: docs.Bool})}},
		{Name: collLessonBodies, Indexes: []docs.Index{
			idx("course_lesson_touched", false, str("course"), str("lesson"), tm("touched")),
		}},
		{Name: collCertificates, Indexes: []docs.Index{
			idx("code", true, str("code")),
			idx("course_issued", false, str("course"), tm("issued")),
		}},
		{Name: collLeases},
		{Name: collOnce},
		{Name: collCounters},
		{Name: collPaths, Indexes: []docs.Index{idx("updated", false, tm("updated"))}},
		{Name: collAssignTargets, Indexes: []docs.Index{idx("key_due", false, str("key"), tm("due"))}},
		{Name: collJPLedger, Indexes: []docs.Index{
			idx("user_year_at", false, str("user"), num("year"), tm("at")),
			idx("unit_year_at", false, str("unit"), num("year"), tm("at")),
			idx("year_at", false, num("year"), tm("at")),
		}},
		{Name: collImportJobs, Indexes: []docs.Index{idx("expires", false, tm("expires"))}},
		{Name: collSKMLimits, Indexes: []docs.Index{idx("expires", false, tm("expires"))}},
		{Name: collMentorActions, Indexes: []docs.Index{idx("due", false, tm("due"))}},
		{Name: collPlans, Indexes: []docs.Index{
			idx("supervisor_status_submitted", false, str("supervisor"), str("status"), tm("submitted")),
		}},
		// Forum warga (forum.go): rank orders unanswered before answered,
		// then newest, so each list is one index walk.
		{Name: collTopics, Indexes: []docs.Index{
			idx("service_state_rank", false, str("service"), str("state"), str("rank")),
			idx("unit_state_rank", false, str("unit"), str("state"), str("rank")),
			idx("state_rank", false, str("state"), str("rank")),
		}},
		// Personal calendar feeds (calendar_feed.go), keyed by NIP and
		// found by the hash of their token.
		{Name: collCalendarFeeds, Indexes: []docs.Index{idx("hash", true, str("hash"))}},
		// Discussion (discussion.go): a course's or a lesson's threads by
		// activity, a trainer's unanswered ones; a thread's posts, and a
		// course's reported posts.
		{Name: collThreads, Indexes: []docs.Index{
			idx("course_last", false, str("course"), tm("last_at")),
			idx("course_lesson_last", false, str("course"), str("lesson"), tm("last_at")),
			idx("course_unanswered_created", false, str("course"), docs.Field{Name: "unanswered", Kind: docs.Bool}, tm("created")),
		}},
		{Name: collPosts, Indexes: []docs.Index{
			idx("thread_created", false, str("thread"), tm("created")),
			idx("course_review_created", false, str("course"), docs.Field{Name: "review", Kind: docs.Bool}, tm("created")),
		}},
	}
}
