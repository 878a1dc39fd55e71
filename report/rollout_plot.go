package report

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
)

// WriteRolloutPlot draws one rollout's timeline in format (png or svg):
// successes and failures per second on top, the one-second p95 (log scale)
// in the middle, the running tasks per version below, against seconds
// since the first second; the rollout's start and end are dashed lines
// (the end only when it ended). Only secs named w.Name are drawn (all of
// them when it is empty). A timeline without seconds draws empty axes
// with a note, and seconds without any answer leave a gap in p95, never
// 0 ms.
func WriteRolloutPlot(w io.Writer, secs []record.Second, win rollout.Window, format string) error {
	return writeFigure(w, rolloutFigure(secs, win), format)
}

func rolloutFigure(secs []record.Second, win rollout.Window) figure {
	var mine []record.Second
	for _, s := range secs {
		if win.Name == "" || s.Rollout == win.Name {
			mine = append(mine, s)
		}
	}
	title := "rollout under load"
	if win.Name != "" {
		title += ": " + win.Name
	}
	load := panel{ylabel: "results per second", yMin0: true}
	lat := panel{ylabel: "p95 (ms, log)", logY: true}
	tasks := panel{ylabel: "running tasks", yMin0: true, yMinMax: 1}
	f := figure{title: title, xlabel: "seconds since the timeline began; dashed lines: the rollout's start and end", panels: []panel{load, lat, tasks}}
	if len(mine) == 0 {
		f.note = "no second was recorded"
		return f
	}
	t0 := mine[0].At
	x := func(s record.Second) float64 { return s.At.Sub(t0).Seconds() + s.DurationS/2 }
	ok := series{label: "successes/s", color: palette[2]}
	bad := series{label: "failures/s", color: sloColor}
	p95 := series{label: "p95 of the second", color: palette[0]}
	var p95s []series // one per run of seconds with answers: a gap between
	versions := map[string]bool{}
	for _, s := range mine {
		for v := range s.Tasks {
			versions[v] = true
		}
	}
	byVersion := map[string]*series{}
	for i, v := range slices.Sorted(maps.Keys(versions)) {
		byVersion[v] = &series{label: "tasks " + v, color: palette[(3+i)%len(palette)], glyphs: true}
	}
	for _, s := range mine {
		d := s.DurationS
		if d <= 0 {
			continue
		}
		ok.xy = append(ok.xy, plotter.XY{X: x(s), Y: float64(s.Successes) / d})
		bad.xy = append(bad.xy, plotter.XY{X: x(s), Y: float64(s.Errors) / d})
		if s.P95Ms != nil {
			p95.xy = append(p95.xy, plotter.XY{X: x(s), Y: math.Max(*s.P95Ms, 0.01)})
		} else if len(p95.xy) > 0 {
			p95s = append(p95s, p95)
			p95.xy = nil
		}
		if s.Tasks != nil {
			for v, sr := range byVersion {
				sr.xy = append(sr.xy, plotter.XY{X: x(s), Y: float64(s.Tasks[v])})
			}
		}
	}
	f.panels[0].series = []series{ok, bad}
	f.panels[1].series = append(p95s, p95)
	for _, v := range slices.Sorted(maps.Keys(byVersion)) {
		f.panels[2].series = append(f.panels[2].series, *byVersion[v])
	}
	marks := []float64{win.Start.Sub(t0).Seconds()}
	if !win.End.IsZero() {
		marks = append(marks, win.End.Sub(t0).Seconds())
	}
	for i := range f.panels {
		f.panels[i].vlinesBold = marks
	}
	if len(ok.xy) == 0 {
		f.note = "no second had a duration"
	}
	return f
}

// rolloutPlotName is the file name of a rollout's plot in plots/.
func rolloutPlotName(name, format string) string {
	if name == "" {
		name = "rollout"
	}
	return fmt.Sprintf("rollout-%s.%s", sanitizeName(name), format)
}

// sanitizeName keeps letters, digits, '-' and '_' of s.
func sanitizeName(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			out = append(out, c)
		}
	}
	return string(out)
}
