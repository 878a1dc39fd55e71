package server

import (
	"fmt"
	"runtime"
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
// much the process is throttled or preempted (its wall time is ≥ d). It
// returns at once for d ≤ 0 and an error only if the thread's CPU clock
// cannot be read.
//
// The process's CPU time rises by a little more than d, as it would for
// any handler that keeps a P busy for d: the Go runtime's monitor thread
// (sysmon) polls every 20µs or so while a P is busy, and on a 2-core VM
// those wake-ups cost about a tenth of d (measured per thread in /proc).
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
	x := uint64(start) | 1
	for {
		x = spin(x)
		now, err := threadCPUTime()
		if err != nil {
			return err
		}
		if now-start >= d {
			spinSink = x
			return nil
		}
	}
}

// spinSink keeps spin's result alive so the compiler cannot drop the loop.
var spinSink uint64

// spin is about a microsecond of arithmetic between two reads of the
// thread's CPU clock, so the loop's time goes mostly to user-space work
// rather than to the clock's system call.
func spin(x uint64) uint64 {
	for range 4096 {
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
