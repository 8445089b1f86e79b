package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// Quiz pages: authoring (owners and admins), the quiz lesson's summary, the
// attempt page and its result, and the statistics. Every page works as
// plain forms; quiz.js adds autosave, an offline queue, the timer and one
// question per screen on top.

// ---- Authoring -------------------------------------------------------------

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
	if fields, ok := fieldErrs(err); ok {
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
	Import    *importResult
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
	if fields, ok := fieldErrs(err); ok {
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
	Type        string
	Prompt      string
	Points      string
	Explanation string
	Options     []optionRow
	True        bool
	Accepted    string
	Errors      map[string]string
}

func questionFormFrom(q content.Question) questionFormView {
	v := questionFormView{QuestionID: q.ID, Type: q.Type, Prompt: q.Prompt, Points: fmtNum(q.Points),
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

// questionFromForm reads the question form. Blank option rows are dropped;
// an option keeps its id, so served attempts still find it.
func questionFromForm(c *fiber.Ctx, typ string, old content.Question) (content.Question, questionFormView) {
	q := content.Question{ID: old.ID, Type: typ, Category: old.Category, FeedbackTrue: old.FeedbackTrue, FeedbackFalse: old.FeedbackFalse,
		Prompt: utils.CopyString(c.FormValue("prompt")), Explanation: strings.TrimSpace(utils.CopyString(c.FormValue("explanation")))}
	v := questionFormView{QuestionID: old.ID, Type: typ, Prompt: q.Prompt, Explanation: q.Explanation,
		Points: utils.CopyString(c.FormValue("points"))}
	if p := strings.TrimSpace(v.Points); p != "" {
		f, err := strconv.ParseFloat(strings.ReplaceAll(p, ",", "."), 64)
		if err != nil {
			f = -1
		}
		q.Points = f
	}
	switch typ {
	case content.QSingle, content.QMultiple:
		right := c.FormValue("right")
		used := map[string]bool{}
		for i := 0; i < maxOptionRows; i++ {
			n := strconv.Itoa(i)
			text := strings.TrimSpace(utils.CopyString(c.FormValue("opt_text_" + n)))
			id := utils.CopyString(c.FormValue("opt_id_" + n))
			wRaw := utils.CopyString(c.FormValue("opt_weight_" + n))
			row := optionRow{N: i, ID: id, Text: text, Weight: wRaw, Right: right == n}
			if text == "" {
				continue
			}
			v.Options = append(v.Options, row)
			o := content.Option{ID: id, Text: text}
			if typ == content.QSingle {
				if right == n {
					o.Weight = 100
				}
			} else if w, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(wRaw), ",", "."), 64); err == nil {
				o.Weight = max(-100, min(100, w))
			}
			for _, of := range old.Options {
				if of.ID == id && id != "" {
					o.Feedback = of.Feedback
				}
			}
			if o.ID == "" || used[o.ID] || !validOptionID(o.ID) {
				o.ID = ""
			}
			if o.ID != "" {
				used[o.ID] = true
			}
			q.Options = append(q.Options, o)
		}
		// New options get the first free ids o1, o2, …
		next := 1
		for i := range q.Options {
			if q.Options[i].ID != "" {
				continue
			}
			for used["o"+strconv.Itoa(next)] {
				next++
			}
			q.Options[i].ID = "o" + strconv.Itoa(next)
			used[q.Options[i].ID] = true
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

func validOptionID(s string) bool { return len(s) <= 32 && validAnchor(s) }

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
// /teach/quizzes/:id/questions/:qn/edit. The whole list is written back.
func (a *App) questionSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, _, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	qs := slices.Clone(q.Questions)
	idx := -1
	var old content.Question
	typ := utils.CopyString(c.FormValue("type"))
	if qn := param(c, "qn"); qn != "" {
		idx = slices.IndexFunc(qs, func(x content.Question) bool { return x.ID == qn })
		if idx < 0 {
			return fiber.ErrNotFound
		}
		old = qs[idx]
		typ = old.Type
	}
	if !validType(typ) {
		return errField(422, "type", "jenis soal tidak dikenal")
	}
	nq, v := questionFromForm(c, typ, old)
	if idx < 0 {
		qs = append(qs, nq)
		idx = len(qs) - 1
	} else {
		qs[idx] = nq
	}
	saved, err := a.svc.ReplaceQuestions(c.UserContext(), u, q.ID, qs)
	if fields, ok := fieldErrs(err); ok {
		v.QuizID, v.QuizTitle, v.Errors = q.ID, q.Title, map[string]string{}
		prefix := fmt.Sprintf("questions[%d].", idx)
		for k, m := range fields {
			if strings.HasPrefix(k, prefix) {
				v.Errors[strings.TrimPrefix(k, prefix)] = m
			} else if !strings.HasPrefix(k, "questions[") {
				v.Errors[k] = m
			}
		}
		if len(v.Errors) == 0 {
			// Another question is broken (an old import): say so.
			for _, m := range fields {
				v.Errors["quiz"] = m
			}
		}
		v.padOptions()
		c.Status(fiber.StatusUnprocessableEntity)
		return a.page(c, "teach_question", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/quizzes/"+url.PathEscape(q.ID)+"?ok=question_saved#"+url.PathEscape(saved.Questions[idx].ID),
		fiber.StatusSeeOther)
}

// deleteQuestionSubmit: POST /teach/quizzes/:id/questions/:qn/delete.
func (a *App) deleteQuestionSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	q, course, err := a.svc.OwnedQuiz(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	qn := param(c, "qn")
	qs := slices.DeleteFunc(slices.Clone(q.Questions), func(x content.Question) bool { return x.ID == qn })
	if len(qs) == len(q.Questions) {
		return fiber.ErrNotFound
	}
	_, err = a.svc.ReplaceQuestions(c.UserContext(), u, q.ID, qs)
	if fields, ok := fieldErrs(err); ok {
		msgs := []string{}
		for _, m := range fields {
			msgs = append(msgs, m)
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.quizEditor(c, quizEditorView{Quiz: q, Course: course, Error: strings.Join(msgs, "; ")})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/teach/quizzes/"+url.PathEscape(q.ID)+"?ok=question_deleted", fiber.StatusSeeOther)
}

const maxImportBytes = 2 << 20

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
		if fh.Size > maxImportBytes {
			return errField(413, "file", "berkas soal paling besar 2 MiB")
		}
		f, err := fh.Open()
		if err != nil {
			return errField(422, "file", "berkas tidak dapat dibaca")
		}
		b, err := io.ReadAll(io.LimitReader(f, maxImportBytes))
		_ = f.Close()
		if err != nil {
			return errField(422, "file", "berkas tidak dapat dibaca")
		}
		src = string(b)
	}
	format := utils.CopyString(c.FormValue("format"))
	if format != "aiken" {
		format = "gift"
	}
	v := quizEditorView{Course: course, Format: format}
	if strings.TrimSpace(src) == "" {
		v.Quiz, v.Error, v.ImportSrc = q, a.cat.T(langOf(c), "quiz.import_empty"), src
		c.Status(fiber.StatusUnprocessableEntity)
		return a.quizEditor(c, v)
	}
	res, err := a.importQuestions(c, q.ID, src, format)
	if fields, ok := fieldErrs(err); ok {
		msgs := []string{}
		for _, m := range fields {
			msgs = append(msgs, m)
		}
		v.Quiz, v.Error, v.ImportSrc = q, strings.Join(msgs, "; "), src
		c.Status(fiber.StatusUnprocessableEntity)
		return a.quizEditor(c, v)
	}
	if err != nil {
		return err
	}
	if v.Quiz, _, err = a.svc.OwnedQuiz(c.UserContext(), u, q.ID); err != nil {
		return err
	}
	v.Import = &res
	if len(res.Errors) > 0 {
		v.ImportSrc = src // to fix and send again
	}
	return a.quizEditor(c, v)
}

// ---- The quiz lesson -------------------------------------------------------

type attemptRow struct {
	ID        string
	N         int
	Open      bool
	Percent   float64
	Passed    bool
	Submitted string
}

// quizLessonView is what the player shows of a quiz lesson: its rules and
// the learner's attempts, never its questions.
type quizLessonView struct {
	ID          string
	Title       string
	Questions   int
	PassMark    float64
	MaxAttempts int
	Used        int
	Minutes     string
	Attempts    []attemptRow
	OpenID      string
	CanStart    bool
	Passed      bool
	Missing     bool
}

func (a *App) quizLesson(c *fiber.Ctx, u content.User, quizID string) (*quizLessonView, error) {
	if quizID == "" {
		return &quizLessonView{Missing: true}, nil
	}
	q, err := a.svc.Quiz(c.UserContext(), quizID)
	if errors.Is(err, content.ErrNotFound) {
		return &quizLessonView{Missing: true}, nil
	}
	if err != nil {
		return nil, err
	}
	v := &quizLessonView{ID: q.ID, Title: q.Title, Questions: len(q.Questions), PassMark: q.PassMark, MaxAttempts: q.MaxAttempts}
	if q.Draw > 0 && q.Draw < v.Questions {
		v.Questions = q.Draw
	}
	if q.TimeLimit > 0 {
		v.Minutes = fmtNum(float64(q.TimeLimit) / 60)
	}
	as, err := a.svc.MyAttempts(c.UserContext(), u, q.ID)
	if err != nil {
		return nil, err
	}
	now := a.svc.Now()
	for _, at := range as {
		open := at.Open && (at.Deadline.IsZero() || now.Before(at.Deadline.Add(2*time.Second)))
		row := attemptRow{ID: at.ID, N: at.N, Open: open, Percent: at.Percent, Passed: at.Passed}
		if !at.Submitted.IsZero() {
			row.Submitted = formatDateID(at.Submitted)
		}
		if open {
			v.OpenID = at.ID
		}
		if at.Passed {
			v.Passed = true
		}
		v.Attempts = append(v.Attempts, row)
	}
	v.Used = len(as)
	v.CanStart = v.Questions > 0 && (v.OpenID != "" || q.MaxAttempts == 0 || len(as) < q.MaxAttempts)
	return v, nil
}

// startQuizSubmit: POST /learn/:id/quiz starts (or resumes) the attempt of
// the lesson's quiz and opens it.
func (a *App) startQuizSubmit(c *fiber.Ctx) error {
	u := currentUser(c)
	lv, err := a.svc.ViewLesson(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	if lv.Lesson.Kind != content.KindQuiz || lv.Lesson.QuizID == "" {
		return fiber.ErrNotFound
	}
	at, _, err := a.svc.StartAttempt(c.UserContext(), *u, lv.Lesson.QuizID)
	if errors.Is(err, content.ErrAttemptsUsed) {
		return &apiError{Status: 409, Code: "attempts_used", Message: a.cat.T(langOf(c), "quiz.attempts_used_msg")}
	}
	if err != nil {
		return err
	}
	return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID), fiber.StatusSeeOther)
}

// ---- The attempt -----------------------------------------------------------

type attemptOption struct {
	ID      string
	Text    string
	Checked bool
}

// attemptQuestion is one served question as the page shows it: built only
// from the learner view (toAttemptView), so no key can reach the HTML.
type attemptQuestion struct {
	N        int
	ID       string
	Type     string
	Prompt   string
	Points   float64
	Options  []attemptOption
	Text     string
	True     bool
	False    bool
	Answered bool
}

type attemptPageView struct {
	ID          string
	Title       string
	N           int
	MaxAttempts int
	OnePerPage  bool
	DeadlineMS  int64
	NowMS       int64
	Deadline    string
	Questions   []attemptQuestion
	Answered    int
	LessonID    string
	CourseSlug  string
	CourseTitle string
	Saved       bool
}

func learnerAttemptQuestions(v attemptView) ([]attemptQuestion, int) {
	var out []attemptQuestion
	answered := 0
	for i, lq := range v.Questions {
		aq := attemptQuestion{N: i + 1, ID: lq.ID, Type: lq.Type, Prompt: lq.Prompt, Points: lq.Points}
		ans, has := v.Answers[lq.ID]
		var chosen []string
		switch x := ans.(type) {
		case string:
			if lq.Type == content.QShort {
				aq.Text = x
				aq.Answered = strings.TrimSpace(x) != ""
			} else if x != "" {
				chosen = []string{x}
			}
		case []string:
			chosen = x
		case *bool:
			if x != nil {
				aq.True, aq.False, aq.Answered = *x, !*x, true
			}
		}
		for _, o := range lq.Options {
			aq.Options = append(aq.Options, attemptOption{ID: o.ID, Text: o.Text, Checked: slices.Contains(chosen, o.ID)})
		}
		if len(chosen) > 0 {
			aq.Answered = true
		}
		_ = has
		if aq.Answered {
			answered++
		}
		out = append(out, aq)
	}
	return out, answered
}

// quizLessonOf finds the lesson that points at a quiz, for links back.
func quizLessonOf(course content.Course, quizID string) string {
	for _, l := range course.Lessons() {
		if l.Kind == content.KindQuiz && l.QuizID == quizID {
			return l.ID
		}
	}
	return ""
}

// attemptPage: GET /quiz/attempts/:id, the learner's own attempt only.
func (a *App) attemptPage(c *fiber.Ctx) error {
	u := currentUser(c)
	at, q, err := a.svc.GetAttempt(c.UserContext(), *u, param(c, "id"))
	if err != nil {
		return err
	}
	if !at.Open {
		return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID)+"/result", fiber.StatusSeeOther)
	}
	av := toAttemptView(at, q)
	v := attemptPageView{ID: at.ID, Title: q.Title, N: at.N, MaxAttempts: q.MaxAttempts, OnePerPage: q.OnePerPage,
		NowMS: a.svc.Now().UnixMilli(), Saved: c.Query("saved") == "1"}
	v.Questions, v.Answered = learnerAttemptQuestions(av)
	if av.Deadline != nil {
		v.DeadlineMS = av.Deadline.UnixMilli()
		v.Deadline = av.Deadline.In(time.FixedZone("WIB", 7*3600)).Format("15:04") + " WIB"
	}
	if course, err := a.svc.Course(c.UserContext(), at.Course); err == nil {
		v.LessonID, v.CourseSlug, v.CourseTitle = quizLessonOf(course, q.ID), course.Slug, course.Title
	}
	return a.page(c, "quiz_attempt", v)
}

// formAnswers reads the attempt form: a.<question> holds the chosen
// option(s), true/false or the text; m.<question> marks a multiple choice
// question whose boxes were all left empty.
func formAnswers(c *fiber.Ctx, at content.Attempt, q content.Quiz) map[string]json.RawMessage {
	args := c.Request().PostArgs()
	out := map[string]json.RawMessage{}
	for _, sq := range at.Served {
		name := "a." + sq.ID
		qq := questionByID(q, sq.ID)
		var v any
		switch qq.Type {
		case content.QMultiple:
			if !args.Has(name) && !args.Has("m."+sq.ID) {
				continue
			}
			ids := []string{}
			for _, b := range args.PeekMulti(name) {
				ids = append(ids, string(b))
			}
			v = ids
		case content.QTrueFalse:
			switch string(args.Peek(name)) {
			case "true":
				v = true
			case "false":
				v = false
			default:
				continue
			}
		default:
			if !args.Has(name) {
				continue
			}
			v = string(args.Peek(name))
		}
		b, _ := json.Marshal(v)
		out[sq.ID] = b
	}
	return out
}

type confirmView struct {
	ID       string
	Title    string
	Answered int
	Total    int
}

// attemptSubmit: POST /quiz/attempts/:id/submit, the plain form: it saves
// every answer on the page, then goes back (do=save), asks to confirm, or
// with confirm=1 grades the attempt and shows the result.
func (a *App) attemptSubmit(c *fiber.Ctx) error {
	u := *currentUser(c)
	at, q, err := a.svc.GetAttempt(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	result := "/quiz/attempts/" + url.PathEscape(at.ID) + "/result"
	if !at.Open {
		return c.Redirect(result, fiber.StatusSeeOther)
	}
	if answers := formAnswers(c, at, q); len(answers) > 0 {
		saved, err := a.svc.SaveAnswers(c.UserContext(), u, at.ID, answers)
		switch {
		case errors.Is(err, content.ErrDeadlinePassed), errors.Is(err, content.ErrSubmitted):
			// Graded on what was saved in time.
		case err != nil:
			return err
		default:
			at = saved
		}
	}
	if c.FormValue("do") == "save" {
		return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID)+"?saved=1", fiber.StatusSeeOther)
	}
	if c.FormValue("confirm") != "1" {
		_, answered := learnerAttemptQuestions(toAttemptView(at, q))
		return a.page(c, "quiz_confirm", confirmView{ID: at.ID, Title: q.Title, Answered: answered, Total: len(at.Served)})
	}
	if _, _, err := a.svc.SubmitAttempt(c.UserContext(), u, at.ID); err != nil {
		return err
	}
	return c.Redirect(result, fiber.StatusSeeOther)
}

type resultRow struct {
	N           int
	Prompt      string
	Answer      string
	Graded      bool // the quiz shows correctness
	Right       bool
	Score       float64
	Points      float64
	Explanation string
}

type resultPageView struct {
	ID          string
	Title       string
	N           int
	Result      resultView
	Rows        []resultRow
	ShowRight   bool
	LessonID    string
	CourseSlug  string
	CourseTitle string
	Completed   bool
	CertCode    string
	CertShown   string
	CanRetry    bool
}

// answerText writes a saved answer for the result page.
func answerText(q content.Question, ans any, lang string, cat catalog) string {
	switch x := ans.(type) {
	case string:
		if q.Type == content.QShort {
			return x
		}
		for _, o := range q.Options {
			if o.ID == x {
				return o.Text
			}
		}
	case []string:
		var parts []string
		for _, id := range x {
			for _, o := range q.Options {
				if o.ID == id {
					parts = append(parts, o.Text)
				}
			}
		}
		return strings.Join(parts, "; ")
	case *bool:
		if x != nil {
			if *x {
				return cat.T(lang, "quiz.true")
			}
			return cat.T(lang, "quiz.false")
		}
	}
	return ""
}

// resultPage: GET /quiz/attempts/:id/result.
func (a *App) resultPage(c *fiber.Ctx) error {
	u := *currentUser(c)
	at, q, err := a.svc.GetAttempt(c.UserContext(), u, param(c, "id"))
	if err != nil {
		return err
	}
	if at.Open {
		return c.Redirect("/quiz/attempts/"+url.PathEscape(at.ID), fiber.StatusSeeOther)
	}
	av := toAttemptView(at, q)
	v := resultPageView{ID: at.ID, Title: q.Title, N: at.N, Result: *av.Result, ShowRight: q.ShowCorrectness}
	lang := langOf(c)
	for i, rq := range av.Result.Questions {
		qq := questionByID(q, rq.ID)
		row := resultRow{N: i + 1, Prompt: qq.Prompt, Points: qq.Points, Explanation: rq.Explanation,
			Answer: answerText(qq, av.Answers[rq.ID], lang, a.cat)}
		if rq.Correct != nil && rq.Score != nil {
			row.Graded, row.Right, row.Score = true, *rq.Correct, *rq.Score
		}
		v.Rows = append(v.Rows, row)
	}
	if course, err := a.svc.Course(c.UserContext(), at.Course); err == nil {
		v.LessonID, v.CourseSlug, v.CourseTitle = quizLessonOf(course, q.ID), course.Slug, course.Title
		if e, err := a.svc.Enrollment(c.UserContext(), u.NIP, course.ID); err == nil {
			v.Completed = !e.Completed.IsZero()
			if e.Certificate != "" {
				v.CertCode, v.CertShown = e.Certificate, content.FormatCode(e.Certificate)
			}
		}
	}
	if !at.Passed {
		as, err := a.svc.MyAttempts(c.UserContext(), u, q.ID)
		if err == nil {
			v.CanRetry = q.MaxAttempts == 0 || len(as) < q.MaxAttempts
		}
	}
	return a.page(c, "quiz_result", v)
}
