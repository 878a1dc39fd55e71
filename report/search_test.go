package report

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// workshopLimits is the workshop question as a limit search.
var workshopLimits = search.Limits{
	CPUs:     search.CPURange{Min: 0.05, Max: 2, Resolution: 0.05},
	Memory:   search.MemoryRange{Min: 512 << 20, Max: 512 << 20},
	Replicas: []int{1, 2},
}

// summaryOf is the part of summary.json these tests read.
type summaryOf struct {
	Configs []struct {
		Name string `json:"name"`
	} `json:"configs"`
	Incomplete     []string `json:"incomplete"`
	Recommendation struct {
		Config   string `json:"config"`
		Meets    bool   `json:"meets_target"`
		Sentence string `json:"sentence"`
	} `json:"recommendation"`
	Search *struct {
		Capacity []struct {
			Config    string  `json:"config"`
			Capacity  float64 `json:"capacity"`
			FirstFail float64 `json:"first_fail"`
			Probes    int     `json:"probes"`
			Confirmed bool    `json:"confirmed"`
			Reason    string  `json:"reason"`
		} `json:"capacity"`
		Limits *struct {
			Disagreement  string   `json:"disagreement"`
			Reconstructed bool     `json:"reconstructed"`
			OffGrid       []string `json:"off_grid"`
			Replicas      []struct {
				Replicas      int      `json:"replicas"`
				MinimalCPUs   *float64 `json:"minimal_cpus"`
				Memory        int64    `json:"memory"`
				FailCPUsBelow *float64 `json:"fail_cpus_below"`
				FailWhy       string   `json:"fail_why"`
				Trials        int      `json:"trials"`
				Capacity      float64  `json:"capacity"`
				Complete      bool     `json:"complete"`
				Undecided     *string  `json:"undecided"`
				Truncated     *bool    `json:"truncated"`
			} `json:"replicas"`
		} `json:"limits"`
	} `json:"search"`
	Projection *struct {
		Label      string   `json:"label"`
		Replicas   int      `json:"replicas"`
		Efficiency float64  `json:"efficiency"`
		Figures    []string `json:"figures"`
	} `json:"projection"`
}

// renderAll writes every artefact of in into a temporary folder and
// returns report.md, the decoded summary.json and the folder.
func renderAll(t *testing.T, in Input) (string, summaryOf, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := WriteAll(context.Background(), dir, in); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var s summaryOf
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if s.Recommendation.Config != "" && !slices.ContainsFunc(s.Configs, func(c struct {
		Name string `json:"name"`
	}) bool {
		return c.Name == s.Recommendation.Config
	}) {
		t.Errorf("recommendation.config %q is not one of configs[].name", s.Recommendation.Config)
	}
	for _, f := range []string{HTMLFile, StepsCSVFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	return string(md), s, dir
}

func terminal(t *testing.T, in Input) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTerminal(&buf, in); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestLimitSearchReport(t *testing.T) {
	m := machine{perCPU: 42000, eff: map[int]float64{2: 0.75}}
	f := newFixtureRun(t)
	f.limitSearch(m, workshopLimits, 10000, 0)
	// hD's plan.json of a limit search: no configurations or steps known
	// in advance.
	dir := f.write(limitsExperiment(10000, workshopLimits), &record.Plan{Repeat: 1, Model: record.ModelUsers})
	in := readRun(t, dir)
	if in.Search == nil {
		t.Fatal("the search: key of experiment.yaml was not read")
	}
	md, s, out := renderAll(t, in)

	want1, want2 := minimalOnGrid(m, workshopLimits, 1, 10000), minimalOnGrid(m, workshopLimits, 2, 10000)
	if want1 == 0 || want2 == 0 {
		t.Fatal("the fixture's machine must serve the target with both replica counts")
	}
	if len(s.Incomplete) > 0 {
		t.Errorf("a finished search is called incomplete: %v", s.Incomplete)
	}
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 2 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	for i, want := range []float64{want1, want2} {
		r := s.Search.Limits.Replicas[i]
		if r.Replicas != i+1 || r.MinimalCPUs == nil || math.Abs(*r.MinimalCPUs-want) > 1e-9 || !r.Complete || r.Trials < 2 || r.Memory != 512<<20 {
			t.Errorf("replicas %d: %+v, want minimal %g CPU, complete", i+1, r, want)
		}
		if r.FailCPUsBelow == nil || math.Abs(*r.FailCPUsBelow-(want-0.05)) > 1e-9 || !strings.Contains(r.FailWhy, "p95") {
			t.Errorf("replicas %d: fail below %v (%q), want %g and its breach", i+1, r.FailCPUsBelow, r.FailWhy, want-0.05)
		}
	}
	// The cheapest: CPUs × replicas.
	cheapN, cheapCPU := 1, want1
	if 2*want2 < want1 {
		cheapN, cheapCPU = 2, want2
	}
	rc, ok := Analyze(in).Config(s.Recommendation.Config)
	if !ok || rc.Config.Replicas != cheapN || rc.Config.CPUs != cheapCPU || !s.Recommendation.Meets {
		t.Errorf("recommendation %+v (config %+v), want %d × %g CPU", s.Recommendation, rc.Config, cheapN, cheapCPU)
	}
	sentence := "The smallest configuration that serves 10,000 users at p95 < 1 s, < 1 % errors: " +
		record.Config{CPUs: cheapCPU, MemoryBytes: 512 << 20, Replicas: cheapN}.Describe() + " (" + record.FormatCPUs(cheapCPU-0.05) + " fails: p95"
	contains(t, "the recommendation", s.Recommendation.Sentence, sentence, "With 2 replicas: 2 × "+record.FormatCPUs(want2)+".")
	contains(t, "report.md", md, "## Search", "### Limit search", "capacity is monotone in CPU", "#### 1 replica: path of trials",
		"#### 2 replicas: path of trials", "| Trial | Phase | CPUs | Memory | Verdict | Why |", "](plots/"+PlotSearch+".png)", sentence)
	if strings.Contains(md, ProjectionLabel) {
		t.Error("report.md projects although a configuration served the target")
	}
	// Confirmations and re-runs are trials like the others: in the path
	// tables and on the plot, one glyph per trial.
	contains(t, "report.md", md, " | "+search.TrialConfirm+" | ")
	rows, glyphs := 0, 0
	for _, r := range Analyze(in).Search.Limits.Replicas {
		rows += len(r.Path)
	}
	for _, ps := range searchFigure(Analyze(in)).panels[0].points {
		glyphs += len(ps.xy)
	}
	if glyphs != rows || rows == 0 {
		t.Errorf("the trials plot has %d glyphs for %d trials", glyphs, rows)
	}
	contains(t, "the terminal summary", terminal(t, in), "Limit search (its answer is the recommendation below)", "Recommendation: "+sentence, "Replicas")

	// The trials plot: written with the others, and not blank.
	for _, format := range []string{"png", "svg"} {
		st, err := os.Stat(filepath.Join(out, PlotDir, PlotSearch+"."+format))
		if err != nil || st.Size() < 5000 {
			t.Fatalf("plots/%s.%s: %v (size %v)", PlotSearch, format, err, st)
		}
	}
	pf, err := os.Open(filepath.Join(out, PlotDir, PlotSearch+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	for _, i := range []int{0, 1} { // one colour per replica count
		r, g, bl, _ := palette[i].RGBA()
		if !colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] {
			t.Errorf("the trials plot has no point or line in replica count %d's colour", i+1)
		}
	}
	var html bytes.Buffer
	if err := WriteHTML(&html, Analyze(in)); err != nil {
		t.Fatal(err)
	}
	contains(t, "report.html", html.String(), `<section id="search">`, `id="plot-search_trials"`, "path of trials")
}

// TestLimitSearchContradiction: a grid search (every CPU value in order)
// where a larger limit fails once by noise after a smaller one passed: the
// trial is run again, the report states the contradiction and which result
// stood, and the minimal configuration is the smaller one.
func TestLimitSearchContradiction(t *testing.T) {
	l := search.Limits{CPUs: search.CPURange{Min: 0.1, Max: 0.5, Resolution: 0.1}, Memory: workshopLimits.Memory, Replicas: []int{1}, Strategy: search.StrategyGrid}
	m := machine{perCPU: 42000, spurious: map[float64]int{0.4: 1}}
	f := newFixtureRun(t)
	f.limitSearch(m, l, 10000, 0)
	in := readRun(t, f.write(limitsExperiment(10000, l)+"  strategy: grid\n", nil))
	md, s, _ := renderAll(t, in)
	want := minimalOnGrid(machine{perCPU: 42000}, l, 1, 10000)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 1 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	r := s.Search.Limits.Replicas[0]
	phases := map[string]int{}
	for _, row := range Analyze(in).Search.Limits.Replicas[0].Path {
		phases[row.Phase]++
	}
	if r.MinimalCPUs == nil || math.Abs(*r.MinimalCPUs-want) > 1e-9 || !r.Complete || phases[search.TrialCPU] != len(l.CPUs.Grid()) || phases[search.TrialRecheck] != 1 ||
		r.Trials != len(l.CPUs.Grid())+1+phases[search.TrialConfirm] {
		t.Errorf("%+v, phases %v: want minimal %g after the grid, one re-run and the confirmations", r, phases, want)
	}
	contains(t, "report.md", md, "- Contradiction: ", "0.4 CPU failed where", "| recheck | 0.4 CPU | 512 MiB | pass |")
}

func TestInterruptedLimitSearchReport(t *testing.T) {
	m := machine{perCPU: 42000, eff: map[int]float64{2: 0.75}}
	whole := newFixtureRun(t)
	whole.limitSearch(m, workshopLimits, 10000, 0)
	trials1 := 0
	for _, r := range whole.recs {
		if r.Config.Replicas == 1 && decides(r) {
			trials1++
		}
	}
	// The same search, interrupted during the second trial of 2 replicas:
	// its first approach step was recorded, then the process was killed.
	f := newFixtureRun(t)
	f.limitSearch(m, workshopLimits, 10000, trials1+1)
	n := len(f.recs)
	cfg := record.Config{CPUs: 1, MemoryBytes: 512 << 20, Replicas: 2, Runtime: "docker"}
	cfg.Name = cfg.AutoName()
	f.step(m, cfg, 2500, &record.Search{Kind: record.SearchLimits, Phase: record.PhaseApproach, Probe: 2, Trial: search.TrialCPU})
	if len(f.recs) != n+1 {
		t.Fatal("fixture: the cut trial was not recorded")
	}
	dir := f.write(limitsExperiment(10000, workshopLimits), &record.Plan{Repeat: 1, Model: record.ModelUsers})
	in := readRun(t, dir)
	md, s, _ := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 2 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	r1, r2 := s.Search.Limits.Replicas[0], s.Search.Limits.Replicas[1]
	if !r1.Complete || r1.MinimalCPUs == nil || *r1.MinimalCPUs != minimalOnGrid(m, workshopLimits, 1, 10000) {
		t.Errorf("1 replica, searched to its end before the interruption: %+v", r1)
	}
	if r2.Complete || r2.Trials != 1 {
		t.Errorf("2 replicas, interrupted in its second trial: %+v, want incomplete with 1 decided trial", r2)
	}
	if !slices.ContainsFunc(s.Incomplete, func(x string) bool { return strings.Contains(x, "limit search for 2 replicas did not finish") }) {
		t.Errorf("incomplete = %v, want the unfinished search of 2 replicas", s.Incomplete)
	}
	contains(t, "report.md", md, "**Incomplete run:**", "| interrupted | the run ended before the step at the target load", "With 2 replicas: the search did not finish")
	contains(t, "the terminal summary", terminal(t, in), "INCOMPLETE RUN", "Limit search", "│ no ")
}

func TestLimitSearchNothingServesProjects(t *testing.T) {
	m := machine{perCPU: 150, eff: map[int]float64{2: 0.8}}
	f := newFixtureRun(t)
	f.limitSearch(m, workshopLimits, 10000, 0)
	dir := f.write(limitsExperiment(10000, workshopLimits), &record.Plan{Repeat: 1, Model: record.ModelUsers})
	in := readRun(t, dir)
	md, s, _ := renderAll(t, in)
	if len(s.Incomplete) > 0 {
		t.Errorf("a finished search is called incomplete: %v", s.Incomplete)
	}
	if s.Recommendation.Meets {
		t.Errorf("recommendation meets the target: %+v", s.Recommendation)
	}
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 2 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	cap1, cap2 := s.Search.Limits.Replicas[0].Capacity, s.Search.Limits.Replicas[1].Capacity
	for i, c := range []float64{cap1, cap2} {
		r := s.Search.Limits.Replicas[i]
		truth := m.capacity(record.Config{CPUs: 2, Replicas: i + 1})
		if r.MinimalCPUs != nil || !r.Complete || c > truth || c < truth*0.9 {
			t.Errorf("replicas %d: %+v, want no minimal, complete, a capacity within 10 %% below %g", i+1, r, truth)
		}
	}
	p := s.Projection
	if p == nil {
		t.Fatal("no projection in summary.json")
	}
	eff := math.Min(1, (cap2/cap1)/2)
	if want := int(math.Ceil(10000 / (cap1 * eff))); p.Label != ProjectionLabel || p.Replicas != want || math.Abs(p.Efficiency-eff) > 1e-9 || len(p.Figures) < 3 {
		t.Errorf("projection %+v, want %d replicas at efficiency %.3f, labelled", p, want, eff)
	}
	contains(t, "report.md", md, "| capacity | 2 CPUs | 512 MiB | measured | measured capacity", "### Projection beyond this machine (projection, not measured)", "Projection, not measured: about ", "2 CPUs × 512 MiB would serve 10,000 users",
		"No searched configuration serves 10,000 users", "scaling efficiency from 1 to 2 replicas")
	contains(t, "the recommendation", s.Recommendation.Sentence, "No searched configuration serves 10,000 users", "Projection, not measured")
	contains(t, "the terminal summary", terminal(t, in), "Projection, not measured")
}

func TestLimitSearchAllFailed(t *testing.T) {
	f := newFixtureRun(t)
	f.limitSearch(machine{failDeploy: true}, workshopLimits, 10000, 0)
	dir := f.write(limitsExperiment(10000, workshopLimits), nil)
	in := readRun(t, dir)
	md, s, _ := renderAll(t, in)
	if s.Projection != nil || s.Recommendation.Meets {
		t.Errorf("projection %+v / recommendation %+v from configurations that never ran", s.Projection, s.Recommendation)
	}
	contains(t, "report.md", md, "## Search", "could not deploy", "No projection: no capacity was measured")
	contains(t, "the recommendation", s.Recommendation.Sentence, "No configuration could be measured")
}

func TestEmptySearchRun(t *testing.T) {
	f := newFixtureRun(t)
	dir := f.write(limitsExperiment(10000, workshopLimits), &record.Plan{Repeat: 1, Model: record.ModelUsers})
	in := readRun(t, dir)
	md, s, out := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 2 || s.Search.Limits.Replicas[0].Complete {
		t.Errorf("summary.json search of an empty run: %+v", s.Search)
	}
	if len(s.Incomplete) == 0 || s.Projection != nil {
		t.Errorf("incomplete %v, projection %+v: an empty search run is incomplete and projects nothing", s.Incomplete, s.Projection)
	}
	contains(t, "report.md", md, "No trial was run.", "No projection: no projection for an unfinished search")
	if _, err := os.Stat(filepath.Join(out, PlotDir, PlotSearch+".png")); err == nil {
		t.Error("a trials plot without trials")
	}
	terminal(t, in)
}

// TestLimitSearchCutInTrialStep: the run ends during the step at the
// target load itself (the last record is partial, phase trial): that
// trial decided nothing (interrupted, not untrusted), and the run and the
// search are incomplete.
func TestLimitSearchCutInTrialStep(t *testing.T) {
	l := workshopLimits
	l.Replicas = []int{1}
	m := machine{perCPU: 42000}
	f := newFixtureRun(t)
	f.limitSearch(m, l, 10000, 1)
	d := search.NextTrial(l, []search.Trial{search.TrialOf(f.recs, 10000, f.slo)})
	cfg := d.Config
	cfg.Runtime = "docker"
	cfg.Name = cfg.AutoName()
	for _, u := range []int{2500, 5000} {
		f.step(m, cfg, u, &record.Search{Kind: record.SearchLimits, Phase: record.PhaseApproach, Probe: 2, Trial: d.Phase})
	}
	f.step(m, cfg, 10000, &record.Search{Kind: record.SearchLimits, Phase: record.PhaseTrial, Probe: 2, Trial: d.Phase})
	last := &f.recs[len(f.recs)-1]
	last.Partial, last.StopReason, last.WindowS = true, "interrupted", 7
	in := readRun(t, f.write(limitsExperiment(10000, l), &record.Plan{Repeat: 1, Model: record.ModelUsers}))
	md, s, _ := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 1 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	if r := s.Search.Limits.Replicas[0]; r.Complete || r.Trials != 1 {
		t.Errorf("%+v: want an unfinished search with 1 decided trial", r)
	}
	if !slices.ContainsFunc(s.Incomplete, func(x string) bool { return strings.Contains(x, "limit search for 1 replica did not finish") }) {
		t.Errorf("incomplete = %v, want the unfinished search", s.Incomplete)
	}
	contains(t, "report.md", md, "**Incomplete run:**", "| "+record.FormatCPUs(cfg.CPUs)+" | 512 MiB | interrupted | ", "decides nothing")
	if strings.Contains(md, "| untrusted |") {
		t.Error("the trial cut by the end of the run is called untrusted: it is interrupted")
	}
}
