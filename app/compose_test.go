package app

import (
	"context"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestComposeFile loads compose.yaml as Docker Compose would and checks that
// it runs the app against MongoDB, MinIO and Meilisearch with settings the
// app knows and accepts.
func TestComposeFile(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../compose.yaml"}, cli.WithName("kompeten"), cli.WithEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	for _, name := range []string{"app", "mongo", "minio", "meili"} {
		if _, ok := p.Services[name]; !ok {
			t.Fatalf("compose.yaml has no %s service", name)
		}
	}
	app := p.Services["app"]
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
	mongo := p.Services["mongo"]
	if !slices.Contains(mongo.Command, "--replSet") || !strings.Contains(strings.Join(mongo.HealthCheck.Test, " "), "rs.initiate") {
		t.Error("mongo is not a one-member replica set initiated by its healthcheck")
	}
	known := Settings()
	env := map[string]string{}
	for k, v := range app.Environment {
		if !strings.HasPrefix(k, "KOMPETEN_") {
			continue
		}
		if !slices.Contains(known, k) {
			t.Errorf("compose.yaml sets %s, which the app does not read", k)
		}
		if v != nil {
			env[k] = *v
		}
	}
	cfg, err := ParseConfig(flag.NewFlagSet("compose", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the app refuses compose.yaml's settings: %v", err)
	}
	for setting, want := range map[string]string{"KOMPETEN_DOCS": "mongodb://", "KOMPETEN_BLOBS": "s3://", "KOMPETEN_SEARCH": "meilisearch://"} {
		if !strings.HasPrefix(env[setting], want) {
			t.Errorf("%s = %q, want a %s URL", setting, env[setting], want)
		}
	}
	if bt, _ := ParseBlobsURL(cfg.Blobs); bt.Bucket != "kompeten" || bt.Endpoint != "minio:9000" {
		t.Errorf("blobs target %+v", bt)
	}
}
