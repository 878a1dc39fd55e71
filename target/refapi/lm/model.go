package lm

import (
	_ "embed"
	"fmt"
	"os"
	"sync"
)

//go:embed lm.bin
var embeddedArtifact []byte

// Model is a loaded trigram model with its Kneser-Ney statistics, immutable
// and safe for concurrent use.
//
// Interpolated Kneser-Ney (Chen & Goodman's form, one discount per order):
//
//	P3(c|a,b) = (max(n(abc) − D3, 0) + D3·T(ab·)·P2(c|b)) / n(ab·)
//	P2(c|b)   = (max(N(·bc) − D2, 0) + D2·T2(b·)·P1(c)) / N(·b·)
//	P1(c)     = (max(N(·c) − D1, 0) + D1·T1/|out|) / N(··)
//
// where n are corpus counts, N(·bc) the number of distinct tokens seen
// before "b c" (continuation counts), T the number of distinct followers
// of a context, a context never seen falls back to the lower order, and
// each D = n1/(n1 + 2·n2) from the order's counts of counts. The output
// space |out| is the vocabulary without <unk> and <s>, which are never
// predicted.
type Model struct {
	info  Info
	vocab []string
	ids   map[string]uint32
	tri   map[uint64]uint32 // n(abc), key(a, b, c)
	ctx3  map[uint64]follow // n(ab·), T(ab·), key(a, b, 0)
	cont2 map[uint64]uint32 // N(·bc), key(0, b, c)
	ctx2  []follow          // N(·b·), T2(b·), by b
	p1    []float64         // P1(c), by c
	d3    float64
	d2    float64
	pool  sync.Pool // *buffers
}

// follow is a context's total count and its number of distinct followers.
type follow struct{ total, types uint32 }

// key packs three ids (each < 2^21) into one map key.
func key(a, b, c uint32) uint64 { return uint64(a)<<42 | uint64(b)<<21 | uint64(c) }

var embedded = sync.OnceValues(func() (*Model, error) {
	m, err := Parse(embeddedArtifact)
	if err != nil {
		return nil, fmt.Errorf("embedded lm.bin: %w", err)
	}
	return m, nil
})

// Embedded returns the model compiled into the binary (parsed once).
func Embedded() (*Model, error) { return embedded() }

// Load reads and parses an artifact file.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load language model: %w", err)
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("load language model %s: %w", path, err)
	}
	return m, nil
}

// Parse validates an encoded artifact (see ParseArtifact) and derives the
// smoothing statistics.
func Parse(data []byte) (*Model, error) {
	a, err := ParseArtifact(data)
	if err != nil {
		return nil, err
	}
	return newModel(a), nil
}

func newModel(a *Artifact) *Model {
	v := len(a.Vocab)
	m := &Model{
		info: a.Info, vocab: a.Vocab, ids: make(map[string]uint32, v),
		tri: make(map[uint64]uint32, len(a.Trigrams)), ctx3: map[uint64]follow{},
		cont2: map[uint64]uint32{}, ctx2: make([]follow, v), p1: make([]float64, v),
	}
	for i, w := range a.Vocab {
		m.ids[w] = uint32(i)
	}
	var n3 [3]int // trigrams seen once, twice
	for _, g := range a.Trigrams {
		m.tri[key(g.Gram.A, g.Gram.B, g.Gram.C)] = g.N
		c := m.ctx3[key(g.Gram.A, g.Gram.B, 0)]
		c.total += g.N
		c.types++
		m.ctx3[key(g.Gram.A, g.Gram.B, 0)] = c
		m.cont2[key(0, g.Gram.B, g.Gram.C)]++
		if g.N <= 2 {
			n3[g.N]++
		}
	}
	m.d3 = discount(n3)
	var n2 [3]int
	cont1 := make([]uint32, v) // N(·c): distinct b before c
	for k, n := range m.cont2 {
		b, c := uint32(k>>21)&(1<<21-1), uint32(k)&(1<<21-1)
		m.ctx2[b].total += n
		m.ctx2[b].types++
		cont1[c]++
		if n <= 2 {
			n2[n]++
		}
	}
	m.d2 = discount(n2)
	var n1 [3]int
	total1, types1 := 0.0, 0.0
	for _, n := range cont1 {
		if n > 0 {
			total1 += float64(n)
			types1++
		}
		if n > 0 && n <= 2 {
			n1[n]++
		}
	}
	d1 := discount(n1)
	out := float64(v - 2) // without <unk> and <s>
	for c := range m.p1 {
		if uint32(c) == idUnknown || uint32(c) == idBOS {
			continue
		}
		m.p1[c] = (max(float64(cont1[c])-d1, 0) + d1*types1/out) / total1
	}
	m.pool.New = func() any { return newBuffers(v) }
	return m
}

// discount is Chen & Goodman's D = n1/(n1 + 2·n2), kept inside (0, 1).
func discount(n [3]int) float64 {
	if n[1] == 0 || n[1]+2*n[2] == 0 {
		return 0.5
	}
	return min(max(float64(n[1])/float64(n[1]+2*n[2]), 0.05), 0.95)
}

// Info returns the artifact's header.
func (m *Model) Info() Info { return m.info }

// Version is the artifact's version.
func (m *Model) Version() string { return m.info.Version }

// VocabSize is the number of tokens, the special ones included.
func (m *Model) VocabSize() int { return len(m.vocab) }

// Discounts returns D3, D2 (the trigram and bigram discounts).
func (m *Model) Discounts() (d3, d2 float64) { return m.d3, m.d2 }

// IDs maps tokens to ids, unknown ones to <unk>.
func (m *Model) IDs(tokens []string) []uint32 {
	out := make([]uint32, len(tokens))
	for i, t := range tokens {
		if id, ok := m.ids[t]; ok {
			out[i] = id
		}
	}
	return out
}

// distribution writes P3(c|a,b) for every id c into p (len = vocabulary)
// and returns their sum (1 up to rounding): one evaluation per vocabulary
// entry, each looking up its trigram and bigram counts.
func (m *Model) distribution(a, b uint32, p []float64) float64 {
	c3, has3 := m.ctx3[key(a, b, 0)]
	c2 := m.ctx2[b]
	var w3, n3, w2, n2 float64
	if has3 {
		n3 = float64(c3.total)
		w3 = m.d3 * float64(c3.types) / n3
	}
	if c2.total > 0 {
		n2 = float64(c2.total)
		w2 = m.d2 * float64(c2.types) / n2
	}
	sum := 0.0
	for c := range p {
		q := m.p1[c]
		if c2.total > 0 {
			q = max(float64(m.cont2[key(0, b, uint32(c))])-m.d2, 0)/n2 + w2*q
		}
		if has3 {
			q = max(float64(m.tri[key(a, b, uint32(c))])-m.d3, 0)/n3 + w3*q
		}
		p[c] = q
		sum += q
	}
	return sum
}
