package engine

import "bytes"

// chunkInfo is what one streamed JSON object (an SSE data event or an
// NDJSON line) says, as scanChunk reads it.
type chunkInfo struct {
	// content: the chunk carries output text (see scanChunk).
	content bool
	// errored: the object has an "error" member that is not null; errRaw
	// is that member's raw JSON (a slice of the scanned data).
	errored bool
	errRaw  []byte
	// Token counts from a usage object (OpenAI usage.completion_tokens
	// and usage.prompt_tokens, Ollama eval_count and prompt_eval_count).
	completion, prompt       int64
	hasCompletion, hasPrompt bool
	// done is Ollama's "done" member; hasDone says it was present.
	done, hasDone bool
}

// scanChunk reads the members of the JSON object data that stream
// measurement needs, without decoding the rest: a byte scanner that skips
// every other value and allocates nothing. The content rule: a chunk
// carries content when one of these strings is non-empty —
// choices[].delta.content or choices[].delta.reasoning_content (OpenAI
// chat completions), choices[].delta.tool_calls[].function.name or
// .arguments (a streamed tool call: its first output is the function's
// name, then its arguments in pieces), choices[].text (OpenAI
// completions), response
// (Ollama /api/generate) or message.content (Ollama /api/chat). It
// returns false when data is not a JSON object (a malformed chunk, which
// carries nothing).
func scanChunk(data []byte, ci *chunkInfo) bool {
	*ci = chunkInfo{}
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	return scanObject(data, i, ci, topLevel) >= 0
}

// Object contexts of scanObject: which members matter.
const (
	topLevel = iota
	inChoice
	inDelta
	inMessage
	inUsage
	inToolCall
	inFunction
)

// scanObject scans the object starting at data[i] ('{') in context ctx,
// filling ci, and returns the index after it; -1 when malformed.
func scanObject(data []byte, i int, ci *chunkInfo, ctx int) int {
	i++ // '{'
	for {
		i = skipWS(data, i)
		if i >= len(data) {
			return -1
		}
		if data[i] == '}' {
			return i + 1
		}
		if data[i] == ',' {
			i = skipWS(data, i+1)
		}
		if i >= len(data) || data[i] != '"' {
			return -1
		}
		kEnd := stringEnd(data, i)
		if kEnd < 0 {
			return -1
		}
		key := data[i+1 : kEnd-1]
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return -1
		}
		i = skipWS(data, i+1)
		if i >= len(data) {
			return -1
		}
		end := memberValue(data, i, key, ci, ctx)
		if end < 0 {
			return -1
		}
		i = end
	}
}

// memberValue scans the value at data[i] of member key in context ctx,
// recording what matters in ci; it returns the index after the value.
func memberValue(data []byte, i int, key []byte, ci *chunkInfo, ctx int) int {
	c := data[i]
	switch ctx {
	case topLevel:
		switch string(key) {
		case "choices":
			if c == '[' {
				return scanArray(data, i, ci, inChoice)
			}
		case "response":
			if c == '"' {
				return contentString(data, i, ci)
			}
		case "message":
			if c == '{' {
				return scanObject(data, i, ci, inMessage)
			}
		case "usage":
			if c == '{' {
				return scanObject(data, i, ci, inUsage)
			}
		case "eval_count":
			end, v, ok := number(data, i)
			ci.completion, ci.hasCompletion = v, ok
			return end
		case "prompt_eval_count":
			end, v, ok := number(data, i)
			ci.prompt, ci.hasPrompt = v, ok
			return end
		case "error":
			end := skipValue(data, i)
			if end > i && !isNull(data[i:end]) {
				ci.errored, ci.errRaw = true, data[i:end]
			}
			return end
		case "done":
			switch {
			case hasPrefix(data[i:], "true"):
				ci.done, ci.hasDone = true, true
				return i + 4
			case hasPrefix(data[i:], "false"):
				ci.hasDone = true
				return i + 5
			}
		}
	case inChoice:
		switch string(key) {
		case "delta":
			if c == '{' {
				return scanObject(data, i, ci, inDelta)
			}
		case "text":
			if c == '"' {
				return contentString(data, i, ci)
			}
		}
	case inDelta, inMessage:
		if c == '"' && (string(key) == "content" || (ctx == inDelta && string(key) == "reasoning_content")) {
			return contentString(data, i, ci)
		}
		if c == '[' && ctx == inDelta && string(key) == "tool_calls" {
			return scanArray(data, i, ci, inToolCall)
		}
	case inToolCall:
		if c == '{' && string(key) == "function" {
			return scanObject(data, i, ci, inFunction)
		}
	case inFunction:
		if c == '"' && (string(key) == "name" || string(key) == "arguments") {
			return contentString(data, i, ci)
		}
	case inUsage:
		switch string(key) {
		case "completion_tokens":
			end, v, ok := number(data, i)
			ci.completion, ci.hasCompletion = v, ok
			return end
		case "prompt_tokens":
			end, v, ok := number(data, i)
			ci.prompt, ci.hasPrompt = v, ok
			return end
		}
	}
	return skipValue(data, i)
}

// scanArray scans the array at data[i] ('['), whose objects are scanned
// in context ctx (the choices; a delta's tool calls).
func scanArray(data []byte, i int, ci *chunkInfo, ctx int) int {
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case ']':
			return i + 1
		case ',':
			i++
			continue
		case '{':
			i = scanObject(data, i, ci, ctx)
		default:
			i = skipValue(data, i)
		}
		if i < 0 {
			return -1
		}
	}
}

// contentString scans the string at data[i] and marks ci as content when
// it is not empty.
func contentString(data []byte, i int, ci *chunkInfo) int {
	end := stringEnd(data, i)
	if end-i > 2 {
		ci.content = true
	}
	return end
}

// stringEnd returns the index after the string that starts at data[i]
// ('"'); -1 when it does not end.
func stringEnd(data []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		// The quote ends the string unless an odd number of backslashes
		// escape it.
		bs := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			bs++
		}
		if bs%2 == 0 {
			return j + 1
		}
		j++
	}
}

// skipValue returns the index after the JSON value at data[i]; -1 when
// malformed or cut.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = stringEnd(data, j) - 1
				if j < 0 {
					return -1
				}
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return -1 // no value at all: malformed
			}
			return j
		}
		j++
	}
	return j
}

// number reads a non-negative integer at data[i] (a fraction or exponent
// is skipped); ok is false when the value is not a number (null), which
// is skipped.
// maxCountDigits bounds a token count's digits: a longer number is not a
// count (it would overflow int64), and is ignored like any non-number.
const maxCountDigits = 12

func number(data []byte, i int) (end int, v int64, ok bool) {
	j := i
	for j < len(data) && data[j] >= '0' && data[j] <= '9' {
		v = v*10 + int64(data[j]-'0')
		j++
	}
	if j == i || j-i > maxCountDigits {
		return skipValue(data, i), 0, false
	}
	for j < len(data) && (data[j] == '.' || data[j] == 'e' || data[j] == 'E' || data[j] == '+' || data[j] == '-' || (data[j] >= '0' && data[j] <= '9')) {
		j++
	}
	return j, v, true
}

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func isNull(v []byte) bool { return string(v) == "null" }

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
