package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// FormatV1 identifies version 1 of the artifact layout below.
const FormatV1 = "loadlab-gbt/1"

// Artifact is the versioned JSON file of a trained model: metadata, the
// trees and a few reference predictions made at training time. The
// probability of a lead is sigmoid(base_score + Σ tree outputs).
type Artifact struct {
	Format string `json:"format"`
	// Version is "lead-gbt-" and the first 12 hex digits of the SHA-256 of
	// the base score and trees: it changes whenever the model does.
	Version   string       `json:"version"`
	TrainedAt string       `json:"trained_at"`
	Features  []Feature    `json:"features"`
	Training  TrainingInfo `json:"training"`
	Metrics   Metrics      `json:"metrics"`
	BaseScore float64      `json:"base_score"`
	// Reference rows are held-out leads with the probability the trainer
	// computed for them; Parse checks the loaded trees reproduce them.
	Reference []ReferenceRow `json:"reference"`
	Trees     []Tree         `json:"trees,omitempty"`
}

// Feature describes one input of the model and its accepted values.
type Feature struct {
	Name         string   `json:"name"`
	Type         string   `json:"type"` // "integer", "number" or "category"
	Minimum      *float64 `json:"minimum,omitempty"`
	Maximum      *float64 `json:"maximum,omitempty"`
	ExclusiveMin *float64 `json:"exclusive_minimum,omitempty"`
	// Categories lists a category feature's values; a value's feature
	// number is its index.
	Categories []string `json:"categories,omitempty"`
}

// TrainingInfo records how the model was trained.
type TrainingInfo struct {
	Algorithm      string  `json:"algorithm"`
	Loss           string  `json:"loss"`
	Seed           uint64  `json:"seed"`
	Rows           int     `json:"rows"`
	TrainRows      int     `json:"train_rows"`
	TestRows       int     `json:"test_rows"`
	Trees          int     `json:"trees"`
	MaxDepth       int     `json:"max_depth"`
	LearningRate   float64 `json:"learning_rate"`
	L2             float64 `json:"l2"`
	MinSamplesLeaf int     `json:"min_samples_leaf"`
	MaxBins        int     `json:"max_bins"`
}

// Tree is one regression tree as parallel arrays indexed by node; node 0
// is the root. An internal node sends a row to Left when
// feature value < Threshold, else to Right; child indexes are always
// greater than the parent's. A leaf has Feature -1 and outputs Value.
type Tree struct {
	Feature   []int     `json:"feature"`
	Threshold []float64 `json:"threshold"`
	Left      []int     `json:"left"`
	Right     []int     `json:"right"`
	Value     []float64 `json:"value"`
}

// ReferenceRow is a lead and the probability the trainer gave it.
type ReferenceRow struct {
	Age                   int     `json:"age"`
	Salary                float64 `json:"salary"`
	WebVisits             int     `json:"web_visits"`
	LastAction            string  `json:"last_action"`
	ConversionProbability float64 `json:"conversion_probability"`
}

func featureSpecs() []Feature {
	f := func(v float64) *float64 { return &v }
	return []Feature{
		{Name: "age", Type: "integer", Minimum: f(MinAge), Maximum: f(MaxAge)},
		{Name: "salary", Type: "number", ExclusiveMin: f(0)},
		{Name: "web_visits", Type: "integer", Minimum: f(0)},
		{Name: "last_action", Type: "category", Categories: ActionNames()},
	}
}

// Encode renders the artifact as JSON: metadata indented, one tree per
// line, trailing newline. The output depends only on the artifact's values.
func (a *Artifact) Encode() ([]byte, error) {
	head := *a
	head.Trees = nil
	b, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode artifact metadata: %w", err)
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-2]) // drop "\n}"
	buf.WriteString(",\n  \"trees\": [")
	for i, t := range a.Trees {
		tb, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("encode tree %d: %w", i, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(tb)
	}
	buf.WriteString("\n  ]\n}\n")
	return buf.Bytes(), nil
}

// contentVersion derives Version from the base score and the trees.
func (a *Artifact) contentVersion() string {
	h := sha256.New()
	fmt.Fprintf(h, "%x\n", math.Float64bits(a.BaseScore))
	enc := json.NewEncoder(h)
	for _, t := range a.Trees {
		_ = enc.Encode(t) // hash.Hash writes never fail
	}
	return "lead-gbt-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// validate checks everything inference relies on and reports all problems,
// each naming its field.
func (a *Artifact) validate() error {
	var errs []error
	if a.Format != FormatV1 {
		errs = append(errs, fmt.Errorf("format: %q, want %q", a.Format, FormatV1))
	}
	if a.Version == "" {
		errs = append(errs, errors.New("version: empty, want a model version string"))
	}
	want := featureSpecs()
	if len(a.Features) != len(want) {
		errs = append(errs, fmt.Errorf("features: %d features, want %d (age, salary, web_visits, last_action)", len(a.Features), len(want)))
	} else {
		for i, f := range a.Features {
			if f.Name != want[i].Name {
				errs = append(errs, fmt.Errorf("features[%d].name: %q, want %q", i, f.Name, want[i].Name))
			}
		}
		if got := a.Features[3].Categories; !slices.Equal(got, want[3].Categories) {
			errs = append(errs, fmt.Errorf("features[3].categories: %q, want %q in that order", got, want[3].Categories))
		}
	}
	if !finite(a.BaseScore) {
		errs = append(errs, fmt.Errorf("base_score: %v, want a finite number", a.BaseScore))
	}
	if len(a.Trees) == 0 {
		errs = append(errs, errors.New("trees: empty, want at least one tree"))
	}
	for t, tr := range a.Trees {
		if err := tr.validate(); err != nil {
			errs = append(errs, fmt.Errorf("trees[%d]: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

func (t *Tree) validate() error {
	n := len(t.Feature)
	if n == 0 {
		return errors.New("no nodes")
	}
	if len(t.Threshold) != n || len(t.Left) != n || len(t.Right) != n || len(t.Value) != n {
		return fmt.Errorf("feature, threshold, left, right and value have %d, %d, %d, %d, %d entries: want equal lengths",
			n, len(t.Threshold), len(t.Left), len(t.Right), len(t.Value))
	}
	depth := make([]int, n)
	for i := range n {
		if t.Feature[i] < 0 {
			if !finite(t.Value[i]) {
				return fmt.Errorf("node %d: leaf value %v, want a finite number", i, t.Value[i])
			}
			continue
		}
		if t.Feature[i] >= NumFeatures {
			return fmt.Errorf("node %d: feature %d, want -1 (leaf) or 0–%d", i, t.Feature[i], NumFeatures-1)
		}
		if !finite(t.Threshold[i]) {
			return fmt.Errorf("node %d: threshold %v, want a finite number", i, t.Threshold[i])
		}
		for _, c := range []int{t.Left[i], t.Right[i]} {
			if c <= i || c >= n {
				return fmt.Errorf("node %d: child %d, want an index in %d–%d (children follow their parent)", i, c, i+1, n-1)
			}
			depth[c] = max(depth[c], depth[i]+1)
			if depth[c] > maxTreeDepth {
				return fmt.Errorf("node %d: depth over %d", c, maxTreeDepth)
			}
		}
	}
	return nil
}

// maxTreeDepth bounds loaded trees, keeping the flattened layout small.
const maxTreeDepth = 16

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
