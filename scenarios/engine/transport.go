package engine

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Headers the open-loop targeter adds for the transport; never sent.
const (
	expectHeader = "X-Loadlab-Expect" // statuses that count as success, "200,422"
	seqHeader    = "X-Vegeta-Seq"     // set by vegeta on every hit
	attackHeader = "X-Vegeta-Attack"  // set by vegeta when the attack is named
)

// Outcome bits the transport stores per hit (slot.meta) for the consumer,
// since a vegeta.Result carries only an error string.
const (
	metaWritten = uint64(1) << 63
	metaOK      = uint64(1) << 62
	metaTimed   = uint64(1) << 55 // slot.sent and slot.wire hold the timing
	metaKindSh  = 56
	metaBytes   = uint64(1)<<48 - 1
)

var metaKinds = []string{"", kindTimeout, kindRefused, kindReset, kindEOF, kindOther, kindTLS, kindHeaderTooLarge}

func metaKindIndex(kind string) uint64 {
	for i, k := range metaKinds {
		if k == kind {
			return uint64(i)
		}
	}
	return uint64(len(metaKinds) - 1)
}

// vegetaTransport is the http.RoundTripper of the open-loop vegeta
// Attacker: it sends each request through the engine's fasthttp
// connection pools (one per base URL) instead of net/http's Transport,
// which costs less CPU per request and classifies transport errors by
// kind. The outcome of hit seq (success by the request's expected
// statuses, error kind, body bytes) is stored in the pacer's ring.
type vegetaTransport struct {
	pools   map[string]*sharedPool // by URL host
	timeout time.Duration
	pacer   *stepPacer
	origin  time.Time // slot.sent counts from here
}

func (t *vegetaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	seq, seqErr := strconv.ParseUint(headerValue(r.Header, seqHeader), 10, 64)
	var began time.Time // when the request asks for a connection
	store := func(meta uint64) {
		if seqErr != nil {
			return
		}
		sl := &t.pacer.ring[seq&t.pacer.mask]
		if !began.IsZero() {
			sl.sent.Store(int64(began.Sub(t.origin)))
			sl.wire.Store(int64(time.Since(began)))
			meta |= metaTimed
		}
		sl.meta.Store(meta | metaWritten)
	}
	if r.Body != nil {
		defer r.Body.Close()
	}
	pool := t.pools[r.URL.Host]
	if pool == nil {
		store(metaKindIndex(kindOther) << metaKindSh)
		return nil, fmt.Errorf("no connection pool for host %q", r.URL.Host)
	}
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	req.Header.SetMethod(r.Method)
	req.Header.SetRequestURI(r.URL.RequestURI())
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	req.Header.SetHost(host)
	var expect []int
	ua, ct := false, false
	for k, vs := range r.Header {
		switch k {
		case seqHeader, attackHeader:
			continue
		case expectHeader:
			expect = parseExpect(vs)
			continue
		case "User-Agent":
			ua = true
		case "Content-Type":
			ct = true
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if !ua {
		req.Header.SetUserAgent(userAgent)
	}
	if r.Body != nil && r.ContentLength != 0 {
		if _, err := io.Copy(req.BodyWriter(), r.Body); err != nil {
			store(metaKindIndex(kindOther) << metaKindSh)
			return nil, fmt.Errorf("read request body: %w", err)
		}
		if !ct {
			req.Header.SetContentType("application/json")
		}
	}

	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	began = time.Now()
	if seqErr == nil {
		t.pacer.flight[seq&t.pacer.mask].begin(flightTime(t.origin, began))
	}
	deadline := began.Add(t.timeout)
	var n int64
	c, err := pool.get(deadline)
	if err == nil {
		_ = c.SetDeadline(deadline)
		var reusable bool
		n, reusable, err = exchange(c, req, resp, deadline)
		pool.put(c, reusable && err == nil)
	}
	if err != nil {
		store(metaKindIndex(classify(err)) << metaKindSh)
		return nil, err
	}
	code := resp.StatusCode()
	meta := uint64(n) & metaBytes
	if expected(code, expect) {
		meta |= metaOK
	}
	store(meta)
	return &http.Response{
		Status:        statusText(code),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Body:          http.NoBody, // read and counted by exchange
		ContentLength: 0,
		Request:       r,
	}, nil
}

func headerValue(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// parseExpect parses "200,422"; malformed codes are ignored.
func parseExpect(vs []string) []int {
	var out []int
	for _, v := range vs {
		for _, f := range strings.Split(v, ",") {
			if c, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// formatExpect is the inverse of parseExpect.
func formatExpect(codes []int) string {
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(c))
	}
	return b.String()
}

// statusTexts caches "200 OK" style status lines.
var statusTexts = func() []string {
	s := make([]string, 600)
	for i := range s {
		s[i] = strconv.Itoa(i) + " " + http.StatusText(i)
	}
	return s
}()

func statusText(code int) string {
	if code >= 0 && code < len(statusTexts) {
		return statusTexts[code]
	}
	return strconv.Itoa(code)
}
