package image

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/target/refapi/model"
)

// requireDocker skips when no Docker daemon answers, except in CI
// (CI=true), where a missing daemon fails the test.
func requireDocker(t *testing.T) {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	if testing.Short() && !ci {
		t.Skip("-short: skipping the image build")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		apitest.RequireDocker(t, fmt.Errorf("docker info: %w: %s", err, bytes.TrimSpace(out)))
	}
}

// run executes a command and returns its trimmed stdout; it fails the test
// with the command's output on error.
func run(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String())
}

// cleanup runs a command at test end, logging (not failing on) errors.
func cleanup(t *testing.T, name string, args ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
			t.Logf("cleanup %s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
	})
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod := run(t, time.Minute, "", nil, "go", "env", "GOMOD")
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside the loadlab module")
	}
	return filepath.Dir(gomod)
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

type prediction struct {
	ConversionProbability float64 `json:"conversion_probability"`
	PredictedConversion   int     `json:"predicted_conversion"`
	Segment               string  `json:"segment"`
	ModelVersion          string  `json:"model_version"`
}

func TestMain(m *testing.M) {
	code := m.Run()
	apitest.Cleanup()
	os.Exit(code)
}

// TestImage builds the static binary and the scratch image, runs it with
// the port published on 127.0.0.1 only, and checks the API end to end.
// LOADLAB_TEST_BINARY may name a prebuilt static binary to use instead of
// building.
func TestImage(t *testing.T) {
	requireDocker(t)
	root := moduleRoot(t)
	ctxDir := t.TempDir()
	b, err := os.ReadFile(apitest.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "loadlab"), b, 0o755); err != nil {
		t.Fatal(err)
	}

	suffix := randomSuffix(t)
	tag := "loadlab/reference-api:test-" + suffix
	run(t, 5*time.Minute, root, nil, "docker", "build", "-q", "-t", tag, "-f", filepath.Join(root, "target", "refapi", "Dockerfile"), ctxDir)
	cleanup(t, "docker", "rmi", "-f", tag)

	name := "loadlab-image-test-" + suffix
	id := run(t, time.Minute, "", nil, "docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8000", tag)
	cleanup(t, "docker", "rm", "-f", id)

	if user := run(t, time.Minute, "", nil, "docker", "inspect", "-f", "{{.Config.User}}", id); user != "65534:65534" {
		t.Errorf("image user %q, want 65534:65534 (non-root)", user)
	}
	base := "http://" + publishedAddr(t, id)

	// /health turns 200 once the model is loaded.
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body, err := get(base + "/health")
		if err == nil && status == http.StatusOK {
			var h struct {
				Status       string `json:"status"`
				ModelLoaded  bool   `json:"model_loaded"`
				ModelVersion string `json:"model_version"`
			}
			if err := json.Unmarshal(body, &h); err != nil || h.Status != "ok" || !h.ModelLoaded {
				t.Fatalf("/health: %s (%v)", body, err)
			}
			break
		}
		if time.Now().After(deadline) {
			logs, _ := exec.Command("docker", "logs", id).CombinedOutput()
			t.Fatalf("/health never 200 (last: %d %s %v); logs:\n%s", status, body, err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}

	m, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	lead := model.Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: model.FormSubmit}
	status, body, err := post(base+"/predict", `{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`)
	if err != nil || status != http.StatusOK {
		t.Fatalf("/predict: %d %s %v", status, body, err)
	}
	var p prediction
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	want := m.Predict(lead)
	if p.ConversionProbability != want.Probability || p.Segment != want.Segment.String() || p.ModelVersion != m.Version() {
		t.Fatalf("/predict in the image: %+v, want probability %v, segment %s, version %s", p, want.Probability, want.Segment, m.Version())
	}
	status, body, err = post(base+"/predict", `{"age":12,"salary":75000,"web_visits":15,"last_action":"form_submit"}`)
	if err != nil || status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"loc":["body","age"]`) {
		t.Fatalf("/predict with a bad age: %d %s %v", status, body, err)
	}

	// The scratch image's healthcheck (the binary probing itself) passes.
	deadline = time.Now().Add(45 * time.Second)
	for {
		health := run(t, time.Minute, "", nil, "docker", "inspect", "-f", "{{.State.Health.Status}}", id)
		if health == "healthy" {
			break
		}
		if health == "unhealthy" || time.Now().After(deadline) {
			log := run(t, time.Minute, "", nil, "docker", "inspect", "-f", "{{json .State.Health.Log}}", id)
			t.Fatalf("container health %q; log %s", health, log)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// docker stop sends SIGTERM: the server drains and exits 0.
	run(t, time.Minute, "", nil, "docker", "stop", "-t", "20", id)
	if code := run(t, time.Minute, "", nil, "docker", "inspect", "-f", "{{.State.ExitCode}}", id); code != "0" {
		logs, _ := exec.Command("docker", "logs", id).CombinedOutput()
		t.Fatalf("exit code after SIGTERM %s, want 0; logs:\n%s", code, logs)
	}
	logs, err := exec.Command("docker", "logs", id).CombinedOutput() // the server logs to stderr
	if err != nil || !bytes.Contains(logs, []byte(`"msg":"model loaded"`)) {
		t.Fatalf("no JSON 'model loaded' log line (%v):\n%s", err, logs)
	}
}

// publishedAddr returns the 127.0.0.1 host address docker published for
// the container's port 8000.
func publishedAddr(t *testing.T, id string) string {
	t.Helper()
	out := run(t, time.Minute, "", nil, "docker", "port", id, "8000/tcp")
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "127.0.0.1:") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("port 8000 not published on 127.0.0.1: %q", out)
	return ""
}

var client = &http.Client{Timeout: 5 * time.Second}

func get(url string) (int, []byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func post(url, body string) (int, []byte, error) {
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
