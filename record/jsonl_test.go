package record

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadReportsATornLastLine(t *testing.T) {
	whole := `{"run":"r","step":0,"config":{"name":"a"},"latency_ms":null}` + "\n" +
		`{"run":"r","step":1,"config":{"name":"a"},"latency_ms":{"p95":12}}` + "\n"
	for _, c := range []struct {
		name      string
		text      string
		recs      int
		tornLine  int
		wantError bool
	}{
		{"whole", whole, 2, 0, false},
		{"no final newline", strings.TrimSuffix(whole, "\n"), 2, 0, false},
		{"last line cut mid-line", whole + `{"run":"r","step":2,"conf`, 2, 3, false},
		{"a bad line in the middle", `{"run":` + "\n" + whole, 0, 0, true},
		{"empty", "", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, torn, err := ReadChecked(strings.NewReader(c.text))
			if (err != nil) != c.wantError {
				t.Fatalf("err = %v, want error %v", err, c.wantError)
			}
			if len(recs) != c.recs {
				t.Errorf("%d records, want %d", len(recs), c.recs)
			}
			switch {
			case c.tornLine == 0 && torn != nil:
				t.Errorf("torn = %v, want none", torn)
			case c.tornLine > 0 && (torn == nil || torn.Line != c.tornLine):
				t.Errorf("torn = %v, want line %d", torn, c.tornLine)
			case torn != nil && !strings.Contains(torn.Error(), "line 3"):
				t.Errorf("torn line message %q does not name the line", torn.Error())
			}
		})
	}
	// The null latency of a step without answers reads back as nil.
	recs, _, _ := ReadChecked(strings.NewReader(whole))
	if recs[0].Latency != nil || recs[1].Latency == nil || recs[1].Latency.P95 != 12 {
		t.Errorf("latencies read back as %+v, %+v", recs[0].Latency, recs[1].Latency)
	}
}

func TestReadFileCheckedNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(`{"step":0}`+"\n"+`{"ste`), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, torn, err := ReadFileChecked(dir)
	if err != nil || len(recs) != 1 || torn == nil {
		t.Fatalf("recs %d, torn %v, err %v", len(recs), torn, err)
	}
	if !strings.Contains(torn.Error(), FileName) || !strings.Contains(torn.Error(), "line 2") {
		t.Errorf("message %q names neither the file nor the line", torn.Error())
	}
	var te *TornLine
	if !errors.As(torn, &te) {
		t.Error("TornLine is not an error")
	}
}
