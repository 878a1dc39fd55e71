// Package redact is the one place that decides what a secret looks like and
// how it is hidden: every writer of a results folder, a log line or a
// console message passes what may carry a URL, a path, a header, an
// environment value or an error text through it. It imports nothing of
// loadlab, so that every package can use it.
//
// What is redacted, always replaced by Mask:
//   - URL user info: "http://user:pass@host" becomes "http://<redacted>@host";
//   - values of query parameters whose names look secret (see IsSecretName),
//     in URLs, in request paths and anywhere in free text;
//   - values of headers that carry credentials (see IsSecretHeader);
//   - environment values, except those of names the user marks public
//     (see Env);
//   - in free text, every known secret value handed to New (environment
//     values, header values, query values), e.g. an API's log line that
//     echoes its configuration.
package redact

import (
	"slices"
	"strings"
)

// Mask replaces every secret.
const Mask = "<redacted>"

// secretWords are the substrings of a header or query parameter name
// (lowercased) that mark its value as a credential.
var secretWords = []string{
	"key", "token", "secret", "password", "passwd", "pwd", "signature",
	"auth", "credential", "cookie", "session",
}

// IsSecretName reports whether a query parameter (or header) name looks
// like it carries a credential: it contains key, token, secret, password,
// passwd, pwd, signature, auth, credential, cookie or session, in any
// case (api_key, X-Api-Key, access_token, X-Amz-Signature, sessionid…).
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// IsSecretHeader reports whether a header's value is a credential and is
// never written: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// and every header whose name IsSecretName (X-Api-Key, X-Auth-Token…).
func IsSecretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	return IsSecretName(name)
}

// Header returns value, or Mask when the header carries a credential.
func Header(name, value string) string {
	if IsSecretHeader(name) {
		return Mask
	}
	return value
}

// Env returns a copy of env with every value replaced by Mask except those
// whose names are listed in public (exact names, as in the environment).
// Environment values are secret by default: API keys and database
// passwords travel there.
func Env(env map[string]string, public []string) map[string]string {
	if env == nil {
		return nil
	}
	out := make(map[string]string, len(env))
	for k, v := range env {
		if slices.Contains(public, k) {
			out[k] = v
		} else {
			out[k] = Mask
		}
	}
	return out
}
