package docker

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// logLines is how many of a failing replica's last log lines its error
// carries.
const logLines = 20

// logTail returns the replica's last log lines formatted for an error
// message ("\nlast log lines of <name>:\n  ..."), or "" when there are
// none. It runs on a fresh short context: it is called on failure paths,
// often after ctx was cancelled.
func (d *Deployment) logTail(ctx context.Context, rep *replica) string {
	d.mu.Lock()
	id := rep.id
	d.mu.Unlock()
	if id == "" {
		return ""
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	lines, err := d.r.lastLogLines(lctx, id, logLines)
	if err != nil {
		return "\n(could not read the container's logs: " + err.Error() + ")"
	}
	if len(lines) == 0 {
		return "\n(the container wrote no log lines)"
	}
	return "\nlast log lines of " + rep.name + ":\n  " + strings.Join(lines, "\n  ")
}

// lastLogLines reads a container's last n lines of stdout and stderr,
// interleaved as the engine stored them.
func (r *Runtime) lastLogLines(ctx context.Context, id string, n int) ([]string, error) {
	rc, err := r.cli.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n),
	})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	// Containers run without a TTY, so the stream is multiplexed.
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}
