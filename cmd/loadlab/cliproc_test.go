package main

// Helpers for tests that run the real loadlab binary as a subprocess:
// TestMain builds it once (static, so the docker runtime can copy it into
// the reference image), cliProc runs it and follows its stderr line by
// line, and the docker helpers check what a run left behind by its run ID.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	apitest.Cleanup()
	os.Exit(code)
}

// loadlabBinary builds the static loadlab binary once per test process
// (LOADLAB_TEST_BINARY names a prebuilt one instead).
func loadlabBinary(t *testing.T) string { return apitest.Binary(t) }

// cliProc is a running loadlab process.
type cliProc struct {
	t   *testing.T
	cmd *exec.Cmd

	mu       sync.Mutex
	lines    []string // stderr, line by line
	stdout   bytes.Buffer
	done     chan struct{}
	code     int
	exitedAt time.Time
}

// startCLI starts the binary with args; env entries are added to the
// test's environment. The process is killed at the end of the test if it
// is still running.
func startCLI(t *testing.T, env []string, args ...string) *cliProc {
	t.Helper()
	p := &cliProc{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(loadlabBinary(t), args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = &lockedWriter{mu: &p.mu, w: &p.stdout}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	go func() {
		<-scanned
		err := p.cmd.Wait()
		p.mu.Lock()
		p.exitedAt = time.Now()
		p.code = p.cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// stderr is everything written to stderr so far.
func (p *cliProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// stdoutText is everything written to stdout so far.
func (p *cliProc) stdoutText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// findLine returns the submatches of the first stderr line so far that
// matches re, or nil.
func (p *cliProc) findLine(re *regexp.Regexp) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		if m := re.FindStringSubmatch(l); m != nil {
			return m
		}
	}
	return nil
}

// waitLine waits for a stderr line matching re and returns its
// submatches; it fails the test after timeout or when the process exits
// without printing one.
func (p *cliProc) waitLine(re *regexp.Regexp, timeout time.Duration) []string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := p.findLine(re); m != nil {
			return m
		}
		select {
		case <-p.done:
			// One more look: the line may have come with the exit.
			if m := p.findLine(re); m != nil {
				return m
			}
			p.t.Fatalf("loadlab exited (code %d) without printing a line matching %q; stderr:\n%s", p.code, re, p.stderr())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no stderr line matching %q after %s; stderr:\n%s", re, timeout, p.stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signal sends sig to the process and returns when it was sent.
func (p *cliProc) signal(sig syscall.Signal) time.Time {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("send %v: %v", sig, err)
	}
	return time.Now()
}

// wait waits up to timeout for the process to exit and returns its exit
// code and when it exited.
func (p *cliProc) wait(timeout time.Duration) (int, time.Time) {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("loadlab did not exit within %s; stderr:\n%s", timeout, p.stderr())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code, p.exitedAt
}

// runCLI runs the binary to completion (at most timeout) and returns its
// exit code, stdout and stderr.
func runCLI(t *testing.T, env []string, timeout time.Duration, args ...string) (int, string, string) {
	t.Helper()
	p := startCLI(t, env, args...)
	code, _ := p.wait(timeout)
	return code, p.stdoutText(), p.stderr()
}

// Lines every `loadlab run` prints on stderr.
var (
	runIDLine   = regexp.MustCompile(`^loadlab: run (\S+): `)
	resultsLine = regexp.MustCompile(`^loadlab: results in (.+) \(each step`)
)

// stackTrace matches what a Go panic or runtime error prints.
var stackTrace = regexp.MustCompile(`(?m)^(panic: |goroutine \d+ \[|fatal error: )|\.go:\d+ \+0x`)

// writeFile writes a test input file and returns its path.
func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// requireDocker skips the test when no Docker daemon answers (fails in CI).
func requireDocker(t *testing.T) {
	t.Helper()
	if err := exec.Command("docker", "info").Run(); err != nil {
		apitest.RequireDocker(t, fmt.Errorf("docker info: %w", err))
	}
}

// dockerLeftovers lists the containers and networks labelled with run.
func dockerLeftovers(t *testing.T, run string) []string {
	t.Helper()
	label := "label=loadlab.run=" + run
	var out []string
	for _, args := range [][]string{
		{"ps", "-a", "--filter", label, "--format", "container {{.Names}}"},
		{"network", "ls", "--filter", label, "--format", "network {{.Name}}"},
	} {
		b, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// cleanDockerRun removes whatever run left (test cleanup after a failure).
func cleanDockerRun(run string) {
	label := "label=loadlab.run=" + run
	if ids, err := exec.Command("docker", "ps", "-aq", "--filter", label).Output(); err == nil && len(bytes.TrimSpace(ids)) > 0 {
		_ = exec.Command("docker", append([]string{"rm", "-f"}, strings.Fields(string(ids))...)...).Run()
	}
	if ids, err := exec.Command("docker", "network", "ls", "-q", "--filter", label).Output(); err == nil && len(bytes.TrimSpace(ids)) > 0 {
		_ = exec.Command("docker", append([]string{"network", "rm"}, strings.Fields(string(ids))...)...).Run()
	}
}

// assertNoDockerLeftovers fails when run left containers or networks.
func assertNoDockerLeftovers(t *testing.T, run string) {
	t.Helper()
	if left := dockerLeftovers(t, run); len(left) > 0 {
		t.Errorf("run %s left behind: %v", run, left)
		cleanDockerRun(run)
	}
}

// predictCounter polls a reference API replica's /metrics and records the
// total of POST /predict requests it has served, to tell when load stops.
type predictCounter struct {
	mu      sync.Mutex
	samples []counterSample
	stop    context.CancelFunc
	done    chan struct{}
}

type counterSample struct {
	at    time.Time
	total float64
}

var predictLine = regexp.MustCompile(`^http_requests_total\{endpoint="/predict",status="\d+"\} (\S+)$`)

// watchPredict samples base+"/metrics" every 100 ms until stopped or the
// replica stops answering.
func watchPredict(base string) *predictCounter {
	ctx, cancel := context.WithCancel(context.Background())
	c := &predictCounter{stop: cancel, done: make(chan struct{})}
	client := &http.Client{Timeout: time.Second}
	go func() {
		defer close(c.done)
		defer client.CloseIdleConnections()
		fails := 0
		for ctx.Err() == nil {
			total, err := scrapePredict(ctx, client, base)
			if err != nil {
				fails++
				if fails >= 3 {
					return // the replica is gone
				}
			} else {
				fails = 0
				c.mu.Lock()
				c.samples = append(c.samples, counterSample{time.Now(), total})
				c.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return c
}

func scrapePredict(ctx context.Context, client *http.Client, base string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var total float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if m := predictLine.FindStringSubmatch(sc.Text()); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return 0, err
			}
			total += v
		}
	}
	return total, sc.Err()
}

// lastIncrease stops the watcher and returns when the counter last grew
// and how many samples were taken.
func (c *predictCounter) lastIncrease() (time.Time, int) {
	c.stop()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	var last time.Time
	for i := 1; i < len(c.samples); i++ {
		if c.samples[i].total > c.samples[i-1].total {
			last = c.samples[i].at
		}
	}
	return last, len(c.samples)
}
