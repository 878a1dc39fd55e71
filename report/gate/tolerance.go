package gate

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Tolerance is how far a run may regress from its baseline before a gate
// fails. Latency, rps and tokens/s tolerances are fractions of the
// baseline value (p95=10% lets p95 grow by 10 %, rps=5% lets rps shrink
// by 5 %, ttft_p95=10% lets the time to first token grow by 10 %,
// output_tokens_per_s=10% lets tokens per second shrink by 10 %,
// goodput_rps=10% lets goodput shrink by 10 %);
// error_rate is in absolute points (error_rate=0.5% lets it grow by half
// a percentage point); capacity is in ramp steps (capacity=1step lets the
// capacity drop by one rung of the run's step ladder, whatever its size).
type Tolerance struct {
	// Metrics maps a metric of the slo grammar to its tolerance.
	Metrics map[string]float64
	// CapacitySteps is the allowed capacity drop in steps; -1 means
	// capacity is not compared.
	CapacitySteps int
	// WhereHeld names the metrics compared only for the configurations
	// whose baseline holds them (DefaultStreamTolerance's, added by
	// withStreaming): a configuration of a mixed baseline that did not
	// stream, or streamed single tokens (no TPOT), is not failed for a
	// metric nobody asked for.
	WhereHeld map[string]bool
}

// DefaultTolerance is used with a baseline when no --tolerance is given:
// generous, because shared CI machines are noisy.
const DefaultTolerance = "p95=25%,rps=15%,error_rate=1%,capacity=1step"

// DefaultStreamTolerance is added to DefaultTolerance (when no
// --tolerance is given) for a run with streamed responses whose baseline
// holds them too (withStreaming).
const DefaultStreamTolerance = "ttft_p95=25%,tpot_p95=25%,output_tokens_per_s=15%"

// withStreaming is t with DefaultStreamTolerance's metrics added (those t
// does not set) when in's run streamed and its baseline holds ttft_p95 for
// some configuration; t unchanged otherwise, so that a run without streams,
// or a baseline recorded before them, is gated as before.
func (t Tolerance) withStreaming(in Input) Tolerance {
	if in.Baseline == nil || !slices.ContainsFunc(in.Records, record.Record.HasStreams) {
		return t
	}
	held := false
	for _, c := range in.Baseline.Configs {
		if _, ok := c.samples("ttft_p95"); ok {
			held = true
		}
	}
	if !held {
		return t
	}
	extra, err := ParseTolerance(DefaultStreamTolerance)
	if err != nil {
		panic("gate: DefaultStreamTolerance: " + err.Error())
	}
	out := Tolerance{Metrics: maps.Clone(t.Metrics), CapacitySteps: t.CapacitySteps}
	if out.Metrics == nil {
		out.Metrics = map[string]float64{}
	}
	out.WhereHeld = map[string]bool{}
	for m, v := range extra.Metrics {
		if _, ok := out.Metrics[m]; !ok {
			out.Metrics[m] = v
			out.WhereHeld[m] = true
		}
	}
	return out
}

// ParseTolerance parses "p95=10%,rps=5%,capacity=1step". Every problem is
// reported at once.
func ParseTolerance(s string) (Tolerance, error) {
	t := Tolerance{Metrics: map[string]float64{}, CapacitySteps: -1}
	if strings.TrimSpace(s) == "" {
		return t, nil
	}
	var errs []error
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, val, ok := strings.Cut(part, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" || val == "" {
			errs = append(errs, fmt.Errorf("tolerance %q: want metric=value, e.g. p95=10%% or capacity=1step", part))
			continue
		}
		if name == "capacity" {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(val, "steps"), "step"))
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("tolerance %q: capacity takes a number of steps, e.g. capacity=1step", part))
				continue
			}
			t.CapacitySteps = n
			continue
		}
		cond, err := slo.ParseCondition(name + "<1")
		if err != nil {
			errs = append(errs, fmt.Errorf("tolerance %q: unknown metric %q (allowed: %s, capacity)", part, name, slo.Metrics))
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSuffix(val, "%"), 64)
		if err != nil || f < 0 || !strings.HasSuffix(val, "%") {
			errs = append(errs, fmt.Errorf("tolerance %q: want a percentage, e.g. %s=10%%", part, name))
			continue
		}
		t.Metrics[cond.Metric] = f / 100
	}
	if len(errs) > 0 {
		return Tolerance{}, errors.Join(errs...)
	}
	return t, nil
}

// String renders the tolerance back in its grammar, metrics sorted.
func (t Tolerance) String() string {
	var parts []string
	keys := make([]string, 0, len(t.Metrics))
	for k := range t.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.FormatFloat(t.Metrics[k]*100, 'f', -1, 64)+"%")
	}
	if t.CapacitySteps >= 0 {
		parts = append(parts, "capacity="+strconv.Itoa(t.CapacitySteps)+"step")
	}
	return strings.Join(parts, ",")
}
