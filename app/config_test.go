package app

import (
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func parse(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return ParseConfig(fs, args, func(k string) string { return env[k] })
}

func TestConfigDefaults(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: ":8080", Data: "./data", Docs: "sqlite://./data/kompeten.db", Blobs: "file://./data/objects",
		Search: "bleve://./data/search", BaseURL: defaultBaseURL(":8080", net.InterfaceAddrs)}
	if c.Addr != want.Addr || c.Data != want.Data || c.Docs != want.Docs || c.Blobs != want.Blobs || c.Search != want.Search || c.BaseURL != want.BaseURL {
		t.Errorf("defaults = %+v", c)
	}
	if c.UploadMax != 4<<30 || c.MediaPresign || c.Secure() {
		t.Errorf("defaults: upload max %d, presign %v, secure %v", c.UploadMax, c.MediaPresign, c.Secure())
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "docs-url")
	if err := os.WriteFile(secret, []byte("mongodb://user:pw@db:27017/kompeten\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"KOMPETEN_DATA": "/srv/kompeten", "KOMPETEN_ADDR": ":9000", "KOMPETEN_DOCS_FILE": secret,
		"KOMPETEN_UPLOAD_MAX": "500MiB", "KOMPETEN_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
	}
	c, err := parse(t, []string{"-addr", "127.0.0.1:7000"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" {
		t.Errorf("flag did not win over variable: %q", c.Addr)
	}
	if c.Docs != "mongodb://user:pw@db:27017/kompeten" {
		t.Errorf("KOMPETEN_DOCS_FILE not read: %q", c.Docs)
	}
	if c.Blobs != "file:///srv/kompeten/objects" || c.Search != "bleve:///srv/kompeten/search" {
		t.Errorf("$DATA not expanded: %q %q", c.Blobs, c.Search)
	}
	if c.UploadMax != 500<<20 || len(c.TrustedProxies) != 2 {
		t.Errorf("upload max %d, proxies %v", c.UploadMax, c.TrustedProxies)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	cases := []struct {
		env     map[string]string
		setting string
	}{
		{map[string]string{"KOMPETEN_BLOBS": "s3://key:secret@minio:9000"}, "KOMPETEN_BLOBS"},
		{map[string]string{"KOMPETEN_BLOBS": "s3://minio:9000/bucket"}, "KOMPETEN_BLOBS"},
		{map[string]string{"KOMPETEN_BLOBS": "ftp://x"}, "KOMPETEN_BLOBS"},
		{map[string]string{"KOMPETEN_DOCS": "postgres://x"}, "KOMPETEN_DOCS"},
		{map[string]string{"KOMPETEN_SEARCH": "elastic://x"}, "KOMPETEN_SEARCH"},
		{map[string]string{"KOMPETEN_ADDR": "8080"}, "KOMPETEN_ADDR"},
		{map[string]string{"KOMPETEN_BASE_URL": "kompeten.local"}, "KOMPETEN_BASE_URL"},
		{map[string]string{"KOMPETEN_UPLOAD_MAX": "banyak"}, "KOMPETEN_UPLOAD_MAX"},
		{map[string]string{"KOMPETEN_TRUSTED_PROXIES": "proxy.local"}, "KOMPETEN_TRUSTED_PROXIES"},
		{map[string]string{"KOMPETEN_LOG_FORMAT": "xml"}, "KOMPETEN_LOG_FORMAT"},
		{map[string]string{"KOMPETEN_SEARCH_FILE": "/does/not/exist"}, "KOMPETEN_SEARCH_FILE"},
		{map[string]string{"KOMPETEN_SMTP": "mail.kota.go.id:587", "KOMPETEN_MAIL_FROM": "a@kota.go.id"}, "KOMPETEN_SMTP"},
		{map[string]string{"KOMPETEN_SMTP": "smtp://mail.kota.go.id:99999", "KOMPETEN_MAIL_FROM": "a@kota.go.id"}, "KOMPETEN_SMTP"},
		{map[string]string{"KOMPETEN_SMTP": "smtp://mail.kota.go.id:587"}, "KOMPETEN_MAIL_FROM"},
		{map[string]string{"KOMPETEN_SMTP": "smtp://mail.kota.go.id:587", "KOMPETEN_MAIL_FROM": "noreply"}, "KOMPETEN_MAIL_FROM"},
		{map[string]string{"KOMPETEN_MAIL_FROM": "a@kota.go.id"}, "KOMPETEN_SMTP"},
		{map[string]string{"KOMPETEN_REMINDER_INTERVAL": "10ms"}, "KOMPETEN_REMINDER_INTERVAL"},
		{map[string]string{"KOMPETEN_REMINDER_INTERVAL": "sejam"}, "KOMPETEN_REMINDER_INTERVAL"},
	}
	for _, c := range cases {
		_, err := parse(t, nil, c.env)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Setting != c.setting {
			t.Errorf("%v: error %v, want a ConfigError naming %s", c.env, err, c.setting)
		}
	}
}

func TestParseStoreURLs(t *testing.T) {
	b, err := ParseBlobsURL("s3://AK:S%2Fk@minio:9000/kompeten?secure=false&region=id-1")
	if err != nil {
		t.Fatal(err)
	}
	if b != (BlobsTarget{Kind: "s3", Endpoint: "minio:9000", Access: "AK", Secret: "S/k", Bucket: "kompeten", Region: "id-1"}) {
		t.Errorf("s3 target %+v", b)
	}
	s, err := ParseSearchURL("meilisearch://meili:7700?key=master&search_key=cari")
	if err != nil {
		t.Fatal(err)
	}
	if s != (SearchTarget{Kind: "meili", URL: "http://meili:7700", Key: "master", SearchKey: "cari"}) {
		t.Errorf("meili target %+v", s)
	}
}

func TestMediaOrigin(t *testing.T) {
	for _, c := range []struct {
		blobs   string
		presign bool
		want    string
	}{
		{"s3://k:s@minio.kotalama.go.id/kompeten", true, "https://minio.kotalama.go.id"},
		{"s3://k:s@127.0.0.1:9000/kompeten?secure=false", true, "http://127.0.0.1:9000"},
		{"s3://k:s@127.0.0.1:9000/kompeten?secure=false", false, ""},
		{"file://./data/objects", true, ""},
	} {
		if got := (Config{Blobs: c.blobs, MediaPresign: c.presign}).MediaOrigin(); got != c.want {
			t.Errorf("MediaOrigin(%s, presign %v) = %q, want %q", c.blobs, c.presign, got, c.want)
		}
	}
}

// TestDefaultBaseURL: with KOMPETEN_BASE_URL unset, certificates must not
// print localhost when others can reach the server.
func TestDefaultBaseURL(t *testing.T) {
	lan := func() ([]net.Addr, error) {
		return []net.Addr{
			&net.IPNet{IP: net.ParseIP("127.0.0.1"), Mask: net.CIDRMask(8, 32)},
			&net.IPNet{IP: net.ParseIP("fe80::1"), Mask: net.CIDRMask(64, 128)},
			&net.IPNet{IP: net.ParseIP("2001:db8::5"), Mask: net.CIDRMask(64, 128)},
			&net.IPNet{IP: net.ParseIP("10.20.30.40"), Mask: net.CIDRMask(24, 32)},
		}, nil
	}
	loopOnly := func() ([]net.Addr, error) {
		return []net.Addr{&net.IPNet{IP: net.ParseIP("127.0.0.1"), Mask: net.CIDRMask(8, 32)}}, nil
	}
	for _, c := range []struct {
		addr  string
		addrs func() ([]net.Addr, error)
		want  string
	}{
		{":8080", lan, "http://10.20.30.40:8080"},
		{"0.0.0.0:9000", lan, "http://10.20.30.40:9000"},
		{"127.0.0.1:8080", lan, "http://localhost:8080"},
		{"192.168.1.5:8080", lan, "http://192.168.1.5:8080"},
		{"elearning.local:80", lan, "http://elearning.local"},
		{":8080", loopOnly, "http://localhost:8080"},
	} {
		if got := defaultBaseURL(c.addr, c.addrs); got != c.want {
			t.Errorf("defaultBaseURL(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
	for url, warn := range map[string]bool{
		"http://10.0.0.5:8080":               true,
		"https://localhost":                  true,
		"https://192.168.1.10":               true,
		"https://kompeten.kotalama.go.id":    false,
		"http://kompeten.kotalama.go.id":     true,
		"https://kompeten.kotalama.go.id:84": false,
	} {
		if got := (Config{BaseURL: url}).BaseURLWarning() != ""; got != warn {
			t.Errorf("BaseURLWarning(%s) = %v, want %v", url, got, warn)
		}
	}
	c, err := parse(t, nil, map[string]string{"KOMPETEN_ADDR": "127.0.0.1:7000"})
	if err != nil || c.BaseURL != "http://localhost:7000" {
		t.Errorf("loopback listen: %q %v", c.BaseURL, err)
	}
}
