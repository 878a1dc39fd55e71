package model

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallConfig trains in a few milliseconds for determinism tests.
func smallConfig(seed uint64) TrainConfig {
	c := DefaultTrainConfig()
	c.Seed = seed
	c.Rows = 3000
	c.Trees = 20
	c.ReferenceRows = 600 // every held-out row
	return c
}

func mustEncode(t *testing.T, a *Artifact) []byte {
	t.Helper()
	b, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrainIsDeterministic(t *testing.T) {
	a1, err := Train(smallConfig(7))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Train(smallConfig(7))
	if err != nil {
		t.Fatal(err)
	}
	b1, b2 := mustEncode(t, a1), mustEncode(t, a2)
	if !bytes.Equal(b1, b2) {
		t.Fatal("same seed gave different artifacts")
	}
	a3, err := Train(smallConfig(8))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(b1, mustEncode(t, a3)) || a1.Version == a3.Version {
		t.Fatal("different seeds gave the same artifact")
	}
}

// The checked-in artifact must be exactly what `loadlab train` produces
// from the current code; this also proves full-size training is
// deterministic.
func TestEmbeddedArtifactIsUpToDate(t *testing.T) {
	a, err := Train(DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	if got := mustEncode(t, a); !bytes.Equal(got, embeddedArtifact) {
		t.Fatalf("target/refapi/model/model.json (%d bytes) differs from a fresh training run (%d bytes, %s): run `make train` and rebuild",
			len(embeddedArtifact), len(got), a.Version)
	}
}

// Accuracy and AUC floors for the embedded model on the held-out split,
// recomputed here with the flattened inference path; they must also equal
// the figures the trainer recorded.
const (
	accuracyFloor = 0.82
	aucFloor      = 0.86
)

func TestEmbeddedModelHeldOutQuality(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	meta := m.Metadata()
	data := Generate(meta.Training.Seed, meta.Training.Rows)
	test := data[meta.Training.TrainRows:]
	if len(test) != meta.Training.TestRows {
		t.Fatalf("test split has %d rows, metadata says %d", len(test), meta.Training.TestRows)
	}
	probs := make([]float64, len(test))
	labels := make([]bool, len(test))
	for i, e := range test {
		probs[i] = m.Predict(e.Lead).Probability
		labels[i] = e.Converted
	}
	acc, auc := Accuracy(probs, labels), AUC(probs, labels)
	if acc < accuracyFloor || auc < aucFloor {
		t.Fatalf("held-out accuracy %.4f, AUC %.4f: want ≥ %.2f and ≥ %.2f", acc, auc, accuracyFloor, aucFloor)
	}
	if round6(acc) != meta.Metrics.TestAccuracy || round6(auc) != meta.Metrics.TestAUC {
		t.Fatalf("inference gives accuracy %v, AUC %v; trainer recorded %v, %v",
			round6(acc), round6(auc), meta.Metrics.TestAccuracy, meta.Metrics.TestAUC)
	}
	if m.NumTrees() != 100 || meta.Training.MaxDepth > 10 {
		t.Fatalf("%d trees of depth ≤ %d: want 100 trees of depth ≤ 10", m.NumTrees(), meta.Training.MaxDepth)
	}
}

func TestEmbeddedModelMatchesTrainingTimePredictions(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	refs := m.Metadata().Reference
	if len(refs) < 10 {
		t.Fatalf("embedded artifact has %d reference rows, want ≥ 10", len(refs))
	}
	for i, r := range refs {
		a, ok := ParseAction([]byte(r.LastAction))
		if !ok {
			t.Fatalf("reference[%d]: bad action %q", i, r.LastAction)
		}
		got := m.Predict(Lead{Age: r.Age, Salary: r.Salary, WebVisits: r.WebVisits, LastAction: a}).Probability
		if got != r.ConversionProbability {
			t.Errorf("reference[%d]: inference %v, training time %v", i, got, r.ConversionProbability)
		}
	}
}

// Every held-out row: the binned training-time path and the flattened
// float-threshold path after a JSON round trip give identical probabilities.
func TestInferenceMatchesTrainerOnAllHeldOutRows(t *testing.T) {
	a, err := Train(smallConfig(3))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(mustEncode(t, a))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Reference) != 600 {
		t.Fatalf("%d reference rows, want 600", len(a.Reference))
	}
	for i, r := range a.Reference {
		act, _ := ParseAction([]byte(r.LastAction))
		p := m.Predict(Lead{Age: r.Age, Salary: r.Salary, WebVisits: r.WebVisits, LastAction: act})
		if p.Probability != r.ConversionProbability {
			t.Fatalf("row %d: inference %v, trainer %v", i, p.Probability, r.ConversionProbability)
		}
	}
}

func TestLoadSwapsModels(t *testing.T) {
	a, err := Train(smallConfig(11))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.json")
	if err := os.WriteFile(path, mustEncode(t, a), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := Embedded()
	if m.Version() != a.Version || m.Version() == e.Version() || m.NumTrees() != 20 {
		t.Fatalf("loaded version %s (%d trees), want %s (20 trees), distinct from embedded %s", m.Version(), m.NumTrees(), a.Version, e.Version())
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing file: err %v, want one naming the file", err)
	}
}

func TestParseRejectsBadArtifacts(t *testing.T) {
	base, err := Train(smallConfig(5))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(a *Artifact)
		want   string
	}{
		{"format", func(a *Artifact) { a.Format = "xgboost" }, "format"},
		{"version", func(a *Artifact) { a.Version = "" }, "version"},
		{"feature name", func(a *Artifact) { a.Features[1].Name = "income" }, "features[1].name"},
		{"categories order", func(a *Artifact) {
			c := a.Features[3].Categories
			c[0], c[1] = c[1], c[0]
		}, "features[3].categories"},
		{"no trees", func(a *Artifact) { a.Trees = nil }, "trees: empty"},
		{"lengths", func(a *Artifact) { a.Trees[2].Value = a.Trees[2].Value[1:] }, "trees[2]"},
		{"feature index", func(a *Artifact) { a.Trees[0].Feature[0] = 9 }, "trees[0]: node 0: feature 9"},
		{"child before parent", func(a *Artifact) { a.Trees[1].Left[0] = 0 }, "trees[1]: node 0: child 0"},
		{"child out of range", func(a *Artifact) { a.Trees[1].Right[0] = 1 << 20 }, "trees[1]: node 0: child"},
		{"reference mismatch", func(a *Artifact) { a.Reference[0].ConversionProbability += 0.01 }, "reference[0]"},
		{"reference action", func(a *Artifact) { a.Reference[0].LastAction = "call" }, "reference[0].last_action"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a Artifact
			if err := json.Unmarshal(mustEncode(t, base), &a); err != nil { // deep copy
				t.Fatal(err)
			}
			tc.mutate(&a)
			b, err := a.Encode()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := Parse([]byte(`{"format":`)); err == nil || !strings.Contains(err.Error(), "decode artifact JSON") {
		t.Fatalf("truncated JSON: err = %v", err)
	}
}

func TestTrainConfigValidateReportsAllFields(t *testing.T) {
	c := TrainConfig{Rows: 10, TestFraction: 1, Trees: 0, MaxDepth: 11, LearningRate: 0, L2: math.NaN(), MinSamplesLeaf: 0, MaxBins: 300, ReferenceRows: -1}
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, f := range []string{"rows", "test_fraction", "trees", "max_depth", "learning_rate", "l2", "min_samples_leaf", "max_bins", "reference_rows"} {
		if !strings.Contains(err.Error(), f+":") {
			t.Errorf("error does not name %s: %v", f, err)
		}
	}
	if err := DefaultTrainConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

func TestPredictDoesNotAllocate(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	l := Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: FormSubmit}
	out := make([]Prediction, 100)
	leads := GenerateLeads(1, 100)
	if n := testing.AllocsPerRun(100, func() { m.Predict(l); m.PredictBatch(leads, out) }); n != 0 {
		t.Fatalf("Predict allocates %v times per call", n)
	}
}

func TestPredictionFields(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	hot := m.Predict(Lead{Age: 37, Salary: 106069.22, WebVisits: 9, LastAction: DemoRequest})
	cold := m.Predict(Lead{Age: 90, Salary: 20000, WebVisits: 0, LastAction: PageView})
	if hot.Segment != Hot || !hot.Converted || hot.Probability < 0.7 || hot.Probability > 1 {
		t.Errorf("high-intent lead: %+v, want hot and converted", hot)
	}
	if cold.Segment != Cold || cold.Converted || cold.Probability >= 0.4 || cold.Probability < 0 {
		t.Errorf("low-intent lead: %+v, want cold and not converted", cold)
	}
}

func BenchmarkPredict(b *testing.B) {
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	l := Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: FormSubmit}
	b.ReportAllocs()
	for b.Loop() {
		m.Predict(l)
	}
}

func BenchmarkPredictBatch100(b *testing.B) {
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	leads := GenerateLeads(1, 100)
	out := make([]Prediction, len(leads))
	b.ReportAllocs()
	for b.Loop() {
		m.PredictBatch(leads, out)
	}
}

func BenchmarkTrainDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Train(DefaultTrainConfig()); err != nil {
			b.Fatal(err)
		}
	}
}
