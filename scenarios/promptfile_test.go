package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// datasetSource is the source of one chat request whose prompts come
// from a dataset with the given text.
func datasetSource(t *testing.T, text, body string, out *Lengths) (Source, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.jsonl"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Scenario{Requests: []RequestSpec{{Path: "/v1/chat/completions", Body: JSON(body),
		Prompts: &Prompts{File: "p.jsonl", OutputTokens: out}}}}.NewSource(dir, 1)
}

// TestPromptFileErrors: every bad line of a dataset is named by
// file:line with what is wrong and how to write it; an empty file is
// refused.
func TestPromptFileErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"bad JSON", "{\"prompt\":\"a\"}\n{\"prompt\": \"b\"\n", []string{`p.jsonl:2: invalid JSON: `, `(each line holds one JSON object)`}},
		{"not an object", "[\"a\"]\n", []string{`p.jsonl:1: not a JSON object: want {"prompt": "..."} or {"messages": [{"role": "user", "content": "..."}]}`}},
		{"neither prompt nor messages", "\n{\"promt\":\"typo\"}\n", []string{`p.jsonl:2: neither "prompt" nor "messages": want {"prompt": "..."}`}},
		{"both", `{"prompt":"a","messages":[{"role":"user","content":"a"}]}`, []string{`p.jsonl:1: has both "prompt" and "messages": keep one`}},
		{"prompt not a string", `{"prompt":42}`, []string{`p.jsonl:1: "prompt" must be a JSON string (got 42)`}},
		{"prompt null", `{"prompt":null}`, []string{`p.jsonl:1: "prompt" must be a JSON string (got null)`}},
		{"empty prompt", `{"prompt":""}`, []string{`p.jsonl:1: "prompt" is empty`}},
		{"messages not a list", `{"messages":"hi"}`, []string{`p.jsonl:1: "messages" must be a list of {"role": "...", "content": "..."} objects (got "hi")`}},
		{"messages empty", `{"messages":[]}`, []string{`p.jsonl:1: "messages" is empty`}},
		{"message without role", `{"messages":[{"role":"system","content":"x"},{"content":"y"}]}`, []string{`p.jsonl:1: messages[1]: "role" must be a non-empty string such as "user" (got nothing)`}},
		{"message content not a string", `{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}`, []string{`p.jsonl:1: messages[0]: "content" must be a string (got [{"type":"text","text":"x"}])`}},
		{"output_tokens zero", `{"prompt":"a","output_tokens":0}`, []string{`p.jsonl:1: "output_tokens" must be a whole number in 1..131072, the target output length in tokens (got 0)`}},
		{"output_tokens fraction", `{"prompt":"a","output_tokens":1.5}`, []string{`"output_tokens" must be a whole number in 1..131072`, `(got 1.5)`}},
		{"output_tokens string", `{"prompt":"a","output_tokens":"128"}`, []string{`(got "128")`}},
		{"output_tokens too large", `{"prompt":"a","output_tokens":200000}`, []string{`(got 200000)`}},
		{"max_tokens bad", `{"prompt":"a","max_tokens":-3}`, []string{`p.jsonl:1: "max_tokens" must be a whole number in 1..131072`}},
		{"both output lengths", `{"prompt":"a","max_tokens":3,"output_tokens":3}`, []string{`has both "output_tokens" and "max_tokens", which are synonyms: keep one`}},
		{"empty file", "\n \n", []string{`p.jsonl: no prompts (one JSON object per line: want {"prompt": "..."}`}},
		{"every bad line", "{\"prompt\":1}\n{\"prompt\":\"ok\"}\n{}\n", []string{`p.jsonl:1: "prompt" must be`, `p.jsonl:3: neither`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := datasetSource(t, tc.text, chatBody, nil)
			if err == nil {
				t.Fatal("dataset accepted")
			}
			if !strings.HasPrefix(err.Error(), "requests[0].prompts.file: ") {
				t.Errorf("error does not name the field: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestPromptFileManyBadLines: the first ten bad lines are named, the rest
// counted.
func TestPromptFileManyBadLines(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 25; i++ {
		b.WriteString("{}\n")
	}
	_, err := datasetSource(t, b.String(), chatBody, nil)
	if err == nil {
		t.Fatal("dataset accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "p.jsonl:10: neither") || strings.Contains(msg, "p.jsonl:11:") || !strings.Contains(msg, "p.jsonl: 15 more bad lines") {
		t.Errorf("error:\n%v", msg)
	}
}

// nasty are prompts that a careless renderer would turn into invalid
// JSON or alter.
var nasty = []string{
	`say "hi"`,
	`back\slash \" \\" \n literal`,
	"line one\nline two\r\n\ttabbed",
	"control \x00\x01\x1f and del \x7f",
	"unicode: héllo wörld — 日本語 🚀 \u2028\u2029 end",
	"</script><script>alert(1)</script> & <b>",
	`{"$prompt": {}} {"$int": [1, 2]}`,
	"   leading and trailing   ",
}

// TestNastyPromptsRenderValidJSON: dataset prompts and messages with
// quotes, backslashes, newlines, control characters and unicode render
// as valid JSON that decodes back to the same text, under $prompt and
// under $messages; $max_tokens is the line's output length.
func TestNastyPromptsRenderValidJSON(t *testing.T) {
	var lines []string
	want := map[string]int{} // prompt → output_tokens
	for i, p := range nasty {
		enc, _ := json.Marshal(p)
		lines = append(lines, fmt.Sprintf(`{"prompt":%s,"output_tokens":%d,"id":%d}`, enc, 10+i, i))
		want[p] = 10 + i
	}
	body := `{"prompt":{"$prompt":{}},"messages":{"$messages":{}},"max_tokens":{"$max_tokens":{}}}`
	src, err := datasetSource(t, strings.Join(lines, "\n")+"\n", body, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 400; i++ {
		r := src.Next()
		if !json.Valid(r.Body) {
			t.Fatalf("invalid JSON: %q", r.Body)
		}
		var v struct {
			Prompt    string              `json:"prompt"`
			Messages  []map[string]string `json:"messages"`
			MaxTokens int                 `json:"max_tokens"`
		}
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("%q: %v", r.Body, err)
		}
		out, ok := want[v.Prompt]
		if !ok {
			t.Fatalf("prompt %q is none of the dataset's", v.Prompt)
		}
		if v.MaxTokens != out {
			t.Errorf("prompt %q: max_tokens %d, want the line's %d", v.Prompt, v.MaxTokens, out)
		}
		if len(v.Messages) != 1 || v.Messages[0]["role"] != "user" || v.Messages[0]["content"] != v.Prompt {
			t.Errorf("messages %v for prompt %q", v.Messages, v.Prompt)
		}
		if r.InputTokens != countWords(v.Prompt) {
			t.Errorf("InputTokens %d for %q", r.InputTokens, v.Prompt)
		}
		seen[v.Prompt] = true
	}
	if len(seen) != len(nasty) {
		t.Errorf("drew %d of the %d lines in 400 requests", len(seen), len(nasty))
	}
}

// TestInvalidUTF8PromptStillValidJSON: bytes that are not UTF-8 in a
// dataset's string become U+FFFD, as encoding/json reads them.
func TestInvalidUTF8PromptStillValidJSON(t *testing.T) {
	src, err := datasetSource(t, "{\"prompt\":\"bad \xff\xfe byte\"}\n", `{"p":{"$prompt":{}}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := src.Next()
	var v struct{ P string }
	if !json.Valid(r.Body) || json.Unmarshal(r.Body, &v) != nil || v.P != "bad \ufffd\ufffd byte" {
		t.Errorf("body %q", r.Body)
	}
}

// TestMessagesLines: a messages line renders its messages (role and
// content only) under $messages and its contents joined by blank lines
// under $prompt; InputTokens counts the words of all contents; a line
// without an output length takes prompts.output_tokens, else
// DefaultOutputTokens, and max_tokens is a synonym of output_tokens.
func TestMessagesLines(t *testing.T) {
	text := `{"messages":[{"role":"system","content":"Be brief.","name":"x"},{"role":"user","content":"What is \"TTFT\"?\nExplain."}],"max_tokens":7}` + "\n"
	body := `{"m":{"$messages":{}},"p":{"$prompt":{}},"n":{"$max_tokens":{}}}`
	src, err := datasetSource(t, text, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := src.Next()
	want := `{"m":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is \"TTFT\"?\nExplain."}],"p":"Be brief.\n\nWhat is \"TTFT\"?\nExplain.","n":7}`
	if string(r.Body) != want || r.InputTokens != 6 {
		t.Errorf("body %s (InputTokens %d)\nwant %s (6)", r.Body, r.InputTokens, want)
	}
	for _, tc := range []struct {
		out      *Lengths
		min, max int
	}{{nil, DefaultOutputTokens, DefaultOutputTokens}, {&Lengths{Mean: 50, Stddev: 10, Min: 40, Max: 60}, 40, 60}} {
		src, err := datasetSource(t, `{"prompt":"one two three"}`+"\n", `{"n":{"$max_tokens":{}}}`, tc.out)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := 1<<30, 0
		for i := 0; i < 1000; i++ {
			var v struct{ N int }
			if err := json.Unmarshal(src.Next().Body, &v); err != nil {
				t.Fatal(err)
			}
			lo, hi = min(lo, v.N), max(hi, v.N)
		}
		if lo != tc.min || hi != tc.max {
			t.Errorf("output_tokens %v: max_tokens in [%d, %d], want [%d, %d]", tc.out, lo, hi, tc.min, tc.max)
		}
	}
}

func TestCountWords(t *testing.T) {
	for s, want := range map[string]int{"": 0, "   ": 0, "one": 1, " a  b\tc\nd ": 4, "日本語 text": 2, "a\u00a0b": 2} {
		if got := countWords(s); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	}
}
