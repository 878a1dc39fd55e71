package lm

import (
	"bytes"
	"crypto/sha256"
	"os"
	"strings"
	"testing"
)

// TestCheckedInArtifactIsReproducible: training on the default corpus gives
// exactly the embedded lm.bin, so `make train` regenerates it byte for byte.
func TestCheckedInArtifactIsReproducible(t *testing.T) {
	a, err := Train(DefaultCorpus())
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, embeddedArtifact) {
		t.Fatalf("Train(DefaultCorpus()) gives %d bytes (%s), lm.bin holds %d: run `make train`", len(b), a.Info.Version, len(embeddedArtifact))
	}
	if len(b) > 3<<20 {
		t.Fatalf("artifact of %d bytes, want ≤ 3 MiB", len(b))
	}
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if in := m.Info(); in.Vocabulary < 2000 || in.Tokens < 1_000_000 || in.Trigrams != len(a.Trigrams) {
		t.Fatalf("embedded model %+v: want ≥ 2,000 words and ≥ 1M tokens", in)
	}
}

func TestTrainDeterministicPerSeed(t *testing.T) {
	encode := func(seed uint64) []byte {
		a, err := Train(CorpusConfig{Seed: seed, Documents: 300, LeadIDs: 50})
		if err != nil {
			t.Fatal(err)
		}
		b, err := a.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(encode(1), encode(1)) {
		t.Fatal("the same seed gave two different artifacts")
	}
	if bytes.Equal(encode(1), encode(2)) {
		t.Fatal("two seeds gave the same artifact")
	}
	if _, err := Train(CorpusConfig{Seed: 1}); err == nil {
		t.Fatal("Train accepted an empty corpus")
	}
}

// resealed re-checksums a payload so that only the content checks can
// reject it.
func resealed(payload []byte) []byte {
	sum := sha256.Sum256(payload)
	return append(append([]byte(nil), payload...), sum[:]...)
}

func TestParseRejects(t *testing.T) {
	a, err := Train(CorpusConfig{Seed: 3, Documents: 50, LeadIDs: 10})
	if err != nil {
		t.Fatal(err)
	}
	good, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("a fresh artifact: %v", err)
	}
	payload := good[:len(good)-sha256.Size]
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	dup := *a
	dup.Vocab = append([]string(nil), a.Vocab...)
	dup.Vocab[4] = dup.Vocab[3]
	dupBytes, _ := dup.Encode()
	twoTokens := *a
	twoTokens.Vocab = append([]string(nil), a.Vocab...)
	twoTokens.Vocab[3] = "two words"
	twoBytes, _ := twoTokens.Encode()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":          {nil, "magic"},
		"json":           {[]byte(`{"format":"loadlab-ngram/1"}` + strings.Repeat(" ", 40)), "magic"},
		"flipped byte":   {flipped, "checksum"},
		"truncated":      {resealed(payload[:len(payload)-3]), "artifact"},
		"trailing bytes": {resealed(append(bytes.Clone(payload), 0)), "trailing"},
		"duplicate word": {dupBytes, "twice"},
		"not one token":  {twoBytes, "not one token"},
	} {
		if _, err := Parse(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
	if _, err := Load("/nonexistent/lm.bin"); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
