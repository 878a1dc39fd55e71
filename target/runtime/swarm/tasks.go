package swarm

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/pkg/stdcopy"
)

// task is what loadlab needs of one Swarm task: where it runs, how it is
// doing and its base URL once it runs.
type task struct {
	id        string
	slot      int
	nodeID    string
	hostname  string // its node's hostname ("" when the node is unknown)
	shared    bool   // another node of the swarm has the same hostname
	container string // container ID on its node, once created
	state     apiswarm.TaskState
	desired   apiswarm.TaskState
	message   string // Status.Err, else Status.Message
	exitCode  int
	image     string
	created   time.Time
	// url is http://<address>:<port> once the task runs and its port is
	// known: its node's swarm address (reachable from every node, where
	// load generation agents may run; 127.0.0.1 for a task on the
	// manager's node whose address is unknown), or 127.0.0.1 for any task
	// behind the ingress mesh (which answers on every node).
	url string
}

// running reports a task Swarm wants running and that runs.
func (t task) running() bool {
	return t.desired == apiswarm.TaskStateRunning && t.state == apiswarm.TaskStateRunning
}

// failed reports a task that ended by itself: its process failed, Swarm
// rejected it, or its node was lost (orphaned). A task Swarm shut down
// (removal, update, scale) did not.
func (t task) failed() bool {
	return t.state == apiswarm.TaskStateFailed || t.state == apiswarm.TaskStateRejected || t.state == apiswarm.TaskStateOrphaned
}

// ended reports a task in a final state.
func (t task) ended() bool {
	switch t.state {
	case apiswarm.TaskStateComplete, apiswarm.TaskStateShutdown, apiswarm.TaskStateFailed,
		apiswarm.TaskStateRejected, apiswarm.TaskStateOrphaned, apiswarm.TaskStateRemove:
		return true
	}
	return false
}

// nodeName names the task's node for people: its hostname, followed by
// "/" and the first 12 characters of its node ID when another node shares
// that hostname (the lab's two nodes both run on this machine); its node
// ID when the node is unknown.
func (t task) nodeName() string {
	switch {
	case t.hostname == "":
		return t.nodeID
	case t.shared:
		return fmt.Sprintf("%s/%.12s", t.hostname, t.nodeID)
	}
	return t.hostname
}

// where names the task for errors: "task <id> (slot 2) on node n2".
func (t task) where() string {
	node := t.nodeName()
	if node == "" {
		node = "no node yet"
	} else {
		node = "node " + node
	}
	return fmt.Sprintf("task %.12s (slot %d) on %s", t.id, t.slot, node)
}

// endpoint is how a deployment reaches its tasks.
type endpoint struct {
	publish     string // PublishHost or PublishIngress
	targetPort  uint32 // the API port inside the containers
	ingressPort uint32 // the service's published port (ingress mode)
	localNode   string // the manager's node ID
}

// taskOf converts an engine task; nodes are the swarm's nodes by ID.
func taskOf(t apiswarm.Task, nodes map[string]apiswarm.Node, ep endpoint) task {
	out := task{
		id: t.ID, slot: t.Slot, nodeID: t.NodeID,
		state: t.Status.State, desired: t.DesiredState,
		message: cmp.Or(t.Status.Err, t.Status.Message),
		created: t.CreatedAt,
	}
	if n, ok := nodes[t.NodeID]; ok {
		out.hostname = n.Description.Hostname
		for id, o := range nodes {
			out.shared = out.shared || (id != t.NodeID && o.Description.Hostname == out.hostname)
		}
	}
	if cs := t.Status.ContainerStatus; cs != nil {
		out.container, out.exitCode = cs.ContainerID, cs.ExitCode
	}
	if c := t.Spec.ContainerSpec; c != nil {
		out.image = c.Image
	}
	if t.Status.State != apiswarm.TaskStateRunning {
		return out
	}
	switch {
	case ep.publish == PublishIngress && ep.ingressPort > 0:
		out.url = baseURL("127.0.0.1", ep.ingressPort)
	case ep.publish != PublishIngress:
		for _, p := range t.Status.PortStatus.Ports {
			if p.TargetPort != ep.targetPort || p.PublishedPort == 0 || p.PublishMode != apiswarm.PortConfigPublishModeHost {
				continue
			}
			// The node's swarm address, which every node reaches (load
			// generation agents run on other nodes too); 127.0.0.1 for a
			// task on the manager's node when its address is unknown.
			addr := nodeAddr(nodes[t.NodeID])
			if addr == "" && t.NodeID == ep.localNode {
				addr = "127.0.0.1"
			}
			if addr != "" {
				out.url = baseURL(addr, p.PublishedPort)
			}
			break
		}
	}
	return out
}

// nodeAddr is the address other hosts reach a node at ("" if unknown).
func nodeAddr(n apiswarm.Node) string {
	if a := n.Status.Addr; a != "" && a != "0.0.0.0" {
		return a
	}
	return ""
}

func baseURL(host string, port uint32) string {
	return "http://" + net.JoinHostPort(host, strconv.FormatUint(uint64(port), 10))
}

// sortTasks orders tasks by slot, then oldest first.
func sortTasks(ts []task) {
	slices.SortFunc(ts, func(a, b task) int {
		return cmp.Or(cmp.Compare(a.slot, b.slot), a.created.Compare(b.created), strings.Compare(a.id, b.id))
	})
}

// tasks lists the service's tasks (history included), slot by slot,
// oldest first.
func (d *Deployment) tasks(ctx context.Context) ([]task, error) {
	list, err := d.r.cli.TaskList(ctx, apiswarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", d.serviceID))})
	if err != nil {
		return nil, fmt.Errorf("list tasks of service %s: %w", d.name, err)
	}
	nodes, err := d.nodes(ctx, list)
	if err != nil {
		return nil, err
	}
	ep := d.endpoint()
	if ep.publish == PublishIngress && ep.ingressPort == 0 {
		if ep.ingressPort, err = d.ingressPort(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]task, 0, len(list))
	for _, t := range list {
		out = append(out, taskOf(t, nodes, ep))
	}
	sortTasks(out)
	return out, nil
}

// nodes returns the swarm's nodes by ID, listed again when a task runs on
// a node not seen yet.
func (d *Deployment) nodes(ctx context.Context, list []apiswarm.Task) (map[string]apiswarm.Node, error) {
	d.mu.Lock()
	known := d.nodeCache
	d.mu.Unlock()
	fresh := known != nil
	for _, t := range list {
		if _, ok := known[t.NodeID]; t.NodeID != "" && !ok {
			fresh = false
		}
	}
	if fresh {
		return known, nil
	}
	ns, err := d.r.cli.NodeList(ctx, apiswarm.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list swarm nodes: %w", err)
	}
	m := make(map[string]apiswarm.Node, len(ns))
	for _, n := range ns {
		m[n.ID] = n
	}
	d.mu.Lock()
	d.nodeCache = m
	d.mu.Unlock()
	return m, nil
}

// ingressPort is the port the routing mesh published for the service.
func (d *Deployment) ingressPort(ctx context.Context) (uint32, error) {
	svc, _, err := d.r.cli.ServiceInspectWithRaw(ctx, d.serviceID, apiswarm.ServiceInspectOptions{})
	if err != nil {
		return 0, fmt.Errorf("inspect service %s: %w", d.name, err)
	}
	for _, p := range svc.Endpoint.Ports {
		if p.TargetPort == d.targetPort && p.PublishMode == apiswarm.PortConfigPublishModeIngress && p.PublishedPort > 0 {
			d.mu.Lock()
			d.ingress = p.PublishedPort
			d.mu.Unlock()
			return p.PublishedPort, nil
		}
	}
	return 0, nil
}

// logLines is how many of a failing task's last log lines an error carries.
const logLines = 20

// logTail returns a task's last log lines for an error message, read
// through the manager (Swarm serves any node's task logs), on a fresh
// short context: it runs on failure paths, often after ctx ended.
func (d *Deployment) logTail(ctx context.Context, t task) string {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rc, err := d.r.cli.TaskLogs(lctx, t.id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(logLines)})
	if err != nil {
		return "\n(could not read the task's logs: " + err.Error() + ")"
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil && buf.Len() == 0 {
		return "\n(could not read the task's logs: " + err.Error() + ")"
	}
	var lines []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > logLines {
		lines = lines[len(lines)-logLines:]
	}
	if len(lines) == 0 {
		return "\n(the task wrote no log lines)"
	}
	return fmt.Sprintf("\nlast log lines of task %.12s:\n  %s", t.id, strings.Join(lines, "\n  "))
}
