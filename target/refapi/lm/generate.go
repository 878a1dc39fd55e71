package lm

import (
	"context"
	"fmt"
	"math"
)

// MaxContext bounds a prompt plus its completion, in tokens.
const MaxContext = 8192

// The cache component of every generated token's distribution, a boost of
// the tokens already in the context (prompt and completion so far):
//
//	P(c) ∝ P3(c|a,b) · (1 + cacheBoost·cache(c)),
//	cache(c) = Σ_i decay^(age_i)·[t_i = c] / Σ_i decay^(age_i)
//
// over every context token t_i (age 0 is the newest), so words of the
// prompt are likelier in the answer where the trigrams allow them. It is
// recomputed over the whole context at every step, so a token's cost grows
// with the context.
const (
	cacheBoost = 3.0
	cacheDecay = 0.995
)

// Options shape one generation.
type Options struct {
	// Temperature divides the log-probabilities before sampling; 0 picks
	// the likeliest token (ties: lowest id). 0–2.
	Temperature float64
	// Seed seeds the sampler: equal seeds give equal completions.
	Seed uint64
	// IgnoreEOS goes on past </s> (rendered as a newline, and the next
	// token starts a new document) instead of ending.
	IgnoreEOS bool
	// Chat starts the completion as a new document after the prompt (a
	// chat answer); otherwise it continues the prompt's last two tokens.
	Chat bool
}

// Work counts a generation's computation: vocabulary entries evaluated
// while scoring the prompt (PrefillEvals, one full distribution per prompt
// token) and while generating (DecodeEvals, one per generated token), and
// context tokens read by the cache component (ContextReads).
type Work struct {
	PrefillEvals int64
	DecodeEvals  int64
	ContextReads int64
}

// Stream is one generation in progress; not safe for concurrent use.
// Close returns its buffers.
type Stream struct {
	m        *Model
	opts     Options
	buf      *buffers
	rng      *source
	context  []uint32 // prompt and completion ids fed to the cache
	a, b     uint32   // the trigram context
	prev     string   // the last token's text, for Piece
	work     Work
	logProb  float64
	unknowns int
}

// buffers is a stream's per-vocabulary working memory.
type buffers struct{ p, cache []float64 }

func newBuffers(v int) *buffers {
	return &buffers{p: make([]float64, v), cache: make([]float64, v)}
}

// prefillCheck is how many prompt tokens the prefill scores between two
// looks at its context (~3–5 ms of work here).
const prefillCheck = 32

// Start scores every prompt token under the model (prefill: the full
// distribution of its context, normalized, one vocabulary pass per token)
// and returns the stream that generates the completion. When ctx ends
// during the prefill (a client that left while a long prompt was scored),
// the prefill stops within prefillCheck tokens and Start returns ctx's
// error with the stream, whose Work holds what was done: the caller closes
// it either way.
func (m *Model) Start(ctx context.Context, prompt []string, o Options) (*Stream, error) {
	s := &Stream{m: m, opts: o, buf: m.pool.Get().(*buffers), rng: newSource(o.Seed, 0x6c6d73616d706c65)}
	ids := m.IDs(prompt)
	a, b := idBOS, idBOS
	for i, c := range ids {
		if i%prefillCheck == 0 {
			if err := ctx.Err(); err != nil {
				return s, fmt.Errorf("prefill stopped after %d of %d prompt tokens: %w", i, len(ids), err)
			}
		}
		sum := m.distribution(a, b, s.buf.p)
		s.work.PrefillEvals += int64(len(s.buf.p))
		if c == idUnknown {
			s.unknowns++
		} else {
			s.logProb += math.Log(s.buf.p[c] / sum)
			s.context = append(s.context, c)
		}
		a, b = b, c
		s.prev = prompt[i]
	}
	s.a, s.b = a, b
	if o.Chat {
		s.a, s.b, s.prev = idBOS, idBOS, ""
	}
	return s, nil
}

// PromptLogProb is the natural log-likelihood of the prompt's known tokens
// and Unknowns the number of prompt tokens outside the vocabulary.
func (s *Stream) PromptLogProb() (logProb float64, unknowns int) { return s.logProb, s.unknowns }

// Work returns the computation done so far.
func (s *Stream) Work() Work { return s.work }

// Next generates one token and returns its text as it extends the
// completion (see Piece); eos reports that it is </s>, which ends the
// completion unless Options.IgnoreEOS (its text is then "\n").
func (s *Stream) Next() (piece string, eos bool) {
	p := s.buf.p
	sum := s.m.distribution(s.a, s.b, p)
	s.work.DecodeEvals += int64(len(p))
	s.mixCache(sum)
	c := s.sample()
	tok := s.m.vocab[c]
	piece = Piece(s.prev, tok)
	s.prev = tok
	if c == idEOS {
		s.a, s.b = idBOS, idBOS
		return piece, true
	}
	s.context = append(s.context, c)
	s.a, s.b = s.b, c
	return piece, false
}

// mixCache applies the cache boost over the whole context to p (which
// sums to sum) and normalizes it.
func (s *Stream) mixCache(sum float64) {
	p, cache := s.buf.p, s.buf.cache
	w, total := 1.0, 0.0
	for i := len(s.context) - 1; i >= 0; i-- {
		cache[s.context[i]] += w
		total += w
		w *= cacheDecay
	}
	s.work.ContextReads += int64(len(s.context))
	if total == 0 {
		for c := range p {
			p[c] /= sum
		}
		return
	}
	boosted := 0.0
	for c, q := range p {
		if cache[c] != 0 {
			q *= 1 + cacheBoost*cache[c]/total
			p[c] = q
			cache[c] = 0
		}
		boosted += q
	}
	for c := range p {
		p[c] /= boosted
	}
}

// sample draws a token id from p under the temperature (greedy at 0).
func (s *Stream) sample() uint32 {
	p := s.buf.p
	if s.opts.Temperature == 0 {
		best := 0
		for c, q := range p {
			if q > p[best] {
				best = c
			}
		}
		return uint32(best)
	}
	top := 0.0
	for _, q := range p {
		top = max(top, q)
	}
	// exp((log q − log top)/T): relative to the likeliest token, so that a
	// small temperature cannot underflow every weight to 0.
	inv, logTop, total := 1/s.opts.Temperature, math.Log(top), 0.0
	for c, q := range p {
		if q > 0 {
			p[c] = math.Exp((math.Log(q) - logTop) * inv)
			total += p[c]
		}
	}
	u := s.rng.float64() * total
	last := 0
	for c, q := range p {
		if q > 0 {
			if u < q {
				return uint32(c)
			}
			u -= q
			last = c
		}
	}
	return uint32(last)
}

// Close returns the stream's buffers to the model; the stream is unusable
// afterwards.
func (s *Stream) Close() {
	if s.buf != nil {
		clear(s.buf.cache)
		s.m.pool.Put(s.buf)
		s.buf = nil
	}
}
