package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
)

var tableHeader = []string{"gate", "measured", "limit", "baseline", "delta", "result"}

func rows(v Verdict) [][]string {
	out := make([][]string, 0, len(v.Checks))
	for _, c := range v.Checks {
		res := "PASS"
		if !c.Pass {
			res = "FAIL"
		}
		if c.Message != "" {
			res += " — " + c.Message
		}
		out = append(out, []string{c.Name, c.Measured, c.Limit, dash(c.Baseline), dash(c.Delta), res})
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteTable renders the verdict as a terminal table followed by the
// overall result.
func WriteTable(w io.Writer, v Verdict) error {
	t := tablewriter.NewWriter(w)
	t.Header(tableHeader)
	if err := t.Bulk(rows(v)); err != nil {
		return fmt.Errorf("gate table: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("gate table: %w", err)
	}
	_, err := io.WriteString(w, summaryLine(v)+"\n")
	return err
}

func summaryLine(v Verdict) string {
	failed := 0
	for _, c := range v.Checks {
		if !c.Pass {
			failed++
		}
	}
	var b strings.Builder
	switch v.ExitCode() {
	case ExitUntrustworthy:
		b.WriteString("UNTRUSTWORTHY — the run cannot be gated: " + strings.Join(v.Untrustworthy, "; "))
	case ExitFail:
		fmt.Fprintf(&b, "FAIL — %d of %d gates failed", failed, len(v.Checks))
	default:
		fmt.Fprintf(&b, "PASS — %d gates passed", len(v.Checks))
	}
	return b.String()
}

// JUnit XML, the shape Jenkins and GitLab read: one testsuite, one
// testcase per gate, a <failure> with the numbers for each failed one, and
// an <error> testcase when the data is untrustworthy.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Errors  int          `xml:"errors,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name   string      `xml:"name,attr"`
	Tests  int         `xml:"tests,attr"`
	Fails  int         `xml:"failures,attr"`
	Errors int         `xml:"errors,attr"`
	Cases  []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the verdict as JUnit XML.
func WriteJUnit(w io.Writer, v Verdict) error {
	s := junitSuite{Name: "loadlab gate"}
	for _, c := range v.Checks {
		class := "loadlab." + c.Config
		if c.Config == "" {
			class = "loadlab.run" // a check of the whole run, as the baseline's experiment
		}
		tc := junitCase{Name: c.Name, Classname: class,
			SystemOut: fmt.Sprintf("measured %s, limit %s, baseline %s, delta %s", c.Measured, c.Limit, dash(c.Baseline), dash(c.Delta))}
		if c.Message != "" {
			tc.SystemOut += " (" + c.Message + ")"
		}
		if !c.Pass {
			msg := fmt.Sprintf("%s: measured %s, limit %s", c.Metric, c.Measured, c.Limit)
			if c.Baseline != "" {
				msg += fmt.Sprintf(", baseline %s", c.Baseline)
			}
			if c.Delta != "" {
				msg += ", change " + c.Delta
			}
			if c.Message != "" {
				msg += " (" + c.Message + ")"
			}
			tc.Failure = &junitProblem{Message: msg, Type: "gate", Text: tc.SystemOut}
			s.Fails++
		}
		s.Cases = append(s.Cases, tc)
	}
	for _, u := range v.Untrustworthy {
		s.Cases = append(s.Cases, junitCase{Name: "trustworthy data", Classname: "loadlab.run",
			Error: &junitProblem{Message: u, Type: "untrustworthy", Text: u}})
		s.Errors++
	}
	s.Tests = len(s.Cases)
	doc := junitSuites{Name: "loadlab", Tests: s.Tests, Fails: s.Fails, Errors: s.Errors, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
