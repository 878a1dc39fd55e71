package experiments

import (
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// ConnectionsPerPort is how many client connections loadlab sends through
// one published port. Docker's userland proxy (docker-proxy, one process per
// published port) holds six file descriptors per connection — two sockets
// and two splice pipes — and stops accepting for good when it reaches its
// descriptor limit, which is 20,000 on a usual engine: about 3,300
// connections. 2,500 leaves a margin.
const ConnectionsPerPort = 2500

// maxPortsPerReplica bounds the proxies started per replica.
const maxPortsPerReplica = 16

// portsPerReplica is how many host ports each replica needs so that no
// proxy carries more than ConnectionsPerPort of the scenario's connections
// at its peak: users (one connection each), the shared pool, or the
// open-loop worker bound. peak is the most users the run may reach
// beyond the scenario's own ramp (scenarios.PeakUsers: its plan or its
// capacity search's max): a limit search's target_users, whose scenario
// has no levels of its own; 0 when none.
func portsPerReplica(s scenarios.Scenario, replicas, peak int) int {
	conns := 0
	switch {
	case s.Model == record.ModelRate:
		conns = s.MaxWorkers
	case s.Connections == scenarios.ConnShared:
		conns = s.Pool
	default:
		conns = max(peak, s.PeakUsers())
	}
	perReplica := (conns + max(replicas, 1) - 1) / max(replicas, 1)
	ports := (perReplica + ConnectionsPerPort - 1) / ConnectionsPerPort
	return min(max(ports, 1), maxPortsPerReplica)
}
