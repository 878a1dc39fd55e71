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
// probes", with the search's reason when it gave one.
func searchDone(rec record.Record, n int) string {
	var res *record.SearchResult
	if rec.Search != nil {
		res = rec.Search.Result
	}
	if res == nil {
		return fmt.Sprintf("search done after %d probes", n)
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
	text += fmt.Sprintf(", %d probes", max(res.Probes, 1))
	if res.Reason != "" {
		text += ": " + res.Reason
	}
	return text
}

// grouped prints a load with thousands separators (4,250; 12.5).
func grouped(v float64) string {
	whole := math.Trunc(v)
	s := scenarios.Grouped(whole)
	if frac := v - whole; frac != 0 {
		s += strings.TrimPrefix(strconv.FormatFloat(frac, 'f', -1, 64), "0")
	}
	return s
}
