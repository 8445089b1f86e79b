package app

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/numfmt"
)

// Learner pages: the catalog, a course, the lesson player and its progress
// reports. Handlers are thin: the domain decides who may see what.

type catalogView struct {
	Categories []string
	Category   string
	Items      []cardView
	Total      int64
	Next       string // URL of the next page, "" on the last
	First      bool   // true on the first page
}

func (a *App) catalogPage(c *fiber.Ctx) error {
	cat := utils.CopyString(c.Query("category"))
	if q := strings.TrimSpace(c.Query("q")); q != "" {
		// Words are searched by the search page (old links and bookmarks
		// of the catalog's former title filter land there too).
		return c.Redirect(searchURL(q, cat, 0), fiber.StatusSeeOther)
	}
	after := utils.CopyString(c.Query("page"))
	list, err := a.svc.Catalog(c.UserContext(), content.CatalogQuery{Category: cat, After: after})
	if errors.Is(err, content.ErrBadCursor) {
		return errField(400, "page", content.ErrBadCursor.Message())
	}
	if err != nil {
		return err
	}
	mine, err := a.svc.MyCourses(c.UserContext(), currentUser(c).NIP)
	if err != nil {
		return err
	}
	items, err := a.courseCards(c.UserContext(), langOf(c), list.Items, mine)
	if err != nil {
		return err
	}
	v := catalogView{Categories: content.Categories, Category: cat, Items: items, Total: list.Total, First: after == ""}
	if list.Next != "" {
		p := url.Values{"page": {list.Next}}
		if cat != "" {
			p.Set("category", cat)
		}
		v.Next = "/courses?" + p.Encode()
	}
	return a.page(c, "courses", v)
}

// syllabusLesson is a lesson with the viewer's mark, for syllabus lists.
type syllabusLesson struct {
	content.Lesson
	Done    bool
	Current bool
}

type syllabusModule struct {
	Number  int
	ID      string
	Title   string
	Lessons []syllabusLesson
}

func syllabus(course *content.Course, progress map[string]content.LessonProgress, current string) []syllabusModule {
	out := make([]syllabusModule, 0, len(course.Modules))
	for i, m := range course.Modules {
		sm := syllabusModule{Number: i + 1, ID: m.ID, Title: m.Title}
		for _, l := range m.Lessons {
			sm.Lessons = append(sm.Lessons, syllabusLesson{Lesson: l, Done: progress[l.ID].Done, Current: l.ID == current})
		}
		out = append(out, sm)
	}
	return out
}

type courseView struct {
	Course      content.Course
	Description template.HTML
	Modules     []syllabusModule
	Lessons     int
	Minutes     int
	Enrolled    bool
	Percent     int
	Completed   bool
	Continue    string // lesson id to continue with
	CanEdit     bool
	Status      string // message after an action
	CertCode    string // the certificate of a completed course
	CertShown   string // its code as people read it
	JP          int    // JP credited at completion
	Trainers    []string
	Generated   template.HTML // the drawn cover, when none was uploaded
	// EvalAsk: ask for the course evaluation (pages_evaluations.go).
	EvalAsk, Evaluated bool
	// Discuss: the course's discussion (pages_discussion.go).
	Discuss *discussBox
}

func (a *App) coursePage(c *fiber.Ctx) error {
	u := currentUser(c)
	course, err := a.svc.ViewCourse(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	v := courseView{Course: course, CanEdit: course.OwnedBy(*u),
		Description: template.HTML(a.svc.Markdown().HTML(course.Description))} // sanitised by bluemonday
	if course.Cover == "" {
		v.Generated = coverSVG(course.ID, course.Title, course.Category)
	}
	names, err := a.svc.UserNames(c.UserContext(), course.Owners)
	if err != nil {
		return err
	}
	for _, nip := range course.Owners {
		if n, ok := names[nip]; ok {
			v.Trainers = append(v.Trainers, n)
		}
	}
	var progress map[string]content.LessonProgress
	e, err := a.svc.Enrollment(c.UserContext(), u.NIP, course.ID)
	switch {
	case err == nil:
		v.Enrolled, v.Completed = true, !e.Completed.IsZero()
		progress = e.Lessons
		v.JP = e.JP
		if e.Certificate != "" {
			v.CertCode, v.CertShown = e.Certificate, content.FormatCode(e.Certificate)
		}
	case !errors.Is(err, content.ErrNotFound):
		return err
	}
	all := course.Lessons()
	v.Lessons = len(all)
	v.Minutes = course.TotalMinutes()
	v.Modules = syllabus(&course, progress, "")
	if v.Enrolled && len(all) > 0 {
		done, req := 0, 0
		for _, l := range all {
			if !l.Optional {
				req++
				if progress[l.ID].Done {
					done++
				}
			}
		}
		if req > 0 {
			v.Percent = done * 100 / req
		}
		v.Continue = all[0].ID
		for _, l := range all {
			if !progress[l.ID].Done {
				v.Continue = l.ID
				break
			}
		}
		if e.LastLesson != "" && !progress[e.LastLesson].Done {
			if _, _, ok := course.Lesson(e.LastLesson); ok {
				v.Continue = e.LastLesson
			}
		}
	}
	if v.Discuss, err = a.discussBoxFor(c, course.ID, "", 5); err != nil {
		return err
	}
	if v.EvalAsk, v.Evaluated, err = a.evaluationAsk(c, course.ID, v.Completed); err != nil {
		return err
	}
	if c.Query("enrolled") == "1" && v.Enrolled {
		v.Status = a.cat.T(langOf(c), "course.enrolled_now")
	}
	return a.page(c, "course", v)
}

// enrolSubmit enrols the user; enrolling again is harmless.
func (a *App) enrolSubmit(c *fiber.Ctx) error {
	u := currentUser(c)
	e, _, err := a.svc.Enroll(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	return c.Redirect("/courses/"+url.PathEscape(e.Course)+"?enrolled=1", fiber.StatusSeeOther)
}

type lessonPageView struct {
	content.LessonView
	Body       template.HTML
	Modules    []syllabusModule
	Number     int // 1-based position in the course
	Count      int
	Percent    int
	MediaURL   string
	IsPDF      bool
	Position   string // saved position, seconds
	ProgressTo string // URL of the progress route
	JustDone   bool
	Quiz       *quizLessonView // kind quiz: its rules and my attempts
	// WaitMS is how long until the server accepts "done" for a text or
	// file lesson; WaitMsg says so after a refused "Tandai selesai".
	WaitMS   int64
	WaitMsg  string
	Speeds   []speedOption  // the player's playback speeds
	Captions []captionTrack // a video's text tracks
	// Discuss: the lesson's discussion (pages_discussion.go).
	Discuss *discussBox
}

type speedOption struct {
	Value, Label string
}

// playbackSpeeds are the speeds the server credits in full
// (content.PlaybackRates), written the reader's way: "1,5×" or "1.5×".
func playbackSpeeds(lang string) []speedOption {
	out := make([]speedOption, 0, len(content.PlaybackRates))
	for _, r := range content.PlaybackRates {
		out = append(out, speedOption{Value: strconv.FormatFloat(r, 'f', -1, 64), Label: numfmt.Float(lang, r, 2) + "×"})
	}
	return out
}

// captionTrack is a <track> of the player.
type captionTrack struct {
	URL, Lang, Label string
	Default          bool
}

// captionTracks lists a lesson's tracks; the one in the page's language,
// or else the first, is on by default (WCAG 1.2.2: captions without a
// search through menus).
func captionTracks(l content.Lesson, lang string) []captionTrack {
	out := make([]captionTrack, 0, len(l.Captions))
	def := 0
	for i, cp := range l.Captions {
		if cp.Lang == lang || strings.HasPrefix(cp.Lang, lang+"-") {
			def = i
			break
		}
	}
	for i, cp := range l.Captions {
		out = append(out, captionTrack{URL: "/media/" + url.PathEscape(cp.AssetID), Lang: cp.Lang, Label: cp.Label, Default: i == def})
	}
	return out
}

func (a *App) lessonPage(c *fiber.Ctx) error {
	u := currentUser(c)
	lv, err := a.svc.ViewLesson(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	v := lessonPageView{LessonView: lv, Number: lv.Index + 1, Count: len(lv.Course.Lessons()),
		Position:   strconv.FormatFloat(lv.Progress.Position, 'f', 1, 64),
		ProgressTo: "/learn/" + url.PathEscape(lv.Lesson.ID) + "/progress", JustDone: c.Query("done") == "1"}
	if lv.Lesson.Body != "" {
		v.Body = template.HTML(a.svc.Markdown().HTML(lv.Lesson.Body)) // sanitised by bluemonday
	}
	if lv.Asset != nil {
		v.MediaURL = "/media/" + url.PathEscape(lv.Asset.ID)
		v.IsPDF = lv.Asset.ContentType == "application/pdf"
	}
	if lv.Lesson.Kind == content.KindVideo {
		v.Captions = captionTracks(lv.Lesson, langOf(c))
	}
	v.Percent = lv.Enrollment.Percent
	v.Modules = syllabus(&lv.Course, lv.Enrollment.Lessons, lv.Lesson.ID)
	v.Speeds = playbackSpeeds(langOf(c))
	if lv.Enrolled {
		wait := a.svc.DoneWait(lv.Lesson, lv.Progress)
		v.WaitMS = wait.Milliseconds()
		if c.Query("wait") != "" && wait > 0 {
			v.WaitMsg = a.cat.T(langOf(c), "lesson.too_early", (&content.TooEarlyError{Wait: wait}).Seconds())
		}
	}
	if lv.Lesson.Kind == content.KindQuiz {
		if v.Quiz, err = a.quizLesson(c, *u, lv.Lesson.QuizID); err != nil {
			return err
		}
	}
	if v.Discuss, err = a.discussBoxFor(c, lv.Course.ID, lv.Lesson.ID, 5); err != nil {
		return err
	}
	return a.page(c, "lesson", v)
}

// progressForm reads a player report sent as a form (navigator.sendBeacon
// sends URLSearchParams with the cookie, so the CSRF token rides in the body).
func progressForm(c *fiber.Ctx) (content.ProgressInput, error) {
	var in content.ProgressInput
	num := func(name string) (float64, bool, error) {
		s := strings.TrimSpace(c.FormValue(name))
		if s == "" {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false, errField(400, name, emsg("number"))
		}
		return f, true, nil
	}
	if p, ok, err := num("position"); err != nil {
		return in, err
	} else if ok {
		in.Position = &p
	}
	if d, ok, err := num("duration"); err != nil {
		return in, err
	} else if ok {
		in.Duration = d
	}
	if w := strings.TrimSpace(c.FormValue("watched")); w != "" {
		if len(w) > 64<<10 {
			return in, errField(400, "watched", emsg("progress.watched_long"))
		}
		if err := json.Unmarshal([]byte(w), &in.Watched); err != nil {
			return in, errField(400, "watched", emsg("progress.watched_json"))
		}
	}
	switch strings.ToLower(strings.TrimSpace(c.FormValue("done"))) {
	case "1", "true", "on", "yes":
		in.Done = true
	}
	return in, nil
}

// progressSubmit: POST /learn/:id/progress, answered with JSON.
func (a *App) progressSubmit(c *fiber.Ctx) error {
	in, err := progressForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	p, err := a.svc.RecordProgress(c.UserContext(), *u, param(c, "id"), in)
	if err != nil {
		return a.progressErr(c, err)
	}
	// The course's percent, so the page can update its syllabus when a
	// lesson completes without a reload.
	out := struct {
		content.LessonProgress
		CoursePercent int `json:"course_percent"`
	}{LessonProgress: p}
	if en, err := a.svc.Enrollment(c.UserContext(), u.NIP, content.CourseOfLesson(param(c, "id"))); err == nil {
		out.CoursePercent = en.Percent
	}
	return c.JSON(out)
}

// doneSubmit: POST /learn/:id/done, the plain form of "Tandai selesai";
// it goes back to the lesson, or on to the next one. Too early, it goes
// back to the lesson, which says how long is left.
func (a *App) doneSubmit(c *fiber.Ctx) error {
	u := currentUser(c)
	id := param(c, "id")
	_, err := a.svc.RecordProgress(c.UserContext(), *u, id, content.ProgressInput{Done: true})
	var te *content.TooEarlyError
	if errors.As(err, &te) {
		return c.Redirect("/learn/"+url.PathEscape(id)+"?wait=1", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if c.FormValue("next") == "1" {
		if lv, err := a.svc.ViewLesson(c.UserContext(), *u, id); err == nil && lv.Next != nil {
			return c.Redirect("/learn/"+url.PathEscape(lv.Next.ID), fiber.StatusSeeOther)
		}
	}
	return c.Redirect("/learn/"+url.PathEscape(id)+"?done=1", fiber.StatusSeeOther)
}
