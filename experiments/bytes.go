package experiments

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Bytes is a memory size in bytes. In YAML and flags it is written like
// Docker's --memory: a number of bytes, or a number with a suffix k, m, g
// (powers of 1024; "kb"/"mib" style suffixes are accepted too), e.g. 512m,
// 1g, 1.5GiB.
type Bytes int64

// ParseBytes parses a memory size such as "512m", "1g", "1GiB" or "1048576".
func ParseBytes(s string) (Bytes, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("empty memory size (use e.g. 512m or 1g)")
	}
	mult := 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{
		{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10},
		{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10},
		{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("memory size %q is not a number with an optional k, m or g suffix (e.g. 512m, 1g)", s)
	}
	if f < 0 {
		return 0, fmt.Errorf("memory size %q is negative", s)
	}
	v := f * mult
	if v > math.MaxInt64/2 {
		return 0, fmt.Errorf("memory size %q is too large", s)
	}
	return Bytes(math.Round(v)), nil
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

// String renders the size in its shortest exact Docker form: 1g, 512m, 64k
// or a plain byte count.
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

// Human renders the size for reports: "512 MiB", "1 GiB", "1.5 GiB".
func (b Bytes) Human() string {
	switch {
	case b >= 1<<30:
		return trimFloat(float64(b)/(1<<30)) + " GiB"
	case b >= 1<<20:
		return trimFloat(float64(b)/(1<<20)) + " MiB"
	case b >= 1<<10:
		return trimFloat(float64(b)/(1<<10)) + " KiB"
	}
	return strconv.FormatInt(int64(b), 10) + " B"
}

func trimFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
