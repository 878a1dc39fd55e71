package experiments

import "github.com/loadlab/loadlab/record"

// Expand is the list of configurations the experiment runs, in order: the
// matrix (cpus × memory × replicas, in that nesting order) followed by the
// explicit configs; with neither, one unlimited configuration (named "url"
// with one replica per URL for running APIs). An axis left empty contributes one unlimited value
// (cpus 0, memory 0, replicas 1). Unnamed configs are named after their
// limits (record.Config.AutoName), e.g. "cpu0.5-mem512m-x1". A limit
// search (e.Search) lists none: its configurations are decided one trial
// at a time (see Runner).
func (e Experiment) Expand() []record.Config {
	if e.Search != nil {
		return nil
	}
	var out []record.Config
	m := e.Matrix
	if len(m.CPUs)+len(m.Memory)+len(m.Replicas) > 0 {
		cpus, mem, reps := m.CPUs, m.Memory, m.Replicas
		if len(cpus) == 0 {
			cpus = []float64{0}
		}
		if len(mem) == 0 {
			mem = []record.Bytes{0}
		}
		if len(reps) == 0 {
			reps = []int{1}
		}
		for _, c := range cpus {
			for _, b := range mem {
				for _, r := range reps {
					out = append(out, record.Config{CPUs: c, MemoryBytes: b, Replicas: r})
				}
			}
		}
	}
	out = append(out, e.Configs...)
	if len(out) == 0 {
		// Nothing given: one unlimited configuration, or for running URLs
		// one configuration whose replicas are those URLs.
		c := record.Config{Replicas: 1}
		if n := len(e.Target.URLs); n > 0 {
			c = record.Config{Name: "url", Replicas: n}
		}
		out = append(out, c)
	}
	for i := range out {
		if out[i].Replicas == 0 {
			out[i].Replicas = 1
		}
		if out[i].Name == "" {
			out[i].Name = out[i].AutoName()
		}
	}
	return out
}
