package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// PlanFile is the name of the plan inside a results directory.
const PlanFile = "plan.json"

// Plan is what a run set out to measure, written into the results
// directory before any load is sent: every configuration, in run order,
// and how many repeats of each. Comparing it with the recorded steps tells
// a finished run from an interrupted one.
type Plan struct {
	Configs []Config `json:"configs"`
	// Repeat is the number of repeats of every configuration (≥ 1).
	Repeat int `json:"repeat"`
	// Model is the scenario's load model (ModelUsers or ModelRate) and
	// Steps the offered load of each step of the ramp every configuration
	// and repeat runs, in order: users under model users, requests/s under
	// model rate (the warm-up is not a step). A ramp whose records end
	// before the last step without a stop reason was cut off between
	// steps. Plans written before steps were recorded have none: the
	// check is skipped.
	Model string    `json:"model,omitempty"`
	Steps []float64 `json:"steps,omitempty"`
	// Search marks a limit search (an experiment's search:): its
	// configurations are decided one trial at a time, so Configs and
	// Steps are empty and what ran is read from the records alone.
	Search bool `json:"search,omitempty"`
}

// WritePlan writes plan.json into dir and syncs it.
func WritePlan(dir string, p Plan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	return WriteSynced(filepath.Join(dir, PlanFile), append(b, '\n'))
}

// WriteSynced writes data to path and syncs it, so that a full disk is
// found when the file is written, not later; every error names the path.
func WriteSynced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// ReadPlan reads plan.json; path may be the file or its results directory.
// It returns nil without error when there is none (runs recorded before
// plans were written).
func ReadPlan(path string) (*Plan, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, PlanFile)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("read %s: want {\"configs\": [...], \"repeat\": N}: %w", path, err)
	}
	return &p, nil
}

// Incomplete lists why recs are not the whole run, one sentence each, in
// this order: a torn last line of steps.jsonl, steps cut short (their
// window is shorter than planned: they decide nothing), then, in plan
// order, the configurations and repeats of plan with no record at all (a
// failed configuration has its failure record, so it counts as run: gates
// refuse it for its failure) and the ramps that ended before the plan's
// last step without a stop reason (the process was killed between steps).
// It is empty for a complete run; plan and torn may be nil.
func Incomplete(recs []Record, plan *Plan, torn *TornLine) []string {
	var out []string
	if torn != nil {
		out = append(out, torn.Error())
	}
	for _, r := range recs {
		if r.Partial && r.Failure == "" {
			out = append(out, fmt.Sprintf("%s: the step at %s was cut short after %s s (%s)",
				r.Config.Name, offeredText(r), strconv.FormatFloat(r.WindowS, 'f', -1, 64), orText(r.StopReason, "no reason recorded")))
		}
	}
	if plan == nil {
		return out
	}
	ran := map[string]map[int]bool{}
	for _, r := range recs {
		if ran[r.Config.Name] == nil {
			ran[r.Config.Name] = map[int]bool{}
		}
		ran[r.Config.Name][r.Repeat] = true
	}
	notRun := NotRun(recs, plan)
	repeats := max(plan.Repeat, 1)
	for _, c := range plan.Configs {
		if slices.ContainsFunc(notRun, func(n Config) bool { return n.Name == c.Name }) {
			out = append(out, c.Name+" was planned but not run")
			continue
		}
		for rep := 0; rep < repeats; rep++ {
			if !ran[c.Name][rep] {
				out = append(out, fmt.Sprintf("%s: repeat %d of %d was planned but not run", c.Name, rep+1, repeats))
				continue
			}
			if why := Unfinished(recs, plan, c.Name, rep); why != "" {
				out = append(out, why)
			}
		}
	}
	return out
}

// Unfinished says why the ramp of one configuration and repeat was cut off
// between steps: its last measured step (by step index) comes before the
// last step of plan, and that step has no stop reason (a ramp that stops
// early, for its stop conditions, an abort, an interrupt or a runtime that
// went away, always records one). "" when the ramp finished, stopped with
// a reason, was cut short mid-step (said elsewhere), failed, or plan is
// nil or has no steps.
func Unfinished(recs []Record, plan *Plan, name string, rep int) string {
	if plan == nil {
		return ""
	}
	var last *Record
	for i, r := range recs {
		if r.Config.Name == name && r.Repeat == rep && r.Failure == "" && (last == nil || r.Step > last.Step) {
			last = &recs[i]
		}
	}
	if last == nil || len(plan.Steps) == 0 || last.Step >= len(plan.Steps)-1 || last.StopReason != "" || last.Partial {
		return ""
	}
	who := name
	if plan.Repeat > 1 {
		who = fmt.Sprintf("%s repeat %d of %d", name, rep+1, plan.Repeat)
	}
	return fmt.Sprintf("%s: measured steps 1–%d of %d (up to %s) and no stop reason: the run ended without finishing this ramp",
		who, last.Step+1, len(plan.Steps), offeredText(*last))
}

// NotRun returns the configurations of plan without any record in recs
// (not even a failure), in plan order: the ones the run never reached.
// Incomplete and the report's "not run" rows both come from it.
func NotRun(recs []Record, plan *Plan) []Config {
	if plan == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Config.Name] = true
	}
	var out []Config
	for _, c := range plan.Configs {
		if !seen[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

func offeredText(r Record) string {
	if r.Load.Model == ModelRate {
		return strconv.FormatFloat(r.Load.Rate, 'f', -1, 64) + " req/s"
	}
	return strconv.Itoa(r.Load.Users) + " users"
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
