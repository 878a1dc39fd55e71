package experiments

import (
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// Plan is what a run of e sets out to measure: every configuration of
// Expand, in run order, the repeats, and the offered load of every step of
// the scenario's ramp (Scenario.Plan, which the engine runs as is: a step
// extended for stability keeps its index; the warm-up is no step). Prepare
// writes it to plan.json so that reports and gates, which never import
// this package, can tell a finished run from an interrupted one.
//
// A limit search (e.Search) plans no configurations and no steps: its
// trials are decided as it runs; its plan says Search.
//
// runtime names the runtime; approximate is its Approximate().
func (e Experiment) Plan(runtime string, approximate bool) record.Plan {
	if e.Search != nil {
		return record.Plan{Configs: []record.Config{}, Repeat: 1, Model: e.Scenario.WithDefaults().Model, Search: true}
	}
	p := record.Plan{Repeat: max(e.Repeat, 1)}
	p.Model, p.Steps = RampSteps(e.Scenario)
	if e.Challenger != nil {
		// Each version offers its share; the champion's is the larger.
		p.Model, p.Steps = RampSteps(e.versionScenario(VersionChampion))
	}
	for _, c := range e.Expand() {
		for _, v := range e.versions(c) {
			p.Configs = append(p.Configs, e.deployedOn(v, runtime, approximate))
		}
	}
	return p
}

// deployedOn is configuration c as the records of a run on runtime
// ("docker", "local", "url", "swarm") carry it: with the runtime's name,
// approximate when the runtime only emulates the limits
// (runtime.Runtime.Approximate), and the swarm runtime's publish mode.
func (e Experiment) deployedOn(c record.Config, runtime string, approximate bool) record.Config {
	c.Runtime, c.Approximate, c.Publish = runtime, approximate, e.publishOn(runtime)
	return c
}

// RampSteps is the load model of s and the offered load of each step of
// its ramp (Scenario.Plan): users under model users, requests/s under
// model rate; record.Plan's Model and Steps.
func RampSteps(s scenarios.Scenario) (model string, steps []float64) {
	model = s.WithDefaults().Model
	for _, st := range s.Plan() {
		if model == record.ModelRate {
			steps = append(steps, st.Rate)
		} else {
			steps = append(steps, float64(st.Users))
		}
	}
	return model, steps
}
