package engine

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"unicode/utf8"
)

// Transport error kinds, the keys of record.Record.ErrorsByKind besides
// "http_<code>".
const (
	kindTimeout = "timeout" // the request timeout (or a pool wait) expired
	kindRefused = "refused" // the connection was refused (nothing listening)
	kindReset   = "reset"   // the peer reset the connection (RST, broken pipe)
	kindEOF     = "eof"     // the peer closed the connection mid-exchange
	kindTLS     = "tls"     // the TLS handshake failed (certificate, protocol)
	kindOther   = "other"   // anything else (DNS, malformed response, ...)
)

// Streamed responses add kindStreamCut ("stream_cut") and
// kindStreamTimeout ("stream_timeout"), see streambody.go.

// sampleMax bounds an error sample (record.Record.ErrorSamples), in bytes.
const sampleMax = 300

// tlsError is a failed TLS handshake with the server at addr.
type tlsError struct {
	addr string
	err  error
}

func (e *tlsError) Error() string { return "TLS handshake with " + e.addr + ": " + e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

// classify names the kind of a transport error (or of a failed stream:
// streamError carries its own kind).
func classify(err error) string {
	var se *streamError
	if errors.As(err, &se) {
		return se.kind
	}
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return kindTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return kindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return kindReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return kindEOF
	}
	var te *tlsError
	switch {
	case errors.As(err, &te):
		return kindTLS
	case errors.Is(err, errHeaderTooLarge):
		return kindHeaderTooLarge
	}
	return kindOther
}

// httpKinds caches "http_<code>" for the codes a server can send.
var httpKinds = func() []string {
	k := make([]string, 1000)
	for i := range k {
		k[i] = "http_" + strconv.Itoa(i)
	}
	return k
}()

// httpKind returns "http_<code>".
func httpKind(code int) string {
	if code >= 0 && code < len(httpKinds) {
		return httpKinds[code]
	}
	return "http_" + strconv.Itoa(code)
}

// truncate shortens an error message to sampleMax bytes (at a rune
// boundary).
func truncate(msg string) string {
	if len(msg) <= sampleMax {
		return msg
	}
	i := sampleMax
	for i > 0 && !utf8.RuneStart(msg[i]) {
		i--
	}
	return msg[:i] + "…"
}

// expected reports whether status code counts as success: one of expect,
// or any 2xx when expect is empty.
func expected(code int, expect []int) bool {
	if len(expect) == 0 {
		return code >= 200 && code < 300
	}
	for _, e := range expect {
		if e == code {
			return true
		}
	}
	return false
}
