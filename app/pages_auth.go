package app

import (
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// page renders a template with the common view fields.
func (a *App) page(c *fiber.Ctx, name string, data any) error {
	v := view{Lang: langOf(c), User: currentUser(c), CSRF: a.csrfToken(c), Path: safeNext(c.OriginalURL()), Data: data}
	v.Team = a.hasTeam(c)
	if f := c.Query("msg"); f != "" {
		if msg := a.cat.T(v.Lang, "login."+f); msg != "login."+f {
			v.Flash = msg
		}
	}
	if v.User != nil {
		v.Unread = a.unread(c, v.User.NIP)
	}
	b, err := a.r.render(name, v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Send(b)
}

type loginView struct {
	NIP, Next, Error string
}

func (a *App) loginPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect(safeNext(c.Query("next")))
	}
	return a.page(c, "login", loginView{Next: safeNext(c.Query("next"))})
}

func (a *App) loginSubmit(c *fiber.Ctx) error {
	nip, password := utils.CopyString(c.FormValue("nip")), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	u, err := a.svc.Authenticate(c.UserContext(), nip, password, clientIP(c))
	if err != nil {
		msg := ""
		status := fiber.StatusUnauthorized
		var ve *content.ValidationError
		switch {
		case errors.As(err, &ve) && ve.Fields["nip"].Code != "":
			msg, status = a.tr(langOf(c), ve.Fields["nip"]), fiber.StatusUnprocessableEntity
			if len(nip) > 64 {
				// Not worth showing back, and not worth a large page.
				nip = ""
			}
		case errors.Is(err, content.ErrThrottled):
			msg, status = a.cat.T(langOf(c), "login.throttled"), fiber.StatusTooManyRequests
			c.Set(fiber.HeaderRetryAfter, "900")
		case errors.Is(err, content.ErrBusy):
			msg, status = a.cat.T(langOf(c), "login.busy"), fiber.StatusServiceUnavailable
			c.Set(fiber.HeaderRetryAfter, "5")
		case errors.Is(err, content.ErrUnauthorized):
			msg = a.cat.T(langOf(c), "login.failed")
		default:
			return err
		}
		c.Status(status)
		return a.page(c, "login", loginView{NIP: nip, Next: next, Error: msg})
	}
	if err := a.startSession(c, u.NIP, "login"); err != nil {
		return err
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// startSession signs the browser in as nip: it ends any session the
// browser had and starts a new one, so an id fixed before login is never
// the one that carries the login.
func (a *App) startSession(c *fiber.Ctx, nip, event string) error {
	if old := c.Cookies(cookieSession); old != "" {
		if err := a.svc.EndSession(c.UserContext(), content.KindSession, old); err != nil {
			return err
		}
	}
	secret, _, err := a.svc.NewSessionOn(c.UserContext(), content.KindSession, nip, device(c))
	if err != nil {
		return err
	}
	a.setCookie(c, cookieSession, secret, content.SessionLifetime)
	a.clearCookie(c, cookiePre)
	a.log.Info(event, "nip", nip, "ip", clientIP(c))
	return nil
}

func (a *App) logout(c *fiber.Ctx) error {
	if secret, ok := c.Locals(localSecret).(string); ok {
		if err := a.svc.EndSession(c.UserContext(), content.KindSession, secret); err != nil {
			return err
		}
	}
	a.clearCookie(c, cookieSession)
	return c.Redirect("/login?msg=logged_out", fiber.StatusSeeOther)
}

type homeView struct {
	Year, JP, JPCapped, Target, Remaining int
	// Continue is the course and lesson to pick up again, if any.
	Continue       *content.EnrolledCourse
	ContinueLesson *content.Lesson
	Courses        []content.EnrolledCourse
	// Credits are the courses behind this year's JP; Certificates the
	// completed courses with their certificate codes.
	Credits      []content.JPCredit
	Entries      []content.JPEntry
	Certificates []certificateRow
	Cards        []cardView // my courses as cards
	// Wajib are the learner's assignments, shown before everything else.
	Wajib []wajibItem
	// Plan is this year's RPK against what was done (pages_plan.go).
	Plan *homePlan
	// EvalAsks are completed courses to evaluate (pages_evaluations.go).
	EvalAsks []content.Course
}

type certificateRow struct {
	Course    content.Course
	Code      string
	Shown     string
	Completed string
	JP        int
}

func (a *App) home(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil {
		if sessionExpired(c) {
			return c.Redirect("/login?msg=expired")
		}
		return c.Redirect("/login")
	}
	year, err := a.svc.JPFor(c.UserContext(), u.NIP, a.svc.CurrentYear())
	if err != nil {
		return err
	}
	jp := year.Total
	mine, err := a.svc.MyCourses(c.UserContext(), u.NIP)
	if err != nil {
		return err
	}
	cont, lesson, err := a.svc.ContinueLearning(c.UserContext(), u.NIP)
	if err != nil {
		return err
	}
	v := homeView{
		Year: year.Year, JP: jp, JPCapped: min(jp, content.JPTarget), Target: content.JPTarget,
		Remaining: max(content.JPTarget-jp, 0), Continue: cont, ContinueLesson: lesson, Courses: mine,
	}
	v.Credits = year.Credits
	wajib, covered, err := a.wajib(c, mine)
	if err != nil {
		return err
	}
	v.Wajib = wajib
	v.EvalAsks = a.homeEvaluationAsks(c, mine)
	v.Entries = year.Entries
	list := make([]content.CourseCard, 0, len(mine))
	for _, ec := range mine {
		if !covered[ec.Course.ID] {
			list = append(list, ec.Course.CourseCard)
		}
	}
	if v.Cards, err = a.courseCards(c.UserContext(), langOf(c), list, mine); err != nil {
		return err
	}
	for _, ec := range mine {
		if ec.Certificate != "" {
			v.Certificates = append(v.Certificates, certificateRow{Course: ec.Course, Code: ec.Certificate,
				Shown: content.FormatCode(ec.Certificate), Completed: formatDateID(ec.Completed), JP: ec.JP})
		}
	}
	if v.Plan, err = a.homePlan(c); err != nil {
		return err
	}
	return a.page(c, "home", v)
}

// setLang stores the chosen language in a cookie and goes back.
func (a *App) setLang(c *fiber.Ctx) error {
	lang := c.Params("lang")
	if !slices.Contains(languages, lang) {
		return fiber.ErrNotFound
	}
	c.Cookie(&fiber.Cookie{Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: a.cfg.Secure()})
	return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
}
