package engine

import (
	"fmt"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// searchDone is the stop reason of the last probe of a search of n
// probes: "search done: capacity 4,250 users (4,500 breached), 11
// probes", with the search's reason when it gave one; "search done: no
// load met the SLO (…)" when every load breached; and "search undecided
// after N probes: <reason>" when untrusted steps (e.g. a saturated
// generator) ended it before any load passed.
func searchDone(rec record.Record, n int) string {
	var res *record.SearchResult
	if rec.Search != nil {
		res = rec.Search.Result
	}
	if res == nil {
		return fmt.Sprintf("search done after %d probes", n)
	}
	probes := max(res.Probes, 1)
	if res.Undecided {
		return fmt.Sprintf("search undecided after %d probes: %s", probes, res.Reason)
	}
	text := "search done: capacity " + search.FormatLoad(res.Capacity, rec.Load.Model != record.ModelRate)
	if res.Capacity == 0 {
		text = "search done: no load met the SLO"
	}
	if res.FirstFail > 0 {
		text += " (" + search.FormatNumber(res.FirstFail) + " breached)"
	}
	text += fmt.Sprintf(", %d probes", probes)
	if res.Reason != "" {
		text += ": " + res.Reason
	}
	return text
}
