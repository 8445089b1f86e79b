package app

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/kotalama/kompeten/search/meili"
)

// composeSecrets stand for the operator's .env.
var composeSecrets = []string{
	"MINIO_ROOT_PASSWORD=root-secret-0123",
	"MINIO_APP_PASSWORD=app-secret-4567",
	"MEILI_MASTER_KEY=master-key-0123456789abcdef",
}

func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../compose.yaml"}, cli.WithName("kompeten"), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func envOf(s types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// TestComposeFile loads compose.yaml as Docker Compose would and checks,
// without Docker (which cannot run here), that it is an install that
// scales: app replicas without a host port behind a proxy that publishes
// one, trusted proxies limited to the proxy's network, the app on a MinIO
// user and Meilisearch keys of its own and never the root ones, a Mongo
// healthcheck that waits for a primary, and pinned images.
func TestComposeFile(t *testing.T) {
	if _, err := loadCompose(t, nil); err == nil || !strings.Contains(err.Error(), "MINIO_") {
		t.Errorf("compose.yaml loads without its secrets set (err %v); it must refuse to run on defaults", err)
	}
	p, err := loadCompose(t, composeSecrets)
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	for _, name := range []string{"proxy", "app", "mongo", "minio", "minio-init", "meili", "meili-init"} {
		if _, ok := p.Services[name]; !ok {
			t.Fatalf("compose.yaml has no %s service", name)
		}
	}
	app := p.Services["app"]
	env := envOf(app)
	if app.Build == nil {
		t.Error("the app is not built from the Dockerfile")
	}
	for _, dep := range []string{"mongo", "minio", "meili"} {
		if d, ok := app.DependsOn[dep]; !ok || d.Condition != "service_healthy" {
			t.Errorf("app does not wait for a healthy %s", dep)
		}
		if p.Services[dep].HealthCheck == nil {
			t.Errorf("%s has no healthcheck", dep)
		}
	}
	for _, dep := range []string{"minio-init", "meili-init"} {
		if d, ok := app.DependsOn[dep]; !ok || d.Condition != "service_completed_successfully" {
			t.Errorf("app does not wait for %s to finish", dep)
		}
	}

	t.Run("scales", func(t *testing.T) {
		if len(app.Ports) != 0 {
			t.Errorf("app publishes %v: a fixed host port allows one replica", app.Ports)
		}
		if app.ContainerName != "" {
			t.Errorf("app has container_name %q, which forbids --scale", app.ContainerName)
		}
		if app.Deploy == nil || app.Deploy.Replicas == nil || *app.Deploy.Replicas < 2 {
			t.Errorf("app runs one replica by default; want deploy.replicas >= 2")
		}
		proxy := p.Services["proxy"]
		published := false
		for _, port := range proxy.Ports {
			if port.Target == 80 && port.Published != "" {
				published = true
			}
		}
		if !published {
			t.Errorf("proxy publishes no HTTP port: %v", proxy.Ports)
		}
		if d, ok := proxy.DependsOn["app"]; !ok || d.Condition != "service_healthy" {
			t.Error("proxy does not wait for a healthy app")
		}
		if !strings.Contains(proxy.Image, "caddy") {
			t.Fatalf("proxy image %q: this test reads a Caddyfile", proxy.Image)
		}
		caddyfile := mountedFile(t, proxy, "/etc/caddy/Caddyfile")
		for _, want := range []string{"reverse_proxy", "dynamic a", "name app", "port 8080", "lb_policy round_robin", "fail_duration", "lb_try_duration"} {
			if !strings.Contains(caddyfile, want) {
				t.Errorf("Caddyfile lacks %q: the proxy must spread requests over every replica", want)
			}
		}
	})

	t.Run("trusted proxies", func(t *testing.T) {
		tp := env["KOMPETEN_TRUSTED_PROXIES"]
		_, trusted, err := net.ParseCIDR(tp)
		if err != nil {
			t.Fatalf("KOMPETEN_TRUSTED_PROXIES = %q, want the proxy network's subnet: %v", tp, err)
		}
		shared := ""
		for n := range p.Services["proxy"].Networks {
			if _, ok := app.Networks[n]; ok {
				shared = n
			}
		}
		if shared == "" {
			t.Fatal("proxy and app share no network")
		}
		if len(p.Services["proxy"].Networks) != 1 {
			t.Errorf("proxy is on %d networks; on the front one only, it cannot be bypassed from the stores' side", len(p.Services["proxy"].Networks))
		}
		var subnets []string
		for _, c := range p.Networks[shared].Ipam.Config {
			subnets = append(subnets, c.Subnet)
		}
		if len(subnets) != 1 || subnets[0] != trusted.String() {
			t.Errorf("network %s has subnets %v, trusted proxies %s: they must be the same", shared, subnets, tp)
		}
		for name, s := range p.Services {
			if _, ok := s.Networks[shared]; ok && name != "proxy" && name != "app" {
				t.Errorf("%s is on the trusted network %s and could forge X-Forwarded-For", name, shared)
			}
		}
	})

	t.Run("minio user", func(t *testing.T) {
		bt, err := ParseBlobsURL(env["KOMPETEN_BLOBS"])
		if err != nil {
			t.Fatal(err)
		}
		minio, init := envOf(p.Services["minio"]), envOf(p.Services["minio-init"])
		if bt.Access == minio["MINIO_ROOT_USER"] || bt.Secret == minio["MINIO_ROOT_PASSWORD"] {
			t.Errorf("the app uses MinIO's root credentials (%s)", bt.Access)
		}
		if bt.Access != init["MINIO_APP_USER"] || bt.Secret != init["MINIO_APP_PASSWORD"] || bt.Bucket != init["MINIO_BUCKET"] {
			t.Errorf("the app's MinIO user %s/bucket %s is not the one minio-init makes (%s/%s)", bt.Access, bt.Bucket, init["MINIO_APP_USER"], init["MINIO_BUCKET"])
		}
		if init["MINIO_ROOT_PASSWORD"] != minio["MINIO_ROOT_PASSWORD"] {
			t.Error("minio-init does not have the root password it needs")
		}
		if d, ok := p.Services["minio-init"].DependsOn["minio"]; !ok || d.Condition != "service_healthy" {
			t.Error("minio-init does not wait for a healthy minio")
		}
		script := mountedFile(t, p.Services["minio-init"], entrypointScript(t, p.Services["minio-init"]))
		for _, want := range []string{"mc mb --ignore-existing", "mc admin policy create local \"$policy\" /deploy/minio-app-policy.json",
			"mc admin user add local \"$MINIO_APP_USER\"", "mc admin policy attach local \"$policy\" --user \"$MINIO_APP_USER\""} {
			if !strings.Contains(script, want) {
				t.Errorf("minio-init script lacks %q", want)
			}
		}
		shellCheck(t, script)
		policy := mountedFile(t, p.Services["minio-init"], "/deploy/minio-app-policy.json")
		checkBucketPolicy(t, policy, bt.Bucket)
	})

	t.Run("meili keys", func(t *testing.T) {
		master := envOf(p.Services["meili"])["MEILI_MASTER_KEY"]
		if master == "" {
			t.Fatal("meili has no master key")
		}
		for k, v := range env {
			if strings.Contains(v, master) {
				t.Errorf("the app gets the Meilisearch master key in %s", k)
			}
		}
		if _, ok := env["KOMPETEN_SEARCH"]; ok {
			t.Error("KOMPETEN_SEARCH is set in compose.yaml; the app's keys come from meili-init's file")
		}
		file := env["KOMPETEN_SEARCH_FILE"]
		init := p.Services["meili-init"]
		ienv := envOf(init)
		if ienv["OUT"] != file {
			t.Errorf("meili-init writes %q, the app reads %q", ienv["OUT"], file)
		}
		if vol := volumeAt(app, path.Dir(file)); vol == nil || !vol.ReadOnly || volumeAt(init, path.Dir(file)) == nil ||
			volumeAt(init, path.Dir(file)).Source != vol.Source {
			t.Errorf("the app does not read %s from a volume meili-init writes", path.Dir(file))
		}
		if ienv["MEILI_MASTER_KEY"] != master {
			t.Error("meili-init does not have the master key it needs")
		}
		script := mountedFile(t, init, entrypointScript(t, init))
		shellCheck(t, script)
		runMeiliInit(t, script, master, env)
	})

	t.Run("mongo primary", func(t *testing.T) {
		mongo := p.Services["mongo"]
		check := strings.Join(mongo.HealthCheck.Test, " ")
		if !slices.Contains(mongo.Command, "--replSet") || !strings.Contains(check, "rs.initiate") {
			t.Error("mongo is not a one-member replica set initiated by its healthcheck")
		}
		if !strings.Contains(check, "db.hello().isWritablePrimary") || !strings.Contains(check, "quit(1)") {
			t.Errorf("mongo's healthcheck passes without a writable primary: %s", check)
		}
	})

	t.Run("pinned images", func(t *testing.T) {
		pinned := regexp.MustCompile(`:(v?\d+\.\d+\.\d+|RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z)(@sha256:[0-9a-f]{64})?$`)
		for name, s := range p.Services {
			if s.Image == "" {
				continue
			}
			if !pinned.MatchString(s.Image) {
				t.Errorf("%s: image %q is not pinned to a release", name, s.Image)
			}
		}
	})

	known := Settings()
	for k := range env {
		if strings.HasPrefix(k, "KOMPETEN_") && !slices.Contains(known, k) {
			t.Errorf("compose.yaml sets %s, which the app does not read", k)
		}
	}
	for setting, want := range map[string]string{"KOMPETEN_DOCS": "mongodb://", "KOMPETEN_BLOBS": "s3://"} {
		if !strings.HasPrefix(env[setting], want) {
			t.Errorf("%s = %q, want a %s URL", setting, env[setting], want)
		}
	}
}

// mountedFile reads the repository file a service mounts at target.
func mountedFile(t *testing.T, s types.ServiceConfig, target string) string {
	t.Helper()
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if v.Target == target || strings.HasPrefix(target, v.Target+"/") {
			if !v.ReadOnly {
				t.Errorf("%s mounts %s writable", s.Name, v.Target)
			}
			b, err := os.ReadFile(filepath.Join(v.Source, strings.TrimPrefix(target, v.Target)))
			if err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s mounts nothing at %s", s.Name, target)
	return ""
}

func volumeAt(s types.ServiceConfig, target string) *types.ServiceVolumeConfig {
	for i, v := range s.Volumes {
		if v.Target == target {
			return &s.Volumes[i]
		}
	}
	return nil
}

func entrypointScript(t *testing.T, s types.ServiceConfig) string {
	t.Helper()
	if len(s.Entrypoint) != 2 || s.Entrypoint[0] != "sh" {
		t.Fatalf("%s: entrypoint %v, want [sh /deploy/SCRIPT]", s.Name, s.Entrypoint)
	}
	return s.Entrypoint[1]
}

// shellCheck parses a script with sh -n, where there is a shell.
func shellCheck(t *testing.T, script string) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Log("no sh here: the init scripts are not parsed")
		return
	}
	cmd := exec.Command(sh, "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sh -n: %v: %s", err, out)
	}
}

// checkBucketPolicy: the app's MinIO policy allows what the s3 backend
// does (objects, multipart uploads, the bucket check) on its bucket and
// nothing else: no wildcard action, no admin action, no other resource.
func checkBucketPolicy(t *testing.T, doc, bucket string) {
	t.Helper()
	var policy struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatalf("policy: %v", err)
	}
	allowed := map[string]bool{}
	for _, st := range policy.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Action {
			if strings.Contains(a, "*") || !strings.HasPrefix(a, "s3:") {
				t.Errorf("policy allows %q", a)
			}
			allowed[a] = true
		}
		for _, r := range st.Resource {
			if r != "arn:aws:s3:::"+bucket && r != "arn:aws:s3:::"+bucket+"/*" {
				t.Errorf("policy reaches %q, beyond bucket %s", r, bucket)
			}
		}
	}
	for _, a := range []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
		"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetBucketLocation"} {
		if !allowed[a] {
			t.Errorf("policy does not allow %s, which the s3 backend uses", a)
		}
	}
	for a := range allowed {
		if strings.Contains(a, "Policy") || strings.Contains(a, "CreateBucket") || strings.Contains(a, "DeleteBucket") {
			t.Errorf("policy allows %s, which the app never needs", a)
		}
	}
}

// runMeiliInit runs meili-init's script against a stand-in for
// Meilisearch's keys API (no Meilisearch runs here), twice: the keys it
// asks for have only the rights the driver uses, on the app's indexes
// only; the file it writes gives the app those keys, which the app's
// configuration accepts.
func runMeiliInit(t *testing.T, script, master string, appEnv map[string]string) {
	t.Helper()
	sh, err1 := exec.LookPath("sh")
	_, err2 := exec.LookPath("curl")
	if err1 != nil || err2 != nil {
		t.Skip("no sh or curl here: meili-init's script is not run")
	}
	type keyReq struct {
		UID       string   `json:"uid"`
		Name      string   `json:"name"`
		Actions   []string `json:"actions"`
		Indexes   []string `json:"indexes"`
		ExpiresAt *string  `json:"expiresAt"`
	}
	var mu sync.Mutex
	made := map[string]keyReq{}
	value := func(uid string) string { return strings.Repeat(strings.ReplaceAll(uid, "-", "")[:8], 8) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+master {
			http.Error(w, `{"code":"invalid_api_key"}`, http.StatusForbidden)
			return
		}
		switch {
		case r.Method == "POST" && r.URL.Path == "/keys":
			body, _ := io.ReadAll(r.Body)
			var k keyReq
			if err := json.Unmarshal(body, &k); err != nil || k.UID == "" {
				http.Error(w, `{"code":"bad_request"}`, http.StatusBadRequest)
				return
			}
			if _, ok := made[k.UID]; ok {
				http.Error(w, `{"code":"api_key_already_exists"}`, http.StatusConflict)
				return
			}
			made[k.UID] = k
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]any{"uid": k.UID, "key": value(k.UID)})
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/keys/"):
			uid := strings.TrimPrefix(r.URL.Path, "/keys/")
			if _, ok := made[uid]; !ok {
				http.Error(w, `{"code":"api_key_not_found"}`, http.StatusNotFound)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"uid": uid, "key": value(uid), "name": made[uid].Name})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "search.url")
	for run := 1; run <= 2; run++ {
		cmd := exec.Command(sh, "-s")
		cmd.Stdin = strings.NewReader(script)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MEILI_MASTER_KEY=" + master, "MEILI_URL=" + srv.URL,
			"MEILI_HOSTPORT=meili:7700", "OUT=" + out}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("meili-init run %d: %v\n%s", run, err, b)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("key file: %v, mode %v: want readable by its owner only", err, fi.Mode())
	}

	// What search/meili does with each key: the writer opens, fills and
	// empties the index (Open: GET /version, GET/POST /indexes, PATCH
	// settings; Upsert and Delete: documents; every write: GET /tasks);
	// the search key only searches.
	want := map[string][]string{
		"kompeten-app-writer": {"documents.add", "documents.delete", "indexes.create", "indexes.get", "settings.update", "tasks.get", "version"},
		"kompeten-app-search": {"search"},
	}
	if len(made) != len(want) {
		t.Errorf("meili-init made %d keys, want %d: %v", len(made), len(want), made)
	}
	uid := meili.UID("")
	for _, k := range made {
		acts := slices.Sorted(slices.Values(k.Actions))
		if !slices.Equal(acts, want[k.Name]) {
			t.Errorf("key %s has actions %v, want %v", k.Name, acts, want[k.Name])
		}
		if len(k.Indexes) != 1 || !strings.HasSuffix(k.Indexes[0], "*") || !strings.HasPrefix(uid, strings.TrimSuffix(k.Indexes[0], "*")) ||
			k.Indexes[0] == "*" {
			t.Errorf("key %s reaches indexes %v; want only the app's (%s)", k.Name, k.Indexes, uid)
		}
		if k.ExpiresAt != nil {
			t.Errorf("key %s expires at %s: the app would stop indexing then", k.Name, *k.ExpiresAt)
		}
	}

	appEnv = maps.Clone(appEnv)
	appEnv["KOMPETEN_SEARCH_FILE"] = out
	cfg, err := ParseConfig(flag.NewFlagSet("compose", flag.ContinueOnError), nil, func(k string) string { return appEnv[k] })
	if err != nil {
		t.Fatalf("the app refuses compose.yaml's settings with meili-init's file: %v", err)
	}
	st, err := ParseSearchURL(cfg.Search)
	if err != nil {
		t.Fatal(err)
	}
	var writer, searcher string
	for u, k := range made {
		switch k.Name {
		case "kompeten-app-writer":
			writer = value(u)
		case "kompeten-app-search":
			searcher = value(u)
		}
	}
	if st.Kind != "meili" || st.URL != "http://meili:7700" || st.Key != writer || st.SearchKey != searcher || st.Key == master {
		t.Errorf("the app's search target %+v, want meili:7700 with the writer key %s and the search key %s", st, writer, searcher)
	}
	if bt, _ := ParseBlobsURL(cfg.Blobs); bt.Bucket != "kompeten" || bt.Endpoint != "minio:9000" {
		t.Errorf("blobs target %+v", bt)
	}
}
