package scenarios

import (
	"strconv"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
)

// Describe is a one-line human summary of the scenario with its defaults,
// e.g. "users 500→10000 by 500, hold 30s, think 1s–2.5s", or for a
// ramp.search "capacity search of users from 100 to at most 20000,
// resolution 5%, hold 20s, …, judged by p95<1s" (a search never stops on
// stop.slo: it is its verdict on each probe).
func (s Scenario) Describe() string {
	d := s.WithDefaults()
	var b strings.Builder
	if d.Preset != "" {
		b.WriteString(d.Preset + ": ")
	}
	unit := ""
	if d.Model == record.ModelRate {
		b.WriteString("rate ")
		unit = " req/s"
	} else {
		b.WriteString("users ")
	}
	r := d.Ramp
	switch {
	case r.Search != nil:
		b.Reset()
		if d.Preset != "" {
			b.WriteString(d.Preset + ": ")
		}
		b.WriteString(describeSearch(*r.Search, d.Model))
		unit = ""
	case len(r.Steps) > 0:
		parts := make([]string, 0, min(len(r.Steps), 7))
		for i, v := range r.Steps {
			if i == 6 && len(r.Steps) > 7 {
				parts = append(parts, "… "+formatNum(r.Steps[len(r.Steps)-1])+" ("+strconv.Itoa(len(r.Steps))+" steps)")
				break
			}
			parts = append(parts, formatNum(v))
		}
		b.WriteString(strings.Join(parts, ", "))
	case r.From == r.To || r.By == 0:
		b.WriteString(formatNum(r.From))
	default:
		b.WriteString(formatNum(r.From) + "→" + formatNum(r.To) + " by " + formatNum(r.By))
	}
	b.WriteString(unit)
	b.WriteString(", hold " + FormatDuration(r.Hold))
	if r.Settle > 0 {
		b.WriteString(", settle " + FormatDuration(r.Settle))
	}
	if d.Model != record.ModelRate {
		b.WriteString(", think " + d.Think.String())
	}
	if d.Connections == ConnShared {
		b.WriteString(", " + strconv.Itoa(d.Pool) + " shared connections")
	}
	switch {
	case d.Stop.SLO == "":
	case r.Search != nil: // a search never stops on its SLO: it judges each probe by it
		b.WriteString(", judged by " + d.Stop.SLO)
	default:
		b.WriteString(", stop on " + d.Stop.SLO)
	}
	return b.String()
}

// String renders a think time as ParseThink reads it: "1s–2.5s", "1s" or "0".
func (t Think) String() string {
	switch {
	case t.Min == 0 && t.Max == 0:
		return "0"
	case t.Min == t.Max:
		return FormatDuration(t.Min)
	}
	return FormatDuration(t.Min) + "–" + FormatDuration(t.Max)
}

// FormatDuration is time.Duration.String without trailing zero units
// ("1m" rather than "1m0s").
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatNum prints a number in its shortest form (500, 2.5).
func formatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
