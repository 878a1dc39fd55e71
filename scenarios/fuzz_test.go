package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every rejection names the
// file, and that an accepted scenario can be validated, planned, described
// and turned into a source that renders valid JSON, all without panicking.
// Run it with a short -fuzzminimizetime (e.g. 3s): minimizing inputs grown
// from the reference scenario otherwise stalls the progress counter.
func FuzzParse(f *testing.F) {
	f.Add(string(referenceYAML))
	f.Add("ramp: 1:3:1\nthink: 0\nrequests: [{path: /, body: {a: {$choice: [1, {$float: [0, 1, 3]}]}}, batch: 3}]\n")
	f.Add("preset: spike\nmodel: rate\nrequests: [{path: /x, invalid: {fraction: 0.5, body: [1]}}]\n")
	f.Add("ramp: {steps: [1, 2], hold: 1s, settle: 0.5s}\nstability: {enabled: true}\nstop: {slo: 'p95<1s'}\n")
	f.Add("a: &a [*a]\n")
	f.Add("ramp: {from: 1e308, to: 1.7e308, by: 1e307}\nrequests: [{path: /, body: {$int: [-9223372036854775808, 9223372036854775807]}}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse("fuzz.yaml", []byte(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		_ = s.Validate()
		steps := s.Plan()
		if len(steps) > MaxSteps {
			t.Fatalf("%d steps", len(steps))
		}
		_ = s.Describe()
		if len(s.Requests) == 0 {
			return
		}
		src, err := s.NewSource("", 1)
		if err != nil {
			return
		}
		for i := 0; i < 3; i++ {
			if r := src.Next(); r.Body != nil && !json.Valid(r.Body) {
				t.Fatalf("invalid JSON body %q from %q", r.Body, in)
			}
		}
	})
}
