package experiments

import (
	"fmt"
	"strconv"
	"time"

	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// MaxCPUs bounds a replica's CPU limit, in cores: it keeps NanoCPUs far
// from overflow (and no host has more). The minimum is Docker's,
// docker.MinCPUs.
const MaxCPUs = 1024

// explicitZeros reports the fields the file sets to 0 where 0 would
// otherwise silently become their default (repeat, target.port,
// target.health_timeout, configs[i].replicas); written tells the fields the
// file writes.
func explicitZeros(written func(path string) bool, e Experiment) []FieldError {
	type zero struct {
		path, allowed, got, unset string
		zero                      bool
	}
	zeros := []zero{
		{"repeat", fmt.Sprintf("from 1 to %d", MaxRepeat), "0", "the default 1", e.Repeat == 0},
		{"target.port", "a port from 1 to 65535", "0", "the image's exposed port", e.Target.Port == 0},
		{"target.health_timeout", "a positive duration such as 60s", "0s", "the default " + runtime.DefaultHealthTimeout.String(), e.Target.HealthTimeout == 0},
	}
	for i, c := range e.Configs {
		zeros = append(zeros, zero{fmt.Sprintf("configs[%d].replicas", i), fmt.Sprintf("from 1 to %d", MaxReplicas), "0", "the default 1", c.Replicas == 0})
	}
	var ps []FieldError
	for _, z := range zeros {
		if written(z.path) && z.zero {
			ps = append(ps, FieldError{Field: z.path, Msg: fmt.Sprintf("must be %s (got %s); leave it out for %s", z.allowed, z.got, z.unset)})
		}
	}
	return ps
}

// boundProblems reports the experiment's values above their sanity bounds
// (lifted by the scenario's allow_large, see scenarios.Limits): the
// capacity question, the pauses, the health wait, each configuration's
// CPUs, and, when the rest and the scenario (scenarioOK) are valid, the
// length of the whole run.
func (e Experiment) boundProblems(scenarioOK bool) []FieldError {
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: path, Msg: fmt.Sprintf(format, a...)})
	}
	l := e.Scenario.Limits()
	if float64(e.TargetUsers) > l.Users {
		add("target_users", "%s", l.ExceedsCount(float64(e.TargetUsers), "users", "users", scenarios.MaxUsers, scenarios.LargeMaxUsers))
	}
	for _, d := range []struct {
		path             string
		got, sane, large time.Duration
	}{
		{"warmup", e.Warmup, scenarios.MaxHold, scenarios.LargeMaxHold},
		{"cooldown", e.Cooldown, scenarios.MaxHold, scenarios.LargeMaxHold},
		{"target.health_timeout", e.Target.HealthTimeout, scenarios.MaxTimeout, scenarios.LargeMaxTimeout},
	} {
		if d.got > l.Pick(d.sane, d.large) {
			add(d.path, "%s", l.ExceedsDuration(d.got, d.sane, d.large))
		}
	}
	for i, c := range e.Matrix.CPUs {
		checkCPUs(add, fmt.Sprintf("matrix.cpus[%d]", i), c)
	}
	for i, c := range e.Configs {
		if c.CPUs != 0 {
			checkCPUs(add, fmt.Sprintf("configs[%d].cpus", i), c.CPUs)
		}
	}
	if e.Search != nil {
		checkCPUs(add, "search.cpus.max", e.Search.CPUs.Max)
	}
	// A limit search's length is bounded by its trials (at most
	// search.Limits.TrialBudget per replica count), not known in advance.
	if len(ps) == 0 && scenarioOK && e.Search == nil {
		e.checkLength(add, l)
	}
	return ps
}

// checkCPUs reports a positive CPU limit outside Docker's range (≤ 0 is
// reported by problems).
func checkCPUs(add func(string, string, ...any), path string, c float64) {
	switch {
	case c > 0 && c < docker.MinCPUs:
		add(path, "must be at least %v cores, Docker's minimum (got %v)", docker.MinCPUs, c)
	case c > MaxCPUs:
		add(path, "must be at most %d cores (got %v)", MaxCPUs, c)
	}
}

// hostProblems reports what Docker would refuse on this machine, whose
// engine is local (it runs on hostCPUs CPUs, runtime.NumCPU): a limit
// search whose largest CPU limit per replica is above them ("range of
// CPUs is from 0.01 to 2.00"). Its top trial, the first of each replica
// count, would fail to deploy and the count end with no answer although
// smaller limits might serve. (A listed configuration that Docker refuses
// fails on its own, reported as such, and the run goes on.) The problem
// is placed at the file's line; nil when there is none.
func (e Experiment) hostProblems(hostCPUs int) error {
	if e.Search == nil || e.Search.CPUs.Max <= float64(hostCPUs) {
		return nil
	}
	cpus := "CPUs"
	if hostCPUs == 1 {
		cpus = "CPU"
	}
	const path = "search.cpus.max"
	fe := &FieldError{File: e.file, Field: path,
		Msg: fmt.Sprintf("%s is more than this machine's %d %s (Docker refuses a larger limit): lower it to %d or less",
			strconv.FormatFloat(e.Search.CPUs.Max, 'f', -1, 64), hostCPUs, cpus, hostCPUs)}
	if e.lineOf != nil {
		fe.Line = e.lineOf(path)
	}
	return fe
}

// checkLength reports a run whose planned length (every configuration ×
// repeat: warm-up, the ramp at its longest, cooldown) exceeds l.Duration.
func (e Experiment) checkLength(add func(string, string, ...any), l scenarios.Limits) {
	_, _, ramp := e.Scenario.PlannedLength()
	runs := e.configCount() * max(e.Repeat, 1)
	one := e.Warmup + ramp + e.Cooldown
	total := float64(runs) * one.Hours() // hours: may exceed a time.Duration
	if total <= l.Duration.Hours() {
		return
	}
	path := "matrix"
	if e.Repeat > 1 {
		path = "repeat"
	}
	how := scenarios.Raise(scenarios.Days(scenarios.LargeMaxDuration))
	if l.Large {
		how = "the most loadlab allows even with allow_large"
	}
	add(path, "%d configurations × %d repeats of %s (warm-up, ramp at its longest, cooldown) last %s, above %s for one run: %s",
		e.configCount(), max(e.Repeat, 1), scenarios.FormatDuration(one), strconv.FormatFloat(total, 'f', -1, 64)+"h", scenarios.Days(l.Duration), how)
}
