//go:build !linux

package engine

import "net"

// rawSock is used on Linux only (elsewhere raw system calls are
// restricted or go through libc anyway): every connection reads and writes
// through its own Read and Write.
type rawSock struct{}

// newRawSock is nil on this platform.
func newRawSock(net.Conn) *rawSock { return nil }

func (*rawSock) read([]byte) (int, error)  { panic("engine: raw socket I/O on a platform without it") }
func (*rawSock) write([]byte) (int, error) { panic("engine: raw socket I/O on a platform without it") }
