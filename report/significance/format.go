package significance

import (
	"fmt"
	"math"
)

// String is the change as benchstat would print it: "+26.1% [+22.0%, +30.5%] p=0.008 n=5+5" when
// significant, "~ (p=0.42 n=5+5)" when testable but not significant, "+3.0% (n=1+5: no statistics)"
// when a side has fewer than 2 values, and "+3.0% (n=3+3: too few repeats for α=0.05, smallest p 0.10)"
// when the sizes cannot reach Alpha. A Delta that cannot be computed (base median 0) prints as "?".
func (c Change) String() string {
	switch {
	case c.Significant:
		s := FormatPercent(c.Delta)
		if !math.IsNaN(c.Lo) && !math.IsNaN(c.Hi) {
			s += " [" + FormatPercent(c.Lo) + ", " + FormatPercent(c.Hi) + "]"
		}
		return s + " " + c.Note()
	case c.Testable:
		return "~ (" + c.Note() + ")"
	default:
		return FormatPercent(c.Delta) + " (" + c.Note() + ")"
	}
}

// Note is the statistics behind the verdict without the change itself: "p=0.008 n=5+5" ("p=0.02
// n=7 pairs" for a PairedChange),
// "n=1+5: no statistics", or "n=3+3: too few repeats for α=0.05, smallest p 0.10". A caller that prints
// the change in other units (e.g. percentage points) appends it to its own text.
func (c Change) Note() string {
	sizes, smallest := fmt.Sprintf("n=%d+%d", c.Base.N, c.Cur.N), SmallestP(c.Base.N, c.Cur.N)
	if c.Paired {
		sizes, smallest = fmt.Sprintf("n=%d pairs", c.Base.N), SmallestPairedP(c.Base.N)
	}
	switch {
	case c.Base.N < 2 || c.Cur.N < 2:
		return sizes + ": no statistics"
	case !c.Testable:
		return fmt.Sprintf("%s: too few repeats for α=%s, smallest p %s", sizes,
			formatNumber(c.Alpha), formatP(smallest))
	default:
		return PText(c.P) + " " + sizes
	}
}

// PText is a p-value as printed beside a change: "p=0.008", "p=0.42", or
// "p<0.001" (see formatP).
func PText(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return "p=" + formatP(p)
}

// FormatPercent prints a relative change (0.261) as a signed percentage with one decimal ("+26.1%"),
// or "?" when it is NaN.
func FormatPercent(x float64) string {
	if math.IsNaN(x) {
		return "?"
	}
	return fmt.Sprintf("%+.1f%%", 100*x)
}

// formatP prints a p-value with two significant decimals above 0.01 ("0.42", "0.10"), three below
// ("0.008"), and "<0.001" below 0.001 (PText says "p<0.001" then).
func formatP(p float64) string {
	switch {
	case p < 0.001:
		return "<0.001"
	case p < 0.01:
		return fmt.Sprintf("%.3f", p)
	default:
		return fmt.Sprintf("%.2f", p)
	}
}

// formatNumber prints a level such as 0.05 without trailing zeros.
func formatNumber(x float64) string {
	return fmt.Sprintf("%g", x)
}
