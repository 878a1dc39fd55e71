package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/slo"
)

// formatCount renders a load or count with thousands separators: 10,000;
// fractional values keep one decimal (12.5).
func formatCount(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	neg := v < 0
	v = math.Abs(v)
	whole := math.Floor(v + 0.05)
	frac := ""
	if d := v - math.Floor(v); d >= 0.05 && d <= 0.95 {
		whole = math.Floor(v)
		frac = strconv.FormatFloat(d, 'f', 1, 64)[1:]
	}
	s := strconv.FormatFloat(whole, 'f', 0, 64)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := b.String() + frac
	if neg {
		return "-" + out
	}
	return out
}

// formatRPS renders requests per second: whole numbers with separators,
// one decimal below 100.
func formatRPS(v float64) string {
	if v < 100 {
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	}
	return formatCount(math.Round(v))
}

// formatTokens renders output tokens per second: "212 tokens/s",
// "8.5 tokens/s".
func formatTokens(v float64) string { return formatRPS(v) + " tokens/s" }

// formatMs renders a latency in milliseconds: "7.9 ms", "420 ms", "1.16 s".
func formatMs(ms float64) string {
	switch {
	case ms >= 1000:
		return trimZeros(strconv.FormatFloat(ms/1000, 'f', 2, 64)) + " s"
	case ms >= 10:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return trimZeros(strconv.FormatFloat(ms, 'f', 1, 64)) + " ms"
}

// formatPct renders a fraction as a percentage: "0 %", "0.04 %", "0.1 %", "12 %".
func formatPct(f float64) string {
	p := f * 100
	switch {
	case p == 0:
		return "0 %"
	case p < 0.1:
		return trimZeros(strconv.FormatFloat(p, 'f', 2, 64)) + " %"
	case p < 10:
		return trimZeros(strconv.FormatFloat(p, 'f', 1, 64)) + " %"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + " %"
}

// formatPercent renders a value already in percent ("93 %").
func formatPercent(p float64) string {
	if p < 10 {
		return trimZeros(strconv.FormatFloat(p, 'f', 1, 64)) + " %"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + " %"
}

// formatKind renders a value of an SLO metric kind.
func formatKind(k slo.Kind, v float64) string {
	switch k {
	case slo.KindLatency, slo.KindStreamLatency:
		return formatMs(v)
	case slo.KindTokens:
		return formatTokens(v)
	case slo.KindRate:
		return formatPct(v)
	case slo.KindCPU, slo.KindPerCPU:
		return slo.FormatValue(k, v)
	}
	return formatRPS(v)
}

// formatSeconds renders a duration in seconds: "1.8 s", "0 s".
func formatSeconds(s float64) string {
	if s == 0 {
		return "0 s"
	}
	if s < 10 {
		return trimZeros(strconv.FormatFloat(s, 'f', 1, 64)) + " s"
	}
	return strconv.FormatFloat(s, 'f', 0, 64) + " s"
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// withRange renders a Stat by f, adding the min–max range when repeats
// disagree: "420 ms (400–450)".
func withRange(s Stat, f func(float64) string) string {
	lo, hi := f(s.Min), f(s.Max)
	if !s.Spread() || lo == hi {
		return f(s.Median)
	}
	return f(s.Median) + " (" + rangeText(lo, hi) + ")"
}

// rangeText joins two rendered values with an en dash, dropping a unit
// they share: "400–450", "900 ms–1.2 s".
func rangeText(lo, hi string) string {
	li, hiIdx := strings.LastIndex(lo, " "), strings.LastIndex(hi, " ")
	if li > 0 && hiIdx > 0 && lo[li:] == hi[hiIdx:] {
		return lo[:li] + "–" + hi[:hiIdx]
	}
	return lo + "–" + hi
}

// NoAnswersText is how a latency of a step without answers is rendered.
const NoAnswersText = "no answers"

// latencyText renders a combined latency's median: "420 ms", or "no
// answers" when the step had none.
func latencyText(s *Stat) string {
	if s == nil {
		return NoAnswersText
	}
	return formatMs(s.Median)
}

// latencyCell renders a combined latency with its range across repeats;
// none is the text for a step without answers ("no answers" or "—").
func latencyCell(s *Stat, none string) string {
	if s == nil {
		return none
	}
	return withRange(*s, formatMs)
}
