package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/refapi/lm"
)

// TestChatStream parses a real streamed chat completion: the first chunk
// carries the role and the first token, every chunk one token, then the
// finish reason, the usage chunk and [DONE].
func TestChatStream(t *testing.T) {
	_, ts := newLoadedServer(t)
	s := streamPost(t, ts.URL, chatPath, chatBody(`,"max_tokens":25,"seed":8,"stream":true,"ignore_eos":true,"stream_options":{"include_usage":true}`))
	if !s.done || s.finish != "length" || len(s.pieces) != 25 {
		t.Fatalf("[DONE] %v, finish %q, %d pieces: want [DONE], length, 25", s.done, s.finish, len(s.pieces))
	}
	first := s.chunks[0]
	if first.Object != "chat.completion.chunk" || first.Model != ModelID || !strings.HasPrefix(first.ID, "chatcmpl-") ||
		first.Choices[0].Delta.Role != "assistant" || first.Choices[0].Delta.Content == nil || *first.Choices[0].Delta.Content == "" {
		t.Fatalf("first chunk %+v: want the role and the first token", first)
	}
	for i, c := range s.chunks {
		if c.ID != first.ID || c.Created != first.Created {
			t.Fatalf("chunk %d id %s created %d, first %s %d", i, c.ID, c.Created, first.ID, first.Created)
		}
		if i > 0 && len(c.Choices) == 1 && c.Choices[0].Delta.Role != "" {
			t.Fatalf("chunk %d repeats the role", i)
		}
	}
	if last := s.chunks[len(s.chunks)-1]; s.usage == nil || last.Usage == nil {
		t.Fatal("the usage chunk is not the last one")
	}
	if u := s.usage; u.CompletionTokens != 25 || u.TotalTokens != u.PromptTokens+25 || u.PromptTokens < 10 {
		t.Fatalf("usage %+v", u)
	}
	if cc := s.header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("Cache-Control %q", cc)
	}
	plain := streamPost(t, ts.URL, chatPath, chatBody(`,"max_tokens":5,"stream":true`))
	if plain.usage != nil || !plain.done {
		t.Fatalf("without include_usage: usage %+v, [DONE] %v", plain.usage, plain.done)
	}
}

func TestCompletionStream(t *testing.T) {
	_, ts := newLoadedServer(t)
	body := `{"model":"loadlab-ngram","prompt":"the score is high because","max_tokens":12,"seed":2,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`
	s := streamPost(t, ts.URL, completionPath, body)
	if len(s.pieces) != 12 || s.finish != "length" || !s.done || s.usage == nil || s.usage.PromptTokens != 5 {
		t.Fatalf("%d pieces, finish %q, [DONE] %v, usage %+v", len(s.pieces), s.finish, s.done, s.usage)
	}
	for _, c := range s.chunks {
		if c.Object != "text_completion" || (len(c.Choices) == 1 && (c.Choices[0].Text == nil || c.Choices[0].Delta != nil)) {
			t.Fatalf("chunk %+v: want a text_completion with text", c)
		}
	}
	again := decodeCompletion(t, genPost(t, ts.URL, completionPath, strings.Replace(body, `"stream":true`, `"stream":false`, 1)))
	if again.text(t) != s.text() {
		t.Fatalf("non-streamed %q, streamed %q", again.text(t), s.text())
	}
}

// TestPrefillCostGrowsWithPrompt: scoring the prompt evaluates the whole
// vocabulary once per prompt token (the model's own work counter, exposed
// in /metrics), so a longer prompt costs proportionally more before the
// first token.
func TestPrefillCostGrowsWithPrompt(t *testing.T) {
	_, ts := newLoadedServer(t)
	m, err := lm.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	const series = `llm_vocabulary_evaluations_total{phase="prefill"}`
	prefill := func(prompt string) (evals float64, promptTokens int) {
		before := metricValue(t, scrape(t, ts.URL), series)
		c := decodeCompletion(t, genPost(t, ts.URL, completionPath, `{"model":"loadlab-ngram","max_tokens":1,"prompt":"`+prompt+`"}`))
		return metricValue(t, scrape(t, ts.URL), series) - before, c.Usage.PromptTokens
	}
	short, nShort := prefill("why is lead 7 hot?")
	long, nLong := prefill(strings.Repeat("the contact opened our email about the pricing page. ", 40))
	v := float64(m.VocabSize())
	if nShort != 6 || nLong != 400 || short != float64(nShort)*v || long != float64(nLong)*v {
		t.Fatalf("prefill of %d tokens: %v evaluations; of %d tokens: %v; want tokens × %v", nShort, short, nLong, long, v)
	}
}

// TestClientCancelStopsGeneration: a client that leaves after the first
// token stops its generation long before max_tokens.
func TestClientCancelStopsGeneration(t *testing.T) {
	_, ts := newLoadedServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := openStream(t, ctx, ts.URL, chatPath, chatBody(fmt.Sprintf(`,"max_tokens":%d,"ignore_eos":true,"stream":true`, MaxMaxTokens)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if data, ok := nextEvent(t, bufio.NewReader(resp.Body)); !ok || !strings.Contains(data, `"role":"assistant"`) {
		t.Fatalf("first event %q", data)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	var text []byte
	for {
		text = scrape(t, ts.URL)
		if metricValue(t, text, "http_requests_in_flight") == 1 { // the scrape itself
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancelled stream is still in flight after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A scrape gathers its collectors one by one, not at one instant: read
	// the counters from the next one, which starts after the request ended.
	text = scrape(t, ts.URL)
	if n := metricValue(t, text, "llm_completion_tokens_total"); n < 1 || n >= MaxMaxTokens {
		t.Fatalf("%v tokens generated for a client that left after the first: want far fewer than %d", n, MaxMaxTokens)
	}
	if n := metricValue(t, text, `http_requests_total{endpoint="/v1/chat/completions",status="499"}`); n != 1 {
		t.Fatalf("%v requests recorded as 499 (client closed), want 1:\n%s", n, grepLines(text, "http_requests_total", "in_flight", "llm_"))
	}
}

// TestConcurrentStreams: streams served at once each get their own,
// complete, deterministic answer.
func TestConcurrentStreams(t *testing.T) {
	_, ts := newLoadedServer(t)
	const n = 6
	want := make([]string, n)
	for i := range n {
		want[i] = decodeCompletion(t, genPost(t, ts.URL, chatPath, chatBody(fmt.Sprintf(`,"max_tokens":60,"seed":%d`, i)))).text(t)
	}
	t.Run("streams", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				s := streamPost(t, ts.URL, chatPath, chatBody(fmt.Sprintf(`,"max_tokens":60,"seed":%d,"stream":true`, i)))
				if s.text() != want[i] {
					t.Errorf("stream %d: %q, want %q", i, s.text(), want[i])
				}
			})
		}
	})
}
