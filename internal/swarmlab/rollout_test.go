package swarmlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/report"
)

// labV2 is the tag a lab rollout rolls to, loaded into both nodes.
const labV2 = "loadlab/reference-api:lab-v2"

// rolloutOnLab runs `loadlab run` on a rollout experiment across the two
// nodes (one replica, 8 users; start-first, then stop-first) and checks
// the verdicts: start-first always has a task answering (no second
// without success, failures only on connections the stopping task closed:
// its keep-alive connections, and a reconnection in the 250 ms before the
// task list shows it gone; at most two per user), stop-first leaves a gap whose lost
// requests are counted by kind; both updates complete with the task on
// the new tag. The caller brought the lab up.
func rolloutOnLab(t *testing.T, ctx context.Context) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	bin := apitest.Binary(t)
	if _, err := run(ctx, "docker", "tag", image, labV2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = run(context.Background(), "docker", "rmi", labV2)
		_, _ = run(context.Background(), "docker", "-H", "unix:///run/docker-n2.sock", "rmi", labV2)
	})
	if _, err := run(ctx, "bash", "-c", "docker save "+labV2+" | docker -H unix:///run/docker-n2.sock load"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exp := filepath.Join(dir, "rollout.yaml")
	const users = 8
	if err := os.WriteFile(exp, []byte(fmt.Sprintf(`name: lab-rollout
runtime: swarm
swarm: {node_engines: {%s: "unix:///run/docker-n2.sock"}}
configs: [{name: x1, cpus: 0.5, memory: 64m, replicas: 1}]
scenario:
  model: users
  think: {min: 20ms, max: 40ms}
  requests: [{method: GET, path: /health}]
rollout: {to: {image: %q}, hold_users: %d, lead: 3s, tail: 3s, timeout: 90s}
`, host, labV2, users)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	start := time.Now()
	if b, err := exec.CommandContext(ctx, bin, "run", exp, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("loadlab run: %v\n%s", err, b)
	}
	t.Logf("rollout experiment on the lab: %s", time.Since(start).Round(time.Second))
	runs, err := filepath.Glob(filepath.Join(out, "*-lab-rollout-*"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("results folders %v (%v)", runs, err)
	}
	in, err := report.ReadDir(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if in.Rollouts == nil || len(in.Rollouts.Windows) != 2 {
		t.Fatalf("rollouts: %+v", in.Rollouts)
	}
	for i, v := range in.Rollouts.Verdicts() {
		w := in.Rollouts.Windows[i]
		p95 := "none"
		if v.WorstP95Ms != nil {
			p95 = fmt.Sprintf("%.1f ms", *v.WorstP95Ms)
		}
		t.Logf("%s on the lab: %s in %.1f s, %d requests, %d failed %v, %d seconds without success, worst 1 s p95 %s", v.Name, v.State, v.DurationS, v.Requests, v.Failed, v.FailedByKind, v.SilentSeconds, p95)
		if w.State != "completed" || v.Requests < 50 {
			t.Errorf("%s: %+v, %d requests", w.Name, w, v.Requests)
		}
		switch w.Name {
		case "start-first":
			closed := v.FailedByKind["eof"] + v.FailedByKind["reset"]
			if v.SilentSeconds != 0 || v.Failed != closed || closed > 2*users {
				t.Errorf("start-first on the lab: %d failed %v, %d seconds without success; want only closed keep-alive connections, at most %d", v.Failed, v.FailedByKind, v.SilentSeconds, 2*users)
			}
		case "stop-first":
			if v.Failed <= 2*users {
				t.Errorf("stop-first on one replica lost %d requests: the gap without a task must fail more than the keep-alive race (%d)", v.Failed, 2*users)
			}
		}
	}
	var last string
	for _, s := range in.Rollouts.Seconds {
		last = fmt.Sprint(s.Tasks)
	}
	if !strings.Contains(last, labV2+":1") {
		t.Errorf("tasks at the end %s, want one on %s", last, labV2)
	}
}
