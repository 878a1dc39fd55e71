package lm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tokenize splits text into the model's tokens: runs of letters (with
// inner apostrophes and hyphens, as in "o'brien" or "follow-up"), lower-
// cased; runs of digits with inner '.' or ',' followed by a digit (as in
// 0.83 or 55,000); and every other non-space character on its own (".",
// ",", "$", "(" …). Whitespace only separates tokens.
func Tokenize(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
		case unicode.IsLetter(r):
			j := scanRun(text, i, unicode.IsLetter, "'-")
			out = append(out, strings.ToLower(text[i:j]))
			i = j
		case unicode.IsDigit(r):
			j := scanRun(text, i, unicode.IsDigit, ".,")
			out = append(out, text[i:j])
			i = j
		default:
			out = append(out, text[i:i+n])
			i += n
		}
	}
	return out
}

// scanRun returns the end of the run starting at i of runes accepted by
// class, where a rune in joiners also belongs to the run when a rune of
// class follows it.
func scanRun(text string, i int, class func(rune) bool, joiners string) int {
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if class(r) {
			i += n
			continue
		}
		if strings.ContainsRune(joiners, r) && i+n < len(text) {
			if next, _ := utf8.DecodeRuneInString(text[i+n:]); class(next) {
				i += n
				continue
			}
		}
		break
	}
	return i
}

// Piece is the text token tok adds after prev (the previous token, "" at
// the start of a text, EOS or BOS after a document boundary): the token
// with a leading space unless it is closing punctuation or follows an
// opening one, and capitalized at the start of a sentence. The pieces of a
// token sequence concatenated are its detokenized text.
func Piece(prev, tok string) string {
	switch tok {
	case EOS:
		return "\n"
	case BOS, Unknown:
		return ""
	}
	if prev == "" || prev == EOS || prev == BOS || prev == "." || prev == "!" || prev == "?" {
		tok = capitalize(tok)
	}
	if prev == "" || prev == EOS || prev == BOS || opensText(prev) || closesText(tok) {
		return tok
	}
	return " " + tok
}

// Detokenize joins tokens back into readable text (see Piece).
func Detokenize(tokens []string) string {
	var b strings.Builder
	prev := ""
	for _, t := range tokens {
		b.WriteString(Piece(prev, t))
		prev = t
	}
	return b.String()
}

func closesText(tok string) bool {
	switch tok {
	case ".", ",", ";", ":", "!", "?", ")", "%", "'":
		return true
	}
	return false
}

func opensText(tok string) bool { return tok == "(" || tok == "$" || tok == "#" }

func capitalize(tok string) string {
	r, n := utf8.DecodeRuneInString(tok)
	if !unicode.IsLower(r) {
		return tok
	}
	return string(unicode.ToUpper(r)) + tok[n:]
}
