package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// TestMachineNote: a baseline keeps the CPU model it was recorded on, and
// a run on another model gets a note naming both when a CPU metric is
// compared (CPU per request counts a CPU model's work); the check passes
// (CI runners of one type vary), and there is no note when the models
// agree, either is unknown, or no CPU metric is toleranced.
func TestMachineNote(t *testing.T) {
	cost := func(r *record.Record, x float64) { withCost(r, x) }
	b, err := NewBaseline(Input{Records: repeats([]float64{0.022, 0.023, 0.022, 0.023, 0.022}, cost), TargetLoad: 100, Machine: "Intel Xeon E5"}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.json")
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(path); !strings.Contains(string(raw), `"machine": "Intel Xeon E5"`) {
		t.Fatalf("the saved baseline lacks its machine:\n%s", raw)
	}
	cur := repeats([]float64{0.022, 0.023, 0.022, 0.023, 0.022}, cost)
	for _, c := range []struct {
		name, machine, tolerance string
		note                     bool
	}{
		{"another CPU model, CPU metric compared", "AMD EPYC 7763", "cpu_per_request=10%", true},
		{"the same CPU model", "Intel Xeon E5", "cpu_per_request=10%", false},
		{"the run's model unknown", "", "cpu_per_request=10%", false},
		{"no CPU metric compared", "AMD EPYC 7763", "p95=10%", false},
	} {
		tol, err := ParseTolerance(c.tolerance)
		if err != nil {
			t.Fatal(err)
		}
		v := Evaluate(Input{Records: cur, SLO: mustSLO(t, "p95<1h"), TargetLoad: 100, Baseline: &b, Tolerance: tol, Machine: c.machine})
		var note *Check
		for i := range v.Checks {
			if v.Checks[i].Metric == "machine" {
				note = &v.Checks[i]
			}
		}
		switch {
		case c.note && (note == nil || !note.Pass || !strings.Contains(note.Message, "Intel Xeon E5") || !strings.Contains(note.Message, c.machine)):
			t.Errorf("%s: want a passing note naming both CPU models, got %+v", c.name, note)
		case !c.note && note != nil:
			t.Errorf("%s: want no note, got %+v", c.name, *note)
		}
	}
}
