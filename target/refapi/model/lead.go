package model

import "math"

// Action is a lead's most recent interaction, the model's one categorical
// feature. Its numeric value is the feature value the trees split on, in
// increasing order of purchase intent.
type Action uint8

// The four actions a lead can take; any other value is invalid.
const (
	PageView Action = iota
	EmailOpen
	FormSubmit
	DemoRequest
	numActions
)

var actionNames = [numActions]string{"page_view", "email_open", "form_submit", "demo_request"}

// ActionNames lists the valid last_action values in feature order.
func ActionNames() []string { return append([]string(nil), actionNames[:]...) }

// String returns the wire name of the action, or "" when a is invalid.
func (a Action) String() string {
	if a >= numActions {
		return ""
	}
	return actionNames[a]
}

// ParseAction maps a wire name ("page_view", ...) to its Action; ok is
// false for any other string. It does not allocate.
func ParseAction(b []byte) (a Action, ok bool) {
	for i, name := range actionNames {
		if string(b) == name {
			return Action(i), true
		}
	}
	return 0, false
}

// Input bounds enforced by the API and recorded in the artifact.
const (
	MinAge = 18
	MaxAge = 100
	// MaxWebVisits bounds web_visits so that it is exactly representable
	// as a float64 feature (2^53-1).
	MaxWebVisits = 1<<53 - 1
)

// Lead is one model input: age in years (MinAge–MaxAge), yearly salary
// (> 0, currency units), number of web visits (≥ 0) and the last action.
type Lead struct {
	Age        int
	Salary     float64
	WebVisits  int
	LastAction Action
}

// NumFeatures is the length of the feature vector built by Features.
const NumFeatures = 4

// featureNames are the feature vector's names, in index order.
var featureNames = [NumFeatures]string{"age", "salary", "web_visits", "last_action"}

// Features returns the feature vector the trees are evaluated on:
// age, salary, web_visits, last_action (as its Action number).
func (l Lead) Features() [NumFeatures]float64 {
	return [NumFeatures]float64{float64(l.Age), l.Salary, float64(l.WebVisits), float64(l.LastAction)}
}

// Segment is the business bucket of a conversion probability.
type Segment uint8

// Segments from least to most likely to convert.
const (
	Cold Segment = iota
	Warm
	Hot
	NumSegments
)

// Segment thresholds on the conversion probability.
const (
	HotThreshold  = 0.7
	WarmThreshold = 0.4
	// DecisionThreshold is where predicted_conversion flips to 1.
	DecisionThreshold = 0.5
)

var segmentNames = [NumSegments]string{"cold", "warm", "hot"}

// String returns "cold", "warm" or "hot".
func (s Segment) String() string {
	if s >= NumSegments {
		return ""
	}
	return segmentNames[s]
}

// ParseSegment maps "cold", "warm" or "hot" to its Segment.
func ParseSegment(s string) (Segment, bool) {
	for i, name := range segmentNames {
		if s == name {
			return Segment(i), true
		}
	}
	return 0, false
}

// SegmentOf buckets a probability: hot ≥ 0.7, warm ≥ 0.4, else cold.
func SegmentOf(p float64) Segment {
	switch {
	case p >= HotThreshold:
		return Hot
	case p >= WarmThreshold:
		return Warm
	default:
		return Cold
	}
}

// Prediction is the model's answer for one lead.
type Prediction struct {
	// Probability is the conversion probability in [0, 1].
	Probability float64
	// Converted is Probability ≥ DecisionThreshold.
	Converted bool
	Segment   Segment
}

func predictionOf(p float64) Prediction {
	return Prediction{Probability: p, Converted: p >= DecisionThreshold, Segment: SegmentOf(p)}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
