package experiments

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveCompose(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  api:
    build: ./api
    image: acme/scorer:1.2
    ports: ["127.0.0.1:9000:8080"]
    environment:
      MODEL: ${MODEL_NAME:-rf}
      WORKERS: "2"
  db:
    image: postgres:16
`
	path := filepath.Join(dir, "docker-compose.yaml")
	if err := os.WriteFile(path, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	e := Experiment{Target: Target{Compose: path, Service: "api", Env: map[string]string{"WORKERS": "4"}}}
	got, err := e.ResolveTarget(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tg := got.Target
	if tg.Build != filepath.Join(dir, "api") || tg.Image != "acme/scorer:1.2" || tg.Port != 8080 {
		t.Errorf("resolved target = %+v", tg)
	}
	if tg.Env["MODEL"] != "rf" || tg.Env["WORKERS"] != "4" {
		t.Errorf("env = %v (interpolated default, experiment wins)", tg.Env)
	}

	// A port the experiment sets wins over the service's.
	e.Target.Port = 9999
	if got, err := e.ResolveTarget(context.Background()); err != nil || got.Target.Port != 9999 {
		t.Errorf("explicit port: %d, %v; want 9999", got.Target.Port, err)
	}

	e.Target.Service = "web"
	_, err = e.ResolveTarget(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"web" is not defined (services: api, db)`) {
		t.Errorf("unknown service: %v", err)
	}
	e.Target.Compose = filepath.Join(dir, "nope.yaml")
	if _, err := e.ResolveTarget(context.Background()); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("missing compose file: %v", err)
	}
}
