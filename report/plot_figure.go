package report

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot size in pixels (at 96 dpi for PNG; the SVG has the same size in CSS
// pixels).
const (
	PlotWidthPx  = 1200
	PlotHeightPx = 800
)

// figure is a renderer-neutral description of one plot: one or more
// panels stacked vertically over a shared x axis, and a legend on the right.
type figure struct {
	title  string
	xlabel string
	panels []panel
	// note is drawn in the plot area when there is no data.
	note string
}

// panel is one set of axes.
type panel struct {
	ylabel string
	logY   bool
	// yMin0 starts the y axis at zero; yMinMax widens it to at least this.
	yMin0   bool
	yMinMax float64
	series  []series
	// marks are untrustworthy points, drawn as crosses; oom marks steps
	// with OOM kills, drawn as triangles.
	marks  plotter.XYs
	oom    plotter.XYs
	hlines []refLine
	// points are glyphs without lines (a search's verdicts), each set
	// with its own colour, shape and legend entry.
	points []pointSet
	// vlines mark step boundaries (thin) and configuration starts (bold).
	vlines, vlinesBold []float64
}

// series is one line.
type series struct {
	label  string
	color  color.Color
	dashed bool
	glyphs bool
	xy     plotter.XYs
	// lo and hi, when set, give each point's min–max across repeats.
	lo, hi []float64
}

// refLine is a horizontal reference line across the panel (an SLO limit).
type refLine struct {
	label string
	y     float64
	color color.Color
}

var (
	palette = []color.Color{
		rgb(0x4e79a7), rgb(0xf28e2b), rgb(0x59a14f), rgb(0xb07aa1), rgb(0x76b7b2),
		rgb(0xedc948), rgb(0xff9da7), rgb(0x9c755f), rgb(0xbab0ac), rgb(0xe15759),
	}
	sloColor   = rgb(0xd62728)
	limitColor = rgb(0x7f7f7f)
	gridColor  = rgb(0xe6e6e6)
	stepColor  = rgb(0xd9d9d9)
	inkColor   = rgb(0x333333)
)

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// colorHex renders a palette colour as #rrggbb for HTML.
func colorHex(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// writeFigure renders f as "png" or "svg" at PlotWidthPx × PlotHeightPx.
func writeFigure(w io.Writer, f figure, format string) error {
	wd, ht := plotSize()
	var wt io.WriterTo
	switch format {
	case "png":
		c, _, err := drawPNG(f)
		if err != nil {
			return err
		}
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(wd, ht)
		if _, err := drawFigure(draw.New(c), f); err != nil {
			return err
		}
		wt = c
	default:
		return fmt.Errorf("plot %q: unknown format %q (use png or svg)", f.title, format)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("write plot %q: %w", f.title, err)
	}
	return nil
}

// plotSize is PlotWidthPx × PlotHeightPx at 96 dpi.
func plotSize() (wd, ht vg.Length) {
	return vg.Length(PlotWidthPx) * vg.Inch / 96, vg.Length(PlotHeightPx) * vg.Inch / 96
}

// drawPNG draws f on a white PlotWidthPx × PlotHeightPx raster at 96 dpi.
func drawPNG(f figure) (*vgimg.Canvas, []drawnPanel, error) {
	wd, ht := plotSize()
	c := vgimg.NewWith(vgimg.UseWH(wd, ht), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
	panels, err := drawFigure(draw.New(c), f)
	return c, panels, err
}

// drawnPanel is where drawFigure drew one panel: its axes, and the canvas
// of its data area; plot.Transforms(&data) maps data coordinates to the
// canvas (in points from the bottom left).
type drawnPanel struct {
	plot *plot.Plot
	data draw.Canvas
}

// drawFigure draws the panels on the left 73 % of c and the legend on the
// right, and returns where it drew each panel, top first.
func drawFigure(dc draw.Canvas, f figure) ([]drawnPanel, error) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	pad := vg.Points(14)
	area := draw.Crop(dc, pad, -pad, pad, -pad)

	// Title across the whole width.
	title := textStyle(20)
	title.XAlign = draw.XLeft
	title.YAlign = draw.YTop
	area.FillText(title, vg.Point{X: area.Min.X, Y: area.Max.Y}, f.title)
	area.Max.Y -= title.Rectangle(f.title).Size().Y + vg.Points(10)

	split := area.Min.X + (area.Max.X-area.Min.X)*0.73
	plotArea := area
	plotArea.Max.X = split
	legendArea := area
	legendArea.Min.X = split + vg.Points(14)
	legendArea.Max.Y -= vg.Points(6)

	plots := make([][]*plot.Plot, len(f.panels))
	legend := plot.NewLegend()
	legend.TextStyle = textStyle(12)
	legend.Top, legend.Left = true, true
	legend.ThumbnailWidth = vg.Points(28)
	legend.Padding = vg.Points(7)
	seen := map[string]bool{}
	for i, pn := range f.panels {
		p, err := buildPanel(pn, &legend, seen)
		if err != nil {
			return nil, fmt.Errorf("plot %q: %w", f.title, err)
		}
		if i == len(f.panels)-1 {
			p.X.Label.Text = f.xlabel
		} else {
			p.X.Tick.Marker = unlabeled{plot.DefaultTicks{}}
		}
		plots[i] = []*plot.Plot{p}
	}
	if len(plots) == 0 {
		return nil, nil
	}
	alignX(plots)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(12)}
	canvases := plot.Align(plots, tiles, plotArea)
	drawn := make([]drawnPanel, len(plots))
	for i := range plots {
		p := plots[i][0]
		p.Draw(canvases[i][0])
		drawn[i] = drawnPanel{plot: p, data: p.DataCanvas(canvases[i][0])}
	}
	legend.Draw(legendArea)
	if f.note != "" {
		st := textStyle(16)
		st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
		plotArea.FillText(st, plotArea.Center(), f.note)
	}
	return drawn, nil
}

// alignX gives stacked panels the same x range.
func alignX(plots [][]*plot.Plot) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range plots {
		lo, hi = math.Min(lo, row[0].X.Min), math.Max(hi, row[0].X.Max)
	}
	for _, row := range plots {
		row[0].X.Min, row[0].X.Max = lo, hi
	}
}

// buildPanel turns a panel into a gonum plot, adding its legend entries
// (once per label) to legend.
func buildPanel(pn panel, legend *plot.Legend, seen map[string]bool) (*plot.Plot, error) {
	if pn.logY {
		pn = positiveOnly(pn)
	}
	p := plot.New()
	p.BackgroundColor = color.White
	styleAxis(&p.X)
	styleAxis(&p.Y)
	p.Y.Label.Text = pn.ylabel
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = gridColor, gridColor
	p.Add(g)
	addLegend := func(label string, th plot.Thumbnailer) {
		if label == "" || seen[label] {
			return
		}
		seen[label] = true
		legend.Add(label, th)
	}

	for _, x := range pn.vlines {
		p.Add(&rule{at: x, vertical: true, style: draw.LineStyle{Color: stepColor, Width: vg.Points(0.6)}})
	}
	for _, x := range pn.vlinesBold {
		p.Add(&rule{at: x, vertical: true, style: draw.LineStyle{Color: limitColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}})
	}
	for _, s := range pn.series {
		if len(s.xy) == 0 {
			continue
		}
		if s.lo != nil {
			eb, err := errorBars(s)
			if err != nil {
				return nil, err
			}
			p.Add(eb)
		}
		l, err := plotter.NewLine(s.xy)
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", s.label, err)
		}
		l.LineStyle = draw.LineStyle{Color: s.color, Width: vg.Points(2.2)}
		if s.dashed {
			l.LineStyle.Dashes = []vg.Length{vg.Points(7), vg.Points(4)}
		}
		p.Add(l)
		if s.glyphs {
			sc, err := plotter.NewScatter(s.xy)
			if err != nil {
				return nil, fmt.Errorf("series %q: %w", s.label, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			addLegend(s.label, lineGlyph{l, sc})
		} else {
			addLegend(s.label, l)
		}
	}
	for _, m := range []struct {
		xy    plotter.XYs
		color color.Color
		shape draw.GlyphDrawer
		label string
	}{
		{pn.marks, inkColor, draw.CrossGlyph{}, "generator saturated (excluded)"},
		{pn.oom, sloColor, draw.TriangleGlyph{}, "OOM kill"},
	} {
		if len(m.xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(m.xy)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: m.color, Radius: vg.Points(6), Shape: m.shape}
		p.Add(sc)
		addLegend(m.label, sc)
	}
	for _, ps := range pn.points {
		if len(ps.xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(ps.xy)
		if err != nil {
			return nil, fmt.Errorf("points %q: %w", ps.label, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: ps.color, Radius: vg.Points(7), Shape: ps.shape}
		p.Add(sc)
		addLegend(ps.label, sc)
	}
	for _, h := range pn.hlines {
		hl := &rule{at: h.y, style: draw.LineStyle{Color: h.color, Width: vg.Points(2), Dashes: []vg.Length{vg.Points(10), vg.Points(5)}}}
		p.Add(hl)
		addLegend(h.label, hl)
	}

	if pn.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = niceLogTicks{}
		if p.Y.Min > p.Y.Max { // no data: an empty decade
			p.Y.Min, p.Y.Max = 1, 10
		}
		if p.Y.Min <= 0 {
			p.Y.Min = 1
		}
		p.Y.Max = math.Max(p.Y.Max, p.Y.Min)
		p.Y.Min /= 1.3
		p.Y.Max *= 1.3
	} else {
		if pn.yMin0 {
			p.Y.Min = 0
		}
		p.Y.Max = math.Max(p.Y.Max, pn.yMinMax)
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.06
	}
	if p.X.Min > p.X.Max { // no data
		p.X.Min, p.X.Max = 0, 1
	}
	p.X.Min = math.Min(p.X.Min, 0)
	if p.Y.Min > p.Y.Max {
		p.Y.Min, p.Y.Max = 0, math.Max(1, pn.yMinMax)
	}
	return p, nil
}

// positiveOnly drops what a log axis cannot show: points, marks and
// reference lines at or below zero (a latency is never 0 ms unless nothing
// was measured), and clamps min–max bars to the smallest positive value.
func positiveOnly(pn panel) panel {
	keep := func(xy plotter.XYs) plotter.XYs {
		var out plotter.XYs
		for _, pt := range xy {
			if pt.Y > 0 {
				out = append(out, pt)
			}
		}
		return out
	}
	series := make([]series, len(pn.series))
	for i, s := range pn.series {
		if s.lo == nil {
			s.xy = keep(s.xy)
		} else {
			var xy plotter.XYs
			var lo, hi []float64
			for j, pt := range s.xy {
				if pt.Y > 0 {
					xy, lo, hi = append(xy, pt), append(lo, math.Max(s.lo[j], pt.Y/10)), append(hi, s.hi[j])
				}
			}
			s.xy, s.lo, s.hi = xy, lo, hi
		}
		series[i] = s
	}
	pn.series, pn.marks, pn.oom = series, keep(pn.marks), keep(pn.oom)
	var hl []refLine
	for _, h := range pn.hlines {
		if h.y > 0 {
			hl = append(hl, h)
		}
	}
	pn.hlines = hl
	return pn
}

// errorBars draws each point's min–max across repeats.
func errorBars(s series) (*plotter.YErrorBars, error) {
	v := struct {
		plotter.XYs
		plotter.YErrors
	}{XYs: s.xy, YErrors: make(plotter.YErrors, len(s.xy))}
	for i, pt := range s.xy {
		v.YErrors[i].Low, v.YErrors[i].High = pt.Y-s.lo[i], s.hi[i]-pt.Y
	}
	eb, err := plotter.NewYErrorBars(v)
	if err != nil {
		return nil, fmt.Errorf("series %q: min–max bars: %w", s.label, err)
	}
	eb.LineStyle = draw.LineStyle{Color: s.color, Width: vg.Points(1.2)}
	eb.CapWidth = vg.Points(6)
	return eb, nil
}
