package experiments

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/swarmtest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// rolloutV2 is a second tag of the reference image, the version rolled to.
const rolloutV2 = "loadlab/reference-api:rollout-test-v2"

// TestRolloutsOnSwarm measures two real rolling updates on a real
// single-node swarm under a held closed-loop load of the reference API's
// /predict: start-first with 2 replicas always has a replica answering
// (no second without success, nothing refused or reset; only requests on
// keep-alive connections the stopping tasks closed fail, as eof) and ends
// with every task on v2; stop-first with 1 replica has a gap without any
// task, and the timeline counts every lost request by kind. With the API
// draining on SIGTERM (LOADLAB_DRAIN), start-first loses no request at all.
// Each rollout runs on its own fresh service, removed at the end.
func TestRolloutsOnSwarm(t *testing.T) {
	if testing.Short() {
		t.Skip("real swarm rollouts take about a minute")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	sw, err := swarmtest.Start(ctx, 4*time.Minute)
	apitest.RequireDocker(t, err)
	t.Cleanup(func() {
		if err := sw.Stop(); err != nil {
			t.Error(err)
		}
	})
	rt, err := swarm.New(ctx, swarm.Options{Constraints: []string{"node.id==" + sw.NodeID}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })

	sc := scenarios.Default()
	sc.Think = scenarios.Think{Min: 20 * time.Millisecond, Max: 40 * time.Millisecond}
	sc.Timeout = 2 * time.Second
	ro := Rollout{To: RolloutTo{Image: rolloutV2}, HoldUsers: 6, Lead: 3 * time.Second, Tail: 3 * time.Second, Timeout: 90 * time.Second, Delay: 500 * time.Millisecond}

	for _, tc := range []struct {
		order    string
		replicas int
		lossless bool
		drain    bool // the API drains on SIGTERM (LOADLAB_DRAIN=3s)
	}{
		{"start-first", 2, true, false},
		{"start-first", 2, true, true},
		{"stop-first", 1, false, false},
	} {
		name := tc.order
		if tc.drain {
			name += ", draining"
		}
		t.Run(name, func(t *testing.T) {
			spec := runtime.Spec{
				RunID:  fmt.Sprintf("test-%d-rollout-%s-%v", os.Getpid(), tc.order, tc.drain),
				Config: record.Config{Name: "r", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: tc.replicas},
				Binary: apitest.Binary(t), HealthTimeout: 60 * time.Second,
			}
			if tc.drain {
				spec.Env = map[string]string{"LOADLAB_DRAIN": "3s"}
			}
			dep, err := rt.Deploy(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := dep.Close(context.Background()); err != nil {
					t.Error(err)
				}
			})
			if out, err := exec.CommandContext(ctx, "docker", "tag", docker.ReferenceImage, rolloutV2).CombinedOutput(); err != nil {
				t.Fatalf("docker tag: %v %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("docker", "rmi", rolloutV2).Run() })

			var mu sync.Mutex
			var secs []record.Second
			start := time.Now()
			res, err := measureRollout(ctx, dep.(*swarm.Deployment), sc, ro, tc.order, runtime.DefaultHealthPath, record.Record{Run: spec.RunID, Config: spec.Config}, 1,
				func(s record.Second) error { mu.Lock(); secs = append(secs, s); mu.Unlock(); return nil })
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			v := rollout.Judge(secs, res.Window)
			t.Logf("%s, %d replica(s): %s in %.1f s (measured %s); %d requests, %d failed %v, worst 1 s p95 %v ms (before %v), served %v; balancer %+v; %d steps",
				tc.order, tc.replicas, res.Window.State, v.DurationS, time.Since(start).Round(time.Second), v.Requests, v.Failed, v.FailedByKind,
				deref(v.WorstP95Ms), deref(v.BeforeP95Ms), v.ServedByVersion, res.Balancer, len(res.Steps))
			if res.Window.State != "completed" || !v.Ended {
				t.Fatalf("update %q (%s), want completed", res.Window.State, res.Message)
			}
			if v.Requests < 50 {
				t.Fatalf("only %d requests during the rollout", v.Requests)
			}
			last := secs[len(secs)-1]
			if last.Tasks[rolloutV2] != tc.replicas || last.Tasks[docker.ReferenceImage] != 0 {
				t.Errorf("tasks at the end %v, want %d on %s", last.Tasks, tc.replicas, rolloutV2)
			}
			var kinds int64
			for _, n := range v.FailedByKind {
				kinds += n
			}
			if kinds != v.Failed {
				t.Errorf("failed %d, by kind %v (sum %d)", v.Failed, v.FailedByKind, kinds)
			}
			if tc.lossless {
				// A replica always answered: no second without a success,
				// no connection without a replica, nothing refused or
				// reset. What start-first does lose is the requests sent
				// on a keep-alive connection at the moment the stopping
				// task closed it as idle (Go's http.Server.Shutdown closes
				// idle connections at once): eof, or reset when the close
				// met the request's bytes, at most once per held connection
				// and old task. (A new task gets load only once its /health
				// answers: no 503 of a model still loading.) A connection
				// opened in the 250 ms before the task list shows the old
				// task gone fails the same way: at most two per user and
				// old task.
				if v.SilentSeconds != 0 || res.Balancer.NoReplica != 0 || res.Balancer.DialFailed != 0 {
					t.Errorf("start-first left seconds without success (%d) or connections without a replica (%+v)", v.SilentSeconds, res.Balancer)
				}
				closed := v.FailedByKind["eof"] + v.FailedByKind["reset"]
				if other := v.Failed - closed; other != 0 {
					t.Errorf("start-first failed %d requests other than on closed keep-alive connections: %v", other, v.FailedByKind)
				}
				if limit := int64(2 * ro.HoldUsers * tc.replicas); closed > limit {
					t.Errorf("start-first lost %d requests on closed connections, more than two per connection and old task (%d)", closed, limit)
				}
				// An API that drains (it goes on serving with Connection:
				// close, /health 503, before it stops accepting; Swarm's
				// task list drops it at once as its desired state is
				// shutdown) loses nothing at all.
				if tc.drain && v.Failed != 0 {
					t.Errorf("start-first with a draining API lost %d requests %v, want none", v.Failed, v.FailedByKind)
				}
			}
			// Stop-first on one replica leaves a gap with no task running:
			// connections then find no replica, and far more requests fail
			// than the keep-alive race alone can explain.
			if !tc.lossless && (res.Balancer.NoReplica == 0 || v.Failed <= int64(2*ro.HoldUsers*tc.replicas)) {
				t.Errorf("stop-first with one replica lost %d requests, %d connections found no replica: the old task stops before the new one runs, so requests must fail", v.Failed, res.Balancer.NoReplica)
			}
			if v.ServedByVersion[rolloutV2] == 0 {
				t.Errorf("nothing served by %s: %v", rolloutV2, v.ServedByVersion)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%.1f", *p)
}

// TestRolloutExperimentOnSwarm runs a rollout experiment file through the
// runner on a real single-node swarm (both orders, 2 replicas) and reports
// it: timeline.jsonl holds both rollouts' seconds, rollouts.json both
// windows, steps.jsonl the held load's steps as repeats 0 and 1, and the
// report's rollout section a row and a plot per order. Nothing of the run
// is left.
func TestRolloutExperimentOnSwarm(t *testing.T) {
	if testing.Short() {
		t.Skip("a real swarm rollout experiment takes about a minute")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	sw, err := swarmtest.Start(ctx, 4*time.Minute)
	apitest.RequireDocker(t, err)
	t.Cleanup(func() {
		if err := sw.Stop(); err != nil {
			t.Error(err)
		}
	})
	e, err := Parse("rollout.yaml", []byte(fmt.Sprintf(`name: rollout-e2e
runtime: swarm
swarm: {constraints: ["node.id==%s"]}
configs:
  - {name: r2, cpus: 0.5, memory: 64m, replicas: 2}
scenario:
  model: users
  think: {min: 20ms, max: 40ms}
  requests: [{method: GET, path: /health}]
rollout:
  to: {env: {LOADLAB_ROLLOUT_TEST: "2"}}
  hold_users: 4
  lead: 2s
  tail: 2s
  timeout: 90s
`, sw.NodeID)))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := swarm.New(ctx, e.swarmOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	runID := fmt.Sprintf("test-%d-rollout-e2e", os.Getpid())
	r := &Runner{Runtime: rt, Dir: dir, RunID: runID, Log: log, Seed: 1, Binary: apitest.Binary(t)}
	res, err := r.Run(ctx, e)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("run %+v: %v\n%s", res, err, log)
	}
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	repeats := map[int]int{}
	for _, rec := range recs {
		repeats[rec.Repeat]++
		if rec.Config.Runtime != "swarm" {
			t.Errorf("step on runtime %q", rec.Config.Runtime)
		}
	}
	if repeats[0] == 0 || repeats[1] == 0 || res.Steps != len(recs) {
		t.Errorf("steps per rollout %v, %d recorded, result %d", repeats, len(recs), res.Steps)
	}
	in, err := report.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if in.Rollouts == nil || len(in.Rollouts.Windows) != 2 {
		t.Fatalf("rollouts read back: %+v", in.Rollouts)
	}
	names := map[string]int{}
	for _, s := range in.Rollouts.Seconds {
		names[s.Rollout]++
	}
	for i, v := range in.Rollouts.Verdicts() {
		w := in.Rollouts.Windows[i]
		t.Logf("%s: %s, %.1f s, %d requests, %d failed %v, worst p95 %v ms", v.Name, v.State, v.DurationS, v.Requests, v.Failed, v.FailedByKind, deref(v.WorstP95Ms))
		if w.Name != []string{"start-first", "stop-first"}[i] || w.State != "completed" || names[w.Name] < 5 || v.Requests == 0 {
			t.Errorf("rollout %d: %+v, %d seconds, %+v", i, w, names[w.Name], v)
		}
	}
	files, err := report.WriteAll(ctx, dir, in)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Rollouts under load", "| start-first |", "| stop-first |", "plots/rollout-start-first.png", "plots/rollout-stop-first.png"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("%s lacks %q:\n%s", report.MarkdownFile, want, md)
		}
	}
	for _, p := range []string{"rollout-start-first.png", "rollout-stop-first.svg"} {
		if !slices.Contains(files, filepath.Join(dir, report.PlotDir, p)) {
			t.Errorf("plot %s not written: %v", p, files)
		}
	}
	out, err := exec.Command("docker", "service", "ls", "-q", "--filter", "label=loadlab.run="+runID).Output()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("services of the run left: %q (%v)", out, err)
	}
}
