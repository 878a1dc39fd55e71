package record

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"gopkg.in/yaml.v3"
)

// Config is one configuration of an experiment, and the one type for it:
// the experiment file decodes its configs (name, cpus, memory, replicas)
// into it, the runtime deploys it (runtime.Spec.Config), and every step
// record and plan.json carry it (JSON: name, cpus, memory_bytes, replicas,
// runtime, approximate; a contract, see the package comment). CPUs and
// MemoryBytes are per replica; zero means unlimited.
type Config struct {
	Name        string  `json:"name" yaml:"name,omitempty"`
	CPUs        float64 `json:"cpus" yaml:"cpus,omitempty"`           // cores per replica; 0 = unlimited
	MemoryBytes Bytes   `json:"memory_bytes" yaml:"memory,omitempty"` // per replica; 0 = unlimited
	Replicas    int     `json:"replicas" yaml:"replicas,omitempty"`   // 0 in a file means 1
	Runtime     string  `json:"runtime" yaml:"-"`                     // docker, local, url or swarm
	// Publish is how the swarm runtime published the replicas' port:
	// "host" (each task's own port on its node's address) or "ingress"
	// (the routing mesh on 127.0.0.1); empty for the other runtimes.
	Publish string `json:"publish,omitempty" yaml:"-"`
	// Approximate is true when limits are emulated (local runtime).
	Approximate bool `json:"approximate,omitempty" yaml:"-"`
	// Version is VersionChampion or VersionChallenger in a
	// champion/challenger experiment, whose Name is then
	// "<configuration>@<version>"; empty otherwise.
	Version string `json:"version,omitempty" yaml:"-"`
}

// The versions of a champion/challenger experiment (Config.Version).
const (
	VersionChampion   = "champion"
	VersionChallenger = "challenger"
)

// BaseName is the configuration's name without its version's "@<version>"
// suffix; Name itself when it has no Version.
func (c Config) BaseName() string {
	if c.Version == "" {
		return c.Name
	}
	return strings.TrimSuffix(c.Name, "@"+c.Version)
}

// AutoName names a configuration after its limits: cpu0.5-mem512m-x2;
// unlimited axes are written "cpuinf" / "meminf", and zero replicas count
// as one.
func (c Config) AutoName() string {
	cpu := "cpuinf"
	if c.CPUs > 0 {
		cpu = "cpu" + strconv.FormatFloat(c.CPUs, 'f', -1, 64)
	}
	mem := "meminf"
	if c.MemoryBytes > 0 {
		mem = "mem" + c.MemoryBytes.String()
	}
	return fmt.Sprintf("%s-%s-x%d", cpu, mem, max(c.Replicas, 1))
}

// Describe renders the configuration for sentences and logs:
// "2 replicas × 1 CPU × 1 GiB", "1 replica × 0.5 CPU × 512 MiB".
func (c Config) Describe() string {
	return ReplicasText(max(c.Replicas, 1)) + " × " + c.Limits(" × ")
}

// ReplicasText is a replica count for sentences: "1 replica", "2 replicas".
func ReplicasText(n int) string {
	if n == 1 {
		return "1 replica"
	}
	return strconv.Itoa(n) + " replicas"
}

// Limits renders the per-replica limits joined by sep: "1 CPU × 1 GiB",
// "unlimited CPU / unlimited memory".
func (c Config) Limits(sep string) string {
	cpu := "unlimited CPU"
	if c.CPUs > 0 {
		cpu = FormatCPUs(c.CPUs)
	}
	mem := "unlimited memory"
	if c.MemoryBytes > 0 {
		mem = FormatBytes(float64(c.MemoryBytes))
	}
	return cpu + sep + mem
}

// FormatCPUs renders a CPU count to two decimals at most: "0.5 CPU",
// "1 CPU", "2 CPUs".
func FormatCPUs(c float64) string {
	s := trimZeros(strconv.FormatFloat(c, 'f', 2, 64))
	if c > 1 {
		return s + " CPUs"
	}
	return s + " CPU"
}

// FormatBytes renders a size in bytes in binary units for people: GiB to
// two decimals, MiB, KiB and bytes to whole numbers ("512 MiB", "1 GiB",
// "1.5 GiB"). It is the one human byte formatter (reports, logs).
func FormatBytes(b float64) string {
	const kib, mib, gib = 1 << 10, 1 << 20, 1 << 30
	switch {
	case b >= gib:
		return trimZeros(strconv.FormatFloat(b/gib, 'f', 2, 64)) + " GiB"
	case b >= mib:
		return strconv.FormatFloat(b/mib, 'f', 0, 64) + " MiB"
	case b >= kib:
		return strconv.FormatFloat(b/kib, 'f', 0, 64) + " KiB"
	}
	return strconv.FormatFloat(b, 'f', 0, 64) + " B"
}

// trimZeros drops the trailing zeros of a decimal ("1.50" → "1.5", "2.00" → "2").
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// Bytes is a memory size in bytes. In JSON it is a plain integer; in YAML
// and flags it is written as Docker's go-units reads RAM sizes (RAMInBytes):
// a number of bytes, or a number with a binary suffix k, m, g, t or p
// (optionally followed by "b" or "ib", any case), e.g. 512m, 1g, 1.5GiB, 1t.
type Bytes int64

// ParseBytes parses a memory size such as "512m", "1g", "1t", "1GiB" or
// "1048576"; a fraction of a byte is dropped, but a size that is less
// than one byte without being 0 is refused rather than read as 0, which
// means unlimited.
func ParseBytes(s string) (Bytes, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty memory size (use e.g. 512m or 1g)")
	}
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("memory size %q is negative", s)
	}
	v, err := units.RAMInBytes(t)
	if err != nil {
		return 0, fmt.Errorf("memory size %q is not a number with an optional k, m, g or t suffix (e.g. 512m, 1g)", s)
	}
	// A size beyond int64 converts to a wrapped or saturated value.
	if v < 0 || v > math.MaxInt64/2 {
		return 0, fmt.Errorf("memory size %q is too large", s)
	}
	if v == 0 && strings.ContainsAny(strings.TrimLeft(t, "0.+"), "123456789") {
		return 0, fmt.Errorf("memory size %q is less than one byte (0 means unlimited; Docker's minimum is 6m)", s)
	}
	return Bytes(v), nil
}

// UnmarshalYAML accepts a plain integer (bytes) or a string with a suffix.
func (b *Bytes) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: memory must be a size such as 512m or 1g", n.Line)
	}
	v, err := ParseBytes(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = v
	return nil
}

// MarshalYAML writes the size in its shortest exact form (1g, 512m, 1000).
func (b Bytes) MarshalYAML() (any, error) { return b.String(), nil }

// String renders the size in its shortest exact form that ParseBytes
// reads back, in g, m or k: 1g, 512m, 64k, 1024g (for 1t) or a plain byte
// count. Configuration names are made of it (Config.AutoName).
func (b Bytes) String() string {
	switch {
	case b == 0:
		return "0"
	case b%(1<<30) == 0:
		return strconv.FormatInt(int64(b)>>30, 10) + "g"
	case b%(1<<20) == 0:
		return strconv.FormatInt(int64(b)>>20, 10) + "m"
	case b%(1<<10) == 0:
		return strconv.FormatInt(int64(b)>>10, 10) + "k"
	}
	return strconv.FormatInt(int64(b), 10)
}
