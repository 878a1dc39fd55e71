package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// stopper holds back generated text that might be the start of a stop
// sequence, so that a stop sequence never reaches the client: feed gives
// the text that is safe to send; once a stop sequence is complete, the
// text before it and done.
type stopper struct {
	stops []string
	text  strings.Builder // generated text not yet sent
}

// feed adds piece and returns the text to send now; done reports that a
// stop sequence was reached (it and what follows are dropped).
func (s *stopper) feed(piece string) (send string, done bool) {
	if len(s.stops) == 0 {
		return piece, false
	}
	s.text.WriteString(piece)
	pending := s.text.String()
	for _, stop := range s.stops {
		if i := strings.Index(pending, stop); i >= 0 {
			s.text.Reset()
			return pending[:i], true
		}
	}
	keep := 0 // the longest suffix of pending that begins a stop sequence
	for _, stop := range s.stops {
		for n := min(len(stop)-1, len(pending)); n > keep; n-- {
			if strings.HasSuffix(pending, stop[:n]) {
				keep = n
				break
			}
		}
	}
	s.text.Reset()
	s.text.WriteString(pending[len(pending)-keep:])
	return pending[:len(pending)-keep], false
}

// flush returns the text held back when generation ends without a stop.
func (s *stopper) flush() string {
	rest := s.text.String()
	s.text.Reset()
	return rest
}

// completion is what identifies a response and its chunks.
type completion struct {
	chat    bool
	id      string
	created int64
}

// appendHead appends a response object's opening up to its choices.
func (c *completion) appendHead(b []byte, object string) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, c.id)
	b = append(b, `,"object":`...)
	b = appendString(b, object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, c.created, 10)
	return append(b, `,"model":"`+ModelID+`","choices":`...)
}

// appendChunk appends one streamed chunk: a content delta (chat, with the
// role in the first one) or a text piece (completions), with finishReason
// or null.
func (c *completion) appendChunk(b []byte, text string, first bool, finishReason string) []byte {
	if c.chat {
		b = c.appendHead(b, "chat.completion.chunk")
		b = append(b, `[{"index":0,"delta":{`...)
		if first {
			b = append(b, `"role":"assistant"`...)
		}
		if text != "" {
			if first {
				b = append(b, ',')
			}
			b = append(b, `"content":`...)
			b = appendString(b, text)
		}
		b = append(b, '}')
	} else {
		b = c.appendHead(b, "text_completion")
		b = append(b, `[{"index":0,"text":`...)
		b = appendString(b, text)
	}
	b = append(b, `,"logprobs":null,"finish_reason":`...)
	return append(appendNullableString(b, finishReason), "}]}"...)
}

// appendUsageChunk appends the last chunk of stream_options.include_usage:
// no choices, the usage.
func (c *completion) appendUsageChunk(b []byte, u usage) []byte {
	object := "text_completion"
	if c.chat {
		object = "chat.completion.chunk"
	}
	b = c.appendHead(b, object)
	b = append(b, `[],"usage":`...)
	return append(u.append(b), '}')
}

// appendResponse appends the whole non-streamed response.
func (c *completion) appendResponse(b []byte, text, finishReason string, u usage) []byte {
	if c.chat {
		b = c.appendHead(b, "chat.completion")
		b = append(b, `[{"index":0,"message":{"role":"assistant","content":`...)
		b = appendString(b, text)
		b = append(b, '}')
	} else {
		b = c.appendHead(b, "text_completion")
		b = append(b, `[{"index":0,"text":`...)
		b = appendString(b, text)
	}
	b = append(b, `,"logprobs":null,"finish_reason":`...)
	b = appendString(b, finishReason)
	b = append(b, `}],"usage":`...)
	return append(u.append(b), "}\n"...)
}

// usage is a response's token counts.
type usage struct{ prompt, completion int }

func (u usage) append(b []byte) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(u.prompt), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(u.completion), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(u.prompt+u.completion), 10)
	return append(b, '}')
}

// sseWriter writes server-sent events, each flushed at once, extending the
// write deadline before every event so that a long stream is bounded per
// event, not as a whole, by the server's write timeout.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     []byte
}

var (
	contentTypeSSE = []string{"text/event-stream"}
	noCache        = []string{"no-cache"}
	noBuffering    = []string{"no"}
)

func newSSEWriter(w http.ResponseWriter, timeout time.Duration) *sseWriter {
	h := w.Header()
	h["Content-Type"] = contentTypeSSE
	h["Cache-Control"] = noCache
	h["X-Accel-Buffering"] = noBuffering
	w.WriteHeader(http.StatusOK)
	return &sseWriter{w: w, rc: http.NewResponseController(w), timeout: timeout}
}

// event writes "data: <data>\n\n" and flushes it; an error means the
// client is gone.
func (s *sseWriter) event(data []byte) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout)) // unsupported only on wrapped writers, where the server's own timeout stands
	s.buf = append(append(append(s.buf[:0], "data: "...), data...), "\n\n"...)
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	return s.rc.Flush()
}
