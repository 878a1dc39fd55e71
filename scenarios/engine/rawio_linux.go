//go:build linux

package engine

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawSock reads and writes a plain TCP connection with raw system calls.
// A read or write on a non-blocking socket never blocks in the kernel, but
// through net.Conn the scheduler treats it as a system call that might:
// entering one wakes the runtime's monitor thread when it sleeps (which it
// does whenever the process was idle, as an open loop is between its
// sends), and the woken monitor then polls every 20 µs and hands the P to
// another thread during any write longer than that (a loopback write runs
// the peer's receive path and takes tens of microseconds). At a paced rate
// that costs more CPU than the requests. rawSock makes the same calls with
// syscall.RawSyscall, which the scheduler does not see, waits in the
// netpoller as net.Conn does while the socket is not ready, and fails as
// net.Conn's Read and Write do, with the same errors (deadline, closed
// connection, reset, EOF). Like a net.Conn it allows one read and one
// write at a time; its callbacks are bound once, so a call allocates
// nothing.
type rawSock struct {
	c  net.Conn
	rc syscall.RawConn

	rbuf, wbuf      []byte // the caller's buffers during a read, a write
	rn, wn          int    // bytes read, written
	rerr, werr      error  // the system call's error
	readFn, writeFn func(fd uintptr) bool
}

// newRawSock returns the raw socket of a plain TCP connection, or nil for
// any other connection (TLS), which uses its own Read and Write.
func newRawSock(c net.Conn) *rawSock {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	s := &rawSock{c: c, rc: rc}
	s.readFn, s.writeFn = s.readOnce, s.writeAll
	return s
}

// write writes b.
func (s *rawSock) write(b []byte) (int, error) {
	s.wbuf, s.wn, s.werr = b, 0, nil
	err := ioError(s.rc.Write(s.writeFn), s.werr)
	n := s.wn
	s.wbuf, s.werr = nil, nil
	if err != nil {
		return n, &net.OpError{Op: "write", Net: "tcp", Source: s.c.LocalAddr(), Addr: s.c.RemoteAddr(), Err: err}
	}
	return n, nil
}

// writeAll writes the rest of wbuf to fd; false: the socket buffer is
// full, wait.
func (s *rawSock) writeAll(fd uintptr) bool {
	for s.wn < len(s.wbuf) {
		k, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&s.wbuf[s.wn])), uintptr(len(s.wbuf)-s.wn))
		switch e {
		case 0:
			s.wn += int(k)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.werr = os.NewSyscallError("write", e)
			return true
		}
	}
	return true
}

// read reads into b: at least one byte, or io.EOF once the peer closed
// its side.
func (s *rawSock) read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	s.rbuf, s.rn, s.rerr = b, 0, nil
	err := ioError(s.rc.Read(s.readFn), s.rerr)
	n := s.rn
	s.rbuf, s.rerr = nil, nil
	if err != nil && err != io.EOF {
		return n, &net.OpError{Op: "read", Net: "tcp", Source: s.c.LocalAddr(), Addr: s.c.RemoteAddr(), Err: err}
	}
	return n, err
}

// readOnce reads once from fd into rbuf; false: nothing to read yet, wait.
func (s *rawSock) readOnce(fd uintptr) bool {
	for {
		k, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&s.rbuf[0])), uintptr(len(s.rbuf)))
		switch e {
		case 0:
			s.rn = int(k)
			if s.rn == 0 {
				s.rerr = io.EOF
			}
			return true
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.rerr = os.NewSyscallError("read", e)
			return true
		}
	}
}

// ioError is the error of a raw read or write: the netpoller's (deadline,
// closed connection) as net.Conn reports it, else the call's own.
func ioError(pollErr, callErr error) error {
	if pollErr != nil {
		if oe, ok := pollErr.(*net.OpError); ok {
			return oe.Err
		}
		return pollErr
	}
	return callErr
}
