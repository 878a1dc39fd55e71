package engine

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"

	"github.com/loadlab/loadlab/scenarios"
)

// userAgent is sent with every request that does not set its own.
const userAgent = "loadlab"

// sender sends one request on a connection source and records the result:
// the one request path of both load models, shared by all closed-loop users
// or all open-loop workers of a run.
type sender struct {
	col     *collector
	timeout time.Duration
	origin  time.Time // the clock origin of the flight slots
	seq     atomic.Uint64
	// stopping is set when the load stops: requests interrupted by the stop
	// are not recorded as errors.
	stopping atomic.Bool
}

// scratch is what one caller (a closed-loop user, an open-loop worker)
// reuses from one request to the next: the request URI's buffer.
type scratch struct {
	uri []byte
}

// parserPool holds stream parsers with their grown buffers between
// streamed requests: a user that thinks holds none (10,000 users keep
// only the parsers of the streams in progress).
var parserPool = sync.Pool{New: func() any { return new(streamParser) }}

// maxPooledBuffer bounds, in bytes, a buffer a pooled parser keeps: one
// stream's long lines or many tokens never pin their buffers in the pool.
const maxPooledBuffer = 64 << 10

// releaseParser returns p to the pool without its request's flight slot
// and without buffers that grew past maxPooledBuffer.
func releaseParser(p *streamParser) {
	p.fl = nil
	if cap(p.line) > maxPooledBuffer {
		p.line = nil
	}
	if cap(p.event) > maxPooledBuffer {
		p.event = nil
	}
	if cap(p.gaps)*8 > maxPooledBuffer {
		p.gaps = nil
	}
	parserPool.Put(p)
}

// send performs r against b through cs, marking it in flight in fl while it
// is outstanding. scheduled is the open-loop send time the request was
// due at (zero in the closed loop). scr is the caller's scratch space.
// The request is timed from asking for a connection to the last byte of
// the response; a streamed request (r.Stream) is also measured token by
// token (see streamParser).
func (s *sender) send(cs connSource, b *base, r *scenarios.Request, fl *flightSlot, scheduled time.Time, scr *scratch) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	scr.uri = fillRequest(req, b, r, scr.uri)
	var st *streamParser
	if r.Stream != "" {
		st = parserPool.Get().(*streamParser)
		defer releaseParser(st)
		st.reset(r)
		st.fl = fl
	}

	start := time.Now()
	fl.begin(flightTime(s.origin, start))
	deadline := start.Add(s.timeout)
	code := 0
	var bodyBytes int64
	c, err := cs.get(deadline)
	if err == nil {
		_ = c.SetDeadline(deadline)
		var reusable bool
		bodyBytes, reusable, err = exchange(c, req, resp, deadline, st)
		cs.put(c, reusable && err == nil)
		if err == nil {
			code = resp.StatusCode()
		}
	}
	end := time.Now()
	if s.stopping.Load() {
		fl.end()
		return
	}
	// The request stays in flight until the collector ends fl in add.
	smp := sample{end: end, latency: end.Sub(start), code: code, bytesOut: int64(len(r.Body))}
	if !scheduled.IsZero() {
		smp.scheduled, smp.sent = scheduled, start
	}
	if err != nil {
		smp.kind = classify(err)
		smp.err = err
		if _, cut := err.(*streamError); cut {
			smp.bytesIn = bodyBytes
		}
	} else {
		smp.bytesIn = bodyBytes
		smp.ok = expected(code, r.Expect)
		if !smp.ok {
			smp.kind = httpKind(code)
		}
	}
	if st != nil {
		smp.st = st.sample(start, end, smp.ok, r.InputTokens)
	}
	var res *vegeta.Result
	if s.col.saving() {
		res = &vegeta.Result{
			Seq:       s.seq.Add(1) - 1,
			Code:      uint16(code),
			Timestamp: start,
			Latency:   smp.latency,
			BytesOut:  uint64(smp.bytesOut),
			BytesIn:   uint64(smp.bytesIn),
			Method:    string(req.Header.Method()),
			URL:       b.raw + r.Path,
		}
		res.Error = resultError(err, code, smp.ok)
	}
	s.col.add(&smp, res, fl)
}

// resultError is the Error text of a saved vegeta.Result: the transport
// error, or the unexpected status (vegeta report counts a non-empty Error
// as a failure, so an expected 422 has none).
func resultError(err error, code int, ok bool) string {
	switch {
	case err != nil:
		return err.Error()
	case !ok:
		return "unexpected status " + statusText(code)
	}
	return ""
}

// statusTexts caches "200 OK" style status lines.
var statusTexts = func() []string {
	s := make([]string, 600)
	for i := range s {
		s[i] = strconv.Itoa(i) + " " + http.StatusText(i)
	}
	return s
}()

// statusText is code's status line, "200 OK".
func statusText(code int) string {
	if code >= 0 && code < len(statusTexts) {
		return statusTexts[code]
	}
	return strconv.Itoa(code)
}

// fillRequest writes r, sent to base b, into req and returns the scratch
// uri buffer. r's method is set (the scenario's defaults, see
// scenarios.Scenario.WithDefaults, or the targets file); a body without a
// Content-Type header is sent as application/json.
func fillRequest(req *fasthttp.Request, b *base, r *scenarios.Request, uri []byte) []byte {
	req.Header.SetMethod(r.Method)
	uri = append(uri[:0], b.prefix...)
	if r.Path == "" || r.Path[0] != '/' {
		uri = append(uri, '/')
	}
	uri = append(uri, r.Path...)
	req.Header.SetRequestURIBytes(uri)
	req.Header.SetHost(b.host)
	req.Header.SetUserAgent(userAgent)
	contentType := false
	for _, h := range r.Headers {
		switch {
		case strings.EqualFold(h.Key, "Host"):
			req.Header.SetHost(h.Value)
		case strings.EqualFold(h.Key, "Content-Type"):
			contentType = true
			req.Header.SetContentType(h.Value)
		default:
			req.Header.Add(h.Key, h.Value)
		}
	}
	if len(r.Body) > 0 {
		req.SetBodyRaw(r.Body)
		if !contentType {
			req.Header.SetContentType("application/json")
		}
	}
	return uri
}
