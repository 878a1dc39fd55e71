package swarm

import (
	"strings"
	"testing"
	"time"

	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// TestCheckSwarm: an engine outside swarm mode is refused with the
// command that enables it; a worker and a broken swarm say what to do.
// (The real engine cannot leave the swarm the other tests use, so the
// decision is tested on the Info it is made from.)
func TestCheckSwarm(t *testing.T) {
	for _, tc := range []struct {
		name string
		info apiswarm.Info
		want string // "" means accepted
	}{
		{"inactive", apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateInactive}, "docker swarm init --advertise-addr"},
		{"unset", apiswarm.Info{}, "not in swarm mode"},
		{"pending", apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStatePending}, `swarm state "pending"`},
		{"error", apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateError, Error: "cert expired"}, "cert expired"},
		{"worker", apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateActive}, "swarm worker: run loadlab on a manager"},
		{"manager", apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateActive, ControlAvailable: true}, ""},
	} {
		err := CheckSwarm(system.Info{Name: "vm", Swarm: tc.info})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}

// TestServiceSpec: the service of a configuration, field by field.
func TestServiceSpec(t *testing.T) {
	spec := runtime.Spec{RunID: "r", Config: record.Config{Name: "c", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 3},
		Env: map[string]string{"B": "2", "A": "1"}, Command: []string{"/app", "serve", "-v"}}
	res, err := validate(spec)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{LabelRun: "r", LabelConfig: "c"}
	s := serviceSpec("svc", spec, docker.Image{Ref: "img:1", Port: 8000, Reference: true}, res,
		Options{Constraints: []string{"node.role==worker"}, MaxReplicasPerNode: 1}, labels)
	tt := s.TaskTemplate
	if *s.Mode.Replicated.Replicas != 3 || s.Name != "svc" || s.Labels[LabelRun] != "r" || tt.ContainerSpec.Labels[LabelConfig] != "c" {
		t.Errorf("mode/name/labels: %+v", s)
	}
	if l := tt.Resources.Limits; l.NanoCPUs != 500_000_000 || l.MemoryBytes != 64<<20 {
		t.Errorf("limits %+v", l)
	}
	if rp := tt.RestartPolicy; rp.Condition != apiswarm.RestartPolicyConditionOnFailure || *rp.Delay != restartDelay {
		t.Errorf("restart policy %+v", rp)
	}
	if p := tt.Placement; p.MaxReplicas != 1 || len(p.Constraints) != 1 || p.Constraints[0] != "node.role==worker" {
		t.Errorf("placement %+v", p)
	}
	if c := tt.ContainerSpec; strings.Join(c.Env, ",") != "A=1,B=2" || strings.Join(c.Command, " ") != "/app" || strings.Join(c.Args, " ") != "serve -v" ||
		!c.ReadOnly || c.CapabilityDrop[0] != "ALL" || c.Healthcheck.Test[0] != "NONE" {
		t.Errorf("container spec %+v", c)
	}
	p := s.EndpointSpec.Ports[0]
	if p.PublishMode != apiswarm.PortConfigPublishModeHost || p.PublishedPort != 0 || p.TargetPort != 8000 {
		t.Errorf("port %+v: want host mode, dynamic port, target 8000", p)
	}
	unlimited := serviceSpec("svc", runtime.Spec{Config: record.Config{Replicas: 1}}, docker.Image{Ref: "i", Port: 80}, res, Options{Publish: PublishIngress}, nil)
	if unlimited.TaskTemplate.Placement != nil || unlimited.EndpointSpec.Ports[0].PublishMode != apiswarm.PortConfigPublishModeIngress {
		t.Errorf("ingress, no placement: %+v", unlimited)
	}
	if _, err := validate(runtime.Spec{Config: record.Config{CPUs: 0.001}}); err == nil ||
		!strings.Contains(err.Error(), "RunID") || !strings.Contains(err.Error(), "Replicas 0") || !strings.Contains(err.Error(), "0.01 cores") {
		t.Errorf("validate of an empty spec: %v", err)
	}
}

func TestServiceName(t *testing.T) {
	long := serviceName("20261122T120000Z-a-very-long-experiment-name-3fa9c2", "cpu0.25-mem512m-x2", "abcdef")
	if len(long) > maxServiceName || !strings.HasSuffix(long, "-abcdef") || !strings.HasPrefix(long, "loadlab-20261122t120000z-") {
		t.Errorf("serviceName = %q (%d)", long, len(long))
	}
	if got := serviceName("R_1", "cpu0.5", "0a0b0c"); got != "loadlab-r-1-cpu0-5-0a0b0c" {
		t.Errorf("serviceName = %q", got)
	}
}

func TestOptionsCheck(t *testing.T) {
	err := Options{Publish: "mesh", Constraints: []string{"worker"}, NodeEngines: map[string]string{"n2": "/run/x.sock"}}.Check()
	for _, want := range []string{`publish "mesh"`, `constraint "worker"`, `node_engines.n2 "/run/x.sock"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check: %v, want %q", err, want)
		}
	}
	if err := (Options{NodeEngines: map[string]string{"n2": "unix:///run/docker-n2.sock"}}).Check(); err != nil {
		t.Error(err)
	}
}

// TestTaskOf: a running task's URL is its node's swarm address, on the
// manager's node too (agents on other nodes must reach it; 127.0.0.1 only
// when the manager's address is unknown), the mesh's port with ingress; a
// task without a port or not running has none.
func TestTaskOf(t *testing.T) {
	nodes := map[string]apiswarm.Node{
		"n1": {ID: "n1", Description: apiswarm.NodeDescription{Hostname: "vm"}, Status: apiswarm.NodeStatus{Addr: "10.213.0.1"}},
		"n2": {ID: "n2", Description: apiswarm.NodeDescription{Hostname: "n2"}, Status: apiswarm.NodeStatus{Addr: "10.213.0.2"}},
		"n3": {ID: "n3", Description: apiswarm.NodeDescription{Hostname: "n3"}, Status: apiswarm.NodeStatus{Addr: "0.0.0.0"}},
	}
	ports := apiswarm.PortStatus{Ports: []apiswarm.PortConfig{{TargetPort: 8000, PublishedPort: 32768, PublishMode: apiswarm.PortConfigPublishModeHost}}}
	mk := func(node string, st apiswarm.TaskState, ps apiswarm.PortStatus) apiswarm.Task {
		return apiswarm.Task{ID: "t", Slot: 1, NodeID: node, DesiredState: apiswarm.TaskStateRunning,
			Status: apiswarm.TaskStatus{State: st, PortStatus: ps, Timestamp: time.Unix(1, 0)}}
	}
	host := endpoint{publish: PublishHost, targetPort: 8000, localNode: "n1"}
	for _, tc := range []struct {
		name string
		t    apiswarm.Task
		ep   endpoint
		url  string
	}{
		{"local", mk("n1", apiswarm.TaskStateRunning, ports), host, "http://10.213.0.1:32768"},
		{"local, address unknown", mk("n3", apiswarm.TaskStateRunning, ports), endpoint{publish: PublishHost, targetPort: 8000, localNode: "n3"}, "http://127.0.0.1:32768"},
		{"remote, address unknown", mk("n3", apiswarm.TaskStateRunning, ports), host, ""},
		{"remote", mk("n2", apiswarm.TaskStateRunning, ports), host, "http://10.213.0.2:32768"},
		{"starting", mk("n1", apiswarm.TaskStateStarting, ports), host, ""},
		{"no port yet", mk("n1", apiswarm.TaskStateRunning, apiswarm.PortStatus{}), host, ""},
		{"unknown node", mk("n9", apiswarm.TaskStateRunning, ports), host, ""},
		{"ingress", mk("n2", apiswarm.TaskStateRunning, apiswarm.PortStatus{}), endpoint{publish: PublishIngress, targetPort: 8000, ingressPort: 30001, localNode: "n1"}, "http://127.0.0.1:30001"},
	} {
		if got := taskOf(tc.t, nodes, tc.ep).url; got != tc.url {
			t.Errorf("%s: url %q, want %q", tc.name, got, tc.url)
		}
	}
	if w := taskOf(mk("n2", apiswarm.TaskStatePending, ports), nodes, host).where(); w != "task t (slot 1) on node n2" {
		t.Errorf("where = %q", w)
	}
	// Two nodes of one hostname (the lab's) are told apart by node ID.
	twins := map[string]apiswarm.Node{
		"aaaaaaaaaaaaaaaaaaaaaaaaa": {Description: apiswarm.NodeDescription{Hostname: "vm"}},
		"bbbbbbbbbbbbbbbbbbbbbbbbb": {Description: apiswarm.NodeDescription{Hostname: "vm"}},
	}
	if w := taskOf(mk("bbbbbbbbbbbbbbbbbbbbbbbbb", apiswarm.TaskStatePending, ports), twins, host).where(); w != "task t (slot 1) on node vm/bbbbbbbbbbbb" {
		t.Errorf("where on a shared hostname = %q", w)
	}
	if w := taskOf(mk("n9", apiswarm.TaskStatePending, ports), nodes, host).where(); w != "task t (slot 1) on node n9" {
		t.Errorf("where on an unknown node = %q", w)
	}
}

func TestImageHint(t *testing.T) {
	tk := task{hostname: "n2", image: "loadlab/reference-api:dev", message: `No such image: loadlab/reference-api:dev`}
	if h := imageHint(tk); !strings.Contains(h, "name node n2's engine in swarm.node_engines") || !strings.Contains(h, "load it by hand (docker save loadlab/reference-api:dev | docker -H") {
		t.Errorf("hint %q", h)
	}
	if h := imageHint(task{message: "task: non-zero exit (1)"}); h != "" {
		t.Errorf("hint for an exit: %q", h)
	}
}
