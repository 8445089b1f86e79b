package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/kotalama/kompeten/app"
)

// runDemo loads the demo into the stores env names and returns the demo
// learner's password, as the command prints it.
func runDemo(t *testing.T, env func(string) string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"demo"}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errb.String())
	}
	pass := regexp.MustCompile(`peserta\s+NIP \d+\s+kata sandi (\S+)`).FindStringSubmatch(out.String())
	if pass == nil {
		t.Fatalf("no learner password in:\n%s", out.String())
	}
	return pass[1]
}

// openApp wires the app over the stores cfg names, to be asked in process;
// close closes the stores.
func openApp(t *testing.T, ctx context.Context, cfg app.Config) (a *app.App, close func()) {
	t.Helper()
	stores, err := app.OpenStores(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err = app.New(ctx, cfg, stores, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		stores.Close()
		t.Fatal(err)
	}
	return a, func() { stores.Close() }
}

// apiCall sends one request to a, with body as JSON and tok as its bearer
// token when given, and returns the status, the content type and the body.
func apiCall(t *testing.T, a *app.App, method, path, tok string, body any) (int, string, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := a.Handler().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), raw
}
