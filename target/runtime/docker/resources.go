package docker

import (
	"errors"
	"fmt"
	"math"

	"github.com/docker/docker/api/types/container"
	"github.com/loadlab/loadlab/record"
)

// The smallest limits the Docker engine accepts: 6 MiB of memory and
// 0.01 cores (10,000,000 NanoCPUs); smaller limits are rejected before any
// container is created, and experiment files are validated against them.
const (
	MinMemoryBytes = 6 << 20
	MinCPUs        = 0.01
)

// Resources converts a configuration's typed limits into the engine's
// per-container resources: CPUs (cores, float) become NanoCPUs (1e-9 cores,
// rounded to the nearest), MemoryBytes becomes Memory, and MemorySwap is set
// equal to Memory so a replica cannot swap past its limit. Zero means
// unlimited and leaves the field zero. Every problem is reported, joined.
func Resources(l record.Config) (container.Resources, error) {
	var errs []error
	if math.IsNaN(l.CPUs) || math.IsInf(l.CPUs, 0) || l.CPUs < 0 {
		errs = append(errs, fmt.Errorf("cpus %v: must be 0 (unlimited) or a positive number of cores", l.CPUs))
	}
	var nano int64
	if len(errs) == 0 && l.CPUs > 0 {
		nano = int64(math.Round(l.CPUs * 1e9))
		if nano < int64(math.Round(MinCPUs*1e9)) {
			errs = append(errs, fmt.Errorf("cpus %v: the engine needs at least %v cores", l.CPUs, MinCPUs))
		}
	}
	if l.MemoryBytes < 0 {
		errs = append(errs, fmt.Errorf("memory %d bytes: must be 0 (unlimited) or positive", l.MemoryBytes))
	} else if l.MemoryBytes > 0 && l.MemoryBytes < MinMemoryBytes {
		errs = append(errs, fmt.Errorf("memory %d bytes: the engine needs at least 6 MiB (%d bytes)", l.MemoryBytes, MinMemoryBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return container.Resources{}, fmt.Errorf("limits of configuration %q: %w", l.Name, err)
	}
	return container.Resources{
		NanoCPUs:   nano,
		Memory:     int64(l.MemoryBytes),
		MemorySwap: int64(l.MemoryBytes),
	}, nil
}
