package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// promptFile is a prompts dataset (Prompts.File) read whole: its resolved
// path and its lines, or the problems met reading it, each naming the
// file and, for a bad line, the line (then lines is nil). Once read it is
// never modified, so copies of a Scenario share it.
type promptFile struct {
	path  string
	lines []promptLine
	errs  []error
}

// promptLine is one prompt of a dataset, ready to append to a body.
type promptLine struct {
	// prompt is the prompt as a JSON string, quotes included; for a
	// messages line, the messages' contents joined by blank lines.
	prompt []byte
	// messages is the line's messages as a compact JSON array of
	// {"role", "content"} objects, or nil for a prompt line.
	messages []byte
	// words is the prompt's length in words (of all contents for
	// messages); output the line's target output length, 0 when none.
	words, output int
}

// maxPromptErrors is how many bad lines of a dataset are reported one by
// one; the rest are counted.
const maxPromptErrors = 10

const promptLineForm = `want {"prompt": "..."} or {"messages": [{"role": "user", "content": "..."}]}, optionally with "output_tokens": N`

// prompts returns q's prompts dataset resolved against dir: the copy read
// by loadInputs when it is the same file, else the file read now.
func (q RequestSpec) prompts(dir string) *promptFile {
	path := resolvePath(dir, q.Prompts.File)
	if q.loadedPrompts != nil && q.loadedPrompts.path == path {
		return q.loadedPrompts
	}
	return readPromptFile(q.Prompts.File, path)
}

// readPromptFile reads the dataset at path (name as the scenario writes
// it), reporting every bad line (the first maxPromptErrors by number).
func readPromptFile(name, path string) *promptFile {
	pf := &promptFile{path: path}
	f, err := OpenInput(path)
	if err != nil {
		pf.errs = []error{fmt.Errorf("cannot read %q: %w", name, err)}
		return pf
	}
	defer f.Close()
	return parsePrompts(path, f)
}

// parsePrompts reads a dataset from r; path names it in errors.
func parsePrompts(path string, r io.Reader) *promptFile {
	pf := &promptFile{path: path}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	bad := 0
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		l, err := parsePromptLine(text)
		if err != nil {
			if bad++; bad <= maxPromptErrors {
				pf.errs = append(pf.errs, fmt.Errorf("%s:%d: %w", path, n, err))
			}
			continue
		}
		pf.lines = append(pf.lines, l)
	}
	if bad > maxPromptErrors {
		pf.errs = append(pf.errs, fmt.Errorf("%s: %d more bad lines", path, bad-maxPromptErrors))
	}
	switch {
	case sc.Err() != nil:
		pf.errs = append(pf.errs, fmt.Errorf("read %s: %w (a line may be at most 64 MiB)", path, sc.Err()))
	case len(pf.lines) == 0 && bad == 0:
		pf.errs = append(pf.errs, fmt.Errorf("%s: no prompts (one JSON object per line: %s)", path, promptLineForm))
	}
	if len(pf.errs) > 0 {
		pf.lines = nil
	}
	return pf
}

// parsePromptLine reads one non-blank dataset line; its error says what
// is wrong and how to write the line.
func parsePromptLine(text []byte) (promptLine, error) {
	var l promptLine
	var fields map[string]json.RawMessage
	if text[0] != '{' {
		return l, fmt.Errorf("not a JSON object: %s", promptLineForm)
	}
	if err := json.Unmarshal(text, &fields); err != nil {
		return l, fmt.Errorf("invalid JSON: %v (each line holds one JSON object)", err)
	}
	rawP, hasP := fields["prompt"]
	rawM, hasM := fields["messages"]
	switch {
	case hasP && hasM:
		return l, errors.New(`has both "prompt" and "messages": keep one`)
	case hasP:
		var s string
		if err := json.Unmarshal(rawP, &s); err != nil || isNull(rawP) {
			return l, fmt.Errorf(`"prompt" must be a JSON string (got %s)`, clip(rawP))
		}
		if s == "" {
			return l, errors.New(`"prompt" is empty: give it some text, or drop the line`)
		}
		l.prompt, l.words = jsonText(s), countWords(s)
	case hasM:
		var err error
		if l.messages, l.prompt, l.words, err = parseMessages(rawM); err != nil {
			return l, err
		}
	default:
		return l, fmt.Errorf(`neither "prompt" nor "messages": %s`, promptLineForm)
	}
	rawO, hasO := fields["output_tokens"]
	rawX, hasX := fields["max_tokens"]
	switch {
	case hasO && hasX:
		return l, errors.New(`has both "output_tokens" and "max_tokens", which are synonyms: keep one`)
	case hasX:
		rawO, hasO = rawX, true
	}
	if hasO {
		var n int64
		if err := json.Unmarshal(rawO, &n); err != nil || n < 1 || n > MaxPromptTokens || isNull(rawO) {
			key := "output_tokens"
			if hasX {
				key = "max_tokens"
			}
			return l, fmt.Errorf(`"%s" must be a whole number in 1..%d, the target output length in tokens (got %s)`, key, MaxPromptTokens, clip(rawO))
		}
		l.output = int(n)
	}
	return l, nil
}

// parseMessages reads a "messages" value: the compact JSON array of its
// role and content pairs, the contents joined by blank lines as a JSON
// string, and the words of all contents.
func parseMessages(raw json.RawMessage) (messages, prompt []byte, words int, err error) {
	var msgs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &msgs); err != nil || isNull(raw) {
		return nil, nil, 0, fmt.Errorf(`"messages" must be a list of {"role": "...", "content": "..."} objects (got %s)`, clip(raw))
	}
	if len(msgs) == 0 {
		return nil, nil, 0, errors.New(`"messages" is empty: want at least one {"role": "user", "content": "..."}`)
	}
	var contents []string
	messages = append(messages, '[')
	for i, m := range msgs {
		var role, content string
		if err := json.Unmarshal(m["role"], &role); err != nil || role == "" {
			return nil, nil, 0, fmt.Errorf(`messages[%d]: "role" must be a non-empty string such as "user" (got %s)`, i, clip(m["role"]))
		}
		if err := json.Unmarshal(m["content"], &content); err != nil || isNull(m["content"]) {
			return nil, nil, 0, fmt.Errorf(`messages[%d]: "content" must be a string (got %s)`, i, clip(m["content"]))
		}
		if i > 0 {
			messages = append(messages, ',')
		}
		messages = append(messages, `{"role":`...)
		messages = append(messages, jsonText(role)...)
		messages = append(messages, `,"content":`...)
		messages = append(messages, jsonText(content)...)
		messages = append(messages, '}')
		contents = append(contents, content)
		words += countWords(content)
	}
	messages = append(messages, ']')
	return messages, jsonText(strings.Join(contents, "\n\n")), words, nil
}

// isNull reports a JSON null, which json.Unmarshal accepts into any type
// without a word.
func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// clip shows a JSON value in a message: at most 40 bytes of it, and
// "nothing" for an absent one.
func clip(raw json.RawMessage) string {
	switch {
	case raw == nil:
		return "nothing"
	case len(raw) > 40:
		end := 40
		for end > 0 && !utf8.RuneStart(raw[end]) {
			end--
		}
		return string(raw[:end]) + "…"
	}
	return string(raw)
}

// countWords is the number of whitespace-separated words of s.
func countWords(s string) int {
	n, in := 0, false
	for _, c := range s {
		if unicode.IsSpace(c) {
			in = false
		} else if !in {
			in, n = true, n+1
		}
	}
	return n
}
