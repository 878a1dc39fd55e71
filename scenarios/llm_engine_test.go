package scenarios_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// TestPoissonChatRequestsReachTheServer runs one short open-loop step of
// generated chat requests under Poisson arrivals against a loopback
// server that checks every body it receives: the step records its
// arrival process, and each body the server saw is a valid chat request
// whose prompt length and max_tokens lie within the declared bounds.
func TestPoissonChatRequestsReachTheServer(t *testing.T) {
	var mu sync.Mutex
	var got, bad int
	var problems []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var c struct {
			Messages  []struct{ Role, Content string }
			MaxTokens int  `json:"max_tokens"`
			IgnoreEOS bool `json:"ignore_eos"`
		}
		err := json.Unmarshal(raw, &c)
		mu.Lock()
		defer mu.Unlock()
		got++
		words := 0
		if err == nil && len(c.Messages) == 1 {
			words = len(strings.Fields(c.Messages[0].Content))
		}
		if err != nil || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Content-Type") != "application/json" ||
			words < 20 || words > 60 || c.MaxTokens < 5 || c.MaxTokens > 15 || !c.IgnoreEOS {
			bad++
			if len(problems) < 3 {
				problems = append(problems, string(raw))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}`)
	}))
	defer srv.Close()

	sc, err := scenarios.Parse("chat.yaml", []byte(`
model: rate
arrival: poisson
ramp: {steps: [100], hold: 1s}
timeout: 5s
requests:
  - path: /v1/chat/completions
    prompts:
      input_tokens: {mean: 40, stddev: 10, min: 20, max: 60}
      output_tokens: {mean: 10, stddev: 3, min: 5, max: 15}
    body:
      model: m
      messages: {$messages: {}}
      max_tokens: {$max_tokens: {}}
      ignore_eos: true
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := engine.Run(ctx, sc, []string{srv.URL}, engine.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Steps) != 1 {
		t.Fatalf("%d steps", len(out.Steps))
	}
	rec := out.Steps[0]
	if rec.Load.Arrival != scenarios.ArrivalPoisson {
		t.Errorf("load.arrival %q, want %q", rec.Load.Arrival, scenarios.ArrivalPoisson)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d requests in the window, %d errors; the server saw %d", rec.Requests, rec.Errors, got)
	if rec.Requests == 0 || rec.Errors != 0 || got < int(rec.Requests) {
		t.Errorf("%d requests, %d errors, %d seen by the server", rec.Requests, rec.Errors, got)
	}
	if bad > 0 {
		t.Errorf("%d of %d bodies out of bounds, e.g. %q", bad, got, problems)
	}
}
