package lm

import "math/rand/v2"

// source is the corpus's and the sampler's random source: PCG from
// math/rand/v2, whose output for a seed is fixed by its algorithm, and
// only its Uint64 is used, so results never depend on how a Go release
// derives other distributions.
type source struct{ pcg *rand.PCG }

func newSource(seed uint64, stream uint64) *source {
	return &source{pcg: rand.NewPCG(seed, stream)}
}

// float64 returns a uniform number in [0, 1) with 53 random bits.
func (s *source) float64() float64 { return float64(s.pcg.Uint64()>>11) / (1 << 53) }

// intn returns a number in [0, n), n > 0 (the tiny modulo bias is
// irrelevant for word choices).
func (s *source) intn(n int) int { return int(s.pcg.Uint64() % uint64(n)) }

// pick returns one of words, uniformly.
func (s *source) pick(words []string) string { return words[s.intn(len(words))] }

// chance reports true with probability p.
func (s *source) chance(p float64) bool { return s.float64() < p }
