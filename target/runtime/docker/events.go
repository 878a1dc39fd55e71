package docker

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/loadlab/loadlab/record"
)

// Event kinds recorded from the engine (see record.Event.Kind).
const (
	KindOOM     = record.EventOOM
	KindExit    = record.EventExit
	KindRestart = record.EventRestart
)

// oomDedupWindow is how close together two oom events of one container
// life must be to be the same kill. On cgroup v1 the engine can report one
// kernel OOM kill as two oom events milliseconds apart (the cgroup's OOM
// notification fires more than once), sometimes one before and one after
// the die event.
const oomDedupWindow = time.Second

// watchEvents follows the engine's container events for this deployment
// (start, die, oom, restart) from since on, until Close. Starts are not
// recorded; they begin a new container life for OOM deduplication.
// Replaying from since closes the gap between subscribing and the first
// container starting.
func (d *Deployment) watchEvents(since time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	d.stopEvents = cancel
	d.eventsDone = make(chan struct{})
	f := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelDeployment+"="+d.labels[LabelDeployment]),
		filters.Arg("event", string(events.ActionDie)),
		filters.Arg("event", string(events.ActionOOM)),
		filters.Arg("event", string(events.ActionRestart)),
		filters.Arg("event", string(events.ActionStart)),
	)
	msgs, errs := d.r.cli.Events(ctx, events.ListOptions{
		Since:   strconv.FormatInt(since.Unix(), 10),
		Filters: f,
	})
	go func() {
		defer close(d.eventsDone)
		for {
			select {
			case m := <-msgs:
				d.observe(m)
			case err := <-errs:
				if ctx.Err() == nil {
					d.evMu.Lock()
					d.eventsErr = err
					d.evMu.Unlock()
				}
				return
			}
		}
	}()
}

// observe turns one engine event into a record.Event. Events that happen
// while the deployment is being removed are not recorded.
//
// One kernel OOM kill is one oom event and one OOMKills count: an oom
// event of the same container life (no start or restart since) within
// oomDedupWindow of the last one counted is a duplicate and dropped. An
// exit with code 137 is OOMKilled when an oom was counted in that life,
// including one that arrives just after the die event.
func (d *Deployment) observe(m events.Message) {
	name := strings.TrimPrefix(m.Actor.Attributes["name"], "/")
	ev := record.Event{Time: time.Unix(0, m.TimeNano).UTC(), Replica: name}
	d.evMu.Lock()
	defer d.evMu.Unlock()
	if d.closing {
		return
	}
	switch m.Action {
	case events.ActionOOM:
		if last, ok := d.oomAt[name]; ok && ev.Time.Sub(last) < oomDedupWindow {
			return
		}
		ev.Kind, ev.OOMKilled = KindOOM, true
		ev.Message = "killed by the kernel OOM killer (memory limit reached)"
		d.ooms[name]++
		d.oomAt[name] = ev.Time
		d.markExitOOM(name, ev.Time)
	case events.ActionDie:
		ev.Kind = KindExit
		ev.ExitCode, _ = strconv.Atoi(m.Actor.Attributes["exitCode"])
		_, oomed := d.oomAt[name]
		ev.OOMKilled = oomed && ev.ExitCode == 137
		ev.Message = exitMessage(ev)
		d.dead[name] = ev
	case events.ActionRestart, events.ActionStart:
		// A new life: its OOM kills are new ones.
		delete(d.oomAt, name)
		delete(d.dead, name)
		if m.Action == events.ActionStart {
			return
		}
		ev.Kind = KindRestart
		ev.Message = "container restarted"
	default:
		return
	}
	d.events = append(d.events, ev)
}

// markExitOOM marks the replica's last exit as OOM-killed when an oom
// event arrives after its die event (within oomDedupWindow, code 137).
// A step record that already copied the exit keeps the unmarked copy;
// its oom event still follows in the next step. The caller holds evMu.
func (d *Deployment) markExitOOM(name string, at time.Time) {
	ev, ok := d.dead[name]
	if !ok || ev.OOMKilled || ev.ExitCode != 137 || at.Sub(ev.Time) >= oomDedupWindow {
		return
	}
	for i := len(d.events) - 1; i >= 0; i-- {
		e := &d.events[i]
		if e.Replica == name && e.Kind == KindExit && e.Time.Equal(ev.Time) {
			e.OOMKilled = true
			e.Message = exitMessage(*e)
			d.dead[name] = *e
			return
		}
	}
}

// exitMessage describes an exit event.
func exitMessage(ev record.Event) string {
	msg := "container exited with code " + strconv.Itoa(ev.ExitCode)
	if ev.OOMKilled {
		msg += " (OOM killed)"
	}
	return msg
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
