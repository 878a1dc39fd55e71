package rundir

import (
	"testing"
	"time"
)

func TestExperimentOf(t *testing.T) {
	for id, want := range map[string]string{
		"20261122T155504Z-quick":              "quick",
		"20261122T120000Z-workshop-3fa9c2":    "workshop",
		"20261122T120000Z-gate-cpu-a1b2c3":    "gate-cpu",
		"20261122T120000Z-my-exp":             "my-exp",
		"20261122T120000Z-3fa9c2":             "3fa9c2",
		"r1":                                  "",
		"2026-quick":                          "",
		"":                                    "",
		"20261122T120000Z-":                   "",
		"20261122T120000Z-workshop-3FA9C2zz1": "workshop-3FA9C2zz1",
	} {
		if got := ExperimentOf(id); got != want {
			t.Errorf("ExperimentOf(%q) = %q, want %q", id, got, want)
		}
	}
	// The run IDs that runs make today carry their experiment's name.
	for _, name := range []string{"quick", "gate", "cpu-per-request"} {
		if got := ExperimentOf(NewRunID(time.Now(), name)); got != name {
			t.Errorf("ExperimentOf(NewRunID(%q)) = %q", name, got)
		}
	}
}
