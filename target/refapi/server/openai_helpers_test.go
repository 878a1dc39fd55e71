package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// apiErrorBody is the decoded shape of an OpenAI error response.
type apiErrorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// usageJSON is a response's usage.
type usageJSON struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// completionJSON is a non-streamed chat or text completion.
type completionJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message *struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		Text         *string `json:"text"`
		Logprobs     any     `json:"logprobs"`
		FinishReason string  `json:"finish_reason"`
	} `json:"choices"`
	Usage usageJSON `json:"usage"`
}

// text is the completion's content or text.
func (c completionJSON) text(t testing.TB) string {
	t.Helper()
	if len(c.Choices) != 1 {
		t.Fatalf("%d choices, want 1", len(c.Choices))
	}
	if m := c.Choices[0].Message; m != nil {
		return m.Content
	}
	if c.Choices[0].Text == nil {
		t.Fatal("a choice with neither message nor text")
	}
	return *c.Choices[0].Text
}

// chunkJSON is one streamed chunk of either endpoint.
type chunkJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Text         *string `json:"text"`
		Logprobs     any     `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usageJSON `json:"usage"`
}

// streamed is a whole SSE response, parsed.
type streamed struct {
	header http.Header
	chunks []chunkJSON
	pieces []string // the text of each chunk that carries some
	finish string
	usage  *usageJSON
	done   bool // data: [DONE] ended the stream
}

// genPost POSTs body to the generation endpoint path.
func genPost(t testing.TB, url, path, body string) response {
	t.Helper()
	return post(t, url+path, body)
}

// streamPost POSTs body (which must ask for stream: true) and parses the
// server-sent events strictly: every event is "data: <json>" or
// "data: [DONE]" followed by a blank line, and nothing follows [DONE].
func streamPost(t testing.TB, url, path, body string) streamed {
	t.Helper()
	resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: status %d: %s", path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}
	return parseSSE(t, resp.Header, bufio.NewReader(resp.Body))
}

func parseSSE(t testing.TB, h http.Header, r *bufio.Reader) streamed {
	t.Helper()
	s := streamed{header: h}
	for {
		data, ok := nextEvent(t, r)
		if !ok {
			break
		}
		if s.done {
			t.Fatalf("event %q after [DONE]", data)
		}
		if data == "[DONE]" {
			s.done = true
			continue
		}
		var c chunkJSON
		dec := json.NewDecoder(strings.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		s.chunks = append(s.chunks, c)
		if c.Usage != nil {
			if len(c.Choices) != 0 || s.usage != nil {
				t.Fatalf("usage chunk %q: want no choices and one usage chunk", data)
			}
			s.usage = c.Usage
			continue
		}
		if len(c.Choices) != 1 {
			t.Fatalf("chunk %q: %d choices", data, len(c.Choices))
		}
		ch := c.Choices[0]
		text := ""
		switch {
		case ch.Delta != nil && ch.Delta.Content != nil:
			text = *ch.Delta.Content
		case ch.Text != nil:
			text = *ch.Text
		}
		if ch.FinishReason != nil {
			if s.finish != "" || text != "" {
				t.Fatalf("chunk %q: a second finish reason or a final chunk with text", data)
			}
			s.finish = *ch.FinishReason
			continue
		}
		if text == "" || s.finish != "" {
			t.Fatalf("chunk %q: empty text or text after the finish reason", data)
		}
		s.pieces = append(s.pieces, text)
	}
	return s
}

// nextEvent reads one "data: ..." event and its blank line; ok is false at
// a clean end of the body.
func nextEvent(t testing.TB, r *bufio.Reader) (string, bool) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err == io.EOF && line == "" {
		return "", false
	}
	if err != nil {
		t.Fatalf("read event: %v (got %q)", err, line)
	}
	data, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "data: ")
	if !ok {
		t.Fatalf("event line %q: want data: ...", line)
	}
	if blank, err := r.ReadString('\n'); err != nil || blank != "\n" {
		t.Fatalf("after %q: %q, %v: want a blank line", line, blank, err)
	}
	return data, true
}

// text is the concatenated content of the stream.
func (s streamed) text() string { return strings.Join(s.pieces, "") }

// decodeCompletion strictly decodes a 200 non-streamed completion.
func decodeCompletion(t testing.TB, r response) completionJSON {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var c completionJSON
	decodeJSON(t, r, &c)
	return c
}

// decodeAPIError strictly decodes an OpenAI error body.
func decodeAPIError(t testing.TB, r response) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	decodeJSON(t, r, &e)
	if e.Error.Message == "" || e.Error.Type == "" {
		t.Fatalf("error body %s: want a message and a type", r.body)
	}
	return e
}

// scrape returns the server's /metrics text.
func scrape(t testing.TB, url string) []byte {
	t.Helper()
	return get(t, url+"/metrics").body
}

// openStream starts a streamed request and returns its response, for tests
// that read part of it; cancel abandons it.
func openStream(t testing.TB, ctx context.Context, url, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// grepLines returns the lines of text containing any of words.
func grepLines(text []byte, words ...string) string {
	var out []string
	for _, line := range strings.Split(string(text), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) && !strings.HasPrefix(line, "#") {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
