package report

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/rundir"
)

// rolloutTimeline is 10 seconds at 100 successes/s and p95 10 ms, with a
// stop-first rollout from 4 s to 7 s: second 5 fails 80 requests and
// answers none, second 6 has p95 200 ms; tasks move from v1 to v2.
func rolloutTimeline() ([]record.Second, rollout.Window) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var secs []record.Second
	for i := range 10 {
		p := 10.0
		s := record.Second{At: t0.Add(time.Duration(i) * time.Second), DurationS: 1, Rollout: "stop-first",
			Requests: 100, Successes: 100, P95Ms: &p, Tasks: map[string]int{"v1": 1}}
		switch {
		case i == 5:
			s.Successes, s.Errors, s.Requests = 0, 80, 80
			s.ErrorsByKind = map[string]int64{"refused": 80}
			s.P95Ms, s.Tasks = nil, map[string]int{}
		case i == 6:
			p6 := 200.0
			s.P95Ms = &p6
			s.Tasks = map[string]int{"v2": 1}
		case i > 6:
			s.Tasks = map[string]int{"v2": 1}
		}
		secs = append(secs, s)
	}
	return secs, rollout.Window{Name: "stop-first", Start: t0.Add(4 * time.Second), End: t0.Add(7 * time.Second)}
}

// TestRolloutPlotDrawsTheTimeline reads the PNG back: failures are drawn
// at their height in the second that lost them, the p95 spike at 200 ms,
// v2's task from the rollout on, and the dashed start and end marks at
// 4 s and 7 s.
func TestRolloutPlotDrawsTheTimeline(t *testing.T) {
	secs, win := rolloutTimeline()
	f := rolloutFigure(secs, win)
	c, panels, err := drawPNG(f)
	if err != nil {
		t.Fatal(err)
	}
	rd := rendered{img: c.Image(), panels: panels, fig: f}
	if len(panels) != 3 {
		t.Fatalf("%d panels, want 3", len(panels))
	}
	checks := []struct {
		what  string
		panel int
		x, y  float64
		col   any
	}{
		{"failures at 80/s in second 5", 0, 5.5, 80, sloColor},
		{"successes at 100/s in second 2", 0, 2.5, 100, palette[2]},
		{"p95 at 200 ms in second 6", 1, 6.5, 200, palette[0]},
		{"p95 at 10 ms in second 4", 1, 4.5, 10, palette[0]},
		{"v2's task in second 8", 2, 8.5, 1, palette[4]},
	}
	for _, c := range checks {
		p := rd.panels[c.panel].px(c.x, c.y)
		if !rd.near(p, 3, c.col.(interface{ RGBA() (r, g, b, a uint32) })) {
			t.Errorf("%s: nothing of its colour near pixel %v", c.what, p)
		}
	}
	// Second 5 had no answer: a gap in p95, no line through it.
	if p := rd.panels[1].px(5.5, 44.7); rd.near(p, 4, palette[0]) {
		t.Errorf("p95 drawn across second 5, which had no answer (pixel %v)", p)
	}
	for _, at := range []float64{4, 7} {
		top, bottom := rd.panels[0].rows()
		x := rd.panels[0].px(at, 0).X
		hits := 0
		for y := top; y <= bottom; y++ {
			if grey(rd, image.Point{X: x, Y: y}, 2) {
				hits++
			}
		}
		if hits < (bottom-top)/3 {
			t.Errorf("no dashed mark at %g s: %d of %d rows", at, hits, bottom-top)
		}
	}
}

// grey reports whether a pixel within r columns of p is a neutral grey
// darker than the grid: the dashed mark, whatever its antialiasing.
func grey(rd rendered, p image.Point, r int) bool {
	for x := p.X - r; x <= p.X+r; x++ {
		cr, cg, cb, _ := rd.img.At(x, p.Y).RGBA()
		r8, g8, b8 := int(cr>>8), int(cg>>8), int(cb>>8)
		if r8 < 0xd0 && abs(r8-g8) < 12 && abs(g8-b8) < 12 {
			return true
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestRolloutPlotEmptyAndAllErrors draws a timeline without seconds (a
// note, no error) and one whose every second failed (no p95 at all), in
// both formats.
func TestRolloutPlotEmptyAndAllErrors(t *testing.T) {
	secs, win := rolloutTimeline()
	for i := range secs {
		secs[i].Successes, secs[i].Errors, secs[i].P95Ms = 0, secs[i].Requests, nil
	}
	for _, tc := range []struct {
		name string
		secs []record.Second
	}{{"empty", nil}, {"all errors", secs}} {
		for _, format := range []string{"png", "svg"} {
			var b bytes.Buffer
			if err := WriteRolloutPlot(&b, tc.secs, win, format); err != nil {
				t.Errorf("%s %s: %v", tc.name, format, err)
			}
			if b.Len() < 1000 {
				t.Errorf("%s %s: %d bytes", tc.name, format, b.Len())
			}
		}
	}
	if f := rolloutFigure(nil, win); f.note == "" {
		t.Error("an empty timeline's plot has no note")
	}
	if err := WriteRolloutPlot(&bytes.Buffer{}, secs, win, "gif"); err == nil || !strings.Contains(err.Error(), "gif") {
		t.Errorf("format gif: %v", err)
	}
}

// TestRolloutSectionFromAResultsFolder reads a results folder with a
// timeline and two rollouts (and no step) and writes the report: report.md
// ends with the rollout table and links the plots WriteAll drew; a
// rollouts.json that does not decode is an error naming it.
func TestRolloutSectionFromAResultsFolder(t *testing.T) {
	dir := t.TempDir()
	secs, win := rolloutTimeline()
	tw, err := record.CreateTimeline(filepath.Join(dir, rundir.TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if err := tw.Append(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	other := rollout.Window{Name: "start-first", Start: win.Start}
	var b bytes.Buffer
	if err := rollout.WriteWindows(&b, []rollout.Window{other, win}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.RolloutsFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.StepsFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if in.Rollouts == nil || len(in.Rollouts.Seconds) != 10 || len(in.Rollouts.Windows) != 2 {
		t.Fatalf("rollouts read: %+v", in.Rollouts)
	}
	files, err := WriteAll(context.Background(), dir, in)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Rollouts under load",
		"| stop-first | 3.0 s | yes | 280 | 80 (28.57 %) | refused 80 | 200.0 ms | 10.0 ms | 1 | v1 100, v2 100 |",
		"| start-first | 0.0 s | not ended when measured | 0 | no requests |",
		"(plots/rollout-stop-first.png)",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	for _, name := range []string{"rollout-stop-first.png", "rollout-stop-first.svg", "rollout-start-first.png"} {
		if !slices.Contains(files, filepath.Join(dir, PlotDir, name)) {
			t.Errorf("%s not written", name)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="#rollouts">Rollouts</a>`, `<h2>Rollouts under load</h2>`, `<td class="num">280</td>`, `refused 80`, `id="plot-rollout-stop-first"`, `id="plot-rollout-start-first"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	sum, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"rollouts": [`, `"name": "stop-first"`, `"failed": 80`, `"failed_by_kind": {`, `"worst_p95_ms": 200`, `"seconds_without_success": 1`} {
		if !strings.Contains(string(sum), want) {
			t.Errorf("summary.json lacks %s", want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.RolloutsFile), []byte("[{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), rundir.RolloutsFile) {
		t.Errorf("a torn rollouts.json: %v", err)
	}
}
