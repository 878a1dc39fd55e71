package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
)

//go:embed report.html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"numeric": func(g grid, i int) bool { return i < len(g.Numeric) && g.Numeric[i] },
	// fromEnd is column i's place counted from the last column (0), so
	// that the template finds the verdict and notes columns whatever
	// columns a run adds before them (the streaming ones).
	"fromEnd": func(g grid, i int) int { return len(g.Header) - 1 - i },
	"count":   formatCount,
	// split separates "338 ms (316–360)" into the value and its range.
	"split": func(cell string) []string {
		if i := strings.Index(cell, " ("); i > 0 && strings.HasSuffix(cell, ")") {
			return []string{cell[:i], cell[i+2 : len(cell)-1]}
		}
		return []string{cell, ""}
	},
}).Parse(htmlTemplateText))

// htmlPage is what the template renders.
type htmlPage struct {
	A          Analysis
	RunLine    string
	Comparison grid
	Resources  grid
	Events     grid
	EventsNote string
	Plots      []htmlPlot
	Configs    []htmlConfig
	Env        grid
	Swatches   map[string]template.CSS
	// Search is the "Search" section; nil for a run without a search.
	Search *htmlSearch
	// Rollouts and RolloutPlots are the "Rollouts under load" section
	// (no rows: a run without rollouts).
	Rollouts     grid
	RolloutNote  string
	RolloutPlots []htmlPlot
	// Challengers is the "Champion vs challenger" section, one table per
	// configuration (its verdict as the note); nil without a challenger.
	Challengers    []htmlTitled
	ChallengerNote string
	// StreamNote explains the streaming columns (a run with streams).
	StreamNote string
}

// htmlSearch is the "Search" section: the grids of search_render.go and
// the trials plot inlined.
type htmlSearch struct {
	Capacity     grid
	CapacityNote string
	Probes       []htmlTitled
	Limits       *LimitSearch
	Minimal      grid
	Trials       []htmlTitled
	Plot         template.HTML
	Projection   *Projection
}

// htmlTitled is a titled table with notes under it.
type htmlTitled struct {
	Title string
	Grid  grid
	Notes []string
}

type htmlPlot struct {
	ID, Title string
	SVG       template.HTML
}

type htmlConfig struct {
	C        ConfigResult
	Desc     string
	Headline string
	Steps    grid
	Color    template.CSS
	// RowClass styles each step row: "cap" (the capacity step), "fail",
	// "untrusted" or "".
	RowClass []string
}

// WriteHTML renders report.html: one self-contained page (CSS inline, plots
// inlined as SVG, no scripts, no external references) with the
// recommendation on top, the comparison and resource tables, warnings,
// the replicas' events, plots, per-step tables, the experiment definition and the environment.
func WriteHTML(w io.Writer, a Analysis) error {
	page := htmlPage{A: a, RunLine: runLine(a, func(s string) string { return s }), Comparison: comparisonGrid(a), Resources: resourceGrid(a),
		Events: eventGrid(a), EventsNote: eventsNote, StreamNote: streamNote, Env: environmentGrid(a.Environment), Swatches: map[string]template.CSS{}}
	for i, c := range a.Configs {
		col := template.CSS(colorHex(palette[i%len(palette)]))
		page.Swatches[c.Name] = col
		hc := htmlConfig{C: c, Desc: c.Config.Describe(), Headline: configHeadline(a, c, "the range across repeats under each value"), Color: col}
		if len(c.Steps) > 0 {
			hc.Steps = stepGrid(a, c)
			for i, st := range c.Steps {
				class := ""
				switch {
				case i == c.CapacityStep:
					class = "cap"
				case st.Untrustworthy:
					class = "untrusted"
				case !st.Pass:
					class = "fail"
				}
				hc.RowClass = append(hc.RowClass, class)
			}
		}
		page.Configs = append(page.Configs, hc)
	}
	page.Challengers, page.ChallengerNote = htmlChallengers(a), challengerNote
	if a.Search != nil {
		hs, err := htmlSearchOf(a)
		if err != nil {
			return fmt.Errorf("write report.html: %w", err)
		}
		page.Search = hs
	}
	if r := a.rollouts; r != nil {
		h, rows := rollout.Table(a.Rollouts)
		page.Rollouts, page.RolloutNote = grid{Header: h, Rows: rows, Numeric: rollout.Numeric}, rollout.Note
		for _, win := range r.Windows {
			var buf bytes.Buffer
			if err := WriteRolloutPlot(&buf, r.Seconds, win, "svg"); err != nil {
				return fmt.Errorf("write report.html: %w", err)
			}
			page.RolloutPlots = append(page.RolloutPlots, htmlPlot{ID: "rollout-" + sanitizeName(win.Name), Title: "rollout " + win.Name, SVG: template.HTML(inlineSVG(buf.String()))})
		}
	}
	for _, name := range ReportPlots(a) {
		var buf bytes.Buffer
		if err := WritePlot(&buf, a, name, "svg"); err != nil {
			return fmt.Errorf("write report.html: %w", err)
		}
		page.Plots = append(page.Plots, htmlPlot{ID: name, Title: PlotTitles[name], SVG: template.HTML(inlineSVG(buf.String()))})
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("write report.html: %w", err)
	}
	return nil
}

// htmlSearchOf builds the "Search" section of a run with a search.
func htmlSearchOf(a Analysis) (*htmlSearch, error) {
	sr := a.Search
	hs := &htmlSearch{Limits: sr.Limits, Projection: a.Projection, CapacityNote: capacitySearchNote}
	if len(sr.Capacity) > 0 {
		hs.Capacity = capacitySearchGrid(sr, a.Unit)
		for _, cs := range sr.Capacity {
			hs.Probes = append(hs.Probes, htmlTitled{Title: cs.Config + ": probe path", Grid: probeGrid(cs, a.Unit)})
		}
	}
	if ls := sr.Limits; ls != nil {
		hs.Minimal = minimalGrid(ls, a.Unit)
		for _, r := range ls.Replicas {
			hs.Trials = append(hs.Trials, htmlTitled{Title: record.ReplicasText(r.Replicas) + ": path of trials", Grid: trialGrid(r), Notes: r.Contradictions})
		}
		if hasTrials(ls) {
			var buf bytes.Buffer
			if err := WritePlot(&buf, a, PlotSearch, "svg"); err != nil {
				return nil, err
			}
			hs.Plot = template.HTML(inlineSVG(buf.String()))
		}
	}
	return hs, nil
}

var (
	svgProlog = regexp.MustCompile(`(?s)^\s*<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
	svgSize   = regexp.MustCompile(`^<svg width="[^"]*" height="[^"]*"`)
)

// inlineSVG prepares a standalone SVG document for embedding in HTML: no
// XML prolog, and a size that follows the page's width.
func inlineSVG(s string) string {
	s = svgProlog.ReplaceAllString(s, "")
	s = svgSize.ReplaceAllString(s, `<svg class="plot" role="img" width="100%" preserveAspectRatio="xMidYMid meet"`)
	return strings.TrimSpace(s)
}
