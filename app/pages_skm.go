package app

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/internal/numfmt"
	"github.com/kotalama/kompeten/internal/svgchart"
)

// Pages of the SKM: the public form (no login, its own small stylesheet,
// no script), the admin's services, and the results of a service or unit.

type skmQuestion struct {
	Code    string
	Text    string
	Answers [4]string
	// Chosen is the answer kept after a refused send (0: none).
	Chosen int
	Error  string
}

type skmChoice struct{ Value, Label string }

type skmPublicView struct {
	Service                 content.PublicService
	UnitName                string
	Token                   string
	Questions               []skmQuestion
	Comment                 string
	Respondent              content.Respondent
	Ages, Sexes, Educations []skmChoice
	Errors                  map[string]string
	Sent                    bool
	Inactive                bool
	CommentMax              int
	// Path is the page's own address, for the language links.
	Path string
}

func (a *App) skmPublicView(c *fiber.Ctx, ps content.PublicService) (skmPublicView, error) {
	lang := langOf(c)
	v := skmPublicView{Service: ps, UnitName: ps.Unit, CommentMax: content.SKMCommentMax, Inactive: !ps.Active,
		Path: skmPublicPath(ps.ID)}
	if u, err := a.svc.Unit(c.UserContext(), ps.Unit); err == nil {
		v.UnitName = u.Name
	}
	if ps.Active {
		tok, err := a.svc.SKMFormToken(c.UserContext(), ps.ID)
		if err != nil {
			return v, err
		}
		v.Token = tok
	}
	for _, code := range ikm.Codes {
		q := skmQuestion{Code: code, Text: a.cat.T(lang, "skm.q."+code)}
		for i := range 4 {
			q.Answers[i] = a.cat.T(lang, fmt.Sprintf("skm.a.%s.%d", code, i+1))
		}
		v.Questions = append(v.Questions, q)
	}
	choices := func(prefix string, values []string) []skmChoice {
		out := make([]skmChoice, len(values))
		for i, val := range values {
			out[i] = skmChoice{val, a.cat.T(lang, prefix+val)}
		}
		return out
	}
	v.Ages = choices("skm.age.", content.SKMAgeBands)
	v.Sexes = choices("skm.sex.", content.SKMSexes)
	v.Educations = choices("skm.edu.", content.SKMEducations)
	return v, nil
}

// renderPublic renders a public page with its own layout: no session, no
// header, no script.
func (a *App) renderPublic(c *fiber.Ctx, name string, data any) error {
	b, err := a.r.render(name, view{Lang: langOf(c), Data: data, Path: safeNext(c.OriginalURL())})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Send(b)
}

// skmPublicPage: GET /layanan/{id}: the questionnaire.
func (a *App) skmPublicPage(c *fiber.Ctx) error {
	ps, err := a.svc.PublicService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	v, err := a.skmPublicView(c, ps)
	if err != nil {
		return err
	}
	v.Sent = c.Query("sent") == "1"
	return a.renderPublic(c, "skm_public", v)
}

// skmPublicSubmit: POST /layanan/{id}: the form, sent without script.
// Accepted: back to the page with thanks (303). Refused: the form again,
// answers kept, each bad field named.
func (a *App) skmPublicSubmit(c *fiber.Ctx) error {
	leave, err := a.enterSKMGate(c)
	if err != nil {
		return err
	}
	defer leave()
	id := param(c, "id")
	scores := map[string]int{}
	for _, code := range ikm.Codes {
		if s := c.FormValue("scores." + code); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil {
				v = -1
			}
			scores[code] = v
		}
	}
	in := content.SKMSubmission{Service: id, Scores: scores, Comment: utils.CopyString(c.FormValue("comment")),
		Respondent: content.Respondent{Age: utils.CopyString(c.FormValue("age")), Sex: utils.CopyString(c.FormValue("sex")),
			Education: utils.CopyString(c.FormValue("education"))},
		Token: utils.CopyString(c.FormValue("token")), Honeypot: utils.CopyString(c.FormValue("website")), Client: clientIP(c)}
	_, err = a.svc.SubmitSKM(c.UserContext(), in)
	if err == nil {
		return c.Redirect(skmPublicPath(id)+"?sent=1", fiber.StatusSeeOther)
	}
	errs, ok := a.fieldErrs(c, err)
	if !ok {
		return skmErr(c, err)
	}
	ps, perr := a.svc.PublicService(c.UserContext(), id)
	if perr != nil {
		return perr
	}
	v, verr := a.skmPublicView(c, ps)
	if verr != nil {
		return verr
	}
	// Respondent fields are named as the form names them.
	for k, m := range map[string]string{"respondent.age": "age", "respondent.sex": "sex", "respondent.education": "education"} {
		if e, ok := errs[k]; ok {
			errs[m] = e
		}
	}
	v.Errors, v.Comment, v.Respondent = errs, in.Comment, in.Respondent
	for i := range v.Questions {
		q := &v.Questions[i]
		if s := scores[q.Code]; s >= 1 && s <= 4 {
			q.Chosen = s
		}
		q.Error = errs["scores."+q.Code]
	}
	c.Status(422)
	return a.renderPublic(c, "skm_public", v)
}

// Admin pages.

type skmServicesView struct {
	Services []content.PublicService
	Units    []content.Unit
	Form     content.ServiceInput
	Errors   map[string]string
	Editing  *content.PublicService
	Saved    string
	Base     string
}

func (a *App) skmServicesView(c *fiber.Ctx) (skmServicesView, error) {
	v := skmServicesView{Base: a.cfg.BaseURL}
	var err error
	if v.Services, err = a.svc.PublicServices(c.UserContext(), *currentUser(c)); err != nil {
		return v, err
	}
	v.Units, err = a.svc.AllUnits(c.UserContext())
	return v, err
}

// servicesPage: GET /admin/services.
func (a *App) servicesPage(c *fiber.Ctx) error {
	v, err := a.skmServicesView(c)
	if err != nil {
		return err
	}
	v.Saved = c.Query("saved")
	return a.page(c, "skm_services", v)
}

// serviceCreateSubmit: POST /admin/services.
func (a *App) serviceCreateSubmit(c *fiber.Ctx) error {
	in := content.ServiceInput{Unit: utils.CopyString(c.FormValue("unit")), Name: utils.CopyString(c.FormValue("name")),
		Description: utils.CopyString(c.FormValue("description"))}
	ps, err := a.svc.CreatePublicService(c.UserContext(), *currentUser(c), in)
	if err == nil {
		return c.Redirect("/admin/services/"+ps.ID+"?saved=1", fiber.StatusSeeOther)
	}
	errs, ok := a.fieldErrs(c, err)
	if !ok {
		return err
	}
	v, verr := a.skmServicesView(c)
	if verr != nil {
		return verr
	}
	v.Form, v.Errors = in, errs
	c.Status(422)
	return a.page(c, "skm_services", v)
}

// servicePage: GET /admin/services/{id}: edit, turn off or on, poster.
func (a *App) servicePage(c *fiber.Ctx) error {
	ps, err := a.svc.PublicService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	v, err := a.skmServicesView(c)
	if err != nil {
		return err
	}
	v.Editing = &ps
	v.Form = content.ServiceInput{Unit: ps.Unit, Name: ps.Name, Description: ps.Description}
	v.Saved = c.Query("saved")
	return a.page(c, "skm_service", v)
}

// serviceSubmit: POST /admin/services/{id}.
func (a *App) serviceSubmit(c *fiber.Ctx) error {
	ps, err := a.svc.PublicService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	in := content.ServiceInput{Unit: utils.CopyString(c.FormValue("unit")), Name: utils.CopyString(c.FormValue("name")),
		Description: utils.CopyString(c.FormValue("description"))}
	switch c.FormValue("active") {
	case "1", "0":
		on := c.FormValue("active") == "1"
		in = content.ServiceInput{Unit: ps.Unit, Name: ps.Name, Description: ps.Description, Active: &on}
	}
	if _, err = a.svc.UpdatePublicService(c.UserContext(), *currentUser(c), ps.ID, in); err == nil {
		return c.Redirect("/admin/services/"+ps.ID+"?saved=1", fiber.StatusSeeOther)
	}
	errs, ok := a.fieldErrs(c, err)
	if !ok {
		return err
	}
	v, verr := a.skmServicesView(c)
	if verr != nil {
		return verr
	}
	v.Editing, v.Form, v.Errors = &ps, in, errs
	c.Status(422)
	return a.page(c, "skm_service", v)
}

// Results pages.

type skmBar struct {
	Code, Name string
	Mean       float64
	Grade      string
	Dist       [4]int
}

type skmResultsView struct {
	Title    string
	Service  *content.PublicService
	Unit     *content.Unit
	Report   content.SKMReport
	IKMText  string
	Elements []skmBar
	Weakest  []skmBar
	Chart    template.HTML
	Table    template.HTML
	Bars     template.HTML
	BarTable template.HTML
	Comments []content.SKMComment
	Next     string
	CSV      string
	Query    string
	Waiting  int64
}

func (a *App) skmResultsView(c *fiber.Ctx, rep content.SKMReport) skmResultsView {
	lang := langOf(c)
	v := skmResultsView{Report: rep, IKMText: numfmt.Float(lang, rep.IKM, 2),
		Query: url.Values{"from": {rep.From}, "to": {rep.To}}.Encode()}
	names := map[string]string{}
	for _, e := range rep.Elements {
		names[e.Code] = a.cat.T(lang, "skm.el."+e.Code)
		v.Elements = append(v.Elements, skmBar{Code: e.Code, Name: names[e.Code], Mean: e.Mean, Grade: e.Grade, Dist: e.Dist})
	}
	for _, code := range rep.Weakest {
		for _, e := range v.Elements {
			if e.Code == code {
				v.Weakest = append(v.Weakest, e)
			}
		}
	}
	format := func(x float64) string { return numfmt.Float(lang, x, 2) }
	line := svgchart.Chart{ID: "skm-ikm", Title: a.cat.T(lang, "skm.chart_ikm"), Kind: svgchart.Line, Max: 100, Format: format,
		Marks: []svgchart.Mark{{Value: 88.31, Label: "A"}, {Value: 76.61, Label: "B"}, {Value: 65, Label: "C"}}}
	s := svgchart.Series{Name: "IKM"}
	for _, m := range rep.Months {
		line.Labels = append(line.Labels, m.Key)
		val := m.IKM
		if m.Responses == 0 {
			val = math.NaN()
		}
		s.Values = append(s.Values, val)
	}
	line.Series = []svgchart.Series{s}
	v.Chart = template.HTML(line.SVG())
	v.Table = template.HTML(line.Table(a.cat.T(lang, "skm.chart_ikm")))
	bars := svgchart.Chart{ID: "skm-elements", Title: a.cat.T(lang, "skm.chart_elements"), Kind: svgchart.Bars, Max: 4, Format: format}
	bs := svgchart.Series{Name: a.cat.T(lang, "skm.mean")}
	for _, e := range v.Elements {
		bars.Labels = append(bars.Labels, fmt.Sprintf("%s %s", e.Code, e.Name))
		bs.Values = append(bs.Values, e.Mean)
	}
	bars.Series = []svgchart.Series{bs}
	v.Bars = template.HTML(bars.SVG())
	v.BarTable = template.HTML(bars.Table(a.cat.T(lang, "skm.chart_elements")))
	return v
}

// serviceResultsPage: GET /skm/services/{id}?from=&to=&after=.
func (a *App) serviceResultsPage(c *fiber.Ctx) error {
	r, err := a.skmRange(c)
	if err != nil {
		return err
	}
	u := *currentUser(c)
	ps, rep, err := a.svc.SKMServiceResults(c.UserContext(), u, param(c, "id"), r)
	if err != nil {
		return err
	}
	v := a.skmResultsView(c, rep)
	v.Service, v.Title = &ps, ps.Name
	v.CSV = "/skm/services/" + ps.ID + "/responses.csv?" + v.Query
	v.Comments, v.Next, err = a.svc.SKMComments(c.UserContext(), u, ps.ID, utils.CopyString(c.Query("after")), 20)
	if errors.Is(err, content.ErrBadCursor) {
		v.Comments, v.Next, err = a.svc.SKMComments(c.UserContext(), u, ps.ID, "", 20)
	}
	if err != nil {
		return err
	}
	if v.Waiting, err = a.svc.SKMWaiting(c.UserContext()); err != nil {
		return err
	}
	return a.page(c, "skm_results", v)
}

// unitResultsPage: GET /skm/units/{code}?from=&to=.
func (a *App) unitResultsPage(c *fiber.Ctx) error {
	r, err := a.skmRange(c)
	if err != nil {
		return err
	}
	unit, rep, err := a.svc.SKMUnitResults(c.UserContext(), *currentUser(c), param(c, "code"), r)
	if err != nil {
		return err
	}
	v := a.skmResultsView(c, rep)
	v.Unit, v.Title = &unit, unit.Name
	return a.page(c, "skm_results", v)
}
