package docker

import (
	"math"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/loadlab/loadlab/record"
)

func TestResources(t *testing.T) {
	tests := []struct {
		name    string
		limits  record.Config
		want    container.Resources
		wantErr []string // substrings; all must appear
	}{
		{"unlimited", record.Config{}, container.Resources{}, nil},
		{"half core 512MiB", record.Config{CPUs: 0.5, MemoryBytes: 512 << 20},
			container.Resources{NanoCPUs: 500_000_000, Memory: 512 << 20, MemorySwap: 512 << 20}, nil},
		{"two cores 1GiB", record.Config{CPUs: 2, MemoryBytes: 1 << 30},
			container.Resources{NanoCPUs: 2_000_000_000, Memory: 1 << 30, MemorySwap: 1 << 30}, nil},
		{"quarter core, no memory limit", record.Config{CPUs: 0.25},
			container.Resources{NanoCPUs: 250_000_000}, nil},
		{"float noise rounds", record.Config{CPUs: 0.1 + 0.2},
			container.Resources{NanoCPUs: 300_000_000}, nil},
		{"minimum memory", record.Config{MemoryBytes: 6 << 20},
			container.Resources{Memory: 6 << 20, MemorySwap: 6 << 20}, nil},
		{"negative cpus", record.Config{Name: "bad", CPUs: -1}, container.Resources{}, []string{`"bad"`, "cpus -1"}},
		{"NaN cpus", record.Config{CPUs: math.NaN()}, container.Resources{}, []string{"cpus NaN"}},
		{"tiny cpus", record.Config{CPUs: 0.001}, container.Resources{}, []string{"at least 0.01"}},
		{"memory below 6MiB", record.Config{MemoryBytes: 1 << 20}, container.Resources{}, []string{"at least 6 MiB"}},
		{"all problems joined", record.Config{CPUs: -0.5, MemoryBytes: -1}, container.Resources{},
			[]string{"cpus -0.5", "memory -1 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resources(tt.limits)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Resources(%+v) = %+v, want error", tt.limits, got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Resources(%+v): %v", tt.limits, err)
			}
			if got.NanoCPUs != tt.want.NanoCPUs || got.Memory != tt.want.Memory || got.MemorySwap != tt.want.MemorySwap {
				t.Errorf("Resources(%+v) = NanoCPUs %d Memory %d MemorySwap %d, want %d %d %d", tt.limits,
					got.NanoCPUs, got.Memory, got.MemorySwap, tt.want.NanoCPUs, tt.want.Memory, tt.want.MemorySwap)
			}
		})
	}
}
