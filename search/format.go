package search

import (
	"math"
	"strconv"
	"strings"
)

// unitOf names the unit of a capacity search's loads: users when loads are
// whole numbers (model users), requests/s otherwise.
func unitOf(whole bool) string {
	if whole {
		return "users"
	}
	return "req/s"
}

// FormatLoad renders a load for sentences: "4,000 users", "12.5 req/s".
func FormatLoad(x float64, whole bool) string {
	if whole && x == 1 {
		return "1 user"
	}
	return FormatNumber(x) + " " + unitOf(whole)
}

// FormatNumber renders x with thousands separators and at most three
// decimals, trailing zeros dropped: 4000 → "4,000", 12.5 → "12.5".
func FormatNumber(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', 3, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	var b strings.Builder
	if x < 0 {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// formatCPUs renders a CPU count per replica for notes: "0.25 CPU".
func formatCPUs(c float64) string {
	return strconv.FormatFloat(round9(c), 'f', -1, 64) + " CPU"
}

// round9 rounds x to 9 decimals, so that grid values computed by
// multiplication compare equal to the ones written in a file.
func round9(x float64) float64 { return math.Round(x*1e9) / 1e9 }

// finite returns a pointer to p, or nil when p is not finite (JSON has no
// infinity: a step without answers has no pressure to record).
func finite(p float64) *float64 {
	if math.IsInf(p, 0) || math.IsNaN(p) {
		return nil
	}
	return &p
}
