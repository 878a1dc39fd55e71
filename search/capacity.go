// Package search finds answers instead of walking a guessed grid: the
// highest load one configuration serves within its SLO (Capacity, a
// scenario's ramp.search) and the smallest limits that serve a target load
// (Limits, an experiment's search:). Both are pure: what was measured goes
// in, the next measurement or the answer comes out; no clock, no I/O, no
// randomness. The engine and the experiment runner carry the decisions
// out; reports retrace them from steps.jsonl.
package search

import (
	"math"
	"time"

	"github.com/loadlab/loadlab/internal/yamlfile"

	"github.com/loadlab/loadlab/record"
)

// Capacity configures a capacity search within one configuration: bracket
// from From by Factor until a probe breaches (or Max passes), then bisect
// between the last pass and the first breach until the gap is within
// Resolution, then confirm the capacity with a longer hold. Loads are
// users, or requests/s under model rate.
type Capacity struct {
	// From is the first load probed (> 0).
	From float64 `yaml:"from" json:"from" nonzero:"> 0"`
	// Max is the highest load probed (≥ From); a pass at Max ends the
	// search with capacity ≥ Max.
	Max float64 `yaml:"max" json:"max" nonzero:"> 0"`
	// Resolution ends the bisection when the gap between the last pass and
	// the first breach is at most this: a load (50) or a percentage of the
	// last pass (5%). Default 5%.
	Resolution Resolution `yaml:"resolution,omitempty" json:"resolution,omitzero"`
	// Factor multiplies the load while probes pass (and divides it while
	// they breach, when From already breaches); default 2, > 1.
	Factor float64 `yaml:"factor,omitempty" json:"factor,omitempty" nonzero:"> 1"`
	// Margin is the noise band: a probe whose pressure (slo.SLO.Pressure)
	// is within Margin of 1 is measured again, and its load decided by the
	// median pressure of the repeats. Default 0.1 (p95 in 0.9–1.1 s for
	// p95<1s); margin: 0 is refused.
	Margin float64 `yaml:"margin,omitempty" json:"margin,omitempty" nonzero:"in (0, 1)"`
	// Repeats bounds the measurements of one load (default 3): a load near
	// the margin is decided by the median of up to Repeats measurements; a
	// load whose steps cannot be trusted (saturated generator, partial
	// step) Repeats times in a row ends the search there.
	Repeats int `yaml:"repeats,omitempty" json:"repeats,omitempty" nonzero:"≥ 1"`
	// Hold is the hold of bracket and bisect probes and repeats; default:
	// the ramp's hold (set by WithDefaults).
	Hold time.Duration `yaml:"-" json:"-"`
	// BracketHold is the hold of bracket probes; default Hold. Shorter
	// bracket probes find the bracket sooner; a bracket probe near the
	// margin is repeated at Hold.
	BracketHold time.Duration `yaml:"bracket_hold,omitempty" json:"bracket_hold,omitempty" nonzero:"> 0"`
	// ConfirmHold is the hold of the confirmation; default 2 × Hold.
	ConfirmHold time.Duration `yaml:"confirm_hold,omitempty" json:"confirm_hold,omitempty" nonzero:"> 0"`
	// Whole makes every load a whole number (model users); set by the
	// scenario, not the file.
	Whole bool `yaml:"-" json:"-"`
}

// Capacity search defaults.
const (
	DefaultFactor  = 2.0
	DefaultMargin  = 0.1
	DefaultRepeats = 3
	// MaxProbes bounds the steps of one capacity search, repeats included.
	MaxProbes = 40
	// MaxConfirms bounds the confirmations (each failed one steps the
	// search down and bisects again).
	MaxConfirms = 3
)

// DefaultResolution is 5 % of the last pass.
var DefaultResolution = Resolution{Value: 5, Percent: true}

// Resolution is a gap small enough to stop bisecting: an absolute load, or
// (Percent) a percentage of the last passing load. YAML: 50 or "5%".
type Resolution struct {
	Value   float64
	Percent bool
}

// WithDefaults fills what c leaves empty; hold is the ramp's hold and
// whole says whether loads are whole numbers (model users).
func (c Capacity) WithDefaults(hold time.Duration, whole bool) Capacity {
	if c.Resolution.IsZero() {
		c.Resolution = DefaultResolution
	}
	if c.Factor == 0 {
		c.Factor = DefaultFactor
	}
	if c.Margin == 0 {
		c.Margin = DefaultMargin
	}
	if c.Repeats == 0 {
		c.Repeats = DefaultRepeats
	}
	if c.Hold == 0 {
		c.Hold = hold
	}
	if c.BracketHold == 0 {
		c.BracketHold = c.Hold
	}
	if c.ConfirmHold == 0 {
		c.ConfirmHold = 2 * c.Hold
	}
	c.Whole = whole
	return c
}

// Validate reports every problem of a search with defaults applied, as
// "field: problem (fix)" errors joined (field names as in YAML:
// from, max, resolution, factor, margin, repeats, bracket_hold,
// confirm_hold).
//
// Under model users (Whole) from and max must be whole numbers.
func (c Capacity) Validate() error {
	var es yamlfile.Errors
	unit := unitOf(c.Whole)
	if !(c.From > 0) || math.IsInf(c.From, 0) {
		es.Add("from", "must be > 0 %s (got %s): the first load probed, e.g. 100", unit, FormatNumber(c.From))
	} else if c.Whole && c.From != math.Trunc(c.From) {
		es.Add("from", "must be a whole number of users (got %s)", FormatNumber(c.From))
	}
	switch {
	case !(c.Max > 0) || math.IsInf(c.Max, 0):
		es.Add("max", "must be > 0 %s (got %s): the highest load probed", unit, FormatNumber(c.Max))
	case c.Max < c.From:
		es.Add("max", "must be ≥ from (got max %s, from %s): raise max or lower from", FormatNumber(c.Max), FormatNumber(c.From))
	case c.Whole && c.Max != math.Trunc(c.Max):
		es.Add("max", "must be a whole number of users (got %s)", FormatNumber(c.Max))
	}
	r := c.Resolution
	switch {
	case !(r.Value > 0) || math.IsInf(r.Value, 0):
		es.Add("resolution", "must be > 0 (got %s): a load such as 50 or a percentage such as 5%%", r)
	case r.Percent && r.Value >= 100:
		es.Add("resolution", "must be a percentage below 100%% (got %s), e.g. 5%%", r)
	}
	if !(c.Factor > 1) || math.IsInf(c.Factor, 0) {
		es.Add("factor", "must be > 1 (got %s): the load is multiplied by it while probes pass, e.g. 2", FormatNumber(c.Factor))
	}
	if !(c.Margin > 0 && c.Margin < 1) {
		es.Add("margin", "must be in (0, 1) (got %s): the noise band around the SLO's limit, e.g. 0.1 for ±10 %%", FormatNumber(c.Margin))
	}
	if c.Repeats < 1 || c.Repeats > 10 {
		es.Add("repeats", "must be from 1 to 10 (got %d): the measurements of a load near the limit", c.Repeats)
	}
	if c.Hold <= 0 {
		es.Add("hold", "must be > 0 (got %s): set the ramp's hold", c.Hold)
	}
	if c.BracketHold <= 0 {
		es.Add("bracket_hold", "must be > 0 (got %s), e.g. 10s; leave it out for the hold", c.BracketHold)
	}
	if c.ConfirmHold <= 0 {
		es.Add("confirm_hold", "must be > 0 (got %s), e.g. 40s; leave it out for twice the hold", c.ConfirmHold)
	}
	return es.Join()
}

// Verdict is what one measured step says about its load.
type Verdict int

const (
	// Pass: the step met the SLO with room (pressure below 1 − margin).
	Pass Verdict = iota
	// Fail: the step breached beyond the margin (pressure above 1 +
	// margin), or nothing was answered.
	Fail
	// Near: the pressure was within the margin of 1; measure again.
	Near
	// Untrusted: the generator was saturated or the step was partial; it
	// decides nothing.
	Untrusted
)

// Probe is one measured step of a capacity search, as the search sees it.
type Probe struct {
	// Load is the step's load (users or requests/s).
	Load  float64
	Phase string // record.Phase*
	// Verdict and Pressure come from Classify.
	Verdict  Verdict
	Pressure float64
	// Why names the deciding condition or the reason for distrust.
	Why string
}

// Decision is the search's answer to a history of probes: how it judged
// the last probe, and the next probe or the result.
type Decision struct {
	// Last is the search's judgement of the last probe of the history
	// (Verdict, Pressure, Decided, Note, Low, High; Kind, Phase and Probe
	// are left to the caller); zero for an empty history. Pressure and
	// Decided are nil when not finite (nothing answered) and for an
	// untrusted probe.
	Last record.Search
	// Done is true when the search has its answer, in Result.
	Done   bool
	Result *record.SearchResult
	// Next, when not Done: the load to probe next, its phase and hold.
	Load  float64
	Phase string
	Hold  time.Duration
}
