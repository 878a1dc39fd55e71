package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// TestEventsInAnalysis: every event of a measured step is listed under its
// configuration with the step (offered load, repeat) it was recorded
// with, oldest first, and becomes one warning line unless an exit of the
// same replica in the same step already says it.
func TestEventsInAnalysis(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
	rep := "loadlab-synthetic-cpu1-mem1g-x1-abc123-1"
	ev := func(sec int, kind string, exit int, oom bool) record.Event {
		return record.Event{Time: at.Add(time.Duration(sec) * time.Second), Replica: rep, Kind: kind, ExitCode: exit, OOMKilled: oom, Message: kind + " message"}
	}
	steps := []stepSpec{{users: 500, p95: 100}, {users: 1000, p95: 120}, {users: 1500, p95: 200}, {users: 2000, p95: 300}}
	cases := []struct {
		name     string
		repeats  int
		events   map[int][]record.Event // step index → events, in repeat 0 (and 1)
		noTarget bool
		kinds    []string
		offered  []float64
		warnings []string
		ooms     int
	}{
		{
			name:     "no events",
			repeats:  1,
			warnings: nil,
		},
		{
			name:     "docker kill mid-step",
			repeats:  1,
			events:   map[int][]record.Event{2: {ev(1, "exit", 137, false)}},
			kinds:    []string{"exit"},
			offered:  []float64{1500},
			warnings: []string{"cpu1-mem1g-x1 at 1,500 users: replica " + rep + " exited with code 137"},
		},
		{
			name:     "OOM kill as the docker runtime records it: oom, exit, then a restart",
			repeats:  1,
			events:   map[int][]record.Event{3: {ev(0, "oom", 0, true), ev(1, "exit", 137, true), ev(2, "restart", 0, false)}},
			kinds:    []string{"oom", "exit", "restart"},
			offered:  []float64{2000, 2000, 2000},
			warnings: []string{"cpu1-mem1g-x1 at 2,000 users: replica " + rep + " exited with code 137 (OOM killed)"},
			ooms:     1,
		},
		{
			name:     "oom without an exit (a worker process killed), and a lone restart",
			repeats:  1,
			events:   map[int][]record.Event{1: {ev(0, "oom", 0, true)}, 2: {ev(1, "restart", 0, false)}},
			kinds:    []string{"oom", "restart"},
			offered:  []float64{1000, 1500},
			warnings: []string{"cpu1-mem1g-x1 at 1,000 users: replica " + rep + " was hit by the kernel OOM killer (memory limit reached)", "cpu1-mem1g-x1 at 1,500 users: replica " + rep + " restarted"},
			ooms:     1,
		},
		{
			name:     "repeats are named",
			repeats:  2,
			events:   map[int][]record.Event{0: {ev(0, "exit", 1, false)}},
			kinds:    []string{"exit", "exit"},
			offered:  []float64{500, 500},
			warnings: []string{"cpu1-mem1g-x1 at 500 users: repeat 1: replica " + rep + " exited with code 1", "cpu1-mem1g-x1 at 500 users: repeat 2: replica " + rep + " exited with code 1"},
		},
		{
			name:     "without target telemetry an OOM kill counts once, not once per event",
			repeats:  1,
			noTarget: true,
			events:   map[int][]record.Event{3: {ev(0, "oom", 0, true), ev(1, "exit", 137, true)}},
			kinds:    []string{"oom", "exit"},
			offered:  []float64{2000, 2000},
			warnings: []string{"cpu1-mem1g-x1 at 2,000 users: replica " + rep + " exited with code 137 (OOM killed)"},
			ooms:     1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var recs []record.Record
			for r := 0; r < c.repeats; r++ {
				rs := rampRecords(dockerConfig("cpu1-mem1g-x1", 1, 1024, 1), r, steps)
				for i := range rs {
					for _, e := range c.events[i] {
						e.Time = e.Time.Add(time.Duration(r) * time.Hour)
						rs[i].Events = append(rs[i].Events, e)
					}
					if c.noTarget {
						rs[i].Target = nil
						continue
					}
					for _, e := range c.events[i] { // as the runtime counts them
						if e.Kind == "oom" {
							rs[i].Target.OOMKills++
						}
					}
				}
				recs = append(recs, rs...)
			}
			a := Analyze(Input{Records: recs, SLO: mustSLO(t, "p95<1s")})
			cfg := mustConfig(t, a, "cpu1-mem1g-x1")
			var kinds []string
			var offered []float64
			for i, e := range cfg.Events {
				kinds = append(kinds, e.Kind)
				offered = append(offered, e.Offered)
				if e.Step < 0 || cfg.Steps[e.Step].Offered != e.Offered {
					t.Errorf("event %d: step %d does not hold offered load %v", i, e.Step, e.Offered)
				}
				if e.Model != record.ModelUsers || e.Replica != rep || e.Message == "" {
					t.Errorf("event %d = %+v", i, e)
				}
				if i > 0 && e.Time.Before(cfg.Events[i-1].Time) {
					t.Errorf("events out of time order: %v before %v", cfg.Events[i-1].Time, e.Time)
				}
			}
			if !slices.Equal(kinds, c.kinds) || !slices.Equal(offered, c.offered) {
				t.Errorf("events: kinds %v at %v, want %v at %v", kinds, offered, c.kinds, c.offered)
			}
			var got []string
			for _, w := range a.Warnings {
				if strings.Contains(w, "replica ") {
					got = append(got, w)
				}
			}
			if !slices.Equal(got, c.warnings) {
				t.Errorf("event warnings:\n%q\nwant\n%q", got, c.warnings)
			}
			if cfg.OOMKills != c.ooms*c.repeats {
				t.Errorf("OOM kills %d, want %d", cfg.OOMKills, c.ooms*c.repeats)
			}
			rows := eventGrid(a).Rows
			if len(rows) != len(c.kinds) {
				t.Errorf("events table has %d rows, want %d", len(rows), len(c.kinds))
			}
		})
	}
}

// TestEventsRendered: the fixture's OOM kills (an oom event, an exit with
// code 137 and a restart, in each of two repeats at 4,000 users) appear as
// warnings in the terminal table and as an Events table in report.md and
// report.html; a run without events has no Events section.
func TestEventsRendered(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	const replica = "loadlab-20260314T100000Z-workshop-cpu0.5-mem512m-x1-56cca8-1"

	var table strings.Builder
	if err := WriteTable(&table, a); err != nil {
		t.Fatal(err)
	}
	if want := "  ! cpu0.5-mem512m-x1 at 4,000 users: repeat 1: replica " + replica + " exited with code 137 (OOM killed)\n"; !strings.Contains(table.String(), want) {
		t.Errorf("terminal output lacks %q:\n%s", want, table.String())
	}

	var md strings.Builder
	if err := WriteMarkdown(&md, a, "plots"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Events\n\n| Config | Step | Time (UTC) | Replica | Kind | Exit code | OOM killed | Message |",
		"| cpu0.5-mem512m-x1 | 4,000 users · repeat 1 | 2026-03-14 10:06:12.040 | " + replica + " | exit | 137 | yes | container exited with code 137 (OOM killed) |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if n := strings.Count(md.String(), "| cpu0.5-mem512m-x1 | 4,000 users · repeat "); n != 6 {
		t.Errorf("report.md has %d event rows, want 6 (oom, exit, restart × 2 repeats)", n)
	}

	var page strings.Builder
	if err := WriteHTML(&page, a); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	events, ok := between(h, `<section id="events">`, "</section>")
	if !ok {
		t.Fatal("report.html has no events section")
	}
	if n := strings.Count(events, "<tr>"); n != 7 {
		t.Errorf("events table has %d rows, want a header and 6 events", n)
	}
	for _, want := range []string{replica, "<td class=\"num\">137</td>", `<span class="pill bad">yes</span>`, "4,000 users · repeat 2", `href="#events"`} {
		if !strings.Contains(h, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}

	quiet := Analyze(fixture(t, "ramp-local"))
	md.Reset()
	page.Reset()
	if err := WriteMarkdown(&md, quiet, "plots"); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, quiet); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "## Events") || strings.Contains(page.String(), `id="events"`) {
		t.Error("a run without events has an Events section")
	}
}

// between returns the text from the first start to the next end.
func between(s, start, end string) (string, bool) {
	i := strings.Index(s, start)
	if i < 0 {
		return "", false
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return "", false
	}
	return s[i : i+j], true
}
