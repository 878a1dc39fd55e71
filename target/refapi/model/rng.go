package model

import "math"

// rng is a small, fully specified pseudo-random generator (SplitMix64) so
// that the synthetic dataset is identical for a given seed on every Go
// release; math/rand makes no such promise for its derived distributions.
type rng struct{ state uint64 }

func newRNG(seed uint64) *rng { return &rng{state: seed} }

// uint64 returns the next 64 random bits.
func (r *rng) uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float64 returns a uniform number in [0, 1) with 53 random bits.
func (r *rng) float64() float64 {
	return float64(r.uint64()>>11) / (1 << 53)
}

// normal returns a standard normal deviate (Box-Muller, one value per call).
func (r *rng) normal() float64 {
	u1 := 1 - r.float64() // (0, 1]: log(u1) is finite
	u2 := r.float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
