package model

import (
	"math"
	"slices"
	"testing"
)

func TestGenerateIsDeterministicAndInRange(t *testing.T) {
	a, b := Generate(42, 5000), Generate(42, 5000)
	if !slices.Equal(a, b) {
		t.Fatal("same seed gave different rows")
	}
	if slices.Equal(a, Generate(43, 5000)) {
		t.Fatal("different seeds gave the same rows")
	}
	var actions [numActions]int
	pos := 0
	for i, e := range a {
		if e.Age < MinAge || e.Age > MaxAge || !(e.Salary > 0) || e.WebVisits < 0 || e.LastAction >= numActions {
			t.Fatalf("row %d out of range: %+v", i, e)
		}
		if math.Abs(math.Round(e.Salary*100)-e.Salary*100) > 1e-6 {
			t.Fatalf("row %d: salary %v not in cents", i, e.Salary)
		}
		actions[e.LastAction]++
		if e.Converted {
			pos++
		}
	}
	for act, n := range actions {
		if n == 0 {
			t.Errorf("action %s never drawn", Action(act))
		}
	}
	if rate := float64(pos) / float64(len(a)); rate < 0.15 || rate > 0.45 {
		t.Errorf("positive rate %.3f, want a usable class balance (0.15–0.45)", rate)
	}
	// GenerateLeads draws the same features without labels, so the first
	// lead (drawn before any label) matches.
	if l := GenerateLeads(42, 1)[0]; l != a[0].Lead {
		t.Fatalf("first lead %+v, want %+v", l, a[0].Lead)
	}
}

// The label must depend non-linearly on the features: the true probability
// of an interaction cell differs from what its main effects predict.
func TestTrueLogitHasInteractions(t *testing.T) {
	base := Lead{Age: 40, Salary: 90000, WebVisits: 5, LastAction: FormSubmit}
	demo := base
	demo.LastAction = DemoRequest
	poor := base
	poor.Salary = 70000
	poorDemo := poor
	poorDemo.LastAction = DemoRequest
	// Additive models have equal differences; the salary > 80,000 bonus for
	// demo requests breaks that.
	d1 := trueLogit(demo) - trueLogit(base)
	d2 := trueLogit(poorDemo) - trueLogit(poor)
	if math.Abs(d1-d2) < 0.5 {
		t.Fatalf("action effect %.3f at high salary vs %.3f at lower salary: want an interaction", d1, d2)
	}
}

func TestMetrics(t *testing.T) {
	labels := []bool{false, false, true, true}
	if got := AUC([]float64{0.1, 0.4, 0.35, 0.8}, labels); got != 0.75 {
		t.Errorf("AUC = %v, want 0.75", got)
	}
	if got := AUC([]float64{0.5, 0.5, 0.5, 0.5}, labels); got != 0.5 {
		t.Errorf("AUC of ties = %v, want 0.5", got)
	}
	if got := AUC([]float64{0.1, 0.2}, []bool{true, true}); got != 0.5 {
		t.Errorf("AUC of one class = %v, want 0.5", got)
	}
	if got := Accuracy([]float64{0.1, 0.6, 0.5, 0.2}, labels); got != 0.5 {
		t.Errorf("Accuracy = %v, want 0.5", got)
	}
	if got := LogLoss([]float64{0.5, 0.5}, []bool{true, false}); math.Abs(got-math.Ln2) > 1e-12 {
		t.Errorf("LogLoss = %v, want ln 2", got)
	}
}

func TestSegmentsAndActions(t *testing.T) {
	cases := []struct {
		p    float64
		want Segment
	}{{0, Cold}, {0.3999, Cold}, {0.4, Warm}, {0.6999, Warm}, {0.7, Hot}, {1, Hot}}
	for _, c := range cases {
		if got := SegmentOf(c.p); got != c.want {
			t.Errorf("SegmentOf(%v) = %s, want %s", c.p, got, c.want)
		}
	}
	for i, name := range ActionNames() {
		a, ok := ParseAction([]byte(name))
		if !ok || a != Action(i) || a.String() != name {
			t.Errorf("action %q round trip: %v %v", name, a, ok)
		}
	}
	if _, ok := ParseAction([]byte("Page_View")); ok {
		t.Error("ParseAction accepted a differently cased name")
	}
	if s, ok := ParseSegment("warm"); !ok || s != Warm {
		t.Error("ParseSegment(warm) failed")
	}
}
