package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOpenAIErrors: every refused request answers with its status and an
// OpenAI error body naming the parameter and a code.
func TestOpenAIErrors(t *testing.T) {
	_, ts := newLoadedServer(t)
	long := strings.Repeat("lead ", 8000)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		param, code              string // "" = null
	}{
		{"malformed JSON", "POST", chatPath, `{"model":`, 400, "", "invalid_json"},
		{"not an object", "POST", chatPath, `[]`, 400, "", "invalid_type"},
		{"unknown model", "POST", chatPath, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`, 404, "model", "model_not_found"},
		{"unknown model, completions", "POST", completionPath, `{"model":"llama","prompt":"hi"}`, 404, "model", "model_not_found"},
		{"missing model", "POST", chatPath, `{"messages":[{"role":"user","content":"hi"}]}`, 400, "model", "missing_required_parameter"},
		{"model not a string", "POST", chatPath, `{"model":7,"messages":[]}`, 400, "model", "invalid_type"},
		{"max_tokens 0", "POST", chatPath, chatBody(`,"max_tokens":0`), 400, "max_tokens", "invalid_value"},
		{"max_tokens over", "POST", completionPath, `{"model":"loadlab-ngram","prompt":"hi","max_tokens":2049}`, 400, "max_tokens", "invalid_value"},
		{"max_tokens string", "POST", chatPath, chatBody(`,"max_tokens":"10"`), 400, "max_tokens", "invalid_type"},
		{"max_tokens fraction", "POST", chatPath, chatBody(`,"max_tokens":1.5`), 400, "max_tokens", "invalid_type"},
		{"max_completion_tokens over", "POST", chatPath, chatBody(`,"max_completion_tokens":5000`), 400, "max_completion_tokens", "invalid_value"},
		{"temperature over", "POST", chatPath, chatBody(`,"temperature":2.5`), 400, "temperature", "invalid_value"},
		{"temperature negative", "POST", chatPath, chatBody(`,"temperature":-0.1`), 400, "temperature", "invalid_value"},
		{"seed fraction", "POST", chatPath, chatBody(`,"seed":0.5`), 400, "seed", "invalid_type"},
		{"stream string", "POST", chatPath, chatBody(`,"stream":"yes"`), 400, "stream", "invalid_type"},
		{"n 2", "POST", chatPath, chatBody(`,"n":2`), 400, "n", "invalid_value"},
		{"empty messages", "POST", chatPath, `{"model":"loadlab-ngram","messages":[]}`, 400, "messages", "invalid_value"},
		{"no messages", "POST", chatPath, `{"model":"loadlab-ngram","prompt":"hi"}`, 400, "messages", "missing_required_parameter"},
		{"messages string", "POST", chatPath, `{"model":"loadlab-ngram","messages":"hi"}`, 400, "messages", "invalid_type"},
		{"bad role", "POST", chatPath, `{"model":"loadlab-ngram","messages":[{"role":"bot","content":"hi"}]}`, 400, "messages.0.role", "invalid_value"},
		{"content number", "POST", chatPath, `{"model":"loadlab-ngram","messages":[{"role":"user","content":3}]}`, 400, "messages.0.content", "invalid_type"},
		{"image part", "POST", chatPath, `{"model":"loadlab-ngram","messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, 400, "messages.0.content", "invalid_type"},
		{"empty prompt", "POST", completionPath, `{"model":"loadlab-ngram","prompt":""}`, 400, "prompt", "invalid_value"},
		{"blank prompt", "POST", completionPath, `{"model":"loadlab-ngram","prompt":" \n "}`, 400, "prompt", "invalid_value"},
		{"no prompt", "POST", completionPath, `{"model":"loadlab-ngram"}`, 400, "prompt", "missing_required_parameter"},
		{"prompt number", "POST", completionPath, `{"model":"loadlab-ngram","prompt":42}`, 400, "prompt", "invalid_type"},
		{"prompt of two", "POST", completionPath, `{"model":"loadlab-ngram","prompt":["a","b"]}`, 400, "prompt", "invalid_type"},
		{"stop number", "POST", chatPath, chatBody(`,"stop":3`), 400, "stop", "invalid_type"},
		{"stop empty", "POST", chatPath, chatBody(`,"stop":[""]`), 400, "stop", "invalid_value"},
		{"five stops", "POST", chatPath, chatBody(`,"stop":["a","b","c","d","e"]`), 400, "stop", "invalid_value"},
		{"over the context", "POST", completionPath, `{"model":"loadlab-ngram","prompt":"` + long + `","max_tokens":200}`, 400, "prompt", "context_length_exceeded"},
		{"GET chat", "GET", chatPath, "", 405, "", "method_not_allowed"},
		{"PUT completions", "PUT", completionPath, "{}", 405, "", "method_not_allowed"},
		{"POST models", "POST", "/v1/models", "{}", 405, "", "method_not_allowed"},
		{"unknown model id", "GET", "/v1/models/gpt-4o", "", 404, "model", "model_not_found"},
		{"body over 1 MiB", "POST", chatPath, chatBody(`,"pad":"` + strings.Repeat("x", 1<<20) + `"`), 413, "", "request_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.method, ts.URL+tc.path, "application/json", strings.NewReader(tc.body))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			e := decodeAPIError(t, r)
			if got := deref(e.Error.Param); got != tc.param {
				t.Errorf("param %q, want %q (%s)", got, tc.param, r.body)
			}
			if got := deref(e.Error.Code); got != tc.code {
				t.Errorf("code %q, want %q (%s)", got, tc.code, r.body)
			}
			if tc.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestOpenAIBeforeModel: the /v1 routes answer 503 in OpenAI's shape
// until the models are loaded.
func TestOpenAIBeforeModel(t *testing.T) {
	s, err := New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	r := post(t, ts.URL+chatPath, chatBody(""))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if e := decodeAPIError(t, r); deref(e.Error.Code) != "model_not_loaded" {
		t.Fatalf("error %+v", e)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
