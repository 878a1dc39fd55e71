package engine

import (
	"bytes"
	"time"

	"github.com/loadlab/loadlab/scenarios"
)

// maxStreamLine bounds one line (SSE) or object (NDJSON) of a streamed
// body, and one SSE event's data, in bytes: a longer one cuts the stream.
const maxStreamLine = 1 << 20

// Token count sources of one request (streamSample.from).
const (
	fromNone   = iota // no output token was seen
	fromUsage         // the server's usage object said
	fromChunks        // content chunks were counted
)

// streamParser turns a streamed response body, fed as it arrives, into one
// request's stream measurements. Lines end with LF or CRLF (a lone CR is
// not a line end). SSE (text/event-stream): "data:" lines (one optional
// space after the colon) accumulate an event's data, joined by "\n", and a
// blank line dispatches it; "data: [DONE]" ends the stream; lines starting
// with ":" (comments, keep-alives) and other fields are ignored, except
// "event: error", whose data is a server error. NDJSON: every non-blank
// line is one JSON object. Each dispatched object is read by scanChunk: a
// content chunk is one output token at its arrival time; an "error"
// member that is not null is a server error that cuts the stream. One
// parser serves one caller (a user, a worker) and is reset per request;
// its buffers and gaps are reused, so a request allocates nothing.
type streamParser struct {
	ndjson       bool
	chunkTimeout time.Duration

	line     []byte // the start of a line split across reads
	event    []byte // SSE: the data of the event being assembled
	hasData  bool   // SSE: event has a data line
	eventErr bool   // SSE: the event is "event: error"

	// done: SSE "[DONE]" seen, or NDJSON "done": true; pending: an
	// NDJSON object said "done": false (so its stream must end with
	// "done": true).
	done, pending bool
	// failure is the server's error (the raw JSON, or an oversized
	// line's description); non-nil cuts the stream.
	failure []byte

	first, last time.Time // first and latest content chunk
	chunks      int64     // content chunks
	gaps        []time.Duration
	maxGap      time.Duration
	usageOut    int64
	usageIn     int64
	hasOut      bool
	hasIn       bool
	ci          chunkInfo
	// started: a line of the body has been handled (a byte order mark
	// is dropped only from the first).
	started bool
	// fl is the request's flight slot, marked receiving at the first
	// token (nil in tests that parse without a request).
	fl *flightSlot
}

// reset prepares p for a request of r.
func (p *streamParser) reset(r *scenarios.Request) {
	p.ndjson = r.Stream == scenarios.StreamNDJSON
	p.chunkTimeout = r.ChunkTimeout
	p.line, p.event = p.line[:0], p.event[:0]
	p.hasData, p.eventErr, p.done, p.pending, p.started = false, false, false, false, false
	p.failure = nil
	p.first, p.last = time.Time{}, time.Time{}
	p.chunks, p.maxGap = 0, 0
	p.gaps = p.gaps[:0]
	p.usageOut, p.usageIn, p.hasOut, p.hasIn = 0, 0, false, false
}

// feed parses b, which arrived at now. b is only read during the call.
func (p *streamParser) feed(b []byte, now time.Time) {
	for len(b) > 0 && p.failure == nil {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.line)+len(b) > maxStreamLine {
				p.failure = []byte(`"a line of the stream is longer than 1 MiB"`)
				return
			}
			p.line = append(p.line, b...)
			return
		}
		ln := b[:i]
		b = b[i+1:]
		if len(p.line) > 0 {
			p.line = append(p.line, ln...)
			ln = p.line
		}
		if n := len(ln); n > 0 && ln[n-1] == '\r' {
			ln = ln[:n-1]
		}
		p.handleLine(ln, now)
		p.line = p.line[:0]
	}
}

// utf8BOM is the byte order mark that may open a body: the SSE standard
// ignores one there, and some NDJSON writers add one.
var utf8BOM = []byte("\xEF\xBB\xBF")

// handleLine handles one line without its line end, dropping a byte order
// mark that opens the body.
func (p *streamParser) handleLine(ln []byte, now time.Time) {
	if !p.started {
		p.started = true
		ln = bytes.TrimPrefix(ln, utf8BOM)
	}
	if p.ndjson {
		p.object(ln, now)
	} else {
		p.sseLine(ln, now)
	}
}

// finish handles what the body's end leaves: an NDJSON object without its
// final newline, an SSE event without its blank line.
func (p *streamParser) finish(now time.Time) {
	if p.failure != nil {
		return
	}
	if len(p.line) > 0 {
		p.handleLine(bytes.TrimSuffix(p.line, []byte{'\r'}), now)
		p.line = p.line[:0]
	}
	if !p.ndjson {
		p.dispatch(now)
	}
}

// sseLine handles one line of an SSE stream.
func (p *streamParser) sseLine(ln []byte, now time.Time) {
	if len(ln) == 0 {
		p.dispatch(now)
		return
	}
	if ln[0] == ':' {
		return
	}
	field, value := ln, []byte(nil)
	if i := bytes.IndexByte(ln, ':'); i >= 0 {
		field, value = ln[:i], ln[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "data":
		if p.hasData {
			p.event = append(p.event, '\n')
		}
		if len(p.event)+len(value) > maxStreamLine {
			p.failure = []byte(`"an event of the stream is longer than 1 MiB"`)
			return
		}
		p.event = append(p.event, value...)
		p.hasData = true
	case "event":
		p.eventErr = string(value) == "error"
	}
}

// dispatch handles the SSE event assembled so far.
func (p *streamParser) dispatch(now time.Time) {
	if p.hasData && !p.done {
		switch {
		case string(p.event) == "[DONE]":
			p.done = true
		case p.eventErr:
			p.failure = p.event
		default:
			p.object(p.event, now)
		}
	}
	p.event = p.event[:0]
	p.hasData, p.eventErr = false, false
}

// object handles one JSON object (an SSE event's data, an NDJSON line).
func (p *streamParser) object(data []byte, now time.Time) {
	if len(bytes.TrimSpace(data)) == 0 {
		return
	}
	ci := &p.ci
	if !scanChunk(data, ci) {
		return
	}
	if ci.errored {
		p.failure = ci.errRaw
		return
	}
	if ci.content {
		if p.chunks == 0 {
			p.first = now
			if p.fl != nil {
				p.fl.streaming()
			}
		} else {
			g := now.Sub(p.last)
			p.gaps = append(p.gaps, g)
			if g > p.maxGap {
				p.maxGap = g
			}
		}
		p.last = now
		p.chunks++
	}
	if ci.hasCompletion {
		p.usageOut, p.hasOut = ci.completion, true
	}
	if ci.hasPrompt {
		p.usageIn, p.hasIn = ci.prompt, true
	}
	if ci.hasDone {
		if ci.done {
			p.done, p.pending = true, false
		} else if !p.done {
			p.pending = true
		}
	}
}

// complete reports whether the stream ended as its format says a stream
// ends: SSE with "data: [DONE]"; NDJSON with "done": true when an object
// said "done": false (a stream that never says done ends with its body).
func (p *streamParser) complete() bool {
	if p.ndjson {
		return !p.pending
	}
	return p.done
}

// tokens returns the request's output tokens and where the count came
// from: the usage object's when the server sent one, else the content
// chunks.
func (p *streamParser) tokens() (int64, uint8) {
	switch {
	case p.hasOut:
		return p.usageOut, fromUsage
	case p.chunks > 0:
		return p.chunks, fromChunks
	}
	return 0, fromNone
}

// streamSample is one streamed request's measurements, as its window
// receives them.
type streamSample struct {
	streamed bool
	// measured: the stream succeeded, so its timings enter the step's
	// ttft, itl and tpot distributions (a failed stream adds its tokens
	// only). A zero ttft, tpot or maxITL was not measured (no content;
	// fewer than two tokens).
	measured           bool
	ttft, tpot, maxITL time.Duration
	chunks             int64           // content chunks
	gaps               []time.Duration // the parser's, valid while the sample is added
	out, in            int64
	from               uint8
}

// sample returns the measurements of the request parsed by p, sent at
// start and ended at end; ok says it succeeded; inputTokens is the
// request's own prompt length (0: unknown), used when the server sent no
// usage.
func (p *streamParser) sample(start, end time.Time, ok bool, inputTokens int) streamSample {
	s := streamSample{streamed: true, measured: ok, gaps: p.gaps, maxITL: p.maxGap, chunks: p.chunks}
	s.out, s.from = p.tokens()
	if p.chunks > 0 {
		s.ttft = p.first.Sub(start)
		if s.out >= 2 {
			s.tpot = end.Sub(p.first) / time.Duration(s.out-1)
		}
	}
	switch {
	case p.hasIn:
		s.in = p.usageIn
	case inputTokens > 0:
		s.in = int64(inputTokens)
	}
	return s
}
