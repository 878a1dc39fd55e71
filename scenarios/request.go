package scenarios

import "time"

// RequestSpec is one weighted entry of a scenario's request mix. Each call
// of Source.Next picks an entry with probability Weight / (sum of weights)
// and builds a concrete Request from it.
//
// The body is either Body, a JSON value used as a template, or BodyFile, a
// JSON-lines file of real inputs (one JSON value per line, blank lines
// skipped) from which each request draws one line uniformly. In a template,
// a one-key object whose key names a generator is replaced by a fresh value
// on every request:
//
//	{"$int": [18, 100]}            uniform integer in [18, 100], both included
//	{"$float": [1000, 200000]}     uniform float in [1000, 200000), shortest form
//	{"$float": [1000, 200000, 2]}  the same rounded to 2 decimals
//	{"$choice": ["a", "b", 3]}     one of the listed JSON values, uniformly
//
// With a prompts block (Prompts), three more generators place the
// request's prompt, drawn once per request and shared by all three:
//
//	{"$prompt": {}}      the prompt as a JSON string
//	{"$messages": {}}    the dataset line's messages as a JSON array, or
//	                     [{"role": "user", "content": <the prompt>}]
//	{"$max_tokens": {}}  the target output length in tokens, an integer
//
// Generators nest inside arrays, objects and $choice items. A one-key object
// whose key starts with "$$" is literal, with one "$" removed ({"$$ref": 1}
// sends {"$ref": 1}); any other one-key "$" object is an error.
type RequestSpec struct {
	// Name labels the entry in results; default "METHOD path".
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Method is the HTTP method; default POST when there is a body, else GET.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Path starts with "/" and is appended to each base URL; it may carry
	// a query string.
	Path    string  `yaml:"path" json:"path"`
	Headers Headers `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Weight is the entry's relative share of requests, > 0; default 1.
	Weight float64 `yaml:"weight,omitempty" json:"weight,omitempty" nonzero:"> 0"`
	// Body is the JSON body template (see above). A request with a body and
	// no Content-Type header is sent with Content-Type: application/json.
	Body JSON `yaml:"body,omitempty" json:"body,omitempty"`
	// BodyFile is a JSON-lines file of bodies, relative to the scenario's
	// directory; it excludes Body.
	BodyFile string `yaml:"body_file,omitempty" json:"body_file,omitempty"`
	// Batch, when > 0, wraps Batch independently drawn bodies as
	// {"instances": [...]}; at most 1000. 0 sends one bare body.
	Batch int `yaml:"batch,omitempty" json:"batch,omitempty"`
	// Invalid optionally replaces a fraction of the bodies with a
	// deliberately invalid one whose expected status counts as success.
	Invalid Invalid `yaml:"invalid,omitempty" json:"invalid,omitempty"`
	// Expect lists the statuses that count as success for valid requests;
	// empty means any 2xx.
	Expect []int `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Stream declares a streamed response: "sse" (text/event-stream,
	// OpenAI-style "data: {...}" chunks ending with "data: [DONE]") or
	// "ndjson" (one JSON object per line, as Ollama streams). The engine
	// then reads the body as it arrives and measures time to first token,
	// inter-token latency, time per output token and tokens (see
	// record.Stream). Empty: the body is read whole and not parsed.
	Stream string `yaml:"stream,omitempty" json:"stream,omitempty"`
	// ChunkTimeout, with Stream, bounds the silence between chunks once
	// the first token has arrived: a longer one ends the request as a
	// "stream_timeout" error. The wait for the first token (prefill and
	// queueing: the TTFT) and the whole request stay bounded by the
	// request's timeout only. 0 means no bound per chunk.
	ChunkTimeout time.Duration `yaml:"chunk_timeout,omitempty" json:"chunk_timeout,omitempty" nonzero:"> 0"`

	// Prompts, for LLM inference APIs, draws one prompt and one target
	// output length per request, which Body places with $prompt,
	// $messages and $max_tokens (see above and Prompts). It excludes
	// BodyFile and Batch.
	Prompts *Prompts `yaml:"prompts,omitempty" json:"prompts,omitempty"`

	// loaded is BodyFile as Parse read it, loadedPrompts Prompts.File
	// (see Scenario.loadInputs).
	loaded        *bodyFile
	loadedPrompts *promptFile
}

// Invalid describes deliberately invalid requests of an entry: a Fraction
// (in [0, 1]) of its requests carry Body (a template like RequestSpec.Body,
// batched the same way) and succeed only with ExpectStatus (default 422,
// the status FastAPI/pydantic returns for a failed validation). Fraction 0
// disables it.
type Invalid struct {
	Fraction     float64 `yaml:"fraction,omitempty" json:"fraction,omitempty"`
	Body         JSON    `yaml:"body,omitempty" json:"body,omitempty"`
	ExpectStatus int     `yaml:"expect_status,omitempty" json:"expect_status,omitempty" nonzero:"an HTTP status 100..599"`
}

// Stream formats (RequestSpec.Stream).
const (
	StreamSSE    = "sse"
	StreamNDJSON = "ndjson"
)
