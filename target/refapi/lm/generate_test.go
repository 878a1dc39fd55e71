package lm

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func embeddedModel(t testing.TB) *Model {
	t.Helper()
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDistributionSumsToOne: the smoothed distribution of a seen context,
// a context seen only as a bigram and an unseen one each sum to 1 and
// never give <unk> or <s> a probability.
func TestDistributionSumsToOne(t *testing.T) {
	m := embeddedModel(t)
	p := make([]float64, m.VocabSize())
	id := func(w string) uint32 { return m.IDs([]string{w})[0] }
	for _, ctx := range [][2]uint32{
		{idBOS, idBOS}, {id("lead"), id("is")}, {id("retail"), id("lead")}, {idUnknown, idUnknown}, {id("the"), idUnknown},
	} {
		sum := m.distribution(ctx[0], ctx[1], p)
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("context %v: probabilities sum to %v", ctx, sum)
		}
		if p[idUnknown] != 0 || p[idBOS] != 0 {
			t.Errorf("context %v: P(<unk>) = %v, P(<s>) = %v, want 0", ctx, p[idUnknown], p[idBOS])
		}
	}
	if d3, d2 := m.Discounts(); d3 <= 0 || d3 >= 1 || d2 <= 0 || d2 >= 1 {
		t.Fatalf("discounts %v, %v: want inside (0, 1)", d3, d2)
	}
}

// start is Model.Start with a context that never ends.
func start(tb testing.TB, m *Model, prompt []string, o Options) *Stream {
	tb.Helper()
	s, err := m.Start(context.Background(), prompt, o)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestPrefillStopsWhenTheClientLeaves: a context that ends stops the
// prefill of a long prompt within prefillCheck tokens, and the stream
// returned with the error holds only the work done.
func TestPrefillStopsWhenTheClientLeaves(t *testing.T) {
	m := embeddedModel(t)
	prompt := Tokenize(strings.Repeat("why did lead 42 in retail score 0.83? ", 100))
	full := start(t, m, prompt, Options{})
	fullWork := full.Work().PrefillEvals
	full.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := m.Start(ctx, prompt, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with an ended context: err %v, want context.Canceled", err)
	}
	defer s.Close()
	if got := s.Work().PrefillEvals; got > fullWork/int64(len(prompt))*prefillCheck || fullWork == 0 {
		t.Fatalf("prefill after the client left: %d vocabulary evaluations of %d for the whole %d-token prompt; want at most %d tokens' worth",
			got, fullWork, len(prompt), prefillCheck)
	}
}

// generate runs one completion of at most n tokens and returns its text,
// its token count and the work done.
func generate(t testing.TB, m *Model, prompt string, o Options, n int) (string, int, Work) {
	s := start(t, m, Tokenize(prompt), o)
	defer s.Close()
	var b strings.Builder
	tokens := 0
	for tokens < n {
		piece, eos := s.Next()
		if eos && !o.IgnoreEOS {
			break
		}
		tokens++
		b.WriteString(piece)
	}
	return b.String(), tokens, s.Work()
}

func TestGenerateDeterministic(t *testing.T) {
	m := embeddedModel(t)
	prompt := "Explain the score of lead 42 in retail."
	a, _, _ := generate(t, m, prompt, Options{Temperature: 0.8, Seed: 5, Chat: true}, 80)
	b, _, _ := generate(t, m, prompt, Options{Temperature: 0.8, Seed: 5, Chat: true}, 80)
	c, _, _ := generate(t, m, prompt, Options{Temperature: 0.8, Seed: 6, Chat: true}, 80)
	if a != b || a == "" {
		t.Fatalf("seed 5 gave %q, then %q", a, b)
	}
	if a == c {
		t.Fatalf("seeds 5 and 6 gave the same text %q", a)
	}
	g1, _, _ := generate(t, m, prompt, Options{Seed: 1, Chat: true}, 40)
	g2, _, _ := generate(t, m, prompt, Options{Seed: 2, Chat: true}, 40)
	if g1 != g2 || !strings.HasPrefix(g1, "Lead") {
		t.Fatalf("greedy completions differ by seed or do not start a document: %q, %q", g1, g2)
	}
}

// TestWorkGrowsWithPromptAndContext: prefill evaluates the whole
// vocabulary once per prompt token, each generated token once more, and
// the cache reads the whole context at every step.
func TestWorkGrowsWithPromptAndContext(t *testing.T) {
	m := embeddedModel(t)
	v := int64(m.VocabSize())
	short := "why is lead 7 hot?"
	long := strings.Repeat("the contact opened our email about the pricing page. ", 20) + short
	_, n1, w1 := generate(t, m, short, Options{Seed: 1, IgnoreEOS: true}, 10)
	_, n2, w2 := generate(t, m, long, Options{Seed: 1, IgnoreEOS: true}, 10)
	if p := int64(len(Tokenize(short))); w1.PrefillEvals != p*v {
		t.Fatalf("short prompt: %d prefill evaluations, want %d tokens × %d", w1.PrefillEvals, p, v)
	}
	if p := int64(len(Tokenize(long))); w2.PrefillEvals != p*v {
		t.Fatalf("long prompt: %d prefill evaluations, want %d tokens × %d", w2.PrefillEvals, p, v)
	}
	if n1 != 10 || n2 != 10 || w1.DecodeEvals != 10*v || w2.DecodeEvals != 10*v {
		t.Fatalf("%d and %d tokens, %d and %d decode evaluations: want 10 tokens × %d each", n1, n2, w1.DecodeEvals, w2.DecodeEvals, v)
	}
	if w2.ContextReads <= w1.ContextReads+9*int64(len(Tokenize(long))-len(Tokenize(short))) {
		t.Fatalf("context reads %d (long) vs %d (short): want the longer context read at every step", w2.ContextReads, w1.ContextReads)
	}
}

// TestPromptSteersTheAnswer: the cache makes words of the prompt likelier
// where the trigrams allow them, and the prefill's log-likelihood ranks an
// in-domain prompt above its reverse.
func TestPromptSteersTheAnswer(t *testing.T) {
	m := embeddedModel(t)
	id := func(w string) uint32 { return m.IDs([]string{w})[0] }
	// P(healthcare | ", a"), where the corpus names an industry.
	prob := func(prompt string) float64 {
		s := start(t, m, Tokenize(prompt), Options{Chat: true})
		defer s.Close()
		s.mixCache(m.distribution(id(","), id("a"), s.buf.p))
		return s.buf.p[id("healthcare")]
	}
	with, without := prob("tell me about healthcare leads"), prob("tell me about leads")
	if without <= 0 || with < 1.5*without {
		t.Fatalf("P(healthcare | , a) = %v after a prompt naming it, %v otherwise: want ≥ 1.5×", with, without)
	}
	lp := func(prompt string) float64 {
		s := start(t, m, Tokenize(prompt), Options{})
		defer s.Close()
		l, _ := s.PromptLogProb()
		return l
	}
	if in, noise := lp("lead 42 scored 0.83 because it requested a demo."), lp("demo a requested it because 0.83 scored 42 lead."); in <= noise {
		t.Fatalf("log-likelihood %v of a corpus-like prompt, %v of its reverse", in, noise)
	}
}

func TestIgnoreEOSAndTemperatureRange(t *testing.T) {
	m := embeddedModel(t)
	text, n, _ := generate(t, m, "", Options{Temperature: 1, Seed: 9, IgnoreEOS: true, Chat: true}, 400)
	if n != 400 || !strings.Contains(text, "\n") {
		t.Fatalf("ignore_eos: %d tokens, newline %v; want 400 tokens crossing a document end", n, strings.Contains(text, "\n"))
	}
	for _, temp := range []float64{0.01, 2} {
		if text, n, _ := generate(t, m, "lead", Options{Temperature: temp, Seed: 1}, 30); n == 0 || strings.Contains(text, Unknown) {
			t.Fatalf("temperature %v: %d tokens %q", temp, n, text)
		}
	}
}

// BenchmarkDecodeToken is the cost of one generated token (full
// distribution, cache over a ~100-token context, temperature 1, sampling).
func BenchmarkDecodeToken(b *testing.B) {
	m := embeddedModel(b)
	prompt := Tokenize(strings.Repeat("why did lead 42 in retail score 0.83? ", 10))
	s := start(b, m, prompt, Options{Temperature: 1, Seed: 1, IgnoreEOS: true})
	defer s.Close()
	b.ResetTimer()
	for i := range b.N {
		if i%100 == 99 { // keep the context near the prompt's length
			s.Close()
			s = start(b, m, prompt, Options{Temperature: 1, Seed: uint64(i), IgnoreEOS: true})
		}
		s.Next()
	}
}

// BenchmarkPrefillToken is the cost of one prompt token (a full normalized
// distribution for its context).
func BenchmarkPrefillToken(b *testing.B) {
	m := embeddedModel(b)
	prompt := Tokenize(strings.Repeat("why did lead 42 in retail score 0.83? ", 10))
	b.ResetTimer()
	for done := 0; done < b.N; done += len(prompt) {
		start(b, m, prompt[:min(len(prompt), b.N-done)], Options{}).Close()
	}
}
