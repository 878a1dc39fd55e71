package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/loadlab/loadlab/scenarios"
)

const ms = time.Millisecond

func TestPacerSchedule(t *testing.T) {
	p := newStepPacer(10, scenarios.ArrivalConstant, 1, nil) // 10/s: a slot every 100 ms
	var dues []time.Duration
	for _, c := range []struct {
		elapsed time.Duration
		wait    time.Duration // > 0: nothing handed out yet
	}{
		{0, 0},
		{0, 100 * ms},
		{100 * ms, 0},
		{150 * ms, 50 * ms},
		{250 * ms, -50 * ms}, // slot 2, 50 ms late
		{250 * ms, 50 * ms},
	} {
		due, wait, stop := p.pace(c.elapsed)
		if stop || wait != c.wait {
			t.Errorf("pace(%s) = %s, %v; want %s", c.elapsed, wait, stop, c.wait)
		}
		dues = append(dues, due)
	}
	if got := dues[4]; got != 200*ms {
		t.Errorf("slot 2 scheduled at %s, want 200ms", got)
	}
	if r := p.sched.segAt(time.Second).rate; r != 10 {
		t.Errorf("rate = %g", r)
	}
}

func TestPacerWakesOnQuantum(t *testing.T) {
	p := newStepPacer(3000, scenarios.ArrivalConstant, 1, nil) // a slot every 333.3 µs
	var waits, dues []time.Duration
	for _, elapsed := range []time.Duration{0, 0, PaceQuantum, PaceQuantum, PaceQuantum, PaceQuantum} {
		d, w, _ := p.pace(elapsed)
		waits = append(waits, w)
		dues = append(dues, d)
	}
	// Slots 1–3 are due within the first millisecond: one wakeup, at 1 ms,
	// sends them, and the next wait is to 2 ms.
	us := time.Microsecond
	want := []time.Duration{0, PaceQuantum, -666667 * time.Nanosecond, -333334 * time.Nanosecond, -us / 1000, PaceQuantum}
	for i := range want {
		if d := waits[i] - want[i]; d < -time.Nanosecond || d > time.Nanosecond {
			t.Errorf("waits %v, want %v", waits, want)
			break
		}
	}
	// Their scheduled times stay exact, so the delay is measured.
	if got := dues[2]; got != 333333*time.Nanosecond {
		t.Errorf("slot 1 scheduled at %s", got)
	}
}

func TestPacerStepsChangeRate(t *testing.T) {
	p := newStepPacer(10, scenarios.ArrivalConstant, 1, nil)
	p.setRate(time.Second, 100) // after 10 slots at 10/s, 100/s
	if p.sched.segAt(999*ms).rate != 10 || p.sched.segAt(time.Second).rate != 100 {
		t.Errorf("rates %g, %g", p.sched.segAt(999*ms).rate, p.sched.segAt(time.Second).rate)
	}
	for n, want := range map[int64]time.Duration{0: 0, 9: 900 * ms, 10: time.Second, 11: 1010 * ms, 110: 2 * time.Second} {
		if got := p.sched.timeAt(float64(n)); got != want {
			t.Errorf("slot %d due at %s, want %s", n, got, want)
		}
	}
	if got := math.Ceil(p.sched.posAt(1500 * ms)); got != 60 {
		t.Errorf("slots before 1.5s = %g, want 10 + 50", got)
	}
}

func TestPacerDropsOverdueSlots(t *testing.T) {
	var dropped int64
	p := newStepPacer(100, scenarios.ArrivalConstant, 1, func(n int64) { dropped += n })
	// The dispatcher was blocked for the first second: 100 slots were due,
	// those older than DropAfter are dropped, the next one is sent late.
	_, wait, _ := p.pace(time.Second)
	if want := int64(90); dropped != want {
		t.Errorf("dropped %d, want %d (due before 1s - %s)", dropped, want, DropAfter)
	}
	if wait != -DropAfter {
		t.Errorf("wait %s, want the first kept slot %s late", wait, DropAfter)
	}
	// On schedule again: nothing more is dropped.
	p.pace(time.Second)
	if dropped != 90 {
		t.Errorf("dropped %d after catching up", dropped)
	}
	// Reap counts slots overdue while no pace call happens.
	p.Reap(2 * time.Second)
	if dropped != 90+(190-92) {
		t.Errorf("dropped %d after Reap, want %d", dropped, 90+(190-92))
	}
	p.stop()
	if _, _, stop := p.pace(2 * time.Second); !stop {
		t.Error("pace after stop did not stop the load")
	}
}

// TestNextArrival: the pacing function, without a clock. Constant
// arrivals are exactly 1/rate apart across rate changes; Poisson arrivals
// from a seed are reproducible, their mean rate is the schedule's over a
// long run, and their gaps are exponential (standard deviation = mean).
func TestNextArrival(t *testing.T) {
	steps := schedule{{start: 0, rate: 10}, {start: time.Second, rate: 1000, first: 10}}
	for _, c := range []struct {
		prev float64
		pos  float64
		due  time.Duration
	}{
		{0, 1, 100 * ms},
		{8, 9, 900 * ms},
		{9, 10, time.Second},
		{10, 11, time.Second + ms},
		{1009, 1010, 2 * time.Second},
	} {
		pos, due := nextArrival(steps, scenarios.ArrivalConstant, c.prev, nil)
		if pos != c.pos || due != c.due {
			t.Errorf("constant after %g: %g at %s, want %g at %s", c.prev, pos, due, c.pos, c.due)
		}
	}

	run := func(seed uint64, s schedule, n int) []time.Duration {
		rng := rand.New(rand.NewPCG(seed, 0))
		out := make([]time.Duration, n)
		pos := 0.0
		for i := range out {
			pos, out[i] = nextArrival(s, scenarios.ArrivalPoisson, pos, rng)
		}
		return out
	}
	a, b := run(7, steps, 5), run(7, steps, 5)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("the same seed gave %v and %v", a, b)
		}
	}
	for _, c := range []struct {
		seed uint64
		rate float64
	}{{1, 100}, {2, 4000}, {3, 25000}} {
		const n = 200000
		dues := run(c.seed, schedule{{rate: c.rate}}, n)
		// n arrivals take n/rate on average; the sum of n exponential gaps
		// has a relative standard deviation of 1/√n ≈ 0.22 %.
		want := time.Duration(float64(n) / c.rate * float64(time.Second))
		if got := dues[n-1]; !within(float64(got), float64(want), 0.01) {
			t.Errorf("rate %g: %d arrivals took %s, want %s within 1 %%", c.rate, n, got, want)
		}
		var sum, sq float64
		prev := time.Duration(0)
		for _, d := range dues {
			g := (d - prev).Seconds()
			sum += g
			sq += g * g
			prev = d
		}
		mean := sum / n
		sd := math.Sqrt(sq/n - mean*mean)
		if !within(sd, mean, 0.02) {
			t.Errorf("rate %g: gaps of mean %g s and standard deviation %g s: not exponential", c.rate, mean, sd)
		}
	}
	// Across a rate change, Poisson arrivals follow the new rate.
	dues := run(4, steps, 20000)
	var before, after int
	for _, d := range dues {
		switch {
		case d < time.Second:
			before++
		case d < 11*time.Second:
			after++
		}
	}
	if !within(float64(before), 10, 0.8) || !within(float64(after), 10000, 0.03) {
		t.Errorf("%d arrivals in the first second (10/s), %d in the next ten (1000/s)", before, after)
	}
}

// TestPacerPoissonDrops: overdue Poisson arrivals are dropped one by one
// up to the cut, leaving the next one due within DropAfter.
func TestPacerPoissonDrops(t *testing.T) {
	var dropped int64
	p := newStepPacer(1000, scenarios.ArrivalPoisson, 3, func(n int64) { dropped += n })
	due, wait, _ := p.pace(10 * time.Second)
	if due < 10*time.Second-DropAfter || wait > 0 || wait < -DropAfter {
		t.Errorf("first kept arrival due %s (wait %s): want within %s before 10s", due, wait, DropAfter)
	}
	if !within(float64(dropped), 9900, 0.03) {
		t.Errorf("dropped %d, want ≈ 9900 (10 s - %s at 1000/s)", dropped, DropAfter)
	}
}

// TestPacerRateChangeWhileWaiting: a dispatcher asleep toward the next
// arrival at a low rate is not owed that arrival: after a step up, asking
// again gives the arrival at the new rate, and nothing is dropped (it used
// to hand out the old-rate arrival up front and drop every new-rate one
// due meanwhile).
func TestPacerRateChangeWhileWaiting(t *testing.T) {
	var dropped int64
	p := newStepPacer(1, scenarios.ArrivalConstant, 1, func(n int64) { dropped += n })
	if _, wait, _ := p.pace(0); wait != 0 {
		t.Fatalf("first arrival wait %s", wait)
	}
	if due, wait, _ := p.pace(10 * ms); due != time.Second || wait != 990*ms {
		t.Fatalf("next arrival due %s, wait %s; want 1s, 990ms", due, wait)
	}
	p.setRate(10*ms, 200) // a step up while the dispatcher sleeps
	sent := 0
	for elapsed := 10 * ms; elapsed <= 510*ms; elapsed += PaceQuantum {
		for {
			_, wait, _ := p.pace(elapsed)
			if wait > 0 {
				break
			}
			sent++
		}
	}
	if dropped != 0 || !within(float64(sent), 100, 0.02) {
		t.Errorf("%d sent and %d dropped in the 500 ms after a step to 200/s, want ≈ 100 and 0", sent, dropped)
	}
}
