//go:build unix && !linux

package engine

import "syscall"

// maxrssBytes converts ru_maxrss (bytes on the BSDs and macOS) to bytes.
func maxrssBytes(ru syscall.Rusage) int64 { return int64(ru.Maxrss) }
