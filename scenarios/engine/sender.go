package engine

import (
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"

	"github.com/loadlab/loadlab/scenarios"
)

// userAgent is sent with every request that does not set its own.
const userAgent = "loadlab"

// sender sends one request on a connection source and records the result.
// It is shared by all closed-loop users.
type sender struct {
	col     *collector
	timeout time.Duration
	origin  time.Time // the clock origin of the users' flight slots
	seq     atomic.Uint64
	// stopping is set when the load stops: requests interrupted by the stop
	// are not recorded as errors.
	stopping atomic.Bool
}

// send performs r against b through cs, marking it in flight in fl while it
// is outstanding. uri is scratch space, returned for reuse by the same
// caller.
func (s *sender) send(cs connSource, b *base, r *scenarios.Request, fl *flightSlot, uri []byte) []byte {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	uri = fillRequest(req, b, r, uri)

	start := time.Now()
	fl.begin(flightTime(s.origin, start))
	deadline := start.Add(s.timeout)
	code := 0
	var bodyBytes int64
	c, err := cs.get(deadline)
	if err == nil {
		_ = c.SetDeadline(deadline)
		var reusable bool
		bodyBytes, reusable, err = exchange(c, req, resp, deadline)
		cs.put(c, reusable && err == nil)
		if err == nil {
			code = resp.StatusCode()
		}
	}
	end := time.Now()
	if s.stopping.Load() {
		fl.end()
		return uri
	}
	// The request stays in flight until the collector ends fl in add.
	smp := sample{end: end, latency: end.Sub(start), code: code, bytesOut: int64(len(r.Body))}
	if err != nil {
		smp.kind = classify(err)
		smp.err = err
	} else {
		smp.bytesIn = bodyBytes
		smp.ok = expected(code, r.Expect)
		if !smp.ok {
			smp.kind = httpKind(code)
		}
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
	return uri
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

// fillRequest writes r, sent to base b, into req and returns the scratch
// uri buffer. The method defaults to POST with a body and GET without; a
// body without a Content-Type header is sent as application/json.
func fillRequest(req *fasthttp.Request, b *base, r *scenarios.Request, uri []byte) []byte {
	method := r.Method
	if method == "" {
		method = "GET"
		if len(r.Body) > 0 {
			method = "POST"
		}
	}
	req.Header.SetMethod(method)
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
