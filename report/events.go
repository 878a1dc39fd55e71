package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/record"
)

// Event kinds as the runtimes record them (record.Event.Kind).
const (
	eventOOM     = "oom"
	eventExit    = "exit"
	eventRestart = "restart"
)

// Event is something that happened to a replica (an OOM kill, an exit, a
// restart) during a measured step, placed in the step it was recorded
// with.
type Event struct {
	record.Event
	// Offered is the offered load of the step (users or req/s, as Model
	// says); Repeat is the 0-based repeat.
	Offered float64 `json:"offered"`
	Model   string  `json:"model"`
	Repeat  int     `json:"repeat"`
	// Step is the index of the step in ConfigResult.Steps, -1 if none.
	Step int `json:"step"`
}

// configEvents lists the events of a configuration's measured records,
// oldest first, each with its step. Failure records carry no events.
func configEvents(measured []record.Record, steps []StepResult) []Event {
	index := map[float64]int{}
	for i, st := range steps {
		index[st.Offered] = i
	}
	var out []Event
	for _, r := range measured {
		model := r.Load.Model
		if model == "" {
			model = record.ModelUsers
		}
		step, ok := index[r.Offered()]
		if !ok {
			step = -1
		}
		for _, e := range r.Events {
			out = append(out, Event{Event: e, Offered: r.Offered(), Model: model, Repeat: r.Repeat, Step: step})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		if out[i].Repeat != out[j].Repeat {
			return out[i].Repeat < out[j].Repeat
		}
		return out[i].Offered < out[j].Offered
	})
	return out
}

// countOOMEvents counts the OOM kills among one record's events: each oom
// event, plus each OOM-killed exit that no oom event of its replica
// announced (the docker runtime records both for one kill).
func countOOMEvents(es []record.Event) int {
	n := 0
	announced := map[string]bool{}
	for _, e := range es {
		if strings.EqualFold(e.Kind, eventOOM) {
			n++
			announced[e.Replica] = true
		}
	}
	for _, e := range es {
		if e.OOMKilled && !strings.EqualFold(e.Kind, eventOOM) && !announced[e.Replica] {
			n++
		}
	}
	return n
}

// eventPhrase describes an event for a warning ("replica X exited with
// code 137 (OOM killed)"). ok is false when an exit of the same replica in
// the same step and repeat already tells the story: for an oom event that
// the exit reports as OOM killed, and for the restart after an exit.
func eventPhrase(e Event, all []Event) (string, bool) {
	r := "replica " + orDefault(e.Replica, "?")
	switch strings.ToLower(e.Kind) {
	case eventExit:
		s := fmt.Sprintf("%s exited with code %d", r, e.ExitCode)
		if e.OOMKilled {
			s += " (OOM killed)"
		}
		return s, true
	case eventOOM:
		for _, x := range all {
			if strings.EqualFold(x.Kind, eventExit) && x.OOMKilled && x.Replica == e.Replica && x.Repeat == e.Repeat && x.Offered == e.Offered {
				return "", false
			}
		}
		return r + " was hit by the kernel OOM killer (memory limit reached)", true
	case eventRestart:
		for _, x := range all {
			if strings.EqualFold(x.Kind, eventExit) && x.Replica == e.Replica && x.Repeat == e.Repeat && x.Offered == e.Offered && !x.Time.After(e.Time) {
				return "", false // the exit's warning says enough
			}
		}
		return r + " restarted", true
	}
	s := r + ": " + orDefault(e.Kind, "event")
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	return s, true
}

// eventWarnings are the warning lines of a configuration's events:
// "<config> at 4,000 users: replica X exited with code 137 (OOM killed)",
// with "repeat n: " before the phrase when the configuration has repeats.
func eventWarnings(c ConfigResult) []string {
	var out []string
	for _, e := range c.Events {
		phrase, ok := eventPhrase(e, c.Events)
		if !ok {
			continue
		}
		if c.Repeats > 1 {
			phrase = fmt.Sprintf("repeat %d: %s", e.Repeat+1, phrase)
		}
		out = append(out, fmt.Sprintf("%s at %s: %s", c.Name, loadText(e.Offered, e.Model), phrase))
	}
	return out
}

// loadText is an offered load with its unit: "4,000 users", "300 req/s".
func loadText(offered float64, model string) string {
	if model == record.ModelRate {
		return formatCount(offered) + " req/s"
	}
	return formatCount(offered) + " users"
}

// eventGrid is the events table of every configuration: one row per
// event, oldest first within each configuration.
func eventGrid(a Analysis) grid {
	g := grid{
		Header:  []string{"Config", "Step", "Time (UTC)", "Replica", "Kind", "Exit code", "OOM killed", "Message"},
		Numeric: []bool{false, false, false, false, false, true, false, false},
	}
	for _, c := range a.Configs {
		for _, e := range c.Events {
			step := loadText(e.Offered, e.Model)
			if c.Repeats > 1 {
				step += " · repeat " + strconv.Itoa(e.Repeat+1)
			}
			exit, oom := "—", "—"
			if strings.EqualFold(e.Kind, eventExit) {
				exit, oom = strconv.Itoa(e.ExitCode), "no"
			}
			if e.OOMKilled {
				oom = "yes"
			}
			at := "—"
			if !e.Time.IsZero() {
				at = e.Time.UTC().Format("2006-01-02 15:04:05.000")
			}
			g.Rows = append(g.Rows, []string{c.Name, step, at, orDefault(e.Replica, "—"), orDefault(e.Kind, "—"), exit, oom, orDefault(e.Message, "—")})
		}
	}
	return g
}

// eventsNote explains the events table under it.
const eventsNote = "Events are what the runtime saw happen to replicas during a measured step: kernel OOM kills (oom), " +
	"containers that exited (exit; code 137 is SIGKILL, from the OOM killer when OOM killed says yes) and restarts. " +
	"Each is listed under the step whose measurement it was recorded with."

// hasEvents reports whether any configuration recorded an event.
func hasEvents(a Analysis) bool {
	for _, c := range a.Configs {
		if len(c.Events) > 0 {
			return true
		}
	}
	return false
}
