package app

import (
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Authoring pages for trainers. Every action is a plain POST form that
// redirects back (303), so the pages work without JavaScript; the domain
// checks ownership on every call.

func formStr(c *fiber.Ctx, name string) *string {
	s := utils.CopyString(c.FormValue(name))
	return &s
}

type teachView struct {
	Courses []content.Course
}

func (a *App) teachPage(c *fiber.Ctx) error {
	cs, err := a.svc.OwnedCourses(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	return a.page(c, "teach", teachView{Courses: cs})
}

type courseFormView struct {
	New        bool
	ID         string
	Title      string
	Summary    string
	Desc       string
	Category   string
	Level      string
	JP         string
	Cover      string
	Categories []string
	Levels     []string
	Images     []content.Asset
	Errors     map[string]string
	// Competencies are the tags, comma-separated; KnownTags the catalogue.
	Competencies string
	KnownTags    []content.CompetencyTag
}

func (a *App) courseFormFrom(course content.Course) courseFormView {
	v := courseFormView{ID: course.ID, Title: course.Title, Summary: course.Summary, Desc: course.Description,
		Category: course.Category, Level: course.Level, Cover: course.Cover,
		Categories: content.Categories, Levels: content.Levels, Competencies: strings.Join(course.Competencies, ", ")}
	if course.JP > 0 {
		v.JP = strconv.Itoa(course.JP)
	}
	return v
}

func (a *App) newCoursePage(c *fiber.Ctx) error {
	v := a.courseFormFrom(content.Course{CourseCard: content.CourseCard{Level: content.Levels[0]}})
	v.New = true
	v.KnownTags = a.knownTags(c)
	return a.page(c, "teach_course_form", v)
}

// courseInput reads the course form. A JP that is not a number is left
// at -1, which the domain refuses with its own message.
func courseInput(c *fiber.Ctx, withCover bool) content.CourseInput {
	in := content.CourseInput{Title: formStr(c, "title"), Summary: formStr(c, "summary"),
		Description: formStr(c, "description"), Category: formStr(c, "category"), Level: formStr(c, "level")}
	jp, err := strconv.Atoi(strings.TrimSpace(c.FormValue("jp")))
	if err != nil {
		jp = -1
	}
	in.JP = &jp
	if withCover {
		in.Cover = formStr(c, "cover")
	}
	tags := content.SplitTags(utils.CopyString(c.FormValue("competencies")))
	in.Competencies = &tags
	return in
}

func (a *App) formFromInput(in content.CourseInput, c *fiber.Ctx) courseFormView {
	return courseFormView{Title: *in.Title, Summary: *in.Summary, Desc: *in.Description, Category: *in.Category,
		Level: *in.Level, JP: utils.CopyString(c.FormValue("jp")), Cover: utils.CopyString(c.FormValue("cover")),
		Categories: content.Categories, Levels: content.Levels, Competencies: utils.CopyString(c.FormValue("competencies")),
		KnownTags: a.knownTags(c)}
}

func (a *App) newCourseSubmit(c *fiber.Ctx) error {
	in := courseInput(c, false)
	course, err := a.svc.CreateCourse(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v := a.formFromInput(in, c)
		v.New, v.Errors = true, fields
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "teach_course_form", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/"+url.PathEscape(course.ID), fiber.StatusSeeOther)
}

// ownedCourse loads a course the user may edit, with its assets.
func (a *App) ownedCourse(c *fiber.Ctx, id string) (content.Course, []content.Asset, error) {
	u := currentUser(c)
	// CourseAssets refuses everyone but owners and admins (404 for a draft
	// they may not see, 403 otherwise).
	assets, err := a.svc.CourseAssets(c.UserContext(), *u, id)
	if err != nil {
		return content.Course{}, nil, err
	}
	course, err := a.svc.ViewCourse(c.UserContext(), *u, id)
	return course, assets, err
}

func images(as []content.Asset) []content.Asset {
	var out []content.Asset
	for _, x := range as {
		if strings.HasPrefix(x.ContentType, "image/") {
			out = append(out, x)
		}
	}
	return out
}

func (a *App) editCoursePage(c *fiber.Ctx) error {
	course, assets, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	v := a.courseFormFrom(course)
	v.Images = images(assets)
	v.KnownTags = a.knownTags(c)
	return a.page(c, "teach_course_form", v)
}

func (a *App) editCourseSubmit(c *fiber.Ctx) error {
	course, assets, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	in := courseInput(c, true)
	_, err = a.svc.UpdateCourse(c.UserContext(), *currentUser(c), course.ID, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v := a.formFromInput(in, c)
		v.ID, v.Errors, v.Images = course.ID, fields, images(assets)
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "teach_course_form", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/"+url.PathEscape(course.ID)+"?ok=saved", fiber.StatusSeeOther)
}

// previewSubmit: POST /teach/preview {markdown} with the CSRF header ->
// {html}, for the editors' live preview.
func (a *App) previewSubmit(c *fiber.Ctx) error {
	var in struct {
		Markdown string `json:"markdown"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := a.svc.Markdown().Preview(in.Markdown)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"html": out})
}

type teachCourseView struct {
	Course  content.Course
	Assets  []content.Asset
	Lessons int
	Error   string
	OK      string
	Kinds   []string
	Quizzes []content.Quiz

	// UploadMax is the largest upload in bytes, UploadMaxText the same
	// for people ("4 GB"), so the uploader can refuse a bigger file.
	UploadMax     int64
	UploadMaxText string
}

func (a *App) teachCoursePage(c *fiber.Ctx) error {
	return a.renderTeachCourse(c, param(c, "id"), "")
}

func (a *App) renderTeachCourse(c *fiber.Ctx, id, errMsg string) error {
	course, assets, err := a.ownedCourse(c, id)
	if err != nil {
		return err
	}
	v := teachCourseView{Course: course, Assets: assets, Lessons: len(course.Lessons()), Error: errMsg,
		UploadMax: a.cfg.UploadMax, UploadMaxText: humanSize(a.cfg.UploadMax, langOf(c))}
	if v.Quizzes, err = a.svc.CourseQuizzes(c.UserContext(), *currentUser(c), course.ID); err != nil {
		return err
	}
	if ok := c.Query("ok"); ok != "" && errMsg == "" {
		if msg := a.cat.T(langOf(c), "teach.ok."+ok); msg != "teach.ok."+ok {
			v.OK = msg
		}
	}
	return a.page(c, "teach_course", v)
}

// teachAction runs one change from the structure page and goes back to it;
// a refused input shows the page again with the domain's message.
func (a *App) teachAction(c *fiber.Ctx, ok string, fn func(u content.User, courseID string) error) error {
	id := param(c, "id")
	err := fn(*currentUser(c), id)
	var ue *content.UnpublishableError
	if errors.As(err, &ue) {
		// One message naming the lessons in syllabus order.
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderTeachCourse(c, id, a.unpublishableMsg(langOf(c), ue))
	}
	if fields, bad := a.fieldErrs(c, err); bad {
		msgs := make([]string, 0, len(fields))
		for _, m := range fields {
			msgs = append(msgs, m)
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderTeachCourse(c, id, strings.Join(msgs, "; "))
	}
	if err != nil {
		return err
	}
	to := "/teach/" + url.PathEscape(id)
	if ok != "" {
		to += "?ok=" + ok
	}
	if anchor := c.FormValue("anchor"); anchor != "" && validAnchor(anchor) {
		to += "#" + anchor
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func validAnchor(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (a *App) addModuleSubmit(c *fiber.Ctx) error {
	return a.teachAction(c, "module_added", func(u content.User, id string) error {
		_, err := a.svc.AddModule(c.UserContext(), u, id, content.ModuleInput{Title: utils.CopyString(c.FormValue("title"))})
		return err
	})
}

func (a *App) renameModuleSubmit(c *fiber.Ctx) error {
	return a.teachAction(c, "saved", func(u content.User, id string) error {
		_, err := a.svc.RenameModule(c.UserContext(), u, id, param(c, "mid"),
			content.ModuleInput{Title: utils.CopyString(c.FormValue("title"))})
		return err
	})
}

// deleteConfirmView is the confirmation page of a module or lesson delete:
// it names what goes and, on a published course, who loses it.
type deleteConfirmView struct {
	Course    content.Course
	Module    content.Module
	Lesson    *content.Lesson // nil when a module is deleted
	Action    string          // where the confirming form posts
	Published bool
}

// moduleOf finds a module of an owned course (404 when it is not there).
func (a *App) moduleOf(c *fiber.Ctx) (content.Course, content.Module, error) {
	course, _, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return content.Course{}, content.Module{}, err
	}
	mid := param(c, "mid")
	for _, m := range course.Modules {
		if m.ID == mid {
			return course, m, nil
		}
	}
	return content.Course{}, content.Module{}, fiber.ErrNotFound
}

func (a *App) deleteModulePage(c *fiber.Ctx) error {
	course, m, err := a.moduleOf(c)
	if err != nil {
		return err
	}
	return a.page(c, "teach_confirm_delete", deleteConfirmView{Course: course, Module: m,
		Action:    "/teach/" + url.PathEscape(course.ID) + "/modules/" + url.PathEscape(m.ID) + "/delete",
		Published: course.Status == content.StatusPublished})
}

// deleteModuleSubmit deletes only from the confirmation page's form; any
// other post (an old page, a stray click) is sent to that page first.
func (a *App) deleteModuleSubmit(c *fiber.Ctx) error {
	course, m, err := a.moduleOf(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return c.Redirect("/teach/"+url.PathEscape(course.ID)+"/modules/"+url.PathEscape(m.ID)+"/delete", fiber.StatusSeeOther)
	}
	return a.teachAction(c, "deleted", func(u content.User, id string) error {
		_, err := a.svc.DeleteModule(c.UserContext(), u, id, m.ID)
		return err
	})
}

func (a *App) moveSubmit(c *fiber.Ctx) error {
	return a.teachAction(c, "", func(u content.User, id string) error {
		delta := 1
		if c.FormValue("dir") == "up" {
			delta = -1
		}
		_, err := a.svc.Move(c.UserContext(), u, id, utils.CopyString(c.FormValue("item")), delta)
		return err
	})
}

func (a *App) statusSubmit(c *fiber.Ctx) error {
	status := utils.CopyString(c.FormValue("status"))
	return a.teachAction(c, "status_"+status, func(u content.User, id string) error {
		_, err := a.svc.SetStatus(c.UserContext(), u, id, status)
		return err
	})
}

// unpublishableMsg names, in the reader's language and syllabus order,
// each lesson a learner could not complete.
func (a *App) unpublishableMsg(lang string, ue *content.UnpublishableError) string {
	parts := make([]string, 0, len(ue.Problems))
	for _, p := range ue.Problems {
		why := a.cat.T(lang, "publish.problem."+p.Problem)
		if p.LessonID == "" {
			parts = append(parts, why)
			continue
		}
		parts = append(parts, a.cat.T(lang, "publish.lesson_problem", p.Title, why))
	}
	return a.cat.T(lang, "publish.refused", strings.Join(parts, "; "))
}

type deleteCourseView struct {
	Course content.Course
	Error  string
}

func (a *App) deleteCoursePage(c *fiber.Ctx) error {
	course, _, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	return a.page(c, "teach_delete", deleteCourseView{Course: course})
}

func (a *App) deleteCourseSubmit(c *fiber.Ctx) error {
	course, _, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	err = a.svc.DeleteCourse(c.UserContext(), *currentUser(c), course.ID)
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "teach_delete", deleteCourseView{Course: course, Error: fields["course"]})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach?ok=deleted", fiber.StatusSeeOther)
}

type lessonFormView struct {
	CourseID   string
	CourseName string
	ModuleID   string
	Modules    []content.Module
	LessonID   string // "" when new
	Title      string
	Kind       string
	Minutes    string
	Body       string
	AssetID    string
	Optional   bool
	Kinds      []string
	Assets     []content.Asset
	Errors     map[string]string
	Captions   []captionRow // a video's caption tracks
}

func (a *App) newLessonPage(c *fiber.Ctx) error {
	course, assets, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	mid := utils.CopyString(c.Query("module"))
	if mid == "" && len(course.Modules) > 0 {
		mid = course.Modules[len(course.Modules)-1].ID
	}
	return a.page(c, "teach_lesson_form", lessonFormView{CourseID: course.ID, CourseName: course.Title, ModuleID: mid,
		Modules: course.Modules, Kind: content.KindText, Kinds: lessonKinds(), Assets: assets,
		Captions: captionRows(assets, nil)})
}

// setMinutes is the form's value of a lesson's length: empty when the
// trainer set none, so the length comes from the content.
func setMinutes(m int) string {
	if m == 0 {
		return ""
	}
	return strconv.Itoa(m)
}

func hasModule(course content.Course, id string) bool {
	for _, m := range course.Modules {
		if m.ID == id {
			return true
		}
	}
	return false
}

func lessonKinds() []string {
	return []string{content.KindText, content.KindVideo, content.KindFile, content.KindQuiz}
}

func lessonInput(c *fiber.Ctx) (content.LessonInput, string) {
	in := content.LessonInput{Title: formStr(c, "title"), Kind: formStr(c, "kind"), Body: formStr(c, "body"),
		AssetID: formStr(c, "asset_id")}
	minutesRaw := strings.TrimSpace(c.FormValue("minutes"))
	m := 0
	if minutesRaw != "" {
		var err error
		if m, err = strconv.Atoi(minutesRaw); err != nil {
			m = -1
		}
	}
	in.Minutes = &m
	opt := c.FormValue("optional") != ""
	in.Optional = &opt
	in.Captions = captionsInput(c)
	return in, utils.CopyString(minutesRaw)
}

func (a *App) lessonFormAgain(c *fiber.Ctx, course content.Course, assets []content.Asset, lessonID string,
	in content.LessonInput, minutes string, fields map[string]string) error {
	c.Status(fiber.StatusUnprocessableEntity)
	return a.page(c, "teach_lesson_form", lessonFormView{CourseID: course.ID, CourseName: course.Title,
		ModuleID: utils.CopyString(c.FormValue("module")), Modules: course.Modules, LessonID: lessonID,
		Title: *in.Title, Kind: *in.Kind, Minutes: minutes, Body: *in.Body, AssetID: *in.AssetID, Optional: *in.Optional,
		Kinds: lessonKinds(), Assets: assets, Errors: fields, Captions: captionRows(assets, derefCaptions(in.Captions))})
}

func (a *App) newLessonSubmit(c *fiber.Ctx) error {
	course, assets, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	in, minutes := lessonInput(c)
	mid := utils.CopyString(c.FormValue("module"))
	if !hasModule(course, mid) {
		return a.lessonFormAgain(c, course, assets, "", in, minutes, map[string]string{"module": a.cat.T(langOf(c), "teach.pick_module")})
	}
	l, err := a.svc.AddLesson(c.UserContext(), *currentUser(c), course.ID, mid, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		return a.lessonFormAgain(c, course, assets, "", in, minutes, fields)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/"+url.PathEscape(course.ID)+"?ok=lesson_added#"+l.ID, fiber.StatusSeeOther)
}

func (a *App) editLessonPage(c *fiber.Ctx) error {
	lid := param(c, "lid")
	course, assets, err := a.ownedCourse(c, content.CourseOfLesson(lid))
	if err != nil {
		return err
	}
	l, _, ok := course.Lesson(lid)
	if !ok {
		return fiber.ErrNotFound
	}
	body, err := a.svc.LessonBody(c.UserContext(), &course, lid)
	if err != nil {
		return err
	}
	return a.page(c, "teach_lesson_form", lessonFormView{CourseID: course.ID, CourseName: course.Title, LessonID: l.ID,
		Title: l.Title, Kind: l.Kind, Minutes: setMinutes(l.Minutes), Body: body, AssetID: l.AssetID,
		Optional: l.Optional, Kinds: lessonKinds(), Assets: assets, Captions: captionRows(assets, l.Captions)})
}

func (a *App) editLessonSubmit(c *fiber.Ctx) error {
	lid := param(c, "lid")
	course, assets, err := a.ownedCourse(c, content.CourseOfLesson(lid))
	if err != nil {
		return err
	}
	in, minutes := lessonInput(c)
	_, err = a.svc.UpdateLesson(c.UserContext(), *currentUser(c), lid, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		return a.lessonFormAgain(c, course, assets, lid, in, minutes, fields)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/"+url.PathEscape(course.ID)+"?ok=saved#"+lid, fiber.StatusSeeOther)
}

// lessonOf finds a lesson of an owned course with its module.
func (a *App) lessonOf(c *fiber.Ctx) (content.Course, content.Module, content.Lesson, error) {
	lid := param(c, "lid")
	course, _, err := a.ownedCourse(c, content.CourseOfLesson(lid))
	if err != nil {
		return content.Course{}, content.Module{}, content.Lesson{}, err
	}
	for _, m := range course.Modules {
		for _, l := range m.Lessons {
			if l.ID == lid {
				return course, m, l, nil
			}
		}
	}
	return content.Course{}, content.Module{}, content.Lesson{}, fiber.ErrNotFound
}

func (a *App) deleteLessonPage(c *fiber.Ctx) error {
	course, m, l, err := a.lessonOf(c)
	if err != nil {
		return err
	}
	return a.page(c, "teach_confirm_delete", deleteConfirmView{Course: course, Module: m, Lesson: &l,
		Action: "/teach/lessons/" + url.PathEscape(l.ID) + "/delete", Published: course.Status == content.StatusPublished})
}

func (a *App) deleteLessonSubmit(c *fiber.Ctx) error {
	course, _, l, err := a.lessonOf(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return c.Redirect("/teach/lessons/"+url.PathEscape(l.ID)+"/delete", fiber.StatusSeeOther)
	}
	if _, err := a.svc.DeleteLesson(c.UserContext(), *currentUser(c), l.ID); err != nil {
		return err
	}
	return c.Redirect("/teach/"+url.PathEscape(course.ID)+"?ok=deleted", fiber.StatusSeeOther)
}

// assetsFragment is the asset list of /teach/:id alone, which the uploader
// fetches to show a new file without reloading the page.
func (a *App) assetsFragment(c *fiber.Ctx) error {
	course, assets, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	v := view{Lang: langOf(c), User: currentUser(c), Data: teachCourseView{Course: course, Assets: assets}}
	b, err := a.r.fragment("teach_course", "assets", v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.SendString(string(b))
}

// fragment renders one named template of a page's set.
func (r *renderer) fragment(pageName, tmpl string, v view) (template.HTML, error) {
	t, ok := r.page(pageName, v.Lang)
	if !ok {
		return "", errors.New("no page template " + pageName)
	}
	var sb strings.Builder
	if err := t.ExecuteTemplate(&sb, tmpl, v); err != nil {
		return "", err
	}
	return template.HTML(sb.String()), nil //nolint:gosec // output of html/template
}

// humanSize writes a byte count the way people read file limits: "4 GB",
// "1,5 GB" (a decimal comma in Indonesian), "500 MB". Units are binary, as
// the limits are set (4GiB), but named as people name them.
func humanSize(n int64, lang string) string {
	unit, div := "KB", int64(1)<<10
	switch {
	case n >= 1<<30:
		unit, div = "GB", 1<<30
	case n >= 1<<20:
		unit, div = "MB", 1<<20
	}
	s := strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == "id" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + unit
}
