package app

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// User import (issue 13, item 2): POST /api/v1/users/import with a CSV
// body, and the page /admin/users/import (pages_user_import.go). Both read
// the body as it streams in and hand it to the domain; neither holds the
// activation codes past the response, which is the only place they are
// shown (the store keeps their hashes).

// importBodyLimit is the largest import body: the file's cap, plus room
// for a multipart form's fields and boundaries.
const importBodyLimit = content.UserImportMaxBytes + 64<<10

func isImportPath(method, path string) bool {
	return method == fiber.MethodPost && (path == "/api/v1/users/import" || path == "/admin/users/import")
}

// requestBody is the request's body as a reader: the stream when Fiber
// left it unread (bodies above smallBodyLimit), else the bytes it read.
func requestBody(c *fiber.Ctx) io.Reader {
	if s := c.Context().RequestBodyStream(); s != nil {
		return io.LimitReader(s, int64(max(c.Request().Header.ContentLength(), 0)))
	}
	return bytes.NewReader(c.Body())
}

// importUsersAPI: POST /api/v1/users/import (admin), text/csv,
// ?dry_run=1, ?job= to report progress to a job made with
// POST /api/v1/users/import/jobs.
func (a *App) importUsersAPI(c *fiber.Ctx) error {
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	switch mt {
	case "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel":
	default:
		return &apiError{Status: 415, Code: "unsupported_media_type", msg: emsg("import_users.csv_required")}
	}
	rows, err := content.ReadUserCSV(requestBody(c))
	if err != nil {
		return importRefusal(err)
	}
	rep, err := a.runImport(c, rows, c.QueryBool("dry_run", false) || c.Query("dry_run") == "1", utils.CopyString(c.Query("job")))
	if err != nil {
		return err
	}
	return c.JSON(a.importView(langOf(c), rep))
}

// runImport runs the domain's import, reporting progress to job if the
// caller made one.
func (a *App) runImport(c *fiber.Ctx, rows *content.UserRows, dryRun bool, job string) (content.ImportReport, error) {
	u := *currentUser(c)
	var progress func(int, int)
	if job != "" {
		var finish func()
		progress, finish = a.svc.ImportProgress(c.UserContext(), u, job)
		defer finish()
	}
	rep, err := a.svc.ImportUsers(c.UserContext(), u, rows, dryRun, progress)
	if err == nil && !dryRun {
		a.log.Info("users imported", "by", u.NIP, "created", rep.Created, "updated", rep.Updated, "unchanged", rep.Unchanged)
	}
	return rep, err
}

// importRefusal is the answer to a file refused whole: 413 for its size,
// 415 when it is not text, 400 for the rest, naming the file.
func importRefusal(err error) error {
	var r *content.ImportRefused
	if !errors.As(err, &r) {
		return err
	}
	status, code := 400, "bad_request"
	switch r.Reason {
	case "too_large":
		status, code = 413, "too_large"
	case "binary":
		status, code = 415, "unsupported_media_type"
	}
	return &apiError{Status: status, Code: code, msg: r.Message(), fieldMsgs: map[string]content.Msg{"file": r.Message()}}
}

// startImportJob: POST /api/v1/users/import/jobs (admin) -> 201 {id}, a
// progress record to pass as ?job= and poll.
func (a *App) startImportJob(c *fiber.Ctx) error {
	j, err := a.svc.StartImportJob(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(j)
}

// importJob: GET /api/v1/users/import/jobs/{id} -> {id, done, total,
// finished}, from the store, so any instance answers.
func (a *App) importJob(c *fiber.Ctx) error {
	j, err := a.svc.ImportJob(c.UserContext(), *currentUser(c), param(c, "id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(j)
}

type userImportView struct {
	DryRun      bool                   `json:"dry_run"`
	Rows        int                    `json:"rows"`
	Created     int                    `json:"created"`
	Updated     int                    `json:"updated"`
	Unchanged   int                    `json:"unchanged"`
	Errors      []userImportErrorView  `json:"errors"`
	Changes     []content.ImportChange `json:"changes"`
	Activations []activationView       `json:"activations,omitempty"`
}

type userImportErrorView struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type activationView struct {
	NIP       string    `json:"nip"`
	Name      string    `json:"name"`
	URL       string    `json:"activation_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *App) importView(lang string, rep content.ImportReport) userImportView {
	v := userImportView{DryRun: rep.DryRun, Rows: rep.Rows, Created: rep.Created, Updated: rep.Updated, Unchanged: rep.Unchanged,
		Errors: make([]userImportErrorView, len(rep.Errors)), Changes: rep.Changes}
	if v.Changes == nil {
		v.Changes = []content.ImportChange{}
	}
	for i, e := range rep.Errors {
		v.Errors[i] = userImportErrorView{Line: e.Line, Field: e.Field, Code: e.Code, Message: a.tr(lang, e.Msg)}
	}
	for _, act := range rep.Activations {
		v.Activations = append(v.Activations, activationView{NIP: act.NIP, Name: act.Name,
			URL: a.activationURL(act.Code), ExpiresAt: act.Expires})
	}
	return v
}

// activationURL is the link a new account is activated with.
func (a *App) activationURL(code string) string {
	return strings.TrimRight(a.cfg.BaseURL, "/") + content.ActivationPath(code)
}

// ActivationsCSV writes activation links as the CSV an admin hands out:
// nip, name, activation_url, expires_at. The CLI writes the same.
func ActivationsCSV(w io.Writer, baseURL string, acts []content.ImportActivation) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"nip", "name", "activation_url", "expires_at"})
	for _, act := range acts {
		_ = cw.Write([]string{act.NIP, csvSafe(act.Name), strings.TrimRight(baseURL, "/") + content.ActivationPath(act.Code),
			act.Expires.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}

// activationsDataURL is the activation CSV as a data: URL, so the page
// can offer it as a download without the server keeping the links.
func activationsDataURL(baseURL string, acts []content.ImportActivation) string {
	var b bytes.Buffer
	b.WriteString("\ufeff") // so a spreadsheet reads the names as UTF-8
	_ = ActivationsCSV(&b, baseURL, acts)
	return "data:text/csv;charset=utf-8;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// Translator returns a function putting messages into lang, for the
// command line (loading the catalog once, not per message).
func Translator(lang string) (func(content.Msg) string, error) {
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	return func(m content.Msg) string { return cat.msg(lang, m) }, nil
}
