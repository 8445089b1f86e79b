package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/frontend"
)

// Languages the UI speaks; the first is the default.
var languages = []string{"id", "en"}

// catalog maps language -> message key -> text.
type catalog map[string]map[string]string

func loadCatalog() (catalog, error) {
	cat := catalog{}
	for _, lang := range languages {
		b, err := frontend.Catalogs.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", lang, err)
		}
		cat[lang] = m
	}
	// Every key of the default language must exist in the others, so a
	// missing translation fails at start-up, not in front of a user.
	for key := range cat[languages[0]] {
		for _, lang := range languages[1:] {
			if _, ok := cat[lang][key]; !ok {
				return nil, fmt.Errorf("catalog %s lacks %q", lang, key)
			}
		}
	}
	return cat, nil
}

// T returns the message for key in lang, formatted with args. An unknown key
// shows itself, which tests catch.
func (c catalog) T(lang, key string, args ...any) string {
	msg, ok := c[lang][key]
	if !ok {
		msg, ok = c[languages[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// assets serves static files under checksummed URLs, so they can be cached
// for a year and still change with every release.
type assets struct {
	byName map[string]string // "app.css" -> "/static/<sum>/app.css"
	files  map[string][]byte // "<sum>/app.css" -> bytes
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]string{}, files: map[string][]byte{}}
	err := fs.WalkDir(frontend.Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := frontend.Static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		key := hex.EncodeToString(sum[:6]) + "/" + name
		a.byName[name] = "/static/" + key
		a.files[key] = b
		return nil
	})
	return a, err
}

func (a *assets) url(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return u, nil
}

// view is what every page template gets.
type view struct {
	Lang  string
	User  *content.User
	CSRF  string
	Path  string
	Flash string
	Data  any
}

// renderer holds one parsed template set per page, each with the layout.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer(cat catalog, a *assets) (*renderer, error) {
	funcs := template.FuncMap{"t": cat.T, "asset": a.url}
	layout, err := template.New("layout").Funcs(funcs).ParseFS(frontend.Templates, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(frontend.Templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(frontend.Templates, p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

func (r *renderer) render(name string, v view) ([]byte, error) {
	t, ok := r.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
