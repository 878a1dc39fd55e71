package gate

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/loadlab/loadlab/record"
)

// AgainstVersion turns the champion/challenger run in into the gate of
// one version against the other, measured at the same time under one load
// (see the experiment's challenger:): with against = record.VersionChampion
// the challenger's configurations are gated and their champions of the
// same run are the baseline, both sides named by their base configuration
// ("api", not "api@challenger"), so that every baseline rule applies as it
// does to a baseline of another run (the level each holds, statistics
// across repeats, tolerances). It refuses a run without versions and any
// other value of against. The champion's side must be complete (as a
// baseline from a results folder); the challenger's is judged by Evaluate.
// Each repeat's two versions ran in the same seconds, so the comparison
// pairs them by repeat (Input.Pairs).
func AgainstVersion(in Input, against string, now time.Time) (Input, error) {
	if against != record.VersionChampion {
		return Input{}, fmt.Errorf("--against %q: the one version a challenger is gated against is %q", against, record.VersionChampion)
	}
	base, cur := versionSide(in, record.VersionChampion), versionSide(in, record.VersionChallenger)
	if len(base.Records) == 0 || len(cur.Records) == 0 {
		return Input{}, errors.New("--against champion: the run has no champion and challenger configurations: " +
			"it needs a run of an experiment with challenger: (weight: 50% gives both versions the same load)")
	}
	if err := sameLoads(base.Records, cur.Records); err != nil {
		return Input{}, err
	}
	if err := complete("the champion", base); err != nil {
		return Input{}, err
	}
	b, err := NewBaseline(base, now)
	if err != nil && in.At == AtTarget && in.TargetLoad > 0 {
		return Input{}, fmt.Errorf("the champion as the baseline: %w at the target load (%g): each version offers only its share "+
			"of every step, so set target_users to a version's share (at weight 50%%, half a step) or give --at-users", err, in.TargetLoad)
	}
	if err != nil {
		return Input{}, fmt.Errorf("the champion as the baseline: %w", err)
	}
	if err := b.missingLevels("the champion", cur.Records); err != nil {
		return Input{}, err
	}
	cur.Baseline = &b
	_, cur.Pairs = record.ByConfig(base.Records)
	return cur, nil
}

// versionSide is in restricted to version v's configurations (records,
// plan, capacities), each renamed to its base configuration.
func versionSide(in Input, v string) Input {
	out := in
	out.Records = nil
	for _, r := range in.Records {
		if r.Config.Version == v {
			r.Config = baseConfig(r.Config)
			out.Records = append(out.Records, r)
		}
	}
	if in.Plan != nil {
		p := *in.Plan
		p.Configs = nil
		for _, c := range in.Plan.Configs {
			if c.Version == v {
				p.Configs = append(p.Configs, baseConfig(c))
			}
		}
		out.Plan = &p
	}
	out.Capacity, out.Step = renamed(in.Capacity, v), renamed(in.Step, v)
	return out
}

// baseConfig is c named by its base configuration, without a version.
func baseConfig(c record.Config) record.Config {
	c.Name, c.Version = c.BaseName(), ""
	return c
}

// renamed keeps the entries of m named "<config>@<v>", as "<config>".
func renamed(m map[string]float64, v string) map[string]float64 {
	out := map[string]float64{}
	for name, x := range maps.All(m) {
		c := record.Config{Name: name, Version: v}
		if base := c.BaseName(); base != name {
			out[base] = x
		}
	}
	return out
}

// sameLoads refuses versions that were not offered the same load in the
// same window (repeat and step) of a configuration: a challenger weight
// other than 50 % splits every step unequally, and a comparison of
// per-request figures at two loads is the one the baseline level rule
// forbids.
func sameLoads(champ, chall []record.Record) error {
	type window struct {
		config       string
		repeat, step int
	}
	offered := map[window]float64{}
	for _, r := range champ {
		offered[window{r.Config.Name, r.Repeat, r.Step}] = r.Offered()
	}
	for _, r := range chall {
		w := window{r.Config.Name, r.Repeat, r.Step}
		if o, ok := offered[w]; ok && o != r.Offered() {
			return fmt.Errorf("--against champion: %s's step %d offered %v to the champion and %v to the challenger: "+
				"the two versions must share every step equally (weight: 50%%) to be compared", r.Config.Name, r.Step+1, level{o, r.Load.Model}, level{r.Offered(), r.Load.Model})
		}
	}
	return nil
}
