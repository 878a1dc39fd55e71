// Package model holds the reference API's lead-scoring model: a
// deterministic synthetic dataset, a gradient-boosted trees trainer, the
// versioned JSON artifact (the trained one is embedded) and fast inference.
package model

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
)

//go:embed model.json
var embeddedArtifact []byte

// Model is a loaded, immutable tree ensemble, safe for concurrent use.
// Trees are flattened into one node array in which an internal node's
// children are adjacent (left, left+1), so Predict walks plain slices and
// allocates nothing.
type Model struct {
	meta  Artifact // without trees
	base  float64
	nodes []flatNode
	roots []int32
}

// flatNode is an internal node when feature ≥ 0 (go to left when
// x[feature] < value, else left+1) and a leaf otherwise (output value).
type flatNode struct {
	value   float64
	feature int32
	left    int32
}

// maxFlatNodes bounds the flattened size of a loaded model (64 MiB).
const maxFlatNodes = 4 << 20

var embedded = sync.OnceValues(func() (*Model, error) {
	m, err := Parse(embeddedArtifact)
	if err != nil {
		return nil, fmt.Errorf("embedded model.json: %w", err)
	}
	return m, nil
})

// Embedded returns the model compiled into the binary (parsed once).
func Embedded() (*Model, error) { return embedded() }

// Load reads and parses an artifact file.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	return m, nil
}

// Parse decodes and validates an artifact and checks that it reproduces its
// own reference predictions (to within 1e-9).
func Parse(data []byte) (*Model, error) {
	var a Artifact
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decode artifact JSON: %w", err)
	}
	return FromArtifact(&a)
}

// FromArtifact builds a Model from a decoded or freshly trained artifact.
func FromArtifact(a *Artifact) (*Model, error) {
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("invalid artifact: %w", err)
	}
	m := &Model{base: a.BaseScore}
	m.meta = *a
	m.meta.Trees = nil
	for t := range a.Trees {
		root, err := m.flatten(&a.Trees[t])
		if err != nil {
			return nil, fmt.Errorf("invalid artifact: trees[%d]: %w", t, err)
		}
		m.roots = append(m.roots, root)
	}
	for i, r := range a.Reference {
		act, ok := ParseAction([]byte(r.LastAction))
		if !ok {
			return nil, fmt.Errorf("invalid artifact: reference[%d].last_action: %q, want one of %q", i, r.LastAction, actionNames)
		}
		got := m.Predict(Lead{Age: r.Age, Salary: r.Salary, WebVisits: r.WebVisits, LastAction: act}).Probability
		if math.Abs(got-r.ConversionProbability) > 1e-9 {
			return nil, fmt.Errorf("invalid artifact: reference[%d]: trees give probability %v, artifact records %v", i, got, r.ConversionProbability)
		}
	}
	return m, nil
}

// flatten appends tree t breadth first, children adjacent, and returns the
// root's index.
func (m *Model) flatten(t *Tree) (int32, error) {
	type item struct{ src, dst int }
	root := len(m.nodes)
	m.nodes = append(m.nodes, flatNode{})
	queue := []item{{0, root}}
	for q := 0; q < len(queue); q++ {
		it := queue[q]
		if t.Feature[it.src] < 0 {
			m.nodes[it.dst] = flatNode{value: t.Value[it.src], feature: -1}
			continue
		}
		if len(m.nodes)+2 > maxFlatNodes {
			return 0, fmt.Errorf("model over %d nodes once flattened", maxFlatNodes)
		}
		l := len(m.nodes)
		m.nodes = append(m.nodes, flatNode{}, flatNode{})
		m.nodes[it.dst] = flatNode{value: t.Threshold[it.src], feature: int32(t.Feature[it.src]), left: int32(l)}
		queue = append(queue, item{t.Left[it.src], l}, item{t.Right[it.src], l + 1})
	}
	return int32(root), nil
}

// Version is the artifact's version string (model_version in responses).
func (m *Model) Version() string { return m.meta.Version }

// Metadata returns the artifact without its trees.
func (m *Model) Metadata() Artifact { return m.meta }

// NumTrees is the size of the ensemble.
func (m *Model) NumTrees() int { return len(m.roots) }

// Score returns the raw log-odds of a feature vector.
func (m *Model) Score(x *[NumFeatures]float64) float64 {
	sum := m.base
	nodes := m.nodes
	for _, i := range m.roots {
		for {
			n := &nodes[i]
			if n.feature < 0 {
				sum += n.value
				break
			}
			if x[n.feature&(NumFeatures-1)] < n.value {
				i = n.left
			} else {
				i = n.left + 1
			}
		}
	}
	return sum
}

// Predict scores one lead. It does not allocate.
func (m *Model) Predict(l Lead) Prediction {
	x := l.Features()
	return predictionOf(sigmoid(m.Score(&x)))
}

// PredictBatch scores leads into out, which must be as long as leads.
func (m *Model) PredictBatch(leads []Lead, out []Prediction) {
	out = out[:len(leads)]
	for i, l := range leads {
		out[i] = m.Predict(l)
	}
}
