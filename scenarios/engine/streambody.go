package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// Error kinds of streamed responses (Request.Stream set, 2xx status).
const (
	// kindStreamCut: the stream broke before its end — the connection
	// was reset or closed mid-body, the body ended without the format's
	// end (SSE without "data: [DONE]"), or the server sent an error chunk
	// (an object with an "error" member, or an SSE "event: error").
	kindStreamCut = "stream_cut"
	// kindStreamTimeout: after the first token, no byte of the body
	// arrived within the request's chunk_timeout (the request's own
	// timeout, when it comes first, stays "timeout").
	kindStreamTimeout = "stream_timeout"
)

// streamError is a failed stream: its kind (kindStreamCut,
// kindStreamTimeout) and what happened.
type streamError struct {
	kind string
	msg  string
	err  error // the transport error, if any
}

func (e *streamError) Error() string { return e.msg }
func (e *streamError) Unwrap() error { return e.err }

// bodyFrame reads a response body as it arrives, framed by its header:
// chunked, Content-Length, or delimited by the connection's close.
type bodyFrame struct {
	r         *bufio.Reader
	chunked   bool
	untilEOF  bool  // no length: the body ends with the connection
	left      int64 // bytes left in the body (Content-Length) or chunk
	needCRLF  bool  // chunked: the CRLF after a chunk's data is unread
	lastChunk bool  // chunked: the zero-size chunk was read
}

func newBodyFrame(r *bufio.Reader, resp *fasthttp.Response) bodyFrame {
	cl := resp.Header.ContentLength()
	switch {
	case cl == -1:
		return bodyFrame{r: r, chunked: true}
	case cl < 0:
		return bodyFrame{r: r, untilEOF: true}
	}
	return bodyFrame{r: r, left: int64(cl)}
}

// next returns the body bytes that have arrived (at least one, waiting
// for them), valid until the next call; io.EOF at the body's end.
func (f *bodyFrame) next() ([]byte, error) {
	if f.chunked && f.left == 0 {
		if err := f.chunkHeader(); err != nil {
			return nil, err
		}
	}
	if !f.untilEOF && f.left == 0 {
		return nil, io.EOF
	}
	if f.r.Buffered() == 0 {
		if _, err := f.r.Peek(1); err != nil {
			if err == io.EOF && !f.untilEOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	n := f.r.Buffered()
	if !f.untilEOF && int64(n) > f.left {
		n = int(f.left)
	}
	b, _ := f.r.Peek(n)
	_, _ = f.r.Discard(n)
	if !f.untilEOF {
		f.left -= int64(n)
		f.needCRLF = f.chunked && f.left == 0
	}
	return b, nil
}

// chunkHeader reads the CRLF that ends the previous chunk and the next
// chunk's size line; after the last (zero-size) chunk, the trailer.
func (f *bodyFrame) chunkHeader() error {
	if f.lastChunk {
		return nil
	}
	if f.needCRLF {
		if err := f.crlf(); err != nil {
			return err
		}
		f.needCRLF = false
	}
	ln, err := f.r.ReadSlice('\n')
	if err != nil {
		return unexpected(err)
	}
	var size int64
	digits := 0
	for _, c := range ln {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			d = 255
		}
		if d == 255 {
			break
		}
		if digits++; digits > 15 {
			return errors.New("chunk size too large")
		}
		size = size<<4 | int64(d)
	}
	if digits == 0 {
		return fmt.Errorf("malformed chunk size line %q", truncate(string(ln)))
	}
	if size > 0 {
		f.left = size
		return nil
	}
	f.lastChunk = true
	for { // the trailer, up to its blank line
		ln, err := f.r.ReadSlice('\n')
		if err != nil {
			return unexpected(err)
		}
		if len(ln) <= 2 && (len(ln) == 1 || ln[0] == '\r') {
			return nil
		}
	}
}

// crlf reads the CRLF after a chunk's data.
func (f *bodyFrame) crlf() error {
	b, err := f.r.Peek(2)
	if err != nil {
		return unexpected(err)
	}
	if b[0] != '\r' || b[1] != '\n' {
		return errors.New("malformed chunked body: no CRLF after a chunk")
	}
	_, _ = f.r.Discard(2)
	return nil
}

// unexpected turns an end of the connection inside a framed body into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readStream reads a 2xx streamed body from r (on c), framed by resp's
// header, feeding each arrival to p, and returns the body's size. Each
// wait for bytes is bounded by the request's deadline and, with a chunk
// timeout, once the first token has arrived, by the time since the last
// arrival (c's read deadline is set to the earlier of the two before
// every wait): the wait for the first token is the server's prefill and
// queueing, measured as TTFT and bounded by the request's timeout only. Errors: a wait that hit the
// chunk timeout is kindStreamTimeout, one that hit the request deadline a
// plain timeout; a connection that ends or fails mid-body, a body that
// ends before the format's end, and a server error chunk are
// kindStreamCut (see streamError).
func readStream(c net.Conn, r *bufio.Reader, resp *fasthttp.Response, p *streamParser, deadline time.Time) (int64, error) {
	f := newBodyFrame(r, resp)
	var n int64
	byDeadline := true
	for {
		if p.chunkTimeout > 0 && p.chunks > 0 {
			d := time.Now().Add(p.chunkTimeout)
			byDeadline = !d.Before(deadline)
			if byDeadline {
				d = deadline
			}
			_ = c.SetReadDeadline(d)
		}
		b, err := f.next()
		now := time.Now()
		if len(b) > 0 {
			n += int64(len(b))
			p.feed(b, now)
			if p.failure != nil {
				return n, &streamError{kind: kindStreamCut, msg: "server error in the stream: " + truncate(string(p.failure))}
			}
		}
		switch {
		case err == io.EOF || (err == nil && f.untilEOF && p.done && !p.ndjson):
			// The body's end; or, on a close-delimited body, SSE's
			// "data: [DONE]": a server that keeps such a connection open
			// after it would otherwise hold the request until its
			// deadline (the connection is not reused either way).
			p.finish(now)
			if p.failure != nil {
				return n, &streamError{kind: kindStreamCut, msg: "server error in the stream: " + truncate(string(p.failure))}
			}
			if !p.complete() {
				return n, &streamError{kind: kindStreamCut, msg: incompleteMessage(p, resp)}
			}
			return n, nil
		case err != nil && classify(err) == kindTimeout:
			if byDeadline {
				return n, deadlineError{err}
			}
			return n, &streamError{kind: kindStreamTimeout, err: err,
				msg: fmt.Sprintf("no chunk within the chunk timeout %s after %d output tokens", p.chunkTimeout, p.chunks)}
		case err != nil:
			return n, &streamError{kind: kindStreamCut, err: err,
				msg: fmt.Sprintf("stream cut after %d output tokens: %v", p.chunks, err)}
		}
	}
}

// incompleteMessage says why a body that ended cleanly is a cut stream.
func incompleteMessage(p *streamParser, resp *fasthttp.Response) string {
	if p.ndjson {
		return fmt.Sprintf(`the NDJSON stream ended without "done": true after %d output tokens`, p.chunks)
	}
	return fmt.Sprintf("the SSE stream ended without data: [DONE] after %d output tokens (Content-Type %q)", p.chunks, resp.Header.ContentType())
}
