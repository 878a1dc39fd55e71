package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc/<pid>/stat; it is
// 100 on every Linux ABI.
const clockTicks = 100

// Stats reads each running replica's CPU time (its own plus its reaped
// children's, from /proc/<pid>/stat) and resident memory (VmRSS from
// /proc/<pid>/status). Limits are the configuration's, which this runtime
// only approximates; throttling, OOM kills and restarts are always zero.
// A replica that has exited reports its last CPU time and no memory.
func (d *Deployment) Stats(ctx context.Context) (runtime.Usage, error) {
	d.mu.Lock()
	reps := make([]*process, len(d.replicas))
	copy(reps, d.replicas)
	d.mu.Unlock()
	u := runtime.Usage{At: time.Now()}
	var errs []error
	for _, p := range reps {
		ru := runtime.ReplicaUsage{Name: p.name, CPULimit: d.limits.CPUs, MemoryLimit: int64(d.limits.MemoryBytes)}
		cpu, rss, err := readProc(p.pid())
		running := p.exitErr() == nil
		switch {
		case running && err != nil:
			errs = append(errs, fmt.Errorf("stats of replica %s: %w", p.name, err))
			continue
		case running:
			ru.CPUSeconds, ru.MemoryBytes = cpu, rss
			d.statsMu.Lock()
			d.last[p.name] = ru
			d.statsMu.Unlock()
		default:
			d.statsMu.Lock()
			ru.CPUSeconds = d.last[p.name].CPUSeconds
			d.statsMu.Unlock()
		}
		u.Replicas = append(u.Replicas, ru)
	}
	return u, errors.Join(errs...)
}

// readProc returns a process's CPU seconds (utime+stime+cutime+cstime)
// and resident set size in bytes.
func readProc(pid int) (cpuSeconds float64, rssBytes int64, err error) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	cpuSeconds, err = parseStat(stat)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	rssBytes, err = parseStatusRSS(status)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return cpuSeconds, rssBytes, nil
}

// parseStat sums fields 14-17 (utime, stime, cutime, cstime, in clock
// ticks) of /proc/<pid>/stat. The command name (field 2) may contain
// spaces and parentheses, so fields are counted after its last ')'.
func parseStat(b []byte) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field k is f[k-3].
	if len(f) < 15 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 15", len(f))
	}
	var ticks int64
	for k := 14; k <= 17; k++ {
		v, err := strconv.ParseInt(f[k-3], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("field %d: %w", k, err)
		}
		ticks += v
	}
	return float64(ticks) / clockTicks, nil
}

// parseStatusRSS reads VmRSS (kB) from /proc/<pid>/status. A zombie has
// no VmRSS line and counts as 0.
func parseStatusRSS(b []byte) (int64, error) {
	for line := range strings.SplitSeq(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("VmRSS line %q: want '<n> kB'", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS: %w", err)
		}
		return kb << 10, nil
	}
	return 0, nil
}
