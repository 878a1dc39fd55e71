package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// unanswered is a step at which no response arrived: every request still
// in flight when the window closed, latencies null.
func unanswered(name string, users int) record.Record {
	r := step(name, users, 0, 0, 0)
	r.Latency, r.LatencyOK, r.Requests, r.InFlight = nil, nil, 0, int64(users)
	return r
}

func TestNoAnswersNeverPassesAGate(t *testing.T) {
	recs := append(run(), unanswered("c", 100), unanswered("c", 200))
	for _, c := range []struct {
		slo      string
		measured string // of c's check
	}{
		{"p95<1s", "no answers"},
		{"p99_ok<1s", "no answers"},
		{"error_rate<1%", "0.00% (no answers)"},
		{"rps<1000", "0.0 (no answers)"},
	} {
		t.Run(c.slo, func(t *testing.T) {
			v := Evaluate(Input{Records: recs, SLO: mustSLO(t, c.slo), At: AtUsers, AtLoad: 200})
			if v.ExitCode() != ExitFail {
				t.Errorf("exit %d, want %d: %+v", v.ExitCode(), ExitFail, v.Checks)
			}
			for _, ch := range v.Checks {
				if ch.Config != "c" {
					continue
				}
				if ch.Pass || ch.Measured != c.measured || !strings.Contains(ch.Message, "no response") {
					t.Errorf("check %+v: want a failure measured %q saying no response arrived", ch, c.measured)
				}
			}
		})
	}
	// One repeat without answers is enough: it is never outvoted.
	rep := step("c", 200, 100, 0, 180)
	rep.Repeat = 1
	other := unanswered("c", 200)
	other.Repeat = 2
	third := step("c", 200, 110, 0, 180)
	v := Evaluate(Input{Records: append(run(), rep, other, third), SLO: mustSLO(t, "p95<1s"), At: AtUsers, AtLoad: 200})
	if v.ExitCode() != ExitFail {
		t.Errorf("one repeat of three without answers: exit %d, %+v", v.ExitCode(), v.Checks)
	}
}

func TestNoAnswersAgainstABaseline(t *testing.T) {
	in := Input{Records: run(), TargetLoad: 200, Capacity: map[string]float64{"a": 200, "b": 300}, Step: map[string]float64{"a": 100, "b": 100}}
	base, err := NewBaseline(in, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	cur := run()
	cur[4] = unanswered("b", 200)
	tol, _ := ParseTolerance("p95=1000%,error_rate=100%,rps=100%")
	v := Evaluate(Input{Records: cur, TargetLoad: 200, Baseline: &base, Tolerance: tol, Capacity: map[string]float64{"a": 200, "b": 100}})
	for _, c := range v.Checks {
		if c.Config == "b" && c.Pass && c.Metric != "rps" {
			t.Errorf("%s passes on a step without answers: %+v", c.Name, c)
		}
	}
	if v.ExitCode() != ExitFail {
		t.Errorf("exit %d, want %d", v.ExitCode(), ExitFail)
	}
	// A baseline never stores a latency that was not measured.
	b, err := NewBaseline(Input{Records: cur, TargetLoad: 200}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Configs["b"].Metrics["p95"]; ok {
		t.Errorf("baseline kept a p95 for a step without answers: %v", b.Configs["b"].Metrics)
	}
}

func TestIncompleteRunsAreUntrustworthy(t *testing.T) {
	plan := &record.Plan{Repeat: 1, Configs: []record.Config{{Name: "a"}, {Name: "b"}, {Name: "c"}}}
	partial := func() []record.Record {
		r := run()[:3]
		r[2].Partial, r[2].StopReason, r[2].WindowS = true, "interrupted", 1.1
		return r
	}
	for _, c := range []struct {
		name string
		in   Input
		why  []string
	}{
		{"a partial step elsewhere than the gated point", Input{Records: partial(), At: AtUsers, AtLoad: 100},
			[]string{"a: the step at 300 users was cut short after 1.1 s (interrupted)"}},
		{"at capacity", Input{Records: partial(), At: AtCapacity, Capacity: map[string]float64{"a": 200}},
			[]string{"a: the step at 300 users was cut short"}},
		{"planned configurations never measured", Input{Records: run(), Plan: plan, At: AtUsers, AtLoad: 100},
			[]string{"c was planned but not run"}},
		{"SIGTERM in the first configuration", Input{Records: partial(), Plan: plan, At: AtUsers, AtLoad: 100},
			[]string{"a: the step at 300 users was cut short", "b was planned but not run", "c was planned but not run"}},
		{"a torn last line", Input{Records: run(), Torn: &record.TornLine{Path: "r/steps.jsonl", Line: 7, Bytes: 30}, At: AtUsers, AtLoad: 100},
			[]string{"r/steps.jsonl line 7 was cut mid-write"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.in.SLO = mustSLO(t, "p95<1s")
			v := Evaluate(c.in)
			if v.ExitCode() != ExitUntrustworthy {
				t.Errorf("exit %d, want %d", v.ExitCode(), ExitUntrustworthy)
			}
			all := strings.Join(v.Untrustworthy, "\n")
			for _, w := range c.why {
				if !strings.Contains(all, "incomplete run: "+w) {
					t.Errorf("reasons lack %q:\n%s", w, all)
				}
			}
			if line := summaryLine(v); !strings.Contains(line, "incomplete run") {
				t.Errorf("summary line does not say the run is incomplete: %s", line)
			}
		})
	}
}

// TestAFailedRepeatIsUntrustworthy: with repeat: 2, repeat 2 of b failed to
// deploy. b has repeat 1's steps plus one failure record; the plan is
// satisfied (every repeat has a record), yet b's figures are half of what
// was planned: the gate exits 3 and names b and the repeat.
func TestAFailedRepeatIsUntrustworthy(t *testing.T) {
	plan := &record.Plan{Repeat: 2, Configs: []record.Config{{Name: "a"}, {Name: "b"}}}
	recs := run()
	for _, r := range run()[:3] {
		r.Repeat = 1
		recs = append(recs, r)
	}
	recs = append(recs, record.Record{Config: record.Config{Name: "b"}, Repeat: 1, Step: -1, Failure: "deploy: container exited with code 1"})
	for _, at := range []Input{{At: AtUsers, AtLoad: 100}, {At: AtCapacity, Capacity: map[string]float64{"a": 200, "b": 300}}, {TargetLoad: 200}} {
		in := at
		in.Records, in.Plan, in.SLO = recs, plan, mustSLO(t, "p95<1s")
		v := Evaluate(in)
		if v.ExitCode() != ExitUntrustworthy {
			t.Errorf("%s: exit %d, want %d", in.At, v.ExitCode(), ExitUntrustworthy)
		}
		want := "b: repeat 2 of 2 failed (deploy: container exited with code 1): b was measured in 1 of 2 repeats"
		if all := strings.Join(v.Untrustworthy, "\n"); !strings.Contains(all, want) {
			t.Errorf("%s: reasons lack %q:\n%s", in.At, want, all)
		}
	}
	// Without a plan the repeat is still named.
	v := Evaluate(Input{Records: recs, SLO: mustSLO(t, "p95<1s"), At: AtUsers, AtLoad: 100})
	if all := strings.Join(v.Untrustworthy, "\n"); v.ExitCode() != ExitUntrustworthy || !strings.Contains(all, "b: repeat 2 failed (deploy: container exited with code 1)") {
		t.Errorf("no plan: exit %d, reasons:\n%s", v.ExitCode(), all)
	}
}
