// Package app is the composition root: it opens the stores the
// configuration names, wires the domain service, and serves pages and the
// JSON API with Fiber.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/mail"
)

// App is the running web tier. It holds no state of its own: sessions and
// everything else live in the stores, so instances behind a load balancer
// behave as one.
type App struct {
	cfg     Config
	log     *slog.Logger
	stores  Stores
	svc     *content.Service
	fiber   *fiber.App
	cat     catalog
	assets  *assets
	r       *renderer
	csrfKey []byte
	// copyBufs are the buffers media streams are copied with.
	copyBufs copyBuffers
	// jobs times the background work (workers.go); fill is the progress
	// of a search fill, for /readyz.
	jobs    jobTimes
	fill    fillProgress
	proxies proxies
	// mailer sends notification email; nil keeps notifications in-app.
	mailer mail.Sender
	// skmGate holds a slot per public feedback submission in progress.
	skmGate chan struct{}
}

// New wires an App over open stores.
func New(ctx context.Context, cfg Config, stores Stores, log *slog.Logger) (*App, error) {
	svc, err := content.New(stores.Docs, stores.Blobs, ContentOptions(cfg))
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	r, err := newRenderer(cat, as)
	if err != nil {
		return nil, err
	}
	key, err := svc.Secret(ctx, "csrf")
	if err != nil {
		return nil, fmt.Errorf("csrf key: %w", err)
	}
	a := &App{cfg: cfg, log: log, stores: stores, svc: svc, cat: cat, assets: as, r: r, csrfKey: key}
	a.jobs = defaultJobTimes
	a.skmGate = make(chan struct{}, skmSlots)
	a.jobs.remindEvery = cfg.ReminderInterval
	if a.mailer, err = newMailer(cfg); err != nil {
		return nil, err
	}
	fc := fiber.Config{
		AppName:               "kompeten",
		DisableStartupMessage: true,
		ErrorHandler:          a.errorHandler,
		// A request's headers must arrive within ReadTimeout; its body's
		// deadline is set when they have (bodyDeadline).
		ReadTimeout: headerTimeout,
		IdleTimeout: 2 * time.Minute,
		// Bodies above BodyLimit are streamed, not read into memory; only
		// the upload part route accepts them (limitBodies refuses the rest).
		BodyLimit:         smallBodyLimit,
		StreamRequestBody: true,
		// Fasthttp would otherwise read a whole multipart body, of any
		// size, to disk before the first handler runs: before the body
		// limit, the login check or anything else could refuse it.
		DisablePreParseMultipartForm: true,
	}
	if len(cfg.TrustedProxies) > 0 {
		// Only a configured proxy's forwarding headers are believed. The
		// client address is withClientIP's: Fiber's ProxyHeader would take
		// the client-written part of X-Forwarded-For.
		fc.EnableTrustedProxyCheck = true
		fc.TrustedProxies = cfg.TrustedProxies
	}
	if a.proxies, err = parseProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	a.fiber = fiber.New(fc)
	// Headers get a short deadline; a body, once its headers are in, one
	// fit for its size (bodyDeadline).
	a.fiber.Server().HeaderReceived = bodyDeadline
	a.routes()
	return a, nil
}

// Service is the domain service, for the CLI and tests.
func (a *App) Service() *content.Service { return a.svc }

// Handler is the Fiber app, for tests (app.Test).
func (a *App) Handler() *fiber.App { return a.fiber }

func (a *App) routes() {
	f := a.fiber
	f.Use(withRequestID, a.withClientIP, a.accessLog, recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: logPanic(a.log)}),
		securityHeaders(a.cfg.Secure(), a.cfg.MediaOrigin()), refuseEncodedBodies, limitBodies, withDeadline(a.cfg.RequestTimeout), withLang)

	f.Get("/healthz", a.healthz)
	f.Get("/readyz", a.readyz)
	f.Get("/static/+", a.static)
	f.Get("/media/:id", a.withAnyAuth, a.media)
	f.Get("/certificates/:code.pdf", a.withAnyAuth, a.certificatePDF)
	f.Get("/verify", a.withSession, a.verifyForm)
	f.Get("/verify/:code", a.withSession, a.verifyPage)
	f.Get("/brand/logo/:sum", a.logoImage)
	// The public SKM form (pages_skm.go): no login, no session, no CSRF
	// cookie; its one-time token guards the send.
	f.Get("/layanan/:id", a.skmPublicPage)
	f.Post("/layanan/:id", a.skmPublicSubmit)
	// Forum warga's public pages (pages_forum.go): no login, so outside the
	// CSRF group; the form carries a one-time token instead.
	f.Get("/layanan/:id/forum", a.withSession, a.forumListPage)
	f.Get("/layanan/:id/forum/new", a.withSession, a.forumNewPage)
	f.Post("/layanan/:id/forum/new", a.withSession, a.forumNewSubmit)
	f.Get("/layanan/:id/forum/:tid", a.withSession, a.forumTopicPage)
	// The personal calendar feed (api_calendar.go): no login and no
	// session, as calendar programs fetch it; its secret token is the key.
	f.Get("/calendar/:token.ics", a.calendarFeed)

	trainer := requireRole(content.RoleTrainer)
	api := f.Group("/api/v1", a.withBearer)
	api.Post("/auth/token", a.createToken)
	api.Delete("/auth/token", requireUser, a.deleteToken)
	api.Get("/me", requireUser, a.me)
	api.Post("/users", requireRole(content.RoleAdmin), a.createUser)

	api.Get("/courses", requireUser, a.listCourses)
	api.Post("/courses", trainer, a.createCourse)
	api.Get("/courses/:id", requireUser, a.getCourse)
	api.Patch("/courses/:id", trainer, a.patchCourse)
	api.Delete("/courses/:id", trainer, a.deleteCourse)
	api.Post("/courses/:id/publish", trainer, a.setStatus(content.StatusPublished))
	api.Post("/courses/:id/unpublish", trainer, a.setStatus(content.StatusDraft))
	api.Post("/courses/:id/archive", trainer, a.setStatus(content.StatusArchived))
	api.Put("/courses/:id/order", trainer, a.reorderCourse)
	api.Post("/courses/:id/modules", trainer, a.addModule)
	api.Patch("/courses/:id/modules/:mid", trainer, a.patchModule)
	api.Delete("/courses/:id/modules/:mid", trainer, a.deleteModule)
	api.Post("/courses/:id/modules/:mid/lessons", trainer, a.addLesson)
	api.Get("/lessons/:id", requireUser, a.getLesson)
	api.Patch("/lessons/:id", trainer, a.patchLesson)
	api.Delete("/lessons/:id", trainer, a.deleteLesson)
	api.Post("/markdown/preview", trainer, a.previewMarkdown)

	api.Post("/uploads", trainer, a.createUpload)
	api.Get("/uploads/:id", trainer, a.getUpload)
	api.Put("/uploads/:id/parts/:n", trainer, withLongDeadline, a.putPart)
	api.Post("/uploads/:id/complete", trainer, a.completeUpload)
	api.Delete("/uploads/:id", trainer, a.abortUpload)

	api.Post("/courses/:id/enroll", requireUser, a.enroll)
	api.Get("/enrollments", requireUser, a.listEnrollments)
	api.Get("/courses/:id/progress", requireUser, a.courseProgress)
	api.Post("/lessons/:id/progress", requireUser, a.lessonProgress)
	api.Post("/quizzes", trainer, a.createQuiz)
	api.Get("/quizzes/:id", trainer, a.getQuiz)
	api.Patch("/quizzes/:id", trainer, a.patchQuiz)
	api.Post("/quizzes/:id/attempts", requireUser, a.startAttempt)
	api.Get("/attempts/:id", requireUser, a.getAttempt)
	api.Put("/attempts/:id/answers", requireUser, a.saveAnswers)
	api.Post("/attempts/:id/submit", requireUser, a.submitAttempt)
	api.Post("/quizzes/:id/import", trainer, a.importQuiz)
	api.Get("/quizzes/:id/export.gift", trainer, a.exportQuiz)
	api.Get("/quizzes/:id/stats", trainer, a.quizStats)
	api.Get("/quizzes/:id/results.csv", trainer, a.quizResultsCSV)
	api.Get("/reports/jp", requireRole(content.RoleAdmin), a.jpReport)
	api.Get("/reports/jp.csv", requireRole(content.RoleAdmin), a.jpReportCSV)
	api.Get("/search", requireUser, a.searchAPI)
	api.Get("/certificates/:code", a.verifyCertificateAPI)
	api.Get("/settings/certificate", requireRole(content.RoleAdmin), a.getCertificateSettings)
	api.Patch("/settings/certificate", requireRole(content.RoleAdmin), a.patchCertificateSettings)
	api.Put("/settings/certificate/logo", requireRole(content.RoleAdmin), a.putCertificateLogo)
	// Learning paths (api_paths.go) and assignments (api_assignments.go).
	api.Get("/paths", requireUser, a.listPaths)
	api.Post("/paths", trainer, a.createPath)
	api.Get("/paths/:id", requireUser, a.getPath)
	api.Put("/paths/:id", trainer, a.updatePath)
	api.Post("/paths/:id/enroll", requireUser, a.enrollPath)
	api.Post("/assignments", requireUser, a.createAssignment)
	api.Get("/assignments", requireUser, a.listAssignments)
	api.Get("/assignments/:id", requireUser, a.getAssignment)
	api.Get("/assignments/:id/report.csv", requireUser, a.assignmentCSV)
	api.Get("/me/assignments", requireUser, a.myAssignments)
	api.Get("/me/jp", requireUser, a.myJP)
	api.Get("/reports/jp-ledger.csv", requireRole(content.RoleAdmin), a.jpLedgerCSV)
	api.Get("/team", requireUser, a.team)
	// People (api_people.go).
	api.Get("/units", requireUser, a.listUnits)
	api.Put("/units/:code", requireRole(content.RoleAdmin), a.putUnit)
	api.Get("/users", requireUser, a.listUsers)
	api.Get("/users/:nip", requireUser, a.getUser)
	api.Patch("/users/:nip", requireRole(content.RoleAdmin), a.patchUser)
	api.Post("/users/:nip/reset", requireRole(content.RoleAdmin), a.resetUser)
	api.Post("/auth/activate", a.activate)
	api.Put("/me/password", requireUser, a.changePassword)
	api.Patch("/me", requireUser, a.patchMe)
	api.Get("/me/sessions", requireUser, a.mySessions)
	api.Delete("/me/sessions", requireUser, a.endOtherSessions)
	// Notifications (api_notifications.go).
	api.Get("/notifications", requireUser, a.listNotifications)
	api.Post("/notifications/read", requireUser, a.markNotificationsRead)
	api.Get("/me/notification-settings", requireUser, a.getNotificationSettings)
	api.Put("/me/notification-settings", requireUser, a.putNotificationSettings)
	api.Post("/users/import", requireRole(content.RoleAdmin), withLongDeadline, a.importUsersAPI)
	api.Post("/users/import/jobs", requireRole(content.RoleAdmin), a.startImportJob)
	api.Get("/users/import/jobs/:id", requireRole(content.RoleAdmin), a.importJob)
	// Public services and citizens' feedback (api_skm.go).
	api.Get("/public/services/:id", a.publicServiceAPI)
	api.Post("/public/services/:id/responses", a.submitSKMAPI)
	api.Get("/services", requireUser, a.listServices)
	api.Post("/services", requireRole(content.RoleAdmin), a.createService)
	api.Patch("/services/:id", requireRole(content.RoleAdmin), a.patchService)
	api.Get("/services/:id/skm", requireUser, a.serviceSKM)
	api.Get("/services/:id/comments", requireUser, a.serviceComments)
	api.Get("/services/:id/responses.csv", requireUser, a.serviceResponsesCSV)
	api.Get("/services/:id/poster.pdf", requireRole(content.RoleAdmin), a.servicePoster)
	api.Get("/units/:code/skm", requireUser, a.unitSKM)
	// Mentoring and the individual plan, RPK (api_mentoring.go).
	api.Post("/mentorships", requireUser, a.createMentorship)
	api.Get("/mentorships", requireUser, a.listMentorships)
	api.Get("/mentorships/:id", requireUser, a.getMentorship)
	api.Post("/mentorships/:id/sessions", requireUser, a.createSession)
	api.Post("/mentorships/:id/sessions/:sid/confirm", requireUser, a.confirmSession)
	api.Post("/mentorships/:id/rating", requireUser, a.rateMentorship)
	api.Get("/me/plan", requireUser, a.getMyPlan)
	api.Put("/me/plan", requireUser, a.putMyPlan)
	api.Post("/me/plan/submit", requireUser, a.submitMyPlan)
	api.Get("/plans", requireUser, a.teamPlans)
	api.Get("/plans/:id", requireUser, a.getPlan)
	api.Post("/plans/:id/approve", requireUser, a.decidePlan(true))
	api.Post("/plans/:id/return", requireUser, a.decidePlan(false))
	// Forum warga (api_forum.go).
	api.Get("/public/services/:id/topics", a.publicTopicsAPI)
	api.Post("/public/services/:id/topics", a.submitTopicAPI)
	api.Get("/public/services/:id/topics/token", a.topicTokenAPI)
	api.Get("/public/services/:id/topics/:tid", a.publicTopicAPI)
	api.Get("/topics", requireUser, a.topicQueueAPI)
	api.Get("/topics/:id", requireUser, a.topicAPI)
	api.Post("/topics/:id/moderate", requireUser, a.moderateTopicAPI)
	api.Post("/topics/:id/replies", requireUser, a.replyTopicAPI)
	// Evaluation, competencies and assessments (api_evaluations.go).
	a.evaluationAPI(api)
	// The needs dashboard (api_needs.go).
	api.Get("/needs", requireRole(content.RoleAdmin), a.needsAPI)
	api.Get("/needs/team", requireUser, a.teamNeedsAPI)
	api.Get("/needs/rules", requireRole(content.RoleAdmin), a.needsRulesAPI)
	api.Put("/needs/rules", requireRole(content.RoleAdmin), a.putNeedsRulesAPI)
	api.Post("/needs/assign", requireUser, a.needsAssignAPI)
	// Events (api_events.go).
	api.Post("/events", requireUser, a.createEvent)
	api.Get("/events", requireUser, a.listEvents)
	// The event's .ics (api_calendar.go) comes before /events/:id, which
	// would take "x.ics" for an id.
	api.Get("/events/:id.ics", requireUser, a.eventICS)
	api.Get("/events/:id", requireUser, a.getEvent)
	api.Patch("/events/:id", requireUser, a.patchEvent)
	// Event registration (api_events_register.go).
	api.Post("/events/:id/register", requireUser, a.registerEvent)
	api.Delete("/events/:id/register", requireUser, a.cancelEventRegistration)
	api.Get("/events/:id/registrations", requireUser, a.eventRegistrations)
	api.Post("/events/:id/cancel-event", requireUser, a.cancelEvent)
	// Attendance, check-in and the event's evaluation (api_attendance.go).
	a.attendanceAPI(api)
	// The personal calendar feed's address (api_calendar.go).
	api.Get("/me/calendar", requireUser, a.myCalendarAPI)
	api.Post("/me/calendar/reset", requireUser, a.resetCalendarAPI)
	// Discussion in courses (api_discussion.go).
	a.discussionAPI(api)
	api.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })

	pages := f.Group("", a.withSession, a.checkCSRF)
	pages.Get("/", a.home)
	pages.Get("/login", a.loginPage)
	pages.Post("/login", a.loginSubmit)
	pages.Post("/logout", a.logout)
	pages.Get("/lang/:lang", a.setLang)

	// Learner pages (pages_learn.go).
	pages.Get("/courses", requireUser, a.catalogPage)
	pages.Get("/courses/:id", requireUser, a.coursePage)
	pages.Post("/courses/:id/enroll", requireUser, a.enrolSubmit)
	pages.Get("/learn/:id", requireUser, a.lessonPage)
	pages.Post("/learn/:id/progress", requireUser, a.progressSubmit)
	pages.Post("/learn/:id/done", requireUser, a.doneSubmit)

	// Authoring pages (pages_author.go); the upload routes reuse the API
	// handlers under the cookie session, with the CSRF header.
	pages.Get("/teach", trainer, a.teachPage)
	pages.Get("/teach/new", trainer, a.newCoursePage)
	pages.Post("/teach/new", trainer, a.newCourseSubmit)
	pages.Post("/teach/preview", trainer, a.previewSubmit)
	pages.Post("/teach/uploads", trainer, a.createUpload)
	pages.Get("/teach/uploads/:id", trainer, a.getUpload)
	pages.Put("/teach/uploads/:id/parts/:n", trainer, withLongDeadline, a.putPart)
	pages.Post("/teach/uploads/:id/complete", trainer, a.completeUpload)
	pages.Delete("/teach/uploads/:id", trainer, a.abortUpload)
	pages.Get("/teach/lessons/:lid/edit", trainer, a.editLessonPage)
	pages.Post("/teach/lessons/:lid/edit", trainer, a.editLessonSubmit)
	pages.Get("/teach/lessons/:lid/delete", trainer, a.deleteLessonPage)
	pages.Post("/teach/lessons/:lid/delete", trainer, a.deleteLessonSubmit)
	pages.Get("/teach/:id", trainer, a.teachCoursePage)
	pages.Get("/teach/:id/assets", trainer, a.assetsFragment)
	pages.Get("/teach/:id/edit", trainer, a.editCoursePage)
	pages.Post("/teach/:id/edit", trainer, a.editCourseSubmit)
	pages.Post("/teach/:id/modules", trainer, a.addModuleSubmit)
	pages.Post("/teach/:id/modules/:mid/rename", trainer, a.renameModuleSubmit)
	pages.Get("/teach/:id/modules/:mid/delete", trainer, a.deleteModulePage)
	pages.Post("/teach/:id/modules/:mid/delete", trainer, a.deleteModuleSubmit)
	pages.Get("/teach/:id/lessons/new", trainer, a.newLessonPage)
	pages.Post("/teach/:id/lessons/new", trainer, a.newLessonSubmit)
	pages.Post("/teach/:id/move", trainer, a.moveSubmit)
	pages.Post("/teach/:id/status", trainer, a.statusSubmit)
	pages.Get("/teach/:id/delete", trainer, a.deleteCoursePage)
	pages.Post("/teach/:id/delete", trainer, a.deleteCourseSubmit)

	// Quiz pages (pages_quiz_author.go, _attempt.go, _results.go) and reports (pages_reports.go). The
	// attempt's answer route reuses the API handler under the cookie
	// session, with the CSRF header.
	pages.Get("/teach/:id/quizzes/new", trainer, a.newQuizPage)
	pages.Post("/teach/:id/quizzes/new", trainer, a.newQuizSubmit)
	pages.Get("/teach/quizzes/:id", trainer, a.quizEditorPage)
	pages.Get("/teach/quizzes/:id/settings", trainer, a.quizSettingsPage)
	pages.Post("/teach/quizzes/:id/settings", trainer, a.quizSettingsSubmit)
	pages.Get("/teach/quizzes/:id/questions/new", trainer, a.newQuestionPage)
	pages.Post("/teach/quizzes/:id/questions/new", trainer, a.questionSubmit)
	pages.Get("/teach/quizzes/:id/questions/:qn/edit", trainer, a.editQuestionPage)
	pages.Post("/teach/quizzes/:id/questions/:qn/edit", trainer, a.questionSubmit)
	pages.Post("/teach/quizzes/:id/questions/:qn/delete", trainer, a.deleteQuestionSubmit)
	pages.Post("/teach/quizzes/:id/import", trainer, a.importSubmit)
	pages.Get("/teach/quizzes/:id/export.gift", trainer, a.exportQuiz)
	pages.Get("/teach/quizzes/:id/stats", trainer, a.quizStatsPage)
	pages.Get("/teach/quizzes/:id/results.csv", trainer, a.quizResultsCSV)
	pages.Post("/learn/:id/quiz", requireUser, a.startQuizSubmit)
	pages.Get("/quiz/attempts/:id", requireUser, a.attemptPage)
	pages.Put("/quiz/attempts/:id/answers", requireUser, a.saveAnswers)
	pages.Post("/quiz/attempts/:id/submit", requireUser, a.attemptSubmit)
	pages.Get("/quiz/attempts/:id/result", requireUser, a.resultPage)
	pages.Get("/admin/jp", requireRole(content.RoleAdmin), a.jpReportPage)
	pages.Get("/admin/jp.csv", requireRole(content.RoleAdmin), a.jpReportCSV)
	pages.Get("/admin", requireRole(content.RoleAdmin), a.adminHome)
	pages.Get("/admin/settings", requireRole(content.RoleAdmin), a.settingsPage)
	pages.Post("/admin/settings", requireRole(content.RoleAdmin), a.settingsSubmit)
	pages.Post("/admin/settings/logo", requireRole(content.RoleAdmin), a.logoSubmit)

	// Learning paths (pages_paths.go) and assignments (pages_assignments.go);
	// the assignment pages serve admins and, for their team, an atasan.
	pages.Get("/paths", requireUser, a.pathsPage)
	pages.Get("/paths/new", trainer, a.newPathPage)
	pages.Post("/paths/new", trainer, a.pathSubmit)
	pages.Get("/paths/:id", requireUser, a.pathPage)
	pages.Post("/paths/:id/enroll", requireUser, a.enrollPathSubmit)
	pages.Get("/paths/:id/edit", trainer, a.editPathPage)
	pages.Post("/paths/:id/edit", trainer, a.pathSubmit)
	pages.Get("/admin/assignments", requireUser, a.assignmentsPage)
	pages.Post("/admin/assignments", requireUser, a.assignSubmit)
	pages.Get("/admin/assignments/:id", requireUser, a.assignmentPage)
	pages.Get("/admin/assignments/:id/report.csv", requireUser, a.assignmentCSV)

	// Search (pages_search.go): the results page, and the header box's
	// suggestions as JSON.
	pages.Get("/search", requireUser, a.searchPage)
	pages.Get("/search/suggest", requireUser, a.searchSuggest)

	// The JP ledger's export (api_jp.go) and "Tim saya" (pages_team.go).
	pages.Get("/admin/jp-ledger.csv", requireRole(content.RoleAdmin), a.jpLedgerCSV)
	pages.Get("/team", requireUser, a.teamPage)
	// People (pages_people.go): admins' units, users and audit log; anyone's
	// profile; the activation link, used before signing in.
	admin := requireRole(content.RoleAdmin)
	pages.Get("/admin/units", admin, a.unitsPage)
	pages.Post("/admin/units", admin, a.unitSubmit)
	pages.Get("/admin/users", admin, a.usersPage)
	// The import's routes come before /admin/users/:nip, which would take "import" for a NIP.
	pages.Get("/admin/users/import", requireRole(content.RoleAdmin), a.userImportPage)
	pages.Post("/admin/users/import", requireRole(content.RoleAdmin), withLongDeadline, a.userImportSubmit)
	pages.Post("/admin/users/import/jobs", requireRole(content.RoleAdmin), a.startImportJob)
	pages.Get("/admin/users/import/jobs/:id", requireRole(content.RoleAdmin), a.importJob)
	pages.Get("/admin/users/:nip", admin, a.userPage)
	pages.Post("/admin/users/:nip", admin, a.userSubmit)
	pages.Post("/admin/users/:nip/reset", admin, a.userResetSubmit)
	pages.Get("/admin/audit", admin, a.auditPage)
	pages.Get("/profile", requireUser, a.profilePage)
	pages.Post("/profile", requireUser, a.profileSubmit)
	pages.Post("/profile/password", requireUser, a.passwordSubmit)
	pages.Post("/profile/sessions/end", requireUser, a.endSessionsSubmit)
	pages.Get("/activate/:code", a.activatePage)
	pages.Post("/activate/:code", a.activateSubmit)
	// Notifications (pages_notifications.go).
	pages.Get("/notifications", requireUser, a.notificationsPageView)
	pages.Post("/notifications/read", requireUser, a.notificationsReadSubmit)
	pages.Get("/notifications/settings", requireUser, a.notificationSettingsPage)
	pages.Post("/notifications/settings", requireUser, a.notificationSettingsSubmit)
	// User import (pages_user_import.go); its job routes reuse the API
	// handlers under the cookie session, with the CSRF header.
	// Public services and SKM results (pages_skm.go).
	pages.Get("/admin/services", admin, a.servicesPage)
	pages.Post("/admin/services", admin, a.serviceCreateSubmit)
	pages.Get("/admin/services/:id", admin, a.servicePage)
	pages.Post("/admin/services/:id", admin, a.serviceSubmit)
	pages.Get("/admin/services/:id/poster.pdf", admin, a.servicePoster)
	pages.Get("/skm/services/:id", requireUser, a.serviceResultsPage)
	pages.Get("/skm/services/:id/responses.csv", requireUser, a.serviceResponsesCSV)
	pages.Get("/skm/units/:code", requireUser, a.unitResultsPage)
	// Mentoring (pages_mentoring.go) and the plan, RPK (pages_plan.go):
	// the new-pairing and team-plans routes come before their :id routes.
	pages.Get("/mentoring", requireUser, a.mentoringPage)
	pages.Get("/mentoring/new", requireUser, a.pairPage)
	pages.Post("/mentoring/new", requireUser, a.pairSubmit)
	pages.Get("/mentoring/:id", requireUser, a.mentorshipPage)
	pages.Post("/mentoring/:id/sessions", requireUser, a.sessionSubmit)
	pages.Post("/mentoring/:id/sessions/:sid/confirm", requireUser, a.confirmSubmit)
	pages.Post("/mentoring/:id/rating", requireUser, a.ratingSubmit)
	pages.Get("/plan", requireUser, a.planPage)
	pages.Post("/plan", requireUser, a.planSubmit)
	pages.Post("/plan/items", requireUser, a.planAddSubmit)
	pages.Post("/plan/submit", requireUser, a.planSendSubmit)
	pages.Get("/team/plans", requireUser, a.teamPlansPage)
	pages.Get("/team/plans/:id", requireUser, a.teamPlanPage)
	pages.Post("/team/plans/:id", requireUser, a.teamPlanDecide)
	// Forum warga's moderation (pages_forum.go): a unit's staff and admins.
	pages.Get("/forum/moderation", requireUser, a.moderationPage)
	pages.Get("/forum/moderation/:id", requireUser, a.moderationTopicPage)
	pages.Post("/forum/moderation/:id/moderate", requireUser, a.moderateSubmit)
	pages.Post("/forum/moderation/:id/replies", requireUser, a.replySubmit)
	// Evaluation, competencies and assessments (pages_evaluations.go).
	a.evaluationPages(pages)
	// The needs dashboard (pages_needs.go): admins' city and units, an
	// atasan's team.
	pages.Get("/admin/needs", requireRole(content.RoleAdmin), a.needsPage)
	pages.Post("/admin/needs/assign", requireRole(content.RoleAdmin), a.needsAssignSubmit)
	pages.Get("/admin/needs/rules", requireRole(content.RoleAdmin), a.needsRulesPage)
	pages.Post("/admin/needs/rules", requireRole(content.RoleAdmin), a.needsRulesSubmit)
	pages.Get("/team/needs", requireUser, a.teamNeedsPage)
	pages.Post("/team/needs/assign", requireUser, a.needsAssignSubmit)
	// Event registration's forms and the organisers' list
	// (pages_events_register.go).
	pages.Post("/events/:id/register", requireUser, a.registerEventSubmit)
	pages.Post("/events/:id/cancel", requireUser, a.cancelEventSubmit)
	pages.Get("/events/:id/registrations", requireUser, a.eventRegistrationsPage)
	// Events (pages_events.go): the calendar, event pages and the form.
	a.eventPages(pages)
	// Attendance: check-in, the QR's page, the organiser's sheet and the
	// event's evaluation (pages_attendance.go).
	a.attendancePages(pages)
	// Calendar (pages_calendar.go, api_calendar.go): the personal feed's
	// page and the event page's .ics link.
	pages.Get("/my/calendar", requireUser, a.myCalendarPage)
	pages.Post("/my/calendar/reset", requireUser, a.resetCalendarSubmit)
	pages.Get("/events/:id/ics", requireUser, a.eventICS)
	// Discussion in courses (pages_discussion.go).
	a.discussionPages(pages)
	pages.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

func (a *App) static(c *fiber.Ctx) error {
	b, ok := a.assets.files[c.Params("+")]
	if !ok {
		return fiber.ErrNotFound
	}
	name := c.Params("+")
	c.Type(name[strings.LastIndexByte(name, '.')+1:])
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(b)
}

// Serve listens on cfg.Addr until ctx ends, then stops taking requests,
// lets in-flight ones finish (up to ShutdownTimeout), and stops the workers.
// Closing the stores is the caller's, after Serve returns.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.Addr, err)
	}
	workers, stopWorkers := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.runWorkers(workers)
	}()
	go tuneGC(workers)
	errc := make(chan error, 1)
	go func() { errc <- a.fiber.Listener(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
		err = a.fiber.ShutdownWithTimeout(a.cfg.ShutdownTimeout)
	}
	stopWorkers()
	// A job stuck in a call that ignores its context must not hold up
	// shutdown: wait a little, then leave it.
	select {
	case <-done:
	case <-time.After(a.jobs.stopWait):
		a.log.Warn("background work did not stop in time; leaving it", "waited", a.jobs.stopWait)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("shutdown timed out; some requests were cut")
		err = nil
	}
	return err
}
