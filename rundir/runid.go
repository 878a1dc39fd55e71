package rundir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
)

// NewRunID makes the ID of a run (it labels the run's containers and
// records and names its results folder): the UTC start time to the second,
// the name, and 6 random hex digits, e.g.
// "20261122T120000Z-workshop-3fa9c2". Runs started in the same second get
// different IDs (1 in 16.7 million to collide), and IDs sort by start
// time. It is the only maker of run IDs (run and ramp use it).
func NewRunID(now time.Time, name string) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return now.UTC().Format("20060102T150405Z") + "-" + name + "-" + hex.EncodeToString(b[:])
}

// Create creates outRoot/runID (and outRoot when missing) and returns its
// path. It fails when the folder already exists: a run never writes into
// another run's folder.
func Create(outRoot, runID string) (string, error) {
	if err := os.MkdirAll(outRoot, 0o755); err != nil {
		return "", fmt.Errorf("create results folder %s: %w (choose another with --out)", outRoot, err)
	}
	dir := filepath.Join(outRoot, runID)
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("results folder %s already exists: another run uses it (start again, or choose another --out)", dir)
		}
		return "", fmt.Errorf("create results folder %s: %w (choose another with --out)", dir, err)
	}
	return dir, nil
}

// ErrStepsExist is CreateSteps' error (wrapped, with the path) when the
// folder already holds another run's steps.
var ErrStepsExist = errors.New("already holds the steps of another run")

// CreateSteps creates dir when missing (a folder the user named) and a new
// steps.jsonl in it; it never appends to the steps of an earlier run
// (ErrStepsExist).
func CreateSteps(dir string) (*record.Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create results folder %s: %w (choose another with --out)", dir, err)
	}
	w, err := record.CreateNew(filepath.Join(dir, StepsFile))
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s %w (%s)", dir, ErrStepsExist, StepsFile)
	}
	return w, err
}

// runIDSuffix is the random suffix NewRunID ends a run ID with
// ("-3fa9c2"); run IDs made before it have none.
var runIDSuffix = regexp.MustCompile(`-[0-9a-f]{6}$`)

// ExperimentOf derives the experiment name from a run ID of
// NewRunID, "<UTC time>-<name>-<6 hex>" ("20261122T120000Z-quick-3fa9c2"
// → "quick"), or of the earlier form without the suffix
// ("20261122T155504Z-quick" → "quick"). It is "" when runID does not start
// with such a time. A name that itself ends in a dash and 6 hex digits
// cannot be told from a suffixed ID: baselines store their experiment for
// that reason.
func ExperimentOf(runID string) string {
	stamp, rest, ok := strings.Cut(runID, "-")
	if !ok || rest == "" {
		return ""
	}
	if _, err := time.Parse("20060102T150405Z", stamp); err != nil {
		return ""
	}
	if name := runIDSuffix.ReplaceAllString(rest, ""); name != "" {
		return name
	}
	return rest
}
