package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/internal/ikm"
)

// Public services and citizens' feedback (SKM): the admin's services, the
// public form's API, and the results.

// skmPublicBodyMax bounds a public submission's body before it is read:
// the largest honest form (a 1,000-character comment, all in 4-byte
// characters, URL-encoded) is well under it.
const skmPublicBodyMax = 16 << 10

// skmSlots bounds the public submissions an instance works on at once
// (App.skmGate), so a flood waits for none of the store's time that other
// pages need: a submission that finds every slot taken is refused at once
// with 429.
const skmSlots = 64

type serviceJSON struct {
	content.PublicService
	PublicURL string `json:"public_url"`
	PosterURL string `json:"poster_url"`
}

func (a *App) serviceJSON(ps content.PublicService) serviceJSON {
	return serviceJSON{PublicService: ps, PublicURL: a.cfg.BaseURL + skmPublicPath(ps.ID),
		PosterURL: a.cfg.BaseURL + "/api/v1/services/" + ps.ID + "/poster.pdf"}
}

func skmPublicPath(id string) string { return "/layanan/" + id }

// createService: POST /api/v1/services (admin).
func (a *App) createService(c *fiber.Ctx) error {
	var in content.ServiceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ps, err := a.svc.CreatePublicService(c.UserContext(), *currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(a.serviceJSON(ps))
}

// listServices: GET /api/v1/services: all for an admin, one's own unit's
// (and below) for anyone else.
func (a *App) listServices(c *fiber.Ctx) error {
	ps, err := a.svc.PublicServices(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	items := make([]serviceJSON, len(ps))
	for i, p := range ps {
		items[i] = a.serviceJSON(p)
	}
	return c.JSON(fiber.Map{"items": items})
}

// patchService: PATCH /api/v1/services/{id} (admin): any of unit, name,
// description, active.
func (a *App) patchService(c *fiber.Ctx) error {
	ps, err := a.svc.PublicService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	var in struct {
		Unit        *string `json:"unit"`
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Active      *bool   `json:"active"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	upd := content.ServiceInput{Unit: ps.Unit, Name: ps.Name, Description: ps.Description, Active: in.Active}
	if in.Unit != nil {
		upd.Unit = *in.Unit
	}
	if in.Name != nil {
		upd.Name = *in.Name
	}
	if in.Description != nil {
		upd.Description = *in.Description
	}
	ps, err = a.svc.UpdatePublicService(c.UserContext(), *currentUser(c), ps.ID, upd)
	if err != nil {
		return err
	}
	return c.JSON(a.serviceJSON(ps))
}

// skmErr adds what a refused submission needs: the wait after a limit.
func skmErr(c *fiber.Ctx, err error) error {
	var le *content.LimitedError
	if errors.As(err, &le) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(le.RetryAfter.Seconds())))
		return &apiError{Status: 429, Code: "too_many_requests", msg: le.Message()}
	}
	return err
}

// enterSKMGate takes a slot for one public submission, or refuses.
func (a *App) enterSKMGate(c *fiber.Ctx) (func(), error) {
	if c.Request().Header.ContentLength() > skmPublicBodyMax {
		return nil, errField(413, "comment", emsg("too_long", content.SKMCommentMax))
	}
	select {
	case a.skmGate <- struct{}{}:
		return func() { <-a.skmGate }, nil
	default:
		c.Set(fiber.HeaderRetryAfter, "5")
		return nil, &apiError{Status: 429, Code: "too_many_requests", msg: content.ErrSKMLimited.Message()}
	}
}

// publicService: GET /api/v1/public/services/{id} (no login): what the
// form shows, with a fresh one-time token.
func (a *App) publicServiceAPI(c *fiber.Ctx) error {
	ps, err := a.svc.PublicService(c.UserContext(), param(c, "id"))
	if err != nil || !ps.Active {
		return fiber.ErrNotFound
	}
	tok, err := a.svc.SKMFormToken(c.UserContext(), ps.ID)
	if err != nil {
		return err
	}
	lang := langOf(c)
	type question struct {
		Code    string   `json:"code"`
		Text    string   `json:"text"`
		Answers []string `json:"answers"`
	}
	qs := make([]question, len(ikm.Codes))
	for i, code := range ikm.Codes {
		qs[i] = question{Code: code, Text: a.cat.T(lang, "skm.q."+code)}
		for v := 1; v <= 4; v++ {
			qs[i].Answers = append(qs[i].Answers, a.cat.T(lang, fmt.Sprintf("skm.a.%s.%d", code, v)))
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"id": ps.ID, "name": ps.Name, "unit": ps.Unit, "description": ps.Description,
		"token": tok, "questions": qs})
}

// submitSKMAPI: POST /api/v1/public/services/{id}/responses (no login)
// {scores:{u1…u9}, comment, respondent:{age, sex, education}, token}.
func (a *App) submitSKMAPI(c *fiber.Ctx) error {
	leave, err := a.enterSKMGate(c)
	if err != nil {
		return err
	}
	defer leave()
	var in struct {
		Scores     map[string]json.RawMessage `json:"scores"`
		Comment    string                     `json:"comment"`
		Respondent content.Respondent         `json:"respondent"`
		Token      string                     `json:"token"`
		Website    string                     `json:"website"` // the honeypot
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if len(in.Scores) > 20 {
		return errField(422, "scores", emsg("skm.unknown_element"))
	}
	scores := map[string]int{}
	for k, raw := range in.Scores {
		v, err := strconv.Atoi(string(raw))
		if err != nil {
			v = -1 // not a whole number: out of range
		}
		scores[k] = v
	}
	r, err := a.svc.SubmitSKM(c.UserContext(), content.SKMSubmission{Service: param(c, "id"), Scores: scores,
		Comment: in.Comment, Respondent: in.Respondent, Token: in.Token, Honeypot: in.Website, Client: clientIP(c)})
	if err != nil {
		return skmErr(c, err)
	}
	return c.Status(201).JSON(r)
}

type skmReportJSON struct {
	Service   *serviceJSON            `json:"service,omitempty"`
	Unit      *content.Unit           `json:"unit,omitempty"`
	From      string                  `json:"from"`
	To        string                  `json:"to"`
	Responses int                     `json:"responses"`
	Elements  map[string]float64      `json:"elements"`
	Detail    []content.SKMElement    `json:"element_detail"`
	IKM       float64                 `json:"ikm"`
	Grade     string                  `json:"grade"`
	Label     string                  `json:"label"`
	Weakest   []string                `json:"weakest"`
	Months    []content.SKMPeriod     `json:"months"`
	Quarters  []content.SKMPeriod     `json:"quarters"`
	Services  []content.SKMServiceRow `json:"services,omitempty"`
}

func toReportJSON(r content.SKMReport) skmReportJSON {
	out := skmReportJSON{From: r.From, To: r.To, Responses: r.Responses, Elements: map[string]float64{}, Detail: r.Elements,
		IKM: r.IKM, Grade: r.Grade, Label: r.Label, Weakest: r.Weakest, Months: r.Months, Quarters: r.Quarters, Services: r.Services}
	for _, e := range r.Elements {
		out.Elements[e.Code] = e.Mean
	}
	if out.Weakest == nil {
		out.Weakest = []string{}
	}
	return out
}

func (a *App) skmRange(c *fiber.Ctx) (content.SKMRange, error) {
	return a.svc.ParseSKMRange(utils.CopyString(c.Query("from")), utils.CopyString(c.Query("to")))
}

// serviceSKM: GET /api/v1/services/{id}/skm?from=&to= (admin; the
// service's unit).
func (a *App) serviceSKM(c *fiber.Ctx) error {
	r, err := a.skmRange(c)
	if err != nil {
		return err
	}
	ps, rep, err := a.svc.SKMServiceResults(c.UserContext(), *currentUser(c), param(c, "id"), r)
	if err != nil {
		return err
	}
	out := toReportJSON(rep)
	sj := a.serviceJSON(ps)
	out.Service = &sj
	return c.JSON(out)
}

// unitSKM: GET /api/v1/units/{code}/skm?from=&to=: the unit with its
// sub-units' services, one line per service.
func (a *App) unitSKM(c *fiber.Ctx) error {
	r, err := a.skmRange(c)
	if err != nil {
		return err
	}
	u, rep, err := a.svc.SKMUnitResults(c.UserContext(), *currentUser(c), param(c, "code"), r)
	if err != nil {
		return err
	}
	out := toReportJSON(rep)
	out.Unit = &u
	return c.JSON(out)
}

// serviceComments: GET /api/v1/services/{id}/comments?after=&limit=,
// newest first.
func (a *App) serviceComments(c *fiber.Ctx) error {
	limit, _ := strconv.Atoi(c.Query("limit", "20"))
	cs, next, err := a.svc.SKMComments(c.UserContext(), *currentUser(c), param(c, "id"), utils.CopyString(c.Query("after")), limit)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []content.SKMComment{}
	}
	return c.JSON(fiber.Map{"items": cs, "next": next})
}

// skmColumns are the CSV's columns: the regulation's element codes, then
// the respondent's data.
var skmColumns = []string{"id", "waktu", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "umur", "jenis_kelamin", "pendidikan", "saran"}

// serviceResponsesCSV: GET /api/v1/services/{id}/responses.csv?from=&to=.
func (a *App) serviceResponsesCSV(c *fiber.Ctx) error {
	r, err := a.skmRange(c)
	if err != nil {
		return err
	}
	row := make([]string, len(skmColumns))
	var ps content.PublicService
	b, err := csvBytes(skmColumns, func(put func([]string) error) error {
		var err error
		ps, err = a.svc.SKMResponses(c.UserContext(), *currentUser(c), param(c, "id"), r, func(x content.SKMResponse) error {
			row[0], row[1] = x.ID, x.At.In(wib).Format("2006-01-02 15:04")
			for i, v := range x.Scores {
				row[2+i] = strconv.Itoa(v)
			}
			row[11], row[12], row[13], row[14] = x.Respondent.Age, strings.ToUpper(x.Respondent.Sex), strings.ToUpper(x.Respondent.Education), x.Comment
			return put(row)
		})
		return err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return sendCSVBytes(c, fmt.Sprintf("skm-%s-%s-%s.csv", ps.ID, r.From, r.To), b)
}

// servicePoster: GET /api/v1/services/{id}/poster.pdf (admin): an A4
// poster with a QR code to the public page, for the service counter.
func (a *App) servicePoster(c *fiber.Ctx) error {
	ps, err := a.svc.PublicService(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	b, err := renderSKMPoster(ps, a.cfg.BaseURL+skmPublicPath(ps.ID), time.Now())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="poster-skm-%s.pdf"`, ps.ID))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(b)
}

// foldSKM counts waiting SKM responses into their monthly aggregates (one
// instance at a time, under a lease).
func (a *App) foldSKM(ctx context.Context) {
	if _, err := a.svc.FoldSKM(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("skm fold", "err", err)
	}
}
