//go:build !unix

package engine

import (
	"net"
	"time"
)

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }

// rssBytes is not measured on this platform.
func rssBytes() int64 { return 0 }

// peerClosed cannot be checked on this platform; a stale connection shows
// up as an error on its next request.
func peerClosed(net.Conn) bool { return false }
