package scenarios

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/record"
)

// TestLoadChatScenario decodes the chat request of an OpenAI-compatible
// API (stream: sse, chunk_timeout, generated prompts, stream_options,
// ignore_eos, Poisson arrivals, goodput) and renders its bodies.
func TestLoadChatScenario(t *testing.T) {
	s, err := Load("testdata/llm/chat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != record.ModelRate || s.Arrival != ArrivalPoisson || s.Goodput != "ttft<1s,tpot<100ms" {
		t.Errorf("scenario %+v", s)
	}
	q := s.Requests[0]
	want := Prompts{InputTokens: &Lengths{Mean: 256, Stddev: 64, Min: 16, Max: 1024}, OutputTokens: &Lengths{Mean: 128, Stddev: 32, Min: 8, Max: 512}}
	if q.Stream != StreamSSE || q.ChunkTimeout != 10*time.Second || !reflect.DeepEqual(*q.Prompts, want) {
		t.Errorf("request %+v, prompts %+v", q, q.Prompts)
	}
	src, err := s.NewSource("", 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		r := src.Next()
		var v struct {
			chat
			Temperature   *float64        `json:"temperature"`
			StreamOptions map[string]bool `json:"stream_options"`
		}
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if r.Method != "POST" || r.Stream != StreamSSE || r.ChunkTimeout != 10*time.Second || !hasHeader(r.Headers, "Content-Type") {
			t.Fatalf("request %+v", r)
		}
		if v.Model != "meta-llama/Llama-3.1-8B-Instruct" || !v.Stream || !v.IgnoreEOS || !v.StreamOptions["include_usage"] || v.Temperature == nil || *v.Temperature != 0 {
			t.Fatalf("body %s", r.Body)
		}
		if n := countWords(v.Messages[0].Content); n != r.InputTokens || n < 16 || n > 1024 || v.MaxTokens < 8 || v.MaxTokens > 512 {
			t.Fatalf("%d words (InputTokens %d), max_tokens %d", n, r.InputTokens, v.MaxTokens)
		}
	}
}

// TestLoadOllamaScenario decodes an Ollama-style NDJSON /api/generate
// request whose prompts come from a dataset next to the scenario.
func TestLoadOllamaScenario(t *testing.T) {
	s, err := Load("testdata/llm/ollama.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := s.Requests[0]
	if q.Stream != StreamNDJSON || q.Prompts.File != "prompts.jsonl" || q.loadedPrompts == nil || len(q.loadedPrompts.lines) != 3 {
		t.Fatalf("request %+v", q)
	}
	src, err := s.NewSource("", 1)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]map[int]bool{}
	for i := 0; i < 300; i++ {
		r := src.Next()
		var v struct {
			Model   string
			Prompt  string
			Stream  bool
			Options struct {
				NumPredict int `json:"num_predict"`
			}
		}
		if err := json.Unmarshal(r.Body, &v); err != nil || v.Model != "llama3.2" || !v.Stream {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if outs[v.Prompt] == nil {
			outs[v.Prompt] = map[int]bool{}
		}
		outs[v.Prompt][v.Options.NumPredict] = true
	}
	if !reflect.DeepEqual(outs["Explain why this lead scored 0.82."], map[int]bool{64: true}) {
		t.Errorf("line 1 (output_tokens 64): num_predict %v", outs["Explain why this lead scored 0.82."])
	}
	if got := outs["You are terse.\n\nSummarize: \"TTFT\" is the time to first token."]; !reflect.DeepEqual(got, map[int]bool{32: true}) {
		t.Errorf("line 3 (max_tokens 32): num_predict %v", got)
	}
	if got := outs["Write a haiku about queues.\nKeep it short."]; len(got) < 5 {
		t.Errorf("line 4 (no length: output_tokens 100±20): num_predict %v", got)
	}
	if len(outs) != 3 {
		t.Errorf("prompts drawn: %v", outs)
	}
}

// TestParsePromptsErrors: problems of a prompts block in a scenario file
// are "file:line: field: what", a dataset's at the line of prompts.file
// with the dataset's own file:line.
func TestParsePromptsErrors(t *testing.T) {
	dir := t.TempDir()
	writeIn(dir, "bad.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\":\"x\",\"output_tokens\":0}\n")
	path := filepath.Join(dir, "s.yaml")
	req := "ramp: 1\nrequests:\n  - path: /v1/completions\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown field", req + "    prompts: {input_tokens: {mean: 5, sd: 1}}\n    body: {prompt: {$prompt: {}}}\n",
			[]string{"s.yaml:4: requests[0].prompts.input_tokens.sd: unknown field"}},
		{"explicit zero min", req + "    prompts:\n      input_tokens: {mean: 5, min: 0}\n    body: {prompt: {$prompt: {}}}\n",
			[]string{"s.yaml:5: requests[0].prompts.input_tokens.min: must be ≥ 1 token (got 0); leave it out for the default"}},
		{"mean missing", req + "    prompts:\n      input_tokens:\n        stddev: 3\n    body: {prompt: {$prompt: {}}}\n",
			[]string{"s.yaml:5: requests[0].prompts.input_tokens.mean: required: the mean length in tokens"}},
		{"generator without prompts", req + "    body:\n      prompt: {$prompt: {}}\n",
			[]string{"s.yaml:5: requests[0].body.prompt.$prompt: needs a prompts block on this request"}},
		{"bad dataset line", req + "    body: {prompt: {$prompt: {}}}\n    prompts:\n      file: bad.jsonl\n",
			[]string{"s.yaml:6: requests[0].prompts.file: " + filepath.Join(dir, "bad.jsonl") + `:2: "output_tokens" must be a whole number in 1..131072`}},
		{"with batch", req + "    batch: 2\n    prompts: {input_tokens: {mean: 5}}\n    body: {prompt: {$prompt: {}}}\n",
			[]string{"s.yaml:4: requests[0].batch: not with prompts"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(path, []byte(tc.src))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestEncodePromptsRoundTrip: a resolved scenario names its dataset by
// absolute path and decodes back to the same prompts block.
func TestEncodePromptsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeIn(dir, "p.jsonl", `{"prompt":"hello there"}`+"\n")
	src := "ramp: 1\nrequests:\n  - path: /v1/completions\n    prompts: {file: p.jsonl, output_tokens: {mean: 50, stddev: 5}}\n    body: {prompt: {$prompt: {}}, max_tokens: {$max_tokens: {}}}\n"
	s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "s.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(filepath.Join(other, "s.yaml"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := back.Requests[0].Prompts
	if got.File != filepath.Join(dir, "p.jsonl") || !reflect.DeepEqual(got.OutputTokens, s.Requests[0].Prompts.OutputTokens) || got.InputTokens != nil {
		t.Errorf("prompts after the round trip: %+v\n%s", got, out)
	}
	if s.Requests[0].Prompts.File != "p.jsonl" {
		t.Error("MarshalYAML modified the scenario")
	}
	// JSON, as an agent receives its job.
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON Scenario
	if err := json.Unmarshal(js, &fromJSON); err != nil || !reflect.DeepEqual(fromJSON.Requests[0].Prompts, s.Requests[0].Prompts) {
		t.Errorf("JSON round trip: %v, %+v", err, fromJSON.Requests[0].Prompts)
	}
}
