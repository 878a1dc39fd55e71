package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/redact"
)

// TestAppendRedacts: free-text fields of a step reach steps.jsonl without
// URL credentials, secret query values or the writer's known secrets.
func TestAppendRedacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w.RedactWith(redact.New("s3cr3t-env", "resnet50"))
	rec := Record{
		Run: "r-resnet50", Config: Config{Name: "resnet50-small"},
		StopReason:   `Get "http://u:s3cr3t-pass@127.0.0.1:1/p?api_key=s3cr3t-q": refused`,
		Failure:      "deploy: replica log: API_KEY=s3cr3t-env",
		Events:       []Event{{Kind: EventExit, Message: "exit; token=x&key=s3cr3t-k"}},
		SLO:          SLOResult{Breaches: []string{"http://u:s3cr3t-b@h"}},
		ErrorSamples: map[string]string{"other": `Get "/p?token=s3cr3t-t": server said API_KEY=s3cr3t-env`},
	}
	if err := w.Append(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, _ := os.ReadFile(path)
	back, err := ReadFile(path)
	if err != nil || len(back) != 1 {
		t.Fatal(err)
	}
	if back[0].Config.Name != "resnet50-small" || back[0].Run != "r-resnet50" {
		t.Errorf("identifiers changed: run %q, config %q (they must match plan.json)", back[0].Run, back[0].Config.Name)
	}
	if strings.Contains(string(b), "s3cr3t") || back[0].StopReason != `Get "http://<redacted>@127.0.0.1:1/p?api_key=<redacted>": refused` {
		t.Errorf("steps.jsonl: %s", b)
	}
	if !strings.Contains(rec.StopReason, "s3cr3t") || !strings.Contains(rec.Events[0].Message, "s3cr3t") ||
		!strings.Contains(rec.ErrorSamples["other"], "s3cr3t") {
		t.Error("Append changed the caller's record")
	}
}
