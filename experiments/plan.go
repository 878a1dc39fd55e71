package experiments

import "github.com/loadlab/loadlab/record"

// Plan is what a run of e sets out to measure: every configuration of
// Expand, in run order, and the repeats. Prepare writes it to plan.json so
// that reports and gates, which never import this package, can tell a
// finished run from an interrupted one.
func (e Experiment) Plan(runtime string) record.Plan {
	p := record.Plan{Repeat: max(e.Repeat, 1)}
	for _, c := range e.Expand() {
		p.Configs = append(p.Configs, record.Config{
			Name: c.Name, CPUs: c.CPUs, MemoryBytes: int64(c.Memory), Replicas: c.Replicas,
			Runtime: runtime, Approximate: runtime == "local",
		})
	}
	return p
}
