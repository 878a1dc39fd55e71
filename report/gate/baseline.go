package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Baseline is what a later gate compares with: per configuration, the
// capacity and the metrics at the gated point of a reference run.
type Baseline struct {
	Version   int                        `json:"version"`
	Run       string                     `json:"run"`
	CreatedAt time.Time                  `json:"created_at"`
	At        string                     `json:"at"`
	Configs   map[string]BaselineMetrics `json:"configs"`
}

// BaselineMetrics are one configuration's reference values: capacity and
// step in offered load (users or req/s), latencies in milliseconds,
// error_rate as a fraction, rps in requests per second.
type BaselineMetrics struct {
	Capacity float64            `json:"capacity"`
	Step     float64            `json:"step"`
	Load     float64            `json:"load"`
	Metrics  map[string]float64 `json:"metrics"`
}

// baselineMetrics are the metrics stored per configuration.
var baselineMetrics = []string{"p50", "p90", "p95", "p99", "mean", "max", "p95_ok", "p99_ok", "error_rate", "rps", "ok_rps"}

// NewBaseline records the reference values of a run, at the same point the
// gate will evaluate (in.At / in.AtLoad / in.TargetLoad).
func NewBaseline(in Input, now time.Time) (Baseline, error) {
	b := Baseline{Version: 1, CreatedAt: now.UTC(), At: in.At, Configs: map[string]BaselineMetrics{}}
	order, byConfig := record.ByConfig(in.Records)
	for _, name := range order {
		recs := byConfig[name]
		if b.Run == "" {
			b.Run = recs[0].Run
		}
		at, _ := point(in, name, recs)
		steps := stepsAt(recs, at)
		if len(steps) == 0 {
			continue
		}
		m := BaselineMetrics{Capacity: in.Capacity[name], Step: in.Step[name], Load: at, Metrics: map[string]float64{}}
		for _, metric := range baselineMetrics {
			// A value that was not measured is not kept: a later gate
			// has nothing to compare it with, rather than a fake 0.
			if mm := measure(steps, metric); mm.ok() {
				m.Metrics[metric] = mm.value
			}
		}
		b.Configs[name] = m
	}
	if len(b.Configs) == 0 {
		return b, errors.New("no configuration has a measured step to keep as a baseline")
	}
	return b, nil
}

// Save writes the baseline as indented JSON, creating parent folders.
func (b Baseline) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}
	return nil
}

// LoadBaseline reads a baseline JSON file.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("baseline %s: not a loadlab baseline JSON: %w", path, err)
	}
	if b.Version != 1 || b.Configs == nil {
		return nil, fmt.Errorf("baseline %s: want version 1 with configs (make one with `loadlab baseline save`)", path)
	}
	return &b, nil
}

// compare adds one check per toleranced metric and one for capacity.
func (v *Verdict) compare(in Input, name, label string, steps []record.Record) {
	base, ok := in.Baseline.Configs[name]
	if !ok {
		v.add(Check{Name: name + ": baseline", Config: name, Metric: "baseline", Measured: "-", Limit: "present",
			Pass: true, Message: "configuration not in the baseline: nothing to compare"})
		return
	}
	metrics := make([]string, 0, len(in.Tolerance.Metrics))
	for m := range in.Tolerance.Metrics {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	for _, metric := range metrics {
		tol := in.Tolerance.Metrics[metric]
		cond, _ := slo.ParseCondition(metric + "<1")
		checkName := fmt.Sprintf("%s: %s vs baseline %s", name, metric, label)
		m := measure(steps, metric)
		ref, ok := base.Metrics[metric]
		switch {
		case !m.ok():
			v.add(Check{Name: checkName, Config: name, Metric: metric, Measured: m.text(cond.Format), Limit: "a measured value",
				Baseline: baselineText(ref, ok, cond.Format), Pass: false, Message: m.message()})
			continue
		case !ok:
			v.add(Check{Name: checkName, Config: name, Metric: metric, Measured: cond.Format(m.value), Limit: "-",
				Baseline: "not measured", Pass: true, Message: "the baseline has no " + metric + " (not measured there): nothing to compare"})
			continue
		}
		cur := m.value
		var limit float64
		var pass bool
		var limitText string
		switch {
		case cond.Kind.HigherIsBetter():
			limit = ref * (1 - tol)
			pass = cur >= limit
			limitText = "≥ " + cond.Format(limit)
		case cond.Kind == slo.KindRate: // absolute points
			limit = ref + tol
			pass = cur <= limit
			limitText = "≤ " + cond.Format(limit)
		default: // latency: lower is better
			limit = ref * (1 + tol)
			pass = cur <= limit
			limitText = "≤ " + cond.Format(limit)
		}
		v.add(Check{Name: fmt.Sprintf("%s: %s vs baseline %s", name, metric, label), Config: name, Metric: metric,
			Measured: cond.Format(cur), Limit: limitText, Baseline: cond.Format(ref), Delta: delta(cond.Kind, cur, ref), Pass: pass})
	}
	if in.Tolerance.CapacitySteps >= 0 {
		cur := in.Capacity[name]
		step := base.Step
		if step <= 0 {
			step = in.Step[name]
		}
		limit := capacityFloor(ladder(in.Records), base.Capacity, in.Tolerance.CapacitySteps, step)
		v.add(Check{Name: name + ": capacity vs baseline", Config: name, Metric: "capacity",
			Measured: fmtLoad(cur), Limit: "≥ " + fmtLoad(limit), Baseline: fmtLoad(base.Capacity),
			Delta: signed(cur-base.Capacity, ""), Pass: cur >= limit})
	}
}

// ladder is the sorted distinct offered loads (users or req/s) measured
// in the run, over every configuration (they share one ramp, and one that
// stopped early has not reached the upper rungs): the rungs a capacity
// can sit on.
func ladder(recs []record.Record) []float64 {
	var loads []float64
	for _, r := range recs {
		if r.Failure == "" && r.Offered() > 0 && !slices.Contains(loads, r.Offered()) {
			loads = append(loads, r.Offered())
		}
	}
	sort.Float64s(loads)
	return loads
}

// capacityFloor is the lowest capacity that stays within n steps of the
// baseline capacity base. Steps are counted as rungs of the run's ladder,
// so an uneven ramp (steps: [10, 25, 50, 100]) allows n rungs down, not n
// times the smallest gap; below the first rung the floor is 0 (the
// configuration may fail its first step). A base above the top rung (the
// run stopped early, or the baseline's ramp went further) counts as one
// rung above it: the rungs in between were never measured, so they cannot
// be granted. Without a ladder it falls back to base - n*step.
func capacityFloor(loads []float64, base float64, n int, step float64) float64 {
	if len(loads) == 0 {
		return base - float64(n)*step
	}
	i := sort.SearchFloat64s(loads, base) // first rung ≥ base; len(loads) above the top
	if i < len(loads) && loads[i] > base {
		i-- // between rungs: the highest rung below base; -1 below the ladder
	}
	if i-n < 0 {
		return 0
	}
	return loads[i-n]
}

func delta(k slo.Kind, cur, ref float64) string {
	if k == slo.KindRate {
		return signed((cur-ref)*100, " pts")
	}
	if ref == 0 {
		return "n/a"
	}
	return signed((cur-ref)/ref*100, "%")
}

func signed(f float64, unit string) string {
	return fmt.Sprintf("%+.1f%s", f, unit)
}

func baselineText(ref float64, ok bool, format func(float64) string) string {
	if !ok {
		return "not measured"
	}
	return format(ref)
}
