package docker

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// sanitize maps s onto the characters Docker accepts in container and
// network names ([a-zA-Z0-9_.-], not starting with a separator).
func sanitize(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.TrimLeft(b.String(), "-_.")
	if out == "" {
		return "x"
	}
	return out
}

// token is a short random hex string that tells deployments of the same
// run and configuration (repeats) apart.
func token() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
