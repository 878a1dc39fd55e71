package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// valid is a small valid scenario that each rule's case breaks in one way.
func valid(t *testing.T) Scenario {
	dir := t.TempDir()
	for name, text := range map[string]string{"leads.jsonl": `{"age":30}` + "\n", "targets.txt": "GET http://127.0.0.1:8000/\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Scenario{
		Dir:  dir,
		Ramp: Ramp{From: 10, To: 30, By: 10, Hold: 10 * time.Second},
		Requests: []RequestSpec{{
			Path: "/predict",
			Body: JSON(`{"age":{"$int":[18,100]}}`),
		}},
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(s *Scenario)
		field string // the field the problem names
		want  string // and part of its message
	}{
		{"unknown preset", func(s *Scenario) { s.Preset = "heavy" }, "preset", "allowed: smoke, load, stress, spike, soak"},
		{"unknown model", func(s *Scenario) { s.Model = "vus" }, "model", "allowed: users"},
		{"spike with by", func(s *Scenario) { s.Preset = "spike"; s.Ramp = Ramp{By: 5} }, "ramp.by", "preset spike has no step size"},
		{"steps and range", func(s *Scenario) { s.Ramp.Steps = []float64{1, 2} }, "ramp.steps", "not both"},
		{"too many steps", func(s *Scenario) { s.Ramp = Ramp{Steps: make([]float64, MaxSteps+1)} }, "ramp.steps", "at most 1000"},
		{"zero users step", func(s *Scenario) { s.Ramp = Ramp{Steps: []float64{5, 0}} }, "ramp.steps[1]", "must be ≥ 1 user (got 0)"},
		{"fractional users step", func(s *Scenario) { s.Ramp = Ramp{Steps: []float64{2.5}} }, "ramp.steps[0]", "whole number"},
		{"zero rate step", func(s *Scenario) { s.Model = "rate"; s.Ramp = Ramp{Steps: []float64{-1}} }, "ramp.steps[0]", "must be > 0 requests/s"},
		{"no ramp", func(s *Scenario) { s.Ramp = Ramp{} }, "ramp", "no load"},
		{"zero users from", func(s *Scenario) { s.Ramp.From = 0 }, "ramp.from", "must be ≥ 1 user (got 0)"},
		{"to below from", func(s *Scenario) { s.Ramp.To = 5 }, "ramp.to", "must be ≥ ramp.from 10 (got 5)"},
		{"negative by", func(s *Scenario) { s.Ramp.By = -5 }, "ramp.by", "must be > 0 (got -5)"},
		{"zero by with range", func(s *Scenario) { s.Ramp.By = 0 }, "ramp.by", "must be > 0 when ramp.to > ramp.from"},
		{"step larger than range", func(s *Scenario) { s.Ramp.By = 25 }, "ramp.by", "step 25 is larger than the range 10→30"},
		{"fractional by", func(s *Scenario) { s.Ramp.By = 2.5 }, "ramp.by", "whole number"},
		{"too many range steps", func(s *Scenario) { s.Ramp = Ramp{From: 1, To: 5000, By: 1, Hold: time.Second} }, "ramp.by", "more than 1000 steps"},
		{"negative hold", func(s *Scenario) { s.Ramp.Hold = -time.Second }, "ramp.hold", "must be > 0 (got -1s)"},
		{"negative settle", func(s *Scenario) { s.Ramp.Settle = -time.Second }, "ramp.settle", "must be ≥ 0"},
		{"settle not below hold", func(s *Scenario) { s.Ramp.Settle = 10 * time.Second }, "ramp.settle", "shorter than ramp.hold 10s"},
		{"negative think min", func(s *Scenario) { s.Think = Think{Min: -time.Second, Max: time.Second} }, "think.min", "≥ 0"},
		{"negative think max", func(s *Scenario) { s.Think = Think{Max: -time.Second} }, "think.max", "≥ 0"},
		{"think min above max", func(s *Scenario) { s.Think = Think{Min: 3 * time.Second, Max: time.Second} }, "think", "min 3s is greater than max 1s"},
		{"think none with values", func(s *Scenario) { s.Think = Think{None: true, Max: time.Second} }, "think.none", "drop one"},
		{"negative spawn rate", func(s *Scenario) { s.SpawnRate = -1 }, "spawn_rate", "must be > 0 users/s"},
		{"spawn slower than hold", func(s *Scenario) { s.SpawnRate = 1 }, "spawn_rate", "step 0 changes 0→10 users, which takes 10s at 1 users/s"},
		{"unknown connections", func(s *Scenario) { s.Connections = "pooled" }, "connections", "allowed: per_user"},
		{"pool with per_user", func(s *Scenario) { s.Pool = 5 }, "pool", "only used with connections: shared"},
		{"unknown arrival", func(s *Scenario) { s.Model = "rate"; s.Arrival = "bursty" }, "arrival", `unknown arrival "bursty" (allowed: constant`},
		{"arrival with users", func(s *Scenario) { s.Arrival = ArrivalPoisson }, "arrival", "only used with model: rate"},
		{"negative pool", func(s *Scenario) { s.Connections = ConnShared; s.Pool = -1 }, "pool", "≥ 1 connection"},
		{"negative timeout", func(s *Scenario) { s.Timeout = -time.Second }, "timeout", "must be > 0"},
		{"negative max_workers", func(s *Scenario) { s.MaxWorkers = -1 }, "max_workers", "must be > 0"},
		{"stability windows", func(s *Scenario) { s.Stability = Stability{Enabled: true, Windows: 1} }, "stability.windows", "≥ 2"},
		{"stability tolerance", func(s *Scenario) { s.Stability = Stability{Enabled: true, Tolerance: 1.5} }, "stability.tolerance", "(0, 1]"},
		{"stability window", func(s *Scenario) { s.Stability = Stability{Enabled: true, Window: -time.Second} }, "stability.window", "must be > 0"},
		{"stability max_hold", func(s *Scenario) { s.Stability = Stability{Enabled: true, MaxHold: time.Second} }, "stability.max_hold", "≥ ramp.hold 10s"},
		{"stability windows do not fit", func(s *Scenario) {
			s.Stability = Stability{Enabled: true, Window: 5 * time.Second, MaxHold: 12 * time.Second}
		}, "stability.window", "3 windows of 5s do not fit"},
		{"stability disabled but set", func(s *Scenario) { s.Stability = Stability{Windows: 4} }, "stability.enabled", "enabled is false"},
		{"negative margin", func(s *Scenario) { s.Stop.Margin = -0.1 }, "stop.margin", "must be ≥ 0"},
		{"abort rate above 1", func(s *Scenario) { s.Stop.AbortErrorRate = 1.5 }, "stop.abort_error_rate", "(0, 1]"},
		{"negative abort rate", func(s *Scenario) { s.Stop.AbortErrorRate = -0.1 }, "stop.abort_error_rate", "(0, 1]"},
		{"bad slo", func(s *Scenario) { s.Stop.SLO = "p95<1s,latency<2" }, "stop.slo", `unknown metric "latency"`},
		{"no request source", func(s *Scenario) { s.Requests = nil }, "requests", "none"},
		{"requests and targets", func(s *Scenario) { s.TargetsFile = "targets.txt" }, "targets_file", "not both"},
		{"targets file missing", func(s *Scenario) { s.Requests = nil; s.TargetsFile = "gone.txt" }, "targets_file", `cannot read "gone.txt"`},
		{"targets file is a dir", func(s *Scenario) { s.Requests = nil; s.TargetsFile = "." }, "targets_file", "is a directory"},
		{"targets format", func(s *Scenario) { s.Requests = nil; s.TargetsFile = "targets.txt"; s.TargetsFormat = "yaml" }, "targets_format", "allowed: http, json"},
		{"targets format alone", func(s *Scenario) { s.TargetsFormat = "json" }, "targets_format", "only used with targets_file"},
		{"lower-case method", func(s *Scenario) { s.Requests[0].Method = "post" }, "requests[0].method", "upper-case HTTP method"},
		{"no path", func(s *Scenario) { s.Requests[0].Path = "" }, "requests[0].path", "required"},
		{"relative path", func(s *Scenario) { s.Requests[0].Path = "predict" }, "requests[0].path", "must start with /"},
		{"path with space", func(s *Scenario) { s.Requests[0].Path = "/a b" }, "requests[0].path", "URL-encode"},
		{"bad header name", func(s *Scenario) { s.Requests[0].Headers = []Header{{"X Y", "1"}} }, "requests[0].headers.X Y", "not a valid header name"},
		{"header value newline", func(s *Scenario) { s.Requests[0].Headers = []Header{{"X", "1\r\nY: 2"}} }, "requests[0].headers.X", "line breaks"},
		{"negative weight", func(s *Scenario) { s.Requests[0].Weight = -1 }, "requests[0].weight", "must be > 0"},
		{"body and body_file", func(s *Scenario) { s.Requests[0].BodyFile = "leads.jsonl" }, "requests[0].body_file", "not both"},
		{"body not JSON", func(s *Scenario) { s.Requests[0].Body = JSON(`{"a":`) }, "requests[0].body", "not a JSON value"},
		{"bad $float", func(s *Scenario) { s.Requests[0].Body = JSON(`{"s":{"$float":[1,2,99]}}`) }, "requests[0].body.s.$float", "decimals 0..15"},
		{"empty $choice", func(s *Scenario) { s.Requests[0].Body = JSON(`[{"$choice":[]}]`) }, "requests[0].body[0].$choice", "non-empty list"},
		{"bad generator in choice", func(s *Scenario) { s.Requests[0].Body = JSON(`{"$choice":[{"$int":[1]}]}`) }, "requests[0].body.$choice[0].$int", "[min, max]"},
		{"body_file missing", func(s *Scenario) { s.Requests[0].Body = nil; s.Requests[0].BodyFile = "gone.jsonl" }, "requests[0].body_file", `cannot read "gone.jsonl"`},
		// Input files are read and checked whole at validation time (issue 10, case 10).
		{"body_file bad line", func(s *Scenario) {
			writeIn(s.Dir, "bad.jsonl", "{\"age\":30}\n\n{\"age\":\n")
			s.Requests[0].Body, s.Requests[0].BodyFile = nil, "bad.jsonl"
		}, "requests[0].body_file", "bad.jsonl:3: invalid JSON: "},
		{"body_file empty", func(s *Scenario) {
			writeIn(s.Dir, "empty.jsonl", "\n  \n")
			s.Requests[0].Body, s.Requests[0].BodyFile = nil, "empty.jsonl"
		}, "requests[0].body_file", "empty.jsonl: no bodies"},
		{"negative batch", func(s *Scenario) { s.Requests[0].Batch = -1 }, "requests[0].batch", "0..1000"},
		{"huge batch", func(s *Scenario) { s.Requests[0].Batch = 1001 }, "requests[0].batch", "0..1000"},
		{"batch without body", func(s *Scenario) { s.Requests[0].Body = nil; s.Requests[0].Batch = 2 }, "requests[0].batch", "no body"},
		{"invalid fraction above 1", func(s *Scenario) { s.Requests[0].Invalid = Invalid{Fraction: 1.5, Body: JSON(`{}`)} }, "requests[0].invalid.fraction", "[0, 1]"},
		{"negative invalid fraction", func(s *Scenario) { s.Requests[0].Invalid = Invalid{Fraction: -0.1, Body: JSON(`{}`)} }, "requests[0].invalid.fraction", "[0, 1]"},
		{"invalid without body", func(s *Scenario) { s.Requests[0].Invalid = Invalid{Fraction: 0.1} }, "requests[0].invalid.body", "required"},
		{"invalid bad template", func(s *Scenario) { s.Requests[0].Invalid = Invalid{Fraction: 0.1, Body: JSON(`{"$x":1}`)} }, "requests[0].invalid.body.$x", "unknown generator"},
		{"invalid status", func(s *Scenario) {
			s.Requests[0].Invalid = Invalid{Fraction: 0.1, Body: JSON(`{}`), ExpectStatus: 99}
		}, "requests[0].invalid.expect_status", "100..599"},
		{"expect status", func(s *Scenario) { s.Requests[0].Expect = []int{200, 600} }, "requests[0].expect[1]", "100..599"},
		// Sanity bounds (issue 10, case 9): each names its bound and how to raise it.
		{"users above the bound", func(s *Scenario) { s.Ramp = Ramp{From: 1e12} }, "ramp.from", "1000000000000 users is above 100,000 users per step"},
		{"users bound names allow_large", func(s *Scenario) { s.Ramp.To = 1e12 }, "ramp.to", "allow_large: true"},
		{"step above the bound", func(s *Scenario) { s.Ramp = Ramp{Steps: []float64{10, 200000}} }, "ramp.steps[1]", "above 100,000 users per step"},
		{"rate above the bound", func(s *Scenario) { s.Model = "rate"; s.Ramp = Ramp{Steps: []float64{2e6}} }, "ramp.steps[0]", "above 1,000,000 requests/s"},
		{"hold above the bound", func(s *Scenario) { s.Ramp.Hold = 1000000 * time.Hour }, "ramp.hold", "1000000h is above 24h"},
		{"timeout above the bound", func(s *Scenario) { s.Timeout = 2 * time.Hour }, "timeout", "2h is above 1h"},
		{"think above the bound", func(s *Scenario) { s.Think = Think{Min: time.Second, Max: 2 * time.Hour} }, "think.max", "above 1h"},
		{"max_workers above the bound", func(s *Scenario) { s.MaxWorkers = 200000 }, "max_workers", "above 100,000"},
		{"pool above the bound", func(s *Scenario) { s.Connections = ConnShared; s.Pool = 200000 }, "pool", "above 100,000"},
		{"stability max_hold above the bound", func(s *Scenario) { s.Stability = Stability{Enabled: true, MaxHold: 73 * time.Hour} }, "stability.max_hold", "73h is above 72h"},
		{"stability window too short", func(s *Scenario) { s.Stability = Stability{Enabled: true, Window: time.Millisecond} }, "stability.window", "≥ 100ms"},
		{"ramp longer than the bound", func(s *Scenario) { s.Ramp = Ramp{From: 10, To: 1000, By: 10, Hold: 12 * time.Hour} }, "ramp", "100 steps of up to 12h last 1200h, above 168h (7 days)"},
		{"stability counts in the ramp's length", func(s *Scenario) {
			s.Ramp = Ramp{From: 10, To: 100, By: 10, Hold: time.Hour}
			s.Stability = Stability{Enabled: true, MaxHold: 20 * time.Hour}
		}, "ramp", "10 steps of up to 20h last 200h"},
		{"even allow_large has a ceiling", func(s *Scenario) { s.AllowLarge = true; s.Ramp = Ramp{From: 1e12} }, "ramp.from", "above 10,000,000 users per step, the most loadlab allows even with allow_large"},
		{"even allow_large has a hold ceiling", func(s *Scenario) { s.AllowLarge = true; s.Ramp.Hold = 1000000 * time.Hour }, "ramp.hold", "above 720h"},
	}
	base := valid(t)
	if err := base.Validate(); err != nil {
		t.Fatalf("base scenario: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := valid(t)
			tc.edit(&s)
			err := s.Validate()
			if err == nil {
				t.Fatalf("Validate accepted it")
			}
			var found bool
			for _, e := range unjoin(err) {
				var fe *FieldError
				if !errors.As(e, &fe) {
					t.Errorf("problem %q is not a *FieldError", e)
					continue
				}
				if fe.Field == tc.field && strings.Contains(fe.Msg, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem on %s containing %q in:\n%v", tc.field, tc.want, err)
			}
		})
	}
}

func TestValidateAcceptsEdges(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *Scenario)
	}{
		{"invalid fraction 0", func(s *Scenario) { s.Requests[0].Invalid = Invalid{Fraction: 0} }},
		{"invalid fraction 1", func(s *Scenario) { s.Requests[0].Invalid = Invalid{Fraction: 1, Body: JSON(`{}`)} }},
		{"batch 1000", func(s *Scenario) { s.Requests[0].Batch = MaxBatch }},
		{"abort rate 1", func(s *Scenario) { s.Stop.AbortErrorRate = 1 }},
		{"single step", func(s *Scenario) { s.Ramp = Ramp{From: 7} }},
		{"last step not a multiple", func(s *Scenario) { s.Ramp.To = 35 }},
		{"fractional rate", func(s *Scenario) { s.Model = "rate"; s.Ramp = Ramp{From: 0.5, To: 2, By: 0.5} }},
		{"think none", func(s *Scenario) { s.Think = Think{None: true} }},
		{"targets file instead", func(s *Scenario) { s.Requests = nil; s.TargetsFile = "targets.txt"; s.TargetsFormat = "http" }},
		{"body file", func(s *Scenario) {
			s.Requests[0].Body = nil
			s.Requests[0].BodyFile = "leads.jsonl"
			s.Requests[0].Batch = 8
		}},
		{"literal dollar key", func(s *Scenario) { s.Requests[0].Body = JSON(`{"$$ref":"#/a","$x":1,"$y":2}`) }},
		{"every preset", func(s *Scenario) { s.Ramp = Ramp{}; s.Preset = "spike" }},
		{"stability defaults", func(s *Scenario) { s.Stability = Stability{Enabled: true} }},
		{"shared pool default", func(s *Scenario) { s.Connections = ConnShared }},
		{"users at the bound", func(s *Scenario) { s.Ramp = Ramp{Steps: []float64{MaxUsers}, Hold: 10 * time.Minute} }},
		{"rate at the bound", func(s *Scenario) { s.Model = "rate"; s.Ramp = Ramp{From: MaxRate} }},
		{"hold at the bound", func(s *Scenario) { s.Ramp.Hold = 24 * time.Hour }},
		{"timeout at the bound", func(s *Scenario) { s.Timeout = time.Hour }},
		{"allow_large lifts users", func(s *Scenario) {
			s.AllowLarge = true
			s.Ramp = Ramp{Steps: []float64{200000}, Hold: 10 * time.Minute}
		}},
		{"allow_large lifts hold, timeout, think, workers", func(s *Scenario) {
			s.AllowLarge = true
			s.Ramp.Hold, s.Timeout, s.Think, s.MaxWorkers = 48*time.Hour, 2*time.Hour, Think{Min: time.Hour, Max: 2 * time.Hour}, 200000
		}},
		{"one-step range, by above it", func(s *Scenario) { s.Ramp.To = 10 }},
	}
	for _, tc := range tests {
		s := valid(t)
		tc.edit(&s)
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	for _, p := range Presets {
		s := valid(t)
		s.Ramp, s.Preset = Ramp{}, p
		if err := s.Validate(); err != nil {
			t.Errorf("preset %s: %v", p, err)
		}
	}
}

func TestValidateJoinsAllProblems(t *testing.T) {
	s := valid(t)
	s.Model = "vus"
	s.Ramp.Hold = -time.Second
	s.Stop.Margin = -1
	s.Requests[0].Weight = -1
	s.Requests[0].Batch = -1
	err := s.Validate()
	if n := len(unjoin(err)); n != 5 {
		t.Errorf("got %d problems, want 5:\n%v", n, err)
	}
}

// writeIn writes a test input file into dir.
func writeIn(dir, name, text string) {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		panic(err)
	}
}

// TestInputFilesMustBeRegular: a device, a FIFO or a directory named as an
// input file is refused at once instead of being read forever (/dev/zero)
// or blocking until something writes to it (a FIFO).
func TestInputFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/zero", fifo, dir} {
		for _, src := range []string{
			"ramp: 1\nrequests: [{path: /p, body_file: " + path + "}]\n",
			"ramp: 1\ntargets_file: " + path + "\n",
			"ramp: 1\nrequests: [{path: /p}]\ntls: {ca_file: " + path + "}\n",
		} {
			done := make(chan error, 1)
			go func() {
				s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(src))
				if err == nil {
					err = s.Validate()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !(strings.Contains(err.Error(), "not a regular file") || strings.Contains(err.Error(), "is a directory")) {
					t.Errorf("%q: err = %v", src, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%q: still reading after 5s", src)
			}
		}
	}
}
