package server

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// SyntaxError is malformed JSON in a request body (answered with 400).
type SyntaxError struct {
	// Offset is the byte offset of the problem in the body.
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte %d: %s", e.Offset, e.Msg)
}

// maxNestingDepth matches encoding/json: deeper bodies are malformed.
const maxNestingDepth = 10000

// kind is the type of a JSON value.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindBool
	kindNull
	kindObject
	kindArray
)

// scanner is an allocation-free JSON reader over a complete body. It
// accepts exactly what encoding/json accepts (RFC 8259 syntax; invalid
// UTF-8 inside strings is tolerated, as encoding/json does).
type scanner struct {
	b     []byte
	i     int
	depth int
}

func (s *scanner) fail(msg string) *SyntaxError { return &SyntaxError{Offset: s.i, Msg: msg} }

func (s *scanner) unexpected(context string) *SyntaxError {
	if s.i >= len(s.b) {
		return s.fail("unexpected end of JSON input")
	}
	return s.fail(fmt.Sprintf("invalid character %s %s", quoteChar(s.b[s.i]), context))
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= 0x7f:
		return strconv.QuoteRune(rune(c))
	default:
		return "'" + string(rune(c)) + "'"
	}
}

func (s *scanner) skipWS() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end (0 is never valid where a
// caller compares it).
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// expect consumes byte c (after whitespace).
func (s *scanner) expect(c byte, context string) *SyntaxError {
	s.skipWS()
	if s.peek() != c { // c is never 0, the end-of-input peek
		return s.unexpected(context)
	}
	s.i++
	return nil
}

// readString reads a string starting at the opening quote and returns its
// raw contents (between the quotes) and whether it holds escapes.
func (s *scanner) readString() (raw []byte, escaped bool, err *SyntaxError) {
	s.i++ // opening quote
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return nil, false, s.unexpected("")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				for range 4 {
					if s.i >= len(s.b) || !isHex(s.b[s.i]) {
						return nil, false, s.unexpected("in \\u hexadecimal character escape")
					}
					s.i++
				}
			default:
				return nil, false, s.unexpected("in string escape code")
			}
		case c < 0x20:
			return nil, false, s.unexpected("in string literal")
		default:
			s.i++
		}
	}
	return nil, false, s.fail("unexpected end of JSON input")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// readNumber reads a number per the JSON grammar and returns its bytes.
func (s *scanner) readNumber() ([]byte, *SyntaxError) {
	start := s.i
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		for s.i < len(s.b) && isDigit(s.b[s.i]) {
			s.i++
		}
	default:
		return nil, s.unexpected("in numeric literal")
	}
	if s.peek() == '.' {
		s.i++
		if !isDigit(s.peek()) {
			return nil, s.unexpected("after decimal point in numeric literal")
		}
		for s.i < len(s.b) && isDigit(s.b[s.i]) {
			s.i++
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !isDigit(s.peek()) {
			return nil, s.unexpected("in exponent of numeric literal")
		}
		for s.i < len(s.b) && isDigit(s.b[s.i]) {
			s.i++
		}
	}
	return s.b[start:s.i], nil
}

func (s *scanner) readLiteral(word string) *SyntaxError {
	for j := 0; j < len(word); j++ {
		if s.i >= len(s.b) || s.b[s.i] != word[j] {
			return s.unexpected("in literal " + word + " (expecting " + quoteChar(word[j]) + ")")
		}
		s.i++
	}
	return nil
}

// value reads any value (after whitespace). Scalars return their raw bytes
// (a string's contents without quotes); objects and arrays are validated
// and skipped.
func (s *scanner) value() (k kind, raw []byte, escaped bool, err *SyntaxError) {
	s.skipWS()
	switch c := s.peek(); {
	case s.i >= len(s.b):
		return 0, nil, false, s.fail("unexpected end of JSON input")
	case c == '"':
		raw, escaped, err = s.readString()
		return kindString, raw, escaped, err
	case c == '-' || isDigit(c):
		raw, err = s.readNumber()
		return kindNumber, raw, false, err
	case c == 't':
		return kindBool, nil, false, s.readLiteral("true")
	case c == 'f':
		return kindBool, nil, false, s.readLiteral("false")
	case c == 'n':
		return kindNull, nil, false, s.readLiteral("null")
	case c == '{':
		return kindObject, nil, false, s.skipObject()
	case c == '[':
		return kindArray, nil, false, s.skipArray()
	default:
		return 0, nil, false, s.unexpected("looking for beginning of value")
	}
}

func (s *scanner) push() *SyntaxError {
	s.depth++
	if s.depth > maxNestingDepth {
		return s.fail("exceeded max depth")
	}
	return nil
}

// objectFields iterates an object starting at '{', calling field with each
// key (raw, with its escaped flag); field must consume the value.
func (s *scanner) objectFields(field func(key []byte, escaped bool) *SyntaxError) *SyntaxError {
	if err := s.push(); err != nil {
		return err
	}
	s.i++ // '{'
	s.skipWS()
	if s.peek() == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		s.skipWS()
		if s.peek() != '"' {
			return s.unexpected("looking for beginning of object key string")
		}
		key, esc, err := s.readString()
		if err != nil {
			return err
		}
		if err := s.expect(':', "after object key"); err != nil {
			return err
		}
		if err := field(key, esc); err != nil {
			return err
		}
		s.skipWS()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return nil
		default:
			return s.unexpected("after object key:value pair")
		}
	}
}

// arrayItems iterates an array starting at '[', calling item with each
// index; item must consume the value.
func (s *scanner) arrayItems(item func(i int) *SyntaxError) *SyntaxError {
	if err := s.push(); err != nil {
		return err
	}
	s.i++ // '['
	s.skipWS()
	if s.peek() == ']' {
		s.i++
		s.depth--
		return nil
	}
	for n := 0; ; n++ {
		if err := item(n); err != nil {
			return err
		}
		s.skipWS()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return s.unexpected("after array element")
		}
	}
}

func (s *scanner) skipValue() *SyntaxError {
	_, _, _, err := s.value()
	return err
}

func (s *scanner) skipObject() *SyntaxError {
	return s.objectFields(func([]byte, bool) *SyntaxError { return s.skipValue() })
}

func (s *scanner) skipArray() *SyntaxError {
	return s.arrayItems(func(int) *SyntaxError { return s.skipValue() })
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() *SyntaxError {
	s.skipWS()
	if s.i < len(s.b) {
		return s.unexpected("after top-level value")
	}
	return nil
}

// unescape decodes a string's raw contents that hold escapes (rare path;
// allocates).
func unescape(raw []byte) string {
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var str string
	if err := json.Unmarshal(q, &str); err != nil {
		return string(raw) // unreachable: raw passed readString
	}
	return str
}

// parseNumber converts validated JSON number bytes to float64; values out
// of float64 range become ±Inf (or ±0 on underflow).
func parseNumber(raw []byte) float64 {
	if len(raw) > 0 && len(raw) <= 15 {
		var n int64
		ok := true
		for _, c := range raw {
			if !isDigit(c) {
				ok = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if ok {
			return float64(n)
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !math.IsInf(f, 0) && f != 0 {
		return math.NaN() // unreachable for validated numbers
	}
	return f
}
