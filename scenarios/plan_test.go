package scenarios

import (
	"reflect"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

const s1 = time.Second

// levels extracts users (or rates) of a plan.
func levelsOf(steps []Step) []float64 {
	out := make([]float64, len(steps))
	for i, st := range steps {
		out[i] = st.Rate
		if st.Users != 0 {
			out[i] = float64(st.Users)
		}
	}
	return out
}

func TestPlanShapes(t *testing.T) {
	tests := []struct {
		name   string
		s      Scenario
		levels []float64
		hold   time.Duration
		settle []time.Duration // per step
	}{
		{"range to a multiple", Scenario{Ramp: Ramp{From: 500, To: 2000, By: 500}},
			[]float64{500, 1000, 1500, 2000}, 30 * s1, []time.Duration{s1, s1, s1, s1}},
		{"range ending off the grid", Scenario{Ramp: Ramp{From: 100, To: 350, By: 100, Hold: 10 * s1}, SpawnRate: 1000},
			[]float64{100, 200, 300, 350}, 10 * s1, []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond}},
		{"single value", Scenario{Ramp: Ramp{From: 50, Hold: 5 * s1, Settle: 2 * s1}},
			[]float64{50}, 5 * s1, []time.Duration{2 * s1}},
		{"explicit steps going down", Scenario{Ramp: Ramp{Steps: []float64{100, 1100, 100}, Hold: 20 * s1, Settle: 500 * time.Millisecond}},
			[]float64{100, 1100, 100}, 20 * s1, []time.Duration{500 * time.Millisecond, 2 * s1, 2 * s1}},
		{"settle longer than spawning", Scenario{Ramp: Ramp{From: 10, To: 20, By: 10, Settle: 3 * s1}},
			[]float64{10, 20}, 30 * s1, []time.Duration{3 * s1, 3 * s1}},
		{"spawning capped at hold", Scenario{Ramp: Ramp{From: 100, Hold: s1}, SpawnRate: 10},
			[]float64{100}, s1, []time.Duration{s1}},
		{"rate model has no spawning", Scenario{Model: "rate", Ramp: Ramp{From: 0.5, To: 1.75, By: 0.5, Hold: 4 * s1, Settle: s1}},
			[]float64{0.5, 1, 1.5, 1.75}, 4 * s1, []time.Duration{s1, s1, s1, s1}},
		{"no ramp", Scenario{}, []float64{}, 30 * s1, []time.Duration{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := tc.s.Plan()
			if got := levelsOf(steps); !reflect.DeepEqual(got, tc.levels) {
				t.Fatalf("levels = %v, want %v", got, tc.levels)
			}
			for i, st := range steps {
				if st.Index != i || st.Offset != time.Duration(i)*tc.hold || st.Hold != tc.hold || st.Settle != tc.settle[i] {
					t.Errorf("step %d = %+v, want index %d offset %s hold %s settle %s", i, st, i, time.Duration(i)*tc.hold, tc.hold, tc.settle[i])
				}
				if (tc.s.Model == "rate") != (st.Users == 0) {
					t.Errorf("step %d: users %d rate %v under model %q", i, st.Users, st.Rate, tc.s.Model)
				}
			}
		})
	}
}

func TestPlanPresets(t *testing.T) {
	tests := []struct {
		preset string
		ramp   Ramp
		levels []float64
		hold   time.Duration
		settle time.Duration // of steps without a spawn longer than it
	}{
		{"smoke", Ramp{}, []float64{1}, 10 * s1, 2 * time.Millisecond},
		{"smoke", Ramp{To: 5}, []float64{5}, 10 * s1, 10 * time.Millisecond},
		{"load", Ramp{}, []float64{25, 50, 75, 100}, time.Minute, 10 * s1},
		{"load", Ramp{To: 2000}, []float64{500, 1000, 1500, 2000}, time.Minute, 10 * s1},
		{"load", Ramp{To: 10}, []float64{3, 6, 9, 10}, time.Minute, 10 * s1},
		{"load", Ramp{From: 10, To: 100}, []float64{10, 35, 60, 85, 100}, time.Minute, 10 * s1},
		{"stress", Ramp{}, []float64{500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000, 6500, 7000, 7500, 8000, 8500, 9000, 9500, 10000}, 30 * s1, 5 * s1},
		{"spike", Ramp{}, []float64{100, 1000, 100}, time.Minute, 0},
		{"spike", Ramp{From: 50, To: 400}, []float64{50, 400, 50}, time.Minute, 0},
		{"soak", Ramp{}, []float64{100}, time.Hour, time.Minute},
		{"load", Ramp{Hold: 6 * s1}, []float64{25, 50, 75, 100}, 6 * s1, 2 * s1}, // preset settle capped at hold/3
		{"stress", Ramp{Steps: []float64{1, 2}}, []float64{1, 2}, 30 * s1, 5 * s1},
	}
	for _, tc := range tests {
		s := Scenario{Preset: tc.preset, Ramp: tc.ramp}
		steps := s.Plan()
		if got := levelsOf(steps); !reflect.DeepEqual(got, tc.levels) {
			t.Errorf("%s %+v: levels = %v, want %v", tc.preset, tc.ramp, got, tc.levels)
			continue
		}
		d := s.WithDefaults()
		for i, st := range steps {
			prev := 0
			if i > 0 {
				prev = steps[i-1].Users
			}
			want := max(tc.settle, spawnTime(st.Users-prev, d.SpawnRate))
			if st.Hold != tc.hold || st.Offset != time.Duration(i)*tc.hold || st.Settle != want {
				t.Errorf("%s %+v step %d = %+v, want hold %s settle %s", tc.preset, tc.ramp, i, st, tc.hold, want)
			}
		}
	}
}

func TestPresetDefaults(t *testing.T) {
	stress := Scenario{Preset: "stress"}.WithDefaults()
	if stress.Stop.SLO != DefaultStressSLO {
		t.Errorf("stress stop.slo = %q, want %q", stress.Stop.SLO, DefaultStressSLO)
	}
	if own := (Scenario{Preset: "stress", Stop: Stop{SLO: "p99<2s"}}).WithDefaults(); own.Stop.SLO != "p99<2s" {
		t.Errorf("stress replaced an explicit slo: %q", own.Stop.SLO)
	}
	spike := Scenario{Preset: "spike", Ramp: Ramp{To: 3000}}.WithDefaults()
	if spike.SpawnRate != 3000 {
		t.Errorf("spike spawn_rate = %v, want the peak 3000", spike.SpawnRate)
	}
	// The spike's jump lands within about a second.
	if st := (Scenario{Preset: "spike"}).Plan()[1]; st.Settle > 1100*time.Millisecond {
		t.Errorf("spike step settle = %s, want ≤ ~1s", st.Settle)
	}
	for _, p := range append(Presets, "") {
		for _, model := range []string{"users", "rate"} {
			s := Scenario{Preset: p, Model: model, Ramp: Ramp{From: 3}, Stability: Stability{Enabled: true},
				Requests: []RequestSpec{{Path: "/", Body: []byte(`{}`), Invalid: Invalid{Fraction: 0.1}}}}
			once := s.WithDefaults()
			if twice := once.WithDefaults(); !reflect.DeepEqual(once, twice) {
				t.Errorf("preset %q model %s: WithDefaults not idempotent:\n%+v\n%+v", p, model, once, twice)
			}
		}
	}
}

func TestWithDefaultsGlobal(t *testing.T) {
	in := Scenario{
		Ramp:     Ramp{Steps: []float64{1, 2}},
		Requests: []RequestSpec{{Path: "/a"}, {Path: "/b", Body: []byte(`{}`), Invalid: Invalid{Fraction: 0.5}}},
	}
	d := in.WithDefaults()
	if d.Model != "users" || d.Ramp.Hold != 30*s1 || d.Think != (Think{Min: s1, Max: 2500 * time.Millisecond}) ||
		d.SpawnRate != 500 || d.Connections != "per_user" || d.Timeout != 30*s1 || d.MaxWorkers != 10000 {
		t.Errorf("global defaults = %+v", d)
	}
	if q := d.Requests[0]; q.Method != "GET" || q.Name != "GET /a" || q.Weight != 1 {
		t.Errorf("request 0 = %+v, want GET, name \"GET /a\", weight 1", q)
	}
	if q := d.Requests[1]; q.Method != "POST" || q.Invalid.ExpectStatus != 422 {
		t.Errorf("request 1 = %+v, want POST, invalid expect 422", q)
	}
	if in.Requests[0].Method != "" || in.Model != "" {
		t.Error("WithDefaults modified its receiver's requests")
	}
	d.Ramp.Steps[0] = 99
	if in.Ramp.Steps[0] != 1 {
		t.Error("WithDefaults shares ramp.steps with its receiver")
	}
	if r := (Scenario{Model: "rate", Ramp: Ramp{From: 5}}).WithDefaults(); r.Think != (Think{}) {
		t.Errorf("rate model got think %+v, want none", r.Think)
	}
	if n := (Scenario{Think: Think{None: true}}).WithDefaults(); n.Think != (Think{None: true}) {
		t.Errorf("explicit think 0 became %+v", n.Think)
	}
	st := Scenario{Ramp: Ramp{From: 1, Hold: 40 * s1, Settle: 10 * s1}, Stability: Stability{Enabled: true}}.WithDefaults().Stability
	if st.Windows != 3 || st.Tolerance != 0.10 || st.Window != 10*s1 || st.MaxHold != 120*s1 {
		t.Errorf("stability defaults = %+v, want 3 windows of 10s within 0.10, max_hold 2m", st)
	}
	if sh := (Scenario{Connections: ConnShared}).WithDefaults(); sh.Pool != DefaultPool {
		t.Errorf("shared pool = %d, want %d", sh.Pool, DefaultPool)
	}
}

func TestPlanIsBoundedForInvalidRamps(t *testing.T) {
	for _, r := range []Ramp{{From: 1, To: 1e9, By: 1e-9}, {From: 1, To: 1e12, By: 1}, {Steps: make([]float64, 5000)}} {
		if n := len((Scenario{Ramp: r}).Plan()); n > MaxSteps {
			t.Errorf("%+v: %d steps, want ≤ %d", r, n, MaxSteps)
		}
	}
}

// TestRangeFromEqualsToIsOneStep: a range whose from equals its to is one
// step whatever its by, written as a mapping, as "from:to:by" in YAML, or
// bound from --users / --rate (issue 10, case 12).
func TestRangeFromEqualsToIsOneStep(t *testing.T) {
	req := "requests:\n  - path: /p\n"
	for _, tc := range []struct {
		name   string
		yaml   string
		levels []float64
	}{
		{"users mapping", "ramp: {from: 20, to: 20, by: 20}\n" + req, []float64{20}},
		{"users mapping, by above the level", "ramp: {from: 20, to: 20, by: 500}\n" + req, []float64{20}},
		{"users scalar", "ramp: 20:20:20\n" + req, []float64{20}},
		{"rate mapping", "model: rate\nramp: {from: 2.5, to: 2.5, by: 10}\n" + req, []float64{2.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if got := levelsOf(s.Plan()); !reflect.DeepEqual(got, tc.levels) {
				t.Errorf("levels = %v, want %v", got, tc.levels)
			}
		})
	}
	for _, tc := range []struct{ model, spec string }{{"users", "20:20:20"}, {"rate", "7:7:100"}} {
		s := Default()
		if err := s.SetRange(tc.model, tc.spec); err != nil {
			t.Fatalf("SetRange(%s, %s): %v", tc.model, tc.spec, err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("--%s %s: %v", tc.model, tc.spec, err)
		}
		if n := len(s.Plan()); n != 1 {
			t.Errorf("--%s %s: %d steps, want 1", tc.model, tc.spec, n)
		}
	}
}

// PeakUsers and FirstLoad answer for a ladder, a list, a capacity search
// and a scenario without levels alike.
func TestPeakUsersAndFirstLoad(t *testing.T) {
	hold := Ramp{Hold: 10 * time.Second}
	withSearch := hold
	withSearch.Search = &search.Capacity{From: 100, Max: 20000.5}
	tests := []struct {
		name  string
		s     Scenario
		peak  int
		first float64
	}{
		{"ladder", Scenario{Ramp: Ramp{From: 500, To: 10000, By: 500}}, 10000, 500},
		{"list, not sorted", Scenario{Ramp: Ramp{Steps: []float64{50, 400, 100}}}, 400, 50},
		{"capacity search: its max, rounded up", Scenario{Ramp: withSearch}, 20001, 100},
		{"no levels (a limit search's scenario)", Scenario{Ramp: hold}, 0, 0},
		{"open loop: no users", Scenario{Model: record.ModelRate, Ramp: Ramp{Steps: []float64{20, 80}}}, 0, 20},
		{"open-loop search", Scenario{Model: record.ModelRate, Ramp: withSearch}, 0, 100},
	}
	for _, tt := range tests {
		if got := tt.s.PeakUsers(); got != tt.peak {
			t.Errorf("%s: PeakUsers = %d, want %d", tt.name, got, tt.peak)
		}
		if got := tt.s.FirstLoad(); got != tt.first {
			t.Errorf("%s: FirstLoad = %g, want %g", tt.name, got, tt.first)
		}
	}
}
