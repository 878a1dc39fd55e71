package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/loadlab/loadlab/target/refapi/lm"
)

// ModelID is the language model's name in /v1/models and in requests.
const ModelID = "loadlab-ngram"

// Bounds of the generation parameters.
const (
	DefaultMaxTokens = 128
	MaxMaxTokens     = 2048
	MaxTemperature   = 2.0
	maxStops         = 4
)

// genBody is the JSON of a POST /v1/chat/completions or /v1/completions
// body: the fields read (others are ignored, as vLLM and OpenAI's own
// server ignore fields they do not act on). A JSON null is an absent field.
type genBody struct {
	Model               *string         `json:"model"`
	Messages            *[]chatMessage  `json:"messages"`
	Prompt              json.RawMessage `json:"prompt"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	Seed                *int64          `json:"seed"`
	Stream              *bool           `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	IgnoreEOS           *bool           `json:"ignore_eos"`
	Stop                json.RawMessage `json:"stop"`
	N                   *int64          `json:"n"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type streamOptions struct {
	IncludeUsage *bool `json:"include_usage"`
}

// genRequest is a validated generation request.
type genRequest struct {
	chat         bool
	prompt       []string // the prompt's tokens (the chat template applied)
	maxTokens    int
	opts         lm.Options
	stream       bool
	includeUsage bool
	stops        []string
}

// chatRoles are the message roles accepted.
var chatRoles = []string{"system", "developer", "user", "assistant", "tool"}

// decodeGen parses and validates a generation body; chat selects the
// /v1/chat/completions shape (messages) over /v1/completions (prompt). Every
// problem is an *apiError: 400 for malformed JSON, wrong types, missing or
// out-of-range fields and prompts over the context, 404 model_not_found
// for another model.
func decodeGen(body []byte, chat bool) (*genRequest, *apiError) {
	var b genBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, jsonError(err)
	}
	if b.Model == nil || *b.Model == "" {
		return nil, badRequest("model", "missing_required_parameter", "model: required, want "+ModelID+" (see GET /v1/models)")
	}
	if *b.Model != ModelID {
		return nil, &apiError{Status: 404, Type: typeNotFound, Param: "model", Code: "model_not_found",
			Message: fmt.Sprintf("The model %q does not exist: this server serves %q (see GET /v1/models)", *b.Model, ModelID)}
	}
	req := &genRequest{chat: chat, maxTokens: DefaultMaxTokens, opts: lm.Options{Temperature: 1, Chat: chat, Seed: rand.Uint64()}}
	var err *apiError
	if chat {
		req.prompt, err = chatPrompt(b.Messages)
	} else {
		req.prompt, err = completionPrompt(b.Prompt)
	}
	if err != nil {
		return nil, err
	}
	if err := req.options(&b); err != nil {
		return nil, err
	}
	if n := len(req.prompt) + req.maxTokens; n > lm.MaxContext {
		param := "prompt"
		if chat {
			param = "messages"
		}
		return nil, badRequest(param, "context_length_exceeded", fmt.Sprintf(
			"This model's maximum context length is %d tokens; the prompt has %d and max_tokens is %d: shorten the prompt or lower max_tokens",
			lm.MaxContext, len(req.prompt), req.maxTokens))
	}
	return req, nil
}

// jsonError turns encoding/json's error into a 400.
func jsonError(err error) *apiError {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return badRequest("", "invalid_type", "the request body must be a JSON object, got "+typ.Value)
		}
		return badRequest(typ.Field, "invalid_type", fmt.Sprintf("%s: got %s, want %s", typ.Field, typ.Value, typeName(typ.Type.Kind().String())))
	}
	return badRequest("", "invalid_json", "We could not parse the JSON body of your request: "+err.Error())
}

func typeName(kind string) string {
	switch kind {
	case "int64":
		return "an integer"
	case "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	}
	return kind
}

// chatPrompt applies the chat template — one line "role: content" per
// message, then "assistant:" — and tokenizes it. Content is a string, an
// array of {"type": "text", "text": ...} parts, or null.
func chatPrompt(msgs *[]chatMessage) ([]string, *apiError) {
	if msgs == nil {
		return nil, badRequest("messages", "missing_required_parameter", "messages: required, want a non-empty array of {role, content}")
	}
	if len(*msgs) == 0 {
		return nil, badRequest("messages", "invalid_value", "messages: empty, want at least one message")
	}
	var text strings.Builder
	for i, m := range *msgs {
		if !slices.Contains(chatRoles, m.Role) {
			return nil, badRequest(fmt.Sprintf("messages.%d.role", i), "invalid_value",
				fmt.Sprintf("messages[%d].role: %q, want one of %s", i, m.Role, strings.Join(chatRoles, ", ")))
		}
		content, err := messageText(m.Content)
		if err != "" {
			return nil, badRequest(fmt.Sprintf("messages.%d.content", i), "invalid_type", fmt.Sprintf("messages[%d].content: %s", i, err))
		}
		text.WriteString(m.Role + ": " + content + "\n")
	}
	text.WriteString("assistant:")
	return lm.Tokenize(text.String()), nil
}

// messageText reads a message's content; a non-empty result is the
// problem.
func messageText(raw json.RawMessage) (string, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, ""
	}
	var parts []struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return "", "want a string or an array of text parts"
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" || p.Text == nil {
			return "", `only {"type": "text", "text": ...} parts are supported`
		}
		b.WriteString(*p.Text)
	}
	return b.String(), ""
}

// completionPrompt reads a completion's prompt: a string, or an array of
// one string; it must hold at least one token.
func completionPrompt(raw json.RawMessage) ([]string, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("prompt", "missing_required_parameter", "prompt: required, want a string")
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var one []string
		if json.Unmarshal(raw, &one) != nil || len(one) != 1 {
			return nil, badRequest("prompt", "invalid_type", "prompt: want a string (or an array of exactly one string)")
		}
		s = one[0]
	}
	tokens := lm.Tokenize(s)
	if len(tokens) == 0 {
		return nil, badRequest("prompt", "invalid_value", "prompt: empty, want some text")
	}
	return tokens, nil
}

// options validates the generation parameters into req.
func (req *genRequest) options(b *genBody) *apiError {
	if b.N != nil && *b.N != 1 {
		return badRequest("n", "invalid_value", fmt.Sprintf("n: %d, only 1 is supported", *b.N))
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"max_tokens", b.MaxTokens}, {"max_completion_tokens", b.MaxCompletionTokens}} {
		if f.v == nil {
			continue
		}
		if *f.v < 1 || *f.v > MaxMaxTokens {
			return badRequest(f.name, "invalid_value", fmt.Sprintf("%s: %d, want 1–%d", f.name, *f.v, MaxMaxTokens))
		}
		req.maxTokens = int(*f.v)
	}
	if t := b.Temperature; t != nil {
		if *t < 0 || *t > MaxTemperature {
			return badRequest("temperature", "invalid_value", fmt.Sprintf("temperature: %v, want 0–%v (0 is greedy)", *t, MaxTemperature))
		}
		req.opts.Temperature = *t
	}
	if b.Seed != nil {
		req.opts.Seed = uint64(*b.Seed)
	}
	req.stream = b.Stream != nil && *b.Stream
	req.includeUsage = b.StreamOptions != nil && b.StreamOptions.IncludeUsage != nil && *b.StreamOptions.IncludeUsage
	req.opts.IgnoreEOS = b.IgnoreEOS != nil && *b.IgnoreEOS
	stops, err := parseStops(b.Stop)
	req.stops = stops
	return err
}

// parseStops reads stop: null, a string or an array of up to 4 non-empty
// strings.
func parseStops(raw json.RawMessage) ([]string, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		raw = json.RawMessage(`[` + string(raw) + `]`)
	}
	var stops []string
	if json.Unmarshal(raw, &stops) != nil {
		return nil, badRequest("stop", "invalid_type", "stop: want a string or an array of strings")
	}
	if len(stops) > maxStops {
		return nil, badRequest("stop", "invalid_value", fmt.Sprintf("stop: %d sequences, want at most %d", len(stops), maxStops))
	}
	for _, s := range stops {
		if s == "" {
			return nil, badRequest("stop", "invalid_value", "stop: an empty sequence, want non-empty strings")
		}
	}
	return stops, nil
}
