package model

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// DefaultTrainedAt is the trained_at stamp of artifacts unless a config sets
// one: a fixed instant, so that the same seed gives byte-identical files.
var DefaultTrainedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TrainConfig is everything that determines a trained model: the same
// config always yields the same artifact bytes.
type TrainConfig struct {
	// Seed of the synthetic dataset.
	Seed uint64
	// Rows generated; the last TestFraction of them are held out.
	Rows         int
	TestFraction float64
	// Trees is the number of boosting rounds; MaxDepth bounds each tree
	// (1–10).
	Trees    int
	MaxDepth int
	// LearningRate scales every leaf (shrinkage), in (0, 1].
	LearningRate float64
	// L2 regularizes leaf values (XGBoost's lambda), ≥ 0.
	L2 float64
	// MinSamplesLeaf is the fewest training rows a leaf may hold, ≥ 1.
	MinSamplesLeaf int
	// MaxBins bounds the histogram bins per feature (2–256).
	MaxBins int
	// ReferenceRows is how many held-out rows get their training-time
	// probability recorded in the artifact (for checking inference).
	ReferenceRows int
	// TrainedAt is recorded in the artifact; zero means DefaultTrainedAt.
	TrainedAt time.Time
}

// DefaultTrainConfig is what `loadlab train` uses: 20,000 rows, 80/20
// split, 100 trees of depth ≤ 6.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Seed:           DefaultSeed,
		Rows:           20000,
		TestFraction:   0.2,
		Trees:          100,
		MaxDepth:       6,
		LearningRate:   0.1,
		L2:             1,
		MinSamplesLeaf: 20,
		MaxBins:        256,
		ReferenceRows:  16,
	}
}

// Validate reports every invalid field at once.
func (c TrainConfig) Validate() error {
	var errs []error
	if c.Rows < 100 {
		errs = append(errs, fmt.Errorf("rows: %d, want ≥ 100", c.Rows))
	}
	if !(c.TestFraction > 0 && c.TestFraction < 1) {
		errs = append(errs, fmt.Errorf("test_fraction: %v, want in (0, 1)", c.TestFraction))
	}
	if c.Trees < 1 || c.Trees > 10000 {
		errs = append(errs, fmt.Errorf("trees: %d, want 1–10000", c.Trees))
	}
	if c.MaxDepth < 1 || c.MaxDepth > 10 {
		errs = append(errs, fmt.Errorf("max_depth: %d, want 1–10", c.MaxDepth))
	}
	if !(c.LearningRate > 0 && c.LearningRate <= 1) {
		errs = append(errs, fmt.Errorf("learning_rate: %v, want in (0, 1]", c.LearningRate))
	}
	if !(c.L2 >= 0) || math.IsInf(c.L2, 0) {
		errs = append(errs, fmt.Errorf("l2: %v, want a finite number ≥ 0", c.L2))
	}
	if c.MinSamplesLeaf < 1 {
		errs = append(errs, fmt.Errorf("min_samples_leaf: %d, want ≥ 1", c.MinSamplesLeaf))
	}
	if c.MaxBins < 2 || c.MaxBins > 256 {
		errs = append(errs, fmt.Errorf("max_bins: %d, want 2–256", c.MaxBins))
	}
	if c.ReferenceRows < 0 {
		errs = append(errs, fmt.Errorf("reference_rows: %d, want ≥ 0", c.ReferenceRows))
	}
	return errors.Join(errs...)
}

// Train generates the dataset of cfg.Seed, fits gradient-boosted trees on
// the training split and evaluates them on the held-out split.
func Train(cfg TrainConfig) (*Artifact, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid training config: %w", err)
	}
	data := Generate(cfg.Seed, cfg.Rows)
	nTest := int(math.Round(float64(cfg.Rows) * cfg.TestFraction))
	train, test := data[:cfg.Rows-nTest], data[cfg.Rows-nTest:]
	if len(train) == 0 || len(test) == 0 {
		return nil, fmt.Errorf("train %d rows, test %d rows: both splits need rows", len(train), len(test))
	}
	xTrain, yTrain := featuresOf(train)
	xTest, yTest := featuresOf(test)

	bins := newBinner(xTrain, cfg.MaxBins)
	xbTrain, xbTest := bins.binAll(xTrain), bins.binAll(xTest)

	pos := 0
	for _, y := range yTrain {
		if y {
			pos++
		}
	}
	if pos == 0 || pos == len(yTrain) {
		return nil, fmt.Errorf("training split has %d positives of %d rows: need both classes", pos, len(yTrain))
	}
	base := math.Log(float64(pos) / float64(len(yTrain)-pos))
	fTrain := filled(len(train), base)
	fTest := filled(len(test), base)
	grad := make([]float64, len(train))
	hess := make([]float64, len(train))
	rows := make([]int32, len(train))
	tb := newTreeBuilder(cfg, bins, xbTrain, grad, hess)
	trees := make([][]treeNode, 0, cfg.Trees)
	for range cfg.Trees {
		for i, f := range fTrain {
			p := sigmoid(f)
			grad[i] = p - b2f(yTrain[i])
			hess[i] = math.Max(p*(1-p), 1e-16)
			rows[i] = int32(i)
		}
		nodes := tb.build(rows, func(r int32, v float64) { fTrain[r] += v })
		for i := range fTest {
			fTest[i] += evalBinned(nodes, &xbTest, i)
		}
		trees = append(trees, nodes)
	}
	pTrain, pTest := sigmoids(fTrain), sigmoids(fTest)
	oracle := make([]float64, len(test))
	for i, e := range test {
		oracle[i] = e.TrueProbability
	}
	m := Metrics{
		TestAccuracy:       round6(Accuracy(pTest, yTest)),
		TestAUC:            round6(AUC(pTest, yTest)),
		TestLogLoss:        round6(LogLoss(pTest, yTest)),
		TrainAccuracy:      round6(Accuracy(pTrain, yTrain)),
		TrainAUC:           round6(AUC(pTrain, yTrain)),
		OracleTestAccuracy: round6(Accuracy(oracle, yTest)),
		OracleTestAUC:      round6(AUC(oracle, yTest)),
		TestPositiveRate:   round6(positiveRate(yTest)),
	}
	refs := make([]ReferenceRow, 0, cfg.ReferenceRows)
	for i := 0; i < cfg.ReferenceRows && i < len(test); i++ {
		l := test[i].Lead
		refs = append(refs, ReferenceRow{
			Age: l.Age, Salary: l.Salary, WebVisits: l.WebVisits, LastAction: l.LastAction.String(),
			ConversionProbability: pTest[i],
		})
	}
	trainedAt := cfg.TrainedAt
	if trainedAt.IsZero() {
		trainedAt = DefaultTrainedAt
	}
	a := &Artifact{
		Format:    FormatV1,
		TrainedAt: trainedAt.UTC().Format(time.RFC3339),
		Features:  featureSpecs(),
		Training: TrainingInfo{
			Algorithm: "gradient_boosted_trees", Loss: "logistic",
			Seed: cfg.Seed, Rows: cfg.Rows, TrainRows: len(train), TestRows: len(test),
			Trees: cfg.Trees, MaxDepth: cfg.MaxDepth, LearningRate: cfg.LearningRate, L2: cfg.L2,
			MinSamplesLeaf: cfg.MinSamplesLeaf, MaxBins: cfg.MaxBins,
		},
		Metrics:   m,
		BaseScore: base,
		Trees:     exportTrees(trees),
		Reference: refs,
	}
	a.Version = a.contentVersion()
	return a, nil
}

func featuresOf(ex []Example) ([][NumFeatures]float64, []bool) {
	x := make([][NumFeatures]float64, len(ex))
	y := make([]bool, len(ex))
	for i, e := range ex {
		x[i] = e.Features()
		y[i] = e.Converted
	}
	return x, y
}

func exportTrees(trees [][]treeNode) []Tree {
	out := make([]Tree, len(trees))
	for t, nodes := range trees {
		tr := Tree{
			Feature:   make([]int, len(nodes)),
			Threshold: make([]float64, len(nodes)),
			Left:      make([]int, len(nodes)),
			Right:     make([]int, len(nodes)),
			Value:     make([]float64, len(nodes)),
		}
		for i, n := range nodes {
			if n.leaf {
				tr.Feature[i], tr.Left[i], tr.Right[i], tr.Value[i] = -1, -1, -1, n.value
				continue
			}
			tr.Feature[i], tr.Threshold[i], tr.Left[i], tr.Right[i] = n.feature, n.threshold, n.left, n.right
		}
		out[t] = tr
	}
	return out
}

func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func sigmoids(f []float64) []float64 {
	p := make([]float64, len(f))
	for i, v := range f {
		p[i] = sigmoid(v)
	}
	return p
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func positiveRate(y []bool) float64 {
	n := 0
	for _, v := range y {
		if v {
			n++
		}
	}
	return float64(n) / float64(len(y))
}
