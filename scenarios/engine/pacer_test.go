package engine

import (
	"testing"
	"time"
)

const ms = time.Millisecond

func TestPacerSchedule(t *testing.T) {
	p := newStepPacer(10, 16, nil) // 10/s: a slot every 100 ms
	for _, c := range []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
	}{
		{0, 0, 0},
		{0, 1, 100 * ms},
		{150 * ms, 2, 50 * ms},
		{250 * ms, 3, 50 * ms},
	} {
		wait, stop := p.Pace(c.elapsed, c.hits)
		if stop || wait != c.wait {
			t.Errorf("Pace(%s, %d) = %s, %v; want %s", c.elapsed, c.hits, wait, stop, c.wait)
		}
	}
	if got := p.scheduled(2); got != 200*ms {
		t.Errorf("hit 2 scheduled at %s, want 200ms", got)
	}
	if r := p.Rate(time.Second); r != 10 {
		t.Errorf("Rate = %g", r)
	}
}

func TestPacerWakesOnQuantum(t *testing.T) {
	p := newStepPacer(3000, 16, nil) // a slot every 333.3 µs
	var waits []time.Duration
	for hits := uint64(0); hits < 4; hits++ {
		w, _ := p.Pace(0, hits)
		waits = append(waits, w)
	}
	// Slots 1–3 are due within the first millisecond: one wakeup sends them.
	want := []time.Duration{0, PaceQuantum, PaceQuantum, PaceQuantum}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("waits %v, want %v", waits, want)
			break
		}
	}
	// Their scheduled times stay exact, so the delay is measured.
	if got := p.scheduled(1); got != 333333*time.Nanosecond {
		t.Errorf("slot 1 scheduled at %s", got)
	}
}

func TestPacerStepsChangeRate(t *testing.T) {
	p := newStepPacer(10, 64, nil)
	p.setRate(time.Second, 100) // after 10 slots at 10/s, 100/s
	if p.Rate(999*ms) != 10 || p.Rate(time.Second) != 100 {
		t.Errorf("rates %g, %g", p.Rate(999*ms), p.Rate(time.Second))
	}
	for n, want := range map[int64]time.Duration{0: 0, 9: 900 * ms, 10: time.Second, 11: 1010 * ms, 110: 2 * time.Second} {
		if got := p.due(n); got != want {
			t.Errorf("slot %d due at %s, want %s", n, got, want)
		}
	}
	if got := p.slotsBefore(1500 * ms); got != 60 {
		t.Errorf("slots before 1.5s = %d, want 10 + 50", got)
	}
}

func TestPacerDropsOverdueSlots(t *testing.T) {
	var dropped int64
	p := newStepPacer(100, 16, func(n int64) { dropped += n })
	// The attacker was blocked for the first second: 100 slots were due,
	// those older than DropAfter are dropped, the next one is sent late.
	wait, _ := p.Pace(time.Second, 0)
	if want := int64(90); dropped != want {
		t.Errorf("dropped %d, want %d (due before 1s - %s)", dropped, want, DropAfter)
	}
	if wait != -DropAfter {
		t.Errorf("wait %s, want the first kept slot %s late", wait, DropAfter)
	}
	// On schedule again: nothing more is dropped.
	p.Pace(time.Second, 1)
	if dropped != 90 {
		t.Errorf("dropped %d after catching up", dropped)
	}
	// Reap counts slots overdue while no Pace call happens.
	p.Reap(2 * time.Second)
	if dropped != 90+(190-92) {
		t.Errorf("dropped %d after Reap, want %d", dropped, 90+(190-92))
	}
	p.stop()
	if _, stop := p.Pace(2*time.Second, 2); !stop {
		t.Error("Pace after stop did not stop the attack")
	}
}
