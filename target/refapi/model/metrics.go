package model

import (
	"cmp"
	"math"
	"slices"
)

// Metrics are the quality figures of a trained model. Test figures are on
// the held-out split; the oracle figures score the same split with the
// generator's true probabilities, the best any model can do on this data.
type Metrics struct {
	TestAccuracy       float64 `json:"test_accuracy"`
	TestAUC            float64 `json:"test_auc"`
	TestLogLoss        float64 `json:"test_log_loss"`
	TrainAccuracy      float64 `json:"train_accuracy"`
	TrainAUC           float64 `json:"train_auc"`
	OracleTestAccuracy float64 `json:"oracle_test_accuracy"`
	OracleTestAUC      float64 `json:"oracle_test_auc"`
	TestPositiveRate   float64 `json:"test_positive_rate"`
}

// Accuracy is the fraction of rows where (p ≥ 0.5) equals the label.
func Accuracy(probs []float64, labels []bool) float64 {
	if len(probs) == 0 {
		return 0
	}
	ok := 0
	for i, p := range probs {
		if (p >= DecisionThreshold) == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(probs))
}

// AUC is the area under the ROC curve (the probability that a random
// positive scores above a random negative, ties counting half), computed
// from average ranks. It is 0.5 when either class is absent.
func AUC(scores []float64, labels []bool) float64 {
	n := len(scores)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(scores[a], scores[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var rankSum float64
	pos := 0
	for i := 0; i < n; {
		j := i
		for j < n && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1 .. j
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += avg
				pos++
			}
		}
		i = j
	}
	neg := n - pos
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

// LogLoss is the mean binary cross-entropy, probabilities clipped to
// [1e-15, 1-1e-15].
func LogLoss(probs []float64, labels []bool) float64 {
	if len(probs) == 0 {
		return 0
	}
	var s float64
	for i, p := range probs {
		p = math.Min(math.Max(p, 1e-15), 1-1e-15)
		if labels[i] {
			s -= math.Log(p)
		} else {
			s -= math.Log(1 - p)
		}
	}
	return s / float64(len(probs))
}

// round6 keeps reported metrics short and stable in the artifact.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
