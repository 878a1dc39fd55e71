package experiments

import (
	"reflect"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		name string
		exp  Experiment
		want []record.Config
	}{
		{"cartesian product in cpus, memory, replicas order",
			Experiment{Matrix: Matrix{CPUs: []float64{0.5, 1}, Memory: []record.Bytes{512 << 20}, Replicas: []int{1, 2}}},
			[]record.Config{
				{Name: "cpu0.5-mem512m-x1", CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 1},
				{Name: "cpu0.5-mem512m-x2", CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 2},
				{Name: "cpu1-mem512m-x1", CPUs: 1, MemoryBytes: 512 << 20, Replicas: 1},
				{Name: "cpu1-mem512m-x2", CPUs: 1, MemoryBytes: 512 << 20, Replicas: 2},
			}},
		{"missing axes are unlimited and one replica",
			Experiment{Matrix: Matrix{CPUs: []float64{2}}},
			[]record.Config{{Name: "cpu2-meminf-x1", CPUs: 2, Replicas: 1}}},
		{"explicit configs keep their names and follow the matrix",
			Experiment{Matrix: Matrix{Replicas: []int{3}}, Configs: []record.Config{{Name: "big", CPUs: 4, MemoryBytes: 1 << 30}, {CPUs: 0.25}}},
			[]record.Config{
				{Name: "cpuinf-meminf-x3", Replicas: 3},
				{Name: "big", CPUs: 4, MemoryBytes: 1 << 30, Replicas: 1},
				{Name: "cpu0.25-meminf-x1", CPUs: 0.25, Replicas: 1},
			}},
		{"nothing given is one unlimited configuration", Experiment{},
			[]record.Config{{Name: "cpuinf-meminf-x1", Replicas: 1}}},
		{"running URLs are one configuration with a replica per URL",
			Experiment{Target: Target{URLs: []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}}},
			[]record.Config{{Name: "url", Replicas: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.exp.Expand(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Expand() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
