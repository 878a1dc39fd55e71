package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/loadlab/loadlab/target/refapi/lm"
)

// isOpenAI reports the OpenAI-compatible endpoints, which answer every
// error, 405 and 503 included, in OpenAI's error shape.
func isOpenAI(ep endpoint) bool {
	return ep == epChatCompletions || ep == epCompletions || ep == epModels
}

// openai serves the OpenAI-compatible endpoints: POST /v1/chat/completions,
// POST /v1/completions, GET /v1/models and GET /v1/models/{id}.
func (s *Server) openai(ep endpoint, w http.ResponseWriter, r *http.Request) int {
	want := http.MethodPost
	if ep == epModels {
		want = http.MethodGet
	}
	if r.Method != want && !(want == http.MethodGet && r.Method == http.MethodHead) {
		w.Header()["Allow"] = []string{want}
		return writeAPIError(w, &apiError{Status: http.StatusMethodNotAllowed, Type: typeInvalidRequest, Code: "method_not_allowed",
			Message: fmt.Sprintf("%s %s: method not allowed, use %s", r.Method, r.URL.Path, want)})
	}
	st := s.state.Load()
	if st == nil {
		w.Header()["Retry-After"] = retryAfter
		return writeAPIError(w, &apiError{Status: http.StatusServiceUnavailable, Type: typeUnavailable, Code: "model_not_loaded",
			Message: "the model is not loaded yet: retry in a second"})
	}
	if ep == epModels {
		return s.models(w, r, st)
	}
	return s.generate(w, r, st, ep == epChatCompletions)
}

// models answers GET /v1/models (the list) and /v1/models/{id}.
func (s *Server) models(w http.ResponseWriter, r *http.Request, st *state) int {
	object := `{"id":"` + ModelID + `","object":"model","created":` + fmt.Sprint(s.started.Unix()) +
		`,"owned_by":"loadlab","root":` + string(appendString(nil, st.lm.Version())) + `,"max_model_len":` + fmt.Sprint(lm.MaxContext) + `}`
	id, one := strings.CutPrefix(r.URL.Path, "/v1/models/")
	switch {
	case !one:
		return writeJSON(w, http.StatusOK, []byte(`{"object":"list","data":[`+object+"]}\n"))
	case id == ModelID:
		return writeJSON(w, http.StatusOK, []byte(object+"\n"))
	}
	return writeAPIError(w, &apiError{Status: http.StatusNotFound, Type: typeNotFound, Param: "model", Code: "model_not_found",
		Message: fmt.Sprintf("The model %q does not exist: this server serves %q", id, ModelID)})
}

// generate serves a completion: body checks, prefill, then one token at a
// time until max_tokens, </s> (unless ignore_eos), a stop sequence or the
// client leaving (checked during the prefill, every 32 prompt tokens, and
// between generated tokens).
func (s *Server) generate(w http.ResponseWriter, r *http.Request, st *state, chat bool) int {
	limit := s.cfg.MaxBodyBytes
	tooLarge := &apiError{Status: http.StatusRequestEntityTooLarge, Type: typeInvalidRequest, Code: "request_too_large",
		Message: fmt.Sprintf("request body over %d bytes", limit)}
	if r.ContentLength > limit {
		return writeAPIError(w, tooLarge)
	}
	body, over, err := readBody(r.Body, nil, r.ContentLength, limit)
	switch {
	case over:
		return writeAPIError(w, tooLarge)
	case err != nil:
		return writeAPIError(w, badRequest("", "invalid_body", "could not read the request body: "+err.Error()))
	}
	req, aerr := decodeGen(body, chat)
	if aerr != nil {
		return writeAPIError(w, aerr)
	}
	c := &completion{chat: chat, id: newCompletionID(chat), created: time.Now().Unix()}
	var out []byte
	var sse *sseWriter
	var text strings.Builder
	sent := false // a chunk went out (the first one carries the role)
	emit := func(piece string) error {
		if sse == nil {
			text.WriteString(piece)
			return nil
		}
		out = c.appendChunk(out[:0], piece, !sent, "")
		sent = true
		return sse.event(out)
	}
	if req.stream {
		sse = newSSEWriter(w, s.cfg.WriteTimeout)
	}
	u, finish, err := s.run(r.Context(), st.lm, req, emit)
	if err != nil { // the client left: nobody to answer
		return statusClientClosed
	}
	if sse == nil {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		return writeJSON(w, http.StatusOK, c.appendResponse(nil, text.String(), finish, u))
	}
	out = c.appendChunk(out[:0], "", !sent, finish)
	if sse.event(out) != nil {
		return statusClientClosed
	}
	if req.includeUsage && sse.event(c.appendUsageChunk(out[:0], u)) != nil {
		return statusClientClosed
	}
	if sse.event(doneEvent) != nil {
		return statusClientClosed
	}
	return http.StatusOK
}

// statusClientClosed is nginx's 499, recorded in the metrics for a client
// that left before its answer was complete.
const statusClientClosed = 499

var doneEvent = []byte("[DONE]")

// run prefills the prompt and generates, handing each non-empty piece of
// text to emit; it returns the usage and the finish reason ("stop" or
// "length"), or the context's error or emit's when the client left.
func (s *Server) run(ctx context.Context, m *lm.Model, req *genRequest, emit func(piece string) error) (usage, string, error) {
	u := usage{prompt: len(req.prompt)}
	stream, err := m.Start(ctx, req.prompt, req.opts)
	s.metrics.llm.prefillEvals.Add(float64(stream.Work().PrefillEvals))
	defer func() {
		s.metrics.llm.decodeEvals.Add(float64(stream.Work().DecodeEvals))
		stream.Close()
	}()
	if err != nil {
		return u, "", err
	}
	s.metrics.llm.promptTokens.Add(float64(u.prompt))
	stops := stopper{stops: req.stops}
	send := func(text string) error {
		if text == "" {
			return nil
		}
		return emit(text)
	}
	for u.completion < req.maxTokens {
		if err := ctx.Err(); err != nil {
			return u, "", err
		}
		piece, eos := stream.Next()
		if eos && !req.opts.IgnoreEOS {
			return u, "stop", send(stops.flush())
		}
		u.completion++
		s.metrics.llm.completionTokens.Inc()
		text, done := stops.feed(piece)
		if err := send(text); err != nil {
			return u, "", err
		}
		if done {
			return u, "stop", nil
		}
	}
	return u, "length", send(stops.flush())
}

// newCompletionID is "chatcmpl-" or "cmpl-" and 24 random hex digits.
func newCompletionID(chat bool) string {
	var b [12]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	if chat {
		return "chatcmpl-" + hex.EncodeToString(b[:])
	}
	return "cmpl-" + hex.EncodeToString(b[:])
}
