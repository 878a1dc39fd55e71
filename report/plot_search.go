package report

import (
	"image/color"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/loadlab/loadlab/record"
)

// searchFigure plots a limit search's trials: CPU per replica on x, the
// trial's number in the order run on y (so the path reads bottom to
// top), one line per replica count through its trials, and each trial's
// verdict as a glyph in its replica count's colour: a filled circle
// passed, a cross failed, a square measured the capacity at the largest
// limits, a ring decided nothing (untrusted or interrupted).
func searchFigure(a Analysis) figure {
	pn := panel{ylabel: "trial (in the order run)", yMin0: true}
	if a.Search == nil || a.Search.Limits == nil {
		return figure{xlabel: "CPU limit per replica (CPUs)", panels: []panel{pn}}
	}
	for i, r := range a.Search.Limits.Replicas {
		col := palette[i%len(palette)]
		line := series{label: record.ReplicasText(r.Replicas), color: col, dashed: true}
		pass := pointSet{label: record.ReplicasText(r.Replicas) + ": pass", color: col, shape: draw.CircleGlyph{}}
		fail := pointSet{label: record.ReplicasText(r.Replicas) + ": fail", color: col, shape: draw.CrossGlyph{}}
		measured := pointSet{label: record.ReplicasText(r.Replicas) + ": capacity measured", color: col, shape: draw.SquareGlyph{}}
		none := pointSet{label: record.ReplicasText(r.Replicas) + ": decided nothing", color: col, shape: draw.RingGlyph{}}
		for _, t := range r.Path {
			pt := plotter.XY{X: t.CPUs, Y: float64(t.Trial)}
			line.xy = append(line.xy, pt)
			switch t.Verdict {
			case TrialPass:
				pass.xy = append(pass.xy, pt)
			case TrialFail:
				fail.xy = append(fail.xy, pt)
			case TrialMeasured:
				measured.xy = append(measured.xy, pt)
			default:
				none.xy = append(none.xy, pt)
			}
		}
		pn.series = append(pn.series, line)
		pn.points = append(pn.points, pass, fail, measured, none)
	}
	return figure{xlabel: "CPU limit per replica (CPUs)", panels: []panel{pn}}
}

// pointSet is a set of glyphs of one colour and shape, without a line.
type pointSet struct {
	label string
	color color.Color
	shape draw.GlyphDrawer
	xy    plotter.XYs
}
