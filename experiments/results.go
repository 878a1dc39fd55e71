package experiments

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// Environment describes where a run happened; it is written to
// environment.json beside the steps.
type Environment struct {
	Loadlab       string    `json:"loadlab_version"`
	Runtime       string    `json:"runtime"`
	RuntimeNote   string    `json:"runtime_note,omitempty"`
	DockerVersion string    `json:"docker_version,omitempty"`
	HostCPUs      int       `json:"host_cpus"`
	HostMemory    int64     `json:"host_memory_bytes"`
	GoVersion     string    `json:"go_version"`
	OS            string    `json:"os"`
	Arch          string    `json:"arch"`
	GeneratorCPUs int       `json:"generator_gomaxprocs"`
	StartedAt     time.Time `json:"started_at"`
	Experiment    string    `json:"experiment"`
	ExperimentSrc string    `json:"experiment_file"`
}

// HostEnvironment fills the host facts of an Environment.
func HostEnvironment(version string) Environment {
	return Environment{
		Loadlab:       version,
		HostCPUs:      runtime.NumCPU(),
		HostMemory:    hostMemory(),
		GoVersion:     runtime.Version(),
		OS:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		GeneratorCPUs: runtime.GOMAXPROCS(0),
		StartedAt:     time.Now().UTC(),
	}
}

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

// Prepare creates the results directory outRoot/<runID> (see
// CreateRunDir: never an existing one) and writes the resolved
// experiment.yaml, plan.json (see Plan) and environment.json into it. It
// fails before any load is sent when the directory cannot be created or
// written, with the path in the message.
func Prepare(outRoot, runID string, e Experiment, env Environment) (string, error) {
	dir, err := CreateRunDir(outRoot, runID)
	if err != nil {
		return "", err
	}
	y, err := e.Resolved()
	if err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(dir, "experiment.yaml"), y); err != nil {
		return "", err
	}
	if err := record.WritePlan(dir, e.Plan(env.Runtime)); err != nil {
		return "", err
	}
	env.Experiment = e.Name
	env.ExperimentSrc = e.file
	j, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode environment: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "environment.json"), append(j, '\n')); err != nil {
		return "", err
	}
	return dir, nil
}

// writeFile writes and syncs a file of the results folder before load
// starts, so that an unwritable folder or a full disk stops the run there.
func writeFile(path string, data []byte) error {
	if err := record.WriteSynced(path, data); err != nil {
		return fmt.Errorf("%w (is the results folder writable and the disk not full? choose another with --out)", err)
	}
	return nil
}

// Resolved renders the experiment with defaults applied and the scenario
// inline: the exact definition a run used, re-runnable with loadlab run,
// with its secrets redacted (environment values except target.public_env,
// URL credentials, credential headers and secret query values show as
// <redacted>: put them back before running it again).
func (e Experiment) Resolved() ([]byte, error) {
	e = e.redacted()
	type resolved struct {
		Experiment `yaml:",inline"`
		Scenario   scenarios.Scenario `yaml:"scenario"`
	}
	b, err := yaml.Marshal(resolved{Experiment: e, Scenario: e.Scenario})
	if err != nil {
		return nil, fmt.Errorf("encode resolved experiment: %w", err)
	}
	return b, nil
}
