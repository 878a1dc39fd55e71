package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/lm"
)

var genFuzzSeeds = []string{
	`{"model":"loadlab-ngram","messages":[{"role":"user","content":"why is lead 42 hot?"}],"max_tokens":8,"seed":1}`,
	`{"model":"loadlab-ngram","prompt":"lead 42","max_tokens":4,"stream":true,"stream_options":{"include_usage":true},"stop":["."]}`,
	`{"model":"loadlab-ngram","prompt":["lead"],"max_tokens":3,"temperature":0,"ignore_eos":true,"n":1}`,
	`{"model":"loadlab-ngram","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"max_completion_tokens":2}`,
	`{"model":"x","prompt":"a"}`, `{"model":"loadlab-ngram","max_tokens":0}`, `{"model":"loadlab-ngram","temperature":3}`,
	`{"model":"loadlab-ngram","messages":[{"role":"bot","content":null}],"stop":5}`,
	`{"model":null,"prompt":null,"seed":-1,"max_tokens":null}`,
	`[]`, `null`, `""`, `{`, ``, `{"model":"loadlab-ngram","prompt":"\ud83d\ude00","max_tokens":1e2}`,
}

// FuzzGenDecoder checks decodeGen and the /v1 handlers on arbitrary bodies:
// never a panic; malformed JSON is always 400 invalid_json; every refusal
// is a 400 or 404 whose body is OpenAI's error shape with the same status
// over HTTP; every accepted request is within the documented bounds, names
// the served model (checked against a generic decode) and, when short,
// is answered 200 over HTTP.
func FuzzGenDecoder(f *testing.F) {
	for _, s := range genFuzzSeeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	cfg := testConfig()
	cfg.Leads = 10
	s, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	if err := s.SetModel(embedded(f), "embedded"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, chat bool) {
		req, aerr := decodeGen(body, chat)
		valid := json.Valid(body)
		if !valid && (aerr == nil || aerr.Status != 400 || aerr.Code != "invalid_json") {
			t.Fatalf("malformed body %q: %+v, want 400 invalid_json", body, aerr)
		}
		if aerr != nil {
			checkRefusal(t, body, aerr)
		} else {
			checkAccepted(t, body, chat, req)
		}
		if aerr == nil && req.maxTokens > 16 {
			return // long generations are the other tests' business
		}
		path := completionPath
		if chat {
			path = chatPath
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		want := http.StatusOK
		if aerr != nil {
			want = aerr.Status
		}
		if rec.Code != want {
			t.Fatalf("%s %q: HTTP %d, decoder %d: %s", path, body, rec.Code, want, rec.Body)
		}
	})
}

func checkRefusal(t *testing.T, body []byte, e *apiError) {
	t.Helper()
	if (e.Status != 400 && e.Status != 404) || e.Message == "" || e.Type == "" || e.Code == "" {
		t.Fatalf("body %q: refusal %+v", body, e)
	}
	var shape apiErrorBody
	dec := json.NewDecoder(bytes.NewReader(appendAPIError(nil, e)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&shape); err != nil || shape.Error.Message != e.Message {
		t.Fatalf("error body of %+v: %v", e, err)
	}
}

func checkAccepted(t *testing.T, body []byte, chat bool, req *genRequest) {
	t.Helper()
	o := req.opts
	if req.maxTokens < 1 || req.maxTokens > MaxMaxTokens || o.Temperature < 0 || o.Temperature > MaxTemperature ||
		len(req.prompt)+req.maxTokens > lm.MaxContext || len(req.stops) > maxStops || o.Chat != chat || req.chat != chat {
		t.Fatalf("body %q accepted out of bounds: %+v", body, req)
	}
	if !chat && len(req.prompt) == 0 {
		t.Fatalf("body %q: accepted an empty prompt", body)
	}
	for _, s := range req.stops {
		if s == "" {
			t.Fatalf("body %q: accepted an empty stop sequence", body)
		}
	}
	var generic map[string]any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatalf("body %q accepted, but it is not an object: %v", body, err)
	}
	if !namesModel(generic) {
		t.Fatalf("body %q accepted without naming model %s", body, ModelID)
	}
}

// namesModel reports whether a member named "model" in any case (as
// encoding/json matches names) holds ModelID.
func namesModel(v map[string]any) bool {
	for k, x := range v {
		if s, ok := x.(string); ok && s == ModelID && strings.EqualFold(k, "model") {
			return true
		}
	}
	return false
}
