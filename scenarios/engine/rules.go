package engine

import (
	"fmt"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/slo"
)

// Rules are a ramp's verdict and stop conditions exactly as Run applies
// them to its steps, for a controller that builds its step records
// elsewhere (package scenarios/agent merges the records of several
// generators and judges the merged step with these).
type Rules struct {
	cfg config
	sc  scenarios.Scenario
}

// NewRules checks sc as Run does (defaults applied, opt.BaseDir as its
// directory; a scenario run by opt.Planner may have no ramp levels) and
// returns its rules under opt (opt.SLO, else the scenario's stop SLO, is
// the verdict).
func NewRules(sc scenarios.Scenario, opt Options) (*Rules, error) {
	sc = sc.WithDefaults()
	if opt.BaseDir != "" {
		sc.Dir = opt.BaseDir
	}
	validate := sc.Validate
	if opt.Planner != nil {
		validate = sc.ValidateSteps
	}
	if err := validate(); err != nil {
		return nil, fmt.Errorf("invalid scenario %s: %w", orDefault(sc.Name, "(unnamed)"), err)
	}
	cfg, err := newConfig(sc, opt)
	if err != nil {
		return nil, err
	}
	return &Rules{cfg: cfg, sc: sc}, nil
}

// Scenario is the scenario the rules were made from, defaults applied.
func (r *Rules) Scenario() scenarios.Scenario { return r.sc }

// Verdict is the SLO that judges each step (and a search's probes).
func (r *Rules) Verdict() slo.SLO { return r.cfg.verdict }

// Planner is opt's planner, or the scenario's (its ramp.search or its
// fixed plan) under the verdict, as Run chooses it.
func (r *Rules) Planner(p scenarios.Planner) scenarios.Planner {
	if p != nil {
		return p
	}
	return r.sc.Planner(r.cfg.verdict)
}

// Judge sets rec.SLO: the verdict's, failed with a breach of its own when
// no response arrived (Latency nil).
func (r *Rules) Judge(rec *record.Record) { r.cfg.judge(rec) }

// StopReason applies the scenario's stop conditions to a finished step
// (abort_error_rate, stop.slo beyond its margin, no response at all); ""
// when the ramp may go on. Run applies them only to a planner of known
// length: a search's planner alone ends its ramp.
func (r *Rules) StopReason(rec record.Record) string { return r.cfg.stopReason(rec) }

// CheckStep reports a step the engine cannot run (rate ≤ 0, users < 0,
// hold ≤ 0).
func (r *Rules) CheckStep(st scenarios.Step) error { return r.cfg.checkStep(st) }

// Load is the offered load of step st as its record states it.
func (r *Rules) Load(st scenarios.Step) record.Load { return r.cfg.load(st) }

// OpenLoop reports whether the scenario's model is rate.
func (r *Rules) OpenLoop() bool { return r.cfg.openLoop }

// SearchDone is the stop reason of the last step of a search of n steps,
// as Run writes it (e.g. "search done: capacity 4,250 users (4,500
// breached), 11 probes").
func SearchDone(rec record.Record, n int) string { return searchDone(rec, n) }
