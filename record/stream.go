package record

// Stream holds a step's counts of streamed responses (requests declared
// with stream: sse or stream: ndjson), embedded in Record so that its
// fields sit at the top level of steps.jsonl. Every field is zero (and
// omitted) in a step without streamed requests, except GoodputRPS, which
// is also set when the scenario declares goodput conditions.
//
// Definitions, per streamed request: the time to first token (TTFT) runs
// from the request's send to the first chunk that carries content; the
// inter-token latencies (ITL) are the gaps between consecutive content
// chunks; the time per output token (TPOT) is (end − first token) ÷
// (tokens − 1), defined for requests of two tokens or more; the end is
// the arrival of the stream's last byte.
type Stream struct {
	// Streamed counts the streamed requests whose result arrived in the
	// window, failed ones included.
	Streamed int64 `json:"streamed,omitempty"`
	// OutputTokens is the total of output tokens received in the window,
	// the tokens of cut streams included; OutputTokensPerS is
	// OutputTokens per second of the window.
	OutputTokens     int64   `json:"output_tokens,omitempty"`
	OutputTokensPerS float64 `json:"output_tokens_per_s,omitempty"`
	// InputTokens is the total of prompt tokens, from the servers' usage
	// objects, or else from the generated prompts' lengths; 0 when
	// neither said.
	InputTokens int64 `json:"input_tokens,omitempty"`
	// TokensFrom says where the output token counts came from: "usage"
	// (every stream ended with a usage object), "chunks" (content
	// chunks were counted: the server sent no usage) or "mixed".
	TokensFrom string `json:"tokens_from,omitempty"`
	// GoodputRequests counts the requests that succeeded and met every
	// per-request goodput condition (Scenario.Goodput; every successful
	// request when it declares none); GoodputRPS is that count per
	// second of the window. Nil when the step has neither streamed
	// requests nor goodput conditions.
	GoodputRequests int64    `json:"goodput_requests,omitempty"`
	GoodputRPS      *float64 `json:"goodput_rps,omitempty"`
}

// Token count sources (Stream.TokensFrom).
const (
	TokensFromUsage  = "usage"
	TokensFromChunks = "chunks"
	TokensFromMixed  = "mixed"
)

// HasStreams reports whether the step measured streamed responses: it
// streamed requests, or (a record written before Streamed existed) it
// holds a TTFT summary.
func (r Record) HasStreams() bool { return r.Streamed > 0 || r.TTFT != nil }
