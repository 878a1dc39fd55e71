package local

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// logLines is how many output lines a replica's error carries.
const logLines = 20

// tailBuffer is an io.Writer that keeps the last n complete lines written
// to it (plus a pending partial line). It is safe for concurrent use.
type tailBuffer struct {
	mu      sync.Mutex
	n       int
	lines   []string
	partial []byte
	// sawAddrInUse remembers the bind failure even if it scrolls out.
	seen map[string]bool
}

func newTailBuffer(n int) *tailBuffer { return &tailBuffer{n: n, seen: map[string]bool{}} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.push(string(bytes.TrimRight(t.partial[:i], "\r")))
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) > 64<<10 { // an endless line: keep its start
		t.push(string(t.partial[:64<<10]))
		t.partial = t.partial[:0]
	}
	return len(p), nil
}

func (t *tailBuffer) push(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	if strings.Contains(line, "address already in use") {
		t.seen["address already in use"] = true
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > t.n {
		t.lines = slices.Delete(t.lines, 0, len(t.lines)-t.n)
	}
}

// Lines returns the last lines, oldest first, including a partial one.
func (t *tailBuffer) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := slices.Clone(t.lines)
	if len(bytes.TrimSpace(t.partial)) > 0 {
		out = append(out, string(t.partial))
	}
	if len(out) > t.n {
		out = out[len(out)-t.n:]
	}
	return out
}

// Contains reports whether any line written so far contained s (only
// tracked for the markers push looks for) or a kept line does.
func (t *tailBuffer) Contains(s string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[s] {
		return true
	}
	for _, l := range t.lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return strings.Contains(string(t.partial), s)
}
