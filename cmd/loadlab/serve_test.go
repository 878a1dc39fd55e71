package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/target/refapi/model"
)

func execCLI(ctx context.Context, args ...string) (string, error) {
	root := newRootCmd("test")
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// train → serve --model (via LOADLAB_MODEL) → healthcheck → stop.
func TestTrainServeHealthcheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.json")
	out, err := execCLI(context.Background(), "train", "--out", path, "--seed", "7")
	if err != nil || !strings.Contains(out, "held-out accuracy") {
		t.Fatalf("train: %v\n%s", err, out)
	}
	trained, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	emb, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if trained.Version() == emb.Version() {
		t.Fatal("seed 7 gave the embedded model's version")
	}

	t.Setenv(modelEnv, path)
	addr := testsrv.FreeAddr(t)
	health := "http://" + addr + "/health"
	if _, err := execCLI(context.Background(), "healthcheck", "--url", health, "--timeout", "1s"); !isExitCode(err, 1) {
		t.Fatalf("healthcheck with no server: %v, want exit 1", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		_, err := execCLI(ctx, "serve", "--addr", addr, "--leads", "100", "--log-level", "warn")
		served <- err
	}()
	testsrv.WaitUntil(t, 10*time.Second, "healthy", func() (err error) {
		out, err = execCLI(context.Background(), "healthcheck", "--url", health, "--timeout", "1s")
		return err
	})
	if !strings.Contains(out, trained.Version()) {
		t.Fatalf("healthcheck printed %q, want the served version %s", out, trained.Version())
	}
	resp, err := http.Get("http://" + addr + "/model")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Version string `json:"version"`
		Source  string `json:"source"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || info.Version != trained.Version() || info.Source != path {
		t.Fatalf("/model: %+v (%v), want version %s from %s", info, err, trained.Version(), path)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	testsrv.WaitStopped(t, served, 10*time.Second, "serve")
}

func TestServeRejectsBadInput(t *testing.T) {
	if _, err := execCLI(context.Background(), "serve", "--log-level", "loud"); !isUsage(err) {
		t.Fatalf("bad --log-level: %v, want a usage error", err)
	}
	if _, err := execCLI(context.Background(), "serve", "--addr", ""); !isUsage(err) {
		t.Fatalf("empty --addr: %v, want a usage error", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	_, err := execCLI(context.Background(), "serve", "--addr", testsrv.FreeAddr(t), "--model", missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing model: %v, want an error naming %s", err, missing)
	}
	if _, err := execCLI(context.Background(), "healthcheck", "--timeout", "0s"); !isUsage(err) {
		t.Fatalf("--timeout 0: %v, want a usage error", err)
	}
}

func isExitCode(err error, code int) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.Code == code
}
