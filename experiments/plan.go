package experiments

import "github.com/loadlab/loadlab/record"

// Plan is what a run of e sets out to measure: every configuration of
// Expand, in run order, the repeats, and the offered load of every step of
// the scenario's ramp (Scenario.Plan, which the engine runs as is: a step
// extended for stability keeps its index; the warm-up is no step). Prepare
// writes it to plan.json so that reports and gates, which never import
// this package, can tell a finished run from an interrupted one.
func (e Experiment) Plan(runtime string) record.Plan {
	p := record.Plan{Repeat: max(e.Repeat, 1), Model: e.Scenario.WithDefaults().Model}
	for _, c := range e.Expand() {
		p.Configs = append(p.Configs, record.Config{
			Name: c.Name, CPUs: c.CPUs, MemoryBytes: int64(c.Memory), Replicas: c.Replicas,
			Runtime: runtime, Approximate: runtime == "local",
		})
	}
	for _, st := range e.Scenario.Plan() {
		if p.Model == record.ModelRate {
			p.Steps = append(p.Steps, st.Rate)
		} else {
			p.Steps = append(p.Steps, float64(st.Users))
		}
	}
	return p
}
