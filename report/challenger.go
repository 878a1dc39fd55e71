package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/significance"
	"github.com/loadlab/loadlab/slo"
)

// A champion/challenger run (experiments' challenger: block) records each
// configuration as two: "<config>@champion" and "<config>@challenger"
// (record.Config.Version), whose steps of the same index shared their
// time window, each at its share of the load. Challengers pairs them and
// compares them step by step with the statistics compare uses
// (significance.Compare on the per-repeat values, champion as the base;
// significance.PairedChange when both versions measured the same repeats,
// each pair in the same seconds, and enough of them: Pairable).

// challengerMetrics are the metrics compared per step, in display order.
var challengerMetrics = []statMetric{
	statMetricNamed("p95"),
	statMetricNamed("error_rate"),
	statMetricNamed("rps"),
	statMetricNamed("cpu_per_request"),
}

// challengerStreamMetrics are compared per step after challengerMetrics
// when either version streamed (Challenger.Streaming), and only then, so
// that other comparisons stay as they were: the times users feel and the
// output and goodput the version served, compare's definitions.
var challengerStreamMetrics = []statMetric{
	statMetricNamed("ttft_p95"),
	statMetricNamed("tpot_p95"),
	statMetricNamed(slo.OutputTokensPerS),
	statMetricNamed(slo.GoodputRPS),
}

// perOfferedMetrics grow with the load a version was given: their change
// compares values per unit of offered load (VersionMetric.PerOffered).
var perOfferedMetrics = []string{slo.OutputTokensPerS, slo.GoodputRPS}

// statMetricNamed is the statMetric of compare called name.
func statMetricNamed(name string) statMetric {
	for _, m := range statMetricsFor(true) {
		if m.name == name {
			return m
		}
	}
	panic("report: no compare metric " + name)
}

// Challenger is one configuration of a champion/challenger run.
type Challenger struct {
	// Config is the configuration's name without the version suffix;
	// Champion and Challenger name the two recorded configurations.
	Config, Champion, Challenger string
	// Share is the challenger's share of the offered load over the steps
	// both versions measured (its offered load ÷ both), NaN when none.
	Share float64
	// Streaming is true when either version has a step with streamed
	// responses: every step then also compares challengerStreamMetrics.
	Streaming bool
	Steps     []ChallengerStep
	// Verdict is one sentence on the highest step both versions measured,
	// or why there is none.
	Verdict string
}

// ChallengerStep is one step index of both versions.
type ChallengerStep struct {
	// Step is 0-based; Offered is each version's offered load (users or
	// req/s), 0 when the version has no such step.
	Step                               int
	OfferedChampion, OfferedChallenger float64
	Metrics                            []VersionMetric
}

// VersionMetric is one metric of one step of both versions, compared as
// StatRow is (Change: the challenger against the champion).
type VersionMetric struct {
	Metric string
	// Champion and Challenger are the per-repeat values in the metric's
	// canonical unit (see StatRow); MissingChampion/MissingChallenger say
	// why a side has none.
	Champion, Challenger               []float64
	MissingChampion, MissingChallenger string
	// PerOffered is true for a metric that grows with the share of the
	// load a version ran (output tokens/s, goodput): Change then compares
	// each repeat's value divided by that repeat's offered load (tokens/s
	// per user or per req/s), while Champion and Challenger stay the
	// values themselves.
	PerOffered bool
	Tested     bool
	Change     significance.Change
}

// Challengers pairs a's champion and challenger configurations and
// compares them step by step; nil when the run has no challenger. It is
// pure.
func Challengers(a Analysis) []Challenger {
	var out []Challenger
	for _, champ := range a.Configs {
		if champ.Config.Version != record.VersionChampion {
			continue
		}
		base := champ.Config.BaseName()
		ch := Challenger{Config: base, Champion: champ.Name, Share: math.NaN()}
		chall, ok := findVersion(a, base, record.VersionChallenger)
		if !ok {
			ch.Verdict = "The challenger of " + base + " was not recorded: nothing to compare."
			out = append(out, ch)
			continue
		}
		ch.Challenger = chall.Name
		ch.Streaming = streamedConfig(champ) || streamedConfig(chall)
		ch.Steps, ch.Share = compareVersions(champ, chall, ch.Streaming)
		ch.Verdict = challengerVerdict(ch, a.Unit)
		out = append(out, ch)
	}
	return out
}

// findVersion is the configuration of version v whose base name is base.
func findVersion(a Analysis, base, v string) (ConfigResult, bool) {
	for _, c := range a.Configs {
		if c.Config.Version == v && c.Config.BaseName() == base {
			return c, true
		}
	}
	return ConfigResult{}, false
}

// streamedConfig reports whether a step of c had streamed responses.
func streamedConfig(c ConfigResult) bool {
	return slices.ContainsFunc(c.Steps, func(s StepResult) bool { return s.Stream != nil })
}

// compareVersions compares every step index either version has, with
// challengerStreamMetrics too when streaming, and returns the steps and
// the challenger's share of the load offered at the steps both measured.
func compareVersions(champ, chall ConfigResult, streaming bool) ([]ChallengerStep, float64) {
	metrics := challengerMetrics
	if streaming {
		metrics = append(slices.Clone(challengerMetrics), challengerStreamMetrics...)
	}
	n := max(len(champ.Steps), len(chall.Steps))
	steps := make([]ChallengerStep, 0, n)
	var offChamp, offChall float64
	for i := 0; i < n; i++ {
		s := ChallengerStep{Step: i}
		a, okA := champ.Step(i)
		b, okB := chall.Step(i)
		if okA {
			s.OfferedChampion = a.Offered
		}
		if okB {
			s.OfferedChallenger = b.Offered
		}
		if okA && okB {
			offChamp += a.Offered
			offChall += b.Offered
		}
		for _, m := range metrics {
			s.Metrics = append(s.Metrics, compareVersionMetric(champ, chall, i, m))
		}
		steps = append(steps, s)
	}
	share := math.NaN()
	if offChamp+offChall > 0 {
		share = offChall / (offChamp + offChall)
	}
	return steps, share
}

// compareVersionMetric compares metric m of step i of both versions with
// compare's values and statistics, per offered load for perOfferedMetrics.
func compareVersionMetric(champ, chall ConfigResult, i int, m statMetric) VersionMetric {
	vm := VersionMetric{Metric: m.name, PerOffered: slices.Contains(perOfferedMetrics, m.name)}
	vm.Champion, vm.MissingChampion = stepValues(champ, i, m)
	vm.Challenger, vm.MissingChallenger = stepValues(chall, i, m)
	if vm.MissingChampion != "" || vm.MissingChallenger != "" {
		return vm
	}
	a, b := vm.Champion, vm.Challenger
	if vm.PerOffered {
		var okA, okB bool
		a, okA = perOffered(champ, i, a)
		b, okB = perOffered(chall, i, b)
		if !okA || !okB {
			return vm // a repeat offered no load: nothing to compare per load
		}
	}
	vm.Tested, vm.Change = true, significance.Compare(a, b, CompareAlpha)
	if sameRepeats(champ, chall, i) && significance.Pairable(len(a), CompareAlpha) {
		// Each repeat's two versions ran in the same seconds: pairs (as
		// gate --against champion compares them).
		vm.Change = significance.PairedChange(a, b, CompareAlpha)
	}
	return vm
}

// sameRepeats reports whether step i of both versions holds the same
// repeats in the same order, so that their values pair up by repeat.
func sameRepeats(champ, chall ConfigResult, i int) bool {
	a, okA := champ.Step(i)
	b, okB := chall.Step(i)
	if !okA || !okB || len(a.repeats) != len(b.repeats) {
		return false
	}
	for k := range a.repeats {
		if a.repeats[k].Repeat != b.repeats[k].Repeat {
			return false
		}
	}
	return true
}

// perOffered divides vs, the values of step i of c one per repeat (as
// stepValues returns them), by each repeat's offered load; false when a
// repeat offered none.
func perOffered(c ConfigResult, i int, vs []float64) ([]float64, bool) {
	st, ok := c.Step(i)
	if !ok || len(st.repeats) != len(vs) {
		return nil, false
	}
	out := make([]float64, len(vs))
	for k, r := range st.repeats {
		o := r.Offered()
		if o <= 0 {
			return nil, false
		}
		out[k] = vs[k] / o
	}
	return out, true
}

// metric is the step's comparison of metric name.
func (s ChallengerStep) metric(name string) VersionMetric {
	for _, m := range s.Metrics {
		if m.Metric == name {
			return m
		}
	}
	return VersionMetric{Metric: name, MissingChampion: "not measured", MissingChallenger: "not measured"}
}

// challengerVerdict is the sentence on the highest step both versions
// measured: the challenger's p95 change (significant or not, as compare
// says), when either version streamed its TTFT p95 and TPOT p95 changes,
// its CPU per request change and its error rate against the champion's.
func challengerVerdict(c Challenger, unit string) string {
	for i := len(c.Steps) - 1; i >= 0; i-- {
		s := c.Steps[i]
		if s.OfferedChampion == 0 || s.OfferedChallenger == 0 {
			continue
		}
		p95, errs := s.metric("p95"), s.metric("error_rate")
		var b strings.Builder
		fmt.Fprintf(&b, "At step %d (%s + %s %s), the challenger serves its %s of the load",
			s.Step+1, formatCount(s.OfferedChampion), formatCount(s.OfferedChallenger), unit, formatShare(c.Share))
		switch {
		case p95.Tested:
			fmt.Fprintf(&b, " at p95 %s (%s) vs the champion", significance.FormatPercent(p95.Change.Delta), changeWord(p95.Change))
		case p95.MissingChallenger != "":
			fmt.Fprintf(&b, " with no p95 (%s)", p95.MissingChallenger)
		default:
			fmt.Fprintf(&b, " while the champion has no p95 (%s)", p95.MissingChampion)
		}
		if c.Streaming {
			for _, name := range []string{"ttft_p95", "tpot_p95"} {
				b.WriteString(streamVerdictClause(s.metric(name)))
			}
		}
		if cpu := s.metric("cpu_per_request"); cpu.Tested {
			fmt.Fprintf(&b, ", CPU per request %s", significance.FormatPercent(cpu.Change.Delta))
		}
		if errs.Tested {
			fmt.Fprintf(&b, ", error rate %s vs the champion's %s", formatPct(median(errs.Challenger)), formatPct(median(errs.Champion)))
		}
		return b.String() + "."
	}
	return "No step was measured by both versions: nothing to compare."
}

// streamVerdictClause is the verdict's words on a streaming latency:
// ", TTFT p95 +10.0% (significant, …)", or which versions have none and
// why.
func streamVerdictClause(vm VersionMetric) string {
	label := statLabel(statMetricNamed(vm.Metric))
	switch {
	case vm.Tested:
		return fmt.Sprintf(", %s %s (%s)", label, significance.FormatPercent(vm.Change.Delta), changeWord(vm.Change))
	case vm.MissingChampion == vm.MissingChallenger:
		return fmt.Sprintf(", no %s in either version (%s)", label, vm.MissingChallenger)
	case vm.MissingChampion != "" && vm.MissingChallenger != "":
		return fmt.Sprintf(", no %s (champion: %s; challenger: %s)", label, vm.MissingChampion, vm.MissingChallenger)
	case vm.MissingChallenger != "":
		return fmt.Sprintf(", no challenger %s (%s)", label, vm.MissingChallenger)
	}
	return fmt.Sprintf(", no champion %s (%s)", label, vm.MissingChampion)
}

// statLabel is compare's label of m without " @ target": "TTFT p95",
// "output tokens/s".
func statLabel(m statMetric) string { return strings.TrimSuffix(m.label, " @ target") }

// changeWord says how far a change can be trusted, as compare does.
func changeWord(c significance.Change) string {
	switch {
	case c.Significant:
		return "significant, " + c.Note()
	case c.Testable:
		return "not significant, " + c.Note()
	}
	return c.Note()
}

// formatShare is a share of the load as "20 %", "?" when unknown.
func formatShare(x float64) string {
	if math.IsNaN(x) {
		return "share ?"
	}
	return trimZeros(fmt.Sprintf("%.1f", 100*x)) + " %"
}

// median of per-repeat values (NaN for none).
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	return record.Median(vs)
}
