package lm

import (
	"cmp"
	"fmt"
	"slices"
)

// The special tokens, always the vocabulary's first three entries.
const (
	Unknown = "<unk>" // any word the corpus never had
	BOS     = "<s>"   // start of a document (pads the context twice)
	EOS     = "</s>"  // end of a document
)

// The special tokens' ids.
const (
	idUnknown uint32 = iota
	idBOS
	idEOS
	numSpecial
)

// Order is the model's n-gram order: it predicts a token from the two
// before it.
const Order = 3

// Train generates the corpus of cfg, tokenizes it and counts its trigrams
// into an artifact; the same config always gives the same artifact. The
// vocabulary is the special tokens, then every corpus token by descending
// count (ties in byte order).
func Train(cfg CorpusConfig) (*Artifact, error) {
	if cfg.Documents < 1 || cfg.LeadIDs < 1 {
		return nil, fmt.Errorf("corpus: %d documents, %d lead ids: want ≥ 1 of each", cfg.Documents, cfg.LeadIDs)
	}
	docs := Corpus(cfg)
	tokenized := make([][]string, len(docs))
	counts := map[string]int{}
	tokens := 0
	for i, d := range docs {
		tokenized[i] = Tokenize(d)
		for _, t := range tokenized[i] {
			counts[t]++
		}
		tokens += len(tokenized[i])
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	vocab := append([]string{Unknown, BOS, EOS}, words...)
	ids := make(map[string]uint32, len(vocab))
	for i, w := range vocab {
		ids[w] = uint32(i)
	}
	tri := map[trigram]uint32{}
	for _, doc := range tokenized {
		a, b := idBOS, idBOS
		for _, t := range doc {
			c := ids[t]
			tri[trigram{a, b, c}]++
			a, b = b, c
		}
		tri[trigram{a, b, idEOS}]++
	}
	grams := make([]Count, 0, len(tri))
	for g, n := range tri {
		grams = append(grams, Count{Gram: g, N: n})
	}
	slices.SortFunc(grams, func(x, y Count) int { return x.Gram.compare(y.Gram) })
	a := &Artifact{
		Info: Info{
			Format: FormatV1, Order: Order, Smoothing: Smoothing, Seed: cfg.Seed,
			Documents: cfg.Documents, LeadIDs: cfg.LeadIDs, Tokens: tokens + len(docs),
			Vocabulary: len(vocab), Trigrams: len(grams),
		},
		Vocab:    vocab,
		Trigrams: grams,
	}
	return a, nil
}

// trigram is three token ids: the context (A, B) and the token C.
type trigram struct{ A, B, C uint32 }

func (g trigram) compare(h trigram) int {
	if c := cmp.Compare(g.A, h.A); c != 0 {
		return c
	}
	if c := cmp.Compare(g.B, h.B); c != 0 {
		return c
	}
	return cmp.Compare(g.C, h.C)
}

// Count is one trigram and how many times the corpus has it.
type Count struct {
	Gram trigram
	N    uint32
}
