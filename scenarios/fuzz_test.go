package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every rejection names the
// file, and that an accepted scenario can be validated, planned, described
// and turned into a source that renders valid JSON, all without panicking.
// Run it with a short -fuzzminimizetime (e.g. 3s): minimizing inputs grown
// from the reference scenario otherwise stalls the progress counter.
func FuzzParse(f *testing.F) {
	f.Add(string(referenceYAML))
	f.Add("ramp: 1:3:1\nthink: 0\nrequests: [{path: /, body: {a: {$choice: [1, {$float: [0, 1, 3]}]}}, batch: 3}]\n")
	f.Add("preset: spike\nmodel: rate\nrequests: [{path: /x, invalid: {fraction: 0.5, body: [1]}}]\n")
	f.Add("ramp: {steps: [1, 2], hold: 1s, settle: 0.5s}\nstability: {enabled: true}\nstop: {slo: 'p95<1s'}\n")
	f.Add("model: rate\narrival: poisson\nramp: 1\nrequests: [{path: /v1/chat/completions, stream: sse, prompts: {input_tokens: {mean: 8, stddev: 3}, output_tokens: {mean: 4}}, body: {messages: {$messages: {}}, max_tokens: {$max_tokens: {}}, p: {$choice: [{$prompt: {}}, 1]}}}]\n")
	f.Add("a: &a [*a]\n")
	f.Add("ramp: {from: 1e308, to: 1.7e308, by: 1e307}\nrequests: [{path: /, body: {$int: [-9223372036854775808, 9223372036854775807]}}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse("fuzz.yaml", []byte(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		_ = s.Validate()
		steps := s.Plan()
		if len(steps) > MaxSteps {
			t.Fatalf("%d steps", len(steps))
		}
		_ = s.Describe()
		if len(s.Requests) == 0 {
			return
		}
		src, err := s.NewSource("", 1)
		if err != nil {
			return
		}
		for i := 0; i < 3; i++ {
			if r := src.Next(); r.Body != nil && !json.Valid(r.Body) {
				t.Fatalf("invalid JSON body %q from %q", r.Body, in)
			}
		}
	})
}

// FuzzPromptFile checks that any prompts dataset is either refused with
// every problem naming the file, or rendered by $prompt, $messages and
// $max_tokens as valid JSON: a string, an array of role/content messages,
// and an output length in 1..MaxPromptTokens.
func FuzzPromptFile(f *testing.F) {
	f.Add("{\"prompt\": \"hi \\\"there\\\"\\n\", \"output_tokens\": 5}\n\n{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"max_tokens\": 3}\n")
	f.Add("{\"prompt\": \"\\u0000\\ud800 \xff\"}\n{\"messages\": [{\"role\": \"system\", \"content\": \"\"}, null]}\n")
	f.Add("{\"prompt\": 1}\n[]\n{}\n{\"prompt\": \"a\", \"max_tokens\": 1e3}\n")
	tmpl, errs := compileTemplate([]byte(`{"p":{"$prompt":{}},"m":{"$messages":{}},"n":{"$max_tokens":{}}}`), "body", true)
	if errs != nil {
		f.Fatal(errs)
	}
	f.Fuzz(func(t *testing.T, in string) {
		pf := parsePrompts("p.jsonl", strings.NewReader(in))
		if len(pf.errs) > 0 {
			for _, err := range pf.errs {
				if !strings.HasPrefix(err.Error(), "p.jsonl") && !strings.HasPrefix(err.Error(), "read p.jsonl") {
					t.Fatalf("error does not name the file: %v", err)
				}
			}
			if pf.lines != nil {
				t.Fatal("lines kept with errors")
			}
			return
		}
		if len(pf.lines) == 0 {
			t.Fatal("no lines and no error")
		}
		r := newRNG(1, 1)
		for i := range pf.lines {
			d := promptDraw{line: &pf.lines[i], words: pf.lines[i].words, output: max(pf.lines[i].output, 1)}
			body := tmpl.render(nil, &r, &d)
			var v struct {
				P string
				M []struct{ Role, Content string }
				N int
			}
			if !json.Valid(body) || json.Unmarshal(body, &v) != nil {
				t.Fatalf("invalid body %q from %q", body, in)
			}
			if len(v.M) == 0 || v.M[0].Role == "" || v.N < 1 || v.N > MaxPromptTokens {
				t.Fatalf("body %q from %q", body, in)
			}
		}
	})
}
