package engine

import "math"

// stable reports whether the last n stability windows agree: their RPS
// values, and separately their p95 values, each lie within tol (a
// fraction, 0.1 = 10 %) of their mean. With fewer than n windows it
// reports false.
func stable(rps, p95 []float64, n int, tol float64) bool {
	if n <= 0 || len(rps) < n || len(p95) < n {
		return false
	}
	return agree(rps[len(rps)-n:], tol) && agree(p95[len(p95)-n:], tol)
}

// agree reports whether every value is within tol of the values' mean.
func agree(vs []float64, tol float64) bool {
	var sum float64
	for _, v := range vs {
		sum += v
	}
	mean := sum / float64(len(vs))
	for _, v := range vs {
		if math.Abs(v-mean) > tol*mean {
			return false
		}
	}
	return true
}
