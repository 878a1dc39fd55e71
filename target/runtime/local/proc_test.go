package local

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// Fields 14-17 are 250 40 7 3 ticks: 3.00 s.
	tail := " S 1 2 3 4 5 6 7 8 9 10 250 40 7 3 20 0 1 0 100 1000 50"
	tests := []struct {
		name, stat string
		want       float64
		wantErr    string
	}{
		{"plain", "123 (loadlab)" + tail, 3.0, ""},
		{"name with spaces and parens", "123 (a) b (c))" + tail, 3.0, ""},
		{"truncated", "123 (x) S 1 2", 0, "fields"},
		{"no name", "123 x S", 0, "')'"},
		{"not a number", "123 (x) S 1 2 3 4 5 6 7 8 9 10 x 40 7 3 20", 0, "field 14"},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.stat))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: parseStat = %v, %v; want error with %q", tt.name, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: parseStat = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseStatusRSS(t *testing.T) {
	got, err := parseStatusRSS([]byte("Name:\tx\nVmPeak:\t 9999 kB\nVmRSS:\t    1234 kB\nThreads:\t5\n"))
	if err != nil || got != 1234*1024 {
		t.Errorf("parseStatusRSS = %d, %v; want %d", got, err, 1234*1024)
	}
	if got, err := parseStatusRSS([]byte("Name:\tzombie\nState:\tZ\n")); err != nil || got != 0 {
		t.Errorf("zombie: parseStatusRSS = %d, %v; want 0", got, err)
	}
	if _, err := parseStatusRSS([]byte("VmRSS:\t12 MB\n")); err == nil {
		t.Error("parseStatusRSS accepted a unit other than kB")
	}
}

// TestReadProcSelf reads this test process's own counters and checks that
// they follow what the process does: the CPU time it burns (as getrusage
// counts it) and the memory it touches.
func TestReadProcSelf(t *testing.T) {
	cpu0, _, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	const burn = 0.3 // seconds of CPU
	for start := rusageSeconds(t); rusageSeconds(t)-start < burn; {
	}
	mem := make([]byte, 64<<20)
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = 1
	}
	cpu1, rss, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(mem)
	if d := cpu1 - cpu0; d < burn-0.05 || d > 10 {
		t.Errorf("readProc(self) CPU moved by %.2f s over a %.1f s burn", d, burn)
	}
	if rss < 64<<20 {
		t.Errorf("readProc(self) RSS %d bytes with 64 MiB touched", rss)
	}
}

// rusageSeconds is this process's user+system CPU time.
func rusageSeconds(t *testing.T) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func TestGOMAXPROCS(t *testing.T) {
	for _, tt := range []struct {
		cpus float64
		want int
	}{{0, 0}, {0.25, 1}, {0.5, 1}, {1, 1}, {1.0000000001, 1}, {1.5, 2}, {2, 2}, {3.2, 4}} {
		if got := GOMAXPROCS(tt.cpus); got != tt.want {
			t.Errorf("GOMAXPROCS(%v) = %d, want %d", tt.cpus, got, tt.want)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(3)
	b.Write([]byte("one\ntwo\n\nthree\r\nfour"))
	b.Write([]byte(" and more\nfive: address already in use\nsix\nseven\n"))
	if got := strings.Join(b.Lines(), "|"); got != "five: address already in use|six|seven" {
		t.Errorf("Lines() = %q", got)
	}
	b.Write([]byte("eight\nnine\nten\n"))
	if !b.Contains("address already in use") {
		t.Error("bind failure forgotten once scrolled out")
	}
	b.Write([]byte("partial"))
	if got := strings.Join(b.Lines(), "|"); got != "nine|ten|partial" {
		t.Errorf("Lines() with a partial line = %q", got)
	}
}
