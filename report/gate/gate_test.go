package gate

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// step builds a closed-loop step record of config name at users.
func step(name string, users int, p95, errRate, rps float64) record.Record {
	return record.Record{Run: "r1", Config: record.Config{Name: name, Replicas: 1}, Step: users / 100,
		Load: record.Load{Model: record.ModelUsers, Users: users}, Requests: 1000,
		RPS: rps, OKRPS: rps * (1 - errRate), ErrorRate: errRate,
		Latency: &record.Latency{P50: p95 / 2, P95: p95, P99: p95 * 1.5}, LatencyOK: &record.Latency{P95: p95}}
}

func mustSLO(t *testing.T, s string) slo.SLO {
	t.Helper()
	c, err := slo.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func run() []record.Record {
	return []record.Record{
		step("a", 100, 100, 0, 90), step("a", 200, 300, 0.001, 170), step("a", 300, 1400, 0.02, 190),
		step("b", 100, 80, 0, 95), step("b", 200, 120, 0, 185), step("b", 300, 200, 0, 270),
	}
}

func TestEvaluateThresholds(t *testing.T) {
	tests := []struct {
		name     string
		in       Input
		wantPass []bool // per check, in order
		exit     int
	}{
		{"highest step by default", Input{Records: run(), SLO: mustSLO(t, "p95<1s,error_rate<1%")},
			[]bool{false, false, true, true}, ExitFail},
		{"at target users", Input{Records: run(), SLO: mustSLO(t, "p95<1s,error_rate<1%"), TargetLoad: 200},
			[]bool{true, true, true, true}, ExitPass},
		{"at given users, rps lower bound", Input{Records: run(), SLO: mustSLO(t, "rps>=180"), At: AtUsers, AtLoad: 200},
			[]bool{false, true}, ExitFail},
		{"inclusive and strict bounds", Input{Records: run(), SLO: mustSLO(t, "p95<=300ms,p95<300ms"), At: AtUsers, AtLoad: 200},
			[]bool{true, false, true, true}, ExitFail},
		{"at capacity", Input{Records: run(), SLO: mustSLO(t, "rps>100"), At: AtCapacity,
			Capacity: map[string]float64{"a": 200, "b": 300}}, []bool{true, true}, ExitPass},
		{"no step at the load fails", Input{Records: run(), SLO: mustSLO(t, "p95<1s"), At: AtUsers, AtLoad: 400},
			[]bool{false, false}, ExitFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate(tt.in)
			if len(v.Checks) != len(tt.wantPass) {
				t.Fatalf("checks = %d, want %d: %+v", len(v.Checks), len(tt.wantPass), v.Checks)
			}
			for i, c := range v.Checks {
				if c.Pass != tt.wantPass[i] {
					t.Errorf("check %q pass = %v, want %v (measured %s)", c.Name, c.Pass, tt.wantPass[i], c.Measured)
				}
			}
			if got := v.ExitCode(); got != tt.exit {
				t.Errorf("exit = %d, want %d", got, tt.exit)
			}
		})
	}
}

func TestEvaluateNames(t *testing.T) {
	v := Evaluate(Input{Records: run(), SLO: mustSLO(t, "p95<1s"), TargetLoad: 300})
	if v.Checks[0].Name != "a: p95<1s at 300 users" || v.Checks[0].Measured != "1.40s" {
		t.Errorf("check = %+v", v.Checks[0])
	}
	v = Evaluate(Input{Records: run(), SLO: mustSLO(t, "p95<1s"), At: AtUsers, AtLoad: 500})
	if !strings.Contains(v.Checks[0].Message, "no measured step at 500 (the ramp reached 300)") {
		t.Errorf("message = %q", v.Checks[0].Message)
	}
}

func TestUntrustworthy(t *testing.T) {
	recs := run()
	recs[5].Generator = record.Generator{Saturated: true, Warning: "generator CPU 190% of 200%"}
	v := Evaluate(Input{Records: recs, SLO: mustSLO(t, "p95<1s"), TargetLoad: 300})
	if v.ExitCode() != ExitUntrustworthy || !strings.Contains(v.Untrustworthy[0], "saturated") {
		t.Errorf("saturated generator: exit %d, %v", v.ExitCode(), v.Untrustworthy)
	}
	recs = run()
	recs[2].Partial, recs[2].StopReason = true, "interrupted"
	if v := Evaluate(Input{Records: recs, SLO: mustSLO(t, "p95<1s")}); v.ExitCode() != ExitUntrustworthy {
		t.Errorf("partial step: exit %d", v.ExitCode())
	}
	recs = append(run(), record.Record{Config: record.Config{Name: "c"}, Step: -1, Failure: "deploy: image not found"})
	if v := Evaluate(Input{Records: recs, SLO: mustSLO(t, "p95<1s"), TargetLoad: 200}); v.ExitCode() != ExitUntrustworthy {
		t.Errorf("failed configuration: exit %d", v.ExitCode())
	}
	if v := Evaluate(Input{SLO: mustSLO(t, "p95<1s")}); v.ExitCode() != ExitUntrustworthy {
		t.Errorf("empty run: exit %d", v.ExitCode())
	}
}

func TestBaselineCompare(t *testing.T) {
	in := Input{Records: run(), TargetLoad: 200, Capacity: map[string]float64{"a": 200, "b": 300},
		Step: map[string]float64{"a": 100, "b": 100}}
	base, err := NewBaseline(in, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "baselines", "main.json")
	if err := base.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Configs["a"].Metrics["p95"] != 300 || loaded.Configs["b"].Capacity != 300 {
		t.Fatalf("baseline = %+v", loaded.Configs)
	}

	// A slower run: a's p95 +20 %, b's rps -10 %, b's capacity down two steps.
	cur := run()
	cur[1].Latency.P95 = 360
	cur[4].RPS = 166.5
	tol, err := ParseTolerance("p95=10%,rps=5%,capacity=1step")
	if err != nil {
		t.Fatal(err)
	}
	v := Evaluate(Input{Records: cur, TargetLoad: 200, Capacity: map[string]float64{"a": 200, "b": 100},
		Step: in.Step, Baseline: loaded, Tolerance: tol})
	got := map[string]Check{}
	for _, c := range v.Checks {
		got[c.Name] = c
	}
	want := map[string]struct {
		pass  bool
		delta string
	}{
		"a: p95 vs baseline at 200 users": {false, "+20.0% (n=1+1: no statistics)"},
		"a: rps vs baseline at 200 users": {true, "+0.0% (n=1+1: no statistics)"},
		"a: capacity vs baseline":         {true, "+0.0"},
		"b: p95 vs baseline at 200 users": {true, "+0.0% (n=1+1: no statistics)"},
		"b: rps vs baseline at 200 users": {false, "-10.0% (n=1+1: no statistics)"},
		"b: capacity vs baseline":         {false, "-200.0"},
	}
	for name, w := range want {
		c, ok := got[name]
		if !ok {
			t.Errorf("missing check %q in %v", name, v.Checks)
			continue
		}
		if c.Pass != w.pass || c.Delta != w.delta {
			t.Errorf("%s: pass %v delta %s, want %v %s", name, c.Pass, c.Delta, w.pass, w.delta)
		}
	}
	if v.ExitCode() != ExitFail {
		t.Errorf("exit = %d", v.ExitCode())
	}
	// Within tolerance passes.
	tol, _ = ParseTolerance("p95=25%,rps=15%,capacity=2step")
	v = Evaluate(Input{Records: cur, TargetLoad: 200, Capacity: map[string]float64{"a": 200, "b": 100},
		Step: in.Step, Baseline: loaded, Tolerance: tol})
	if v.ExitCode() != ExitPass {
		t.Errorf("within tolerance: %+v", v.Checks)
	}
}

func TestParseTolerance(t *testing.T) {
	tol, err := ParseTolerance("p95=10%, rps=5% ,capacity=1step,error_rate=0.5%")
	if err != nil {
		t.Fatal(err)
	}
	if tol.Metrics["p95"] != 0.10 || tol.Metrics["rps"] != 0.05 || tol.Metrics["error_rate"] != 0.005 || tol.CapacitySteps != 1 {
		t.Errorf("tolerance = %+v", tol)
	}
	if tol.String() != "error_rate=0.5%,p95=10%,rps=5%,capacity=1step" {
		t.Errorf("String() = %q", tol.String())
	}
	if d, err := ParseTolerance(DefaultTolerance); err != nil || d.CapacitySteps != 1 {
		t.Errorf("default tolerance: %+v %v", d, err)
	}
	_, err = ParseTolerance("p96=10%,rps=5,capacity=x,=3")
	for _, w := range []string{`unknown metric "p96"`, `"rps=5": want a percentage`, "capacity takes a number of steps", "want metric=value"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not contain %q", err, w)
		}
	}
}

func TestJUnit(t *testing.T) {
	recs := run()
	recs = append(recs, record.Record{Config: record.Config{Name: "c"}, Step: -1, Failure: "deploy: boom"})
	v := Evaluate(Input{Records: recs, SLO: mustSLO(t, "p95<1s,error_rate<1%")})
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, v); err != nil {
		t.Fatal(err)
	}
	// Schema shape: testsuites > testsuite > testcase with name and
	// classname; counts agree; failures carry a message with the numbers.
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
		Fails   int      `xml:"failures,attr"`
		Errors  int      `xml:"errors,attr"`
		Suite   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, buf.String())
	}
	if len(doc.Suite) != 1 || doc.Tests != 5 || doc.Suite[0].Tests != 5 || doc.Fails != 2 || doc.Errors != 1 {
		t.Fatalf("counts: %+v\n%s", doc, buf.String())
	}
	fails := 0
	for _, c := range doc.Suite[0].Cases {
		if c.Name == "" || c.Classname == "" {
			t.Errorf("testcase without name/classname: %+v", c)
		}
		if c.Failure != nil {
			fails++
			if !strings.Contains(c.Failure.Message, "measured") || !strings.Contains(c.Failure.Message, "limit") {
				t.Errorf("failure message without numbers: %q", c.Failure.Message)
			}
		}
	}
	if fails != 2 || !strings.HasPrefix(buf.String(), "<?xml") {
		t.Errorf("failures = %d", fails)
	}
}

func TestStepSummaryOnlyWhenSet(t *testing.T) {
	v := Evaluate(Input{Records: run(), SLO: mustSLO(t, "p95<1s"), TargetLoad: 200})
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	if err := AppendStepSummary(v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, []byte("# earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_STEP_SUMMARY", path)
	if err := AppendStepSummary(v); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	s := string(b)
	if !strings.HasPrefix(s, "# earlier step\n") || !strings.Contains(s, "### loadlab gate: PASS") || !strings.Contains(s, "| a: p95<1s at 200 users") {
		t.Errorf("summary file:\n%s", s)
	}
}

func TestWriteTable(t *testing.T) {
	v := Evaluate(Input{Records: run(), SLO: mustSLO(t, "p95<1s")})
	var buf bytes.Buffer
	if err := WriteTable(&buf, v); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, w := range []string{"a: p95<1s at the highest step (300 users)", "1.40s", "FAIL", "PASS", "FAIL — 1 of 2 gates failed"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
}

// TestCapacityFloorOnUnevenLadder: tolerance steps count rungs of the
// ladder actually measured, not multiples of its smallest gap.
func TestCapacityFloorOnUnevenLadder(t *testing.T) {
	loads := []float64{10, 25, 50, 100, 200, 400}
	tests := []struct {
		base float64
		n    int
		want float64
	}{
		{200, 1, 100}, {200, 2, 50}, {200, 0, 200}, {400, 1, 200},
		{10, 1, 0}, {0, 1, 0}, {25, 5, 0},
		{150, 1, 50}, // base between rungs: its rung is 100
		// Base above the ladder (the run stopped early, or the baseline's
		// ramp went further): one rung above the top, never granted.
		{800, 1, 400}, {800, 2, 200}, {200, 1, 100},
	}
	for _, tt := range tests {
		if got := capacityFloor(loads, tt.base, tt.n, 10); got != tt.want {
			t.Errorf("capacityFloor(%v, %d) = %v, want %v", tt.base, tt.n, got, tt.want)
		}
	}
	// Every configuration stopped at 50 (its first failing rung): a
	// baseline capacity of 200 must not let a capacity of 25 pass.
	if got := capacityFloor([]float64{10, 25, 50}, 200, 1, 10); got != 50 {
		t.Errorf("truncated ladder: floor %v, want 50 (the top measured rung)", got)
	}
	if got := capacityFloor(nil, 300, 2, 100); got != 100 {
		t.Errorf("no ladder: %v, want base-2×step = 100", got)
	}

	var recs []record.Record
	for _, u := range loads {
		recs = append(recs, step("a", int(u), 10, 0, u*5))
	}
	base := &Baseline{Version: 1, Configs: map[string]BaselineMetrics{"a": {Capacity: 200, Step: 15}}}
	tol, err := ParseTolerance("capacity=1step")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		capacity float64
		pass     bool
	}{{200, true}, {100, true}, {50, false}} {
		v := Evaluate(Input{Records: recs, SLO: mustSLO(t, "p95<1s"), At: AtUsers, AtLoad: 10,
			Capacity: map[string]float64{"a": c.capacity}, Baseline: base, Tolerance: tol})
		found := 0
		for _, ch := range v.Checks {
			if ch.Metric != "capacity" {
				continue
			}
			found++
			if ch.Pass != c.pass || ch.Limit != "≥ 100" {
				t.Errorf("capacity %v: pass %v limit %q, want %v ≥ 100", c.capacity, ch.Pass, ch.Limit, c.pass)
			}
		}
		if found != 1 {
			t.Errorf("capacity %v: %d capacity checks in %+v, want 1", c.capacity, found, v.Checks)
		}
	}
}
