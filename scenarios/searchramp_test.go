package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/search"
)

// searchYAML is a scenario whose ramp is a capacity search; ramp is
// substituted into it.
func searchYAML(ramp string) string {
	return "name: s\nramp:\n" + ramp + "think: 0\nrequests:\n  - path: /\n"
}

func TestParseRampSearch(t *testing.T) {
	s, err := Parse("s.yaml", []byte(searchYAML("  search: {from: 100, max: 20000, resolution: 5%}\n  hold: 20s\n  settle: 4s\n")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Ramp.Search == nil || s.Ramp.Search.From != 100 || s.Ramp.Search.Max != 20000 ||
		s.Ramp.Search.Resolution != (search.Resolution{Value: 5, Percent: true}) || s.Ramp.Hold != 20*time.Second || s.Ramp.Settle != 4*time.Second {
		t.Fatalf("ramp %+v search %+v", s.Ramp, s.Ramp.Search)
	}
	d := s.WithDefaults()
	c := d.Ramp.Search
	if c.Hold != 20*time.Second || c.ConfirmHold != 40*time.Second || !c.Whole || c.Factor != search.DefaultFactor {
		t.Errorf("defaults: %+v", c)
	}
	if s.Ramp.Search.Hold != 0 {
		t.Errorf("WithDefaults modified the scenario's own search: %+v", s.Ramp.Search)
	}
	if again := d.WithDefaults(); *again.Ramp.Search != *c {
		t.Errorf("WithDefaults not idempotent: %+v then %+v", c, again.Ramp.Search)
	}
	if n, per, total := s.PlannedLength(); n != search.MaxProbes || per != 110*time.Second || total != time.Duration(n)*per {
		t.Errorf("planned length %d × %s = %s, want %d probes of up to the confirmation's 40s, plus the 30s timeout (a drain) and 40s to spawn 20000 users", n, per, total, search.MaxProbes)
	}
	if n := len(d.Plan()); n != 0 {
		t.Errorf("a search has no fixed plan, got %d steps", n)
	}
	rate, err := Parse("r.yaml", []byte("model: rate\n"+searchYAML("  search: {from: 0.5, max: 2000, resolution: 50}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if c := rate.WithDefaults().Ramp.Search; c.Whole || c.Resolution != (search.Resolution{Value: 50}) || c.Hold != DefaultHold {
		t.Errorf("rate search defaults: %+v", c)
	}
}

func TestParseRampSearchProblems(t *testing.T) {
	tests := []struct {
		name, ramp string
		want       []string // each must appear in the error
	}{
		{"unknown field", "  search:\n    from: 10\n    max: 100\n    resolutoin: 5%\n",
			[]string{"s.yaml:6: ramp.search.resolutoin: unknown field", `did you mean "resolution"?`}},
		{"conflicts with from/to/by", "  from: 10\n  to: 50\n  by: 10\n  search: {from: 10, max: 100}\n",
			[]string{"ramp.search: excludes ramp.from, ramp.to, ramp.by", "remove ramp.from and ramp.to and ramp.by, or remove ramp.search"}},
		{"conflicts with steps", "  steps: [1, 2]\n  search: {from: 10, max: 100}\n",
			[]string{"ramp.search: excludes ramp.steps"}},
		{"bad resolution", "  search: {from: 10, max: 100, resolution: 120%}\n",
			[]string{"s.yaml:3: ramp.search.resolution: must be a percentage below 100%"}},
		{"unreadable resolution", "  search: {from: 10, max: 100, resolution: lots}\n",
			[]string{"s.yaml:3: ramp.search.resolution:", "percentage such as 5%"}},
		{"max below from", "  search: {from: 100, max: 10}\n",
			[]string{"ramp.search.max: must be ≥ from"}},
		{"max above the users bound", "  search: {from: 100, max: 200000}\n",
			[]string{"ramp.search.max: 200000 users is above 100,000 users per step", "allow_large"}},
		{"fractional users", "  search: {from: 2.5, max: 100}\n",
			[]string{"ramp.search.from: must be a whole number of users"}},
		{"settle longer than bracket hold", "  search: {from: 1, max: 10, bracket_hold: 2s}\n  hold: 10s\n  settle: 3s\n",
			[]string{"ramp.search.bracket_hold: must be longer than ramp.settle 3s"}},
		{"explicit zero", "  search: {from: 0, max: 10}\n",
			[]string{"ramp.search.from: must be > 0"}},
		{"stop margin", "  search: {from: 1, max: 10}\nstop: {slo: 'p95<1s', margin: 0.1}\n",
			[]string{"s.yaml:4: stop.margin: not used by ramp.search", "ramp.search.margin", "move the value there, or remove ramp.search"}},
		{"abort error rate", "  search: {from: 1, max: 10}\nstop: {slo: 'p95<1s', abort_error_rate: 0.5}\n",
			[]string{"s.yaml:4: stop.abort_error_rate: not used by ramp.search", "error_rate condition in the SLO"}},
		{"stability", "  search: {from: 1, max: 10}\nstability: {enabled: true}\n",
			[]string{"s.yaml:4: stability.enabled: not with ramp.search: a search repeats loads near the limit instead", "remove stability or ramp.search"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(searchYAML(tc.ramp)))
			if err == nil {
				t.Fatal("parsed; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestRampSearchWithPreset(t *testing.T) {
	s := Scenario{Preset: "stress", Ramp: Ramp{Search: &search.Capacity{From: 50, Max: 5000}}}.WithDefaults()
	r := s.Ramp
	if r.From != 0 || r.To != 0 || r.By != 0 || len(r.Steps) != 0 {
		t.Errorf("the preset's levels applied to a search: %+v", r)
	}
	if r.Hold != 30*time.Second || r.Settle != 5*time.Second || s.Stop.SLO != DefaultStressSLO || r.Search.Hold != 30*time.Second {
		t.Errorf("the preset's hold, settle and slo should apply: %+v, slo %q", r, s.Stop.SLO)
	}
}

func TestDescribeRampSearch(t *testing.T) {
	for _, tc := range []struct {
		s    Scenario
		want string
	}{
		{Scenario{Ramp: Ramp{Search: &search.Capacity{From: 100, Max: 20000}, Hold: 20 * time.Second, Settle: 4 * time.Second}},
			"capacity search of users from 100 to at most 20000, resolution 5%, hold 20s, settle 4s, think 1s–2.5s"},
		{Scenario{Model: "rate", Ramp: Ramp{Search: &search.Capacity{From: 10, Max: 900, Resolution: search.Resolution{Value: 25}}}},
			"capacity search of rate from 10 to at most 900 req/s, resolution 25 req/s, hold 30s"},
		{Scenario{Preset: "stress", Ramp: Ramp{Search: &search.Capacity{From: 1, Max: 64, Resolution: search.Resolution{Value: 1}}}},
			"stress: capacity search of users from 1 to at most 64, resolution 1 user, hold 30s, settle 5s, think 1s–2.5s, judged by p95<1s,error_rate<1%"},
		// A search never stops on its SLO: the SLO is its verdict.
		{Scenario{Model: "rate", Stop: Stop{SLO: "p95<1s"}, Ramp: Ramp{Hold: 20 * time.Second, Search: &search.Capacity{From: 0.5, Max: 200, Resolution: search.Resolution{Value: 5}}}},
			"capacity search of rate from 0.5 to at most 200 req/s, resolution 5 req/s, hold 20s, judged by p95<1s"},
	} {
		if got := tc.s.Describe(); got != tc.want {
			t.Errorf("Describe() = %q\n          want %q", got, tc.want)
		}
	}
}

func TestEncodeRampSearchRoundTrip(t *testing.T) {
	src := searchYAML("  search: {from: 100, max: 20000, resolution: 5%, factor: 3, margin: 0.2, repeats: 2, bracket_hold: 10s, confirm_hold: 1m}\n  hold: 20s\n  settle: 4s\n")
	s, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []Scenario{s, s.WithDefaults()} {
		out, err := yaml.Marshal(sc)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("back.yaml", out)
		if err != nil {
			t.Fatalf("re-parse:\n%s\n%v", out, err)
		}
		if back.Ramp.Search == nil || *back.WithDefaults().Ramp.Search != *sc.WithDefaults().Ramp.Search || back.Ramp.Hold != sc.Ramp.Hold || back.Ramp.Settle != sc.Ramp.Settle {
			t.Errorf("round trip changed the search:\n%s\n%+v", out, back.Ramp)
		}
		if !strings.Contains(string(out), "resolution: 5%") || strings.Contains(string(out), "from: 0") {
			t.Errorf("resolved YAML:\n%s", out)
		}
		j, err := json.Marshal(sc)
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON Scenario
		if err := json.Unmarshal(j, &fromJSON); err != nil || fromJSON.Ramp.Search == nil || fromJSON.Ramp.Search.Resolution != sc.Ramp.Search.Resolution {
			t.Errorf("JSON round trip: %v\n%s", err, j)
		}
	}
}

func TestParseSearchFlag(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want search.Capacity
		err  string
	}{
		{"100:20000:5%", search.Capacity{From: 100, Max: 20000, Resolution: search.Resolution{Value: 5, Percent: true}}, ""},
		{"100:20000:50", search.Capacity{From: 100, Max: 20000, Resolution: search.Resolution{Value: 50}}, ""},
		{" 2:64 ", search.Capacity{From: 2, Max: 64}, ""},
		{"100", search.Capacity{}, "1 parts"},
		{"100:50", search.Capacity{}, "max 50 is less than from 100"},
		{"0:50", search.Capacity{}, "from must be > 0"},
		{"a:50", search.Capacity{}, `from "a" is not a number`},
		{"1:50:lots", search.Capacity{}, "resolution:"},
		{"1:50:-5%", search.Capacity{}, "resolution:"},
	} {
		got, err := ParseSearch(tc.spec)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseSearch(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "want from:max[:resolution]")):
			t.Errorf("ParseSearch(%q) error %v, want %q", tc.spec, err, tc.err)
		}
	}
	s := Default()
	if err := s.SetSearch("10:500:10%"); err != nil {
		t.Fatal(err)
	}
	if s.Ramp.From != 0 || s.Ramp.To != 0 || s.Ramp.By != 0 || s.Ramp.Search == nil || s.Validate() != nil {
		t.Errorf("SetSearch on the default: ramp %+v, %v", s.Ramp, s.Validate())
	}
	if err := s.SetRange("users", "1:10:1"); err != nil || s.Ramp.Search != nil {
		t.Errorf("SetRange after SetSearch: search %+v, %v", s.Ramp.Search, err)
	}
}
