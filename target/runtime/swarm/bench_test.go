package swarm

import (
	"context"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// BenchmarkDeployTeardown measures the per-configuration overhead of the
// swarm runtime for the reference image, as the docker runtime's
// benchmark of the same name does: deploy to healthy (every task running
// and answering /health) and teardown (service removed, its containers
// gone), as deploy-s/op and teardown-s/op. The image is built before the
// timer starts.
//
//	go test -run '^$' -bench DeployTeardown -benchtime 3x ./target/runtime/swarm
func BenchmarkDeployTeardown(b *testing.B) {
	r := engine(b)
	for _, l := range []record.Config{
		{Name: "cpu0.5-mem512m-x1", CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 1},
		{Name: "cpu1-mem1g-x2", CPUs: 1, MemoryBytes: 1 << 30, Replicas: 2},
	} {
		b.Run(l.Name, func(b *testing.B) {
			spec := newSpec(b, l)
			ctx := context.Background()
			if _, err := r.engine.ResolveImage(ctx, spec); err != nil {
				b.Fatal(err)
			}
			var deploy, teardown time.Duration
			for b.Loop() {
				start := time.Now()
				d, err := r.Deploy(ctx, spec)
				if err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				if err := d.Close(ctx); err != nil {
					b.Fatal(err)
				}
				deploy += mid.Sub(start)
				teardown += time.Since(mid)
			}
			b.ReportMetric(deploy.Seconds()/float64(b.N), "deploy-s/op")
			b.ReportMetric(teardown.Seconds()/float64(b.N), "teardown-s/op")
			if left, err := r.leftovers(ctx, spec.RunID, nil); err != nil || len(left) > 0 {
				b.Errorf("leftovers: %v %v", left, err)
			}
		})
	}
}
