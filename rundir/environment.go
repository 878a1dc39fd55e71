package rundir

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Environment describes where a run happened; it is written to
// environment.json beside the steps.
type Environment struct {
	Loadlab     string `json:"loadlab_version"`
	Runtime     string `json:"runtime"`
	RuntimeNote string `json:"runtime_note,omitempty"`
	// RuntimeApproximate is set when the runtime only emulates the
	// configurations' limits (runtime.Runtime.Approximate: local processes).
	RuntimeApproximate bool   `json:"runtime_approximate,omitempty"`
	DockerVersion      string `json:"docker_version,omitempty"`
	HostCPUs           int    `json:"host_cpus"`
	// CPUModel is the host's CPU model name (/proc/cpuinfo's "model
	// name"; empty when unknown): a target's CPU time per request belongs
	// to it, so baselines keep it.
	CPUModel      string    `json:"cpu_model,omitempty"`
	HostMemory    int64     `json:"host_memory_bytes"`
	GoVersion     string    `json:"go_version"`
	OS            string    `json:"os"`
	Arch          string    `json:"arch"`
	GeneratorCPUs int       `json:"generator_gomaxprocs"`
	StartedAt     time.Time `json:"started_at"`
	Experiment    string    `json:"experiment"`
	ExperimentSrc string    `json:"experiment_file"`
}

// HostEnvironment fills the host facts of an Environment: loadlab's
// version, the host's CPUs and memory (bytes, 0 when unknown), Go, OS,
// architecture, GOMAXPROCS and the start time (UTC, now).
func HostEnvironment(version string) Environment {
	return Environment{
		Loadlab:       version,
		HostCPUs:      runtime.NumCPU(),
		CPUModel:      cpuModel(),
		HostMemory:    hostMemory(),
		GoVersion:     runtime.Version(),
		OS:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		GeneratorCPUs: runtime.GOMAXPROCS(0),
		StartedAt:     time.Now().UTC(),
	}
}

// hostMemory is MemTotal of /proc/meminfo in bytes, 0 when unknown.
func hostMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuModel is the first "model name" of /proc/cpuinfo, "" when unknown
// (another OS, or an architecture whose cpuinfo does not name it).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WriteEnvironment writes env to dir/environment.json (indented, synced).
func WriteEnvironment(dir string, env Environment) error {
	j, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return fmt.Errorf("encode environment: %w", err)
	}
	return WriteFile(filepath.Join(dir, EnvironmentFile), append(j, '\n'))
}

// ReadEnvironment reads dir/environment.json as a JSON object, whatever
// wrote it (run's Environment, or an older loadlab's fields); nil without
// error when the file is absent.
func ReadEnvironment(dir string) (map[string]any, error) {
	path := filepath.Join(dir, EnvironmentFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("read %s: want a JSON object: %w", path, err)
	}
	return env, nil
}
