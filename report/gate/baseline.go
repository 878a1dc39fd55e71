package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
)

// Baseline is what a later gate compares with: per configuration, the
// capacity and the metrics at the gated point of a reference run.
type Baseline struct {
	Version int    `json:"version"`
	Run     string `json:"run"`
	// Experiment is the name of the experiment the run was of; a
	// baseline saved without it is of the experiment its Run ID names
	// (rundir.ExperimentOf).
	Experiment string `json:"experiment,omitempty"`
	// Machine is the CPU model the run was recorded on ("" when unknown):
	// CPU per request belongs to it.
	Machine   string                     `json:"machine,omitempty"`
	CreatedAt time.Time                  `json:"created_at"`
	At        string                     `json:"at"`
	Configs   map[string]BaselineMetrics `json:"configs"`

	// missing is, per configuration NewBaseline left out (no complete
	// step at the point asked for), why, with the levels it measured.
	// Not saved: SaveBaseline says it, and a baseline taken from a folder
	// or a champion for an immediate comparison is refused with it
	// (missingLevels).
	missing map[string]string
}

// missingText is the reasons of missing, sorted by configuration.
func (b Baseline) missingText() []string {
	out := make([]string, 0, len(b.missing))
	for _, name := range slices.Sorted(maps.Keys(b.missing)) {
		out = append(out, b.missing[name])
	}
	return out
}

// missingLevels is an error naming the configurations of the run (recs)
// that the baseline has no complete step for at its point (nil when it
// has every one): a baseline compared at once must hold each of the
// run's configurations at the run's level, or the gate would call them
// missing from it. The baseline's configurations that the run lacks are
// the comparison's to judge (--allow-missing).
func (b Baseline) missingLevels(what string, recs []record.Record) error {
	order, _ := record.ByConfig(recs)
	var miss []string
	for _, name := range order {
		if why, ok := b.missing[name]; ok {
			miss = append(miss, why)
		}
	}
	if len(miss) == 0 {
		return nil
	}
	return fmt.Errorf("%s has no complete step where the run is gated: %s; gate at a level both measured (--at-users N)",
		what, strings.Join(miss, "; "))
}

// BaselineMetrics are one configuration's reference values: capacity and
// step in offered load (users or req/s), latencies (ttft_, itl_ and
// tpot_ ones too) in milliseconds, CPU per request in milliseconds,
// error_rate as a fraction, rps and goodput_rps in requests per second,
// requests_per_cpu_s in requests per CPU-second, output_tokens_per_s in
// tokens per second.
type BaselineMetrics struct {
	Capacity float64 `json:"capacity"`
	Step     float64 `json:"step"`
	// Load is the level the metrics were measured at, in Model's unit:
	// record.ModelUsers (users) or record.ModelRate (requests per
	// second). A baseline saved without Model is of the model of the run
	// it is compared with.
	Load  float64 `json:"load"`
	Model string  `json:"model,omitempty"`
	// Metrics holds each metric's median over the repeats; Samples its
	// value in each repeat, in repeat order (absent in baselines saved
	// before samples were kept: one value, Metrics', then).
	Metrics map[string]float64   `json:"metrics"`
	Samples map[string][]float64 `json:"samples,omitempty"`
}

// baselineMetrics are the metrics stored per configuration.
// A metric the run did not measure (the streaming ones of a run without
// streamed responses) is not stored.
var baselineMetrics = []string{"p50", "p90", "p95", "p99", "mean", "max", "p95_ok", "p99_ok", "error_rate", "rps", "ok_rps",
	"cpu_per_request", "requests_per_cpu_s",
	"ttft_p50", "ttft_p95", "ttft_p99", "itl_p50", "itl_p95", "itl_p99", "tpot_p50", "tpot_p95", "tpot_p99",
	"output_tokens_per_s", "goodput_rps"}

// samples is the per-repeat values of metric: Samples', else Metrics' one
// value; false when the baseline has neither.
func (b BaselineMetrics) samples(metric string) ([]float64, bool) {
	if s := b.Samples[metric]; len(s) > 0 {
		return s, true
	}
	if x, ok := b.Metrics[metric]; ok {
		return []float64{x}, true
	}
	return nil, false
}

// NewBaseline records the reference values of a run, at the same point the
// gate will evaluate (in.At / in.AtLoad / in.TargetLoad).
func NewBaseline(in Input, now time.Time) (Baseline, error) {
	b := Baseline{Version: 1, Experiment: in.Experiment, Machine: in.Machine, CreatedAt: now.UTC(), At: in.At, Configs: map[string]BaselineMetrics{},
		missing: map[string]string{}}
	order, byConfig := record.ByConfig(in.Records)
	for _, name := range order {
		recs := byConfig[name]
		if b.Run == "" {
			b.Run = recs[0].Run
		}
		at, where := point(in, name, recs)
		steps := stepsAt(recs, at)
		if len(steps) == 0 {
			if at > 0 { // a capacity of 0 (no step met the SLO) is no level: left out, as missing
				b.missing[name] = fmt.Sprintf("%s: no complete step %s (it measured %s)", name, where, measuredLevels(recs))
			}
			continue
		}
		m := BaselineMetrics{Capacity: in.Capacity[name], Step: in.Step[name], Load: at, Model: modelOf(recs),
			Metrics: map[string]float64{}, Samples: map[string][]float64{}}
		for _, metric := range baselineMetrics {
			// A value that was not measured is not kept: a later gate
			// has nothing to compare it with, rather than a fake 0.
			if mm := measure(steps, metric); mm.ok() {
				m.Metrics[metric], m.Samples[metric] = mm.value, mm.values
			}
		}
		b.Configs[name] = m
	}
	if b.Experiment == "" {
		b.Experiment = rundir.ExperimentOf(b.Run)
	}
	if len(b.Configs) == 0 && len(b.missing) > 0 {
		return b, fmt.Errorf("no configuration has a complete step to keep as a baseline: %s", strings.Join(b.missingText(), "; "))
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
