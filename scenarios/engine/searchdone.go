package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// searchDone is the stop reason of the last probe of a search of n
// probes: "search done: capacity 4,250 users (4,500 breached), 11
// probes", with the search's reason when it gave one; "search done: no
// load met the SLO (…)" when every load breached; and "search undecided:
// <reason>" when the search ended without a capacity or a breach (every
// probe it made could not be trusted, e.g. a saturated generator).
func searchDone(rec record.Record, n int) string {
	var res *record.SearchResult
	if rec.Search != nil {
		res = rec.Search.Result
	}
	if res == nil {
		return fmt.Sprintf("search done after %d probes", n)
	}
	probes := max(res.Probes, 1)
	if res.Capacity == 0 && res.FirstFail == 0 {
		reason := trimUndecided(res.Reason)
		if reason == "" {
			reason = "no probe could be trusted"
		}
		return fmt.Sprintf("search undecided: %s (%d probes)", reason, probes)
	}
	unit := " users"
	if rec.Load.Model == record.ModelRate {
		unit = " req/s"
	}
	text := "search done: capacity " + grouped(res.Capacity) + unit
	if res.Capacity == 0 {
		text = "search done: no load met the SLO"
	}
	if res.FirstFail > 0 {
		text += " (" + grouped(res.FirstFail) + " breached)"
	}
	text += fmt.Sprintf(", %d probes", probes)
	if res.Reason != "" {
		text += ": " + res.Reason
	}
	return text
}

// trimUndecided is the search's own reason without a leading
// "undecided" (and its ":" or ","), which searchDone already says.
func trimUndecided(reason string) string {
	const word = "undecided"
	reason = strings.TrimSpace(reason)
	if len(reason) >= len(word) && strings.EqualFold(reason[:len(word)], word) {
		reason = strings.TrimLeft(reason[len(word):], ":, ")
	}
	return reason
}

// grouped prints a load rounded to three decimals, trailing zeros
// dropped, with thousands separators (4,250; 12.5; 4.8 for
// 4.7999999999999998), as the search's own sentences do.
func grouped(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 3, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	whole, err := strconv.ParseFloat(intPart, 64)
	if err != nil { // FormatFloat wrote digits: cannot happen
		return s
	}
	out := scenarios.Grouped(whole)
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		out += "." + frac
	}
	if v < 0 && out != "0" {
		out = "-" + out
	}
	return out
}
