package experiments

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/target/runtime/local"
)

// challengerFile is an experiment with a challenger block made of block
// (YAML lines under "challenger:") and a users ramp of steps.
func challengerFile(steps, block string) string {
	return `name: cc
configs:
  - {name: api, cpus: 1, memory: 256m}
scenario:
  model: users
  ramp: {steps: [` + steps + `], hold: 2s}
challenger:
` + block
}

// TestChallengerRefused: bad challenger blocks are refused before
// anything is deployed, each problem at its file:line with its fix.
func TestChallengerRefused(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"weight above half", challengerFile("10, 20", "  to: {env: {A: b}}\n  weight: 60%\n"),
			[]string{"cc.yaml:9: challenger.weight: must be more than 0% and at most 50% of the load", "got 60%"}},
		{"weight zero", challengerFile("10", "  to: {env: {A: b}}\n  weight: 0%\n"),
			[]string{"cc.yaml:9: challenger.weight: must be more than 0%"}},
		{"weight missing", challengerFile("10", "  to: {env: {A: b}}\n"),
			[]string{"challenger.weight: must be more than 0%", "got 0%"}},
		{"weight as a whole number", challengerFile("10", "  to: {env: {A: b}}\n  weight: 10\n"),
			[]string{"cc.yaml:9:", "write 10% for a percentage"}},
		{"weight not a number", challengerFile("10", "  to: {env: {A: b}}\n  weight: lots\n"),
			[]string{"cc.yaml:9:", `"lots" must be a share of the load such as "10%" or 0.1`}},
		{"no difference", challengerFile("10", "  to: {}\n  weight: 10%\n"),
			[]string{"cc.yaml:8: challenger.to: set image and/or env"}},
		{"a step without a challenger user", challengerFile("4, 20", "  to: {env: {A: b}}\n  weight: 10%\n"),
			[]string{"cc.yaml:9: challenger.weight: step 1's 4 users split 10% gives the challenger 0 users", "at least 5 users at this weight"}},
		{"unknown field", challengerFile("10", "  to: {env: {A: b}}\n  weight: 10%\n  wieght: 1\n"),
			[]string{"cc.yaml:10: challenger.wieght: unknown field"}},
		{"with a capacity search", `name: cc
configs: [{cpus: 1}]
scenario:
  ramp: {search: {from: 10, max: 100}, hold: 2s}
challenger: {to: {env: {A: b}}, weight: 10%}
`, []string{"cc.yaml:5: challenger: a capacity search (scenario.ramp.search)"}},
		{"with generators", challengerFile("10", "  to: {env: {A: b}}\n  weight: 10%\ngenerators: 2\n"),
			[]string{"challenger: generators > 1 is not supported"}},
		{"with stability", strings.Replace(challengerFile("10", "  to: {env: {A: b}}\n  weight: 10%\n"),
			"  model: users\n", "  model: users\n  stability: {enabled: true}\n", 1),
			[]string{"challenger: stability (scenario.stability.enabled)"}},
		{"with a rollout", `name: cc
runtime: swarm
configs: [{cpus: 1}]
scenario: {ramp: {steps: [10], hold: 2s}}
rollout: {to: {image: x:v2}, hold_users: 10}
challenger: {to: {env: {A: b}}, weight: 10%}
`, []string{"cc.yaml:6: challenger: a rollout (rollout:)"}},
		{"with urls", `name: cc
target: {urls: ["http://127.0.0.1:1"]}
scenario: {ramp: {steps: [10], hold: 2s}}
challenger: {to: {image: x:v2}, weight: 10%}
`, []string{"cc.yaml:4: challenger.to.image: a challenger image needs a target loadlab deploys", "cc.yaml:4: challenger: target.urls are APIs already running"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("cc.yaml", []byte(tc.text))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.text)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestChallengerSplit: the split of every step, users rounded to the
// nearest (the champion gets the rest) and rates exact, and the plan that
// lists both versions of each configuration.
func TestChallengerSplit(t *testing.T) {
	for _, tc := range []struct {
		load       float64
		w          Weight
		model      string
		champ, cha float64
	}{
		{10, 0.2, record.ModelUsers, 8, 2},
		{5, 0.1, record.ModelUsers, 4, 1},   // 0.5 rounds up
		{14, 0.1, record.ModelUsers, 13, 1}, // 1.4 rounds down
		{2, 0.5, record.ModelUsers, 1, 1},
		{100, 0.1, record.ModelRate, 90, 10},
		{7, 0.25, record.ModelRate, 5.25, 1.75},
	} {
		c, ch := splitLoad(tc.load, tc.w, tc.model)
		if math.Abs(c-tc.champ) > 1e-9 || math.Abs(ch-tc.cha) > 1e-9 {
			t.Errorf("split %g %s by %s = %g + %g, want %g + %g", tc.load, tc.model, tc.w, c, ch, tc.champ, tc.cha)
		}
	}
	e, err := Parse("cc.yaml", []byte(challengerFile("10, 20", "  to: {env: {A: secret-value}}\n  weight: 20%\n")))
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string][]float64{VersionChampion: {8, 16}, VersionChallenger: {2, 4}} {
		if _, got := RampSteps(e.versionScenario(v)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s steps %v, want %v", v, got, want)
		}
	}
	p := e.Plan("local", true)
	if len(p.Configs) != 2 || p.Configs[0].Name != "api@champion" || p.Configs[1].Name != "api@challenger" ||
		p.Configs[1].Version != VersionChallenger || p.Configs[1].BaseName() != "api" || fmt.Sprint(p.Steps) != "[8 16]" {
		t.Errorf("plan %+v", p)
	}
	if ce := e.challengerExperiment(); ce.Target.Env["A"] != "secret-value" || e.Target.Env["A"] != "" {
		t.Errorf("challenger env %v, champion env %v", ce.Target.Env, e.Target.Env)
	}
	if got := e.Redactor().String("x secret-value y"); strings.Contains(got, "secret-value") {
		t.Errorf("the challenger's env value is not redacted: %q", got)
	}
}

// challengerText is the experiment of the real champion/challenger
// tests: 20 % of 5 then 10 users (think 40–60 ms) to a challenger that
// differs by to (a flow mapping) and burns 2 ms of CPU per request more.
func challengerText(to string) string {
	return `name: cc
configs:
  - {name: api, cpus: 1, memory: 256m}
scenario:
  model: users
  ramp: {steps: [5, 10], hold: 5s, settle: 1s}
  think: {min: 40ms, max: 60ms}
  timeout: 2s
challenger:
  to: ` + to + `
  weight: 20%
target:
  public_env: [LOADLAB_EXTRA_CPU_PER_REQUEST]
warmup: 1s
slo: p95<1s,error_rate<1%
`
}

// TestChallengerLocal runs a champion/challenger experiment under the
// local runtime with the real reference API; see checkChallengerRun.
func TestChallengerLocal(t *testing.T) {
	e, err := Parse("cc.yaml", []byte(challengerText("{env: {LOADLAB_EXTRA_CPU_PER_REQUEST: 2ms}}")))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := &Runner{Runtime: local.New(), RunID: faultRunID(t)}
	res, runErr, recs, log := runRecordedIn(t, r, e, dir, time.Minute)
	checkChallengerRun(t, dir, res, runErr, recs, log)
}

// checkChallengerRun checks a run of challengerText: both versions'
// records exist for each of the 2 steps and shared its time window, the
// challenger had 20 % of the users (1 of 5, 2 of 10) and about 20 % of
// the requests, a p95 and a CPU per request at least 1.5 ms higher (it
// burns 2 ms more), and the report's section names it.
func checkChallengerRun(t *testing.T, dir string, res Result, runErr error, recs []record.Record, log string) {
	t.Helper()
	if runErr != nil || len(res.Failed) > 0 || res.Steps != 4 {
		t.Fatalf("run = %+v, %v; want 4 steps\n%s", res, runErr, log)
	}
	cfgs := byConfig(recs)
	champ, chall := cfgs["api@champion"], cfgs["api@challenger"]
	if len(champ) != 2 || len(chall) != 2 {
		t.Fatalf("records per version: champion %d, challenger %d\n%s", len(champ), len(chall), log)
	}
	wantUsers := [][2]int{{4, 1}, {8, 2}}
	for i := range 2 {
		a, b := champ[i], chall[i]
		if a.Config.Version != VersionChampion || b.Config.Version != VersionChallenger || a.Step != i || b.Step != i {
			t.Fatalf("step %d: records %+v / %+v", i, a.Config, b.Config)
		}
		if a.Load.Users != wantUsers[i][0] || b.Load.Users != wantUsers[i][1] {
			t.Errorf("step %d users %d + %d, want %v", i, a.Load.Users, b.Load.Users, wantUsers[i])
		}
		skew := a.StartedAt.Sub(b.StartedAt).Abs()
		if skew > 200*time.Millisecond {
			t.Errorf("step %d of the versions started %s apart: not the same time window", i+1, skew)
		}
		if a.Errors > 0 || b.Errors > 0 || a.Partial || b.Partial || a.Latency == nil || b.Latency == nil || a.Target == nil || b.Target == nil {
			t.Fatalf("step %d: not clean: champion %d errors partial %v, challenger %d errors partial %v\n%s", i, a.Errors, a.Partial, b.Errors, b.Partial, log)
		}
		share := float64(b.Requests) / float64(a.Requests+b.Requests)
		t.Logf("step %d (started %s apart): champion %d users %d req p95 %.2f ms cpu/req %.3f ms; challenger %d users %d req (%.1f %%) p95 %.2f ms cpu/req %.3f ms",
			i+1, skew.Round(time.Millisecond), a.Load.Users, a.Requests, a.Latency.P95, a.Target.CPUPerRequestMs, b.Load.Users, b.Requests, 100*share, b.Latency.P95, b.Target.CPUPerRequestMs)
		if share < 0.15 || share > 0.25 {
			t.Errorf("step %d: the challenger served %.1f %% of the requests, want about 20 %%", i, 100*share)
		}
		if b.Latency.P95 < a.Latency.P95+1.5 {
			t.Errorf("step %d: challenger p95 %.2f ms not ≥ 1.5 ms above the champion's %.2f ms", i, b.Latency.P95, a.Latency.P95)
		}
		if b.Target.CPUPerRequestMs < a.Target.CPUPerRequestMs+1.5 {
			t.Errorf("step %d: challenger CPU per request %.3f ms not ≥ 1.5 ms above the champion's %.3f ms", i, b.Target.CPUPerRequestMs, a.Target.CPUPerRequestMs)
		}
	}

	in, err := report.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, report.Analyze(in), "plots"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Champion vs challenger", "### api", "the challenger serves its 20 % of the load at p95 +", "| 2 | 8 + 2 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md.String())
		}
	}
	if t.Failed() {
		t.Log(log)
	}
}

// runRecordedIn is runRecorded with the results directory dir, with the
// run's plan written there as Prepare does (the report reads it).
func runRecordedIn(t *testing.T, r *Runner, e Experiment, dir string, timeout time.Duration) (Result, error, []record.Record, string) {
	t.Helper()
	if err := record.WritePlan(dir, e.Plan(r.Runtime.Name(), r.Runtime.Approximate())); err != nil {
		t.Fatal(err)
	}
	log := &apitest.SyncBuffer{}
	r.Dir, r.Log, r.Seed, r.Binary = dir, log, 1, referenceBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, runErr := r.Run(ctx, e)
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatalf("read steps: %v\nlog:\n%s", err, log.String())
	}
	return res, runErr, recs, log.String()
}

// TestChallengerStopsTogether: a stop condition that only the challenger
// breaches (it burns 20 ms of CPU per request; stop.slo p95 < 10 ms) ends
// both ramps after the same step, the champion's step measured in full
// and its record saying why it stopped; the report reads a complete run.
func TestChallengerStopsTogether(t *testing.T) {
	text := strings.NewReplacer(
		"ramp: {steps: [5, 10], hold: 5s, settle: 1s}", "ramp: {steps: [5, 10, 15], hold: 3s, settle: 1s}\n  stop: {slo: p95<10ms}",
	).Replace(challengerText("{env: {LOADLAB_EXTRA_CPU_PER_REQUEST: 20ms}}"))
	e, err := Parse("cc.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := &Runner{Runtime: local.New(), RunID: faultRunID(t)}
	res, runErr, recs, log := runRecordedIn(t, r, e, dir, time.Minute)
	if runErr != nil || len(res.Failed) > 0 || res.Steps != 2 {
		t.Fatalf("run = %+v, %v; want 2 steps (one per version)\n%s", res, runErr, log)
	}
	cfgs := byConfig(recs)
	champ, chall := cfgs["api@champion"], cfgs["api@challenger"]
	if len(champ) != 1 || len(chall) != 1 {
		t.Fatalf("records: champion %d, challenger %d\n%s", len(champ), len(chall), log)
	}
	a, b := champ[0], chall[0]
	t.Logf("champion: p95 %.2f ms, stop %q; challenger: p95 %.2f ms, stop %q", a.Latency.P95, a.StopReason, b.Latency.P95, b.StopReason)
	if !strings.Contains(b.StopReason, "p95") || a.Partial || b.Partial {
		t.Errorf("challenger stop %q, partial %v/%v", b.StopReason, a.Partial, b.Partial)
	}
	if !strings.HasPrefix(a.StopReason, "stopped with the challenger: ") {
		t.Errorf("champion stop reason %q", a.StopReason)
	}
	in, err := report.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if an := report.Analyze(in); len(an.Incomplete) > 0 {
		t.Errorf("report says incomplete: %v", an.Incomplete)
	}
}

// TestChallengerDeployFailure: when the challenger cannot be deployed,
// both versions are recorded as failed (the champion saying why), the
// champion is torn down, and the run goes on.
func TestChallengerDeployFailure(t *testing.T) {
	rt := &fakeRuntime{failing: "api@challenger"}
	e, err := Parse("cc.yaml", []byte(challengerFile("10", "  to: {env: {A: b}}\n  weight: 20%\n")))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var log bytes.Buffer
	res, err := (&Runner{Runtime: rt, Dir: dir, RunID: "run1", Log: &log, Seed: 1}).Run(context.Background(), e)
	if err != nil || res.Steps != 0 || len(res.Failed) != 1 || !strings.HasPrefix(res.Failed[0], "api: deploy: container exited") {
		t.Fatalf("result = %+v, %v\n%s", res, err, log.String())
	}
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Config.Name != "api@challenger" || !strings.Contains(recs[0].Failure, "model file not found") ||
		recs[1].Config.Name != "api@champion" || recs[1].Failure != "deploy: the challenger did not deploy" {
		t.Errorf("records %+v", recs)
	}
	if rt.live.Load() != 0 || len(rt.closed) != 1 || rt.closed[0] != "api@champion" {
		t.Errorf("live deployments = %d, closed = %v", rt.live.Load(), rt.closed)
	}
}

// TestChallengerRateLocal: under model rate the split is of the rate:
// 200 req/s at 20 % is 160 req/s to the champion and 40 to the
// challenger, each measured at its rate within 5 %.
func TestChallengerRateLocal(t *testing.T) {
	text := strings.NewReplacer(
		"  model: users\n", "  model: rate\n",
		"ramp: {steps: [5, 10], hold: 5s, settle: 1s}", "ramp: {steps: [200], hold: 4s, settle: 1s}",
		"  think: {min: 40ms, max: 60ms}\n", "",
	).Replace(challengerText("{env: {LOADLAB_EXTRA_CPU_PER_REQUEST: 2ms}}"))
	e, err := Parse("cc.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Runtime: local.New(), RunID: faultRunID(t)}
	res, runErr, recs, log := runRecordedIn(t, r, e, t.TempDir(), time.Minute)
	if runErr != nil || len(res.Failed) > 0 || res.Steps != 2 {
		t.Fatalf("run = %+v, %v; want 2 steps\n%s", res, runErr, log)
	}
	for _, rec := range recs {
		want := map[string]float64{"api@champion": 160, "api@challenger": 40}[rec.Config.Name]
		t.Logf("%s: offered %g req/s, measured %.1f rps, p95 %.2f ms", rec.Config.Name, rec.Load.Rate, rec.RPS, rec.Latency.P95)
		if rec.Load.Rate != want || math.Abs(rec.RPS/want-1) > 0.05 || rec.Errors > 0 {
			t.Errorf("%s: rate %g, %.1f rps, %d errors; want %g req/s", rec.Config.Name, rec.Load.Rate, rec.RPS, rec.Errors, want)
		}
	}
}
