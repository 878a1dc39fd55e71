package record

// Search kinds (Search.Kind).
const (
	// SearchCapacity marks a probe of a capacity search within one
	// configuration (a scenario's ramp.search): the highest load that meets
	// the SLO.
	SearchCapacity = "capacity"
	// SearchLimits marks a step of a trial of a limit search across
	// configurations (an experiment's search:): does this configuration
	// serve the target load?
	SearchLimits = "limits"
)

// Phases of a search (Search.Phase).
const (
	PhaseBracket  = "bracket"  // capacity: multiplying (or dividing) the load until a probe breaches (or passes)
	PhaseBisect   = "bisect"   // capacity: halving the gap between the last pass and the first breach
	PhaseConfirm  = "confirm"  // capacity: holding the found capacity once more, longer
	PhaseApproach = "approach" // limits: a quick step on the way up to the target load
	PhaseTrial    = "trial"    // limits: the measured step at the target load that decides the trial
)

// Verdicts a search gives a step (Search.Verdict).
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
	// VerdictRepeat is a step that decides nothing on its own: its deciding
	// metric was within the search's margin of the SLO's limit, or it
	// cannot be trusted (a saturated generator, a partial step). The load
	// is measured again.
	VerdictRepeat = "repeat"
)

// Search marks a step recorded by a search, so that reports, compare and
// gate read a search run like any other and the search's path can be
// retraced from steps.jsonl alone. It is nil for the steps of a plain
// ramp.
type Search struct {
	// Kind is SearchCapacity or SearchLimits.
	Kind string `json:"kind"`
	// Phase is one of the Phase constants.
	Phase string `json:"phase"`
	// Probe numbers the steps of a capacity search from 1 (repeats
	// included); for a limit search it numbers the trials of one replica
	// count from 1.
	Probe int `json:"probe"`
	// Verdict is what the search made of this step (VerdictPass,
	// VerdictFail or VerdictRepeat); empty for an approach step, which
	// decides nothing unless it breaches.
	Verdict string `json:"verdict,omitempty"`
	// Pressure is the step's deciding metric as a fraction of its limit:
	// the largest, over the SLO's conditions, of measured ÷ limit (limit ÷
	// measured for a lower bound such as rps>=500). Above 1 breaches; nil
	// when nothing was measured.
	Pressure *float64 `json:"pressure,omitempty"`
	// Decided is the pressure the verdict rests on: the median of the
	// repeats at this load when it was measured more than once, else
	// Pressure; nil when the step decided nothing.
	Decided *float64 `json:"decided,omitempty"`
	// Note says why, in a sentence (a repeat's reason, a confirmation
	// that failed and stepped the search down, a contradicted trial).
	Note string `json:"note,omitempty"`
	// Low and High bracket the capacity after this step (capacity search):
	// Low the highest load known to meet the SLO (0: none yet), High the
	// lowest known to breach (0: none yet). Users, or requests/s under
	// model rate.
	Low  float64 `json:"low,omitempty"`
	High float64 `json:"high,omitempty"`
	// Trial, on the steps of a limit search, is the kind of trial they
	// belong to (search.TrialCPU, TrialRecheck, TrialConfirm, TrialMemory
	// or TrialCapacity; a capacity trial's steps are a capacity search's
	// probes, Kind SearchCapacity); "" for a capacity search of a scenario.
	Trial string `json:"trial,omitempty"`
	// Result is set on the step that ended a capacity search.
	Result *SearchResult `json:"result,omitempty"`
}

// SearchResult is the answer of a finished capacity search.
type SearchResult struct {
	// Capacity is the highest load that met the SLO (confirmed when
	// Confirmed), users or requests/s; 0 when no load did.
	Capacity float64 `json:"capacity"`
	// FirstFail is the lowest load above Capacity that breached; 0 when
	// none did (the search reached its max, or stopped early).
	FirstFail float64 `json:"first_fail,omitempty"`
	// Probes is how many steps the search measured, repeats included.
	Probes int `json:"probes"`
	// Confirmed is true when Capacity passed its confirmation hold.
	Confirmed bool `json:"confirmed"`
	// Reason says why the search ended, in a sentence.
	Reason string `json:"reason"`
	// Undecided is true when the search ended without a passing load
	// because its steps could not be trusted (a saturated generator, cut
	// short): Capacity 0 then means "not known", not "no load met the
	// SLO".
	Undecided bool `json:"undecided,omitempty"`
}
