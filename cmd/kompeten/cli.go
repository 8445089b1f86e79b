package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
)

const usage = `Kompeten: e-learning untuk ASN Kota Kotalama.

Usage:
  kompeten [serve] [flags]          run the server (default)
  kompeten user add --nip N --name "…" --role learner|trainer|admin
                    [--unit U] [--position P] [--email E] --password-stdin
  kompeten user import FILE.csv [--dry-run] [--links FILE|-]
                                   add and update users from CSV; new accounts get
                                   activation links (written to --links)
  kompeten reindex                 rebuild the search index (stop the server first on Bleve)
  kompeten demo                    load a demo course, a trainer and a learner
  kompeten migrate                 move the city from SQLite and local disk to MongoDB,
                                   S3/MinIO and a new search index (see "kompeten migrate -h")
  kompeten healthcheck             exit 0 when the local server answers /readyz
  kompeten version

Every flag also has a KOMPETEN_* variable; see "kompeten serve -h".
`

// run is main without the process: it returns the exit status. Status 2
// means bad usage or configuration.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stdout, stderr, getenv)
	case "user":
		switch {
		case len(args) > 0 && args[0] == "add":
			err = userAdd(args[1:], stdin, stdout, stderr, getenv)
		case len(args) > 0 && args[0] == "import":
			err = userImport(args[1:], stdout, stderr, getenv)
		default:
			fmt.Fprint(stderr, usage)
			return 2
		}
	case "version":
		fmt.Fprintln(stdout, "kompeten", version())
		return 0
	case "reindex":
		err = reindex(args, stdout, stderr, getenv)
	case "demo":
		err = demo(args, stdout, stderr, getenv)
	case "migrate":
		err = runMigrate(args, stdout, stderr, getenv)
	case "healthcheck":
		err = healthcheck(args, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kompeten: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return exitStatus(err, stderr)
}

func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ce *app.ConfigError
	var ve *content.ValidationError
	var ue usageError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "kompeten: configuration: %v\n", err)
		return 2
	case errors.As(err, &ve):
		fmt.Fprintf(stderr, "kompeten: %s\n", app.DescribeError("en", err))
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kompeten: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "kompeten: %v\n", err)
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

func newLogger(cfg app.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	start := time.Now()
	fs := flag.NewFlagSet("kompeten serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if w := cfg.BaseURLWarning(); w != "" {
		log.Warn(w, "url", cfg.BaseURL)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	stores, err := app.OpenStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := stores.Close(); err != nil {
			log.Error("close stores", "err", err)
		}
		log.Info("stopped")
	}()
	a, err := app.New(ctx, cfg, stores, log)
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		go func() {
			// net/http/pprof registers on the default mux.
			log.Info("profiler", "addr", cfg.DebugAddr)
			if err := http.ListenAndServe(cfg.DebugAddr, nil); err != nil {
				log.Error("profiler", "err", err)
			}
		}()
	}
	if ok, err := a.Service().HasAdmin(ctx); err != nil {
		return err
	} else if !ok {
		fmt.Fprintf(stdout, `
Belum ada admin. Buat akun admin pertama dengan:

  echo 'KATA-SANDI-ANDA' | go run ./cmd/kompeten user add --nip 198501012010011001 --name "Nama Admin" --role admin --password-stdin

(No admin yet: create the first one with the command above, using your own NIP and a password of at least %d characters.)

`, content.MinPasswordLen)
	}
	return a.Serve(ctx, func(addr net.Addr) {
		log.Info("ready", "addr", addr.String(), "url", cfg.BaseURL, "startup_ms", time.Since(start).Milliseconds(),
			"docs", strings.SplitN(cfg.Docs, ":", 2)[0], "blobs", strings.SplitN(cfg.Blobs, ":", 2)[0],
			"search", strings.SplitN(cfg.Search, ":", 2)[0])
	})
}

func userAdd(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kompeten user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in content.NewUser
	var roles string
	var fromStdin bool
	fs.StringVar(&in.NIP, "nip", "", "NIP, 18 digits")
	fs.StringVar(&in.Name, "name", "", "full name")
	fs.StringVar(&roles, "role", content.RoleLearner, "learner, trainer or admin (comma-separated for several)")
	fs.StringVar(&in.Unit, "unit", "", "unit kerja (OPD)")
	fs.StringVar(&in.Position, "position", "", "jabatan")
	fs.StringVar(&in.Email, "email", "", "email address")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if !fromStdin {
		return usageError{"--password-stdin is required: the password is read from standard input, never from the command line"}
	}
	pw, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}
	in.Password = strings.TrimRight(string(pw), "\r\n")
	in.Roles = strings.Split(roles, ",")
	ctx := context.Background()
	svc, closeDocs, err := docsService(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDocs()
	u, err := svc.CreateUser(ctx, in)
	if errors.Is(err, content.ErrDuplicate) {
		return usageError{fmt.Sprintf("a user with NIP %s already exists", in.NIP)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Pengguna dibuat: %s (%s), peran: %s\n", u.Name, u.NIP, strings.Join(u.Roles, ", "))
	return nil
}

// healthcheck asks the local server's /readyz, for container healthchecks
// on an image without curl.
func healthcheck(args []string, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kompeten healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.Addr)
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get("http://127.0.0.1:" + port + "/readyz")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s", res.Status)
	}
	return nil
}

// docsService opens the document store alone, for the commands that
// change accounts: the server may be running on the same stores.
func docsService(ctx context.Context, cfg app.Config) (*content.Service, func(), error) {
	store, err := app.OpenDocs(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	svc, err := content.New(store, nil, content.Options{})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return svc, func() { store.Close() }, nil
}
