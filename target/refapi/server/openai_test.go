package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/lm"
)

const (
	chatPath       = "/v1/chat/completions"
	completionPath = "/v1/completions"
)

// chatBody is a chat request asking about a lead, with extra fields.
func chatBody(extra string) string {
	return `{"model":"loadlab-ngram","messages":[{"role":"system","content":"You explain lead scores."},` +
		`{"role":"user","content":"Why did lead 42 in retail score so high?"}]` + extra + `}`
}

func TestModelsList(t *testing.T) {
	_, ts := newLoadedServer(t)
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID          string `json:"id"`
			Object      string `json:"object"`
			Created     int64  `json:"created"`
			OwnedBy     string `json:"owned_by"`
			Root        string `json:"root"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}
	getJSON(t, ts.URL+"/v1/models", 200, &list)
	m, err := lm.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != ModelID || list.Data[0].Object != "model" ||
		list.Data[0].Root != m.Version() || list.Data[0].MaxModelLen != lm.MaxContext || list.Data[0].Created == 0 {
		t.Fatalf("GET /v1/models: %+v", list)
	}
	one := list.Data[0]
	getJSON(t, ts.URL+"/v1/models/"+ModelID, 200, &one)
	if one.ID != ModelID {
		t.Fatalf("GET /v1/models/%s: %+v", ModelID, one)
	}
}

// TestCompletionShapes: both endpoints' non-streamed answers decode
// strictly into OpenAI's shapes, with usage that adds up and the prompt
// counted in the model's tokens.
func TestCompletionShapes(t *testing.T) {
	_, ts := newLoadedServer(t)
	chat := decodeCompletion(t, genPost(t, ts.URL, chatPath, chatBody(`,"max_tokens":20,"seed":3`)))
	if !strings.HasPrefix(chat.ID, "chatcmpl-") || chat.Object != "chat.completion" || chat.Model != ModelID || chat.Created == 0 ||
		chat.Choices[0].Message == nil || chat.Choices[0].Message.Role != "assistant" || chat.Choices[0].Text != nil {
		t.Fatalf("chat completion %+v", chat)
	}
	prompt := "system: You explain lead scores.\nuser: Why did lead 42 in retail score so high?\nassistant:"
	if u := chat.Usage; u.PromptTokens != len(lm.Tokenize(prompt)) || u.CompletionTokens < 1 || u.CompletionTokens > 20 ||
		u.TotalTokens != u.PromptTokens+u.CompletionTokens || chat.text(t) == "" {
		t.Fatalf("chat usage %+v, text %q", u, chat.text(t))
	}
	before := scrape(t, ts.URL)
	text := decodeCompletion(t, genPost(t, ts.URL, completionPath, `{"model":"loadlab-ngram","prompt":"lead 42 (maria","max_tokens":5,"ignore_eos":true}`))
	after := scrape(t, ts.URL)
	for series, want := range map[string]float64{"llm_prompt_tokens_total": 4, "llm_completion_tokens_total": 5} { // both counted before the response is written

		if d := metricValue(t, after, series) - metricValue(t, before, series); d != want {
			t.Errorf("%s rose by %v, want %v", series, d, want)
		}
	}
	if !strings.HasPrefix(text.ID, "cmpl-") || text.Object != "text_completion" || text.Choices[0].Text == nil ||
		text.Choices[0].Message != nil || text.Choices[0].FinishReason != "length" {
		t.Fatalf("text completion %+v", text)
	}
	if u := text.Usage; u.PromptTokens != 4 || u.CompletionTokens != 5 || u.TotalTokens != 9 {
		t.Fatalf("text completion usage %+v", u)
	}
	if got := text.text(t); !strings.HasPrefix(got, " ") && !strings.HasPrefix(got, ",") && !strings.HasPrefix(got, ")") {
		t.Fatalf("a completion continuing %q starts %q: want a separated next word", "lead 42 (maria", got)
	}
}

// TestSeedDeterminism: a seed fixes the completion, streamed or not;
// another seed changes it; greedy decoding ignores the seed.
func TestSeedDeterminism(t *testing.T) {
	_, ts := newLoadedServer(t)
	ask := func(extra string) string {
		return decodeCompletion(t, genPost(t, ts.URL, chatPath, chatBody(`,"max_tokens":40,"temperature":0.9`+extra))).text(t)
	}
	a, b, c := ask(`,"seed":11`), ask(`,"seed":11`), ask(`,"seed":12`)
	if a != b || a == "" || a == c {
		t.Fatalf("seed 11: %q then %q; seed 12: %q", a, b, c)
	}
	s := streamPost(t, ts.URL, chatPath, chatBody(`,"max_tokens":40,"temperature":0.9,"seed":11,"stream":true`))
	if s.text() != a {
		t.Fatalf("streamed with seed 11: %q, non-streamed: %q", s.text(), a)
	}
	g1 := ask(`,"temperature":0,"seed":1`)
	g2 := ask(`,"temperature":0,"seed":2`)
	if g1 != g2 {
		t.Fatalf("greedy completions differ by seed: %q, %q", g1, g2)
	}
	var differ bool
	for seed := range 5 {
		if ask(fmt.Sprintf(`,"temperature":1.5,"seed":%d`, seed)) != g1 {
			differ = true
		}
	}
	if !differ {
		t.Fatalf("five sampled completions at temperature 1.5 all equal the greedy one %q", g1)
	}
}

// TestIgnoreEOS: with ignore_eos a completion has exactly max_tokens
// tokens (one content chunk each); without it the same seed ends at </s>
// sooner with finish_reason "stop".
func TestIgnoreEOS(t *testing.T) {
	_, ts := newLoadedServer(t)
	const n = 300
	s := streamPost(t, ts.URL, chatPath, chatBody(fmt.Sprintf(`,"max_tokens":%d,"seed":4,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}`, n)))
	if len(s.pieces) != n || s.usage == nil || s.usage.CompletionTokens != n || s.finish != "length" || !s.done {
		t.Fatalf("ignore_eos: %d chunks, usage %+v, finish %q, [DONE] %v: want %d tokens, length", len(s.pieces), s.usage, s.finish, s.done, n)
	}
	c := decodeCompletion(t, genPost(t, ts.URL, chatPath, chatBody(fmt.Sprintf(`,"max_tokens":%d,"seed":4`, n))))
	if c.Choices[0].FinishReason != "stop" || c.Usage.CompletionTokens >= n || c.Usage.CompletionTokens < 1 {
		t.Fatalf("without ignore_eos: finish %q after %d tokens, want stop before %d", c.Choices[0].FinishReason, c.Usage.CompletionTokens, n)
	}
}

// TestStopSequence: generation ends at a stop sequence, which is not in the
// text, streamed or not.
func TestStopSequence(t *testing.T) {
	_, ts := newLoadedServer(t)
	body := `,"max_tokens":200,"temperature":0,"ignore_eos":true`
	full := decodeCompletion(t, genPost(t, ts.URL, chatPath, chatBody(body))).text(t)
	i := strings.Index(full, " cold")
	if i < 0 {
		t.Fatalf("the greedy answer %q never says \" cold\": pick another stop sequence", full)
	}
	c := decodeCompletion(t, genPost(t, ts.URL, chatPath, chatBody(body+`,"stop":["zzz"," cold"]`)))
	if got := c.text(t); got != full[:i] || c.Choices[0].FinishReason != "stop" {
		t.Fatalf("with stop \" cold\": %q (%s), want %q", got, c.Choices[0].FinishReason, full[:i])
	}
	s := streamPost(t, ts.URL, chatPath, chatBody(body+`,"stop":" cold","stream":true`))
	if s.text() != full[:i] || s.finish != "stop" {
		t.Fatalf("streamed with stop: %q (%s), want %q", s.text(), s.finish, full[:i])
	}
}

func TestStopper(t *testing.T) {
	for _, tc := range []struct {
		stops  []string
		pieces []string
		sent   string
		done   bool
	}{
		{nil, []string{"a", " b"}, "a b", false},
		{[]string{"xy"}, []string{"a", " x", "z"}, "a xz", false},
		{[]string{"xy"}, []string{"a", " x", "y", " c"}, "a ", true},
		{[]string{"abc", "bd"}, []string{"a", "b", "d"}, "a", true},
		{[]string{"."}, []string{"Lead", " 0.83"}, "Lead 0", true},
	} {
		s := stopper{stops: tc.stops}
		var sent strings.Builder
		done := false
		for _, p := range tc.pieces {
			text, d := s.feed(p)
			sent.WriteString(text)
			if d {
				done = true
				break
			}
		}
		if !done {
			sent.WriteString(s.flush())
		}
		if sent.String() != tc.sent || done != tc.done {
			t.Errorf("stops %q, pieces %q: sent %q (done %v), want %q (%v)", tc.stops, tc.pieces, sent.String(), done, tc.sent, tc.done)
		}
	}
}
