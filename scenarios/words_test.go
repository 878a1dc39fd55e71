package scenarios

import (
	"strings"
	"testing"
)

// TestPromptWords: the list holds 256 distinct lower-case ASCII words of
// at most maxWordLen letters, so they need no JSON escaping and
// wordsRoom bounds the text.
func TestPromptWords(t *testing.T) {
	seen := map[string]bool{}
	longest := 0
	for _, w := range promptWords {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" || seen[w] {
			t.Errorf("word %q: empty, not lower-case ASCII, or repeated", w)
		}
		seen[w] = true
		longest = max(longest, len(w))
	}
	if longest != maxWordLen {
		t.Errorf("longest word %d letters, maxWordLen %d", longest, maxWordLen)
	}
}

// TestAppendWords: the text is n words of the list separated by single
// spaces, the same for the same seed, appended after what dst holds,
// within wordsRoom(n) and in one growth at most.
func TestAppendWords(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 256, 1000} {
		a := appendWords([]byte("prefix:"), 99, n)
		b := appendWords(nil, 99, n)
		if string(a) != "prefix:"+string(b) {
			t.Fatalf("n=%d: %q vs %q", n, a, b)
		}
		if len(b) > wordsRoom(n) {
			t.Errorf("n=%d: %d bytes, room %d", n, len(b), wordsRoom(n))
		}
		text := string(b)
		if n == 0 {
			if text != "" {
				t.Errorf("n=0: %q", text)
			}
			continue
		}
		words := strings.Split(text, " ")
		if len(words) != n || countWords(text) != n {
			t.Errorf("n=%d: %d words in %q", n, len(words), text)
		}
		// The reference: a byte of each draw per word, low byte first.
		r := rng{s: 99}
		var bits uint64
		for i, w := range words {
			if i%8 == 0 {
				bits = r.next()
			}
			if want := promptWords[byte(bits)]; w != want {
				t.Fatalf("n=%d: word %d is %q, want %q", n, i, w, want)
			}
			bits >>= 8
		}
		if c := appendWords(make([]byte, 0, wordsRoom(n)), 99, n); cap(c) != wordsRoom(n) {
			t.Errorf("n=%d: grew a buffer of wordsRoom", n)
		}
	}
	if string(appendWords(nil, 1, 50)) == string(appendWords(nil, 2, 50)) {
		t.Error("seeds 1 and 2 gave the same text")
	}
}
