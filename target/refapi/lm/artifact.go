package lm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// FormatV1 identifies version 1 of the artifact layout (see Encode).
const FormatV1 = "loadlab-ngram/1"

// Smoothing names the estimator Model applies to the counts.
const Smoothing = "interpolated-kneser-ney"

// magic opens every artifact file.
const magic = "LLNGRAM\x01"

// maxArtifactBytes bounds what Parse accepts (64 MiB).
const maxArtifactBytes = 64 << 20

// Info is the artifact's JSON header: what was trained and how.
type Info struct {
	Format string `json:"format"`
	// Version is "lm-ngram-" and the first 12 hex digits of the SHA-256
	// of the vocabulary and counts: it changes whenever the model does.
	Version   string `json:"version"`
	Order     int    `json:"order"`
	Smoothing string `json:"smoothing"`
	Seed      uint64 `json:"seed"`
	// Documents and LeadIDs are the corpus's CorpusConfig.
	Documents int `json:"documents"`
	LeadIDs   int `json:"lead_ids"`
	// Tokens counts the corpus's tokens, each document's </s> included.
	Tokens     int `json:"tokens"`
	Vocabulary int `json:"vocabulary"`
	Trigrams   int `json:"trigrams"`
}

// Artifact is a trained model as stored: the vocabulary (id = index) and
// every distinct trigram of the corpus, sorted, with its count. Lower
// orders are derived from the trigrams at load time: every corpus token
// has a full two-token context since documents start with <s> <s>.
type Artifact struct {
	Info     Info
	Vocab    []string
	Trigrams []Count
}

// Encode renders the artifact: magic "LLNGRAM\x01"; the JSON header's
// length (uvarint) and the header; the body — the vocabulary size, each
// word as length and bytes, the number of distinct contexts, and per
// context (sorted) the delta of its first id, its second id (delta to the
// previous context's when the first is equal), the number of followers
// and per follower (sorted) the delta of its id and its count, all
// uvarints —; then the SHA-256 of everything before it. It sets
// Info.Version from the body. The output depends only on the values.
func (a *Artifact) Encode() ([]byte, error) {
	body := a.encodeBody()
	sum := sha256.Sum256(body)
	a.Info.Version = "lm-ngram-" + hex.EncodeToString(sum[:6])
	a.Info.Format = FormatV1
	head, err := json.Marshal(a.Info)
	if err != nil {
		return nil, fmt.Errorf("encode artifact header: %w", err)
	}
	out := append([]byte(magic), binary.AppendUvarint(nil, uint64(len(head)))...)
	out = append(append(out, head...), body...)
	trailer := sha256.Sum256(out)
	return append(out, trailer[:]...), nil
}

func (a *Artifact) encodeBody() []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(a.Vocab)))
	for _, w := range a.Vocab {
		b = binary.AppendUvarint(b, uint64(len(w)))
		b = append(b, w...)
	}
	contexts := 0
	for i, g := range a.Trigrams {
		if i == 0 || g.Gram.A != a.Trigrams[i-1].Gram.A || g.Gram.B != a.Trigrams[i-1].Gram.B {
			contexts++
		}
	}
	b = binary.AppendUvarint(b, uint64(contexts))
	var prev trigram
	for i := 0; i < len(a.Trigrams); {
		g := a.Trigrams[i].Gram
		j := i
		for j < len(a.Trigrams) && a.Trigrams[j].Gram.A == g.A && a.Trigrams[j].Gram.B == g.B {
			j++
		}
		b = binary.AppendUvarint(b, uint64(g.A-prev.A))
		if g.A == prev.A && i > 0 {
			b = binary.AppendUvarint(b, uint64(g.B-prev.B))
		} else {
			b = binary.AppendUvarint(b, uint64(g.B))
		}
		b = binary.AppendUvarint(b, uint64(j-i))
		c := uint32(0)
		for _, f := range a.Trigrams[i:j] {
			b = binary.AppendUvarint(b, uint64(f.Gram.C-c))
			b = binary.AppendUvarint(b, uint64(f.N))
			c = f.Gram.C
		}
		prev, i = g, j
	}
	return b
}

// ParseArtifact decodes and validates an encoded artifact: magic, checksum,
// header (format, order, smoothing, sizes, version against the body), the
// vocabulary (the special tokens first, then distinct words that each
// tokenize to themselves), and the trigrams (strictly increasing, ids in
// range, never </s> in a context nor <s> predicted, counts ≥ 1, summing to
// the header's token count).
func ParseArtifact(data []byte) (*Artifact, error) {
	if len(data) > maxArtifactBytes {
		return nil, fmt.Errorf("artifact of %d bytes: over the %d-byte limit", len(data), maxArtifactBytes)
	}
	if len(data) < len(magic)+sha256.Size || string(data[:len(magic)]) != magic {
		return nil, errors.New("not a loadlab n-gram artifact: missing the LLNGRAM\\x01 magic (retrain with `make train`)")
	}
	payload, trailer := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], trailer) {
		return nil, errors.New("artifact checksum mismatch: the file is truncated or corrupt (retrain with `make train`)")
	}
	d := &decoder{b: payload[len(magic):]}
	head := d.bytes(d.uvarint("header length"), "header")
	if d.err != nil {
		return nil, d.err
	}
	a := &Artifact{}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a.Info); err != nil {
		return nil, fmt.Errorf("artifact header: %w", err)
	}
	in := a.Info
	if in.Format != FormatV1 || in.Order != Order || in.Smoothing != Smoothing {
		return nil, fmt.Errorf("artifact header: format %q, order %d, smoothing %q: want %q, %d, %q", in.Format, in.Order, in.Smoothing, FormatV1, Order, Smoothing)
	}
	body := d.b
	if err := a.decodeBody(d); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if v := "lm-ngram-" + hex.EncodeToString(sum[:6]); v != in.Version {
		return nil, fmt.Errorf("artifact header: version %q, but the body is %q", in.Version, v)
	}
	if len(a.Vocab) != in.Vocabulary || len(a.Trigrams) != in.Trigrams {
		return nil, fmt.Errorf("artifact header: %d words, %d trigrams; body has %d, %d", in.Vocabulary, in.Trigrams, len(a.Vocab), len(a.Trigrams))
	}
	total := 0
	for _, g := range a.Trigrams {
		total += int(g.N)
	}
	if total != in.Tokens {
		return nil, fmt.Errorf("artifact header: %d tokens, but the trigram counts sum to %d", in.Tokens, total)
	}
	return a, nil
}
