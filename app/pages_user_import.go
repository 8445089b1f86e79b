package app

import (
	"errors"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// The import page: choose a file, preview (a dry run), import. Without
// JavaScript the form posts and the answer is this page with the report.
// With it (js/user-import.js), the same form is sent by fetch with a job
// id, a progress bar follows the job in the store, and the report part
// of the answer replaces the page's.

// maxPageErrors bounds the errors listed on the page; the API lists all.
const maxPageErrors = 10_000

type userImportPageView struct {
	MaxMiB   int
	MaxLines int
	Columns  string
	Done     bool
	Refused  string
	Report   userImportView
	// More is how many errors are not listed; ChangesCut says the list
	// of changes is only the first of them.
	More       int
	ChangesCut bool
	// ActivationsCSV is a data: URL of the activation links (a real run).
	ActivationsCSV template.URL
}

func (a *App) userImportPage(c *fiber.Ctx) error {
	return a.page(c, "admin_user_import", a.userImportBase())
}

func (a *App) userImportBase() userImportPageView {
	return userImportPageView{MaxMiB: content.UserImportMaxBytes >> 20, MaxLines: content.UserImportMaxLines,
		Columns: "nip, name, email, phone, unit, position, supervisor_nip, roles"}
}

// userImportSubmit: POST /admin/users/import, multipart: mode (preview or
// apply), job (optional), file.
func (a *App) userImportSubmit(c *fiber.Ctx) error {
	v := a.userImportBase()
	lang := langOf(c)
	rows, mode, job, err := readImportForm(c)
	var refused *content.ImportRefused
	switch {
	case errors.As(err, &refused):
		c.Status(importRefusal(err).(*apiError).Status)
		v.Refused = a.tr(lang, refused.Message())
		return a.page(c, "admin_user_import", v)
	case errors.Is(err, errNoFile):
		c.Status(400)
		v.Refused = a.tr(lang, emsg("import_users.no_file"))
		return a.page(c, "admin_user_import", v)
	case err != nil:
		return err
	}
	rep, err := a.runImport(c, rows, mode != "apply", job)
	if err != nil {
		return err
	}
	v.Done = true
	v.Report = a.importView(lang, rep)
	if n := len(v.Report.Errors); n > maxPageErrors {
		v.More = n - maxPageErrors
		v.Report.Errors = v.Report.Errors[:maxPageErrors]
	}
	v.ChangesCut = len(rep.Changes) < rep.Created+rep.Updated
	if len(rep.Activations) > 0 {
		v.ActivationsCSV = template.URL(activationsDataURL(a.cfg.BaseURL, rep.Activations))
	}
	if len(v.Report.Errors) > 0 {
		c.Status(422)
	}
	return a.page(c, "admin_user_import", v)
}

var errNoFile = errors.New("no file")

// readImportForm reads the form as it streams: the file straight into the
// CSV reader, the small fields into strings, in whatever order they come
// (a browser sends the clicked button after the file).
func readImportForm(c *fiber.Ctx) (rows *content.UserRows, mode, job string, err error) {
	mt, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return nil, "", "", errBadRequest(emsg("import_users.multipart"))
	}
	if c.Get(headerCSRF) == "" && isSmallForm(c) {
		// checkCSRF has parsed this form for its token, reading the body.
		return parsedImportForm(c)
	}
	mr := multipart.NewReader(requestBody(c), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", "", errBadRequest(emsg("import_users.multipart"))
		}
		switch p.FormName() {
		case "file":
			if rows != nil {
				return nil, "", "", errBadRequest(emsg("import_users.multipart"))
			}
			if rows, err = content.ReadUserCSV(p); err != nil {
				return nil, "", "", err
			}
		case "mode", "job":
			b, _ := io.ReadAll(io.LimitReader(p, 64))
			if p.FormName() == "mode" {
				mode = strings.TrimSpace(string(b))
			} else {
				job = strings.TrimSpace(string(b))
			}
		}
		p.Close()
	}
	if rows == nil {
		return nil, "", "", errNoFile
	}
	return rows, mode, job, nil
}

// parsedImportForm reads a form Fiber has already parsed: a small one,
// sent without JavaScript.
func parsedImportForm(c *fiber.Ctx) (rows *content.UserRows, mode, job string, err error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, "", "", errBadRequest(emsg("import_users.multipart"))
	}
	first := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	files := form.File["file"]
	if len(files) != 1 {
		return nil, "", "", errNoFile
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "", "", err
	}
	defer f.Close()
	rows, err = content.ReadUserCSV(f)
	return rows, first("mode"), first("job"), err
}
