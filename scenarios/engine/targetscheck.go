package engine

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadlab/loadlab/scenarios"
)

// Validate parses targets files whole with CheckTargetsFile, so that a
// bad target is found before anything is deployed.
func init() { scenarios.RegisterTargetsChecker(CheckTargetsFile) }

// CheckTargetsFile parses the vegeta targets file at path in format "http"
// (or "") or "json" as NewTargetsSource does, and returns its first
// problem as "path:line: what" when the line is known, else "path: what".
func CheckTargetsFile(path, format string) error {
	data, err := scenarios.ReadInput(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	lines := strings.Split(string(data), "\n")
	switch format {
	case "", vegeta.HTTPTargetFormat:
		tr := vegeta.NewHTTPTargeter(bytes.NewReader(resolveBodyRefs(data, filepath.Dir(path))), nil, nil)
		if _, err := vegeta.ReadAllTargets(tr); err != nil && !errors.Is(err, vegeta.ErrNoTargets) {
			return atLine(path, httpBadLine(lines, err.Error()), err)
		}
	case vegeta.JSONTargetFormat:
		for i, l := range lines {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if _, err := vegeta.ReadAllTargets(vegeta.NewJSONTargeter(strings.NewReader(l+"\n"), nil, nil)); err != nil {
				return atLine(path, i+1, err)
			}
		}
	}
	if _, err := NewTargetsSource(path, format); err != nil {
		if errors.Is(err, vegeta.ErrNoTargets) || strings.Contains(err.Error(), "no targets") {
			return fmt.Errorf("%s: no targets (want lines like \"GET http://host/path\" for format http, or JSON objects with method and url for format json)", path)
		}
		return err
	}
	return nil
}

// atLine renders err at line n of path (0: unknown).
func atLine(path string, n int, err error) error {
	if n > 0 {
		return fmt.Errorf("%s:%d: %w", path, n, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// httpBadLine finds the line of an http-format targets file that vegeta's
// message (which quotes the line, or its method, URL or body file) is
// about; 0 when none matches.
func httpBadLine(lines []string, msg string) int {
	for _, kind := range []string{"bad target: ", "bad header: ", "bad method: ", "bad URL: ", "bad body: "} {
		quoted, ok := strings.CutPrefix(msg, kind)
		if !ok {
			continue
		}
		if kind == "bad URL: " {
			quoted, _, _ = strings.Cut(quoted, ", ")
		}
		for i, l := range lines {
			t := strings.TrimSpace(l)
			method, rest, _ := strings.Cut(t, " ")
			switch {
			case t == "" || t[0] == '#':
			case (kind == "bad target: " || kind == "bad header: ") && t == quoted,
				kind == "bad method: " && method == quoted && rest != "",
				kind == "bad URL: " && rest == quoted,
				kind == "bad body: " && strings.HasPrefix(t, "@") && strings.Contains(quoted, filepath.Base(t[1:])+":"):
				return i + 1
			}
		}
	}
	return 0
}
