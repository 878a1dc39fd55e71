package record

import (
	"encoding/json"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseBytes(t *testing.T) {
	good := map[string]Bytes{
		"512m": 512 << 20, "1g": 1 << 30, "1G": 1 << 30, "1GiB": 1 << 30, "1.5g": 3 << 29, "1t": 1 << 40, "2TiB": 2 << 40,
		"256MiB": 256 << 20, "64k": 64 << 10, "1048576": 1 << 20, "6m": 6 << 20, " 2gb ": 2 << 30, "100b": 100, "0": 0, "0m": 0, "0.0g": 0,
	}
	for in, want := range good {
		got, err := ParseBytes(in)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "lots", "-1g", "1x", "NaN", "1e400", "9223372036854775807", "9000000000g", "0.5", ".5b", "0.4"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
}

func TestBytesString(t *testing.T) {
	for b, want := range map[Bytes]string{1 << 30: "1g", 512 << 20: "512m", 3 << 29: "1536m", 64 << 10: "64k", 1000: "1000", 0: "0", 1 << 40: "1024g"} {
		if got := b.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(b), got, want)
		}
		if back, err := ParseBytes(b.String()); err != nil || back != b {
			t.Errorf("round trip of %d: %d, %v", int64(b), back, err)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{FormatBytes(512 << 20), "512 MiB"},
		{FormatBytes(1 << 30), "1 GiB"},
		{FormatBytes(3 << 29), "1.5 GiB"},
		{FormatBytes(1.125 * (1 << 30)), "1.12 GiB"},
		{FormatBytes(1536), "2 KiB"},
		{FormatBytes(100), "100 B"},
		{FormatCPUs(0.5), "0.5 CPU"},
		{FormatCPUs(2), "2 CPUs"},
		{Config{CPUs: 1, MemoryBytes: 1 << 30, Replicas: 2}.Describe(), "2 replicas × 1 CPU × 1 GiB"},
		{Config{CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 1}.Describe(), "1 replica × 0.5 CPU × 512 MiB"},
		{Config{}.Describe(), "1 replica × unlimited CPU × unlimited memory"},
		{Config{CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 2}.AutoName(), "cpu0.5-mem512m-x2"},
		{Config{}.AutoName(), "cpuinf-meminf-x1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestConfigEncodings: the experiment file's YAML (memory as a size) and
// the records' JSON (memory_bytes as an integer) of one Config.
func TestConfigEncodings(t *testing.T) {
	var c Config
	if err := yaml.Unmarshal([]byte("{name: big, cpus: 0.5, memory: 1t, replicas: 2}"), &c); err != nil {
		t.Fatal(err)
	}
	if c != (Config{Name: "big", CPUs: 0.5, MemoryBytes: 1 << 40, Replicas: 2}) {
		t.Errorf("decoded %+v", c)
	}
	if err := yaml.Unmarshal([]byte("{memory: 1x}"), &c); err == nil {
		t.Error("memory 1x accepted")
	}
	c.Runtime = "docker"
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"big","cpus":0.5,"memory_bytes":1099511627776,"replicas":2,"runtime":"docker"}`; string(j) != want {
		t.Errorf("JSON %s, want %s", j, want)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := "name: big\ncpus: 0.5\nmemory: 1024g\nreplicas: 2\n"; string(y) != want {
		t.Errorf("YAML %q, want %q", y, want)
	}
}
