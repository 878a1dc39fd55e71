package docker

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/loadlab/loadlab/record"
)

// TestObserve maps engine events as Docker 20.10 sends them (an oom, then
// a die with exitCode 137) onto record events, and ignores what happens
// once Close has begun.
func TestObserve(t *testing.T) {
	d := &Deployment{dead: map[string]record.Event{}, ooms: map[string]int{}, oomAt: map[string]time.Time{}}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	msg := func(action events.Action, name string, attrs map[string]string, sec int) events.Message {
		a := map[string]string{"name": name}
		for k, v := range attrs {
			a[k] = v
		}
		return events.Message{Type: events.ContainerEventType, Action: action,
			Actor: events.Actor{ID: "abc", Attributes: a}, TimeNano: at.Add(time.Duration(sec) * time.Second).UnixNano()}
	}
	d.observe(msg(events.ActionOOM, "r1", nil, 1))
	d.observe(msg(events.ActionDie, "r1", map[string]string{"exitCode": "137"}, 2))
	d.observe(msg(events.ActionDie, "r2", map[string]string{"exitCode": "1"}, 3))
	d.observe(msg(events.ActionRestart, "r2", nil, 4))
	d.observe(msg(events.ActionKill, "r2", nil, 5)) // not a recorded kind

	want := []record.Event{
		{Time: at.Add(1 * time.Second), Replica: "r1", Kind: KindOOM, OOMKilled: true},
		{Time: at.Add(2 * time.Second), Replica: "r1", Kind: KindExit, ExitCode: 137, OOMKilled: true},
		{Time: at.Add(3 * time.Second), Replica: "r2", Kind: KindExit, ExitCode: 1},
		{Time: at.Add(4 * time.Second), Replica: "r2", Kind: KindRestart},
	}
	got := d.Events()
	if len(got) != len(want) {
		t.Fatalf("Events() = %+v, want %d events", got, len(want))
	}
	for i := range want {
		g := got[i]
		g.Message = ""
		if g != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
		if got[i].Message == "" {
			t.Errorf("event %d has no message", i)
		}
	}
	if err := d.exited("r1"); err == nil || err.Error() != "container was OOM-killed (exit code 137)" {
		t.Errorf("exited(r1) = %v", err)
	}
	if err := d.exited("r2"); err != nil {
		t.Errorf("exited(r2) after its restart = %v, want nil", err)
	}
	if d.ooms["r1"] != 1 {
		t.Errorf("OOM count of r1 = %d", d.ooms["r1"])
	}

	d.closing = true
	d.observe(msg(events.ActionDie, "r2", map[string]string{"exitCode": "137"}, 6))
	if n := len(d.Events()); n != len(want) {
		t.Errorf("an exit during Close was recorded (%d events)", n)
	}
}

// TestObserveOOMDedup: one kernel OOM kill counts once however many oom
// events the engine sends for it (cgroup v1 can send two, before or after
// the die event), while OOM kills in different container lives, or far
// apart in one life (a worker process killed twice), count separately.
func TestObserveOOMDedup(t *testing.T) {
	type ev struct {
		action events.Action
		ms     int    // milliseconds after the first event
		exit   string // die only
	}
	type exit struct {
		code      int
		oomKilled bool
	}
	cases := []struct {
		name  string
		in    []ev
		ooms  int
		kinds []string
		exits []exit
	}{
		{
			name:  "cgroup v2: one oom then die",
			in:    []ev{{events.ActionOOM, 0, ""}, {events.ActionDie, 15, "137"}},
			ooms:  1,
			kinds: []string{KindOOM, KindExit},
			exits: []exit{{137, true}},
		},
		{
			name:  "cgroup v1: two ooms then die",
			in:    []ev{{events.ActionOOM, 0, ""}, {events.ActionOOM, 3, ""}, {events.ActionDie, 20, "137"}},
			ooms:  1,
			kinds: []string{KindOOM, KindExit},
			exits: []exit{{137, true}},
		},
		{
			name:  "cgroup v1: oom, die, duplicate oom",
			in:    []ev{{events.ActionOOM, 0, ""}, {events.ActionDie, 10, "137"}, {events.ActionOOM, 12, ""}},
			ooms:  1,
			kinds: []string{KindOOM, KindExit},
			exits: []exit{{137, true}},
		},
		{
			name:  "oom only after the die marks the exit",
			in:    []ev{{events.ActionDie, 0, "137"}, {events.ActionOOM, 4, ""}},
			ooms:  1,
			kinds: []string{KindExit, KindOOM},
			exits: []exit{{137, true}},
		},
		{
			name:  "kill without oom",
			in:    []ev{{events.ActionDie, 0, "137"}},
			ooms:  0,
			kinds: []string{KindExit},
			exits: []exit{{137, false}},
		},
		{
			name: "oom kill, start again, oom kill again",
			in: []ev{{events.ActionOOM, 0, ""}, {events.ActionDie, 5, "137"}, {events.ActionStart, 100, ""},
				{events.ActionOOM, 300, ""}, {events.ActionOOM, 302, ""}, {events.ActionDie, 310, "137"}},
			ooms:  2,
			kinds: []string{KindOOM, KindExit, KindOOM, KindExit},
			exits: []exit{{137, true}, {137, true}},
		},
		{
			name: "restart after an oom kill, then a plain kill",
			in: []ev{{events.ActionOOM, 0, ""}, {events.ActionDie, 5, "137"}, {events.ActionRestart, 2000, ""},
				{events.ActionDie, 3000, "137"}},
			ooms:  1,
			kinds: []string{KindOOM, KindExit, KindRestart, KindExit},
			exits: []exit{{137, true}, {137, false}},
		},
		{
			name:  "worker killed twice seconds apart, container survives",
			in:    []ev{{events.ActionOOM, 0, ""}, {events.ActionOOM, 5000, ""}},
			ooms:  2,
			kinds: []string{KindOOM, KindOOM},
		},
		{
			name:  "crash is not an OOM kill",
			in:    []ev{{events.ActionOOM, 0, ""}, {events.ActionDie, 50, "1"}},
			ooms:  1,
			kinds: []string{KindOOM, KindExit},
			exits: []exit{{1, false}},
		},
	}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Deployment{dead: map[string]record.Event{}, ooms: map[string]int{}, oomAt: map[string]time.Time{}}
			for _, e := range c.in {
				attrs := map[string]string{"name": "/r1"}
				if e.exit != "" {
					attrs["exitCode"] = e.exit
				}
				d.observe(events.Message{Type: events.ContainerEventType, Action: e.action,
					Actor:    events.Actor{ID: "abc", Attributes: attrs},
					TimeNano: at.Add(time.Duration(e.ms) * time.Millisecond).UnixNano()})
			}
			if d.ooms["r1"] != c.ooms {
				t.Errorf("OOM kills = %d, want %d", d.ooms["r1"], c.ooms)
			}
			var kinds []string
			var exits []exit
			for _, e := range d.Events() {
				kinds = append(kinds, e.Kind)
				if e.Kind == KindExit {
					exits = append(exits, exit{e.ExitCode, e.OOMKilled})
					if e.OOMKilled != strings.Contains(e.Message, "OOM killed") {
						t.Errorf("exit message %q disagrees with OOMKilled=%v", e.Message, e.OOMKilled)
					}
				}
				if e.Replica != "r1" {
					t.Errorf("event replica %q, want r1", e.Replica)
				}
			}
			if !slices.Equal(kinds, c.kinds) {
				t.Errorf("event kinds = %v, want %v", kinds, c.kinds)
			}
			if !slices.Equal(exits, c.exits) {
				t.Errorf("exits = %v, want %v", exits, c.exits)
			}
		})
	}
}
