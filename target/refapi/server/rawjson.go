package server

import (
	"bytes"
	"encoding/json"
	"iter"
)

// This file walks JSON that json.Valid has accepted, without decoding
// it: finding a member or counting a list's items costs one pass over the
// bytes and no allocation, whatever the body holds. Every function assumes
// well-formed input and may panic on anything else.

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space (len(b) if none).
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string whose opening quote
// is b[i].
func stringEnd(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte; longer escapes hold no quote
		case '"':
			return i + 1
		}
	}
}

// valueEnd returns the index just past the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) { // a number or a literal: up to a delimiter
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// items yields the values of the array or object container (without
// surrounding space); for an object, key is each member's key as it is
// written, quotes and escapes included, and nil for an array.
func items(container []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		i := skipSpace(container, 1)
		if c := container[i]; c == ']' || c == '}' {
			return
		}
		for {
			var key []byte
			if container[0] == '{' {
				end := stringEnd(container, i)
				key = container[i:end]
				i = skipSpace(container, skipSpace(container, end)+1) // past ':'
			}
			end := valueEnd(container, i)
			if !yield(key, container[i:end]) {
				return
			}
			i = skipSpace(container, end)
			if container[i] != ',' {
				return
			}
			i = skipSpace(container, i+1)
		}
	}
}

// countItems returns the number of values in the array container.
func countItems(container []byte) int {
	n := 0
	for range items(container) {
		n++
	}
	return n
}

// keyText returns the text of a written key (quoted, maybe escaped):
// the bytes between its quotes, or its decoded text when it has escapes.
func keyText(key []byte) []byte {
	if bytes.IndexByte(key, '\\') < 0 {
		return key[1 : len(key)-1]
	}
	var s string
	if err := json.Unmarshal(key, &s); err != nil {
		panic("a well-formed key did not decode: " + err.Error()) // unreachable
	}
	return []byte(s)
}

// lookup sets values[j] to the value of the object's last member whose
// key is exactly names[j] (as in pydantic, unlike encoding/json's
// case-insensitive struct fields; of duplicate keys the last wins), and
// to nil when there is none. Other members are skipped.
func lookup(object []byte, names []string, values [][]byte) {
	clear(values)
	for key, value := range items(object) {
		text := keyText(key)
		for j, name := range names {
			if string(text) == name {
				values[j] = value
				break
			}
		}
	}
}
