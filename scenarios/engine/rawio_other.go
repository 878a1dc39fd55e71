//go:build !unix

package engine

import (
	"net"
	"syscall"
)

// rawSocket is nil on this platform: every connection reads and writes
// through its own Read and Write.
func rawSocket(net.Conn) syscall.RawConn { return nil }

// rawWrite is never called on this platform (rawSocket is nil).
func rawWrite(c net.Conn, _ syscall.RawConn, b []byte) (int, error) { return c.Write(b) }

// rawRead is never called on this platform (rawSocket is nil).
func rawRead(c net.Conn, _ syscall.RawConn, b []byte) (int, error) { return c.Read(b) }
