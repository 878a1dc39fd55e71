package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
)

// bodyFile is a body_file read whole: its resolved path and its bodies
// (one compacted JSON value per non-blank line), or the problem met
// reading it. Once read it is never modified, so copies of a Scenario
// share it.
type bodyFile struct {
	path  string
	lines [][]byte
	err   error
}

// loadInputs reads every body_file and prompts.file of s once, against
// s.Dir, so that validation finds a bad line before anything is deployed
// and the engine sends the bodies and prompts that were validated (see
// RequestSpec.bodies and RequestSpec.prompts).
func (s *Scenario) loadInputs() {
	for i := range s.Requests {
		q := &s.Requests[i]
		if q.BodyFile != "" {
			q.loaded = readBodyFile(q.BodyFile, resolvePath(s.Dir, q.BodyFile))
		}
		if q.Prompts != nil && q.Prompts.File != "" {
			q.loadedPrompts = readPromptFile(q.Prompts.File, resolvePath(s.Dir, q.Prompts.File))
		}
	}
}

// bodies returns q's body file resolved against dir: the copy read by
// loadInputs when it is the same file, else the file read now.
func (q RequestSpec) bodies(dir string) *bodyFile {
	path := resolvePath(dir, q.BodyFile)
	if q.loaded != nil && q.loaded.path == path {
		return q.loaded
	}
	return readBodyFile(q.BodyFile, path)
}

// readBodyFile reads the JSON-lines file at path (name as the scenario
// writes it); every problem names the file and, for a bad body, its line.
func readBodyFile(name, path string) *bodyFile {
	bf := &bodyFile{path: path}
	f, err := OpenInput(path)
	if err != nil {
		bf.err = fmt.Errorf("cannot read %q: %w", name, err)
		return bf
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, text); err != nil {
			bf.err = fmt.Errorf("%s:%d: invalid JSON: %v (each line holds one JSON body)", path, n, err)
			return bf
		}
		bf.lines = append(bf.lines, buf.Bytes())
	}
	switch {
	case sc.Err() != nil:
		bf.err = fmt.Errorf("read %s: %w (a line may be at most 64 MiB)", path, sc.Err())
	case len(bf.lines) == 0:
		bf.err = fmt.Errorf("%s: no bodies (want one JSON value per line)", path)
	}
	if bf.err != nil {
		bf.lines = nil
	}
	return bf
}

// targetsChecker parses a vegeta targets file; see RegisterTargetsChecker.
var targetsChecker func(path, format string) error

// RegisterTargetsChecker sets the function Validate uses to parse a
// targets_file whole (path resolved, format "http" or "json") and report
// its first problem as "path:line: what". scenarios/engine, the only
// package that reads targets files (with vegeta), registers it when it is
// imported; without it Validate only checks that the file can be read.
// Call it from an init function.
func RegisterTargetsChecker(check func(path, format string) error) { targetsChecker = check }
