package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
)

// reindex rebuilds the search index from the document store. With the
// embedded Bleve index the server must be stopped first (it holds the
// index); Meilisearch can be rebuilt while the server runs.
func reindex(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kompeten reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	ctx := context.Background()
	stores, err := app.OpenStores(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%w (a running server holds the Bleve index: stop it first)", err)
	}
	defer stores.Close()
	svc, err := content.New(stores.Docs, stores.Blobs, app.ContentOptions(cfg))
	if err != nil {
		return err
	}
	err = svc.Reindex(ctx, stores.Search, func(done, total int) { fmt.Fprint(stderr, progressBar(done, total)) })
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Indeks pencarian dibangun ulang.")
	return nil
}

// progressBar draws one line of a terminal progress bar, returning to the
// line's start so the next call overwrites it.
func progressBar(done, total int) string {
	const width = 30
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	return fmt.Sprintf("\r[%s%s] %d/%d kursus", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total)
}
