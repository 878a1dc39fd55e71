package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/record"
)

// failedRepeats are the repeats of a configuration that failed (deploy,
// warm-up, ramp) while others were measured: its figures rest on fewer
// repeats than the run planned, and every phrase about it says so. The
// zero value means nothing failed.
type failedRepeats struct{ record.Repeats }

func (f failedRepeats) any() bool { return len(f.Failed) > 0 }

// failure is ConfigResult.Failure: "repeat 2 of 2 failed: deploy: …".
func (f failedRepeats) failure() string {
	var parts []string
	for _, r := range f.Failed {
		parts = append(parts, fmt.Sprintf("repeat %d of %d failed: %s", r.Repeat+1, f.Seen, r.Failure))
	}
	return strings.Join(parts, "; ")
}

// prefix heads the verdict: "repeat 2 of 2 failed; from repeat 1 alone: ".
func (f failedRepeats) prefix() string {
	return f.failedText() + "; from " + f.measuredText() + ": "
}

// caveat follows a recommendation about the configuration.
func (f failedRepeats) caveat() string {
	return "; " + f.failedText() + " (" + f.reasons() + "), so this rests on " + f.measuredText()
}

// warnings are the run-level caveats, one per failed repeat.
func (f failedRepeats) warnings(name string) []string {
	var out []string
	for _, r := range f.Failed {
		out = append(out, fmt.Sprintf("%s: repeat %d of %d failed (%s): its figures come from %d of %d repeats.",
			name, r.Repeat+1, f.Seen, r.Failure, len(f.Measured), f.Seen))
	}
	return out
}

func (f failedRepeats) failedText() string {
	var reps []int
	for _, r := range f.Failed {
		if !slices.Contains(reps, r.Repeat) {
			reps = append(reps, r.Repeat)
		}
	}
	if len(reps) == 1 {
		return fmt.Sprintf("repeat %d of %d failed", reps[0]+1, f.Seen)
	}
	return fmt.Sprintf("repeats %s of %d failed", numbers(reps), f.Seen)
}

func (f failedRepeats) measuredText() string {
	if len(f.Measured) == 1 {
		return fmt.Sprintf("repeat %d alone", f.Measured[0]+1)
	}
	return "repeats " + numbers(f.Measured)
}

func (f failedRepeats) reasons() string { return strings.Join(f.Reasons(), "; ") }

// numbers lists 0-based repeats 1-based: "1, 2 and 4".
func numbers(reps []int) string {
	var s []string
	for _, r := range reps {
		s = append(s, strconv.Itoa(r+1))
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
