package experiments

import (
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// A champion/challenger experiment (Experiment.Challenger) deploys two
// versions of the API for every configuration × repeat, under the same
// limits: the champion (the experiment's target) and the challenger (the
// same target with another image and/or environment). One ramp drives
// both: every step's load is split by the challenger's weight, the
// challenger getting round(users × weight) users (or rate × weight
// requests/s) and the champion the rest. The split is done by the client:
// each version gets its own load generator running the same plan at the
// same time (step i of both share their time window), so a user sticks to
// one version for the whole ramp, as a sticky canary does. Each version's
// steps are recorded as a configuration of its own, named
// "<config>@champion" and "<config>@challenger" (record.Config.Version).

// MaxChallengerWeight is the largest share of the load a challenger may
// get: the champion serves at least half.
const MaxChallengerWeight = 0.5

// Challenger is the challenger: block of an experiment.
type Challenger struct {
	// To is what the challenger changes in the target.
	To ChallengerTarget `yaml:"to"`
	// Weight is the challenger's share of every step's load, a fraction in
	// (0, MaxChallengerWeight]; written "10%" or 0.1 in the file.
	Weight Weight `yaml:"weight"`
}

// ChallengerTarget is the challenger's difference from the champion: an
// image (docker and swarm runtimes) and/or environment entries, added to
// and replacing the target's env (public as target.public_env says).
type ChallengerTarget struct {
	Image string            `yaml:"image,omitempty"`
	Env   map[string]string `yaml:"env,omitempty"`
}

// Weight is a share of the load as a fraction (0.1 is 10 %).
type Weight float64

// UnmarshalYAML reads a percentage ("10%") or a fraction (0.1).
func (w *Weight) UnmarshalYAML(n *yaml.Node) error {
	const help = `must be a share of the load such as "10%" or 0.1`
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %s", n.Line, help)
	}
	s := strings.TrimSpace(n.Value)
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("line %d: %q %s", n.Line, n.Value, help)
	}
	if pct {
		v /= 100
	} else if v > 1 {
		return fmt.Errorf("line %d: %s is more than the whole load: write %s%% for a percentage", n.Line, s, s)
	}
	*w = Weight(v)
	return nil
}

// MarshalYAML writes the weight as a percentage ("10%").
func (w Weight) MarshalYAML() (any, error) { return w.String(), nil }

// String is the weight as a percentage: "10%", "12.5%".
func (w Weight) String() string {
	return strconv.FormatFloat(float64(w)*100, 'f', -1, 64) + "%"
}

// Versions of a champion/challenger experiment, as record.Config.Version
// and the suffix of a version's configuration name.
const (
	VersionChampion   = record.VersionChampion
	VersionChallenger = record.VersionChallenger
)

// versionConfig is configuration c as version v records it: named
// "<name>@<v>", with Version set.
func versionConfig(c record.Config, v string) record.Config {
	c.Name, c.Version = c.Name+"@"+v, v
	return c
}

// versions are the configurations one configuration of e is recorded as:
// itself, or its champion and challenger.
func (e Experiment) versions(c record.Config) []record.Config {
	if e.Challenger == nil {
		return []record.Config{c}
	}
	return []record.Config{versionConfig(c, VersionChampion), versionConfig(c, VersionChallenger)}
}

// splitLoad splits one step's load between the champion and the
// challenger: under model users the challenger gets round(load × w) users
// and the champion the rest; under model rate the rates are load × (1−w)
// and load × w. Either side may come out 0 (see challengerProblems).
func splitLoad(load float64, w Weight, model string) (champion, challenger float64) {
	if model == record.ModelRate {
		return load * (1 - float64(w)), load * float64(w)
	}
	c := math.Round(load * float64(w))
	return load - c, c
}

// versionScenario is e's scenario as version v runs it: the same plan,
// its ramp an explicit list of v's share of every step.
func (e Experiment) versionScenario(v string) scenarios.Scenario {
	s := e.Scenario
	model, steps := RampSteps(s)
	levels := make([]float64, len(steps))
	for i, l := range steps {
		champ, chall := splitLoad(l, e.Challenger.Weight, model)
		levels[i] = champ
		if v == VersionChallenger {
			levels[i] = chall
		}
	}
	s.Ramp.From, s.Ramp.To, s.Ramp.By, s.Ramp.Steps = 0, 0, 0, levels
	return s
}

// challengerExperiment is e as the challenger deploys it: the target with
// the challenger's image (replacing a build) and env.
func (e Experiment) challengerExperiment() Experiment {
	to := e.Challenger.To
	if to.Image != "" {
		e.Target.Image, e.Target.Build = to.Image, ""
	}
	if len(to.Env) > 0 {
		env := maps.Clone(e.Target.Env)
		if env == nil {
			env = map[string]string{}
		}
		maps.Copy(env, to.Env)
		e.Target.Env = env
	}
	return e
}

// challengerProblems checks the challenger: block before anything is
// deployed: its weight, a difference from the champion, a split that
// leaves each side load at every step, and what cannot be combined with
// it.
func (e Experiment) challengerProblems() []FieldError {
	ch := e.Challenger
	if ch == nil {
		return nil
	}
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: path, Msg: fmt.Sprintf(format, a...)})
	}
	w := float64(ch.Weight)
	if !(w > 0 && w <= MaxChallengerWeight) {
		add("challenger.weight", "must be more than 0%% and at most 50%% of the load, e.g. 10%% (got %s); "+
			"the champion serves the rest", ch.Weight)
	}
	if ch.To.Image == "" && len(ch.To.Env) == 0 {
		add("challenger.to", "set image and/or env: the challenger must differ from the champion")
	}
	if ch.To.Image != "" && (len(e.Target.URLs) > 0 || e.Target.Compose != "") {
		add("challenger.to.image", "a challenger image needs a target loadlab deploys from an image, the reference API, or a build (not urls or compose)")
	}
	if len(e.Target.URLs) > 0 {
		add("challenger", "target.urls are APIs already running: loadlab cannot deploy a challenger beside them")
	}
	if e.Search != nil {
		add("challenger", "a limit search (search:) cannot run with a challenger: list the configurations to compare the versions on")
	}
	if e.Scenario.Ramp.Search != nil {
		add("challenger", "a capacity search (scenario.ramp.search) decides each version's steps on its own: use a fixed ramp with a challenger")
	}
	if e.Scenario.Stability.Enabled {
		add("challenger", "stability (scenario.stability.enabled) would extend each version's steps on its own and break the shared time windows: disable it")
	}
	if e.Rollout != nil {
		add("challenger", "a rollout (rollout:) holds one load while Swarm rolls the service: compare the versions with a challenger or a rollout, not both in one experiment")
	}
	if e.generatorCount() > 1 {
		add("challenger", "generators > 1 is not supported with a challenger yet: use generators: 1")
	}
	if w > 0 && w <= MaxChallengerWeight && e.Scenario.Ramp.Search == nil {
		ps = append(ps, e.splitProblems()...)
	}
	return ps
}

// splitProblems reports the first step whose split leaves a side without
// load (fewer than 1 user, after rounding, or no rate).
func (e Experiment) splitProblems() []FieldError {
	model, steps := RampSteps(e.Scenario)
	w := e.Challenger.Weight
	for i, l := range steps {
		champ, chall := splitLoad(l, w, model)
		if model == record.ModelRate {
			if chall > 0 && champ > 0 {
				continue
			}
			return []FieldError{{Field: "challenger.weight", Msg: fmt.Sprintf(
				"step %d's %g req/s split %s gives a side no load: raise the step or the weight", i+1, l, w)}}
		}
		if chall >= 1 && champ >= 1 {
			continue
		}
		need := math.Ceil(0.5 / float64(w))
		return []FieldError{{Field: "challenger.weight", Msg: fmt.Sprintf(
			"step %d's %g users split %s gives the challenger %g users (round(%g × %s)) and the champion %g: "+
				"every step needs at least 1 user per version, so at least %g users at this weight, or a larger weight",
			i+1, l, w, chall, l, w, champ, max(need, 2))}}
	}
	return nil
}

// challengerOnLocal says why the local runtime cannot run e's challenger:
// it runs only the reference API, so a challenger may change its env but
// not its image. Nil when it can.
func (e Experiment) challengerOnLocal() error {
	if e.Challenger == nil || e.Challenger.To.Image == "" {
		return nil
	}
	return fmt.Errorf("the local runtime runs only the reference API: challenger.to.image %s needs --runtime docker or swarm "+
		"(a challenger of env only runs locally)", e.Challenger.To.Image)
}
