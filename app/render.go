package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"path"
	"regexp"
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
	// Team: the user is someone's atasan ("Tim saya" in the menu).
	Team bool
	// Unread is the number on the header's bell.
	Unread int64
}

// renderer holds one parsed template set per language and page, each with
// the layout.
type renderer struct {
	pages map[string]map[string]*template.Template // lang -> page -> set
}

// constantT is a message call with a fixed key and no arguments, the
// most common action in the templates ({{t .Lang "nav.home"}}).
var constantT = regexp.MustCompile(`\{\{t \$?\.Lang "([A-Za-z0-9_.]+)"\}\}`)

// translate writes the constant message calls of a template's source as
// their text in lang, escaped for HTML. Each such call was two calls by
// reflection per render (the message and its escaper); written in, they
// take a sixth off rendering the catalog. Hence a page set per language.
// The escaped text is right wherever the templates call t: in element
// text and in quoted attribute values (TestTranslatedTemplatesRenderAlike
// renders pages both ways).
func translate(src string, cat catalog, lang string) (string, error) {
	var err error
	out := constantT.ReplaceAllStringFunc(src, func(call string) string {
		msg := cat.T(lang, constantT.FindStringSubmatch(call)[1])
		if strings.Contains(msg, "{{") && err == nil {
			err = fmt.Errorf("message in %s holds {{: %q", lang, msg)
		}
		return html.EscapeString(msg)
	})
	return out, err
}

func newRenderer(cat catalog, a *assets) (*renderer, error) {
	return parsePages(cat, a, true)
}

// parsePages parses every page with the layout, once per language, with
// the constant messages written in when translated is set.
func parsePages(cat catalog, a *assets, translated bool) (*renderer, error) {
	funcs := template.FuncMap{"t": cat.T, "asset": a.url, "icon": icon, "num": formatNumber, "pct": formatPercent, "duration": formatMinutes,
		"hasPrefix": strings.HasPrefix, "inc": func(i int) int { return i + 1 }}
	files, err := fs.Glob(frontend.Templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	source := func(p, lang string) (string, error) {
		b, err := frontend.Templates.ReadFile(p)
		if err != nil || !translated {
			return string(b), err
		}
		return translate(string(b), cat, lang)
	}
	r := &renderer{pages: map[string]map[string]*template.Template{}}
	for _, lang := range languages {
		src, err := source("templates/layout.html", lang)
		if err != nil {
			return nil, err
		}
		layout, err := template.New("layout.html").Funcs(funcs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("template layout: %w", err)
		}
		r.pages[lang] = map[string]*template.Template{}
		for _, p := range files {
			name := strings.TrimSuffix(path.Base(p), ".html")
			if name == "layout" {
				continue
			}
			src, err := source(p, lang)
			if err != nil {
				return nil, err
			}
			t, err := template.Must(layout.Clone()).New(path.Base(p)).Parse(src)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			r.pages[lang][name] = t
		}
	}
	return r, nil
}

// page returns the set of a page in lang (the default language's when
// lang is not one of ours).
func (r *renderer) page(name, lang string) (*template.Template, bool) {
	set, ok := r.pages[lang]
	if !ok {
		set = r.pages[languages[0]]
	}
	t, ok := set[name]
	return t, ok
}

func (r *renderer) render(name string, v view) ([]byte, error) {
	t, ok := r.page(name, v.Lang)
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
