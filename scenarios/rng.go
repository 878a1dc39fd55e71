package scenarios

import (
	"math"
	"math/bits"
)

// rng is SplitMix64: a tiny, allocation-free generator. Each Source.Next
// call seeds its own rng from the source's seed and an atomic call counter,
// so concurrent calls share no state and a single goroutine sees the same
// sequence for the same seed. (A math/rand/v2 Rand per call would allocate;
// a sync.Pool of them would make the sequence depend on GC timing.)
type rng struct{ s uint64 }

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRNG derives the generator of call n of a source seeded with seed.
func newRNG(seed, n uint64) rng {
	return rng{s: mix64(seed+0x9e3779b97f4a7c15) ^ mix64(n*0xd1b54a32d192ed03+1)}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// uint64n is uniform in [0, n), n > 0 (Lemire's multiply-shift with
// rejection, so there is no modulo bias).
func (r *rng) uint64n(n uint64) uint64 {
	hi, lo := bits.Mul64(r.next(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.next(), n)
		}
	}
	return hi
}

// float64 is uniform in [0, 1).
func (r *rng) float64() float64 {
	return float64(r.next()>>11) / (1 << 53)
}

// normal is a standard normal draw (Box–Muller: the cosine of the pair).
func (r *rng) normal() float64 {
	u1 := 1 - r.float64() // in (0, 1], so the logarithm is finite
	u2 := r.float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
