package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestHTMLSelfContained(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	page := renderHTML(t, a)
	ids := map[string]bool{}
	svgs := 0
	doc := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := doc.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := doc.Token()
		switch tok.Data {
		case "script", "link", "iframe", "object", "embed", "img":
			t.Errorf("report.html has a <%s> element: it must not need scripts or external assets", tok.Data)
		case "svg":
			svgs++
		}
		for _, at := range tok.Attr {
			if at.Key == "id" {
				ids[at.Val] = true
			}
			if (at.Key == "src" || at.Key == "href" || at.Key == "xlink:href") && !strings.HasPrefix(at.Val, "#") {
				t.Errorf("<%s %s=%q> refers outside the page", tok.Data, at.Key, at.Val)
			}
		}
	}
	for _, id := range []string{"recommendation", "comparison", "resources", "warnings", "events", "plots", "steps", "experiment", "environment"} {
		if !ids[id] {
			t.Errorf("report.html lacks section #%s", id)
		}
	}
	for _, p := range Plots {
		if !ids["plot-"+p] {
			t.Errorf("report.html lacks plot %s", p)
		}
	}
	if svgs != len(Plots) {
		t.Errorf("%d inline svgs, want %d", svgs, len(Plots))
	}
	for _, bad := range []string{`src="http`, `<script`, `<link`, `url(http`, `@import`, "<?xml"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	for _, want := range []string{a.Recommendation.Sentence[:40], "cpu1-mem1g-x2", "never became healthy", "docker version", "target_users: 10000"} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestHTMLShowsTheData: report.html of the workshop run has one
// comparison row per configuration in analysis order, one step table per
// measured configuration with a row per step (offered load first, the
// capacity step marked), the failure of the failed one, and each plot
// inlined as the SVG that WritePlot draws, which parses as XML.
func TestHTMLShowsTheData(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	page := renderHTML(t, a)
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}

	comparison := find(doc, func(n *html.Node) bool { return n.Data == "section" && attr(n, "id") == "comparison" })
	rows := findAll(comparison, func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" })
	if len(rows) != len(a.Configs) {
		t.Fatalf("comparison table has %d rows, want %d", len(rows), len(a.Configs))
	}
	for i, r := range rows {
		if cell := innerText(find(r, tag("td"))); !strings.HasPrefix(cell, a.Configs[i].Name) {
			t.Errorf("comparison row %d is %q, want configuration %s", i, cell, a.Configs[i].Name)
		}
	}

	steps := find(doc, func(n *html.Node) bool { return n.Data == "section" && attr(n, "id") == "steps" })
	configs := findAll(steps, func(n *html.Node) bool { return n.Data == "div" && attr(n, "class") == "config" })
	if len(configs) != len(a.Configs) {
		t.Fatalf("%d configurations in the steps section, want %d", len(configs), len(a.Configs))
	}
	for i, div := range configs {
		c := a.Configs[i]
		if got := innerText(find(div, tag("h3"))); got != c.Name {
			t.Errorf("steps section %d is headed %q, want %s", i, got, c.Name)
		}
		if len(c.Steps) == 0 {
			if !strings.Contains(innerText(div), "Failed: "+c.Failure) {
				t.Errorf("%s: the section does not give the failure %q: %q", c.Name, c.Failure, innerText(div))
			}
			continue
		}
		rows := findAll(div, func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" })
		if len(rows) != len(c.Steps) {
			t.Errorf("%s: %d step rows, want %d", c.Name, len(rows), len(c.Steps))
			continue
		}
		for j, r := range rows {
			if got, want := innerText(find(r, tag("td"))), formatCount(c.Steps[j].Offered); !strings.HasPrefix(got, want) {
				t.Errorf("%s step %d: first cell %q, want the offered load %s", c.Name, j, got, want)
			}
			if isCap := attr(r, "class") == "cap"; isCap != (j == c.CapacityStep) {
				t.Errorf("%s step %d: marked as the capacity step %v, capacity step is %d", c.Name, j, isCap, c.CapacityStep)
			}
		}
	}

	for _, name := range Plots {
		var svg bytes.Buffer
		if err := WritePlot(&svg, a, name, "svg"); err != nil {
			t.Fatal(err)
		}
		inline := inlineSVG(svg.String())
		if !strings.Contains(page, `<figure id="plot-`+name+`" aria-label="`+PlotTitles[name]+`">`+inline+`</figure>`) {
			t.Errorf("report.html does not inline plot %s as drawn by WritePlot", name)
		}
		dec := xml.NewDecoder(strings.NewReader(inline))
		for {
			if _, err := dec.Token(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("plot %s: the inlined svg is not well-formed: %v", name, err)
				}
				break
			}
		}
	}
}

// renderHTML is report.html of a.
func renderHTML(t *testing.T, a Analysis) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, a); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == name }
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// findAll returns the elements under n (n included) that match, in
// document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if n == nil {
		return nil
	}
	if n.Type == html.ElementNode && match(n) {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, findAll(c, match)...)
	}
	return out
}

// find returns the first element under n that matches, or nil.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

// innerText is the text content of n with runs of white space collapsed.
func innerText(n *html.Node) string {
	if n == nil {
		return ""
	}
	var parts []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			parts = append(parts, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(strings.Join(parts, "")), " ")
}
