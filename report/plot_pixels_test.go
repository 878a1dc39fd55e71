package report

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// The plot tests below read the PNG back: they map data coordinates to
// pixels with the drawn panel's own transform (gonum's Plot.Transforms on
// the panel's data canvas) and look for the colour that should be there.

// rendered is one figure drawn as a PNG, with where each panel went.
type rendered struct {
	img    image.Image
	panels []drawnPanel
	fig    figure
}

// renderPlot draws plot name of a as a PNG.
func renderPlot(t *testing.T, a Analysis, name string) rendered {
	t.Helper()
	f, err := plotFigure(a, name)
	if err != nil {
		t.Fatal(err)
	}
	c, panels, err := drawPNG(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(panels) != len(f.panels) {
		t.Fatalf("%d panels drawn, figure has %d", len(panels), len(f.panels))
	}
	return rendered{img: c.Image(), panels: panels, fig: f}
}

// workshopPlots caches the workshop run's plots: PNGs are slow to draw
// under the race detector, and four tests read the same five.
var workshopPlots = struct {
	sync.Mutex
	a  *Analysis
	rd map[string]rendered
}{rd: map[string]rendered{}}

// workshopPlot is plot name of the workshop run, and the analysis.
func workshopPlot(t *testing.T, name string) (Analysis, rendered) {
	t.Helper()
	workshopPlots.Lock()
	defer workshopPlots.Unlock()
	if workshopPlots.a == nil {
		a := Analyze(fixture(t, "workshop"))
		workshopPlots.a = &a
	}
	rd, ok := workshopPlots.rd[name]
	if !ok {
		rd = renderPlot(t, *workshopPlots.a, name)
		workshopPlots.rd[name] = rd
	}
	return *workshopPlots.a, rd
}

// px is the pixel (from the top left) of data point (x, y) in panel d.
func (d drawnPanel) px(x, y float64) image.Point {
	trX, trY := d.plot.Transforms(&d.data)
	return image.Point{X: int(math.Round(trX(x).Dots(96))), Y: PlotHeightPx - int(math.Round(trY(y).Dots(96)))}
}

// columns is the pixel range [left, right] of the panel's data area.
func (d drawnPanel) columns() (left, right int) {
	return int(math.Ceil(d.data.Min.X.Dots(96))), int(math.Floor(d.data.Max.X.Dots(96)))
}

// rows is the pixel range [top, bottom] of the panel's data area.
func (d drawnPanel) rows() (top, bottom int) {
	return PlotHeightPx - int(math.Floor(d.data.Max.Y.Dots(96))), PlotHeightPx - int(math.Ceil(d.data.Min.Y.Dots(96)))
}

// sameColor: c is want up to antialiasing (a small difference per channel).
func sameColor(c, want color.Color) bool {
	r1, g1, b1, _ := c.RGBA()
	r2, g2, b2, _ := want.RGBA()
	d := func(a, b uint32) int { return int(math.Abs(float64(a>>8) - float64(b>>8))) }
	return d(r1, r2)+d(g1, g2)+d(b1, b2) <= 30
}

// near reports whether a pixel within r of p has colour want.
func (rd rendered) near(p image.Point, r int, want color.Color) bool {
	for y := p.Y - r; y <= p.Y+r; y++ {
		for x := p.X - r; x <= p.X+r; x++ {
			if sameColor(rd.img.At(x, y), want) {
				return true
			}
		}
	}
	return false
}

// rowShare is the share of the data area's columns of panel i that have
// colour want within one pixel of row y.
func (rd rendered) rowShare(i, y int, want color.Color) float64 {
	left, right := rd.panels[i].columns()
	hits := 0
	for x := left; x <= right; x++ {
		if rd.near(image.Point{X: x, Y: y}, 1, want) {
			hits++
		}
	}
	return float64(hits) / float64(right-left+1)
}

// distToSegment is the distance in pixels from p to the segment a–b.
func distToSegment(p, a, b image.Point) float64 {
	px, py, ax, ay, bx, by := float64(p.X), float64(p.Y), float64(a.X), float64(a.Y), float64(b.X), float64(b.Y)
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// hidden reports whether something drawn in panel i after the last line
// of colour col (a line or glyph of another colour, a saturation mark, a
// reference line) may cover pixel p.
func (rd rendered) hidden(i int, col color.Color, p image.Point) bool {
	pn, d := rd.fig.panels[i], rd.panels[i]
	if pn.logY {
		pn = positiveOnly(pn)
	}
	last := -1
	for si, s := range pn.series {
		if s.color == col {
			last = si
		}
	}
	for _, s := range pn.series[last+1:] {
		for j, pt := range s.xy {
			q := d.px(pt.X, pt.Y)
			if distToSegment(p, q, q) <= 9 {
				return true
			}
			if j > 0 {
				prev := s.xy[j-1]
				if distToSegment(p, d.px(prev.X, prev.Y), q) <= 4 {
					return true
				}
			}
		}
	}
	for _, m := range append(append(plotter.XYs{}, pn.marks...), pn.oom...) {
		if q := d.px(m.X, m.Y); distToSegment(p, q, q) <= 10 {
			return true
		}
	}
	for _, h := range pn.hlines {
		if math.Abs(float64(d.px(0, h.y).Y-p.Y)) <= 4 {
			return true
		}
	}
	return false
}

// wantLine is a line a plot must show: in panel panel, colour color,
// through points xy; glyphs: with a dot at each point.
type wantLine struct {
	panel          int
	label          string
	color          color.Color
	xy             plotter.XYs
	dashed, glyphs bool
}

// wantLines are the lines plot name must draw for a, read from the
// analysis (each configuration's trustworthy steps, medians across
// repeats) and, for the timeline, from the recorded steps.
func wantLines(a Analysis, name string) []wantLine {
	var out []wantLine
	metric := func(c ConfigResult, i, panel int, label string, dashed bool, f func(StepResult) *Stat, scale float64) {
		l := wantLine{panel: panel, label: c.Name + label, color: palette[i], dashed: dashed, glyphs: !dashed}
		for _, st := range c.Steps {
			if v := f(st); v != nil && !st.Untrustworthy {
				l.xy = append(l.xy, plotter.XY{X: st.Offered, Y: v.Median * scale})
			}
		}
		out = append(out, l)
	}
	for i, c := range a.Configs {
		if len(c.Steps) == 0 {
			continue
		}
		switch name {
		case PlotRPS:
			metric(c, i, 0, "", false, func(st StepResult) *Stat { return &st.RPS }, 1)
		case PlotLatency:
			metric(c, i, 0, " p95", false, func(st StepResult) *Stat { return st.P95 }, 1)
			metric(c, i, 0, " p99", true, func(st StepResult) *Stat { return st.P99 }, 1)
		case PlotErrors:
			metric(c, i, 0, "", false, func(st StepResult) *Stat { return &st.ErrorRate }, 100)
		case PlotResources:
			metric(c, i, 0, " CPU", false, func(st StepResult) *Stat { return &st.CPUPct }, 1)
			metric(c, i, 0, " memory", true, func(st StepResult) *Stat { return &st.MemPct }, 1)
		case PlotTimeline:
			for repeat := 0; repeat < 10; repeat++ {
				rps := wantLine{panel: 0, label: fmt.Sprintf("%s repeat %d throughput", c.Name, repeat), color: palette[i]}
				p95 := wantLine{panel: 1, label: fmt.Sprintf("%s repeat %d p95", c.Name, repeat), color: palette[i]}
				for _, r := range a.records {
					if r.Config.Name != c.Name || r.Repeat != repeat || r.Failure != "" {
						continue
					}
					// x: the middle of the step's window, in minutes since the run started.
					x := r.StartedAt.Sub(a.StartedAt).Minutes() + r.WindowS/2/60
					rps.xy = append(rps.xy, plotter.XY{X: x, Y: r.RPS})
					if v, ok := r.Latency.Value("p95"); ok {
						p95.xy = append(p95.xy, plotter.XY{X: x, Y: v})
					}
				}
				if len(rps.xy) > 0 {
					out = append(out, rps, p95)
				}
			}
		}
	}
	return out
}

// TestPlotsDrawTheData: in every plot of the workshop run, each
// configuration's line is drawn in its colour where the panel's axes map
// the analysis's medians (the timeline: the recorded steps): its dot at
// each point, and its line along each segment between consecutive points
// (sampled 15 times, within 2 px; a dashed line must show on 40 % of the
// samples, its dashes being 7 pt on and 4 pt off). Samples that a line
// of another colour drawn later, a mark or a reference line may cover are
// skipped, but every line has some that are not.
func TestPlotsDrawTheData(t *testing.T) {
	for _, name := range Plots {
		t.Run(name, func(t *testing.T) {
			a, rd := workshopPlot(t, name)
			checked, skipped := 0, 0
			// visible reports whether colour col is within 2 px of p,
			// counting p as skipped when something else may cover it.
			visible := func(i int, p image.Point, col color.Color) (seen, counted bool) {
				if rd.hidden(i, col, p) {
					skipped++
					return false, false
				}
				checked++
				return rd.near(p, 2, col), true
			}
			lines := wantLines(a, name)
			if len(lines) < 3 {
				t.Fatalf("%d lines expected: the fixture has three measured configurations", len(lines))
			}
			for _, l := range lines {
				before := checked
				d := rd.panels[l.panel]
				for j, pt := range l.xy {
					p := d.px(pt.X, pt.Y)
					if l.glyphs || len(l.xy) == 1 {
						if seen, counted := visible(l.panel, p, l.color); counted && !seen {
							t.Errorf("panel %d, %s: no %s point at (%.4g, %.4g), pixel %v", l.panel, l.label, colorHex(l.color), pt.X, pt.Y, p)
						}
					}
					if j == 0 {
						continue
					}
					prev := d.px(l.xy[j-1].X, l.xy[j-1].Y)
					hits, n := 0, 0
					for k := 1; k < 16; k++ {
						q := prev.Add(p.Sub(prev).Mul(k).Div(16))
						if seen, counted := visible(l.panel, q, l.color); counted {
							n++
							if seen {
								hits++
							}
						}
					}
					if want := map[bool]float64{false: 1, true: 0.4}[l.dashed]; n > 0 && float64(hits) < want*float64(n) {
						t.Errorf("panel %d, %s: the line from (%.4g, %.4g) to (%.4g, %.4g) shows on %d of %d samples between pixels %v and %v",
							l.panel, l.label, l.xy[j-1].X, l.xy[j-1].Y, pt.X, pt.Y, hits, n, prev, p)
					}
				}
				if len(l.xy) > 0 && checked == before {
					t.Errorf("panel %d, %s: every pixel of the line is covered", l.panel, l.label)
				}
			}
			t.Logf("checked %d pixels, skipped %d as covered", checked, skipped)
			if checked < 100 {
				t.Errorf("checked %d pixels, skipped %d as covered: the test sees too little", checked, skipped)
			}
		})
	}
}

// TestPlotReferenceLinesAtTheirValues: the SLO of the workshop run
// (p95 < 1 s, error rate < 1 %) is drawn as a dashed line at 1,000 ms
// and at 1 %, and the resource plot's limit line at 100 %; the line's
// colour fills most of its row and no row 12 px above or below.
func TestPlotReferenceLinesAtTheirValues(t *testing.T) {
	tests := []struct {
		plot  string
		panel int
		value float64
		color color.Color
	}{
		{PlotLatency, 0, 1000, sloColor},
		{PlotErrors, 0, 1, sloColor},
		{PlotTimeline, 1, 1000, sloColor},
		{PlotResources, 0, 100, limitColor},
	}
	for _, tc := range tests {
		t.Run(tc.plot, func(t *testing.T) {
			_, rd := workshopPlot(t, tc.plot)
			d := rd.panels[tc.panel]
			y := d.px(0, tc.value).Y
			if top, bottom := d.rows(); y < top+3 || y > bottom-3 {
				t.Fatalf("value %v maps to row %d, outside the panel's rows %d–%d", tc.value, y, top, bottom)
			}
			if share := rd.rowShare(tc.panel, y, tc.color); share < 0.5 {
				t.Errorf("the line at %v (row %d) covers %.0f %% of the panel's width, want ≥ 50 %% (dashed)", tc.value, y, share*100)
			}
			for _, off := range []int{-12, 12} {
				if share := rd.rowShare(tc.panel, y+off, tc.color); share > 0.2 {
					t.Errorf("row %d, %d px from the line at %v, is %.0f %% line colour", y+off, off, tc.value, share*100)
				}
			}
		})
	}
}

// TestPlotAxesSayWhatTheyShow: each plot's title, axis labels and scales.
func TestPlotAxesSayWhatTheyShow(t *testing.T) {
	users := "offered load (concurrent users)"
	tests := []struct {
		plot, title, xlabel string
		ylabels             []string
		logY                []bool
	}{
		{PlotRPS, "Throughput vs load — workshop", users, []string{"throughput (req/s)"}, []bool{false}},
		{PlotLatency, "Latency (p95 and p99) vs load — workshop", users, []string{"latency (ms, log scale)"}, []bool{true}},
		{PlotErrors, "Error rate vs load — workshop", users, []string{"error rate (%)"}, []bool{false}},
		{PlotResources, "CPU and memory use (% of limit) vs load — workshop", users, []string{"use (% of the configuration's limit)"}, []bool{false}},
		{PlotTimeline, "Timeline of the run: throughput and p95 — workshop",
			"time since the run started (minutes); dashed lines: a configuration (or repeat) starts",
			[]string{"throughput (req/s)", "p95 (ms, log scale)"}, []bool{false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.plot, func(t *testing.T) {
			_, rd := workshopPlot(t, tc.plot)
			if rd.fig.title != tc.title {
				t.Errorf("title %q, want %q", rd.fig.title, tc.title)
			}
			for i, d := range rd.panels {
				last := i == len(rd.panels)-1
				if got, want := d.plot.X.Label.Text, map[bool]string{true: tc.xlabel}[last]; got != want {
					t.Errorf("panel %d: x label %q, want %q", i, got, want)
				}
				if d.plot.Y.Label.Text != tc.ylabels[i] {
					t.Errorf("panel %d: y label %q, want %q", i, d.plot.Y.Label.Text, tc.ylabels[i])
				}
				if _, log := d.plot.Y.Scale.(plot.LogScale); log != tc.logY[i] {
					t.Errorf("panel %d: log scale %v, want %v", i, log, tc.logY[i])
				}
				// The x axis starts at 0 and covers every step of the run.
				if d.plot.X.Min != 0 || (tc.plot != PlotTimeline && d.plot.X.Max < 10000) {
					t.Errorf("panel %d: x axis %v–%v, want 0 to ≥ 10,000 users", i, d.plot.X.Min, d.plot.X.Max)
				}
			}
		})
	}
}

// TestPlotStepWithoutAnswersIsAGap: a step without a single answer has no
// latency, so the p95 lines skip it: in its pixel column the line's
// colour lies between its neighbours (75–105 ms for p95 50/70 and p99
// 75/105), never at the bottom where a 0 ms point would go, and the log
// axis does not stretch down for it.
func TestPlotStepWithoutAnswersIsAGap(t *testing.T) {
	recs := rampRecords(dockerConfig("a", 1, 512, 1), 0, []stepSpec{{users: 100, p95: 50}, {users: 200, p95: 60}, {users: 300, p95: 70}})
	recs[1] = silent(recs[1])
	a := Analyze(Input{Records: recs, SLO: mustSLO(t, "p95<1s")})
	tests := []struct {
		plot  string
		panel int
		x     float64 // the silent step's x
	}{
		{PlotLatency, 0, 200},
		{PlotTimeline, 1, recs[1].StartedAt.Sub(a.StartedAt).Minutes() + recs[1].WindowS/120},
	}
	for _, tc := range tests {
		t.Run(tc.plot, func(t *testing.T) {
			rd := renderPlot(t, a, tc.plot)
			d := rd.panels[tc.panel]
			col := palette[0]
			p := d.px(tc.x, 1)
			hiRow, loRow := d.px(tc.x, 50*1.5*1.5).Y, d.px(tc.x, 50).Y
			top, bottom := d.rows()
			for y := top; y <= bottom; y++ {
				if sameColor(rd.img.At(p.X, y), col) && (y < hiRow || y > loRow) {
					t.Errorf("column of the step without answers (x %v) has the line's colour at row %d, outside rows %d–%d", tc.x, y, hiRow, loRow)
					break
				}
			}
			if min := d.plot.Y.Min; min < 50/1.3/1.01 {
				t.Errorf("the latency axis starts at %.3g ms: something below the 50 ms step stretched it", min)
			}
		})
	}
}
