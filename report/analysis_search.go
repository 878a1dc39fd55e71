package report

import (
	"fmt"
	"math"
	"slices"

	"github.com/loadlab/loadlab/record"
)

// SearchReport is what the searches of a run found, retraced from the
// search marks of its steps (record.Search) alone: the capacity searches
// of single configurations (a scenario's ramp.search, or the capacity
// trials of a limit search) and the limit search across configurations
// (an experiment's search:).
type SearchReport struct {
	// Capacity has one entry per configuration and repeat whose steps are
	// the probes of a capacity search, in order of appearance.
	Capacity []CapacitySearch `json:"capacity,omitempty"`
	// Limits is the limit search; nil when the run had none.
	Limits *LimitSearch `json:"limits,omitempty"`
}

// CapacitySearch is one capacity search within one configuration and
// repeat. Loads are in the run's unit (users, or req/s under model rate).
type CapacitySearch struct {
	Config string `json:"config"`
	Repeat int    `json:"repeat"`
	// Capacity is the highest load that met the SLO (the search's result;
	// for an interrupted search, the highest load known to meet it so far,
	// 0 for none).
	Capacity float64 `json:"capacity"`
	// FirstFail is the lowest load above Capacity that breached (0: none).
	FirstFail float64 `json:"first_fail"`
	// Probes counts the measured steps of the search, repeats included.
	Probes    int  `json:"probes"`
	Confirmed bool `json:"confirmed"`
	// Reason says why the search ended, or that it was interrupted:
	// "interrupted after 5 probes: between 200 and 400 users".
	Reason string `json:"reason"`
	// Complete is false when the search has no result (the run ended
	// before the search did).
	Complete bool `json:"complete"`
	// Path is every probe in the order measured.
	Path []ProbeRow `json:"path"`
}

// ProbeRow is one probe of a capacity search as the report shows it.
type ProbeRow struct {
	Probe int     `json:"probe"`
	Phase string  `json:"phase"`
	Load  float64 `json:"load"`
	// P95Ms is the step's p95 in milliseconds; nil when nothing answered.
	P95Ms     *float64 `json:"p95_ms"`
	ErrorRate float64  `json:"error_rate"`
	// Verdict is the search's (pass, fail, repeat; "" when it gave none).
	Verdict string `json:"verdict"`
	Note    string `json:"note,omitempty"`
}

// capacitySearches groups the probes of capacity searches (records whose
// Search.Kind is record.SearchCapacity) by configuration and repeat, in
// order of appearance, and retraces each.
func capacitySearches(recs []record.Record, unit string) []CapacitySearch {
	type key struct {
		name   string
		repeat int
	}
	var order []key
	groups := map[key][]record.Record{}
	for _, r := range recs {
		if r.Search == nil || r.Search.Kind != record.SearchCapacity || r.Failure != "" {
			continue
		}
		k := key{r.Config.Name, r.Repeat}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]CapacitySearch, 0, len(order))
	for _, k := range order {
		out = append(out, capacitySearchOf(groups[k], unit))
	}
	return out
}

// capacitySearchOf retraces one capacity search from its probes (in the
// order measured): the result of its last probe, or, when it has none, an
// interrupted search bracketed by the last probe's Low and High.
func capacitySearchOf(probes []record.Record, unit string) CapacitySearch {
	cs := CapacitySearch{Config: probes[0].Config.Name, Repeat: probes[0].Repeat, Probes: len(probes), Path: []ProbeRow{}}
	for i, r := range probes {
		row := ProbeRow{Probe: r.Search.Probe, Phase: r.Search.Phase, Load: r.Offered(), ErrorRate: r.ErrorRate,
			Verdict: r.Search.Verdict, Note: r.Search.Note}
		if row.Probe == 0 {
			row.Probe = i + 1
		}
		if p, ok := r.Latency.Value("p95"); ok {
			row.P95Ms = &p
		}
		switch {
		case r.Partial:
			row.Note = joinNote(row.Note, "cut short: decides nothing")
		case r.Generator.Saturated:
			row.Note = joinNote(row.Note, "generator saturated: decides nothing")
		}
		cs.Path = append(cs.Path, row)
	}
	last := probes[len(probes)-1].Search
	if res := last.Result; res != nil {
		cs.Capacity, cs.FirstFail, cs.Confirmed, cs.Reason, cs.Complete = res.Capacity, res.FirstFail, res.Confirmed, res.Reason, true
		if res.Probes > 0 {
			cs.Probes = res.Probes
		}
		return cs
	}
	cs.Capacity, cs.FirstFail = last.Low, last.High
	cs.Reason = fmt.Sprintf("interrupted after %d probes: %s", len(probes), bracketText(last.Low, last.High, unit))
	return cs
}

// bracketText says where an unfinished search left the capacity:
// "between 200 and 400 users", "at least 800 users", "below 100 users".
func bracketText(low, high float64, unit string) string {
	switch {
	case low > 0 && high > 0:
		return fmt.Sprintf("between %s and %s %s", formatCount(low), formatCount(high), unit)
	case low > 0:
		return fmt.Sprintf("at least %s %s", formatCount(low), unit)
	case high > 0:
		return fmt.Sprintf("below %s %s", formatCount(high), unit)
	}
	return "no load decided yet"
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// searchCapacity makes a configuration's capacity the answer of its
// capacity search, when its steps are one: a search's loads go up and
// down and may repeat, so walking its steps upwards is not its answer
// (a probe that passed above a failing one is not capacity). With
// repeats, the capacity is the median of the repeats' results, the first
// failing load the lowest above it. Configurations without a search are
// left as they are.
func searchCapacity(c *ConfigResult, measured []record.Record) {
	searches := capacitySearches(measured, unitOf(c.Steps))
	if len(searches) == 0 {
		return
	}
	caps := make([]float64, len(searches))
	for i, s := range searches {
		caps[i] = s.Capacity
	}
	c.Capacity = record.Median(caps)
	c.repeatCaps = caps
	c.CapacityMin, c.CapacityMax = rangeOf(caps)
	firstFail := 0.0
	for _, s := range searches {
		if s.FirstFail > c.Capacity && (firstFail == 0 || s.FirstFail < firstFail) {
			firstFail = s.FirstFail
		}
	}
	at := func(load float64) int {
		if load <= 0 {
			return -1
		}
		return slices.IndexFunc(c.Steps, func(st StepResult) bool { return math.Abs(st.Offered-load) <= 1e-6*max(1, load) })
	}
	c.CapacityStep, c.BreakStep = at(c.Capacity), at(firstFail)
	if c.CapacityStep < 0 && c.Capacity > 0 {
		// The median of repeats may fall between measured loads: the
		// highest passing step at or below it shows its measurements.
		for i, st := range c.Steps {
			if st.Offered <= c.Capacity && st.Pass && !st.Untrustworthy {
				c.CapacityStep = i
			}
		}
		if c.CapacityStep < 0 {
			c.Capacity = 0
		}
	}
	c.CapacityLowerBound = c.CapacityStep >= 0 && firstFail == 0
	c.MaxRPSInSLO = 0
	for _, st := range c.Steps {
		if !st.Untrustworthy && st.Pass && st.Offered <= c.Capacity {
			c.MaxRPSInSLO = max(c.MaxRPSInSLO, st.RPS.Median)
		}
	}
}

// searchIncomplete says which searches of a run did not end, one sentence
// each: a capacity search without a result, a replica count of a limit
// search whose search did not finish.
func searchIncomplete(sr *SearchReport, unit string) []string {
	if sr == nil {
		return nil
	}
	var out []string
	for _, cs := range sr.Capacity {
		if !cs.Complete {
			out = append(out, fmt.Sprintf("%s: the capacity search was %s", cs.Config, cs.Reason))
		}
	}
	if sr.Limits != nil {
		for _, r := range sr.Limits.Replicas {
			if !r.Complete {
				out = append(out, fmt.Sprintf("the limit search for %s did not finish (%d trials decided)", record.ReplicasText(r.Replicas), r.Trials))
			}
		}
	}
	return out
}

// searchPlan is the plan the completeness checks compare a search run
// with. A search decides its loads (and a limit search its
// configurations) as it goes, so plan.json cannot list them: the steps of
// a run with search marks, and the configurations of a limit search, are
// left out; whether each search ended is said by searchIncomplete
// instead. A plan without steps or configurations is fine as it is.
func searchPlan(plan *record.Plan, recs []record.Record, limitSearch bool) *record.Plan {
	if plan == nil {
		return nil
	}
	searched := limitSearch || slices.ContainsFunc(recs, func(r record.Record) bool { return r.Search != nil })
	if !searched {
		return plan
	}
	p := *plan
	p.Steps = nil
	if limitSearch || slices.ContainsFunc(recs, func(r record.Record) bool { return r.Search != nil && r.Search.Kind == record.SearchLimits }) {
		p.Configs = nil
	}
	return &p
}

// analyzeSearches retraces the run's searches from its records; nil when
// it had none. a holds the configurations already analysed.
func analyzeSearches(in Input, a Analysis) *SearchReport {
	sr := &SearchReport{Capacity: capacitySearches(in.Records, a.Unit)}
	if in.Search != nil || slices.ContainsFunc(in.Records, func(r record.Record) bool { return r.Search != nil && r.Search.Kind == record.SearchLimits }) {
		sr.Limits = analyzeLimits(in.Records, in.Search, a.Target, a.judgeSLO, a.Configs)
	}
	if len(sr.Capacity) == 0 && sr.Limits == nil {
		return nil
	}
	return sr
}
