// Package frontend holds what the browser gets: html/template views, static
// CSS, JS and images, and the message catalogs (id, en). Everything is
// embedded in the binary.
package frontend

import "embed"

// Templates holds the views: layout.html and one file per page.
//
//go:embed templates/*.html
var Templates embed.FS

// Static holds CSS, JS and images, served under checksummed URLs.
//
//go:embed static
var Static embed.FS

// Catalogs holds the message catalogs, one JSON object per language.
//
//go:embed i18n/*.json
var Catalogs embed.FS
