package report

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// StepResult is one offered load of one configuration, its repeats
// combined: every Stat is the median across the trustworthy repeats with
// their min–max. Latencies are milliseconds, rates fractions, CPU and
// memory percentages of the configuration's total limit.
type StepResult struct {
	Offered float64 `json:"offered"`
	Model   string  `json:"model"`
	// ThinkMeanS is the users' mean think time in seconds (closed loop).
	ThinkMeanS float64 `json:"think_mean_s,omitempty"`
	// Repeats counts the repeats combined; Excluded those left out because
	// the generator was saturated, Cut those left out because they were cut
	// short (a partial window decides nothing).
	Repeats  int `json:"repeats"`
	Excluded int `json:"excluded"`
	Cut      int `json:"cut_short"`
	// Untrustworthy is true when no repeat of the step can be trusted
	// (each had a saturated generator or was cut short): the step is shown
	// but takes no part in capacity, saturation or any verdict.
	Untrustworthy bool `json:"untrustworthy"`

	Requests  Stat `json:"requests"`
	RPS       Stat `json:"rps"`
	OKRPS     Stat `json:"ok_rps"`
	ErrorRate Stat `json:"error_rate"`
	// InFlight counts requests still unanswered when the window closed.
	InFlight Stat `json:"in_flight"`
	// NoAnswers is true when a repeat of the step received no response at
	// all (its latencies are null): such a step has no latencies (Mean,
	// P50, P95 and P99 are nil, JSON null), never passes the SLO and is
	// rendered "no answers", never as 0 ms.
	NoAnswers bool  `json:"no_answers"`
	Mean      *Stat `json:"mean_ms"`
	P50       *Stat `json:"p50_ms"`
	P95       *Stat `json:"p95_ms"`
	P99       *Stat `json:"p99_ms"`

	// HasTarget is false when the runtime reported no container usage.
	HasTarget   bool `json:"has_target"`
	CPUPct      Stat `json:"cpu_pct_of_limit"`
	CPUCores    Stat `json:"cpu_cores"`
	MemPct      Stat `json:"memory_pct_of_limit"`
	MemoryBytes Stat `json:"memory_bytes"`
	ThrottledS  Stat `json:"throttled_s"`
	// CPUPerRequestMs (ms of target CPU per completed request) and
	// RequestsPerCPUS (requests per target CPU-second) combine the repeats
	// that measured them (record.Target.SetCost); both are nil (absent
	// from JSON) when none did: no target telemetry, or no CPU time or no
	// request in the window.
	CPUPerRequestMs *Stat `json:"cpu_per_request_ms,omitempty"`
	RequestsPerCPUS *Stat `json:"requests_per_cpu_s,omitempty"`
	// OOMKills and Restarts are summed over every repeat.
	OOMKills int `json:"oom_kills"`
	Restarts int `json:"restarts"`

	GeneratorCPUPct Stat `json:"generator_cpu_pct"`

	// Stream holds the streamed responses (TTFT, ITL, TPOT, tokens/s,
	// goodput); nil, and absent from JSON, for a step without any.
	Stream *StepStream `json:"stream,omitempty"`

	// Pass is the SLO verdict of the combined step; Breaches say why not.
	Pass     bool     `json:"pass"`
	Breaches []string `json:"breaches"`

	// ExpectedRPS is the throughput the offered load would give without
	// queueing (see analyzeSaturation); Throughput is RPS / ExpectedRPS.
	ExpectedRPS float64 `json:"expected_rps"`
	Throughput  float64 `json:"throughput"`

	Partial   bool      `json:"partial"`
	StartedAt time.Time `json:"started_at"`
	// Warnings are trust problems of this step (generator saturated, cut
	// short), one phrase each.
	Warnings []string `json:"warnings"`

	// median holds the median measurements as a record, for the SLO grammar.
	median record.Record
	// repeats are the records combined (Repeats of them), in repeat order:
	// the per-repeat values that compare's statistics test.
	repeats []record.Record
}

// combineSteps groups the measured records of one configuration by offered
// load and combines their repeats. s judges each combined step; when s is
// empty, a step passes when more than half of its repeats recorded a pass.
func combineSteps(recs []record.Record, s slo.SLO) []StepResult {
	groups := map[float64][]record.Record{}
	var loads []float64
	for _, r := range recs {
		o := r.Offered()
		if _, ok := groups[o]; !ok {
			loads = append(loads, o)
		}
		groups[o] = append(groups[o], r)
	}
	sort.Float64s(loads)
	out := make([]StepResult, 0, len(loads))
	for _, o := range loads {
		out = append(out, combineStep(groups[o], s))
	}
	return out
}

// combineStep combines the repeats of one offered load.
func combineStep(rs []record.Record, s slo.SLO) StepResult {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Repeat < rs[j].Repeat })
	st := StepResult{Offered: rs[0].Offered(), Model: rs[0].Load.Model, Warnings: []string{}}
	if st.Model == "" {
		st.Model = record.ModelUsers
	}
	if st.Model == record.ModelUsers {
		st.ThinkMeanS = (rs[0].Load.ThinkMinS + rs[0].Load.ThinkMaxS) / 2
	}
	var trusted []record.Record
	var genCPU []float64
	for _, r := range rs {
		genCPU = append(genCPU, r.Generator.CPUPct)
		if st.StartedAt.IsZero() || (!r.StartedAt.IsZero() && r.StartedAt.Before(st.StartedAt)) {
			st.StartedAt = r.StartedAt
		}
		if r.Target != nil {
			st.OOMKills += r.Target.OOMKills
			st.Restarts += r.Target.Restarts
		} else {
			st.OOMKills += countOOMEvents(r.Events)
		}
		if r.Partial {
			st.Partial = true
			st.Cut++
			st.Warnings = append(st.Warnings, fmt.Sprintf("repeat %d was cut short after %s (%s): it decides nothing",
				r.Repeat+1, formatSeconds(r.WindowS), orDefault(r.StopReason, "partial step")))
			continue
		}
		if r.Generator.Saturated {
			st.Excluded++
			st.Warnings = append(st.Warnings, generatorWarning(r, len(rs) > 1))
			continue
		}
		trusted = append(trusted, r)
	}
	st.GeneratorCPUPct = statOf(genCPU)
	used := trusted
	if len(trusted) == 0 {
		st.Untrustworthy = true
		used = rs
	}
	st.Repeats = len(used)

	pick := func(f func(record.Record) float64) Stat {
		vs := make([]float64, len(used))
		for i, r := range used {
			vs[i] = f(r)
		}
		return statOf(vs)
	}
	st.Requests = pick(func(r record.Record) float64 { return float64(r.Requests) })
	st.RPS = pick(func(r record.Record) float64 { return r.RPS })
	st.OKRPS = pick(func(r record.Record) float64 { return r.OKRPS })
	st.ErrorRate = pick(func(r record.Record) float64 { return r.ErrorRate })
	st.InFlight = pick(func(r record.Record) float64 { return float64(r.InFlight) })
	st.NoAnswers = slices.ContainsFunc(used, func(r record.Record) bool { return r.Latency == nil })
	if !st.NoAnswers {
		lat := func(name string) *Stat {
			s := pick(func(r record.Record) float64 { v, _ := r.Latency.Value(name); return v })
			return &s
		}
		st.Mean, st.P50, st.P95, st.P99 = lat("mean"), lat("p50"), lat("p95"), lat("p99")
	}

	var withTarget []record.Record
	for _, r := range used {
		if r.Target != nil {
			withTarget = append(withTarget, r)
		}
	}
	if len(withTarget) > 0 {
		st.HasTarget = true
		tp := func(f func(*record.Target) float64) Stat {
			vs := make([]float64, len(withTarget))
			for i, r := range withTarget {
				vs[i] = f(r.Target)
			}
			return statOf(vs)
		}
		st.CPUPct = tp(func(t *record.Target) float64 { return t.CPUPctOfLimit })
		st.CPUCores = tp(func(t *record.Target) float64 { return t.CPUCores })
		st.MemPct = tp(func(t *record.Target) float64 { return t.MemoryPctOfLimit })
		st.MemoryBytes = tp(func(t *record.Target) float64 { return float64(t.MemoryBytes) })
		st.ThrottledS = tp(func(t *record.Target) float64 { return t.ThrottledS })
	}
	var costs, perCPU []float64
	for _, r := range withTarget {
		if r.Target.CPUPerRequestMs > 0 && r.Target.RequestsPerCPUS > 0 {
			costs, perCPU = append(costs, r.Target.CPUPerRequestMs), append(perCPU, r.Target.RequestsPerCPUS)
		}
	}
	if len(costs) > 0 {
		cost, per := statOf(costs), statOf(perCPU)
		st.CPUPerRequestMs, st.RequestsPerCPUS = &cost, &per
	}

	st.Stream = combineStream(used)
	st.repeats = used
	st.median = medianRecord(used, st)
	st.Pass, st.Breaches = judge(used, st.median, s)
	return st
}

// medianRecord is a record holding the step's median measurements, so that
// the SLO grammar's metrics apply to combined steps. Its Latency is nil
// when any repeat had no answer at all, its LatencyOK when any had no
// successful one: a repeat without answers is never outvoted, and a nil
// latency is never averaged in as 0 ms. Its Target holds only the median
// cost per request, and only when measured; its streaming measurements are
// medianStream's.
func medianRecord(used []record.Record, st StepResult) record.Record {
	summary := func(of func(record.Record) *record.Latency) *record.Latency {
		ls := make([]*record.Latency, len(used))
		for i, r := range used {
			if ls[i] = of(r); ls[i] == nil {
				return nil
			}
		}
		med := func(name string) float64 {
			vs := make([]float64, len(ls))
			for i, l := range ls {
				vs[i], _ = l.Value(name)
			}
			return statOf(vs).Median
		}
		return &record.Latency{Min: med("min"), Mean: med("mean"), P50: med("p50"), P90: med("p90"),
			P95: med("p95"), P99: med("p99"), Max: med("max")}
	}
	med := record.Record{
		RPS: st.RPS.Median, OKRPS: st.OKRPS.Median, ErrorRate: st.ErrorRate.Median,
		Latency:   summary(func(r record.Record) *record.Latency { return r.Latency }),
		LatencyOK: summary(func(r record.Record) *record.Latency { return r.LatencyOK }),
	}
	medianStream(&med, used, summary)
	if st.CPUPerRequestMs != nil {
		med.Target = &record.Target{CPUPerRequestMs: st.CPUPerRequestMs.Median, RequestsPerCPUS: st.RequestsPerCPUS.Median}
	}
	return med
}

// NoAnswersBreach is the first breach of a step without a single answer.
const NoAnswersBreach = "no answers: no response arrived in the measurement window"

// judge returns the verdict of a combined step: by s on the median record,
// or, without an SLO, by the majority of the recorded verdicts (a tie
// fails). A step without answers (nil median latency) fails whatever the
// SLO or the recorded verdicts say: an API that never answers never serves.
func judge(used []record.Record, med record.Record, s slo.SLO) (bool, []string) {
	pass, breaches := judgeBySLO(used, med, s)
	if med.Latency == nil {
		return false, append([]string{NoAnswersBreach}, slices.DeleteFunc(breaches, func(b string) bool { return b == NoAnswersBreach })...)
	}
	return pass, breaches
}

func judgeBySLO(used []record.Record, med record.Record, s slo.SLO) (bool, []string) {
	if len(s) > 0 {
		res := s.Evaluate(med)
		return res.Pass, res.Breaches
	}
	pass := 0
	breaches := []string{}
	seen := map[string]bool{}
	for _, r := range used {
		if r.SLO.Pass {
			pass++
		}
		for _, b := range r.SLO.Breaches {
			if !seen[b] {
				seen[b] = true
				breaches = append(breaches, b)
			}
		}
	}
	ok := pass*2 > len(used)
	if ok {
		breaches = []string{}
	}
	return ok, breaches
}

func generatorWarning(r record.Record, repeats bool) string {
	what := "generator saturated"
	if repeats {
		what = fmt.Sprintf("repeat %d: generator saturated", r.Repeat+1)
	}
	detail := fmt.Sprintf("CPU %.0f %% of %.0f %%", r.Generator.CPUPct, r.Generator.CPUAvailablePct)
	if r.Generator.LagMs > 0 {
		detail += ", send lag " + formatMs(r.Generator.LagMs)
	}
	return what + " (" + detail + "), excluded as untrustworthy"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
