package report

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The building blocks of the plots: axis and text styles, tickers, and
// the reference lines and legend thumbnails gonum/plot does not provide.

func styleAxis(a *plot.Axis) {
	a.Label.TextStyle.Font = font.From(sans, vg.Points(15))
	a.Label.TextStyle.Color = inkColor
	a.Tick.Label.Font = font.From(sans, vg.Points(12))
	a.Tick.Label.Color = inkColor
	a.LineStyle.Color = limitColor
	a.Tick.LineStyle.Color = limitColor
	a.Padding = vg.Points(4)
	a.Tick.Marker = thousands{plot.DefaultTicks{}}
}

// sans is the plots' typeface (embedded Liberation Sans).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size float64) text.Style {
	return text.Style{Font: font.From(sans, vg.Points(size)), Color: inkColor, Handler: plot.DefaultTextHandler}
}

// thousands labels ticks with thousands separators (10,000).
type thousands struct{ plot.Ticker }

func (t thousands) Ticks(lo, hi float64) []plot.Tick {
	ts := t.Ticker.Ticks(lo, hi)
	for i := range ts {
		switch {
		case ts[i].Label == "":
		case ts[i].Value == 0:
			ts[i].Label = "0"
		case math.Abs(ts[i].Value) >= 1000 && ts[i].Value == math.Trunc(ts[i].Value):
			ts[i].Label = formatCount(ts[i].Value)
		}
	}
	return ts
}

// lineGlyph is a legend thumbnail of a line with its point glyph.
type lineGlyph struct {
	l *plotter.Line
	s *plotter.Scatter
}

func (t lineGlyph) Thumbnail(c *draw.Canvas) {
	t.l.Thumbnail(c)
	t.s.Thumbnail(c)
}

// rule is a line across the whole panel: horizontal at y = at, or
// vertical at x = at; its legend thumbnail is horizontal.
type rule struct {
	at       float64
	vertical bool
	style    draw.LineStyle
}

func (r *rule) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if r.vertical {
		x := trX(r.at)
		c.StrokeLine2(r.style, x, c.Min.Y, x, c.Max.Y)
		return
	}
	y := trY(r.at)
	c.StrokeLine2(r.style, c.Min.X, y, c.Max.X, y)
}

// DataRange is at on the rule's axis and nothing on the other.
func (r *rule) DataRange() (xmin, xmax, ymin, ymax float64) {
	if r.vertical {
		return r.at, r.at, math.Inf(1), math.Inf(-1)
	}
	return math.Inf(1), math.Inf(-1), r.at, r.at
}

func (r *rule) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(r.style, c.Min.X, y, c.Max.X, y)
}

// unlabeled keeps a ticker's marks but drops their labels (for panels
// stacked above the one that carries the x axis).
type unlabeled struct{ plot.Ticker }

func (u unlabeled) Ticks(lo, hi float64) []plot.Tick {
	ts := u.Ticker.Ticks(lo, hi)
	for i := range ts {
		ts[i].Label = ""
	}
	return ts
}

// niceLogTicks labels a log axis at 1, 2 and 5 × powers of ten.
type niceLogTicks struct{}

func (niceLogTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 {
		lo = 1e-3
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = trimZeros(strconv.FormatFloat(v, 'f', 3, 64))
			}
			ts = append(ts, t)
		}
	}
	return ts
}
