package app

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/mail"
)

// Config is every setting of the server. Each has a flag and a KOMPETEN_*
// variable; the defaults give the embedded platform under ./data.
type Config struct {
	Addr           string
	Data           string
	Docs           string
	Blobs          string
	Search         string
	BaseURL        string
	LogFormat      string
	LogLevel       string
	TrustedProxies []string
	// UploadMax is the largest accepted upload in bytes.
	UploadMax int64
	// MediaPresign redirects media reads to short-lived presigned URLs
	// when the object store supports them, instead of proxying the bytes.
	MediaPresign    bool
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	// ReminderInterval is the period of the reminder pass (assignments
	// due in 7 days, 1 day, overdue), run once per period across the fleet.
	ReminderInterval time.Duration
	// DebugAddr, when set, serves Go's profiler (/debug/pprof) there. Keep
	// it on loopback: it shows the program's internals.
	DebugAddr string
	// ReadingWPM is the fastest reading credited, words per minute: a text
	// lesson cannot be marked done sooner than its words take at it.
	ReadingWPM int
	// SMTP is where email goes (smtp:// or smtps://); empty keeps
	// notifications in the app. MailFrom is the sender address.
	SMTP     string
	MailFrom string
	// MentoringMinutesPerJP is how many confirmed minutes of mentoring
	// make one JP; a mentorship keeps the rate it was paired with.
	MentoringMinutesPerJP int
	// L3Weeks is how many weeks after a completion the learner's atasan
	// is asked to rate the training's effect on the work (level 3).
	L3Weeks int
}

// option is one setting: its flag, its variable, its default and how it
// lands in Config. Secret options may also be read from VAR_FILE.
type option struct {
	flag, env, def, usage string
	secret                bool
	set                   func(c *Config, v string) error
}

func options() []option {
	str := func(dst func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *dst(c) = v; return nil }
	}
	return []option{
		{"addr", "KOMPETEN_ADDR", ":8080", "address to listen on", false, str(func(c *Config) *string { return &c.Addr })},
		{"data", "KOMPETEN_DATA", "./data", "directory of the embedded stores", false, str(func(c *Config) *string { return &c.Data })},
		{"docs", "KOMPETEN_DOCS", "sqlite://$DATA/kompeten.db", "document store: sqlite://PATH or mongodb://HOST/DB", true, str(func(c *Config) *string { return &c.Docs })},
		{"blobs", "KOMPETEN_BLOBS", "file://$DATA/objects", "object store: file://PATH or s3://KEY:SECRET@HOST:PORT/BUCKET?secure=false", true, str(func(c *Config) *string { return &c.Blobs })},
		{"search", "KOMPETEN_SEARCH", "bleve://$DATA/search", "search index: bleve://PATH or meilisearch://HOST:PORT?key=KEY", true, str(func(c *Config) *string { return &c.Search })},
		{"base-url", "KOMPETEN_BASE_URL", "", "public URL, used in certificates and links (default: derived from the listen address)", false, str(func(c *Config) *string { return &c.BaseURL })},
		{"log-format", "KOMPETEN_LOG_FORMAT", "text", "log format: text or json", false, str(func(c *Config) *string { return &c.LogFormat })},
		{"log-level", "KOMPETEN_LOG_LEVEL", "info", "log level: debug, info, warn, error", false, str(func(c *Config) *string { return &c.LogLevel })},
		{"trusted-proxies", "KOMPETEN_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed", false,
			func(c *Config, v string) error {
				c.TrustedProxies = nil
				for _, p := range strings.Split(v, ",") {
					if p = strings.TrimSpace(p); p != "" {
						c.TrustedProxies = append(c.TrustedProxies, p)
					}
				}
				return nil
			}},
		{"upload-max", "KOMPETEN_UPLOAD_MAX", "4GiB", "largest upload, e.g. 4GiB or 500MiB", false,
			func(c *Config, v string) (err error) { c.UploadMax, err = parseSize(v); return err }},
		{"media-presign", "KOMPETEN_MEDIA_PRESIGN", "false", "redirect media to presigned object-store URLs (s3 only)", false,
			func(c *Config, v string) (err error) { c.MediaPresign, err = strconv.ParseBool(v); return err }},
		{"request-timeout", "KOMPETEN_REQUEST_TIMEOUT", "30s", "deadline for store calls of one ordinary request", false,
			func(c *Config, v string) (err error) { c.RequestTimeout, err = time.ParseDuration(v); return err }},
		{"debug-addr", "KOMPETEN_DEBUG_ADDR", "", "serve /debug/pprof on this address (e.g. 127.0.0.1:6060); off when empty", false, str(func(c *Config) *string { return &c.DebugAddr })},
		{"shutdown-timeout", "KOMPETEN_SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests may finish on SIGTERM", false,
			func(c *Config, v string) (err error) { c.ShutdownTimeout, err = time.ParseDuration(v); return err }},
		{"reminder-interval", "KOMPETEN_REMINDER_INTERVAL", "1h", "how often the reminder pass looks for assignments coming due (once per period across instances)", false,
			func(c *Config, v string) (err error) { c.ReminderInterval, err = time.ParseDuration(v); return err }},
		{"reading-wpm", "KOMPETEN_READING_WPM", strconv.Itoa(content.DefaultReadingWPM), "fastest reading credited, in words per minute: a text lesson is done no sooner than its words take at this speed", false,
			func(c *Config, v string) (err error) { c.ReadingWPM, err = strconv.Atoi(v); return err }},
		{"smtp", "KOMPETEN_SMTP", "", "mail server for notifications: smtp://USER:PASS@HOST:587 (STARTTLS when offered) or smtps://USER:PASS@HOST:465; empty: in-app only", true, str(func(c *Config) *string { return &c.SMTP })},
		{"mail-from", "KOMPETEN_MAIL_FROM", "", "sender of notification email, e.g. \"Kompeten <noreply@kota.go.id>\"", false, str(func(c *Config) *string { return &c.MailFrom })},
		{"mentoring-minutes-per-jp", "KOMPETEN_MENTORING_MINUTES_PER_JP", strconv.Itoa(content.DefaultMinutesPerJP), "confirmed minutes of mentoring that make one JP (each mentorship keeps the rate it was paired with)", false,
			func(c *Config, v string) (err error) { c.MentoringMinutesPerJP, err = strconv.Atoi(v); return err }},
		{"l3-weeks", "KOMPETEN_L3_WEEKS", strconv.Itoa(content.DefaultL3Weeks), "weeks after a completion when the learner's atasan is asked to rate the training's effect on the work (evaluation level 3)", false,
			func(c *Config, v string) (err error) { c.L3Weeks, err = strconv.Atoi(v); return err }},
	}
}

// Settings lists every KOMPETEN_* variable the server reads, including the
// *_FILE variants of secrets.
func Settings() []string {
	var out []string
	for _, o := range options() {
		out = append(out, o.env)
		if o.secret {
			out = append(out, o.env+"_FILE")
		}
	}
	return out
}

// ConfigError is a bad setting; main exits with status 2 on it.
type ConfigError struct {
	Setting string // the variable, e.g. KOMPETEN_BLOBS
	Msg     string
}

func (e *ConfigError) Error() string { return e.Setting + ": " + e.Msg }

// ParseConfig reads settings from defaults, then the environment (getenv),
// then VAR_FILE for secrets, then flags in args, and validates them. fs may
// carry flags of a subcommand besides the settings.
func ParseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	opts := options()
	values := make([]*string, len(opts))
	for i, o := range opts {
		v := o.def
		if e := getenv(o.env); e != "" {
			v = e
		}
		if o.secret {
			if file := getenv(o.env + "_FILE"); file != "" {
				b, err := os.ReadFile(file)
				if err != nil {
					return Config{}, &ConfigError{o.env + "_FILE", err.Error()}
				}
				v = strings.TrimSpace(string(b))
			}
		}
		values[i] = fs.String(o.flag, v, o.usage+" ("+o.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var c Config
	for i, o := range opts {
		if err := o.set(&c, *values[i]); err != nil {
			return Config{}, &ConfigError{o.env, fmt.Sprintf("cannot read %q: %v", *values[i], err)}
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL(c.Addr, net.InterfaceAddrs)
	}
	// $DATA in store URLs means the data directory, whichever way it was set.
	for _, p := range []*string{&c.Docs, &c.Blobs, &c.Search} {
		*p = strings.ReplaceAll(*p, "$DATA", c.Data)
	}
	return c, c.Validate()
}

// Validate checks every setting and names the variable of the first bad one.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &ConfigError{"KOMPETEN_ADDR", "want host:port, e.g. :8080"}
	}
	if c.Data == "" {
		return &ConfigError{"KOMPETEN_DATA", "must not be empty"}
	}
	if _, err := ParseDocsURL(c.Docs); err != nil {
		return err
	}
	if _, err := ParseBlobsURL(c.Blobs); err != nil {
		return err
	}
	if _, err := ParseSearchURL(c.Search); err != nil {
		return err
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &ConfigError{"KOMPETEN_BASE_URL", "want an absolute http(s) URL, e.g. https://kompeten.kotalama.go.id"}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &ConfigError{"KOMPETEN_LOG_FORMAT", "want text or json"}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return &ConfigError{"KOMPETEN_LOG_LEVEL", "want debug, info, warn or error"}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return &ConfigError{"KOMPETEN_TRUSTED_PROXIES", fmt.Sprintf("%q is neither an IP address nor a CIDR", p)}
			}
		}
	}
	if c.UploadMax < 1<<20 {
		return &ConfigError{"KOMPETEN_UPLOAD_MAX", "must be at least 1MiB"}
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return &ConfigError{"KOMPETEN_DEBUG_ADDR", "want host:port, e.g. 127.0.0.1:6060"}
		}
	}
	if c.RequestTimeout <= 0 {
		return &ConfigError{"KOMPETEN_REQUEST_TIMEOUT", "must be positive"}
	}
	if c.ShutdownTimeout <= 0 {
		return &ConfigError{"KOMPETEN_SHUTDOWN_TIMEOUT", "must be positive"}
	}
	if c.ReminderInterval < time.Second || c.ReminderInterval > 24*time.Hour {
		return &ConfigError{"KOMPETEN_REMINDER_INTERVAL", "want a duration between 1s and 24h, e.g. 1h"}
	}
	if c.ReadingWPM < 50 || c.ReadingWPM > 2000 {
		return &ConfigError{"KOMPETEN_READING_WPM", "want words per minute between 50 and 2000, e.g. 400"}
	}
	if c.MentoringMinutesPerJP < 15 || c.MentoringMinutesPerJP > 240 {
		return &ConfigError{"KOMPETEN_MENTORING_MINUTES_PER_JP", "want minutes between 15 and 240, e.g. 45"}
	}
	if c.L3Weeks < 1 || c.L3Weeks > 104 {
		return &ConfigError{"KOMPETEN_L3_WEEKS", "want a number of weeks between 1 and 104, e.g. 8"}
	}
	return c.validateMail()
}

// validateMail checks the mail settings: a sender is needed once a
// server is named, and a sender without a server is a setting that would
// silently do nothing.
func (c Config) validateMail() error {
	if c.SMTP == "" {
		if c.MailFrom != "" {
			return &ConfigError{"KOMPETEN_SMTP", "KOMPETEN_MAIL_FROM is set but no mail server: set KOMPETEN_SMTP=smtp://USER:PASS@HOST:PORT too"}
		}
		return nil
	}
	if _, err := mail.ParseURL(c.SMTP); err != nil {
		return &ConfigError{"KOMPETEN_SMTP", err.Error()}
	}
	if c.MailFrom == "" {
		return &ConfigError{"KOMPETEN_MAIL_FROM", "needed with KOMPETEN_SMTP, e.g. \"Kompeten <noreply@kota.go.id>\""}
	}
	if _, err := mail.ParseFrom(c.MailFrom); err != nil {
		return &ConfigError{"KOMPETEN_MAIL_FROM", "not an email address, e.g. \"Kompeten <noreply@kota.go.id>\""}
	}
	return nil
}

// Secure reports whether the public URL is HTTPS, so cookies get Secure.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// MediaOrigin is the origin browsers are sent to for media when
// presigning is on ("" when they read it from us): pages must allow it.
func (c Config) MediaOrigin() string {
	if !c.MediaPresign {
		return ""
	}
	t, err := ParseBlobsURL(c.Blobs)
	if err != nil || t.Kind != "s3" {
		return ""
	}
	if t.Secure {
		return "https://" + t.Endpoint
	}
	return "http://" + t.Endpoint
}

func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("want a size like 4GiB")
	}
	return n * mult, nil
}

// DocsTarget is a parsed KOMPETEN_DOCS.
type DocsTarget struct {
	Kind string // "sqlite" or "mongo"
	Path string // sqlite file
	URI  string // mongodb URI
}

// ParseDocsURL reads sqlite://PATH or mongodb://…
func ParseDocsURL(s string) (DocsTarget, error) {
	switch {
	case strings.HasPrefix(s, "sqlite://"):
		p := strings.TrimPrefix(s, "sqlite://")
		if p == "" {
			return DocsTarget{}, &ConfigError{"KOMPETEN_DOCS", "sqlite:// needs a file path, e.g. sqlite://./data/kompeten.db"}
		}
		return DocsTarget{Kind: "sqlite", Path: filepath.Clean(p)}, nil
	case strings.HasPrefix(s, "mongodb://"), strings.HasPrefix(s, "mongodb+srv://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return DocsTarget{}, &ConfigError{"KOMPETEN_DOCS", "not a valid mongodb:// URL"}
		}
		return DocsTarget{Kind: "mongo", URI: s}, nil
	}
	return DocsTarget{}, &ConfigError{"KOMPETEN_DOCS", "want sqlite://PATH or mongodb://HOST:PORT/DB"}
}

// BlobsTarget is a parsed KOMPETEN_BLOBS.
type BlobsTarget struct {
	Kind                     string // "fs" or "s3"
	Path                     string
	Endpoint, Access, Secret string
	Bucket, Region           string
	Secure                   bool
}

// ParseBlobsURL reads file://PATH or s3://KEY:SECRET@HOST:PORT/BUCKET?secure=false&region=R.
func ParseBlobsURL(s string) (BlobsTarget, error) {
	switch {
	case strings.HasPrefix(s, "file://"):
		p := strings.TrimPrefix(s, "file://")
		if p == "" {
			return BlobsTarget{}, &ConfigError{"KOMPETEN_BLOBS", "file:// needs a directory, e.g. file://./data/objects"}
		}
		return BlobsTarget{Kind: "fs", Path: filepath.Clean(p)}, nil
	case strings.HasPrefix(s, "s3://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return BlobsTarget{}, &ConfigError{"KOMPETEN_BLOBS", "not a valid s3:// URL; want s3://KEY:SECRET@HOST:PORT/BUCKET"}
		}
		t := BlobsTarget{Kind: "s3", Endpoint: u.Host, Bucket: strings.Trim(u.Path, "/"), Secure: true, Region: u.Query().Get("region")}
		if t.Bucket == "" || strings.Contains(t.Bucket, "/") {
			return BlobsTarget{}, &ConfigError{"KOMPETEN_BLOBS", "s3:// URL names no bucket; want s3://KEY:SECRET@HOST:PORT/BUCKET"}
		}
		if u.User == nil {
			return BlobsTarget{}, &ConfigError{"KOMPETEN_BLOBS", "s3:// URL has no credentials; want s3://KEY:SECRET@HOST:PORT/BUCKET"}
		}
		t.Access = u.User.Username()
		t.Secret, _ = u.User.Password()
		if v := u.Query().Get("secure"); v != "" {
			if t.Secure, err = strconv.ParseBool(v); err != nil {
				return BlobsTarget{}, &ConfigError{"KOMPETEN_BLOBS", "secure= wants true or false"}
			}
		}
		return t, nil
	}
	return BlobsTarget{}, &ConfigError{"KOMPETEN_BLOBS", "want file://PATH or s3://KEY:SECRET@HOST:PORT/BUCKET"}
}

// SearchTarget is a parsed KOMPETEN_SEARCH.
type SearchTarget struct {
	Kind           string // "bleve" or "meili"
	Path           string
	URL            string
	Key, SearchKey string
}

// ParseSearchURL reads bleve://PATH or meilisearch://HOST:PORT?key=K&search_key=S&secure=true.
func ParseSearchURL(s string) (SearchTarget, error) {
	switch {
	case strings.HasPrefix(s, "bleve://"):
		p := strings.TrimPrefix(s, "bleve://")
		if p == "" {
			return SearchTarget{}, &ConfigError{"KOMPETEN_SEARCH", "bleve:// needs a directory, e.g. bleve://./data/search"}
		}
		return SearchTarget{Kind: "bleve", Path: filepath.Clean(p)}, nil
	case strings.HasPrefix(s, "meilisearch://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return SearchTarget{}, &ConfigError{"KOMPETEN_SEARCH", "not a valid meilisearch:// URL; want meilisearch://HOST:PORT?key=KEY"}
		}
		scheme := "http"
		if v := u.Query().Get("secure"); v != "" {
			sec, err := strconv.ParseBool(v)
			if err != nil {
				return SearchTarget{}, &ConfigError{"KOMPETEN_SEARCH", "secure= wants true or false"}
			}
			if sec {
				scheme = "https"
			}
		}
		return SearchTarget{Kind: "meili", URL: scheme + "://" + u.Host, Key: u.Query().Get("key"), SearchKey: u.Query().Get("search_key")}, nil
	}
	return SearchTarget{}, &ConfigError{"KOMPETEN_SEARCH", "want bleve://PATH or meilisearch://HOST:PORT?key=KEY"}
}

// defaultBaseURL is the URL people on the network can reach the server at
// when KOMPETEN_BASE_URL is unset: the listen host when one is named, the
// machine's first non-loopback address when listening on every interface,
// localhost only when nothing else is reachable. Certificates print this
// URL, and "localhost" on a printed certificate leads nowhere.
func defaultBaseURL(addr string, addrs func() ([]net.Addr, error)) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		host = "localhost"
		if list, err := addrs(); err == nil {
			host = firstReachable(list, host)
		}
	case ip != nil && ip.IsLoopback():
		host = "localhost"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
	if port == "80" {
		u.Host = host
		if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			u.Host = "[" + host + "]"
		}
	}
	return u.String()
}

// firstReachable picks an interface address: IPv4 before IPv6, never
// loopback or link-local (neither reaches other machines).
func firstReachable(list []net.Addr, fallback string) string {
	var v6 string
	for _, a := range list {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() || n.IP.IsUnspecified() {
			continue
		}
		if n.IP.To4() != nil {
			return n.IP.String()
		}
		if v6 == "" {
			v6 = n.IP.String()
		}
	}
	if v6 != "" {
		return v6
	}
	return fallback
}

// BaseURLWarning says why the public URL will not work for people outside
// this network, or "" when it is a public HTTPS URL. Certificates carry
// it in their QR code, so a bad one is worth a line in the log at start.
func (c Config) BaseURLWarning() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return "KOMPETEN_BASE_URL cannot be parsed"
	}
	if u.Scheme != "https" {
		return "KOMPETEN_BASE_URL is not https: set it to the public address, certificates print it in their QR code"
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()) || h == "localhost" || !strings.Contains(h, ".") {
		return "KOMPETEN_BASE_URL is not a public address: certificates print it in their QR code"
	}
	return ""
}
