package report

import (
	"testing"
)

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatCount(10000), "10,000"},
		{formatCount(500), "500"},
		{formatCount(1234567), "1,234,567"},
		{formatCount(12.5), "12.5"},
		{formatCount(-2500), "-2,500"},
		{formatMs(7.94), "7.9 ms"},
		{formatMs(420.4), "420 ms"},
		{formatMs(1800), "1.8 s"},
		{formatMs(1126), "1.13 s"},
		{formatPct(0), "0 %"},
		{formatPct(0.001), "0.1 %"},
		{formatPct(0.00036), "0.04 %"},
		{formatPct(0.123), "12 %"},
		{formatRPS(2818.6), "2,819"},
		{formatRPS(12.34), "12.3"},
		{withRange(Stat{420, 400, 450}, formatMs), "420 ms (400–450)"},
		{withRange(Stat{950, 900, 1200}, formatMs), "950 ms (900 ms–1.2 s)"},
		{withRange(Stat{0.001, 0.00099, 0.00101}, formatPct), "0.1 %"},
		{delta(6000, 8000, formatCount), "+2,000 (+33 %)"},
		{delta(500, 400, formatMs), "−100 ms (−20 %)"},
		{delta(5, 5, formatCount), "0"},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("case %d: got %q, want %q", i, tc.got, tc.want)
		}
	}
}
