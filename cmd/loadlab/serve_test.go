package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/loadlab/loadlab/target/refapi/server"
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

func TestServeDurationSettings(t *testing.T) {
	for _, tc := range []struct {
		drain     bool // the --drain setting, else --extra-cpu-per-request
		flag      string
		flagGiven bool
		env       string
		want      time.Duration
		err       string // a part of the usage error; "" for none
	}{
		{want: 0},
		{env: "300us", want: 300 * time.Microsecond},
		{flag: "600us", flagGiven: true, env: "300us", want: 600 * time.Microsecond},
		{flag: "0", flagGiven: true, env: "300us", want: 0},
		{flag: "0", flagGiven: true, env: "lots", want: 0}, // the flag wins, the variable is not read
		{flag: "300", flagGiven: true, err: "--extra-cpu-per-request: \"300\" is not a duration: give one such as 300us"},
		{flag: "-1ms", flagGiven: true, err: "--extra-cpu-per-request: -1ms is out of range: give 0 (off) to 1s"},
		{env: "2s", err: "environment variable LOADLAB_EXTRA_CPU_PER_REQUEST: 2s is out of range: give 0 (off) to 1s, such as 300us; fix or unset it"},
		{drain: true, want: 0},
		{drain: true, env: "3s", want: 3 * time.Second},
		{drain: true, flag: "1s", flagGiven: true, env: "3s", want: time.Second},
		{drain: true, flag: "45s", flagGiven: true, err: "--drain: 45s is out of range: give 0 (off) to 30s"},
		{drain: true, env: "soon", err: "environment variable LOADLAB_DRAIN: \"soon\" is not a duration: give one such as 3s"},
	} {
		flag, env, parse := extraCPUFlag, extraCPUEnv, server.ParseExtraCPU
		if tc.drain {
			flag, env, parse = drainFlag, drainEnv, server.ParseDrain
		}
		got, err := durationSetting(flag, tc.flag, tc.flagGiven, env, tc.env, parse)
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("--%s %q (given %v), %s=%q: %v, %v; want %v", flag, tc.flag, tc.flagGiven, env, tc.env, got, err, tc.want)
		}
		if tc.err != "" && (!isUsage(err) || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("--%s %q (given %v), %s=%q: %v, %v; want a usage error containing %q", flag, tc.flag, tc.flagGiven, env, tc.env, got, err, tc.err)
		}
	}
}

// serve takes the extra CPU from the environment, lets the flag override
// it, says so in its start-up line, and refuses a bad value before listening.
func TestServeExtraCPUPerRequest(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want string // "" for no mention of extra CPU
	}{
		{"", nil, ""},
		{"1ms", nil, `"extra_cpu_per_request":"1ms"`},
		{"1ms", []string{"--extra-cpu-per-request", "300us"}, `"extra_cpu_per_request":"300µs"`},
	} {
		t.Setenv(extraCPUEnv, tc.env)
		addr := testsrv.FreeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			out string
			err error
		}
		served := make(chan result, 1)
		go func() {
			out, err := execCLI(ctx, append([]string{"serve", "--addr", addr, "--leads", "10"}, tc.args...)...)
			served <- result{out, err}
		}()
		testsrv.WaitUntil(t, 10*time.Second, "healthy", func() error {
			_, err := execCLI(context.Background(), "healthcheck", "--url", "http://"+addr+"/health", "--timeout", "1s")
			return err
		})
		cancel()
		var r result
		select {
		case r = <-served:
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
		mentioned := strings.Contains(r.out, "extra_cpu_per_request")
		if r.err != nil || !strings.Contains(r.out, `"msg":"listening"`) || !strings.Contains(r.out, tc.want) || mentioned != (tc.want != "") {
			t.Errorf("serve %v with %s=%q: %v, want a listening line with %q:\n%s", tc.args, extraCPUEnv, tc.env, r.err, tc.want, r.out)
		}
	}
	t.Setenv(extraCPUEnv, "")
	out, err := execCLI(context.Background(), "serve", "--addr", testsrv.FreeAddr(t), "--extra-cpu-per-request", "5s")
	if !isUsage(err) || !strings.Contains(err.Error(), "--extra-cpu-per-request: 5s is out of range") {
		t.Errorf("--extra-cpu-per-request 5s: %v, want a usage error naming the flag\n%s", err, out)
	}
}
