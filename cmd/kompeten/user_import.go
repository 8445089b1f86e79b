package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
)

// userImport: kompeten user import FILE [--dry-run] [--links FILE|-]. It
// opens only the document store, so it runs beside a live server.
func userImport(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kompeten user import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var dryRun bool
	var links, lang string
	fs.BoolVar(&dryRun, "dry-run", false, "check the file and report what would change; write nothing")
	fs.StringVar(&links, "links", "", `where to write the new accounts' activation links as CSV (nip,name,activation_url,expires_at); "-" is standard output; default aktivasi-<time>.csv`)
	fs.StringVar(&lang, "lang", "en", "language of the messages: id or en")
	file, args := importFileArg(args)
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if file == "" {
		return usageError{"usage: kompeten user import FILE.csv [--dry-run] [--links FILE|-]"}
	}
	tr, err := app.Translator(lang)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return usageError{err.Error()}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > content.UserImportMaxBytes {
		return usageError{fmt.Sprintf("%s: %s", file, tr(content.Msg{Code: "usercsv.too_large", Args: []any{content.UserImportMaxBytes >> 20}}))}
	}
	rows, err := content.ReadUserCSV(f)
	var refused *content.ImportRefused
	if errors.As(err, &refused) {
		return usageError{fmt.Sprintf("%s: %s", file, tr(refused.Message()))}
	}
	if err != nil {
		return err
	}
	ctx := context.Background()
	svc, closeDocs, err := docsService(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDocs()
	// The command line is the operator of the machine: it acts as an
	// admin, and the audit log names it.
	actor := content.User{NIP: "cli", Name: "kompeten user import", Roles: []string{content.RoleAdmin}}
	rep, err := svc.ImportUsers(ctx, actor, rows, dryRun, nil)
	if err != nil {
		return err
	}
	out := stdout
	if links == "-" {
		out = stderr // standard output carries the CSV
	}
	for _, e := range rep.Errors {
		field := e.Field
		if field == "" {
			field = "-"
		}
		fmt.Fprintf(out, "%s:%d: %s: %s\n", file, e.Line, field, tr(e.Msg))
	}
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing written"
	}
	fmt.Fprintf(out, "%s (%s): %d lines, %d created, %d updated, %d unchanged, %d errors\n",
		file, verb, rep.Rows, rep.Created, rep.Updated, rep.Unchanged, len(rep.Errors))
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d errors in %s; nothing was imported", len(rep.Errors), file)
	}
	if len(rep.Activations) == 0 {
		return nil
	}
	w := stdout
	if links != "-" {
		if links == "" {
			links = "aktivasi-" + time.Now().Format("20060102-150405") + ".csv"
		}
		// The links let anyone set the accounts' passwords: only the
		// operator may read the file, and an existing one is never replaced.
		lf, err := os.OpenFile(links, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("activation links: %w (the accounts were created; reset their passwords from the admin pages)", err)
		}
		defer lf.Close()
		w = lf
	}
	if err := app.ActivationsCSV(w, cfg.BaseURL, rep.Activations); err != nil {
		return err
	}
	if links != "-" {
		fmt.Fprintf(stdout, "%d activation links written to %s (valid %d hours, one use each)\n", len(rep.Activations), links,
			int(content.ActivationLifetime/time.Hour))
	}
	return nil
}

// importFileArg takes FILE from the front or the end of args (the flag
// package stops at the first argument that is not a flag), so both
// "user import FILE --dry-run" and "user import --dry-run FILE" work.
func importFileArg(args []string) (string, []string) {
	if len(args) == 0 {
		return "", args
	}
	if a := args[0]; a != "" && !strings.HasPrefix(a, "-") {
		return a, args[1:]
	}
	last := args[len(args)-1]
	if strings.HasPrefix(last, "-") || len(args) < 2 {
		return "", args
	}
	// The last argument is the file unless it is the previous flag's value.
	prev := args[len(args)-2]
	if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") && strings.TrimLeft(prev, "-") != "dry-run" {
		return "", args
	}
	return last, args[:len(args)-1]
}
