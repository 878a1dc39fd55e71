// Package apitest holds what the tests of several packages share: the
// static loadlab binary that runtimes deploy and the CLI tests run, the
// rule that Docker tests skip without a daemon except in CI, and a log
// buffer safe to write from other goroutines.
package apitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Build compiles a static (CGO_ENABLED=0) loadlab binary into dir and
// returns its path: the same kind of file the reference image copies and
// the local runtime starts. LOADLAB_TEST_BINARY, when set, names a
// prebuilt static binary to use instead (e.g. the output of make build).
func Build(dir string) (string, error) {
	if p := os.Getenv("LOADLAB_TEST_BINARY"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("LOADLAB_TEST_BINARY: %w", err)
		}
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the loadlab module")
	}
	path := filepath.Join(dir, "loadlab")
	cmd := exec.Command("go", "build", "-trimpath", "-o", path, "./cmd/loadlab")
	cmd.Dir = filepath.Dir(gomod)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the reference API: go build ./cmd/loadlab: %w\n%s", err, b)
	}
	return path, nil
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// Binary builds the static binary once per test process (into a temporary
// folder that Cleanup removes) and returns its path; it fails t when the
// build fails.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "loadlab-test-bin-")
		if binErr == nil {
			binPath, binErr = Build(binDir)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// Cleanup removes the binary's folder; call it from TestMain after m.Run.
func Cleanup() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

// RequireDocker skips t when err (from connecting to the daemon) is not
// nil, except in CI (CI=true), where a missing daemon is a failure.
func RequireDocker(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Docker is required in CI: %v", err)
	}
	t.Skipf("no Docker daemon: %v", err)
}
