package experiments

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// labV2Tag is the tag the lab's rollouts roll to: the reference image
// tagged again on the manager only (the swarm runtime loads it into n2).
const labV2Tag = "loadlab/reference-api:lab-rollout-v2"

// rollouts: experiments/rollout.yaml itself on the lab (2 replicas, 10
// users held, the API draining on SIGTERM, start-first then stop-first
// to another tag), then the same held load rolled stop-first on one
// replica: start-first loses no request, stop-first on one replica loses
// requests and counts each by kind; every update completes with the new
// tag running, which only the manager had before (node_engines loads it
// into n2).
func (l labEnv) rollouts(t *testing.T) {
	if _, err := labCmd("docker", "tag", docker.ReferenceImage, labV2Tag); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = labCmd("docker", "rmi", labV2Tag)
		_, _ = labCmd("docker", "-H", labN2, "rmi", labV2Tag)
	})
	_, _ = labCmd("docker", "-H", labN2, "rmi", labV2Tag)
	text, err := os.ReadFile("rollout.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.ReplaceAll(string(text), "loadlab/reference-api:v2", labV2Tag)
	yaml = strings.Replace(yaml, "node_engines: {vm: unix:///run/docker-n2.sock}", fmt.Sprintf("node_engines: {%s: %q}", l.host, labN2), 1)
	if !strings.Contains(yaml, labV2Tag) || !strings.Contains(yaml, labN2) {
		t.Fatalf("experiments/rollout.yaml no longer names the v2 tag or n2's engine:\n%s", text)
	}
	both := l.rolloutRun(t, "rollout-yaml", yaml)
	if v := both["start-first"]; v.Failed != 0 || v.SilentSeconds != 0 {
		t.Errorf("start-first (rollout.yaml, draining) lost %d requests %v, %d seconds without success; want none", v.Failed, v.FailedByKind, v.SilentSeconds)
	}
	one := l.rolloutRun(t, "rollout-one", fmt.Sprintf(`name: rollout-one
runtime: swarm
swarm: {node_engines: {%s: %q}}
configs: [{name: x1, cpus: 0.5, memory: 64m, replicas: 1}]
scenario:
  model: users
  think: {min: 20ms, max: 40ms}
  requests: [{method: GET, path: /health}]
rollout: {to: {image: %q}, hold_users: 8, orders: [stop-first], lead: 3s, tail: 3s, timeout: 90s}
`, l.host, labN2, labV2Tag))
	v := one["stop-first"]
	sum := 0
	for _, n := range v.FailedByKind {
		sum += int(n)
	}
	if v.Failed == 0 || sum != int(v.Failed) {
		t.Errorf("stop-first on one replica: %d failed, by kind %v (sum %d); want lost requests, each counted by kind", v.Failed, v.FailedByKind, sum)
	}
}

// rolloutRun runs a rollout experiment on the lab as loadlab run does
// and returns each order's verdict, failing unless every update
// completed with the new tag running.
func (l labEnv) rolloutRun(t *testing.T, name, text string) map[string]rollout.Verdict {
	t.Helper()
	e, err := Parse(name+".yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rt, err := SelectRuntime(ctx, "swarm", e)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	run := fmt.Sprintf("lab%d-%s", time.Now().UnixNano()%1e6, name)
	t.Cleanup(func() { assertLabRunRemoved(t, run) })
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	r := &Runner{Runtime: rt, Dir: dir, RunID: run, Log: log, Seed: 1, Binary: l.bin}
	start := time.Now()
	if res, err := r.Run(ctx, e); err != nil || len(res.Failed) > 0 {
		t.Fatalf("%s: %+v, %v\n%s", name, res, err, log)
	}
	in, err := report.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if in.Rollouts == nil || len(in.Rollouts.Windows) != len(e.Rollout.Orders) {
		t.Fatalf("%s: rollouts %+v\n%s", name, in.Rollouts, log)
	}
	out := map[string]rollout.Verdict{}
	for i, v := range in.Rollouts.Verdicts() {
		w := in.Rollouts.Windows[i]
		p95 := "none"
		if v.WorstP95Ms != nil {
			p95 = fmt.Sprintf("%.1f ms", *v.WorstP95Ms)
		}
		t.Logf("%s %s on the lab: %s in %.1f s, %d requests, %d failed %v, %d seconds without success, worst 1 s p95 %s",
			name, v.Name, v.State, v.DurationS, v.Requests, v.Failed, v.FailedByKind, v.SilentSeconds, p95)
		if w.State != "completed" || v.Requests < 50 {
			t.Errorf("%s %s: %+v, %d requests", name, w.Name, w, v.Requests)
		}
		out[w.Name] = v
	}
	last := ""
	for _, s := range in.Rollouts.Seconds {
		last = fmt.Sprint(s.Tasks)
	}
	if !strings.Contains(last, labV2Tag) {
		t.Errorf("%s: tasks at the end %s, want them on %s", name, last, labV2Tag)
	}
	t.Logf("%s: %s in all; results %s", name, time.Since(start).Round(time.Second), filepath.Base(dir))
	return out
}
