package experiments

import (
	"fmt"
	"strconv"
)

// Expand is the list of configurations the experiment runs, in order: the
// matrix (cpus × memory × replicas, in that nesting order) followed by the
// explicit configs; with neither, one unlimited configuration (named "url"
// with one replica per URL for running APIs). An axis left empty contributes one unlimited value
// (cpus 0, memory 0, replicas 1). Unnamed configs are named after their
// limits, e.g. "cpu0.5-mem512m-x1".
func (e Experiment) Expand() []ConfigSpec {
	var out []ConfigSpec
	m := e.Matrix
	if len(m.CPUs)+len(m.Memory)+len(m.Replicas) > 0 {
		cpus, mem, reps := m.CPUs, m.Memory, m.Replicas
		if len(cpus) == 0 {
			cpus = []float64{0}
		}
		if len(mem) == 0 {
			mem = []Bytes{0}
		}
		if len(reps) == 0 {
			reps = []int{1}
		}
		for _, c := range cpus {
			for _, b := range mem {
				for _, r := range reps {
					out = append(out, ConfigSpec{CPUs: c, Memory: b, Replicas: r})
				}
			}
		}
	}
	out = append(out, e.Configs...)
	if len(out) == 0 {
		// Nothing given: one unlimited configuration, or for running URLs
		// one configuration whose replicas are those URLs.
		c := ConfigSpec{Replicas: 1}
		if n := len(e.Target.URLs); n > 0 {
			c = ConfigSpec{Name: "url", Replicas: n}
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

// AutoName names a configuration after its limits: cpu0.5-mem512m-x2;
// unlimited axes are written "cpuinf" / "meminf".
func (c ConfigSpec) AutoName() string {
	cpu := "cpuinf"
	if c.CPUs > 0 {
		cpu = "cpu" + strconv.FormatFloat(c.CPUs, 'f', -1, 64)
	}
	mem := "meminf"
	if c.Memory > 0 {
		mem = "mem" + c.Memory.String()
	}
	return fmt.Sprintf("%s-%s-x%d", cpu, mem, max(c.Replicas, 1))
}

// Describe renders the limits for humans: "2 × 0.5 CPU × 512 MiB".
func (c ConfigSpec) Describe() string {
	cpu := "unlimited CPU"
	if c.CPUs > 0 {
		cpu = strconv.FormatFloat(c.CPUs, 'f', -1, 64) + " CPU"
	}
	mem := "unlimited memory"
	if c.Memory > 0 {
		mem = c.Memory.Human()
	}
	return fmt.Sprintf("%d × %s × %s", max(c.Replicas, 1), cpu, mem)
}
