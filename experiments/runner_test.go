package experiments

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/target/runtime"
)

// fakeRuntime deploys httptest servers on 127.0.0.1; a config named in
// failing cannot start. It counts live deployments so tests can assert that
// everything was torn down.
type fakeRuntime struct {
	failing string
	live    atomic.Int32
	mu      sync.Mutex
	closed  []string
}

func (f *fakeRuntime) Name() string      { return "fake" }
func (f *fakeRuntime) Approximate() bool { return false }

func (f *fakeRuntime) Deploy(ctx context.Context, spec runtime.Spec) (runtime.Deployment, error) {
	if spec.Config.Name == f.failing {
		return nil, errors.New("container exited with code 1: last log lines:\nmodel file not found")
	}
	d := &fakeDeployment{rt: f, name: spec.Config.Name, start: time.Now()}
	for i := 0; i < spec.Config.Replicas; i++ {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d.cpu.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"conversion_probability":0.5}`))
		}))
		d.servers = append(d.servers, srv)
	}
	f.live.Add(1)
	return d, nil
}

type fakeDeployment struct {
	rt      *fakeRuntime
	name    string
	start   time.Time
	servers []*httptest.Server
	cpu     atomic.Int64 // requests served: a stand-in for CPU time
	once    sync.Once
	evMu    sync.Mutex
	events  []record.Event
}

func (d *fakeDeployment) URLs() []string {
	var out []string
	for _, s := range d.servers {
		out = append(out, s.URL)
	}
	return out
}

func (d *fakeDeployment) Stats(ctx context.Context) (runtime.Usage, error) {
	return runtime.Usage{At: time.Now(), Replicas: []runtime.ReplicaUsage{{
		Name: d.name + "-1", CPUSeconds: float64(d.cpu.Load()) / 1000, CPULimit: 1, MemoryBytes: 10 << 20, MemoryLimit: 100 << 20,
	}}}, nil
}

func (d *fakeDeployment) Events() []record.Event {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	return append([]record.Event(nil), d.events...)
}

func (d *fakeDeployment) Close(ctx context.Context) error {
	d.once.Do(func() {
		for _, s := range d.servers {
			s.Close()
		}
		d.rt.live.Add(-1)
		d.rt.mu.Lock()
		d.rt.closed = append(d.rt.closed, d.name)
		d.rt.mu.Unlock()
	})
	return nil
}

func testExperiment(t *testing.T, hold time.Duration) Experiment {
	t.Helper()
	e, err := Parse("test.yaml", []byte(`name: t
configs:
  - {name: good1, cpus: 1}
  - {name: broken, cpus: 1}
  - {name: good2, cpus: 1, replicas: 2}
scenario:
  model: users
  ramp: {steps: [2, 4], hold: `+hold.String()+`}
  think: {min: 10ms, max: 20ms}
slo: p95<1s
`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRunnerRecordsFailureAndGoesOn(t *testing.T) {
	rt := &fakeRuntime{failing: "broken"}
	dir := t.TempDir()
	var log bytes.Buffer
	r := &Runner{Runtime: rt, Dir: dir, RunID: "run1", Log: &log, Seed: 1}
	res, err := r.Run(context.Background(), testExperiment(t, 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 4 || len(res.Failed) != 1 || !strings.HasPrefix(res.Failed[0], "broken: deploy: container exited") {
		t.Fatalf("result = %+v\n%s", res, log.String())
	}
	recs, err := record.ReadFile(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range recs {
		names = append(names, rec.Config.Name)
		if rec.Run != "run1" || rec.Config.Runtime != "fake" {
			t.Errorf("record not stamped: %+v", rec.Config)
		}
		if rec.Failure == "" && (rec.Target == nil || rec.Requests == 0) {
			t.Errorf("step without telemetry or requests: %+v", rec)
		}
	}
	if got := strings.Join(names, ","); got != "good1,good1,broken,good2,good2" {
		t.Errorf("records = %s", got)
	}
	if recs[2].Failure == "" || !strings.Contains(recs[2].Failure, "model file not found") {
		t.Errorf("failure record = %+v", recs[2])
	}
	if rt.live.Load() != 0 || len(rt.closed) != 2 {
		t.Errorf("live deployments = %d, closed = %v", rt.live.Load(), rt.closed)
	}
}

func TestRunnerCancelTearsDownAndKeepsSteps(t *testing.T) {
	rt := &fakeRuntime{}
	dir := t.TempDir()
	e := testExperiment(t, 2*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{Runtime: rt, Dir: dir, RunID: "run2", Log: &bytes.Buffer{}, Seed: 1}
	var res Result
	var err error
	done := make(chan struct{})
	go func() {
		res, err = r.Run(ctx, e)
		close(done)
	}()
	time.Sleep(3 * time.Second) // inside the second step of the first configuration
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	if !errors.Is(err, context.Canceled) || !res.Interrupted || res.Stage != StageRamp {
		t.Fatalf("err = %v, res = %+v; want interrupted in the ramp", err, res)
	}
	recs, rerr := record.ReadFile(dir)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(recs) != 2 || recs[0].Partial || !recs[1].Partial {
		t.Fatalf("want a complete first step and a partial second, got %d records: %+v", len(recs), recs)
	}
	if rt.live.Load() != 0 {
		t.Errorf("deployment left running after cancel")
	}
}

// TestTelemetryCountsOOMKillsOfItsEvents: a replica OOM-killed before the
// measurement window's first sample (during the spawn or the settle) is
// missing from the counters' difference, but its events land in the step,
// and so must its oom_kills.
func TestTelemetryCountsOOMKillsOfItsEvents(t *testing.T) {
	d := &fakeDeployment{name: "c"}
	tel := &telemetry{dep: d}
	ctx := context.Background()
	d.events = []record.Event{
		{Time: time.Now(), Replica: "c-1", Kind: record.EventOOM, OOMKilled: true},
		{Time: time.Now(), Replica: "c-1", Kind: record.EventExit, ExitCode: 137, OOMKilled: true},
	}
	tel.windowStart(ctx, scenarios.Step{})
	var rec record.Record
	tel.enrich(ctx, &rec)
	if rec.Target == nil || rec.Target.OOMKills != 1 || len(rec.Events) != 2 {
		t.Fatalf("step: target %+v, events %+v; want oom_kills 1 and both events", rec.Target, rec.Events)
	}
	// The next step gets neither the events nor the kill again.
	var next record.Record
	tel.enrich(ctx, &next)
	if next.Target == nil || next.Target.OOMKills != 0 || len(next.Events) != 0 {
		t.Errorf("next step: target %+v, events %+v; want nothing carried over", next.Target, next.Events)
	}
}
