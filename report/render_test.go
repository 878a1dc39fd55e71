package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGoldenTable(t *testing.T) {
	for _, name := range []string{"workshop", "ramp-local"} {
		var buf bytes.Buffer
		if err := WriteTable(&buf, Analyze(fixture(t, name))); err != nil {
			t.Fatal(err)
		}
		golden(t, name+"_table.golden", buf.Bytes())
	}
}

func TestGoldenMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, Analyze(fixture(t, "workshop")), "plots"); err != nil {
		t.Fatal(err)
	}
	golden(t, "workshop_report.md.golden", buf.Bytes())
}

func TestGoldenCompareTable(t *testing.T) {
	c := Compare(Analyze(fixture(t, "workshop")), Analyze(fixture(t, "workshop-tuned")), "workshop", "workshop-tuned")
	var buf bytes.Buffer
	if err := WriteCompareTable(&buf, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare_table.golden", buf.Bytes())
}

func TestMarkdownContent(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, a, "plots"); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"> **Recommendation:** 2 replicas × 1 CPU × 1 GiB serve 10,000 users",
		"## Comparison", "## Cost and resources", "## Warnings", "## Steps per configuration", "## Environment", "## Experiment",
		"### cpu0.5-mem512m-x1 — 1 replica × 0.5 CPU × 512 MiB",
		"Could not be measured: replica 1 never became healthy",
		"| cpu1-mem1g-x2 | 2 × 1 CPU / 1 GiB | ≥ 10,000 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, p := range Plots {
		if !strings.Contains(md, "](plots/"+p+".png)") {
			t.Errorf("report.md does not link plot %s", p)
		}
	}
	// One table row per step of each measured configuration.
	if got := strings.Count(md, "\n| 3,000 | "); got != 3 {
		t.Errorf("%d step rows at 3,000 users, want 3 (one per measured configuration)", got)
	}
}

func TestPlots(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	measured := []string{"cpu0.5-mem512m-x1", "cpu1-mem1g-x1", "cpu1-mem1g-x2"}
	sloLine := map[string]string{PlotLatency: "SLO p95 &lt; 1 s", PlotErrors: "SLO error rate &lt; 1 %", PlotTimeline: "SLO p95 &lt; 1 s"}
	for _, name := range Plots {
		t.Run(name, func(t *testing.T) {
			var pngBuf, svgBuf bytes.Buffer
			if err := WritePlot(&pngBuf, a, name, "png"); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&pngBuf)
			if err != nil {
				t.Fatalf("decode png: %v", err)
			}
			if b := img.Bounds(); b.Dx() != PlotWidthPx || b.Dy() != PlotHeightPx {
				t.Errorf("png is %dx%d, want %dx%d", b.Dx(), b.Dy(), PlotWidthPx, PlotHeightPx)
			}
			// The file is the raster the pixel tests read (plot_pixels_test.go).
			if _, want := workshopPlot(t, name); !samePixels(img, want.img, 3) {
				t.Errorf("the png differs from the drawn figure")
			}
			if err := WritePlot(&svgBuf, a, name, "svg"); err != nil {
				t.Fatal(err)
			}
			svg := svgBuf.String()
			if svgBuf.Len() < 10_000 || !strings.Contains(svg, "<svg") {
				t.Fatalf("svg is %d bytes", svgBuf.Len())
			}
			for _, cfg := range measured {
				if !strings.Contains(svg, ">"+cfg) {
					t.Errorf("svg lacks the legend entry of %s", cfg)
				}
			}
			if strings.Contains(svg, ">cpu0.25-mem256m-x1") {
				t.Errorf("svg has a legend entry for the failed configuration")
			}
			if want, ok := sloLine[name]; ok && !strings.Contains(svg, want) {
				t.Errorf("svg lacks the SLO line %q", want)
			}
			if name != PlotResources && !strings.Contains(svg, "generator saturated (excluded)") {
				t.Errorf("svg does not mark the generator-saturated step")
			}
		})
	}
	var buf bytes.Buffer
	if err := WritePlot(&buf, a, "nope", "png"); err == nil {
		t.Error("unknown plot name accepted")
	}
	if err := WritePlot(&buf, a, PlotRPS, "gif"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestWriteAll(t *testing.T) {
	in := fixture(t, "workshop")
	dir := t.TempDir()
	files, err := WriteAll(context.Background(), dir, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{SummaryFile, StepsCSVFile, MarkdownFile, HTMLFile}
	for _, p := range Plots {
		want = append(want, filepath.Join(PlotDir, p+".png"), filepath.Join(PlotDir, p+".svg"))
	}
	if len(files) != len(want) {
		t.Fatalf("wrote %d files, want %d: %v", len(files), len(want), files)
	}
	for i, w := range want {
		if files[i] != filepath.Join(dir, w) {
			t.Errorf("file %d is %s, want %s", i, files[i], w)
		}
		st, err := os.Stat(files[i])
		if err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v (size %d)", w, err, st.Size())
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}

	var sum struct {
		Version        int
		Target         float64
		Recommendation Recommendation
		Configs        []ConfigResult
	}
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if sum.Version != SummaryVersion || sum.Target != 10000 || sum.Recommendation.Config != "cpu1-mem1g-x2" || len(sum.Configs) != 4 || sum.Configs[2].Capacity != 6000 {
		t.Errorf("summary.json: %+v", sum)
	}

	f, err := os.Open(filepath.Join(dir, StepsCSVFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("steps.csv: %v", err)
	}
	if len(rows) != len(in.Records)+1 || strings.Join(rows[0], ",") != strings.Join(StepsCSVHeader, ",") {
		t.Errorf("steps.csv: %d rows, header %v", len(rows), rows[0])
	}
	for i, r := range rows[1:] {
		if len(r) != len(StepsCSVHeader) {
			t.Fatalf("row %d has %d cells", i+1, len(r))
		}
	}
	if rows[1][3] != "cpu0.25-mem256m-x1" || rows[1][slices.Index(StepsCSVHeader, "failure")] == "" {
		t.Errorf("first row (the failed configuration) %v lacks its failure", rows[1])
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteAll(ctx, t.TempDir(), in); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestCompare(t *testing.T) {
	a, b := Analyze(fixture(t, "workshop")), Analyze(fixture(t, "workshop-tuned"))
	c := Compare(a, b, "before", "after")
	if len(c.Rows) != 4 {
		t.Fatalf("%d rows, want the 4 configurations of either run", len(c.Rows))
	}
	g := compareGrid(c)
	byName := map[string][]string{}
	for _, r := range g.Rows {
		byName[r[0]] = r
	}
	if r := byName["cpu1-mem1g-x1"]; r[1] != "6,000" || r[2] != "8,000" || r[3] != "+2,000 (+33 %)" || r[4] != "not reached" {
		t.Errorf("cpu1-mem1g-x1 row %q", r)
	}
	if r := byName["cpu0.5-mem512m-x1"]; r[3] != "+500 (+17 %)" {
		t.Errorf("cpu0.5 row %q", r)
	}
	if r := byName["cpu1-mem1g-x2"]; !strings.HasPrefix(r[6], "−") || r[1] != "≥ 10,000" {
		t.Errorf("x2 row %q: the tuned server has a lower p95 at 10,000 users", r)
	}
	if r := byName["cpu0.25-mem256m-x1"]; r[1] != "failed" || r[2] != "—" || r[3] != "—" {
		t.Errorf("failed-only row %q", r)
	}

	dir := t.TempDir()
	files, err := WriteCompareAll(context.Background(), dir, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1+2*len(ComparePlots) {
		t.Errorf("files %v", files)
	}
	svg, err := os.ReadFile(filepath.Join(dir, PlotDir, "compare_"+PlotLatency+".svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">A: cpu1-mem1g-x1 p95", ">B: cpu1-mem1g-x1 p95", "SLO p95 &lt; 1 s"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("comparison plot lacks %q", want)
		}
	}
}

// TestGoldenEdgeCases: a run whose API stopped answering (an all-error
// step, a step without a single answer) and a run interrupted in its
// first configuration, as table, report.md and (no-answers) summary.json.
// (TestWriteAllWithoutAnswers and TestInterruptedRunRendered draw them.)
func TestGoldenEdgeCases(t *testing.T) {
	for _, name := range []string{"no-answers", "interrupted"} {
		a := Analyze(fixture(t, name))
		var tbl, md bytes.Buffer
		if err := WriteTable(&tbl, a); err != nil {
			t.Fatal(err)
		}
		golden(t, name+"_table.golden", tbl.Bytes())
		if err := WriteMarkdown(&md, a, "plots"); err != nil {
			t.Fatal(err)
		}
		golden(t, name+"_report.md.golden", md.Bytes())
	}
	var sum bytes.Buffer
	if err := WriteSummary(&sum, Analyze(fixture(t, "no-answers"))); err != nil {
		t.Fatal(err)
	}
	golden(t, "no-answers_summary.json.golden", sum.Bytes())
}
