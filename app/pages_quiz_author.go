package app

import (
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Quiz authoring pages (owners and admins): the quiz's settings, its
// question list, one question's form, import and export. Handlers read the
// forms; the rules (ids, limits, who changed what) live in content.

type quizFormView struct {
	CourseID   string
	CourseName string
	QuizID     string // "" when new
	Modules    []content.Module
	ModuleID   string
	Title      string
	PassMark   string
	Attempts   string
	Minutes    string
	Draw       string
	Count      int
	ShuffleQ   bool
	ShuffleO   bool
	OnePerPage bool
	ShowRight  bool
	ShowExpl   bool
	Errors     map[string]string
}

func quizFormFrom(q content.Quiz) quizFormView {
	v := quizFormView{QuizID: q.ID, Title: q.Title, PassMark: fmtNum(q.PassMark), Attempts: strconv.Itoa(q.MaxAttempts),
		Minutes: fmtNum(float64(q.TimeLimit) / 60), Draw: strconv.Itoa(q.Draw), Count: len(q.Questions),
		ShuffleQ: q.ShuffleQuestions, ShuffleO: q.ShuffleOptions, OnePerPage: q.OnePerPage,
		ShowRight: q.ShowCorrectness, ShowExpl: q.ShowExplanations}
	return v
}

// quizSettings reads the settings form. Numbers that do not parse become
// -1, which the domain refuses with its own message.
func quizSettings(c *fiber.Ctx) (content.QuizInput, quizFormView) {
	num := func(name string) (float64, string) {
		raw := strings.TrimSpace(c.FormValue(name))
		if raw == "" {
			return 0, ""
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", "."), 64)
		if err != nil {
			return -1, utils.CopyString(raw)
		}
		return f, utils.CopyString(raw)
	}
	on := func(name string) bool { return c.FormValue(name) != "" }
	title := utils.CopyString(c.FormValue("title"))
	pass, passRaw := num("pass_mark")
	att, attRaw := num("max_attempts")
	mins, minRaw := num("time_limit")
	draw, drawRaw := num("draw")
	if passRaw == "" {
		pass = 70
	}
	attI, drawI := int(att), int(draw)
	secs := int(mins * 60)
	if mins < 0 {
		secs = -1
	}
	sq, so, one, sr, se := on("shuffle_questions"), on("shuffle_options"), c.FormValue("layout") == "one", on("show_correctness"), on("show_explanations")
	in := content.QuizInput{Title: &title, PassMark: &pass, MaxAttempts: &attI, TimeLimit: &secs, Draw: &drawI,
		ShuffleQuestions: &sq, ShuffleOptions: &so, OnePerPage: &one, ShowCorrectness: &sr, ShowExplanations: &se}
	v := quizFormView{Title: title, PassMark: passRaw, Attempts: attRaw, Minutes: minRaw, Draw: drawRaw,
		ShuffleQ: sq, ShuffleO: so, OnePerPage: one, ShowRight: sr, ShowExpl: se}
	return in, v
}

// newQuizPage: GET /teach/:id/quizzes/new.
func (a *App) newQuizPage(c *fiber.Ctx) error {
	course, _, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	v := quizFormView{CourseID: course.ID, CourseName: course.Title, Modules: course.Modules, PassMark: "70",
		Attempts: "0", Minutes: "0", Draw: "0", ShowRight: true, ShowExpl: true,
		ModuleID: utils.CopyString(c.Query("module"))}
	if v.ModuleID == "" && len(course.Modules) > 0 {
		v.ModuleID = course.Modules[len(course.Modules)-1].ID
	}
	return a.page(c, "teach_quiz_form", v)
}

// newQuizSubmit: POST /teach/:id/quizzes/new creates the quiz and, in the
// chosen module, its quiz lesson.
func (a *App) newQuizSubmit(c *fiber.Ctx) error {
	course, _, err := a.ownedCourse(c, param(c, "id"))
	if err != nil {
		return err
	}
	in, v := quizSettings(c)
	in.CourseID = course.ID
	in.ModuleID = utils.CopyString(c.FormValue("module"))
	q, err := a.svc.CreateQuiz(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v.CourseID, v.CourseName, v.Modules, v.ModuleID, v.Errors = course.ID, course.Title, course.Modules, in.ModuleID, fields
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "teach_quiz_form", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/quizzes/"+url.PathEscape(q.ID)+"?ok=created", fiber.StatusSeeOther)
}

type questionRow struct {
	N int
	content.Question
}

type quizEditorView struct {
	Quiz      content.Quiz
	Course    content.Course
	Minutes   string
	Questions []questionRow
	Types     []string
	OK        string
	Error     string
	Import    *importResultView
	ImportSrc string
	Format    string
}

func (a *App) quizEditor(c *fiber.Ctx, v quizEditorView) error {
	for i, q := range v.Quiz.Questions {
		v.Questions = append(v.Questions, questionRow{N: i + 1, Question: q})
	}
	v.Types = []string{content.QSingle, content.QMultiple, content.QTrueFalse, content.QShort}
	v.Minutes = fmtNum(float64(v.Quiz.TimeLimit) / 60)
	if v.Format == "" {
		v.Format = "gift"
	}
	if ok := c.Query("ok"); ok != "" && v.Error == "" && v.Import == nil {
		if msg := a.cat.T(langOf(c), "quiz.ok."+ok); msg != "quiz.ok."+ok {
			v.OK = msg
		}
	}
	return a.page(c, "teach_quiz", v)
}

// quizEditorPage: GET /teach/quizzes/:id.
func (a *App) quizEditorPage(c *fiber.Ctx) error {
	q, course, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	return a.quizEditor(c, quizEditorView{Quiz: q, Course: course})
}

// quizSettingsPage: GET /teach/quizzes/:id/settings.
func (a *App) quizSettingsPage(c *fiber.Ctx) error {
	q, course, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	v := quizFormFrom(q)
	v.CourseID, v.CourseName = course.ID, course.Title
	return a.page(c, "teach_quiz_form", v)
}

// quizSettingsSubmit: POST /teach/quizzes/:id/settings.
func (a *App) quizSettingsSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, course, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	in, form := quizSettings(c)
	_, err = a.svc.UpdateQuiz(c.UserContext(), u, q.ID, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		form.QuizID, form.Errors, form.Count = q.ID, fields, len(q.Questions)
		form.CourseID, form.CourseName = course.ID, course.Title
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "teach_quiz_form", form)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/quizzes/"+url.PathEscape(q.ID)+"?ok=saved", fiber.StatusSeeOther)
}

type optionRow struct {
	N      int
	ID     string
	Text   string
	Weight string
	Right  bool
}

type questionFormView struct {
	QuizID      string
	QuizTitle   string
	QuestionID  string // "" when new
	Rev         string // the edited question's content.Question.Rev
	Type        string
	Prompt      string
	Points      string
	Explanation string
	Options     []optionRow
	True        bool
	Accepted    string
	Errors      map[string]string
	Stale       bool // someone else changed the question meanwhile
}

func questionFormFrom(q content.Question) questionFormView {
	v := questionFormView{QuestionID: q.ID, Rev: q.Rev(), Type: q.Type, Prompt: q.Prompt, Points: fmtNum(q.Points),
		Explanation: q.Explanation, True: q.True, Accepted: strings.Join(q.Accepted, "\n")}
	for i, o := range q.Options {
		v.Options = append(v.Options, optionRow{N: i, ID: o.ID, Text: o.Text, Weight: fmtNum(o.Weight), Right: o.Weight >= 100})
	}
	return v
}

// padOptions leaves blank rows to add options in, without JavaScript.
func (v *questionFormView) padOptions() {
	if v.Type != content.QSingle && v.Type != content.QMultiple {
		v.Options = nil
		return
	}
	want := min(maxOptionRows, max(4, len(v.Options)+2))
	for len(v.Options) < want {
		v.Options = append(v.Options, optionRow{N: len(v.Options), Weight: "0"})
	}
}

const maxOptionRows = 26

// questionFromForm reads the question form as typed. Blank option rows are
// dropped; each option sends back its id, and content decides which ids
// stand and gives new options theirs.
func questionFromForm(c *fiber.Ctx, typ string) (content.Question, questionFormView) {
	q := content.Question{Type: typ, Prompt: utils.CopyString(c.FormValue("prompt")),
		Explanation: strings.TrimSpace(utils.CopyString(c.FormValue("explanation")))}
	v := questionFormView{Type: typ, Prompt: q.Prompt, Explanation: q.Explanation,
		Points: utils.CopyString(c.FormValue("points")), Rev: utils.CopyString(c.FormValue("rev"))}
	if p := strings.TrimSpace(v.Points); p != "" {
		f, err := strconv.ParseFloat(strings.ReplaceAll(p, ",", "."), 64)
		if err != nil {
			f = -1 // refused by content with its message
		}
		q.Points = f
	}
	switch typ {
	case content.QSingle, content.QMultiple:
		right := c.FormValue("right")
		for i := 0; i < maxOptionRows; i++ {
			n := strconv.Itoa(i)
			text := strings.TrimSpace(utils.CopyString(c.FormValue("opt_text_" + n)))
			id := utils.CopyString(c.FormValue("opt_id_" + n))
			wRaw := utils.CopyString(c.FormValue("opt_weight_" + n))
			if text == "" {
				continue
			}
			v.Options = append(v.Options, optionRow{N: i, ID: id, Text: text, Weight: wRaw, Right: right == n})
			o := content.Option{ID: id, Text: text}
			if typ == content.QSingle {
				if right == n {
					o.Weight = 100
				}
			} else if w, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(wRaw), ",", "."), 64); err == nil {
				o.Weight = max(-100, min(100, w))
			}
			q.Options = append(q.Options, o)
		}
	case content.QTrueFalse:
		q.True = c.FormValue("truth") == "true"
		v.True = q.True
	case content.QShort:
		v.Accepted = utils.CopyString(c.FormValue("accepted"))
		for _, line := range strings.Split(v.Accepted, "\n") {
			if s := strings.TrimSpace(line); s != "" {
				q.Accepted = append(q.Accepted, s)
			}
		}
	}
	return q, v
}

func validType(t string) bool {
	return slices.Contains([]string{content.QSingle, content.QMultiple, content.QTrueFalse, content.QShort}, t)
}

// newQuestionPage: GET /teach/quizzes/:id/questions/new?type=.
func (a *App) newQuestionPage(c *fiber.Ctx) error {
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	typ := utils.CopyString(c.Query("type"))
	if !validType(typ) {
		typ = content.QSingle
	}
	v := questionFormView{QuizID: q.ID, QuizTitle: q.Title, Type: typ, Points: "1", True: true}
	v.padOptions()
	return a.page(c, "teach_question", v)
}

// editQuestionPage: GET /teach/quizzes/:id/questions/:qn/edit.
func (a *App) editQuestionPage(c *fiber.Ctx) error {
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(q.Questions, func(x content.Question) bool { return x.ID == param(c, "qn") })
	if i < 0 {
		return fiber.ErrNotFound
	}
	v := questionFormFrom(q.Questions[i])
	v.QuizID, v.QuizTitle = q.ID, q.Title
	v.padOptions()
	return a.page(c, "teach_question", v)
}

// questionSubmit: POST /teach/quizzes/:id/questions/new and
// /teach/quizzes/:id/questions/:qn/edit. A form loaded before someone else
// changed the question is refused (409) and shown again as typed.
func (a *App) questionSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	qn := param(c, "qn")
	typ := utils.CopyString(c.FormValue("type"))
	if qn != "" {
		i := slices.IndexFunc(q.Questions, func(x content.Question) bool { return x.ID == qn })
		if i < 0 {
			return fiber.ErrNotFound
		}
		typ = q.Questions[i].Type
	}
	if !validType(typ) {
		return errField(422, "type", emsg("question.type"))
	}
	nq, v := questionFromForm(c, typ)
	var saved content.Question
	if qn == "" {
		saved, err = a.svc.AddQuestion(c.UserContext(), u, q.ID, nq)
	} else {
		saved, err = a.svc.EditQuestion(c.UserContext(), u, q.ID, qn, v.Rev, nq)
	}
	v.QuizID, v.QuizTitle, v.QuestionID = q.ID, q.Title, qn
	fields, invalid := a.fieldErrs(c, err)
	switch {
	case invalid:
		v.Errors = fields
		c.Status(fiber.StatusUnprocessableEntity)
	case errors.Is(err, content.ErrQuestionChanged):
		v.Stale = true
		c.Status(fiber.StatusConflict)
	case err != nil:
		return err
	default:
		return c.Redirect("/teach/quizzes/"+url.PathEscape(q.ID)+"?ok=question_saved#"+url.PathEscape(saved.ID), fiber.StatusSeeOther)
	}
	v.padOptions()
	return a.page(c, "teach_question", v)
}

// deleteQuestionSubmit: POST /teach/quizzes/:id/questions/:qn/delete.
func (a *App) deleteQuestionSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, course, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	err = a.svc.DeleteQuestion(c.UserContext(), u, q.ID, param(c, "qn"), utils.CopyString(c.FormValue("rev")))
	if errors.Is(err, content.ErrQuestionChanged) {
		c.Status(fiber.StatusConflict)
		return a.quizEditor(c, quizEditorView{Quiz: q, Course: course, Error: a.cat.T(langOf(c), "quiz.question_changed")})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/quizzes/"+url.PathEscape(q.ID)+"?ok=question_deleted", fiber.StatusSeeOther)
}

// importSubmit: POST /teach/quizzes/:id/import, a pasted text or an
// uploaded file in GIFT or Aiken; shows what was added and each bad
// question with its line.
func (a *App) importSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, course, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	src := utils.CopyString(c.FormValue("text"))
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		if fh.Size > content.MaxImportBytes {
			return errField(413, "file", emsg("import.too_big", content.MaxImportBytes>>20))
		}
		f, err := fh.Open()
		if err != nil {
			return errField(422, "file", emsg("file.unreadable"))
		}
		b, err := io.ReadAll(io.LimitReader(f, content.MaxImportBytes))
		_ = f.Close()
		if err != nil {
			return errField(422, "file", emsg("file.unreadable"))
		}
		src = string(b)
	}
	format := utils.CopyString(c.FormValue("format"))
	if format != "aiken" {
		format = "gift"
	}
	v := quizEditorView{Quiz: q, Course: course, Format: format, ImportSrc: src}
	if strings.TrimSpace(src) == "" {
		v.Error = a.cat.T(langOf(c), "quiz.import_empty")
		c.Status(fiber.StatusUnprocessableEntity)
		return a.quizEditor(c, v)
	}
	if len(src) > content.MaxImportBytes {
		v.ImportSrc = "" // too big to send back in the page
	}
	res, err := a.svc.ImportQuestions(c.UserContext(), u, q.ID, format, src)
	if fields, ok := a.fieldErrs(c, err); ok {
		msgs := []string{}
		for _, m := range fields {
			msgs = append(msgs, m)
		}
		slices.Sort(msgs)
		v.Error = strings.Join(msgs, "; ")
		c.Status(fiber.StatusUnprocessableEntity)
		return a.quizEditor(c, v)
	}
	if err != nil {
		return err
	}
	if v.Quiz, _, err = a.svc.OwnedQuiz(c.UserContext(), u, q.ID); err != nil {
		return err
	}
	imp := a.importResult(langOf(c), res)
	v.Import = &imp
	if len(res.Errors) == 0 {
		v.ImportSrc = "" // all in: nothing left to fix
	}
	return a.quizEditor(c, v)
}
