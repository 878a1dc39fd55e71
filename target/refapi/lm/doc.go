// Package lm is the reference API's generative model: a word-level trigram
// language model with interpolated Kneser-Ney smoothing, trained in Go on a
// corpus of lead-score explanations that the package generates
// deterministically from a seed (corpus.go), stored as a versioned compact
// binary artifact (lm.bin, embedded) and sampled token by token.
//
// Tokens are lower-cased words, numbers and single punctuation marks
// (tokenize.go); <s> pads the start of a document twice and </s> ends it.
// Every generated token computes the smoothed probability of every
// vocabulary entry for the current context, mixes in a cache component over
// the whole context so far (its cost grows with the context), applies the
// temperature and draws from a seeded generator; every prompt token is
// scored under the same full, normalized distribution (prefill), so the
// time to the first token grows with the prompt. Work counts each such
// vocabulary evaluation, so callers can observe the cost without clocks.
package lm
