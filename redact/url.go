package redact

import (
	"net/url"
	"strings"
)

// URL redacts a URL or a request path: its user info (all of it: a user
// name alone is often a token) and the values of query parameters whose
// names look secret (see IsSecretName). Everything else is kept byte for
// byte, so "/predict?segment=hot&api_key=abc" becomes
// "/predict?segment=hot&api_key=<redacted>". Text that is not a URL is
// returned unchanged.
func URL(raw string) string {
	if !strings.ContainsAny(raw, "@?") {
		return raw
	}
	return Query(userinfo(raw))
}

// HasUserinfo reports whether raw is a URL carrying user info
// (user:password@): loadlab refuses such URLs, whose credentials it would
// not send.
func HasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil
}

// userinfo replaces the user info of a scheme://user:pass@host URL.
func userinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return raw
	}
	return raw[:i+3] + Mask + rest[at:]
}

// Query redacts the values of secret-looking parameters in the query of
// raw (after its first '?', up to a '#').
func Query(raw string) string {
	q := strings.IndexByte(raw, '?')
	if q < 0 {
		return raw
	}
	end := len(raw)
	if h := strings.IndexByte(raw[q:], '#'); h >= 0 {
		end = q + h
	}
	return raw[:q+1] + params(raw[q+1:end]) + raw[end:]
}

// params redacts the secret values of an a=1&b=2 list.
func params(query string) string {
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if name, err := url.QueryUnescape(k); err == nil && IsSecretName(name) || err != nil && IsSecretName(k) {
			parts[i] = k + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// Values returns the secret values raw carries: its user info's password
// (or user name when there is no password) and the values of its
// secret-looking query parameters, for a Redactor to scrub wherever they
// appear.
func Values(raw string) []string {
	var out []string
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		} else {
			out = append(out, u.User.Username())
		}
	}
	_, query, ok := strings.Cut(raw, "?")
	if !ok {
		return out
	}
	query, _, _ = strings.Cut(query, "#")
	for _, p := range strings.Split(query, "&") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !IsSecretName(k) {
			continue
		}
		out = append(out, v)
		if uv, err := url.QueryUnescape(v); err == nil && uv != v {
			out = append(out, uv)
		}
	}
	return out
}
