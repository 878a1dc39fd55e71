package scenarios

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestLengthsDraw: the draws of a length distribution have the declared
// mean and standard deviation (for a fixed seed, within a tolerance), stay
// within [min, max] and reach both bounds when the distribution crosses
// them, and a stddev of 0 is always the rounded mean.
func TestLengthsDraw(t *testing.T) {
	tests := []struct {
		name             string
		l                Lengths
		mean, sd         float64 // expected, when sd >= 0
		tol              float64 // relative tolerance on mean and sd
		hitsMin, hitsMax bool    // the draws must reach min and max
	}{
		{"256±64", Lengths{Mean: 256, Stddev: 64}, 256, 64, 0.02, false, false},
		{"128±32 in [1, 4096]", Lengths{Mean: 128, Stddev: 32, Min: 1, Max: 4096}, 128, 32, 0.02, false, false},
		{"stddev 0", Lengths{Mean: 100.4}, 100, 0, 0, false, false},
		{"stddev 0 rounds half up", Lengths{Mean: 99.5}, 100, 0, 0, false, false},
		{"clamped both sides", Lengths{Mean: 10, Stddev: 100, Min: 5, Max: 15}, -1, -1, 0, true, true},
		{"clamped at 1", Lengths{Mean: 2, Stddev: 10}, -1, -1, 0, true, false},
		{"min = max", Lengths{Mean: 7, Stddev: 3, Min: 7, Max: 7}, 7, 0, 0, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.l.withDefaults()
			r := newRNG(7, 1)
			const n = 100000
			var sum, sq float64
			lo, hi := math.MaxInt, math.MinInt
			for i := 0; i < n; i++ {
				v := l.draw(&r)
				lo, hi = min(lo, v), max(hi, v)
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
			mean := sum / n
			sd := math.Sqrt(max(0, sq/n-mean*mean))
			if lo < l.Min || hi > l.Max {
				t.Errorf("draws in [%d, %d], outside [%d, %d]", lo, hi, l.Min, l.Max)
			}
			if tc.hitsMin && lo != l.Min || tc.hitsMax && hi != l.Max {
				t.Errorf("draws in [%d, %d], want the bounds [%d, %d] reached", lo, hi, l.Min, l.Max)
			}
			if tc.sd >= 0 {
				if math.Abs(mean-tc.mean) > tc.tol*tc.mean {
					t.Errorf("mean %.2f, want %.0f within %.0f%%", mean, tc.mean, 100*tc.tol)
				}
				if math.Abs(sd-tc.sd) > tc.tol*tc.sd+1e-9 {
					t.Errorf("stddev %.2f, want %.0f within %.0f%%", sd, tc.sd, 100*tc.tol)
				}
			}
		})
	}
}

func TestLengthsDefaults(t *testing.T) {
	s := Scenario{Requests: []RequestSpec{{Path: "/", Prompts: &Prompts{InputTokens: &Lengths{Mean: 9}, OutputTokens: &Lengths{Mean: 3, Max: 5}}}}}
	d := s.WithDefaults()
	got := *d.Requests[0].Prompts
	if *got.InputTokens != (Lengths{Mean: 9, Min: 1, Max: MaxPromptTokens}) || *got.OutputTokens != (Lengths{Mean: 3, Min: 1, Max: 5}) {
		t.Errorf("defaults: %+v %+v", *got.InputTokens, *got.OutputTokens)
	}
	if s.Requests[0].Prompts.InputTokens.Min != 0 || s.Requests[0].Prompts.OutputTokens.Min != 0 {
		t.Error("WithDefaults modified the scenario's prompts block")
	}
	if again := d.WithDefaults(); !reflect.DeepEqual(again.Requests[0].Prompts, d.Requests[0].Prompts) {
		t.Error("WithDefaults is not idempotent on prompts")
	}
}

// chatBody is the body of an OpenAI-style chat completion with the three
// prompt generators.
const chatBody = `{"model":"m","messages":{"$messages":{}},"max_tokens":{"$max_tokens":{}},"stream":true,"ignore_eos":true}`

type chat struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens int  `json:"max_tokens"`
	Stream    bool `json:"stream"`
	IgnoreEOS bool `json:"ignore_eos"`
}

func generated(in, out Lengths) *Prompts { return &Prompts{InputTokens: &in, OutputTokens: &out} }

// TestGeneratedPrompts: each request's messages hold one user message of
// words from the word list, as many as Request.InputTokens, within the
// declared bounds; $max_tokens is within its own; the literal fields
// (stream, ignore_eos) pass through.
func TestGeneratedPrompts(t *testing.T) {
	src := mustSource(t, []RequestSpec{{Path: "/v1/chat/completions", Body: JSON(chatBody),
		Prompts: generated(Lengths{Mean: 50, Stddev: 20, Min: 10, Max: 80}, Lengths{Mean: 30, Stddev: 10, Max: 40})}}, 3)
	vocab := map[string]bool{}
	for _, w := range promptWords {
		vocab[w] = true
	}
	distinct := map[string]bool{}
	for i := 0; i < 2000; i++ {
		r := src.Next()
		var c chat
		if err := json.Unmarshal(r.Body, &c); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if len(c.Messages) != 1 || c.Messages[0].Role != "user" || c.Model != "m" || !c.Stream || !c.IgnoreEOS {
			t.Fatalf("body %s", r.Body)
		}
		words := strings.Split(c.Messages[0].Content, " ")
		for _, w := range words {
			if !vocab[w] {
				t.Fatalf("word %q not in the list: %s", w, r.Body)
			}
		}
		if len(words) != r.InputTokens || r.InputTokens < 10 || r.InputTokens > 80 {
			t.Fatalf("%d words, InputTokens %d, want equal and in [10, 80]", len(words), r.InputTokens)
		}
		if c.MaxTokens < 1 || c.MaxTokens > 40 {
			t.Fatalf("max_tokens %d outside [1, 40]", c.MaxTokens)
		}
		distinct[c.Messages[0].Content] = true
	}
	if len(distinct) < 1990 {
		t.Errorf("%d distinct prompts in 2000 requests", len(distinct))
	}
}

// TestPromptGeneratorsShareOneDraw: $prompt, $messages and $max_tokens of
// one request (twice each, and inside $choice) render the same draw.
func TestPromptGeneratorsShareOneDraw(t *testing.T) {
	body := `{"a":{"$prompt":{}},"b":{"$prompt":{}},"m":{"$messages":{}},"n":{"$max_tokens":{}},"o":{"$max_tokens":{}},` +
		`"c":{"$choice":[{"$prompt":{}}]},"i":{"$int":[0,9]}}`
	src := mustSource(t, []RequestSpec{{Path: "/", Body: JSON(body), Prompts: generated(Lengths{Mean: 20, Stddev: 5}, Lengths{Mean: 64, Stddev: 30})}}, 1)
	for i := 0; i < 500; i++ {
		r := src.Next()
		var v struct {
			A, B, C string
			M       []map[string]string
			N, O, I int
		}
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if v.A != v.B || v.A != v.C || len(v.M) != 1 || v.M[0]["content"] != v.A || v.N != v.O {
			t.Fatalf("generators disagree: %s", r.Body)
		}
		if countWords(v.A) != r.InputTokens {
			t.Fatalf("InputTokens %d for %d words", r.InputTokens, countWords(v.A))
		}
	}
}

// TestPromptsDeterministicBySeed: the same seed gives the same bodies,
// another seed others.
func TestPromptsDeterministicBySeed(t *testing.T) {
	reqs := []RequestSpec{{Path: "/", Body: JSON(chatBody), Prompts: generated(Lengths{Mean: 64, Stddev: 16}, Lengths{Mean: 32, Stddev: 8})}}
	seq := func(seed int64) []string {
		src := mustSource(t, reqs, seed)
		out := make([]string, 200)
		for i := range out {
			out[i] = string(src.Next().Body)
		}
		return out
	}
	a, b, c := seq(42), seq(42), seq(43)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different prompts")
	}
	for i := range a {
		if a[i] == c[i] {
			t.Fatalf("seeds 42 and 43 gave the same body %d: %s", i, a[i])
		}
	}
}

// TestInvalidBodyWithPrompts: an invalid body may leave the prompt out;
// it then carries no InputTokens.
func TestInvalidBodyWithPrompts(t *testing.T) {
	src := mustSource(t, []RequestSpec{{Path: "/", Body: JSON(chatBody), Prompts: generated(Lengths{Mean: 8}, Lengths{Mean: 4}),
		Invalid: Invalid{Fraction: 0.5, Body: JSON(`{"model":"m","max_tokens":-1}`)}}}, 1)
	var valid, invalid int
	for i := 0; i < 200; i++ {
		r := src.Next()
		switch {
		case r.Invalid && string(r.Body) == `{"model":"m","max_tokens":-1}` && r.InputTokens == 0:
			invalid++
		case !r.Invalid && r.InputTokens == 8:
			valid++
		default:
			t.Fatalf("request %+v %s", r, r.Body)
		}
	}
	if valid == 0 || invalid == 0 {
		t.Errorf("%d valid, %d invalid", valid, invalid)
	}
}

// TestValidatePrompts: each misuse of prompts is one problem on the field
// it names, saying what to do.
func TestValidatePrompts(t *testing.T) {
	gen := func() *Prompts { return generated(Lengths{Mean: 256, Stddev: 64}, Lengths{Mean: 128}) }
	tests := []struct {
		name  string
		edit  func(q *RequestSpec)
		field string
		want  string
	}{
		{"$prompt without prompts", func(q *RequestSpec) { q.Body = JSON(`{"p":{"$prompt":{}}}`) }, "requests[0].body.p.$prompt", "needs a prompts block on this request: add prompts: {input_tokens:"},
		{"$messages without prompts", func(q *RequestSpec) { q.Body = JSON(`{"m":{"$messages":{}}}`) }, "requests[0].body.m.$messages", "needs a prompts block"},
		{"$max_tokens in a choice without prompts", func(q *RequestSpec) { q.Body = JSON(`{"$choice":[{"$max_tokens":{}}]}`) }, "requests[0].body.$choice[0].$max_tokens", "needs a prompts block"},
		{"$max_tokens in the invalid body without prompts", func(q *RequestSpec) { q.Invalid = Invalid{Fraction: 0.1, Body: JSON(`[{"$max_tokens":{}}]`)} }, "requests[0].invalid.body[0].$max_tokens", "needs a prompts block"},
		{"$prompt with arguments", func(q *RequestSpec) { q.Prompts = gen(); q.Body = JSON(`{"p":{"$prompt":{"len":3}}}`) }, "requests[0].body.p.$prompt", `takes no arguments: write {"$prompt": {}}`},
		{"$max_tokens with a list", func(q *RequestSpec) { q.Prompts = gen(); q.Body = JSON(`{"n":{"$max_tokens":[]}}`) }, "requests[0].body.n.$max_tokens", "takes no arguments"},
		{"empty prompts", func(q *RequestSpec) { q.Prompts = &Prompts{}; q.Body = JSON(chatBody) }, "requests[0].prompts", "set file (a JSON-lines dataset of prompts) or input_tokens"},
		{"file and input_tokens", func(q *RequestSpec) {
			q.Prompts = gen()
			q.Prompts.File = "p.jsonl"
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens", "set either file or input_tokens, not both"},
		{"prompts and body_file", func(q *RequestSpec) { q.Prompts = gen(); q.Body = nil; q.BodyFile = "leads.jsonl" }, "requests[0].body_file", "set either prompts or body_file"},
		{"prompts and batch", func(q *RequestSpec) { q.Prompts = gen(); q.Body = JSON(chatBody); q.Batch = 4 }, "requests[0].batch", "not with prompts"},
		{"prompts unused", func(q *RequestSpec) { q.Prompts = gen() }, "requests[0].prompts", "unused: the body places no prompt"},
		{"prompts without body", func(q *RequestSpec) { q.Prompts = gen(); q.Body = nil }, "requests[0].prompts", "unused"},
		{"mean missing", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Stddev: 3}, Lengths{Mean: 1})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens.mean", "required: the mean length in tokens"},
		{"mean above max", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Mean: 500, Max: 300}, Lengths{Mean: 1})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens.mean", "within [min, max] = [1, 300] tokens (got 500)"},
		{"min above max", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Mean: 5}, Lengths{Mean: 5, Min: 9, Max: 3})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.output_tokens", "min 9 is greater than max 3"},
		{"max above the bound", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Mean: 5, Max: 1 << 20}, Lengths{Mean: 1})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens.max", "1..131072 tokens"},
		{"negative min", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Mean: 5, Min: -1}, Lengths{Mean: 1})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens.min", "1..131072"},
		{"negative stddev", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Mean: 5, Stddev: -1}, Lengths{Mean: 1})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens.stddev", "must be ≥ 0 tokens, 0 for a constant length"},
		{"NaN mean", func(q *RequestSpec) {
			q.Prompts = generated(Lengths{Mean: math.NaN()}, Lengths{Mean: 1})
			q.Body = JSON(chatBody)
		}, "requests[0].prompts.input_tokens.mean", "within [min, max]"},
		{"dataset missing", func(q *RequestSpec) { q.Prompts = &Prompts{File: "gone.jsonl"}; q.Body = JSON(chatBody) }, "requests[0].prompts.file", `cannot read "gone.jsonl"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := valid(t)
			tc.edit(&s.Requests[0])
			err := s.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			var found bool
			for _, e := range unjoin(err) {
				var fe *FieldError
				if errors.As(e, &fe) && fe.Field == tc.field && strings.Contains(fe.Msg, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem on %s containing %q in:\n%v", tc.field, tc.want, err)
			}
		})
	}
	s := valid(t)
	s.Requests[0].Prompts, s.Requests[0].Body = gen(), JSON(chatBody)
	if err := s.Validate(); err != nil {
		t.Errorf("valid prompts refused: %v", err)
	}
}

// BenchmarkNextPrompts is Source.Next of a chat request with generated
// prompts of 256 ± 64 words (the README's figure).
func BenchmarkNextPrompts(b *testing.B) {
	src := mustSource(b, []RequestSpec{{Path: "/v1/chat/completions", Body: JSON(chatBody),
		Prompts: generated(Lengths{Mean: 256, Stddev: 64}, Lengths{Mean: 128, Stddev: 32})}}, 1)
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		n += int64(len(src.Next().Body))
	}
	b.ReportMetric(float64(n)/float64(b.N), "B/body")
}

// BenchmarkNextPromptsDataset is Source.Next of a chat request drawing
// from a dataset of 1,000 messages lines.
func BenchmarkNextPromptsDataset(b *testing.B) {
	dir := b.TempDir()
	var text strings.Builder
	for i := 0; i < 1000; i++ {
		text.WriteString(`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"` + strings.Repeat("word ", 250) + `"}],"output_tokens":128}` + "\n")
	}
	writeIn(dir, "p.jsonl", text.String())
	src, err := Scenario{Requests: []RequestSpec{{Path: "/", Body: JSON(chatBody), Prompts: &Prompts{File: "p.jsonl"}}}}.NewSource(dir, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		src.Next()
	}
}
