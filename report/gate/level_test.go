package gate

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// ladderRun is config "a" measured at 10, 25, 50, 100, 200 and 400 users,
// its rps 5 per user and its p95 1 ms per user.
func ladderRun() []record.Record {
	var recs []record.Record
	for _, u := range []int{10, 25, 50, 100, 200, 400} {
		recs = append(recs, step("a", u, float64(u), 0, 5*float64(u)))
	}
	return recs
}

// rateStep makes r an open-loop step at rate requests per second.
func rateStep(r record.Record, rate float64) record.Record {
	r.Load = record.Load{Model: record.ModelRate, Rate: rate}
	return r
}

// TestBaselineLevel: a baseline is compared only at the load level it
// holds for a configuration, whatever level the thresholds are evaluated
// at; a run without a complete step at that level is refused (ExitUsage)
// naming the levels of both sides.
func TestBaselineLevel(t *testing.T) {
	tol, err := ParseTolerance("rps=20%")
	if err != nil {
		t.Fatal(err)
	}
	base := func(load float64, model string, rps float64) *Baseline {
		return &Baseline{Version: 1, Configs: map[string]BaselineMetrics{
			"a": {Load: load, Model: model, Metrics: map[string]float64{"rps": rps}}}}
	}
	rateRun := func() []record.Record {
		var recs []record.Record
		for _, r := range []float64{50, 100} {
			recs = append(recs, rateStep(step("a", 0, 1, 0, r), r))
		}
		return recs
	}
	for _, c := range []struct {
		name     string
		recs     []record.Record
		base     *Baseline
		at       float64 // the thresholds' --at-users; 0 = target (400)
		check    string  // the baseline check's name
		measured string
		pass     bool
		refusal  string // Refusal's words; "" when none
		message  string // the check's words when there is no refusal
		// untrusted: the run cannot be trusted (exit 3), so it is not refused.
		untrusted bool
	}{
		{name: "same level as the thresholds", recs: ladderRun(), base: base(400, record.ModelUsers, 2000),
			check: "a: rps vs baseline at 400 users", measured: "2000.0", pass: true},
		{name: "other level: the baseline's, not the target's", recs: ladderRun(), base: base(10, record.ModelUsers, 50.2),
			check: "a: rps vs baseline at 10 users", measured: "50.0", pass: true},
		{name: "other level catches a regression the target level hides", recs: ladderRun(), base: base(10, record.ModelUsers, 80),
			check: "a: rps vs baseline at 10 users", measured: "50.0", pass: false},
		{name: "--at-users does not move the baseline's level", recs: ladderRun(), base: base(10, record.ModelUsers, 50), at: 100,
			check: "a: rps vs baseline at 10 users", measured: "50.0", pass: true},
		{name: "an old baseline without a model is of the run's model", recs: ladderRun(), base: base(25, "", 125),
			check: "a: rps vs baseline at 25 users", measured: "125.0", pass: true},
		{name: "missing level", recs: ladderRun()[1:], base: base(10, record.ModelUsers, 50),
			check: "a: baseline level", pass: false,
			refusal: "a: the baseline holds 10 users; this run measured 25, 50, 100, 200, 400 users: re-record the baseline or run the level"},
		// A partial step is no level, but its run is incomplete: exit 3, not 2.
		{name: "a partial step is no level", recs: func() []record.Record { r := ladderRun(); r[0].Partial = true; return r }(),
			base: base(10, record.ModelUsers, 50), check: "a: baseline level", pass: false, untrusted: true},
		// A ramp that stopped by itself below the level regressed: a failure, not a refusal.
		{name: "ramp stopped below the level", recs: func() []record.Record {
			r := ladderRun()[:3]
			r[2].StopReason = "stop condition: SLO breached on 2 consecutive steps"
			return r
		}(), base: base(200, record.ModelUsers, 1000), check: "a: baseline level", pass: false,
			message: "a: the ramp stopped at 50 users (stop condition: SLO breached on 2 consecutive steps), below the baseline's level of 200 users"},
		{name: "rate baseline, rate run", recs: rateRun(), base: base(50, record.ModelRate, 50),
			check: "a: rps vs baseline at 50 req/s", measured: "50.0", pass: true},
		{name: "rate baseline vs users run", recs: ladderRun(), base: base(50, record.ModelRate, 50),
			check: "a: baseline level", pass: false,
			refusal: "a: the baseline holds 50 req/s; this run measured 10, 25, 50, 100, 200, 400 users"},
		{name: "users baseline vs rate run", recs: rateRun(), base: base(50, record.ModelUsers, 250),
			check: "a: baseline level", pass: false,
			refusal: "a: the baseline holds 50 users; this run measured 50, 100 req/s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Records: c.recs, SLO: mustSLO(t, "p95<1h"), TargetLoad: 400, Baseline: c.base, Tolerance: tol}
			if c.at > 0 {
				in.At, in.AtLoad = AtUsers, c.at
			}
			err := Refusal(in)
			switch {
			case c.refusal == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.refusal != "" && (err == nil || !strings.Contains(err.Error(), c.refusal)):
				t.Errorf("refusal %v, want one saying %q", err, c.refusal)
			}
			v := Evaluate(in)
			var found *Check
			for i := range v.Checks {
				if v.Checks[i].Name == c.check {
					found = &v.Checks[i]
				}
			}
			if found == nil {
				t.Fatalf("no check %q in %+v", c.check, v.Checks)
			}
			if found.Pass != c.pass || (c.measured != "" && found.Measured != c.measured) {
				t.Errorf("check %+v: want pass %v measured %q", *found, c.pass, c.measured)
			}
			if !strings.Contains(found.Message, c.refusal+c.message) {
				t.Errorf("check message %q, want %q", found.Message, c.refusal+c.message)
			}
			if got := v.ExitCode() == ExitUntrustworthy; got != c.untrusted {
				t.Errorf("untrustworthy %v, want %v: %v", got, c.untrusted, v.Untrustworthy)
			}
			if c.at == 0 && !strings.Contains(v.Checks[0].Name, "p95<1h at 400 ") {
				t.Errorf("thresholds moved from the target: %q", v.Checks[0].Name)
			}
		})
	}
}
