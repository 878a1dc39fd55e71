//go:build linux

package engine

import "syscall"

// maxrssBytes converts ru_maxrss (KiB on Linux) to bytes.
func maxrssBytes(ru syscall.Rusage) int64 { return ru.Maxrss * 1024 }
