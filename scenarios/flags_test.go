package scenarios

import (
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in           string
		from, to, by float64
		err          string
	}{
		{"500:10000:500", 500, 10000, 500, ""},
		{" 100 ", 100, 100, 0, ""},
		{"0.5:2:0.25", 0.5, 2, 0.25, ""},
		{"1:1:1", 1, 1, 1, ""},
		{"", 0, 0, 0, `from "" is not a number`},
		{"100:200", 0, 0, 0, "2 parts"},
		{"1:2:3:4", 0, 0, 0, "4 parts"},
		{"a:2:1", 0, 0, 0, `from "a" is not a number`},
		{"1:2:x", 0, 0, 0, `by "x" is not a number`},
		{"0:10:1", 0, 0, 0, "from must be > 0"},
		{"1:10:-1", 0, 0, 0, "by must be > 0"},
		{"10:5:1", 0, 0, 0, "to 5 is less than from 10"},
		{"NaN", 0, 0, 0, "not a number"},
		{"1:Inf:1", 0, 0, 0, "not a number"},
	}
	for _, tc := range tests {
		from, to, by, err := ParseRange(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "want from:to:by") {
				t.Errorf("ParseRange(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || from != tc.from || to != tc.to || by != tc.by {
			t.Errorf("ParseRange(%q) = %v %v %v %v, want %v %v %v", tc.in, from, to, by, err, tc.from, tc.to, tc.by)
		}
	}
}

func TestParseThink(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   string
		want Think
		err  string
	}{
		{"1s-2.5s", Think{Min: time.Second, Max: 2500 * ms}, ""},
		{"1s–2.5s", Think{Min: time.Second, Max: 2500 * ms}, ""},
		{"500ms - 1s", Think{Min: 500 * ms, Max: time.Second}, ""},
		{"1s", Think{Min: time.Second, Max: time.Second}, ""},
		{"0", Think{None: true}, ""},
		{"0s", Think{None: true}, ""},
		{"0-0s", Think{None: true}, ""},
		{"0-1s", Think{Max: time.Second}, ""},
		{"", Think{}, "empty"},
		{"1", Think{}, `"1" is not a duration with a unit`},
		{"1-2", Think{}, `"1" is not a duration`},
		{"2s-1s", Think{}, "min is greater than max"},
		{"-1s", Think{}, "durations must be ≥ 0"},
		{"1s-", Think{}, `"" is not a duration`},
	}
	for _, tc := range tests {
		got, err := ParseThink(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseThink(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseThink(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		// Think.String reads back.
		if back, err := ParseThink(got.String()); err != nil || back != got {
			t.Errorf("ParseThink(%q.String()=%q) = %+v, %v", tc.in, got.String(), back, err)
		}
	}
}

func TestSetRange(t *testing.T) {
	s := Scenario{Preset: "spike", Ramp: Ramp{Steps: []float64{1, 2}, Hold: 5 * time.Second}}
	if err := s.SetRange("rate", "100:2000:100"); err != nil {
		t.Fatal(err)
	}
	if s.Model != "rate" || s.Ramp.From != 100 || s.Ramp.To != 2000 || s.Ramp.By != 100 || s.Ramp.Steps != nil || s.Ramp.Hold != 5*time.Second {
		t.Errorf("after SetRange: %+v", s)
	}
	if err := s.SetRange("vus", "1"); err == nil {
		t.Error("SetRange accepted model vus")
	}
	if err := s.SetRange("users", "x"); err == nil {
		t.Error("SetRange accepted range x")
	}
}
