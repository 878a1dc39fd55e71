package rollout

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func p(v float64) *float64 { return &v }

// sec is the second i of a timeline starting at t0.
func sec(i int, ok, errs int64, kinds map[string]int64, p95 *float64, tasks map[string]int) record.Second {
	return record.Second{
		At: t0.Add(time.Duration(i) * time.Second), DurationS: 1, Rollout: "start-first",
		Requests: ok + errs, Successes: ok, Errors: errs, ErrorsByKind: kinds, P95Ms: p95, Tasks: tasks,
	}
}

func TestJudge(t *testing.T) {
	v1 := map[string]int{"api:v1": 2}
	mixed := map[string]int{"api:v1": 1, "api:v2": 2}
	v2 := map[string]int{"api:v2": 2}
	clean := []record.Second{
		sec(0, 100, 0, nil, p(10), v1),
		sec(1, 100, 0, nil, p(12), v1),
		sec(2, 90, 0, nil, p(40), mixed), // rollout from 2 s
		sec(3, 90, 0, nil, p(25), v2),
		sec(4, 100, 0, nil, p(11), v2), // ended at 4 s: not counted
	}
	lossy := []record.Second{
		sec(0, 100, 0, nil, p(10), v1),
		sec(1, 50, 7, map[string]int64{"refused": 5, "reset": 2}, p(30), v1),
		sec(2, 0, 20, map[string]int64{"refused": 20}, p(0.2), nil),
		sec(3, 80, 1, map[string]int64{"eof": 1}, p(90), v2),
	}
	allErr := []record.Second{
		sec(0, 0, 10, map[string]int64{"refused": 10}, p(0.1), nil),
		sec(1, 0, 10, map[string]int64{"refused": 10}, p(0.1), nil),
	}
	tests := []struct {
		name string
		secs []record.Second
		w    Window
		want Verdict
	}{
		{
			name: "start-first, no loss",
			secs: clean,
			w:    Window{Name: "start-first", Start: t0.Add(2 * time.Second), End: t0.Add(4 * time.Second), State: "completed"},
			want: Verdict{Name: "start-first", State: "completed", Ended: true, DurationS: 2, Seconds: 2,
				Requests: 180, Successes: 180, WorstP95Ms: p(40), WorstP95At: t0.Add(2 * time.Second), BeforeP95Ms: p(11),
				ServedByVersion: map[string]float64{"api:v1": 30, "api:v2": 150}},
		},
		{
			name: "stop-first, lost requests by kind, a silent second",
			secs: lossy,
			w:    Window{Name: "start-first", Start: t0.Add(1500 * time.Millisecond), End: t0.Add(3200 * time.Millisecond)},
			want: Verdict{Name: "start-first", Ended: true, DurationS: 1.7, Seconds: 3,
				Requests: 158, Successes: 130, Failed: 28, FailedByKind: map[string]int64{"refused": 25, "reset": 2, "eof": 1},
				WorstP95Ms: p(90), WorstP95At: t0.Add(3 * time.Second), BeforeP95Ms: p(10), SilentSeconds: 1,
				ServedByVersion: map[string]float64{"api:v1": 50, "api:v2": 80}},
		},
		{
			name: "not ended: runs to the last second",
			secs: clean,
			w:    Window{Name: "start-first", Start: t0.Add(3 * time.Second)},
			want: Verdict{Name: "start-first", DurationS: 2, Seconds: 2, Requests: 190, Successes: 190,
				WorstP95Ms: p(25), WorstP95At: t0.Add(3 * time.Second), BeforeP95Ms: p(12),
				ServedByVersion: map[string]float64{"api:v2": 190}},
		},
		{
			name: "all errors: no success, no version, p95 of the failures",
			secs: allErr,
			w:    Window{Name: "start-first", Start: t0, End: t0.Add(2 * time.Second)},
			want: Verdict{Name: "start-first", Ended: true, DurationS: 2, Seconds: 2, Requests: 20, Failed: 20,
				FailedByKind: map[string]int64{"refused": 20}, WorstP95Ms: p(0.1), WorstP95At: t0, SilentSeconds: 2},
		},
		{
			name: "empty timeline",
			w:    Window{Name: "stop-first", Start: t0, End: t0.Add(3 * time.Second)},
			want: Verdict{Name: "stop-first", Ended: true, DurationS: 3},
		},
		{
			name: "another rollout's seconds are not read",
			secs: clean,
			w:    Window{Name: "stop-first", Start: t0, End: t0.Add(3 * time.Second)},
			want: Verdict{Name: "stop-first", Ended: true, DurationS: 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Judge(tc.secs, tc.w)
			if err := same(got, tc.want); err != nil {
				t.Errorf("%v\n got %+v\nwant %+v", err, got, tc.want)
			}
		})
	}
}

// same compares two verdicts field by field (pointers by value, the
// version estimate within 1e-9).
func same(a, b Verdict) error {
	var errs []error
	eqp := func(name string, x, y *float64) {
		if (x == nil) != (y == nil) || (x != nil && *x != *y) {
			errs = append(errs, errors.New(name))
		}
	}
	eqp("WorstP95Ms", a.WorstP95Ms, b.WorstP95Ms)
	eqp("BeforeP95Ms", a.BeforeP95Ms, b.BeforeP95Ms)
	if !maps.Equal(a.FailedByKind, b.FailedByKind) {
		errs = append(errs, errors.New("FailedByKind"))
	}
	if len(a.ServedByVersion) != len(b.ServedByVersion) {
		errs = append(errs, errors.New("ServedByVersion"))
	}
	for k, x := range a.ServedByVersion {
		if d := x - b.ServedByVersion[k]; d > 1e-9 || d < -1e-9 {
			errs = append(errs, errors.New("ServedByVersion["+k+"]"))
		}
	}
	if d := a.DurationS - b.DurationS; d > 1e-9 || d < -1e-9 {
		errs = append(errs, errors.New("DurationS"))
	}
	a.WorstP95Ms, a.BeforeP95Ms, a.FailedByKind, a.ServedByVersion, a.DurationS = nil, nil, nil, nil, 0
	b.WorstP95Ms, b.BeforeP95Ms, b.FailedByKind, b.ServedByVersion, b.DurationS = nil, nil, nil, nil, 0
	if a.Name != b.Name || a.State != b.State || a.Ended != b.Ended || a.Seconds != b.Seconds ||
		a.Requests != b.Requests || a.Successes != b.Successes || a.Failed != b.Failed ||
		!a.WorstP95At.Equal(b.WorstP95At) || a.SilentSeconds != b.SilentSeconds {
		errs = append(errs, errors.New("counts, names or instants"))
	}
	return errors.Join(errs...)
}

func TestWriteMarkdown(t *testing.T) {
	vs := []Verdict{
		{Name: "start-first", State: "completed", Ended: true, DurationS: 12.34, Requests: 1000, Successes: 1000,
			WorstP95Ms: p(41.5), BeforeP95Ms: p(10), ServedByVersion: map[string]float64{"api:v1": 400, "api:v2": 600}},
		{Name: "stop-first", Ended: false, DurationS: 3, Requests: 10, Failed: 10, FailedByKind: map[string]int64{"reset": 3, "refused": 7}, SilentSeconds: 3},
		{Name: "nothing", Ended: true},
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, vs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| start-first | 12.3 s | completed | 1000 | 0 (0.00 %) | — | 41.5 ms | 10.0 ms | 0 | api:v1 400, api:v2 600 |",
		"| stop-first | 3.0 s | not ended when measured | 10 | 10 (100.00 %) | refused 7, reset 3 | no answers | no answers | 3 | — |",
		"| nothing | 0.0 s | yes | 0 | no requests |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteMarkdown(&b, nil); err != nil || b.String() != "No rollout was measured.\n" {
		t.Errorf("no verdicts: %q, %v", b.String(), err)
	}
	if err := WriteMarkdown(failWriter{}, vs); err == nil || !strings.Contains(err.Error(), "rollout table") {
		t.Errorf("a failed write returned %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWindowsRoundTrip(t *testing.T) {
	ws := []Window{
		{Name: "start-first", Start: t0, End: t0.Add(7 * time.Second), State: "completed"},
		{Name: "stop-first", Start: t0.Add(time.Minute), State: "not over after 3m0s (updating)"},
	}
	var b strings.Builder
	if err := WriteWindows(&b, ws); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `"end": "0001`) {
		t.Errorf("a rollout that never ended has an end:\n%s", b.String())
	}
	got, err := ReadWindows(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].End.Equal(ws[0].End) || !got[1].End.IsZero() || got[1].State != ws[1].State {
		t.Errorf("round trip: %+v", got)
	}
	if _, err := ReadWindows(strings.NewReader("{")); err == nil {
		t.Error("a torn file decoded")
	}
}

// TestMarkdownEscapesPipes: a name with "|" does not break the table.
func TestMarkdownEscapesPipes(t *testing.T) {
	var b strings.Builder
	if err := WriteMarkdown(&b, []Verdict{{Name: "a|b", Ended: true}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `| a\|b |`) {
		t.Errorf("pipe not escaped:\n%s", b.String())
	}
	h, rows := Table([]Verdict{{Name: "a|b"}})
	if len(h) != len(Numeric) || rows[0][0] != "a|b" {
		t.Errorf("Table: %d columns (%d numeric flags), first cell %q", len(h), len(Numeric), rows[0][0])
	}
}
