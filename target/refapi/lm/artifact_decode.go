package lm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// maxVocabulary keeps ids packable into 21 bits (see key).
const maxVocabulary = 1 << 21

// decoder reads uvarints and byte strings, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("artifact: truncated or invalid number (%s)", what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n uint64, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("artifact: %s of %d bytes runs past the end", what, n)
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

// decodeBody reads the vocabulary and the trigrams (see Encode) and checks
// them (see ParseArtifact).
func (a *Artifact) decodeBody(d *decoder) error {
	v := d.uvarint("vocabulary size")
	if d.err == nil && (v < uint64(numSpecial) || v > maxVocabulary) {
		return fmt.Errorf("artifact: vocabulary of %d words, want %d–%d", v, numSpecial, maxVocabulary)
	}
	seen := make(map[string]bool, v)
	for i := uint64(0); i < v && d.err == nil; i++ {
		w := string(d.bytes(d.uvarint("word length"), "word"))
		if d.err != nil {
			break
		}
		switch {
		case i < uint64(numSpecial):
			if want := [...]string{Unknown, BOS, EOS}[i]; w != want {
				return fmt.Errorf("artifact: word %d is %q, want the special token %q", i, w, want)
			}
		case seen[w]:
			return fmt.Errorf("artifact: word %d %q appears twice", i, w)
		default:
			if t := Tokenize(w); len(t) != 1 || t[0] != w {
				return fmt.Errorf("artifact: word %d %q is not one token of the tokenizer", i, w)
			}
		}
		seen[w] = true
		a.Vocab = append(a.Vocab, w)
	}
	contexts := d.uvarint("context count")
	var prev trigram
	for i := uint64(0); i < contexts && d.err == nil; i++ {
		g := trigram{A: prev.A + uint32(d.uvarint("context"))}
		if g.A == prev.A && i > 0 {
			g.B = prev.B + uint32(d.uvarint("context"))
		} else {
			g.B = uint32(d.uvarint("context"))
		}
		if d.err == nil && (i > 0 && g.compare(trigram{prev.A, prev.B, 0}) <= 0 || g.A >= uint32(v) || g.B >= uint32(v) || g.A == idEOS || g.B == idEOS) {
			return fmt.Errorf("artifact: context %d (%d, %d) out of order or invalid", i, g.A, g.B)
		}
		followers := d.uvarint("follower count")
		if d.err == nil && (followers == 0 || followers > uint64(v)) {
			return fmt.Errorf("artifact: context %d has %d followers, want 1–%d", i, followers, v)
		}
		for j := uint64(0); j < followers && d.err == nil; j++ {
			delta := d.uvarint("follower")
			g.C += uint32(delta)
			n := d.uvarint("count")
			if d.err == nil && (j > 0 && delta == 0 || g.C >= uint32(v) || g.C == idBOS || n == 0 || n > 1<<32-1) {
				return fmt.Errorf("artifact: trigram (%d, %d, %d) count %d out of order or invalid", g.A, g.B, g.C, n)
			}
			a.Trigrams = append(a.Trigrams, Count{Gram: g, N: uint32(n)})
		}
		prev = g
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return errors.New("artifact: trailing bytes after the trigrams")
	}
	return nil
}
