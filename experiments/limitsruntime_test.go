package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// limitsRuntime deploys, per replica, a loopback server whose capacity
// grows with its configuration's CPU limit: it serves up to CPUs × 100
// open connections (one per user: users are pinned to a replica) in about
// 1 ms a request, and every request in 200 ms while more are open. So
// the smallest CPU per replica that serves u users on r replicas is
// ceil(u / r) / 100.
type limitsRuntime struct {
	live atomic.Int32
	mu   sync.Mutex
	// deployed lists every configuration deployed, in order.
	deployed []record.Config
	// failAll makes every deploy fail.
	failAll bool
}

func (f *limitsRuntime) Name() string      { return "limits" }
func (f *limitsRuntime) Approximate() bool { return false }

func (f *limitsRuntime) Deploy(ctx context.Context, spec runtime.Spec) (runtime.Deployment, error) {
	f.mu.Lock()
	f.deployed = append(f.deployed, spec.Config)
	f.mu.Unlock()
	if f.failAll {
		return nil, errors.New("replica 1 exited with code 1: out of memory at start")
	}
	capacity := int64(math.Round(spec.Config.CPUs * 100))
	d := &limitsDeployment{rt: f, cfg: spec.Config}
	for i := 0; i < spec.Config.Replicas; i++ {
		var conns atomic.Int64
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d.requests.Add(1)
			delay := time.Millisecond
			if conns.Load() > capacity {
				delay = 200 * time.Millisecond
			}
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"conversion_probability":0.5}`))
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				conns.Add(-1)
			}
		}
		srv.Start()
		d.servers = append(d.servers, srv)
	}
	f.live.Add(1)
	return d, nil
}

type limitsDeployment struct {
	rt       *limitsRuntime
	cfg      record.Config
	servers  []*httptest.Server
	requests atomic.Int64
	once     sync.Once
}

func (d *limitsDeployment) URLs() []string {
	var out []string
	for _, s := range d.servers {
		out = append(out, s.URL)
	}
	return out
}

func (d *limitsDeployment) Stats(ctx context.Context) (runtime.Usage, error) {
	u := runtime.Usage{At: time.Now()}
	for i := range d.servers {
		u.Replicas = append(u.Replicas, runtime.ReplicaUsage{
			Name: fmt.Sprintf("%s-%d", d.cfg.Name, i+1), CPUSeconds: float64(d.requests.Load()) / 10000,
			CPULimit: d.cfg.CPUs, MemoryBytes: 20 << 20, MemoryLimit: int64(d.cfg.MemoryBytes),
		})
	}
	return u, nil
}

func (d *limitsDeployment) Events() []record.Event { return nil }

func (d *limitsDeployment) Close(ctx context.Context) error {
	d.once.Do(func() {
		for _, s := range d.servers {
			s.CloseClientConnections()
			s.Close()
		}
		d.rt.live.Add(-1)
	})
	return nil
}
