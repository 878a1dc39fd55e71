package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Buffer sizes of the pooled bufio readers and writers. A response's
// header block is read in readBufferSize; one that does not fit is read
// again in a reader of maxHeaderSize (64 KiB, what common servers and
// proxies allow), taken from its own pool only for that response. Bodies
// of any size stream through the reader and are counted, never kept,
// except bodies of at most smallBody bytes with a Content-Length, which
// are read whole into the pooled response (cheaper than a stream).
// Everything is pooled between requests, so ten thousand idle or waiting
// users hold no buffer.
const (
	readBufferSize  = 4096
	writeBufferSize = 4096
	maxHeaderSize   = 64 << 10
	smallBody       = 4096
	copyBufferSize  = 64 << 10
	// streamBufferSize is the reader of a streamed response: its header
	// block and its chunks (a few hundred bytes each) fit; a longer header
	// block goes on through the larger readers, a longer chunk through
	// several reads.
	streamBufferSize = 1024
)

// kindHeaderTooLarge is the error kind of a response whose header block
// exceeds maxHeaderSize.
const kindHeaderTooLarge = "header_too_large"

// errHeaderTooLarge is returned for a response header block over
// maxHeaderSize.
var errHeaderTooLarge = fmt.Errorf("response header block larger than %d KiB, the client's limit", maxHeaderSize>>10)

var (
	readerPool       = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	bigReaderPool    = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, maxHeaderSize) }}
	streamReaderPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, streamBufferSize) }}

	// readerPools are the readers a response's header block is tried in,
	// smallest first; streamReaderPools those of a streamed response,
	// held for the whole stream (10,000 streaming users hold thousands).
	readerPools       = []*sync.Pool{&readerPool, &bigReaderPool}
	streamReaderPools = []*sync.Pool{&streamReaderPool, &readerPool, &bigReaderPool}
	writerPool        = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}
	copyBufPool       = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}
)

// exchange writes req on c and reads the response's status and headers
// into resp; it reads its body to the end, counting it (bodyBytes) without
// keeping it, except small ones (see smallBody). The caller sets c's
// deadline to deadline, which bounds the whole exchange, body included; an
// error after it passed is a timeout. reusable
// reports whether c may carry another request (no error, no "Connection:
// close", a framed body, nothing unread). A transport error is returned
// unwrapped from the connection, so classify sees resets and timeouts as
// they are (fasthttp alone reports a reset before the first response byte
// as a closed connection).
//
// With st (a request declared streamed), a 2xx body is read as it
// arrives and parsed by st instead (see readStream).
func exchange(c net.Conn, req *fasthttp.Request, resp *fasthttp.Response, deadline time.Time, st *streamParser) (bodyBytes int64, reusable bool, err error) {
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(c)
	err = req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writerPool.Put(bw)
	if err != nil {
		return 0, false, err
	}
	pools := readerPools
	if st != nil {
		pools = streamReaderPools
	}
	br := pools[0].Get().(*bufio.Reader)
	br.Reset(c)
	defer func() {
		br.Reset(nil)
		pools[0].Put(br)
	}()
	if _, err = br.Peek(1); err != nil {
		return 0, false, err
	}
	r := br
	err = readHeader(r, resp)
	for i := 1; isSmallBuffer(err) && i < len(pools); i++ {
		// The header block does not fit: read it again through a larger
		// reader that drains the smaller one's buffered bytes first.
		next := pools[i].Get().(*bufio.Reader)
		next.Reset(r)
		defer func() {
			next.Reset(nil)
			pools[i].Put(next)
		}()
		r = next
		err = readHeader(r, resp)
	}
	if isSmallBuffer(err) {
		err = errHeaderTooLarge
	}
	if err != nil {
		return 0, false, err
	}
	if st != nil && streamable(req, resp) {
		if bodyBytes, err = readStream(c, r, resp, st, deadline); err != nil {
			return bodyBytes, false, err
		}
	} else if bodyBytes, err = readBody(r, req, resp); err != nil {
		if !time.Now().Before(deadline) && classify(err) != kindTimeout {
			// fasthttp's chunk parser hides the read deadline's error.
			err = deadlineError{err}
		}
		return bodyBytes, false, err
	}
	// Every reader of the chain is drained when the last one is: each
	// larger one reads through the smaller one's buffer.
	reusable = !resp.ConnectionClose() && !req.ConnectionClose() &&
		resp.Header.ContentLength() != -2 && r.Buffered() == 0 && br.Buffered() == 0
	return bodyBytes, reusable, nil
}

// streamable reports whether resp has a body to read as a stream: a 2xx
// answer to a request other than HEAD, with content.
func streamable(req *fasthttp.Request, resp *fasthttp.Response) bool {
	code := resp.StatusCode()
	return !req.Header.IsHead() && code >= 200 && code < 300 && code != fasthttp.StatusNoContent
}

// readHeader reads the status line and headers, skipping "100 Continue".
func readHeader(r *bufio.Reader, resp *fasthttp.Response) error {
	for {
		if err := resp.Header.Read(r); err != nil {
			return err
		}
		if resp.StatusCode() != fasthttp.StatusContinue {
			return nil
		}
	}
}

// readBody reads the body that follows resp's header and returns its size
// in bytes. Small bodies with a Content-Length are read into resp; all
// others stream through r into nothing.
func readBody(r *bufio.Reader, req *fasthttp.Request, resp *fasthttp.Response) (int64, error) {
	code := resp.StatusCode()
	if req.Header.IsHead() || code < 200 || code == fasthttp.StatusNoContent || code == fasthttp.StatusNotModified {
		return 0, nil
	}
	cl := resp.Header.ContentLength()
	resp.StreamBody = cl < 0 || cl > smallBody
	if err := resp.ReadBody(r, smallBody); err != nil {
		return 0, err
	}
	if !resp.StreamBody {
		return int64(len(resp.Body())), nil
	}
	n, err := discard(resp.BodyStream())
	if cerr := resp.CloseBodyStream(); err == nil {
		err = cerr
	}
	return n, err
}

// discard reads r to its end into a pooled buffer of copyBufferSize and
// returns the number of bytes read. Large reads cost fewer system calls
// than io.Discard's 8 KiB ones; the buffer is held only while a body is
// read.
func discard(r io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// deadlineError is an error that occurred because the request's deadline
// passed: it classifies as a timeout and reads as the original.
type deadlineError struct{ err error }

func (e deadlineError) Error() string   { return e.err.Error() }
func (e deadlineError) Unwrap() []error { return []error{e.err, os.ErrDeadlineExceeded} }

// isSmallBuffer reports whether err says a header block did not fit in the
// reader's buffer.
func isSmallBuffer(err error) bool {
	if err == nil {
		return false
	}
	var sb *fasthttp.ErrSmallBuffer
	return errors.As(err, &sb)
}
