package experiments

// The truth test of target.cpu_per_request_ms: the reference API with its
// gate fixture (LOADLAB_EXTRA_CPU_PER_REQUEST, set through target.env as a
// user does) at a fixed open-loop rate well below capacity, measured by the
// runner's real path (the runtime's CPU accounting over the step's window,
// record.Target.SetCost). Doubling the fixture's work from 300µs to 600µs
// per request must raise the measured CPU per request by 0.3 ms, and so
// must setting it (from the unmodified API).
//
// The bounds are not ±15 % around 0.3 ms: the fixture burns exactly
// its amount of its thread's CPU, but the process spends a little more
// while its P is busy (the Go runtime's sysmon polls every ~20µs then, and
// on this 2-core VM those wake-ups cost about a tenth of the busy time:
// measured per thread in /proc, the same with or without the fixture's
// LockOSThread). That is real CPU, which the measurement rightly counts;
// runs here gave +0.29 to +0.35 ms per 300µs with an 8 s window (local
// and Docker).
//
// On some VMs of this type the figures drift between runs minutes apart:
// the unmodified API measured 0.23, 0.25, 0.30, 0.33 and 0.38 ms per
// request at this low rate (each request wakes an idle server, and what a
// wake-up costs moves with the host), where another machine measured tens
// of µs; and setting the fixture adds its own cost of being on (locking
// the thread, reading its CPU clock: ~3 µs at capacity, tens of µs here).
// One 8 s measurement there carries about ±0.07 ms of that drift, as much
// as 15 % of a 300µs step: single steps measured +0.24 to +0.41 ms. So the
// quantitative check is on the whole span, 0 → 600µs, where the drift
// weighs half as much: 0.6 ms −15 % / +0.15 ms (measured +0.62 to
// +0.72 ms; CPU never under-counted, and a replica counted twice would add
// 1.2 ms); each 300µs step must add at least half its work and at most
// 0.45 ms (the knob's work is seen at each step, in proportion). The
// unmodified API's figure is a sanity range, 5 µs to 0.5 ms.

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/local"
)

// cpuCostRate is the open-loop rate of the truth test, in requests/s: with
// 600µs of extra CPU the API needs about a quarter of a core, so it keeps
// up on a busy 2-core machine and latency stays far from the timeout.
const cpuCostRate = 400

// cpuCostExperiment is the truth test's experiment with extra CPU per
// request set to extra ("0" for the unmodified API).
func cpuCostExperiment(extra string) string {
	return fmt.Sprintf(`name: cpu-cost
target:
  env: {LOADLAB_EXTRA_CPU_PER_REQUEST: %q}
  public_env: [LOADLAB_EXTRA_CPU_PER_REQUEST]
configs:
  - {name: api, cpus: 1, memory: 256m}
scenario:
  model: rate
  ramp: {steps: [%d], hold: 9s, settle: 1s}
  timeout: 2s
warmup: 2s
slo: p95<1s,error_rate<1%%
`, extra, cpuCostRate)
}

// runExperiment runs an experiment's text and returns its result, error,
// records and log (as faultRunOn does on Docker).
type runExperiment func(t *testing.T, text string) (Result, error, []record.Record, string)

// cpuCostSteps runs the truth test's experiment once per knob value and
// returns each run's only step, failing unless the step is a clean one at
// the asked rate with target telemetry.
func cpuCostSteps(t *testing.T, run runExperiment, extras ...string) map[string]record.Record {
	t.Helper()
	steps := map[string]record.Record{}
	for _, extra := range extras {
		res, err, recs, log := run(t, cpuCostExperiment(extra))
		if err != nil || len(res.Failed) > 0 || res.Steps != 1 || len(recs) != 1 {
			t.Fatalf("extra %s: run = %+v, %v, %d records; want one step\n%s", extra, res, err, len(recs), log)
		}
		s := recs[0]
		tg := s.Target
		if s.Partial || s.Errors > 0 || tg == nil || math.Abs(s.RPS/cpuCostRate-1) > 0.1 {
			t.Fatalf("extra %s: step partial %v, %d errors %v, %.1f rps (want %d), target %+v: not a clean measurement\n%s",
				extra, s.Partial, s.Errors, s.ErrorsByKind, s.RPS, cpuCostRate, tg, log)
		}
		t.Logf("extra CPU %-5s: %.1f rps over %.1fs, %.3f cores → cpu_per_request %.4f ms, requests_per_cpu_s %.0f",
			extra, s.RPS, s.WindowS, tg.CPUCores, tg.CPUPerRequestMs, tg.RequestsPerCPUS)
		steps[extra] = s
	}
	return steps
}

// checkCPUCost asserts the measured figures (see the file's comment): the
// unmodified API's CPU per request is within 5 µs–0.5 ms, the knob from 0
// to 600µs adds 0.51–0.75 ms of measured CPU per request, and each of its
// 300µs steps adds 0.15–0.45 ms.
func checkCPUCost(t *testing.T, steps map[string]record.Record) {
	t.Helper()
	base, one, two := steps["0"].Target.CPUPerRequestMs, steps["300us"].Target.CPUPerRequestMs, steps["600us"].Target.CPUPerRequestMs
	if base < 0.005 || base > 0.5 {
		t.Errorf("unmodified API: %.4f ms of CPU per request, want 0.005–0.5 ms", base)
	}
	if got := two - base; got < 0.6*0.85 || got > 0.6+0.15 {
		t.Errorf("the knob from 0 to 600µs raised CPU per request by %.4f ms (%.4f → %.4f), want 0.6 ms −15 %% / +0.15 ms", got, base, two)
	}
	for _, d := range []struct {
		what     string
		from, to float64
	}{
		{"setting the knob (0 → 300µs)", base, one},
		{"doubling the knob (300µs → 600µs)", one, two},
	} {
		if got := d.to - d.from; got < 0.15 || got > 0.45 {
			t.Errorf("%s raised CPU per request by %.4f ms (%.4f → %.4f), want 0.15–0.45 ms", d.what, got, d.from, d.to)
		}
	}
}

// runOn returns a runExperiment on rt, under run IDs unique to the test;
// check, when not nil, is registered as a cleanup for each run ID (to
// assert that nothing of the run is left behind).
func runOn(rt runtime.Runtime, check func(t *testing.T, run string)) runExperiment {
	n := 0
	return func(t *testing.T, text string) (Result, error, []record.Record, string) {
		t.Helper()
		e, err := Parse("cpu-cost.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		n++
		run := fmt.Sprintf("%s-%d", faultRunID(t), n)
		if check != nil {
			t.Cleanup(func() { check(t, run) })
		}
		return runRecorded(t, &Runner{Runtime: rt, RunID: run}, e, 2*time.Minute)
	}
}

// TestCPUPerRequestTruthLocal is the truth test under the local runtime
// (/proc accounting: 10 ms ticks, under 1 % of a window's CPU here).
func TestCPUPerRequestTruthLocal(t *testing.T) {
	checkCPUCost(t, cpuCostSteps(t, runOn(local.New(), nil), "0", "300us", "600us"))
}
