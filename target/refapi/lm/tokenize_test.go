package lm

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{"  \n\t", nil},
		{"Lead 4812 scored 0.83.", []string{"lead", "4812", "scored", "0.83", "."}},
		{"a $55,000 salary (high), O'Brien's follow-up!", []string{"a", "$", "55,000", "salary", "(", "high", ")", ",", "o'brien's", "follow-up", "!"}},
		{"Ünïcode ÉTÉ 3,", []string{"ünïcode", "été", "3", ","}},
		{"end- 'quote' 1.2.3", []string{"end", "-", "'", "quote", "'", "1.2.3"}},
	} {
		if got := Tokenize(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestDetokenize(t *testing.T) {
	for _, tc := range []struct {
		tokens []string
		want   string
	}{
		{nil, ""},
		{[]string{"lead", "42", "scored", "0.83", ".", "call", "them", "today", "."}, "Lead 42 scored 0.83. Call them today."},
		{[]string{"a", "$", "55,000", "salary", "(", "high", ")", ",", "ok"}, "A $55,000 salary (high), ok"},
		{[]string{"done", EOS, "next"}, "Done\nNext"},
		{[]string{BOS, "x", Unknown, "y"}, "X y"},
	} {
		if got := Detokenize(tc.tokens); got != tc.want {
			t.Errorf("Detokenize(%q) = %q, want %q", tc.tokens, got, tc.want)
		}
	}
}

// TestCorpusRoundTrip: every corpus document tokenizes and detokenizes back
// to itself but for the capitals at sentence starts.
func TestCorpusRoundTrip(t *testing.T) {
	cfg := DefaultCorpus()
	cfg.Documents = 200
	for _, d := range Corpus(cfg) {
		got := Detokenize(Tokenize(d))
		if len(got) != len(d) {
			t.Fatalf("round trip changed the length:\n%s\n%s", d, got)
		}
		if lower := Tokenize(got); !slices.Equal(lower, Tokenize(d)) {
			t.Fatalf("round trip changed the tokens:\n%s\n%s", d, got)
		}
	}
}
