package experiments

import (
	"os"
	"strings"
	"testing"
)

// TestGateABAsTheScriptsEditIt: scripts/gate.sh (make gate) and
// scripts/gate-study.sh (make gate-check, make gate-study) edit
// experiments/gate-ab.yaml line by line: the challenger's env line
// (replaced by the working tree's image, or given the knob) and the
// target: line (given the base commit's image). The lines must be there as
// written, and the edited files must be valid experiments: the image form
// in particular, whose target is no longer the reference API and so gets
// no default request mix.
func TestGateABAsTheScriptsEditIt(t *testing.T) {
	const envLine, targetLine = "    env: {LOADLAB_AB: challenger}", "target:"
	raw, err := os.ReadFile("gate-ab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	edit := func(env string, base string) string {
		var out []string
		for _, l := range lines {
			switch {
			case l == envLine:
				out = append(out, env)
			case l == targetLine && base != "":
				out = append(out, l, "  image: "+base)
			default:
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	for _, want := range []string{envLine, targetLine} {
		if strings.Count("\n"+string(raw)+"\n", "\n"+want+"\n") != 1 {
			t.Fatalf("gate-ab.yaml lacks the line %q (once) that the scripts edit", want)
		}
	}
	images, err := Parse("gate-ab-vs-base.yaml", []byte(edit("    image: loadlab/reference-api:gate-head-1", "loadlab/reference-api:gate-base-1")))
	if err != nil {
		t.Fatalf("make gate's form: %v", err)
	}
	if images.Target.Image != "loadlab/reference-api:gate-base-1" || images.Challenger == nil ||
		images.Challenger.To.Image != "loadlab/reference-api:gate-head-1" || len(images.Scenario.Requests) != 1 {
		t.Errorf("make gate's form: target %+v, challenger %+v, %d requests", images.Target, images.Challenger, len(images.Scenario.Requests))
	}
	knob, err := Parse("gate-ab-knob.yaml", []byte(edit("    env: {LOADLAB_AB: challenger, LOADLAB_EXTRA_CPU_PER_REQUEST: 8us}", "")))
	if err != nil {
		t.Fatalf("the knob form: %v", err)
	}
	if knob.Challenger == nil || knob.Challenger.To.Env["LOADLAB_EXTRA_CPU_PER_REQUEST"] != "8us" {
		t.Errorf("the knob form: challenger %+v", knob.Challenger)
	}
}
