package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/loadlab/loadlab/scenarios"
)

// openAIChunk is a chat completion chunk as vLLM and OpenAI stream it.
const openAIChunk = `data: {"id":"chatcmpl-8f3a2c1e9b7d4a6f","object":"chat.completion.chunk","created":1733011200,"model":"meta-llama/Llama-3.1-8B-Instruct","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}` + "\n\n"

// ollamaLine is an Ollama /api/generate line.
const ollamaLine = `{"model":"llama3.2","created_at":"2024-12-01T00:00:00.000000Z","response":" token","done":false}` + "\n"

// BenchmarkStreamParse measures the parser per content chunk, each chunk
// arriving in its own read (as a paced stream delivers them); ns/op is
// per chunk, and a request's parse allocates nothing once its parser's
// buffers have grown.
func BenchmarkStreamParse(b *testing.B) {
	for _, c := range []struct {
		name, stream, chunk string
	}{
		{"sse-openai", scenarios.StreamSSE, openAIChunk},
		{"ndjson-ollama", scenarios.StreamNDJSON, ollamaLine},
	} {
		b.Run(c.name, func(b *testing.B) {
			chunk := []byte(c.chunk)
			var p streamParser
			r := &scenarios.Request{Stream: c.stream}
			p.reset(r)
			now := time.Now()
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%100 == 0 { // a response of 100 tokens
					p.reset(r)
				}
				p.feed(chunk, now)
			}
			b.StopTimer()
			if p.chunks == 0 {
				b.Fatal("no content chunk parsed")
			}
		})
	}
}

// BenchmarkStreamParseSplit is the same SSE chunks arriving in pieces of
// 17 bytes: the cost of lines split across reads.
func BenchmarkStreamParseSplit(b *testing.B) {
	var body []byte
	for i := 0; i < 100; i++ {
		body = append(body, fmt.Sprintf(`data: {"choices":[{"index":0,"delta":{"content":"t%d"}}]}`+"\n\n", i)...)
	}
	var p streamParser
	r := &scenarios.Request{Stream: scenarios.StreamSSE}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		p.reset(r)
		for j := 0; j < len(body); j += 17 {
			p.feed(body[j:min(j+17, len(body))], now)
		}
	}
}

// BenchmarkScanChunk is the JSON scan of one OpenAI chunk alone (for
// comparison: valyala/fastjson v1.6.10 parsing the same object and
// reading the same members took ~580 ns on the same machine).
func BenchmarkScanChunk(b *testing.B) {
	data := []byte(openAIChunk[len("data: ") : len(openAIChunk)-2])
	var ci chunkInfo
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !scanChunk(data, &ci) || !ci.content {
			b.Fatal("no content")
		}
	}
}
