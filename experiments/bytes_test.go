package experiments

import "testing"

func TestParseBytes(t *testing.T) {
	good := map[string]Bytes{
		"512m": 512 << 20, "1g": 1 << 30, "1G": 1 << 30, "1GiB": 1 << 30, "1.5g": 3 << 29,
		"256MiB": 256 << 20, "64k": 64 << 10, "1048576": 1 << 20, "6m": 6 << 20, " 2gb ": 2 << 30, "100b": 100,
	}
	for in, want := range good {
		got, err := ParseBytes(in)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "lots", "-1g", "1t", "NaN"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
}

func TestBytesString(t *testing.T) {
	for b, want := range map[Bytes]string{1 << 30: "1g", 512 << 20: "512m", 3 << 29: "1536m", 64 << 10: "64k", 1000: "1000", 0: "0"} {
		if got := b.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(b), got, want)
		}
		if back, err := ParseBytes(b.String()); err != nil || back != b {
			t.Errorf("round trip of %d: %d, %v", int64(b), back, err)
		}
	}
	for b, want := range map[Bytes]string{1 << 30: "1 GiB", 512 << 20: "512 MiB", 3 << 29: "1.5 GiB"} {
		if got := b.Human(); got != want {
			t.Errorf("%d.Human() = %q, want %q", int64(b), got, want)
		}
	}
}
