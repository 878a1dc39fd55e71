package experiments

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every rejection names the
// file, and that an accepted experiment validates, expands into distinct
// named configurations with valid limits, and renders a resolved copy
// that parses again into the same configurations: all without panicking.
func FuzzParse(f *testing.F) {
	f.Add(validExperiment)
	for _, name := range Builtin() {
		b, err := builtin.ReadFile(name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("name: x\nconfigs:\n  - {cpus: 1, memory: 6m, replicas: 64}\n  - {name: b}\ntarget: {urls: [http://127.0.0.1:1]}\n")
	f.Add("name: x\nmatrix: {cpus: [0.5, 1e308], memory: [9223372036854775807, 1g], replicas: [1]}\nrepeat: 100\n")
	f.Add("name: x\ntarget: {compose: c.yaml, service: api, env: {A: b}}\nslo: p95<1s,error_rate<100%\ngates: rps>=1\n")
	f.Add("name: x\nscenario: {model: rate, ramp: {steps: [1, 2]}, requests: [{path: /x, batch: 3, body: {a: {$int: [1, 2]}}}]}\n")
	f.Add("name: x\nmatrix: {cpus: &a [1, 2, 3], memory: [6m, 7m], replicas: [1, 2]}\nwarmup: 1s\ncooldown: 2s\n")
	f.Add("a: &a [*a]\n")
	f.Add("name: x\nsearch: {cpus: {min: 0.05, max: 1}, memory: {min: 64m, max: 1g}, replicas: [1, 3], strategy: grid}\ntarget_users: 10\nscenario: {ramp: {hold: 1s}}\n")
	f.Fuzz(func(t *testing.T, in string) {
		e, err := Parse("fuzz.yaml", []byte(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") && !strings.Contains(err.Error(), "scenario") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v\n%s", err, in)
		}
		cfgs := e.Expand()
		if (len(cfgs) == 0) != (e.Search != nil) || len(cfgs) > MaxConfigs {
			t.Fatalf("%d configurations (search %v)", len(cfgs), e.Search != nil)
		}
		for _, c := range cfgs {
			if c.Name == "" || c.Replicas < 1 || c.CPUs < 0 || c.MemoryBytes < 0 {
				t.Fatalf("configuration %+v", c)
			}
			_ = c.Describe()
		}
		y, err := e.Resolved()
		if err != nil {
			t.Fatalf("Resolved: %v", err)
		}
		back, err := Parse("resolved.yaml", y)
		if err != nil {
			t.Fatalf("the resolved copy does not parse: %v\ninput:\n%s\nresolved:\n%s", err, in, y)
		}
		if got, want := len(back.Expand()), len(cfgs); got != want {
			t.Fatalf("the resolved copy has %d configurations, the input %d", got, want)
		}
		if !reflect.DeepEqual(back.Search, e.Search) {
			t.Fatalf("the resolved copy searches %+v, the input %+v", back.Search, e.Search)
		}
	})
}
