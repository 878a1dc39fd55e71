package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/scenarios"
)

// TestCheckTargetsFile: a bad target is reported with the file and the
// line that holds it, before any load (issue 10, case 10).
func TestCheckTargetsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("body.json", `{"age":30}`)
	for _, c := range []struct {
		name, format, text string
		want               string // "" when valid; else a substring after "path:"
	}{
		{"good http", "http", "# comment\nPOST http://x/predict\nContent-Type: application/json\n@body.json\n\nGET http://x/health\n", ""},
		{"good json", "json", `{"method":"GET","url":"http://x/a"}` + "\n\n" + `{"method":"POST","url":"http://x/b"}` + "\n", ""},
		{"bad header", "http", "GET http://x/a\nX-Ok: 1\nnot a header\n", ":3: bad header: not a header"},
		{"bad method", "", "GET http://x/a\n\nget http://x/b\n", ":3: bad method"},
		{"bad URL", "http", "GET http://x/a\n\nPOST ::nope\n", ":3: bad URL: ::nope"},
		{"bad target", "http", "GET http://x/a\n\nPOST\n", ":3: bad target: POST"},
		{"missing body file", "http", "GET http://x/a\n\nPOST http://x/b\n@gone.json\n", ":4: bad body: "},
		{"bad json line", "json", `{"method":"GET","url":"http://x/a"}` + "\n" + `{"method":"GET",` + "\n", ":2: "},
		{"json without url", "json", `{"method":"GET"}` + "\n", ":1: target: required url is missing"},
		{"no targets", "http", "# nothing\n\n", ": no targets"},
	} {
		path := write(strings.ReplaceAll(c.name, " ", "_")+".txt", c.text)
		err := CheckTargetsFile(path, c.format)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), path+c.want)):
			t.Errorf("%s: err = %v, want it to start with %q", c.name, err, path+c.want)
		}
	}
	// Validate runs the check: the engine registers it.
	bad := write("bad.txt", "GET http://x/a\nnot a header\n")
	err := scenarios.Scenario{Ramp: scenarios.Ramp{From: 1}, TargetsFile: bad}.Validate()
	if err == nil || !strings.Contains(err.Error(), "targets_file: "+bad+":2: bad header") {
		t.Errorf("Validate: %v", err)
	}
}
