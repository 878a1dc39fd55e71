package server

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// MaxExtraCPUPerRequest bounds Config.ExtraCPUPerRequest: beyond a second
// per request the fixture would measure a stuck server, not a gate.
const MaxExtraCPUPerRequest = time.Second

// ParseExtraCPU reads an extra-CPU-per-request duration such as "300us",
// "0.3ms" or "0" (off); it accepts 0 to MaxExtraCPUPerRequest. The error
// says what is wrong and which values fit; the caller names where the text
// came from (a flag or an environment variable).
func ParseExtraCPU(text string) (time.Duration, error) {
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: give one such as 300us or 1ms (0 turns it off)", text)
	}
	if err := checkExtraCPU(d); err != nil {
		return 0, err
	}
	return d, nil
}

// checkExtraCPU is the one range rule of the extra CPU per request.
func checkExtraCPU(d time.Duration) error {
	if d < 0 || d > MaxExtraCPUPerRequest {
		return fmt.Errorf("%v is out of range: give 0 (off) to %v, such as 300us", d, MaxExtraCPUPerRequest)
	}
	return nil
}

// burnCPU is the extra work of Config.ExtraCPUPerRequest: a busy loop, never
// a sleep, that runs until the calling OS thread's CPU time has advanced by
// d. It holds the goroutine on its thread meanwhile, so the thread's CPU
// clock counts this loop alone; the amount is therefore CPU time however
// much the process is throttled or preempted (its wall time is ≥ d); it
// overshoots by about a microsecond (the last chunk and clock read). It
// returns at once for d ≤ 0 and an error only if the thread's CPU clock
// cannot be read.
//
// The process's CPU time rises by a little more than d, as it would for
// any handler that keeps a P busy for d: the Go runtime's monitor thread
// (sysmon) polls every 20µs or so while a P is busy, and on a 2-core VM
// those wake-ups cost up to about a tenth of d (measured per thread in
// /proc, the same without LockOSThread).
func burnCPU(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, err := threadCPUTime()
	if err != nil {
		return err
	}
	x, n, last := uint64(start)|1, minSpin, start
	for {
		x = spin(x, n)
		now, err := threadCPUTime()
		if err != nil {
			return err
		}
		left := d - (now - start)
		if left <= 0 {
			spinSink.Store(x)
			return nil
		}
		// The next chunk takes about half of what is left, at this chunk's
		// pace: few clock reads for a long burn, a small overshoot for any.
		if took := now - last; took > 0 {
			n = max(minSpin, int(float64(n)*float64(left)/2/float64(took)))
		}
		last = now
	}
}

// minSpin is the smallest chunk of spin between two clock reads, in
// iterations: a few tens of nanoseconds, well under one clock read (a
// system call of about 0.4µs).
const minSpin = 64

// spinSink keeps spin's result alive so the compiler cannot drop the
// loop; atomic, since requests burn concurrently.
var spinSink atomic.Uint64

// spin is n rounds of xorshift arithmetic on x: CPU work the compiler
// cannot skip (its result is kept) and that touches no memory.
func spin(x uint64, n int) uint64 {
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// threadCPUTime is the calling OS thread's CPU time (user + system), from
// clock_gettime(CLOCK_THREAD_CPUTIME_ID).
func threadCPUTime() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, fmt.Errorf("read the thread's CPU clock: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}
