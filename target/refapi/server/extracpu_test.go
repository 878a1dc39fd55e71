package server

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// threadCPU is the calling thread's CPU time, read by the test.
func threadCPU(t *testing.T) time.Duration {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

// processCPU is the whole process's CPU time.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

// TestBurnCPUConsumesTheAskedCPUTime: burnCPU uses the asked CPU time of
// its thread on average over 20 calls within 3 % or 5µs, whichever is more
// (the overshoot is one to a few microseconds), at least that much of the
// process's, and at least as much wall time: it busy-loops, never sleeps.
func TestBurnCPUConsumesTheAskedCPUTime(t *testing.T) {
	runtime.LockOSThread() // burnCPU runs on this thread, whose clock the test reads around it
	defer runtime.UnlockOSThread()
	if err := burnCPU(time.Microsecond); err != nil { // a first call's page faults stay out
		t.Fatal(err)
	}
	const calls = 20
	for _, d := range []time.Duration{50 * time.Microsecond, 2 * time.Millisecond, 5 * time.Millisecond} {
		thread0, process0, wall0 := threadCPU(t), processCPU(t), time.Now()
		for range calls {
			if err := burnCPU(d); err != nil {
				t.Fatal(err)
			}
		}
		thread, process, wall := (threadCPU(t)-thread0)/calls, (processCPU(t)-process0)/calls, time.Since(wall0)/calls
		if tol := max(d*3/100, 5*time.Microsecond); thread < d-tol || thread > d+tol {
			t.Errorf("burnCPU(%v) used %v of its thread's CPU on average, want %v ± %v", d, thread, d, tol)
		}
		if process < d {
			t.Errorf("burnCPU(%v) used %v of the process's CPU on average, want ≥ %v", d, process, d)
		}
		if wall < d {
			t.Errorf("burnCPU(%v) took %v of wall time on average: less than its CPU time, so it did not busy-loop", d, wall)
		}
	}
}

func TestParseExtraCPU(t *testing.T) {
	for _, tc := range []struct {
		text string
		want time.Duration
		err  string // a part of the error; "" for none
	}{
		{"300us", 300 * time.Microsecond, ""},
		{"300µs", 300 * time.Microsecond, ""},
		{"0.3ms", 300 * time.Microsecond, ""},
		{"0", 0, ""},
		{"1s", time.Second, ""},
		{"1001ms", 0, "out of range: give 0 (off) to 1s"},
		{"-1ms", 0, "out of range"},
		{"300", 0, "not a duration: give one such as 300us"},
		{"fast", 0, "not a duration"},
		{"", 0, "not a duration"},
	} {
		got, err := ParseExtraCPU(tc.text)
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("ParseExtraCPU(%q) = %v, %v; want %v", tc.text, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseExtraCPU(%q) = %v, %v; want an error containing %q", tc.text, got, err, tc.err)
		}
	}
	c := DefaultConfig()
	c.ExtraCPUPerRequest = 2 * time.Second
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "extra_cpu_per_request: 2s is out of range") {
		t.Errorf("Validate with 2s of extra CPU: %v, want an error naming extra_cpu_per_request", err)
	}
}

// The knob burns CPU in POST /predict only: n predictions cost at least n
// times the extra CPU, and as many health checks cost far less.
func TestExtraCPUPerRequestBurnsInPredictOnly(t *testing.T) {
	const extra, n = 20 * time.Millisecond, 5
	cfg := testConfig()
	cfg.ExtraCPUPerRequest = extra
	_, ts := newLoadedServerWith(t, cfg)
	body := leadJSON(model.Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: model.FormSubmit})
	cpu0 := processCPU(t)
	for range n {
		if r := post(t, ts.URL+"/predict", body); r.status != http.StatusOK {
			t.Fatalf("POST /predict: %d %s", r.status, r.body)
		}
	}
	if cpu := processCPU(t) - cpu0; cpu < n*extra {
		t.Errorf("%d predictions with %v of extra CPU each used %v of CPU, want ≥ %v", n, extra, cpu, n*extra)
	}
	cpu0 = processCPU(t)
	for range n {
		if r := do(t, http.MethodGet, ts.URL+"/health", "", nil); r.status != http.StatusOK {
			t.Fatalf("GET /health: %d %s", r.status, r.body)
		}
	}
	if cpu := processCPU(t) - cpu0; cpu >= n*extra/2 {
		t.Errorf("%d health checks used %v of CPU, want well under %v: the extra CPU is for POST /predict only", n, cpu, n*extra)
	}
}
