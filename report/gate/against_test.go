package gate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// abRun is a champion/challenger run of one configuration at 20 users per
// version, 7 repeats: the champion's CPU per request is base[i] ms in
// repeat i and the challenger's base[i] × factor.
func abRun(base []float64, factor float64) []record.Record {
	var recs []record.Record
	for rep, c := range base {
		for _, v := range []string{record.VersionChampion, record.VersionChallenger} {
			r := step("api@"+v, 20, 90, 0, 2800)
			r.Config.Version, r.Repeat, r.Step = v, rep, 0
			cpu := c
			if v == record.VersionChallenger {
				cpu *= factor
			}
			r.Target = &record.Target{CPUPerRequestMs: cpu, RequestsPerCPUS: 1000 / cpu}
			recs = append(recs, r)
		}
	}
	return recs
}

// TestAgainstChampion: --against champion compares each challenger with
// its champion of the same run, named by the base configuration: a +30 %
// CPU per request is a regression, an unchanged challenger passes, and a
// run without versions is refused.
func TestAgainstChampion(t *testing.T) {
	base := []float64{0.035, 0.034, 0.036, 0.035, 0.037, 0.033, 0.035}
	tol, err := ParseTolerance("cpu_per_request=10%")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		factor float64
		want   int
	}{{"unchanged", 1.0, ExitPass}, {"+30 %", 1.3, ExitFail}, {"+5 %", 1.05, ExitPass}} {
		in := Input{Records: abRun(base, tc.factor), SLO: mustSLO(t, "error_rate<1%"), At: AtTarget, TargetLoad: 20,
			Capacity: map[string]float64{"api@champion": 20, "api@challenger": 20}, Step: map[string]float64{},
			Tolerance: tol, Alpha: 0.05, Experiment: "gate-ab"}
		cur, err := AgainstVersion(in, record.VersionChampion, time.Unix(0, 0))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		v := Evaluate(cur)
		var cpu *Check
		for i, c := range v.Checks {
			if c.Metric == "cpu_per_request" {
				cpu = &v.Checks[i]
			}
			if strings.Contains(c.Name, "@") {
				t.Errorf("%s: check %q names a version: both sides are named by their configuration", tc.name, c.Name)
			}
		}
		if cpu == nil || cpu.Config != "api" {
			t.Fatalf("%s: no cpu_per_request check of api in %+v", tc.name, v.Checks)
		}
		if got := v.ExitCode(); got != tc.want {
			t.Errorf("%s: exit %d, want %d (cpu_per_request %s, %s)", tc.name, got, tc.want, cpu.Delta, cpu.Message)
		}
	}

	// A run of the A/B study with a neighbour: the repeats' spread (30–45
	// µs on both versions alike) hides the +28 % from two independent
	// samples; paired by repeat it is significantly beyond 10 %.
	champ := []float64{38.6, 30.3, 42.0, 36.4, 44.8, 37.1, 36.0}
	chall := []float64{39.0, 42.3, 60.1, 44.0, 52.7, 56.6, 46.1}
	recs := abRun(champ, 1)
	for i := range recs {
		cpu := champ
		if recs[i].Config.Version == record.VersionChallenger {
			cpu = chall
		}
		recs[i].Target.CPUPerRequestMs = cpu[recs[i].Repeat] / 1000
	}
	in := Input{Records: recs, SLO: mustSLO(t, "error_rate<1%"), At: AtTarget, TargetLoad: 20, Tolerance: tol, Alpha: 0.05}
	cur, err := AgainstVersion(in, record.VersionChampion, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	v := Evaluate(cur)
	if v.ExitCode() != ExitFail || !strings.Contains(verdictText(v), "n=7 pairs") {
		t.Errorf("the study's knob run, paired: exit %d, want 1 with paired statistics:\n%s", v.ExitCode(), verdictText(v))
	}

	// The tolerance holds the pairs' median ratio (+30 % here), not the
	// ratio of the two medians (+4.5 %): beyond it, so tested, and not a
	// significant change (three pairs went the other way: p=0.19), so it
	// passes as noise.
	champ = []float64{10, 20, 30, 100, 110, 120, 130}
	chall = []float64{13, 26, 39, 130, 104.5, 114, 123.5}
	for i := range recs {
		cpu := champ
		if recs[i].Config.Version == record.VersionChallenger {
			cpu = chall
		}
		recs[i].Target.CPUPerRequestMs = cpu[recs[i].Repeat] / 1000
	}
	tol5, _ := ParseTolerance("cpu_per_request=5%")
	in = Input{Records: recs, SLO: mustSLO(t, "error_rate<1%"), At: AtTarget, TargetLoad: 20, Tolerance: tol5, Alpha: 0.05}
	if cur, err = AgainstVersion(in, record.VersionChampion, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if v := Evaluate(cur); !v.Pass || !strings.Contains(verdictText(v), "~ (p=0.19 n=7 pairs)") ||
		!strings.Contains(verdictText(v), "beyond the tolerance, but the change itself is not significant") ||
		!strings.Contains(verdictText(v), "pairs' median ≤ +5.0%") {
		t.Errorf("medians within, pairs beyond: want the pairs tested and the change found not significant:\n%s", verdictText(v))
	}

	// Versions at unequal loads (weight 25 %) are refused, naming the step.
	uneven := abRun(base, 1)
	for i := range uneven {
		if uneven[i].Config.Version == record.VersionChallenger {
			uneven[i].Load.Users = 10
		}
	}
	if _, err := AgainstVersion(Input{Records: uneven, TargetLoad: 20}, record.VersionChampion, time.Unix(0, 0)); err == nil ||
		!strings.Contains(err.Error(), "api's step 1 offered 20 users to the champion and 10 users to the challenger") {
		t.Errorf("unequal loads: err %v, want a refusal naming both loads", err)
	}

	plain := Input{Records: run(), TargetLoad: 200}
	if _, err := AgainstVersion(plain, record.VersionChampion, time.Unix(0, 0)); err == nil ||
		!strings.Contains(err.Error(), "challenger:") {
		t.Fatalf("a run without versions: err %v, want a refusal naming challenger:", err)
	}
	if _, err := AgainstVersion(plain, "main", time.Unix(0, 0)); err == nil || !strings.Contains(err.Error(), "champion") {
		t.Fatalf("--against main: err %v, want the accepted value named", err)
	}
}

// verdictText is v's table as WriteTable renders it.
func verdictText(v Verdict) string {
	var b bytes.Buffer
	if err := WriteTable(&b, v); err != nil {
		return err.Error()
	}
	return b.String()
}

// TestPairedWindows: pairs match on repeat and step; a window seen twice
// on a side (a spike ramp back to a load it had) is not paired at all.
func TestPairedWindows(t *testing.T) {
	rec := func(rep, at int, cpu float64) record.Record {
		r := step("api", 20, 90, 0, 2800)
		r.Repeat, r.Step, r.Target = rep, at, &record.Target{CPUPerRequestMs: cpu}
		return r
	}
	champ := []record.Record{rec(0, 0, 1), rec(1, 0, 2), rec(2, 0, 3)}
	chall := []record.Record{rec(2, 0, 3.3), rec(0, 0, 1.1), rec(1, 0, 2.2)}
	b, c, ok := paired(champ, chall, "cpu_per_request")
	if !ok || len(b) != 3 || b[0] != 3 || c[0] != 3.3 || b[1] != 1 || c[1] != 1.1 {
		t.Fatalf("pairs by repeat: %v %v %v", b, c, ok)
	}
	if _, _, ok := paired(append(champ, rec(0, 0, 9)), chall, "cpu_per_request"); ok {
		t.Error("a window twice on the baseline's side was paired")
	}
	if _, _, ok := paired(champ, append(chall, rec(1, 0, 9)), "cpu_per_request"); ok {
		t.Error("a window twice on the run's side was paired")
	}
}
