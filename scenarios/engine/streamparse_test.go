package engine

import (
	"bytes"
	"testing"
	"time"

	"github.com/loadlab/loadlab/scenarios"
)

// parsed is what a parser made of a whole body.
type parsed struct {
	chunks   int64
	out      int64
	from     uint8
	in       int64
	complete bool
	failure  string
}

func parseAll(stream string, pieces [][]byte) parsed {
	var p streamParser
	p.reset(&scenarios.Request{Stream: stream})
	t := time.Unix(100, 0)
	for _, b := range pieces {
		t = t.Add(time.Millisecond)
		p.feed(b, t)
	}
	p.finish(t)
	out, from := p.tokens()
	in := int64(0)
	if p.hasIn {
		in = p.usageIn
	}
	return parsed{chunks: p.chunks, out: out, from: from, in: in, complete: p.complete(), failure: string(p.failure)}
}

// splits returns body whole, byte by byte, and cut in two at every index:
// a chunk boundary anywhere must not change the result.
func splits(body string) [][][]byte {
	b := []byte(body)
	out := [][][]byte{{b}}
	var bytewise [][]byte
	for i := range b {
		bytewise = append(bytewise, b[i:i+1])
	}
	out = append(out, bytewise)
	for i := 1; i < len(b); i++ {
		out = append(out, [][]byte{b[:i], b[i:]})
	}
	return out
}

func TestStreamParser(t *testing.T) {
	const role = `data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n"
	tests := []struct {
		name, stream, body string
		want               parsed
	}{
		{"openai chat with usage, CRLF", "sse",
			": ping\r\n\r\n" + "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\r\n\r\n" +
				"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n" +
				"data: {\"choices\":[{\"delta\":{\"content\":\" there\"},\"finish_reason\":null}]}\r\n\r\n" +
				"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n" +
				"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":5}}\r\n\r\n" +
				"data: [DONE]\r\n\r\n",
			parsed{chunks: 2, out: 5, from: fromUsage, in: 7, complete: true}},
		{"role-only first chunk and empty deltas are no tokens", "sse",
			role + `data: {"choices":[{"delta":{"content":""}}]}` + "\n\n" + `data: {"choices":[{"delta":{"content":"a"}}]}` + "\n\ndata: [DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"multi-line data joined by newline", "sse",
			"data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"x\"}}]}\n\ndata:[DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"completions text, other fields and comments ignored", "sse",
			"event: message\nid: 3\nretry: 10\n: comment\ndata: {\"choices\":[{\"text\":\"a\",\"index\":0}]}\n\n" +
				"data: {\"choices\":[{\"text\":\"\\\"b\\\\\"}]}\n\ndata: [DONE]\n\n",
			parsed{chunks: 2, out: 2, from: fromChunks, complete: true}},
		{"usage null mid-stream is not a count", "sse",
			`data: {"choices":[{"delta":{"content":"a"}}],"usage":null}` + "\n\ndata: [DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"nested objects and arrays skipped", "sse",
			`data: {"x":{"choices":[{"delta":{"content":"no"}}]},"y":[1,[2,{"z":"}"}]],"choices":[{"logprobs":{"content":[{"t":"q"}]},"delta":{"content":"ok"}}]}` + "\n\ndata: [DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"no DONE is incomplete", "sse",
			`data: {"choices":[{"delta":{"content":"a"}}]}` + "\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: false}},
		{"DONE without its blank line at the end", "sse",
			`data: {"choices":[{"delta":{"content":"a"}}]}` + "\n\ndata: [DONE]",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"error chunk", "sse",
			`data: {"choices":[{"delta":{"content":"a"}}]}` + "\n\n" + `data: {"error":{"message":"boom"}}` + "\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, failure: `{"message":"boom"}`}},
		{"error null is not an error", "sse",
			`data: {"error":null,"choices":[{"delta":{"content":"a"}}]}` + "\n\ndata: [DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"event: error", "sse",
			"event: error\ndata: overloaded\n\n",
			parsed{failure: "overloaded"}},
		{"malformed data carries nothing", "sse",
			"data: {\"choices\":[{\"delta\":{\"content\":\"a\"\n\ndata: nonsense\n\ndata: [DONE]\n\n",
			parsed{complete: true}},
		{"a UTF-8 byte order mark before the first event is ignored", "sse",
			"\xEF\xBB\xBFdata: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"a byte order mark later is data, not ignored", "sse",
			"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n\xEF\xBB\xBFdata: [DONE]\n\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: false}},
		{"tool calls stream their name and arguments as tokens", "sse",
			role + `data: {"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"score","arguments":""}}]}}]}` + "\n\n" +
				`data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\":"}}]}}]}` + "\n\n" +
				`data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}` + "\n\n" +
				`data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":""}}]}}]}` + "\n\ndata: [DONE]\n\n",
			parsed{chunks: 3, out: 3, from: fromChunks, complete: true}},
		{"tool call members elsewhere are no tokens", "sse",
			`data: {"tool_calls":[{"function":{"name":"x"}}],"choices":[{"delta":{"function":{"name":"y"},"tool_calls":[{"name":"z","arguments":"w"}]}}]}` + "\n\ndata: [DONE]\n\n",
			parsed{complete: true}},
		{"ndjson with a byte order mark", "ndjson",
			"\xEF\xBB\xBF{\"response\":\"a\",\"done\":true}\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"ollama generate", "ndjson",
			`{"response":"a","done":false}` + "\n" + `{"response":"b","done":false}` + "\r\n\n" +
				`{"response":"","done":true,"prompt_eval_count":9,"eval_count":2}` + "\n",
			parsed{chunks: 2, out: 2, from: fromUsage, in: 9, complete: true}},
		{"ollama chat, last line without newline", "ndjson",
			`{"message":{"role":"assistant","content":"a"},"done":false}` + "\n" + `{"message":{"role":"assistant","content":""},"done":true}`,
			parsed{chunks: 1, out: 1, from: fromChunks, complete: true}},
		{"ndjson without done true is incomplete", "ndjson",
			`{"response":"a","done":false}` + "\n",
			parsed{chunks: 1, out: 1, from: fromChunks, complete: false}},
		{"ndjson that never says done ends with its body", "ndjson",
			`{"response":"a"}` + "\n" + `{"response":"b"}` + "\n",
			parsed{chunks: 2, out: 2, from: fromChunks, complete: true}},
		{"ndjson error", "ndjson",
			`{"response":"a","done":false}` + "\n" + `{"error":"model not found"}` + "\n",
			parsed{chunks: 1, out: 1, from: fromChunks, failure: `"model not found"`}},
	}
	for _, tt := range tests {
		for i, pieces := range splits(tt.body) {
			got := parseAll(tt.stream, pieces)
			if got != tt.want {
				t.Fatalf("%s (split %d of %q): got %+v, want %+v", tt.name, i, pieces, got, tt.want)
			}
		}
	}
}

// TestStreamParserTiming checks the times: TTFT from the first content
// chunk's arrival, one gap per later content chunk, TPOT over the output
// tokens after the first.
func TestStreamParserTiming(t *testing.T) {
	var p streamParser
	p.reset(&scenarios.Request{Stream: "sse", InputTokens: 12})
	start := time.Unix(100, 0)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	p.feed([]byte(`data: {"choices":[{"delta":{"role":"assistant","content":""}}]}`+"\n\n"), at(1))
	p.feed([]byte(`data: {"choices":[{"delta":{"content":"a"}}]}`+"\n"), at(200))
	p.feed([]byte("\n"), at(205)) // the event is dispatched by its blank line
	p.feed([]byte(`data: {"choices":[{"delta":{"content":"b"}}]}`+"\n\n"+`data: {"choices":[{"delta":{"content":"c"}}]}`+"\n\n"), at(250))
	p.feed([]byte(`data: {"choices":[{"delta":{"content":"d"}}]}`+"\n\ndata: [DONE]\n\n"), at(320))
	s := p.sample(start, at(325), true, 12)
	if s.ttft != 205*time.Millisecond {
		t.Errorf("ttft %s, want 205ms (the event's blank line)", s.ttft)
	}
	wantGaps := []time.Duration{45 * time.Millisecond, 0, 70 * time.Millisecond}
	if len(s.gaps) != len(wantGaps) {
		t.Fatalf("gaps %v, want %v", s.gaps, wantGaps)
	}
	for i := range wantGaps {
		if s.gaps[i] != wantGaps[i] {
			t.Fatalf("gaps %v, want %v", s.gaps, wantGaps)
		}
	}
	if s.maxITL != 70*time.Millisecond || s.out != 4 || s.from != fromChunks || s.in != 12 {
		t.Errorf("maxITL %s out %d from %d in %d", s.maxITL, s.out, s.from, s.in)
	}
	if want := (325 - 205) * time.Millisecond / 3; s.tpot != want {
		t.Errorf("tpot %s, want %s", s.tpot, want)
	}
	// Reset for the next request keeps nothing.
	p.reset(&scenarios.Request{Stream: "sse"})
	if s := p.sample(start, at(1), true, 0); s.out != 0 || s.ttft != 0 || len(s.gaps) != 0 || s.in != 0 {
		t.Errorf("after reset: %+v", s)
	}
}

// FuzzStreamParser feeds arbitrary bodies, split at an arbitrary index, to
// both formats: the parser never panics, counts no more tokens than
// lines, and a split never changes what it finds.
func FuzzStreamParser(f *testing.F) {
	f.Add([]byte(openAIChunk+"data: [DONE]\n\n"), 7)
	f.Add([]byte(ollamaLine+`{"done":true,"eval_count":3}`+"\n"), 3)
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"\\\"\"}}],\"usage\":{\"completion_tokens\":1e3}}\r\n\r\n"), 20)
	f.Add([]byte(`{"a":[{"b":"}"},[1,2,{"c":null}]],"error":null,"message":{"content":"x"}}`), 0)
	f.Fuzz(func(t *testing.T, body []byte, cut int) {
		for _, stream := range []string{scenarios.StreamSSE, scenarios.StreamNDJSON} {
			whole := parseAll(stream, [][]byte{body})
			if cut < 0 {
				cut = -cut
			}
			if len(body) > 0 {
				cut %= len(body) + 1
				if split := parseAll(stream, [][]byte{body[:cut], body[cut:]}); split != whole {
					t.Fatalf("%s: whole %+v, split at %d %+v", stream, whole, cut, split)
				}
			}
			if lines := int64(bytes.Count(body, []byte("\n"))) + 1; whole.chunks > lines {
				t.Fatalf("%s: %d content chunks from %d lines", stream, whole.chunks, lines)
			}
		}
	})
}

// TestStreamCountOverflow: a token count too long to be one (it would wrap
// int64 into a garbage or negative count) is ignored like a non-number,
// so the chunks are counted instead.
func TestStreamCountOverflow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		v    int64
		want bool
	}{
		{"128,", 128, true},
		{"999999999999,", 999999999999, true},
		{"99999999999999999999,", 0, false},
		{"-5,", 0, false},
	} {
		_, v, ok := number([]byte(tc.in), 0)
		if ok != tc.want || v != tc.v {
			t.Errorf("number(%q) = %d, %v; want %d, %v", tc.in, v, ok, tc.v, tc.want)
		}
	}
}
