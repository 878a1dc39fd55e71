package testsrv

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// StreamConfig is how a StreamTruth answers: every response streams
// Tokens content chunks, the first First after the request arrived and
// then one every Gap (scheduled from the request's arrival, so that the
// server's own delays do not accumulate), each standing for
// TokensPerChunk output tokens.
type StreamConfig struct {
	First, Gap time.Duration
	Tokens     int
	// TokensPerChunk (default 1) is what each chunk stands for in the
	// usage object.
	TokensPerChunk int
	// NDJSON streams Ollama-style JSON lines ("response", "done",
	// "eval_count") instead of OpenAI-style SSE chat chunks.
	NDJSON bool
	// Usage sends the final usage object (SSE: a chunk with empty
	// choices and usage; NDJSON: eval_count and prompt_eval_count in the
	// done line) with PromptTokens as the prompt's length.
	Usage        bool
	PromptTokens int
	// Framing is how the body is delimited: "chunked" (default), "close"
	// (no length, the connection closes at the end) or "length" (a
	// Content-Length known in advance).
	Framing string
	// CutEvery > 0 cuts every CutEvery-th stream (the 1st, the
	// CutEvery+1-th, …) after CutAfter tokens, in turn by closing the
	// connection mid-body, by a server error chunk, and (SSE) by ending
	// the body without [DONE] (NDJSON: without "done": true).
	CutEvery, CutAfter int
	// StallEvery > 0 makes every StallEvery-th stream (counted like the
	// cuts, offset by one) fall silent for Stall after StallAfter tokens,
	// then end.
	StallEvery, StallAfter int
	Stall                  time.Duration
}

// StreamRecord is what a StreamTruth did for one request: when it arrived
// (its handler started), when each content chunk was written and flushed,
// when the last byte of the body was written, and how the stream ended.
type StreamRecord struct {
	Start time.Time
	Sent  []time.Time
	End   time.Time
	Cut   bool
	Stall bool
}

// StreamTruth is a loopback server that streams token chunks with known
// timing and records, per request, the times it actually sent them: the
// truth a streaming measurement is checked against.
type StreamTruth struct {
	*httptest.Server
	cfg      StreamConfig
	seq      atomic.Int64
	newConns atomic.Int64
	mu       sync.Mutex
	recs     []StreamRecord
}

// NewStreamTruth serves cfg on 127.0.0.1 until the test ends.
func NewStreamTruth(t testing.TB, cfg StreamConfig) *StreamTruth {
	t.Helper()
	if cfg.TokensPerChunk <= 0 {
		cfg.TokensPerChunk = 1
	}
	s := &StreamTruth{cfg: cfg}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Records returns what the server did, in the order the streams ended.
func (s *StreamTruth) Records() []StreamRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StreamRecord(nil), s.recs...)
}

// Conns is the number of connections the server accepted.
func (s *StreamTruth) Conns() int64 { return s.newConns.Load() }

// streamWriter writes one stream's body with its framing.
type streamWriter struct {
	w   http.ResponseWriter
	fl  http.Flusher
	raw net.Conn // close and length framings: the hijacked connection
}

func (sw *streamWriter) write(b []byte) error {
	if sw.raw != nil {
		_, err := sw.raw.Write(b)
		return err
	}
	if _, err := sw.w.Write(b); err != nil {
		return err
	}
	sw.fl.Flush()
	return nil
}

func (s *StreamTruth) serve(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg
	n := int(s.seq.Add(1)) - 1
	rec := StreamRecord{Start: time.Now()}
	cut := cfg.CutEvery > 0 && n%cfg.CutEvery == 0
	stall := !cut && cfg.StallEvery > 0 && (n+1)%cfg.StallEvery == 0
	cutKind := 0
	if cut {
		cutKind = (n / cfg.CutEvery) % 3
	}
	parts := s.parts(cut, cutKind, stall)
	ctype := "text/event-stream"
	if cfg.NDJSON {
		ctype = "application/x-ndjson"
	}
	sw := &streamWriter{w: w}
	if cfg.Framing == "close" {
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no hijacking", 500)
			return
		}
		c, _, err := hj.Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		sw.raw = c
		if err := sw.write([]byte("HTTP/1.1 200 OK\r\nContent-Type: " + ctype + "\r\nConnection: close\r\n\r\n")); err != nil {
			return
		}
	} else {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-cache")
		if cfg.Framing == "length" {
			total := 0
			for _, p := range parts {
				total += len(p.data)
			}
			w.Header().Set("Content-Length", strconv.Itoa(total))
		}
		sw.fl = w.(http.Flusher)
		w.WriteHeader(http.StatusOK)
		sw.fl.Flush()
	}
	rec.Cut, rec.Stall = cut, stall
	for _, p := range parts {
		if d := time.Until(rec.Start.Add(p.at)); d > 0 {
			time.Sleep(d)
		}
		if err := sw.write(p.data); err != nil {
			break
		}
		now := time.Now()
		if p.token {
			rec.Sent = append(rec.Sent, now)
		}
		rec.End = now
	}
	s.mu.Lock()
	s.recs = append(s.recs, rec)
	s.mu.Unlock()
	if cut && cutKind == 0 {
		if sw.raw != nil {
			_ = sw.raw.Close()
			return
		}
		panic(http.ErrAbortHandler) // net/http closes the connection mid-body
	}
}

// part is one write of a stream: its data, when it is due after the
// request's arrival, and whether it carries a token.
type part struct {
	data  []byte
	at    time.Duration
	token bool
}

// parts plans the writes of one stream.
func (s *StreamTruth) parts(cut bool, cutKind int, stall bool) []part {
	cfg := s.cfg
	var out []part
	if !cfg.NDJSON {
		// A comment and a role-only first chunk, at once: no content.
		out = append(out, part{data: []byte(": keep-alive\r\n\r\ndata: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n")})
	}
	tokens := cfg.Tokens
	if cut {
		tokens = min(cfg.CutAfter, cfg.Tokens)
	}
	if stall {
		tokens = min(cfg.StallAfter, cfg.Tokens)
	}
	last := time.Duration(0)
	for i := 0; i < tokens; i++ {
		last = cfg.First + time.Duration(i)*cfg.Gap
		var d string
		if cfg.NDJSON {
			d = fmt.Sprintf("{\"model\":\"m\",\"response\":\"tok%d \",\"done\":false}\n", i)
		} else if i%2 == 0 {
			// Alternate CRLF and LF line ends, and split the data over
			// two data lines every other chunk.
			d = fmt.Sprintf("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%d \"},\"finish_reason\":null}]}\r\n\r\n", i)
		} else {
			d = fmt.Sprintf("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\ndata: \"delta\":{\"content\":\"tok%d \"}}]}\n\n", i)
		}
		out = append(out, part{data: []byte(d), at: last, token: true})
	}
	switch {
	case stall:
		out = append(out, part{data: []byte(s.end()), at: last + cfg.Stall})
		return out
	case cut && cutKind == 1:
		if cfg.NDJSON {
			return append(out, part{data: []byte("{\"error\":\"model overloaded\"}\n"), at: last})
		}
		return append(out, part{data: []byte("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"), at: last})
	case cut:
		return out // kind 0 closes the connection, kind 2 ends without the stream's end
	}
	return append(out, part{data: []byte(s.end()), at: last})
}

// end is a complete stream's last write: the usage (when configured) and
// the format's end.
func (s *StreamTruth) end() string {
	cfg := s.cfg
	if cfg.NDJSON {
		if cfg.Usage {
			return fmt.Sprintf("{\"model\":\"m\",\"response\":\"\",\"done\":true,\"prompt_eval_count\":%d,\"eval_count\":%d}\n", cfg.PromptTokens, cfg.Tokens*cfg.TokensPerChunk)
		}
		return "{\"model\":\"m\",\"response\":\"\",\"done\":true}\n"
	}
	e := "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
	if cfg.Usage {
		e += fmt.Sprintf("data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
			cfg.PromptTokens, cfg.Tokens*cfg.TokensPerChunk, cfg.PromptTokens+cfg.Tokens*cfg.TokensPerChunk)
	}
	return e + "data: [DONE]\n\n"
}

// StreamSummary is what a StreamTruth's records say a measurement of all
// its streams should find.
type StreamSummary struct {
	// TTFT (request arrival to the first content chunk's send), ITL
	// (every gap between content chunks) and TPOT ((last write − first
	// content chunk) ÷ (output tokens − 1)) of the complete streams.
	TTFT, ITL, TPOT []time.Duration
	// OK counts complete streams, Cuts and Stalls the others.
	OK, Cuts, Stalls int64
	// Tokens is the output tokens a client can know of: the usage's
	// count of complete streams (with Usage), else the chunks it
	// received, cut and stalled streams included; UsageStreams and
	// ChunkStreams count the streams counted each way.
	Tokens                     int64
	UsageStreams, ChunkStreams int64
}

// Summary sums up recs, streams served with s's configuration.
func (s *StreamTruth) Summary(recs []StreamRecord) StreamSummary {
	var tr StreamSummary
	per := int64(1)
	if s.cfg.Usage {
		per = int64(s.cfg.TokensPerChunk)
	}
	for _, r := range recs {
		switch {
		case r.Cut || r.Stall:
			if r.Cut {
				tr.Cuts++
			} else {
				tr.Stalls++
			}
			tr.Tokens += int64(len(r.Sent))
			if len(r.Sent) > 0 {
				tr.ChunkStreams++
			}
		default:
			tr.OK++
			out := int64(len(r.Sent)) * per
			tr.Tokens += out
			if s.cfg.Usage {
				tr.UsageStreams++
			} else {
				tr.ChunkStreams++
			}
			tr.TTFT = append(tr.TTFT, r.Sent[0].Sub(r.Start))
			for i := 1; i < len(r.Sent); i++ {
				tr.ITL = append(tr.ITL, r.Sent[i].Sub(r.Sent[i-1]))
			}
			if out > 1 {
				tr.TPOT = append(tr.TPOT, r.End.Sub(r.Sent[0])/time.Duration(out-1))
			}
		}
	}
	return tr
}
