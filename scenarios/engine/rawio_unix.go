//go:build unix

package engine

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Raw socket I/O. A read or write on a non-blocking socket never blocks in
// the kernel, but through net.Conn the scheduler treats it as a system
// call that might: entering one wakes the runtime's monitor thread when it
// sleeps (which it does whenever the process was idle, as an open loop is
// between its sends), and the woken monitor then polls every 20 µs and
// hands the P to another thread during any write longer than that (a
// loopback write runs the peer's receive path and takes tens of
// microseconds). At a paced rate that costs more CPU than the requests.
// rawRead and rawWrite make the same calls with syscall.RawSyscall, which
// the scheduler does not see, and wait in the netpoller as net.Conn does
// while the socket is not ready; they fail as net.Conn's Read and Write
// do, with the same errors (deadline, closed connection, reset, EOF).

// rawSocket returns the raw connection through which a plain TCP
// connection's reads and writes go, or nil for any other connection (TLS),
// which uses its own Read and Write.
func rawSocket(c net.Conn) syscall.RawConn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// rawWrite writes b to the socket behind rc, the connection c.
func rawWrite(c net.Conn, rc syscall.RawConn, b []byte) (int, error) {
	n := 0
	var werr error
	err := rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			k, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n))
			switch e {
			case 0:
				n += int(k)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false
			default:
				werr = os.NewSyscallError("write", e)
				return true
			}
		}
		return true
	})
	if err = ioError(err, werr); err != nil {
		return n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, nil
}

// rawRead reads into b from the socket behind rc, the connection c: at
// least one byte, or io.EOF once the peer closed its side.
func rawRead(c net.Conn, rc syscall.RawConn, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n := 0
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		for {
			k, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch e {
			case 0:
				n = int(k)
				if n == 0 {
					rerr = io.EOF
				}
				return true
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false
			default:
				rerr = os.NewSyscallError("read", e)
				return true
			}
		}
	})
	if err = ioError(err, rerr); err != nil && err != io.EOF {
		return n, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, err
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
